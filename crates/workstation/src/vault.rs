//! The system keyring as the store's secret vault (Secret Service on Linux, Credential Manager
//! on Windows), used when one answers; otherwise the store keeps its sealed file
//! (`idstation_store::secrets`). `IDSTATION_SECRETS=file` keeps the file (a test machine, or a
//! desktop whose keyring must not hold test devices).

use idstation_store::{Result, SecretVault, StoreError};

const SERVICE: &str = "IDStation";

pub struct KeyringVault;

fn failed(e: keyring::Error) -> StoreError {
    StoreError::Io(std::io::Error::other(format!("system keyring: {e}")))
}

impl SecretVault for KeyringVault {
    fn get(&self, name: &str) -> Result<Option<String>> {
        match keyring::Entry::new(SERVICE, name).and_then(|e| e.get_password()) {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(failed(e)),
        }
    }

    fn set(&self, name: &str, value: Option<&str>) -> Result<()> {
        let entry = keyring::Entry::new(SERVICE, name).map_err(failed)?;
        match value {
            Some(v) => entry.set_password(v).map_err(failed),
            None => match entry.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(failed(e)),
            },
        }
    }

    fn kind(&self) -> &'static str {
        "keyring"
    }
}

/// The system keyring if one answers here, else `None` (the store keeps its file).
pub fn system_keyring() -> Option<KeyringVault> {
    if std::env::var("IDSTATION_SECRETS").is_ok_and(|v| v.trim() == "file") {
        return None;
    }
    // Reading a name that is never written tells whether a keyring answers at all.
    KeyringVault
        .get("probe:never-written")
        .ok()
        .map(|_| KeyringVault)
}
