//! What every handler shares: the store, the authenticator, the password guard, the monitor and
//! the node's settings, read once at start.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;

use super::guard_state::Guard;
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
    /// Bounded password hashing and sign-in throttling.
    pub(crate) guard: Arc<Guard>,
    prefix: Arc<str>,
    /// Present while the node serves; found at start, it tells of an unclean stop.
    pub(crate) running_marker: Option<Arc<Path>>,
    /// The node's keys (sealing personal fields, signing exports); `None` in a bare state.
    pub(crate) keys: Option<Arc<Keys>>,
    /// The data folder (attachments live under it).
    pub(crate) data_dir: Option<Arc<Path>>,
    /// Marks the in-process probe's requests (a secret of this process: a client cannot hide
    /// its requests from the figures with it).
    pub(crate) probe_token: Arc<str>,
    /// The heartbeat and probe intervals, for the availability log.
    pub(crate) availability: crate::availability::AvailabilityConfig,
}

impl AppState {
    pub fn new(store: Arc<dyn NodeStore>, settings: Settings) -> Result<AppState, StorageError> {
        let config = store.config()?;
        let now = Utc::now();
        let today = store.load_day(&day_of(now).to_string())?;
        let state = AppState {
            monitor: Arc::new(Monitor::new(now, today)),
            auth: Arc::new(Authenticator::new(
                &config.prefix,
                &config.admin_secret_hash,
            )),
            store,
            guard: Arc::new(Guard::new(settings.password_hashes)),
            settings: Arc::new(settings),
            prefix: config.prefix.into(),
            running_marker: None,
            keys: None,
            data_dir: None,
            probe_token: hex::encode(rand::random::<[u8; 16]>()).into(),
            availability: Default::default(),
        };
        state.refresh_buckets()?;
        Ok(state)
    }

    /// Gives the node's prefix and each active enterprise's their own monitoring figures
    /// (blocking: it reads the enterprises). Called at start and when an enterprise or its GS1
    /// company prefixes change.
    pub(crate) fn refresh_buckets(&self) -> Result<(), StorageError> {
        let active: Vec<_> = self
            .store
            .list_enterprises(None)?
            .into_iter()
            .filter(|e| e.status == "active")
            .collect();
        // A GS1 Digital Link scan counts for the enterprise holding the key's company prefix.
        let mut gs1 = Vec::new();
        for e in &active {
            for company in self.store.gs1_prefixes(e.id)? {
                gs1.push((company, e.prefix.clone()));
            }
        }
        self.monitor.set_gs1_owners(gs1);
        self.monitor.set_buckets(
            std::iter::once(self.prefix.to_string()).chain(active.into_iter().map(|e| e.prefix)),
        );
        Ok(())
    }

    /// Keeps the "running" marker in `data_dir` (see `serve::run`).
    pub fn with_data_dir(mut self, data_dir: &Path) -> AppState {
        self.running_marker = Some(data_dir.join("node.running").into());
        self.data_dir = Some(data_dir.into());
        self
    }

    /// Opens this run of the node (a run left open by a crash ends at its last heartbeat, and
    /// the monitor records the crash): see [`crate::availability`].
    pub fn begin_run(&self) -> Result<i64, StorageError> {
        crate::availability::begin(self.store.as_ref(), &self.monitor)
    }

    /// Closes this run as cleanly stopped.
    pub fn end_run(&self, run: i64) {
        crate::availability::end(self.store.as_ref(), run);
    }

    /// The token the probe marks its requests with.
    pub fn probe_token(&self) -> &str {
        &self.probe_token
    }

    /// The heartbeat and probe intervals this node runs with.
    pub fn with_availability(
        mut self,
        config: crate::availability::AvailabilityConfig,
    ) -> AppState {
        self.availability = config;
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
