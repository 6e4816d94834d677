//! Who is calling: HTTP Basic as the prefix administrator `300:0.NA/<prefix>` (what Handle
//! clients such as pyhandle send) or as an account's user name and password, and Bearer tokens
//! issued at sign-in.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use base64::Engine as _;
use percent_encoding::percent_decode_str;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::accounts::{AccountStatus, Principal};
use crate::storage::StorageError;

/// The index of the admin's key value on `0.NA/<prefix>`, the `300` in `300:0.NA/<prefix>`.
pub const ADMIN_INDEX: u32 = 300;

/// The user name the prefix administrator authenticates as.
pub fn admin_user(prefix: &str) -> String {
    format!("{ADMIN_INDEX}:0.NA/{prefix}")
}

/// Hashes a secret for storage (argon2id, random salt, PHC string).
pub fn hash_secret(secret: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(secret.as_bytes(), &salt)?
        .to_string())
}

/// User and secret from an `Authorization` header value.
///
/// Clients send the user `300:0.NA/88.118` raw (so it contains a colon) or, like pyhandle,
/// percent-encoded with the secret percent-encoded too. A digits-only part before the first
/// colon is therefore the index of a raw user; anything else is an encoded user. Not Basic at
/// all is [`AuthFailure::Missing`]; Basic that does not decode is [`AuthFailure::Rejected`].
pub fn parse_basic(header: &str) -> Result<(String, String), AuthFailure> {
    let encoded = header
        .strip_prefix("Basic ")
        .or_else(|| header.strip_prefix("basic "))
        .ok_or(AuthFailure::Missing)?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| AuthFailure::Rejected)?;
    let text = String::from_utf8(decoded).map_err(|_| AuthFailure::Rejected)?;
    let (head, rest) = text.split_once(':').ok_or(AuthFailure::Rejected)?;
    if !head.is_empty() && head.bytes().all(|b| b.is_ascii_digit()) {
        let (name, secret) = rest.split_once(':').ok_or(AuthFailure::Rejected)?;
        Ok((format!("{head}:{name}"), secret.to_owned()))
    } else {
        Ok((percent_decode(head)?, percent_decode(rest)?))
    }
}

fn percent_decode(s: &str) -> Result<String, AuthFailure> {
    percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| AuthFailure::Rejected)
}

/// Why a request could not be tied to an active principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// No credentials at all.
    Missing,
    /// Wrong user, password or token (unknown, expired or revoked).
    Rejected,
    /// The credentials are right but the account cannot act yet or any more.
    Inactive(AccountStatus),
    /// Too many wrong passwords locked the account; the operator lifts it.
    Locked,
    /// Too many wrong passwords from this address or for this account: wait this many seconds.
    Throttled(u64),
    /// Too many passwords are being checked at once: try again in a moment.
    Busy,
    /// The node could not tell (storage failed, a stored hash is unreadable, the lookup's task
    /// died); the detail is for the log.
    Internal(String),
}

impl From<StorageError> for AuthFailure {
    fn from(e: StorageError) -> AuthFailure {
        AuthFailure::Internal(e.to_string())
    }
}

/// How long a verified Basic credential is remembered: argon2 is slow on purpose, and a sync
/// sends many requests. Short enough that a change made elsewhere takes effect soon; account
/// changes on this node forget every remembered credential at once.
const BASIC_CACHE_TTL: Duration = Duration::from_secs(60);
const BASIC_CACHE_MAX: usize = 10_000;

/// Verifies secrets and remembers verified Basic credentials. Verifying is argon2 (19 MiB,
/// tens of milliseconds): callers bound how many run at once (`http::guard`).
pub struct Authenticator {
    prefix: String,
    admin_secret_hash: String,
    /// SHA-256 of a verified `Authorization` header -> the principal and when it was verified.
    basic_cache: Mutex<HashMap<[u8; 32], (Principal, Instant)>>,
    /// Verified against when a user name is unknown, so a miss costs as long as a hit.
    dummy_hash: String,
}

