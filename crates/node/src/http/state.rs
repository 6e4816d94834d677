//! What every handler shares: the store, the authenticator, the monitor and the node's settings,
//! read once at start.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;

use super::task::{blocking, TaskFailed};
use crate::auth::Authenticator;
use crate::config::Settings;
use crate::monitor::{day_of, Monitor};
use crate::secrets::Keys;
use crate::storage::{NodeStore, StorageError};

/// Cloned into every request; each field is shared behind an `Arc`.
#[derive(Clone)]
pub struct AppState {
    pub(crate) store: Arc<dyn NodeStore>,
    pub(crate) auth: Arc<Authenticator>,
    pub(crate) settings: Arc<Settings>,
    pub(crate) monitor: Arc<Monitor>,
    prefix: Arc<str>,
    /// Present while the node serves; found at start, it tells of an unclean stop.
    pub(crate) running_marker: Option<Arc<Path>>,
    /// The node's keys (sealing personal fields, signing exports); `None` in a bare state.
    pub(crate) keys: Option<Arc<Keys>>,
    /// The data folder (attachments live under it).
    pub(crate) data_dir: Option<Arc<Path>>,
}

impl AppState {
    pub fn new(store: Arc<dyn NodeStore>, settings: Settings) -> Result<AppState, StorageError> {
        let config = store.config()?;
        let now = Utc::now();
        let today = store.load_day(&day_of(now).to_string())?;
        Ok(AppState {
            monitor: Arc::new(Monitor::new(now, today)),
            auth: Arc::new(Authenticator::new(
                &config.prefix,
                &config.admin_secret_hash,
            )),
            store,
            settings: Arc::new(settings),
            prefix: config.prefix.into(),
            running_marker: None,
            keys: None,
            data_dir: None,
        })
    }

    /// Keeps the "running" marker in `data_dir` (see `serve::run`).
    pub fn with_data_dir(mut self, data_dir: &Path) -> AppState {
        self.running_marker = Some(data_dir.join("node.running").into());
        self.data_dir = Some(data_dir.into());
        self
    }

    /// Gives the handlers the node's keys.
    pub fn with_keys(mut self, keys: Arc<Keys>) -> AppState {
        self.keys = Some(keys);
        self
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Runs `f` on the store on the blocking pool: how a handler calls storage. The outer
    /// error is the task's, the inner the store's (`state.with_store(..).await??`).
    pub(crate) async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn NodeStore) -> T + Send + 'static,
    ) -> Result<T, TaskFailed> {
        let store = self.store.clone();
        blocking(move || f(store.as_ref())).await
    }
}
