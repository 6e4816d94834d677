//! Who is calling and what the request carries, as handlers take them.
//!
//! `/api/v1` handlers name their caller as an argument, from the widest to the narrowest:
//! [`SignedIn`] (anyone authenticated), [`SyncCaller`] (an account or a device that may act
//! now), [`Caller`] (an account, never a device) and [`Operator`]; the extractor refuses
//! everyone else in the v1 envelope before the handler runs and before a body is read. The
//! Handle API authenticates with [`handle_principal`] / [`handle_writer`] once it has checked
//! the handle, so a request about a handle this node does not serve is told so before it is
//! asked to sign in. A malformed query, path or body is refused naming its field ([`query`],
//! [`path`], [`JsonBody`]). Body limits are set per route in `http/mod.rs`.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use serde::de::DeserializeOwned;

use super::error::{ApiError, V1Error};
use super::guard;
use super::state::AppState;
use super::task::{blocking, now};
use crate::accounts::{token_hash, AccountError, AccountStatus, Denied, Principal};
use crate::auth::{parse_basic, AuthFailure};
use crate::words::Message;

/// The address a request came from (loopback's unspecified address when the server gave none,
/// as in unit tests).
pub fn peer(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |c| {
            c.0.ip().to_canonical()
        })
}

/// The address a request came from, for handlers that throttle by it.
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &S,
    ) -> Result<ClientIp, std::convert::Infallible> {
        Ok(ClientIp(peer(parts)))
    }
}

/// The principal behind the request's `Authorization` header: a token (a lookup), or Basic
/// credentials (remembered for a minute once verified; otherwise checked by `guard`, which
/// throttles and bounds the hashing).
pub async fn principal(
    state: &AppState,
    headers: &HeaderMap,
    ip: IpAddr,
) -> Result<Principal, AuthFailure> {
    let header = match headers.get(AUTHORIZATION) {
        None => return Err(AuthFailure::Missing),
        Some(v) => v.to_str().map_err(|_| AuthFailure::Rejected)?.to_owned(),
    };
    if let Some(token) = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
    {
        let hash = token_hash(token.trim());
        let st = state.clone();
        return blocking(move || st.store.principal_for_token(&hash, &now()))
            .await
            .map_err(|e| AuthFailure::Internal(e.to_string()))??
            .ok_or(AuthFailure::Rejected);
    }
    if let Some(known) = state.auth.cached(&header) {
        return Ok(known);
    }
    let (user, secret) = parse_basic(&header)?;
    let principal = guard::check_basic(state, ip, &user, &secret).await?;
    state.auth.remember(&header, &principal);
    Ok(principal)
}

/// A refused authentication in the v1 envelope, in terms the caller can act on: sign in, sign
/// in again, wait, give up.
pub(crate) fn v1_refusal(refused: AuthFailure, bearer: bool) -> V1Error {
    match refused {
        AuthFailure::Missing => AccountError::Unauthenticated.into(),
        AuthFailure::Rejected if bearer => AccountError::TokenExpired.into(),
        AuthFailure::Rejected => AccountError::WrongCredentials.into(),
        AuthFailure::Inactive(AccountStatus::Pending) => AccountError::AccountPending.into(),
        AuthFailure::Inactive(AccountStatus::Rejected) => AccountError::AccountRejected.into(),
        AuthFailure::Inactive(_) => AccountError::AccountDisabled.into(),
        AuthFailure::Locked => AccountError::AccountLocked.into(),
        AuthFailure::Throttled(retry_after_secs) => {
            AccountError::Throttled { retry_after_secs }.into()
        }
        AuthFailure::Busy => AccountError::Busy.into(),
        AuthFailure::Internal(e) => V1Error::Internal(e),
    }
}

/// Anyone signed in, whatever they may do: what `/api/v1/me`, signing out and changing one's
/// own password take (an account that must change its password gets that far).
pub struct SignedIn(pub Principal);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = V1Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<SignedIn, V1Error> {
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("bearer "));
        principal(state, &parts.headers, peer(parts))
            .await
            .map(SignedIn)
            .map_err(|refused| v1_refusal(refused, bearer))
    }
}

/// The caller of a sync endpoint: an account, or a device acting as itself. Refused when the
/// password must be changed first or the enterprise is not active.
pub struct SyncCaller(pub Principal);

