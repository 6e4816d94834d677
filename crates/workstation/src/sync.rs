//! Sync use cases: sign this workstation in to a node, sync now (also as the app's background
//! run), the sync state, conflicts, and registration with an identifier minted from a lease.

use std::path::Path;

use idstation_model::{Field, InstrumentInput};
use idstation_store::sync::{ConflictRecord, Resolution, SyncSettings, SyncStatus};
use idstation_store::InstrumentRecord;
use idstation_sync::{HttpTransport, Progress, SyncConfig, SyncEngine, SyncReport};

use crate::view::{progress_view, SyncOutcome, SyncProgressView, UiError};
use crate::{tr, Lang, Result, Workstation, WsError};

/// Where this workstation stands with the node, as the header and `idstation dashboard` say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    /// No node set.
    Offline,
    Conflicts,
    /// The last attempt failed (and nothing succeeded since).
    Error,
    /// Changes wait to be sent.
    Pending,
    /// Signed in, never synced.
    NeverSynced,
    Clean,
    /// A sync is running now (the app knows; the database does not).
    Syncing,
}

impl SyncState {
    pub fn of(s: &SyncStatus) -> SyncState {
        if s.node_url.is_none() {
            SyncState::Offline
        } else if s.open_conflicts > 0 {
            SyncState::Conflicts
        } else if s.last_error.is_some()
            && s.last_error_at.as_deref() >= s.last_success_at.as_deref()
            && s.last_error_at.is_some()
        {
            SyncState::Error
        } else if s.pending_ops > 0 {
            SyncState::Pending
        } else if s.last_success_at.is_none() {
            SyncState::NeverSynced
        } else {
            SyncState::Clean
        }
    }

    /// The stable name scripts and the UI's colours use.
    pub fn key(self) -> &'static str {
        match self {
            SyncState::Offline => "offline",
            SyncState::Conflicts => "conflicts",
            SyncState::Error => "error",
            SyncState::Pending | SyncState::NeverSynced => "pending",
            SyncState::Clean => "clean",
            SyncState::Syncing => "syncing",
        }
    }
}

/// How a conflict is settled, as a person picks it: `take` is `local` or `server`, or a merged
/// `value` (which wins when both are given).
pub fn conflict_choice(take: Option<&str>, value: Option<String>) -> Result<Resolution> {
    match (take.map(str::trim), value) {
        // An empty box is a value nobody typed, not a wish to clear the field.
        (_, Some(v)) if v.trim().is_empty() => Err(WsError::MergedValueEmpty),
        (_, Some(v)) => Ok(Resolution::Value(v)),
        (Some("local"), None) => Ok(Resolution::Local),
        (Some("server"), None) => Ok(Resolution::Server),
        (other, None) => Err(WsError::InvalidSetting(
            "take",
            other.unwrap_or_default().to_string(),
        )),
    }
}

/// One sync as the desktop app runs it in the background: on a connection of its own to
/// `data_dir` (so the window's connection never waits for the network), progress as the
/// screens show it, and the end as an outcome in `lang` (a failure is part of it).
pub fn sync_folder(
    data_dir: &Path,
    actor: &str,
    lang: Lang,
    progress: &mut dyn FnMut(SyncProgressView),
) -> SyncOutcome {
    let result = Workstation::open(data_dir, actor).and_then(|mut ws| {
        let report = ws.sync_now(&mut |p| progress(progress_view(&p, lang)));
        let sync = ws.sync_view(lang).ok();
        report.map(|r| (r, sync))
    });
    match result {
        Ok((r, sync)) => SyncOutcome {
            ok: true,
            message: tr!(
                lang,
                "sync-finished",
                sent = r.pushed.applied,
                received = r.pulled
            ),
            error: None,
            sync,
        },
        Err(e) => SyncOutcome {
            ok: false,
            message: e.message(lang),
            error: Some(UiError::new(&e, lang)),
            sync: Workstation::open(data_dir, actor)
                .and_then(|ws| ws.sync_view(lang))
                .ok(),
        },
    }
}

impl Workstation {
    /// Signs in to `node_url` as `username`, registers this workstation as a device of the
    /// account's enterprise (under its own device id) and keeps the device secret, so later
    /// syncs sign in by themselves. The password is not stored.
    pub fn sync_login(
        &mut self,
        node_url: &str,
        username: &str,
        password: &str,
        device_name: &str,
    ) -> Result<()> {
        let transport = HttpTransport::new(node_url)?;
        let token = transport.login(username, password)?;
        let mut settings = self.store.sync_settings()?;
        let url = node_url.trim_end_matches('/');
        let same_node = settings.node_url.as_deref() == Some(url);
        let same_user = settings.username.as_deref() == Some(username);
        if settings.node_url.is_some() && !(same_node && same_user) {
            // Another node or another person: nothing of the old sign-in carries over.
            self.store
                .reset_node_position(!same_node, &self.actor, url, username)?;
            settings.device_secret = None;
        }
        if !(same_node && settings.device_secret.is_some()) {
            let device_id = self.store.device().device_id.to_string();
            let secret = transport.register_device(&token.token, &device_id, device_name)?;
            settings.device_secret = Some(secret);
        }
        settings.node_url = Some(node_url.trim_end_matches('/').to_owned());
        settings.username = Some(username.to_owned());
        settings.token = Some(token.token);
        settings.token_expires_at = Some(token.expires_at);
        self.store.save_sync_settings(&settings)?;
        Ok(())
    }

    pub fn sync_settings(&self) -> Result<SyncSettings> {
        Ok(self.store.sync_settings()?)
    }

    /// One full sync with the node this workstation signed in to.
    pub fn sync_now(&mut self, progress: &mut dyn FnMut(Progress)) -> Result<SyncReport> {
        let url = self
            .store
            .sync_settings()?
            .node_url
            .ok_or(WsError::Sync(idstation_sync::SyncError::NotConfigured))?;
        let engine = SyncEngine::new(HttpTransport::new(&url)?, SyncConfig::default());
        Ok(engine.sync(&mut self.store, progress)?)
    }

    pub fn sync_status(&self) -> Result<SyncStatus> {
        Ok(self.store.sync_status()?)
    }

    pub fn conflicts(&self, open_only: bool) -> Result<Vec<ConflictRecord>> {
        Ok(self.store.conflicts(open_only)?)
    }

    pub fn resolve_conflict(&mut self, id: i64, choice: &Resolution) -> Result<()> {
        Ok(self.store.resolve_conflict(&self.actor, id, choice)?)
    }

    /// Registers an instrument; without an identifier in `input`, one is minted from this
    /// workstation's lease (works offline; sync leases more while online).
    pub fn register_minted(&mut self, input: &InstrumentInput) -> Result<InstrumentRecord> {
        if input.get(&Field::Identifier).is_some() {
            return self.register(input);
        }
        let mut input = input.clone();
        // Validate with the number that would be minted, so a bad form uses up no number.
        input.set(
            &Field::Identifier,
            self.store.next_identifier()?.to_string(),
        );
        self.validate(&input).map_err(WsError::Invalid)?;
        let handle = self.store.mint_identifier()?;
        input.set(&Field::Identifier, handle.to_string());
        self.register(&input)
    }
}
