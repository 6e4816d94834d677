//! The workstation's credentials for the node (its device secret and the current sign-in token)
//! live outside the database, so no backup or copy of the database carries them:
//!
//! - in the system's keyring (Secret Service, Windows Credential Manager) when the program
//!   hands one in with [`Store::use_vault`] (the workstation crate does, where one answers);
//! - otherwise in `<database file>.secrets`, mode 0600, sealed (XChaCha20-Poly1305) under a key
//!   derived from this computer's machine id, the folder's owner and the database's path. That
//!   binds the file to this computer and account: a copied data folder opens nowhere else (the
//!   person signs in again there). It does not hide the secret from this same account or root;
//!   nothing stored by software alone could.
//!
//! A database from before this held the secrets in `sync_settings`: [`Store::open`] moves them
//! out and overwrites them in the file (`secure_delete`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::personal::Sealer;
use crate::{Result, Store, StoreError};

/// Somewhere to keep named secrets. Names are `<device id>:<what>`.
pub trait SecretVault: Send {
    fn get(&self, name: &str) -> Result<Option<String>>;
    /// Stores `value`, or forgets the name when `None`.
    fn set(&self, name: &str, value: Option<&str>) -> Result<()>;
    /// `keyring` or `file`, for the status screen and logs.
    fn kind(&self) -> &'static str;
}

/// Names of the secrets a workstation keeps.
pub(crate) const DEVICE_SECRET: &str = "device_secret";
pub(crate) const TOKEN: &str = "token";

pub(crate) fn name(device_id: &uuid::Uuid, what: &str) -> String {
    format!("{device_id}:{what}")
}

/// The sealed file beside the database.
pub struct FileVault {
    path: PathBuf,
    sealer: Sealer,
}

impl FileVault {
    /// The vault of the database at `db` (nothing is read or written until asked).
    pub fn beside(db: &Path) -> FileVault {
        let mut p = db.as_os_str().to_owned();
        p.push(".secrets");
        FileVault {
            path: p.into(),
            sealer: Sealer::from_key(&machine_key(db)),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read(&self) -> Result<BTreeMap<String, String>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => return Err(e.into()),
        };
        // Sealed on another computer or account (a copied folder): as if signed out.
        match self.sealer.open(AAD, text.trim()) {
            Ok(plain) => Ok(serde_json::from_slice(&plain)?),
            Err(_) => Ok(BTreeMap::new()),
        }
    }

    fn write(&self, map: &BTreeMap<String, String>) -> Result<()> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if map.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            };
        }
        let sealed = self.sealer.seal(AAD, &serde_json::to_vec(map)?)?;
        // tempfile makes the file 0600; renamed over the old one in one step.
        let mut tmp = tempfile::Builder::new()
            .prefix(".idstation-secrets-")
            .tempfile_in(dir)?;
        std::io::Write::write_all(&mut tmp, sealed.as_bytes())?;
        tmp.as_file().sync_all()?;
        tmp.persist(&self.path)
            .map_err(|e| StoreError::Io(e.error))?;
        Ok(())
    }
}

const AAD: &str = "workstation secrets v1";

impl SecretVault for FileVault {
    fn get(&self, name: &str) -> Result<Option<String>> {
        Ok(self.read()?.remove(name))
    }

    fn set(&self, name: &str, value: Option<&str>) -> Result<()> {
        let mut map = self.read()?;
        let changed = match value {
            Some(v) => map.insert(name.to_owned(), v.to_owned()).as_deref() != Some(v),
            None => map.remove(name).is_some(),
        };
        if changed {
            self.write(&map)?;
        }
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "file"
    }
}

/// A key only this computer and account derive for this database path.
fn machine_key(db: &Path) -> [u8; 32] {
    let machine = ["/etc/machine-id", "/var/lib/dbus/machine-id"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_default();
    let dir = db.parent().unwrap_or(Path::new("."));
    let place = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    #[cfg(unix)]
    let owner = {
        use std::os::unix::fs::MetadataExt as _;
        std::fs::metadata(&place)
            .map(|m| m.uid())
            .unwrap_or(0)
            .to_string()
    };
    #[cfg(not(unix))]
    let owner = std::env::var("USERNAME").unwrap_or_default();
    let mut h = Sha256::new();
    for part in [
        "idstation workstation secrets key v1",
        machine.trim(),
        &owner,
        &place.to_string_lossy(),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().into()
}

impl Store {
    /// Keeps the credentials in `vault` from now on (the system keyring), moving any the
    /// current vault holds into it.
    pub fn use_vault(&mut self, vault: Box<dyn SecretVault>) -> Result<()> {
        for what in [DEVICE_SECRET, TOKEN] {
            let n = name(&self.device.device_id, what);
            if let Some(v) = self.vault.get(&n)? {
                vault.set(&n, Some(&v))?;
                self.vault.set(&n, None)?;
            }
        }
        self.vault = vault;
        Ok(())
    }

    /// Where the credentials are kept now: `keyring` or `file`.
    pub fn vault_kind(&self) -> &'static str {
        self.vault.kind()
    }

    pub(crate) fn secret(&self, what: &str) -> Result<Option<String>> {
        self.vault.get(&name(&self.device.device_id, what))
    }

    pub(crate) fn set_secret(&self, what: &str, value: Option<&str>) -> Result<()> {
        self.vault.set(&name(&self.device.device_id, what), value)
    }

    /// Moves credentials an older version kept in the database into the vault, and overwrites
    /// them in the database file.
    pub(crate) fn move_secrets_out_of_database(&mut self) -> Result<()> {
        let (secret, token): (Option<String>, Option<String>) = self.conn.query_row(
            "SELECT device_secret, token FROM sync_settings WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if secret.is_none() && token.is_none() {
            return Ok(());
        }
        if secret.is_some() {
            self.set_secret(DEVICE_SECRET, secret.as_deref())?;
        }
        if token.is_some() {
            self.set_secret(TOKEN, token.as_deref())?;
        }
        self.conn.pragma_update(None, "secure_delete", "ON")?;
        self.conn.execute(
            "UPDATE sync_settings SET device_secret = NULL, token = NULL WHERE id = 1",
            [],
        )?;
        self.conn.pragma_update(None, "secure_delete", "OFF")?;
        // The old page images in the WAL go too.
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}
