//! The one error of the storage seam (its own file so the seam's row types can name it
//! without importing the seam's traits).

use crate::values::ValueError;

/// Why a storage call failed, the same for every backend: either a refusal the caller can act
/// on (a taken name, a missing row) or a failure of the database itself.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database failed (I/O, a constraint the schema should have prevented, a lock).
    #[error("database error: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
    #[error("database migration failed: {0}")]
    Migration(Box<dyn std::error::Error + Send + Sync>),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("the node is not initialised (run `idstation-node init`)")]
    NotInitialised,
    #[error("the node is already initialised")]
    AlreadyInitialised,
    #[error("handle not found")]
    HandleNotFound,
    #[error("handle already exists")]
    HandleExists,
    #[error("the handle has no value with index {0}")]
    ValueNotFound(u32),
    #[error(transparent)]
    InvalidValue(#[from] ValueError),
    /// Two records may not carry one GS1 key: a phone scanning it must reach one instrument.
    #[error("GS1 key {key} belongs to {handle} already")]
    Gs1KeyTaken { key: String, handle: String },
    #[error("the user name is taken")]
    UsernameTaken,
    #[error("a device with this id is registered already")]
    DeviceTaken,
    /// A registration names a prefix no enterprise has, and no name to create one.
    #[error("no enterprise has prefix {0}")]
    UnknownEnterprise(String),
    #[error("the account was already decided")]
    AlreadyDecided,
    /// Registrations awaiting approval are at their limit.
    #[error("too many registrations await approval")]
    TooManyPending,
    /// The enterprise was rejected: nobody joins it.
    #[error("the enterprise was rejected")]
    EnterpriseRejected,
    /// A GS1 company prefix (or one overlapping it) belongs to another enterprise.
    #[error("GS1 company prefix {prefix} belongs to enterprise {enterprise}")]
    Gs1PrefixTaken { prefix: String, enterprise: String },
    /// A record carries a GS1 key outside the GS1 company prefixes of the enterprise that owns
    /// the record's prefix.
    #[error("GS1 key {key} is outside the GS1 company prefixes of enterprise {enterprise}")]
    Gs1NotOwned { key: String, enterprise: String },
    /// A write would leave a synced instrument record's values unreadable as an instrument.
    #[error("the values are not a valid instrument record: {0}")]
    NotAnInstrument(String),
    /// The account, device or token named does not exist (or the token is revoked already).
    #[error("not found")]
    NotFound,
    /// Maintenance mode is on already (one window at a time).
    #[error("maintenance mode is on already")]
    MaintenanceOn,
    /// A write names a revision of a record that is no longer its latest.
    #[error("the record changed meanwhile (now at revision {0})")]
    StaleRevision(u64),
}
