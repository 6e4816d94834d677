//! The data folder's use cases: check it (audit chain and consistency), read the audit trail,
//! back it up while in use and restore a verified backup.

use std::path::Path;

use idstation_store::{AuditEntry, BackupReport, RestoreReport, Store};

use crate::{db_path, Result, VerifyReport, Workstation};

impl Workstation {
    pub fn verify(&self) -> Result<VerifyReport> {
        Ok(VerifyReport {
            audit: self.store.audit_verify()?,
            consistency: self.store.check_consistency()?,
        })
    }

    pub fn audit_log(&self, identifier: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>> {
        let id = identifier
            .map(Self::parse_identifier)
            .transpose()?
            .map(|i| i.to_string());
        Ok(self.store.audit_entries(id.as_deref(), limit)?)
    }

    pub fn backup(&self, dest: &Path, progress: &mut dyn FnMut(i32, i32)) -> Result<BackupReport> {
        Ok(self.store.backup_to(dest, progress)?)
    }

    /// Replaces this data folder's database with a verified backup; the replaced one is kept.
    /// Identifiers and order numbers issued since the backup are never issued again (see
    /// [`idstation_store::NumberingAfterRestore`]).
    pub fn restore(
        data_dir: &Path,
        backup: &Path,
        actor: &str,
        progress: &mut dyn FnMut(i32, i32),
    ) -> Result<RestoreReport> {
        // A new computer's data folder may not exist yet.
        crate::create_private_dir(data_dir)?;
        Ok(Store::restore(&db_path(data_dir), backup, actor, progress)?)
    }
}
