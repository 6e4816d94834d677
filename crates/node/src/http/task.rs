//! What handlers hand off: blocking work (storage, argon2) to the blocking pool, so the async
//! threads never wait on it; and who did a write and when, which every write carries.

use chrono::{SecondsFormat, Utc};

use crate::storage::Actor;

/// A background task that did not finish (it panicked or was cancelled): a failure of the node
/// itself, whatever the work was.
#[derive(Debug, thiserror::Error)]
#[error("blocking task failed: {0}")]
pub struct TaskFailed(String);

/// Runs `f` on the blocking pool. The outer error is the task's, the inner (when `f` returns a
/// `Result`) the work's: `blocking(move || store.get(&h)).await??`.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TaskFailed> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| TaskFailed(e.to_string()))
}

/// Now, as writes record it (RFC 3339, UTC, whole seconds).
pub fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Runs `f` as `user`, now: the actor a write records in the audit log.
pub fn acting<T>(user: &str, f: impl FnOnce(&Actor<'_>) -> T) -> T {
    let at = now();
    f(&Actor { user, at: &at })
}
