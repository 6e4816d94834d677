//! The workstation's use cases: what lab staff do, whether through the desktop app or the
//! `idstation` command line. Both only translate to and from these calls.
//!
//! RECIPE (five lines each way in):
//! - A use case: a `pub fn` on [`Workstation`] in its area's file (`instruments.rs`, `labels.rs`,
//!   `sync.rs`, `scan.rs`, `data.rs`, `hotfolders.rs`) returning [`Result`]; a new failure is a [`WsError`] variant.
//! - A command: that use case, then a `#[tauri::command]` in `src-tauri/src/commands/<area>.rs`
//!   (listed in `src-tauri/src/lib.rs`), its call in `ui/src/lib/api.ts`, a subcommand in `crates/cli`.
//! - A message: the same key in `locales/zh-CN/<area>.ftl` and `locales/en/<area>.ftl`, used as
//!   `tr!(lang, "key", arg = value)`; `i18n/tests.rs` checks keys, arguments and unused ones.
//! - A screen: its shape in `view.rs` (derive `TS`, list it in `export_typescript`), run
//!   `cargo test --test bindings` to regenerate `ui/src/bindings/`, then `ui/src/components/`.
//! - A test: the use case on a real SQLite file in `tests/<area>.rs` (`tests/view.rs` has a bench).

mod data;
pub mod demo;
pub mod docking;
mod error;
mod hotfolders;
pub mod i18n;
mod import;
mod instruments;
pub mod labels;
pub mod reports;
mod scan;
mod sync;
mod vault;
pub mod view;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use idstation_model::{Instrument, InstrumentInput, LiveStatus};
use idstation_model::{MetadataTemplate, ValidationErrors};
use idstation_store::{AuditReport, ConsistencyReport, Device, OutboxStats, Store};
use serde::Serialize;

pub use error::{FolderProblem, ImportProblem, ImportRow, Result, WsError};
pub use hotfolders::{
    activity_line, describe_activity, describe_folder, describe_problem, hot_folders_view,
    Activity, ActivityCounts, ActivityLine, FilePreview, HotFolderForm, HotFolderView,
    HotFoldersView, LabelsEvent, PreviewColumn, Tone, HOT_FOLDERS_FILE,
};
// The hot folders' own types that use cases take and give.
pub use i18n::Lang;
pub use idstation_hotfolder::{
    Action as ImportAction, Event as FolderEvent, FailureCause, FolderConfig, HotFolderError,
    HotFolders, HotFoldersConfig, ImportSettings, PrintOnImport, Problem as FileProblem,
    Stage as ImportStage, TextEncoding, UnknownColumns, Verdict, WatchMode,
};
pub use idstation_labels;
pub use import::ImportReport;
pub use instruments::{parse_status, InstrumentList, InstrumentQuery};
pub use labels::{
    LabelRequest, NewPrinter, PrintJob, PrintProgress, QueueReport, RenderedFile, TemplateInfo,
};
pub use sync::{conflict_choice, sync_folder, SyncState};

// The store's and the sync client's types that use cases hand out: callers (the CLI, the
// desktop shell) name them from here and need not depend on those crates.
pub use idstation_store::sync::{ConflictRecord, Resolution, SyncStatus};
pub use idstation_store::{
    AuditEntry, BackupReport, InstrumentRecord, JobFilter, JobState, RestoreReport, StoreError,
};
pub use idstation_sync::{Progress as SyncProgress, SyncReport};

/// The database's file name inside the data folder.
pub const DB_FILE: &str = "workstation.sqlite";

/// Where data lives unless told otherwise: the platform's data folder.
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .map(|d| d.join("idstation"))
        .unwrap_or_else(|| PathBuf::from("idstation-data"))
}

pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join(DB_FILE)
}

#[derive(Debug, Clone, Serialize)]
pub struct InstrumentDetails {
    pub record: InstrumentRecord,
    pub live_status: LiveStatus,
    pub history: Vec<AuditEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub audit: AuditReport,
    pub consistency: ConsistencyReport,
}

impl VerifyReport {
    /// The failure this report amounts to, if any: a broken audit chain first, then rows,
    /// outbox and audit trail that disagree.
    pub fn failure(&self) -> Option<WsError> {
        if let Some(problem) = &self.audit.problem {
            return Some(WsError::AuditBroken(problem.clone()));
        }
        if !self.consistency.is_consistent() {
            let detail = format!("{:?}", self.consistency);
            return Some(StoreError::Corrupt(detail).into());
        }
        None
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub device: Device,
    pub data_dir: PathBuf,
    pub instruments: i64,
    pub outbox: OutboxStats,
}

/// Creates the data folder readable by its owner only (0700): it holds customers' personal
/// data and the node credentials' sealed file.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let io = |source| WsError::Io {
        path: dir.to_path_buf(),
        source,
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        if !dir.is_dir() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(io)?;
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir).map_err(io)?;
    Ok(())
}

pub struct Workstation {
    store: Store,
    data_dir: PathBuf,
    actor: String,
    template: MetadataTemplate,
    renderer: std::sync::OnceLock<idstation_labels::Renderer>,
    /// The language of messages this workstation stores for people to read later (a print
    /// job's error); zh-CN unless the app or the CLI says otherwise.
    lang: Lang,
}

impl Workstation {
    /// Sets up a new workstation for the enterprise that owns `prefix` (e.g. `88.118.8`).
    pub fn init(data_dir: &Path, prefix: &str, actor: &str) -> Result<Workstation> {
        let prefix = prefix.trim();
        if !idstation_model::identifier::is_valid_prefix(prefix) {
            return Err(WsError::InvalidPrefix(prefix.to_string()));
        }
        create_private_dir(data_dir)?;
        Store::create(&db_path(data_dir), prefix, actor)?;
        Workstation::open(data_dir, actor)
    }

    pub fn open(data_dir: &Path, actor: &str) -> Result<Workstation> {
        let mut store = Store::open(&db_path(data_dir))?;
        if let Some(keyring) = vault::system_keyring() {
            store.use_vault(Box::new(keyring))?;
        }
        let template = store.active_template()?;
        Ok(Workstation {
            store,
            data_dir: data_dir.to_path_buf(),
            actor: actor.to_string(),
            template,
            renderer: std::sync::OnceLock::new(),
            lang: Lang::ZhCn,
        })
    }

    /// Opens the data folder's workstation, setting one up for `prefix` when there is none yet.
    pub fn open_or_init(data_dir: &Path, prefix: &str, actor: &str) -> Result<Workstation> {
        match Workstation::open(data_dir, actor) {
            Err(WsError::Store(StoreError::NotInitialised(_))) => {
                Workstation::init(data_dir, prefix, actor)
            }
            other => other,
        }
    }

    /// Sets the language of the messages it stores from now on (see the `lang` field).
    pub fn set_lang(&mut self, lang: Lang) {
        self.lang = lang;
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn template(&self) -> &MetadataTemplate {
        &self.template
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Validates input against the rules, the template and this enterprise's prefix.
    pub fn validate(&self, input: &InstrumentInput) -> Result<Instrument, ValidationErrors> {
        input.validate_for(&self.template, &self.store.device().prefix)
    }

    pub fn status(&self) -> Result<Status> {
        Ok(Status {
            device: self.store.device().clone(),
            data_dir: self.data_dir.clone(),
            instruments: self.store.count_instruments()?,
            outbox: self.store.outbox_stats()?,
        })
    }

    /// Today's date where this workstation is (what due dates and live status are against).
    pub fn today() -> NaiveDate {
        chrono::Local::now().date_naive()
    }
}
