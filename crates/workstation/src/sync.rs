//! Sync use cases: sign this workstation in to a node, sync now, status, conflicts, and
//! registration with an identifier minted from a lease.

use idstation_model::{Field, InstrumentInput};
use idstation_store::sync::{ConflictRecord, Resolution, SyncSettings, SyncStatus};
use idstation_store::InstrumentRecord;
use idstation_sync::{HttpTransport, Progress, SyncConfig, SyncEngine, SyncReport};

use crate::{Result, Workstation, WsError};

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
        let same_node = settings.node_url.as_deref() == Some(node_url.trim_end_matches('/'));
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
