//! HTTP Basic authentication of the prefix administrator `300:0.NA/<prefix>`.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use base64::Engine as _;
use percent_encoding::percent_decode_str;

use crate::error::ApiError;

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
/// colon is therefore the index of a raw user; anything else is an encoded user.
pub fn parse_basic(header: &str) -> Result<(String, String), ApiError> {
    let encoded = header
        .strip_prefix("Basic ")
        .or_else(|| header.strip_prefix("basic "))
        .ok_or(ApiError::AuthenticationNeeded)?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| ApiError::AuthenticationFailed)?;
    let text = String::from_utf8(decoded).map_err(|_| ApiError::AuthenticationFailed)?;
    let (head, rest) = text.split_once(':').ok_or(ApiError::AuthenticationFailed)?;
    if !head.is_empty() && head.bytes().all(|b| b.is_ascii_digit()) {
        let (name, secret) = rest.split_once(':').ok_or(ApiError::AuthenticationFailed)?;
        Ok((format!("{head}:{name}"), secret.to_owned()))
    } else {
        Ok((percent_decode(head)?, percent_decode(rest)?))
    }
}

fn percent_decode(s: &str) -> Result<String, ApiError> {
    percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| ApiError::AuthenticationFailed)
}

/// Checks an `Authorization` header against the node's admin; returns the user on success.
/// Slow on purpose (argon2): call it off the async threads.
pub fn authenticate(
    header: Option<&str>,
    prefix: &str,
    secret_hash: &str,
) -> Result<String, ApiError> {
    let (user, secret) = parse_basic(header.ok_or(ApiError::AuthenticationNeeded)?)?;
    // `0.NA` is case-insensitive like every Handle prefix.
    if !user.eq_ignore_ascii_case(&admin_user(prefix)) {
        return Err(ApiError::AuthenticationFailed);
    }
    let hash = PasswordHash::new(secret_hash)
        .map_err(|e| ApiError::Internal(format!("stored admin hash: {e}")))?;
    Argon2::default()
        .verify_password(secret.as_bytes(), &hash)
        .map_err(|_| ApiError::AuthenticationFailed)?;
    Ok(admin_user(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(matches!(
            parse_basic("Bearer x"),
            Err(ApiError::AuthenticationNeeded)
        ));
    }

    #[test]
    fn verifies_the_secret_and_the_user() {
        let hash = hash_secret("pw").expect("hash");
        let ok = authenticate(Some(&basic("300:0.na/88.118:pw")), "88.118", &hash);
        assert_eq!(ok.expect("authenticated"), "300:0.NA/88.118");
        for wrong in [
            "300:0.NA/88.118:nope",
            "300:0.NA/88.119:pw",
            "200:0.NA/88.118:pw",
        ] {
            assert!(matches!(
                authenticate(Some(&basic(wrong)), "88.118", &hash),
                Err(ApiError::AuthenticationFailed)
            ));
        }
        assert!(matches!(
            authenticate(None, "88.118", &hash),
            Err(ApiError::AuthenticationNeeded)
        ));
    }
}
