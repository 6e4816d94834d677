//! Who is calling and what the request carries, as handlers take them.
//!
//! `/api/v1` handlers name their caller as an argument: [`Caller`] (signed in, active) or
//! [`Operator`]; the extractor refuses everyone else in the v1 envelope before the handler runs
//! and before a body is read. The Handle API authenticates with [`handle_principal`] once it
//! has checked the handle, so a request about a handle this node does not serve is told so
//! before it is asked to sign in. A malformed query, path or body is refused naming its field
//! ([`query`], [`path`], [`JsonBody`]).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use serde::de::DeserializeOwned;

use super::error::{ApiError, V1Error};
use super::state::AppState;
use super::task::{blocking, now};
use crate::accounts::{AccountError, AccountStatus, Denied, Principal};
use crate::auth::AuthFailure;
use crate::words::Message;

/// Largest accepted request body (a handle record is a few KiB at most); routes that take more
/// say so in the router.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The principal behind the request's `Authorization` header. The lookup blocks (argon2,
/// storage), so it runs on the blocking pool.
pub async fn principal(state: &AppState, headers: &HeaderMap) -> Result<Principal, AuthFailure> {
    let header = match headers.get(AUTHORIZATION) {
        None => return Err(AuthFailure::Missing),
        Some(v) => v.to_str().map_err(|_| AuthFailure::Rejected)?.to_owned(),
    };
    let st = state.clone();
    blocking(move || st.auth.principal(Some(&header), st.store.as_ref(), &now()))
        .await
        .map_err(|e| AuthFailure::Internal(e.to_string()))?
}

/// The caller of a `/api/v1` endpoint: an active account, or the prefix administrator.
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = V1Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, V1Error> {
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("bearer "));
        let refused = match principal(state, &parts.headers).await {
            Ok(p) => return Ok(Caller(p)),
            Err(refused) => refused,
        };
        // The reason in terms the caller can act on: sign in, sign in again, wait, give up.
        Err(match refused {
            AuthFailure::Missing => AccountError::Unauthenticated.into(),
            AuthFailure::Rejected if bearer => AccountError::TokenExpired.into(),
            AuthFailure::Rejected => AccountError::WrongCredentials.into(),
            AuthFailure::Inactive(AccountStatus::Pending) => AccountError::AccountPending.into(),
            AuthFailure::Inactive(AccountStatus::Rejected) => AccountError::AccountRejected.into(),
            AuthFailure::Inactive(_) => AccountError::AccountDisabled.into(),
            AuthFailure::Internal(e) => V1Error::Internal(e),
        })
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

/// The principal behind a Handle API request, or the Handle error that refuses it.
pub async fn handle_principal(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Principal, ApiError> {
    principal(state, headers).await.map_err(|f| match f {
        AuthFailure::Missing => ApiError::AuthenticationNeeded,
        AuthFailure::Rejected => ApiError::AuthenticationFailed,
        AuthFailure::Inactive(AccountStatus::Pending) => {
            ApiError::NotAuthorized(with_chinese(Message::AwaitingApproval))
        }
        AuthFailure::Inactive(_) => ApiError::NotAuthorized(with_chinese(Message::NotActive)),
        AuthFailure::Internal(e) => ApiError::Internal(e),
    })
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
    let bytes = body.map_err(|e| V1Error::malformed("body", e.body_text()))?;
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
