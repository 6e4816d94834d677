//! Sync with workstations: the node side of [`idstation_model::sync`].
//!
//! A push is applied in one transaction: each op once (by op id), in sequence order per device,
//! with its result stored so a replay gets the same answer. Instrument records are kept as JSON
//! for merging and as typed handle values so they resolve.

use idstation_model::sync::{PullResponse, PushResponse, SnapshotPage};
use idstation_model::{MetadataTemplate, Operation};

use crate::accounts::{Device, Principal};
use crate::store::{Actor, StoreError};

/// What a pull answers.
#[derive(Debug, Clone, PartialEq)]
pub enum PullOutcome {
    Page(PullResponse),
    /// The cursor is older than the retained change log: pull a snapshot instead.
    MustRefetch {
        min_cursor: u64,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the ops are not this device's")]
    WrongDevice,
    #[error("too many ops in one push (at most {0})")]
    TooMany(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for SyncError {
    fn from(e: rusqlite::Error) -> SyncError {
        SyncError::Store(StoreError::Sqlite(e))
    }
}

/// Where synced records live. Methods block.
pub trait SyncStore: Send + Sync + 'static {
    /// Applies `ops` (one device's, in order) and returns each op's result.
    fn push(
        &self,
        principal: &Principal,
        device: &Device,
        ops: &[Operation],
        template: &MetadataTemplate,
        actor: &Actor<'_>,
    ) -> Result<PushResponse, SyncError>;
    fn high_water(&self, device_id: &str) -> Result<u64, SyncError>;
    /// Changes after `cursor` to records at or below `scope` (every record when `None`).
    fn pull(&self, scope: Option<&str>, cursor: u64, limit: u32) -> Result<PullOutcome, SyncError>;
    /// Records at or below `scope` after the handle `after`, in handle order.
    fn snapshot(
        &self,
        scope: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<SnapshotPage, SyncError>;
    /// Drops change rows below `cursor` (retention); older cursors must refetch.
    fn prune_changes(&self, below: u64) -> Result<(), SyncError>;
}
