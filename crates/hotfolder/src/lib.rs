//! Hot folders: files that a LIMS, a calibrator's software or a person drops into a folder
//! become instrument registrations or calibration results, each file all or nothing, none lost
//! and none imported twice, whatever crashes when.
//!
//! # Where things are
//!
//! `config.rs` (what a folder is set to: TOML/JSON) · `watch.rs` ([`HotFolders`]: events or
//! polling, completeness, the worker, [`Event`]s) · `folder.rs` (taking one file: refuse, import,
//! move to `archive/YYYY-MM-DD/` or `error/`) · `safety.rs` (links, devices, sizes, names) ·
//! `import.rs` ([`import_bytes`]: hash, ledger, read, validate, one transaction; the one-shot
//! import too) · `table.rs` (CSV, JSON, JSON lines into a [`Table`]) · `spreadsheet.rs` (XLSX and
//! XLS with their bounds) · `decode.rs` (UTF-8 / GB18030) · `mapping.rs` (headings to fields) ·
//! `plan.rs` (the whole file validated: rows to register or update, or every problem) ·
//! `problem.rs` (why, typed and in zh-CN and English) · `report.rs` (the CSV beside a refused
//! file, safe to open in Excel) · `error.rs`.
//!
//! The store keeps the ledger of imported files (`idstation_store::ImportedFile`), written in the
//! transaction that writes the file's rows.

mod config;
mod decode;
mod error;
mod folder;
mod import;
mod mapping;
mod plan;
mod problem;
pub mod report;
mod safety;
mod spreadsheet;
mod table;
mod watch;

pub use config::{
    Action, FolderConfig, HotFoldersConfig, ImportSettings, MatchBy, PrintOnImport, TextEncoding,
    UnknownColumns, WatchMode,
};
pub use decode::decode;
pub use error::{FailureCause, HotFolderError};
pub use folder::Outcome;
pub use import::{content_hash, import_bytes, preview, Preview, Source, Stage, Verdict};
pub use mapping::{map_columns, Columns};
pub use plan::{plan, Plan, Planned};
pub use problem::{plain_field_words, FieldWords, Problem, Reason};
pub use spreadsheet::MAX_CELLS;
pub use table::{read_table, Format, Row, Table};
pub use watch::{is_temporary, AfterFile, Event, HotFolders, Options, LOCK_FILE};
