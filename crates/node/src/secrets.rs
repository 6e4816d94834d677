//! The node's own keys, kept in files apart from the database (mode 0600, in a 0700 folder, by
//! default `<data>/secrets/`, configurable so an operator can keep them on another volume):
//!
//! - the data key, which seals personal fields, attachments and stored reports at rest
//!   (XChaCha20-Poly1305: a random 24-byte nonce per sealing needs no counter to keep);
//! - the signing key (ed25519), which signs escrow manifests and backup manifests.
//!
//! Both are made at `init` or at first use. A backup or an escrow export never contains them.

use std::io::Write as _;
use std::path::{Path, PathBuf};

// The operating system's generator, as rand_core 0.6 (what ed25519-dalek takes).
use argon2::password_hash::rand_core::{OsRng, RngCore};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};

/// The folder under the data folder where keys live unless configured elsewhere.
pub const DEFAULT_DIR: &str = "secrets";
const DATA_KEY: &str = "data.key";
const SIGNING_KEY: &str = "node-signing.key";
const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("key file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("key file {0} is not a key (wrong length)")]
    Malformed(PathBuf),
    #[error("key file {0} can be read by others; it must be mode 0600")]
    Exposed(PathBuf),
    /// Sealed data that does not open with this key: tampered, truncated or another node's.
    #[error("sealed data does not open with this node's key")]
    Unseal,
    #[error("the signature does not match")]
    BadSignature,
}

/// The node's keys, loaded once.
pub struct Keys {
    cipher: XChaCha20Poly1305,
    signing: SigningKey,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("public", &hex::encode(self.public_key().as_bytes()))
            .finish_non_exhaustive()
    }
}

impl Keys {
    /// Loads the keys in `dir`, making any that does not exist yet.
    pub fn load_or_create(dir: &Path) -> Result<Keys, SecretError> {
        let io = |source| SecretError::Io {
            path: dir.to_owned(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        restrict(dir, 0o700).map_err(io)?;
        let data = key_file(&dir.join(DATA_KEY), || {
            let mut key = [0u8; 32];
            OsRng.fill_bytes(&mut key);
            key.to_vec()
        })?;
        let signing = key_file(&dir.join(SIGNING_KEY), || {
            SigningKey::generate(&mut OsRng).to_bytes().to_vec()
        })?;
        let data: [u8; 32] = data
            .try_into()
            .map_err(|_| SecretError::Malformed(dir.join(DATA_KEY)))?;
        let signing: [u8; 32] = signing
            .try_into()
            .map_err(|_| SecretError::Malformed(dir.join(SIGNING_KEY)))?;
        Ok(Keys {
            cipher: XChaCha20Poly1305::new(&data.into()),
            signing: SigningKey::from_bytes(&signing),
        })
    }

    /// `nonce || ciphertext+tag`. `context` (e.g. the record's item and key) is bound in as
    /// associated data, so a sealed value moved to another record does not open.
    pub fn seal(&self, context: &str, plain: &[u8]) -> Vec<u8> {
        let mut nonce_bytes = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce_bytes);
        let nonce = XNonce::from(nonce_bytes);
        let payload = chacha20poly1305::aead::Payload {
            msg: plain,
            aad: context.as_bytes(),
        };
        // Encryption fails only for messages beyond the cipher's limit (256 GiB).
        let sealed = self.cipher.encrypt(&nonce, payload).unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn unseal(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, SecretError> {
        if sealed.len() < NONCE_LEN {
            return Err(SecretError::Unseal);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let payload = chacha20poly1305::aead::Payload {
            msg: body,
            aad: context.as_bytes(),
        };
        self.cipher
            .decrypt(
                &XNonce::try_from(nonce).map_err(|_| SecretError::Unseal)?,
                payload,
            )
            .map_err(|_| SecretError::Unseal)
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The signature of `message`, hex.
    pub fn sign(&self, message: &[u8]) -> String {
        hex::encode(self.signing.sign(message).to_bytes())
    }
}

/// Checks a hex signature by a hex public key.
pub fn verify_signature(
    public_hex: &str,
    message: &[u8],
    sig_hex: &str,
) -> Result<(), SecretError> {
    let public: [u8; 32] = hex::decode(public_hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(SecretError::BadSignature)?;
    let sig: [u8; 64] = hex::decode(sig_hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(SecretError::BadSignature)?;
    let key = VerifyingKey::from_bytes(&public).map_err(|_| SecretError::BadSignature)?;
    key.verify(message, &Signature::from_bytes(&sig))
        .map_err(|_| SecretError::BadSignature)
}

/// Reads a key file, or writes a new one (0600, created exclusively, synced) with `make`.
fn key_file(path: &Path, make: impl FnOnce() -> Vec<u8>) -> Result<Vec<u8>, SecretError> {
    let io = |source| SecretError::Io {
        path: path.to_owned(),
        source,
    };
    match std::fs::read(path) {
        Ok(bytes) => {
            if exposed(path).map_err(io)? {
                return Err(SecretError::Exposed(path.to_owned()));
            }
            Ok(bytes)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let bytes = make();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                options.mode(0o600);
            }
            let mut file = options.open(path).map_err(io)?;
            file.write_all(&bytes).map_err(io)?;
            file.sync_all().map_err(io)?;
            Ok(bytes)
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(unix)]
fn exposed(path: &Path) -> std::io::Result<bool> {
    use std::os::unix::fs::PermissionsExt as _;
    Ok(std::fs::metadata(path)?.permissions().mode() & 0o077 != 0)
}

#[cfg(not(unix))]
fn exposed(_path: &Path) -> std::io::Result<bool> {
    Ok(false)
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Writes `bytes` to a new file readable by the owner only (reports for manual upload,
/// exports).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("part");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_once_kept_private_and_seal_with_context() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = Keys::load_or_create(&dir.path().join("s")).expect("keys");
        let again = Keys::load_or_create(&dir.path().join("s")).expect("same keys");
        assert_eq!(keys.public_key(), again.public_key());
        let sealed = keys.seal("T06|88.118.8", b"13800138000");
        assert!(!sealed.windows(11).any(|w| w == b"13800138000"));
        assert_eq!(
            again.unseal("T06|88.118.8", &sealed).expect("opens"),
            b"13800138000"
        );
        assert!(matches!(
            again.unseal("T06|88.118.9", &sealed),
            Err(SecretError::Unseal)
        ));
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(keys.unseal("T06|88.118.8", &tampered).is_err());

        let sig = keys.sign(b"manifest");
        let public = hex::encode(keys.public_key().as_bytes());
        assert!(verify_signature(&public, b"manifest", &sig).is_ok());
        assert!(verify_signature(&public, b"manifest!", &sig).is_err());

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let key = dir.path().join("s").join(DATA_KEY);
            let mode = std::fs::metadata(&key).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            assert!(matches!(
                Keys::load_or_create(&dir.path().join("s")),
                Err(SecretError::Exposed(_))
            ));
        }
    }
}