impl FromRequestParts<AppState> for SyncCaller {
    type Rejection = V1Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<SyncCaller, V1Error> {
        let SignedIn(p) = SignedIn::from_request_parts(parts, state).await?;
        if p.must_change_password {
            return Err(AccountError::PasswordChangeRequired.into());
        }
        if !p.enterprise_active {
            return Err(AccountError::Forbidden(Denied::EnterpriseInactive).into());
        }
        Ok(SyncCaller(p))
    }
}

/// The caller of a `/api/v1` endpoint: an active account of an active enterprise (or the
/// operator) that need not change its password first. Devices are refused: they sync and do
/// nothing else, so an endpoint is closed to them unless it takes [`SyncCaller`].
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = V1Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, V1Error> {
        let SyncCaller(p) = SyncCaller::from_request_parts(parts, state).await?;
        if p.is_device() {
            return Err(AccountError::Forbidden(Denied::DevicesSyncOnly).into());
        }
        Ok(Caller(p))
    }
}

/// A `/api/v1` caller who is the operator.
pub struct Operator(pub Principal);

impl FromRequestParts<AppState> for Operator {
    type Rejection = V1Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Operator, V1Error> {
        let Caller(p) = Caller::from_request_parts(parts, state).await?;
        if p.is_operator() {
            Ok(Operator(p))
        } else {
            Err(AccountError::Forbidden(Denied::OperatorsOnly).into())
        }
    }
}

/// A refused authentication in the Handle envelope.
fn handle_refusal(refused: AuthFailure) -> ApiError {
    match refused {
        AuthFailure::Missing => ApiError::AuthenticationNeeded,
        AuthFailure::Rejected => ApiError::AuthenticationFailed,
        AuthFailure::Inactive(AccountStatus::Pending) => {
            ApiError::NotAuthorized(with_chinese(Message::AwaitingApproval))
        }
        AuthFailure::Inactive(_) => ApiError::NotAuthorized(with_chinese(Message::NotActive)),
        AuthFailure::Locked => ApiError::NotAuthorized(with_chinese(Message::Locked)),
        AuthFailure::Throttled(secs) => ApiError::Throttled(secs),
        AuthFailure::Busy => ApiError::Busy,
        AuthFailure::Internal(e) => ApiError::Internal(e),
    }
}

/// The principal behind a Handle API request, or the Handle error that refuses it.
pub async fn handle_principal(
    state: &AppState,
    headers: &HeaderMap,
    ip: IpAddr,
) -> Result<Principal, ApiError> {
    principal(state, headers, ip).await.map_err(handle_refusal)
}

/// The principal writing through the Handle API: a person's account (or the prefix
/// administrator) that may act now. Devices sync instead.
pub async fn handle_writer(
    state: &AppState,
    headers: &HeaderMap,
    ip: IpAddr,
) -> Result<Principal, ApiError> {
    let p = handle_principal(state, headers, ip).await?;
    if p.is_device() {
        return Err(ApiError::NotAuthorized(with_chinese(
            Message::DevicesSyncOnly,
        )));
    }
    if p.must_change_password {
        return Err(ApiError::NotAuthorized(with_chinese(
            Message::PasswordChangeFirst,
        )));
    }
    Ok(p)
}

/// A Handle API message in English with its Chinese after it, for lab staff using a Handle
/// client.
fn with_chinese(message: Message<'_>) -> String {
    let words = message.words();
    format!("{} ({})", words.en, words.zh)
}

/// A `/api/v1` JSON body, read after the parts extractors (so after the caller is known); one
/// that is not JSON of this shape is refused naming the field `body`.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = V1Error;

    async fn from_request(req: Request, state: &S) -> Result<JsonBody<T>, V1Error> {
        json_body(Bytes::from_request(req, state).await).map(JsonBody)
    }
}

/// A JSON body, or its refusal naming the field `body`.
pub fn json_body<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, V1Error> {
    let bytes = body.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AccountError::BodyTooLarge.into()
        } else {
            V1Error::malformed("body", e.body_text())
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| V1Error::malformed("body", e.to_string()))
}

/// A query string, or its refusal naming `field`.
pub fn query<T>(q: Result<Query<T>, QueryRejection>, field: &'static str) -> Result<T, V1Error> {
    q.map(|Query(q)| q)
        .map_err(|e| V1Error::malformed(field, e.body_text()))
}

/// A path parameter, or its refusal naming `field`.
pub fn path<T>(p: Result<Path<T>, PathRejection>, field: &'static str) -> Result<T, V1Error> {
    p.map(|Path(p)| p)
        .map_err(|e| V1Error::malformed(field, e.body_text()))
}
