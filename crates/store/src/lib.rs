//! The workstation's local store: one SQLite file that may be a field site's only copy for days.
//!
//! Every write is one transaction that changes the row, appends an outbox operation for the node
//! and a hash-chained audit entry. The database runs in WAL mode with `synchronous=FULL`, so a
//! write that returned is on disk. One [`Store`] is the one writer; it is not shared across threads.
//!
//! # Where things are
//!
//! One concern, one file, each adding its own `impl Store` block; `tests/` mirrors the names.
//! `connection.rs` (create, open, pragmas, migrations, the device) · `write.rs` (the write rule)
//! · `instruments.rs` · `search.rs` (text, index upkeep, queries) · `outbox.rs` · `audit.rs` ·
//! `consistency.rs` · `sync.rs` · `labels.rs` · `orders.rs` (orders, lines, workflow steps,
//! attachments) · `order_inbox.rs` (inbox, timeline) · `order_sync.rs` (push form, pulled
//! orders, order conflicts) · `personal.rs` (personal data sealed at rest, its key) ·
//! `imported_files.rs` (the hot folders' ledger) ·
//! `backup.rs` · `clock.rs` · `error.rs`.
//!
//! # Recipe
//!
//! **A table.** Create it in a new migration (below) and give it to the concern that owns it:
//! that file holds its row type, its column list and a `fn x_from_row` beside them. Timestamps
//! are `clock::now()` text. A table the node must see is written through the write rule (below).
//! A failure a caller must tell apart gets a `StoreError` variant (`error.rs`); the words for
//! people are the workstation's, never the store's.
//!
//! **A migration.** `migrations/000N_what.sql` with the next number, plus one
//! `M::up(include_str!(..))` line at the end of `MIGRATIONS` in `connection.rs`. A released file
//! is never edited: a fix is a new file. `Store::open` migrates; a backup's schema version is
//! checked against the same list. `tests/connection.rs` validates the list; test the new shape
//! beside the concern that uses it.
//!
//! **A store concern.** A new `src/<concern>.rs` that opens with why it exists, then its types
//! and one `impl Store { .. }` block. Declare it here (`mod`, private) and re-export its public
//! types below, so callers import from the crate root. Reads take `&self`; writes take
//! `&mut self` and start with `Self::write_tx` (the write lock first, so writers queue instead
//! of failing).
//!
//! **A write that must sync.** Go through `write.rs`: in one `Self::write_tx` transaction change
//! the row (and its search index entry, if searchable), then `Self::record_and_commit(tx, &Write
//! { entity, kind, payload, .. })`, or `Self::record` per row of a batch and one commit. That
//! adds the outbox op and the audit entry; nothing else writes `outbox`. A change the node never
//! sees is audited on its own with `audit::append_one` in its transaction (as `labels.rs`).
//!
//! **Its tests.** In `tests/<concern>.rs`, against a real SQLite file (`common::fixture()`,
//! helpers in `tests/common/`). A write's test asserts the row, its op (`pending_ops`) and its
//! audit entry (`audit_entries`) and ends with `check_consistency().is_consistent()`. A new way
//! the three can drift apart gets a case in `tests/consistency.rs`; `tests/crash.rs` kills a
//! writer mid-write and checks nothing acknowledged is lost.

pub mod audit;
mod backup;
mod clock;
mod connection;
mod consistency;
mod error;
mod imported_files;
mod instruments;
pub mod labels;
mod order_inbox;
mod order_sync;
mod orders;
mod outbox;
pub mod personal;
pub mod reports;
pub mod search;
pub mod secrets;
pub mod sync;
mod write;

pub use audit::{AuditBreak, AuditEntry, AuditReport};
pub use backup::{BackupReport, NumberingAfterRestore, RestoreReport};
pub use connection::{migrations, Device, Store};
pub use consistency::ConsistencyReport;
pub use error::{Result, StoreError};
pub use imported_files::{FileImport, ImportedFile, OwedLabels};
pub use instruments::{CodeField, InstrumentFilter, InstrumentRecord};
pub use labels::{JobFilter, JobState, LabelSettings, LabelThing, NewPrintJob, PrintJob};
pub use order_inbox::{Inbox, InboxItem, InboxQuery, TimelineEntry};
pub use order_sync::{OrderChangeApplied, OrderConflict};
pub use orders::{NewOrder, OrderFields, OrderRecord};
pub use outbox::OutboxStats;
pub use search::SearchResults;
pub use secrets::{FileVault, SecretVault};