impl Authenticator {
    pub fn new(prefix: &str, admin_secret_hash: &str) -> Authenticator {
        Authenticator {
            prefix: prefix.to_owned(),
            admin_secret_hash: admin_secret_hash.to_owned(),
            basic_cache: Mutex::new(HashMap::new()),
            dummy_hash: hash_secret("not a real password 0").unwrap_or_default(),
        }
    }

    /// Whether `user` names the prefix administrator `300:0.NA/<prefix>`.
    pub fn is_admin_user(&self, user: &str) -> bool {
        user.eq_ignore_ascii_case(&admin_user(&self.prefix))
    }

    pub fn admin_principal(&self) -> Principal {
        Principal::prefix_admin(admin_user(&self.prefix))
    }

    /// The principal of an `Authorization` header verified within the last minute.
    pub fn cached(&self, header: &str) -> Option<Principal> {
        let key: [u8; 32] = Sha256::digest(header.as_bytes()).into();
        self.cache()
            .get(&key)
            .filter(|(_, at)| at.elapsed() < BASIC_CACHE_TTL)
            .map(|(p, _)| p.clone())
    }

    pub fn remember(&self, header: &str, principal: &Principal) {
        let key: [u8; 32] = Sha256::digest(header.as_bytes()).into();
        let mut cache = self.cache();
        if cache.len() >= BASIC_CACHE_MAX {
            cache.clear();
        }
        cache.insert(key, (principal.clone(), Instant::now()));
    }

    /// Forgets every verified credential: an account changed (disabled, re-roled, reset).
    pub fn forget_all(&self) {
        self.cache().clear();
    }

    /// Verifies the prefix administrator's secret (argon2).
    pub fn verify_admin(&self, secret: &str) -> Result<(), AuthFailure> {
        verify(secret, &self.admin_secret_hash)
    }

    /// Verifies a password against an account's stored hash, or against a dummy hash when
    /// there is no account, so both take as long (argon2).
    pub fn verify_password(&self, password: &str, hash: Option<&str>) -> bool {
        verify(password, hash.unwrap_or(&self.dummy_hash)).is_ok() && hash.is_some()
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], (Principal, Instant)>> {
        self.basic_cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn verify(secret: &str, phc: &str) -> Result<(), AuthFailure> {
    let hash =
        PasswordHash::new(phc).map_err(|e| AuthFailure::Internal(format!("stored hash: {e}")))?;
    Argon2::default()
        .verify_password(secret.as_bytes(), &hash)
        .map_err(|_| AuthFailure::Rejected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Role;

    fn basic(s: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(s)
        )
    }

    #[test]
    fn parses_raw_and_percent_encoded_users() {
        let expected = ("300:0.NA/88.118".to_owned(), "s3cret:x".to_owned());
        assert_eq!(
            parse_basic(&basic("300:0.NA/88.118:s3cret:x")).expect("raw"),
            expected
        );
        assert_eq!(
            parse_basic(&basic("300%3A0.NA%2F88.118:s3cret%3Ax")).expect("encoded"),
            expected
        );
        assert_eq!(parse_basic("Bearer x"), Err(AuthFailure::Missing));
        assert_eq!(parse_basic("Basic %%%"), Err(AuthFailure::Rejected));
    }

    #[test]
    fn verifies_the_admin_secret_and_remembers_verified_headers() {
        let hash = hash_secret("pw").expect("hash");
        let auth = Authenticator::new("88.118", &hash);
        assert!(auth.is_admin_user("300:0.na/88.118"));
        assert!(!auth.is_admin_user("300:0.NA/88.119") && !auth.is_admin_user("operator"));
        assert_eq!(auth.verify_admin("pw"), Ok(()));
        assert_eq!(auth.verify_admin("nope"), Err(AuthFailure::Rejected));
        assert!(auth.verify_password("pw", Some(&hash)));
        assert!(!auth.verify_password("pw", None), "no account, no sign-in");
        let header = basic("300:0.NA/88.118:pw");
        assert_eq!(auth.cached(&header), None);
        auth.remember(&header, &auth.admin_principal());
        assert_eq!(auth.cached(&header).map(|p| p.role), Some(Role::Operator));
        auth.forget_all();
        assert_eq!(auth.cached(&header), None);
    }
}
