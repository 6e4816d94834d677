//! Personal information at rest: an order contact's name and phone are sealed with
//! XChaCha20-Poly1305 under a key kept APART from the database file, so a copied database or
//! backup holds no readable phone number, and an edited ciphertext is detected, not believed.
//!
//! - The key is 32 random bytes in `<database file>.key` (e.g. `workstation.sqlite.key`), created
//!   with mode 0600 the first time personal data is written, or handed in by the caller
//!   ([`Store::set_personal_key`]). The database records only the key's id (a hash of it), so a
//!   wrong or missing key file is reported as such instead of as damaged data.
//! - A sealed value is the text `v1.<base64url(nonce ‖ ciphertext)>` with a random 24-byte
//!   nonce; the associated data binds it to its place (`contact:<order number>`), so a
//!   ciphertext moved to another order does not open.
//! - The same sealed text goes into the order row and the outbox op, so the audit chain's
//!   payload hash covers it and neither holds the clear value. Before a push the sync client
//!   asks for [`Store::ops_for_push`], which opens them: the node gets clear text over TLS only,
//!   and seals it at rest with its own key.
//!
//! A backup copies the database without the key: restore it beside the same key file (or
//! with the same key) to read the contacts.

use std::cell::OnceCell;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use idstation_model::order::Contact;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::clock::now;
use crate::{audit, Result, Store, StoreError};

const PREFIX: &str = "v1.";
const NONCE_LEN: usize = 24;

/// The opened key, with its id.
pub(crate) struct Sealer {
    cipher: XChaCha20Poly1305,
    key_id: String,
}

impl Sealer {
    /// A sealer under a key derived elsewhere (the secrets file's, `secrets.rs`).
    pub(crate) fn from_key(key: &[u8; 32]) -> Sealer {
        Sealer::new(key)
    }

    fn new(key: &[u8; 32]) -> Sealer {
        Sealer {
            cipher: XChaCha20Poly1305::new(&(*key).into()),
            key_id: key_id(key),
        }
    }

    /// Seals `plain` for the place named by `aad`.
    pub(crate) fn seal(&self, aad: &str, plain: &[u8]) -> Result<String> {
        let nonce_bytes =
            <[u8; NONCE_LEN]>::try_generate().map_err(|e| StoreError::Personal(e.to_string()))?;
        let nonce = XNonce::from(nonce_bytes);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| StoreError::Personal("encryption failed".into()))?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    pub(crate) fn open(&self, aad: &str, sealed: &str) -> Result<Vec<u8>> {
        let bad = || StoreError::Personal(format!("a sealed value for {aad} does not open"));
        let raw = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .ok_or_else(bad)?;
        if raw.len() < NONCE_LEN {
            return Err(bad());
        }
        let (nonce, body) = raw.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| bad())?;
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: body,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| bad())
    }

    pub(crate) fn seal_contact(&self, number: &str, c: &Contact) -> Result<String> {
        self.seal(&contact_aad(number), serde_json::to_string(c)?.as_bytes())
    }

    pub(crate) fn open_contact(&self, number: &str, sealed: &str) -> Result<Contact> {
        Ok(serde_json::from_slice(
            &self.open(&contact_aad(number), sealed)?,
        )?)
    }
}

fn contact_aad(number: &str) -> String {
    format!("contact:{number}")
}

/// A key's public name: the first 16 hex digits of SHA-256 over a label and the key.
fn key_id(key: &[u8; 32]) -> String {
    let mut h = Sha256::new();
    h.update(b"idstation personal key id v1");
    h.update(key);
    hex::encode(&h.finalize()[..8])
}

/// Where the key of the database at `db` lives.
pub fn key_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".key");
    p.into()
}

fn recorded_key_id(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT key_id FROM personal_key WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?)
}

fn read_key_file(path: &Path) -> Result<Option<[u8; 32]>> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let key: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| StoreError::PersonalKeyMismatch(path.to_path_buf()))?;
            Ok(Some(key))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Writes a new key file that only its owner can read (never overwriting one).
fn write_key_file(path: &Path, key: &[u8; 32]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(key)?;
    f.sync_all()?;
    Ok(())
}

pub(crate) type SealerCell = OnceCell<Sealer>;

impl Store {
    /// Where this database's key file is (or will be).
    pub fn personal_key_path(&self) -> PathBuf {
        key_path(&self.path)
    }

    /// Uses `key` for personal data instead of the key file (e.g. one the caller keeps in the
    /// system keyring). Refused when the database already holds data sealed with another key.
    pub fn set_personal_key(&mut self, key: [u8; 32]) -> Result<()> {
        let sealer = Sealer::new(&key);
        match recorded_key_id(&self.conn)? {
            Some(id) if id != sealer.key_id => {
                return Err(StoreError::PersonalKeyMismatch(self.personal_key_path()))
            }
            Some(_) => {}
            None => self.record_key_id(&sealer.key_id)?,
        }
        self.personal = OnceCell::new();
        let _ = self.personal.set(sealer);
        Ok(())
    }

    fn record_key_id(&mut self, key_id: &str) -> Result<()> {
        let tx = Self::write_tx(&mut self.conn)?;
        let at = now();
        tx.execute(
            "INSERT INTO personal_key (id, key_id, created_at) VALUES (1, ?1, ?2)",
            params![key_id, at],
        )?;
        audit::append_one(
            &tx,
            &audit::NewEntry {
                at: &at,
                actor: "system",
                action: "personal_key",
                entity: "device",
                entity_id: &self.device.device_id.to_string(),
                op_id: None,
                payload_sha256: None,
                before: None,
                after: Some(&serde_json::json!({ "key_id": key_id }).to_string()),
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The key for reading: from the cell, or loaded from the key file.
    pub(crate) fn sealer(&self) -> Result<&Sealer> {
        if let Some(s) = self.personal.get() {
            return Ok(s);
        }
        let path = self.personal_key_path();
        let key =
            read_key_file(&path)?.ok_or_else(|| StoreError::PersonalKeyMissing(path.clone()))?;
        let sealer = Sealer::new(&key);
        if recorded_key_id(&self.conn)?.is_some_and(|id| id != sealer.key_id) {
            return Err(StoreError::PersonalKeyMismatch(path));
        }
        Ok(self.personal.get_or_init(|| sealer))
    }

    /// The key for writing: as [`Store::sealer`], but a database that never had personal data
    /// gets a new key file on first use.
    pub(crate) fn sealer_for_write(&mut self) -> Result<&Sealer> {
        if self.personal.get().is_none() {
            let path = self.personal_key_path();
            let recorded = recorded_key_id(&self.conn)?;
            match (read_key_file(&path)?, recorded) {
                (None, None) => {
                    let key = <[u8; 32]>::try_generate()
                        .map_err(|e| StoreError::Personal(e.to_string()))?;
                    write_key_file(&path, &key)?;
                    let sealer = Sealer::new(&key);
                    self.record_key_id(&sealer.key_id)?;
                    let _ = self.personal.set(sealer);
                }
                (Some(key), None) => {
                    let sealer = Sealer::new(&key);
                    self.record_key_id(&sealer.key_id)?;
                    let _ = self.personal.set(sealer);
                }
                (_, Some(_)) => {
                    self.sealer()?;
                }
            }
        }
        self.sealer()
    }
}
