//! Sync with workstations: the node's side of [`idstation_model::sync`] that is neither HTTP nor
//! storage. A push is first checked as a whole here; its ops are then applied by the store
//! ([`crate::storage::SyncStore`]), each once, in sequence order per device.

use idstation_model::sync::PullResponse;
use idstation_model::Operation;

/// What a pull answers.
#[derive(Debug, Clone, PartialEq)]
pub enum PullOutcome {
    Page(PullResponse),
    /// The cursor is older than the retained change log: pull a snapshot instead.
    MustRefetch {
        min_cursor: u64,
    },
}

/// Why a push is refused as a whole, before any of its ops is applied. (A single op that cannot
/// be applied is refused in its own result instead.) Its words are in [`crate::words`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushRejection {
    /// An op carries another device's id than the device pushing.
    WrongDevice,
    /// More ops than one push may carry.
    TooMany(usize),
}

/// Checks the ops a device pushes before they reach the store: every one must be that device's,
/// since the store applies them in the device's own sequence.
pub fn check_push(device_id: &str, ops: &[Operation]) -> Result<(), PushRejection> {
    if ops.iter().any(|op| op.device_id.to_string() != device_id) {
        return Err(PushRejection::WrongDevice);
    }
    Ok(())
}
