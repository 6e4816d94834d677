//! The store's one error type: every way a store call can fail, typed, so the workstation can
//! turn each into words (zh-CN or English) at the edge.

use std::path::PathBuf;

use idstation_model::order::{ContactProblem, OrderProblem, ResultProblem, TransitionError};

use crate::labels::LabelThing;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("no workstation database at {0}; run `idstation init` first")]
    NotInitialised(PathBuf),
    #[error("a workstation database already exists at {0}")]
    AlreadyInitialised(PathBuf),
    #[error("instrument {0} is not registered")]
    NotFound(String),
    #[error("instrument {0} is already registered")]
    AlreadyExists(String),
    #[error("instrument {0} was deleted; undelete it first")]
    Deleted(String),
    #[error("instrument {0} is not deleted")]
    NotDeleted(String),
    #[error("instrument {id} changed meanwhile (version {expected} expected, {actual} found)")]
    VersionConflict {
        id: String,
        expected: i64,
        actual: i64,
    },
    #[error("an instrument's identifier cannot be changed ({0})")]
    IdentifierImmutable(String),
    #[error("the backup {path} cannot be used: {reason}")]
    BackupInvalid { path: PathBuf, reason: String },
    #[error("conflict {0} is already resolved")]
    ConflictResolved(i64),
    #[error("no leased identifiers left; sync while online to lease more")]
    NoLease,
    #[error("the value is not valid: {0:?}")]
    Invalid(idstation_model::ValidationErrors),
    #[error("{0} already exists; choose another file name")]
    FileExists(PathBuf),
    #[error("the database is damaged: {0}")]
    Corrupt(String),
    #[error("{0:?} '{1}' not found")]
    LabelNotFound(LabelThing, String),
    #[error("a printer named '{0}' already exists")]
    PrinterExists(String),
    #[error("print job {id} is {state}")]
    JobState { id: i64, state: &'static str },
    #[error("order {0} does not exist")]
    OrderNotFound(String),
    #[error("order {0} already exists")]
    OrderExists(String),
    #[error("the order has no line {0}")]
    LineNotFound(String),
    #[error("the order already has line {0}")]
    LineExists(String),
    #[error("the order is not valid: {0:?}")]
    OrderInvalid(Vec<OrderProblem>),
    #[error("the contact is not valid: {0:?}")]
    ContactInvalid(Vec<ContactProblem>),
    #[error("the line is not valid: {0:?}")]
    LineInvalid(Vec<ResultProblem>),
    /// The order workflow refused the step or edit (the model's words say why).
    #[error("{0}")]
    OrderRefused(TransitionError),
    #[error("the file is {size} bytes; at most {max} may be attached")]
    AttachmentTooLarge { size: u64, max: u64 },
    #[error("the order from the node cannot be stored: {0}")]
    RemoteOrderInvalid(String),
    #[error("the personal-data key {0} is missing; restore it beside the database")]
    PersonalKeyMissing(PathBuf),
    #[error("the personal-data key {0} is not the one this database was sealed with")]
    PersonalKeyMismatch(PathBuf),
    #[error("personal data: {0}")]
    Personal(String),
    #[error("report {0} is issued already")]
    ReportIssued(String),
    #[error("a file with the same content (SHA-256 {0}) was already imported")]
    AlreadyImported(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("stored data could not be read: {0}")]
    Json(#[from] serde_json::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
