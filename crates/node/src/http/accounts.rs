//! `/api/v1/…` accounts: self-registration, sign-in, approval, enterprises, devices and suffix
//! leases. Answers and refusals are JSON in the v1 envelope (`http::error::V1Error`).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use chrono::{Datelike, SecondsFormat, Utc};
use idstation_model::lease::{default_series, is_valid_series, DEFAULT_WIDTH, MAX_LEASE_COUNT};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::error::{V1Error, V1Result};
use super::extract::{json_body, path, query, Caller, JsonBody, Operator};
use super::state::AppState;
use super::task::{acting, blocking, now};
use crate::accounts::{
    check_name, new_token, token_hash, Account, AccountError, AccountStatus, Denied, Invalid,
    NewAccount, Principal, Registration, Role,
};
use crate::auth::hash_secret;
use crate::storage::Actor;

/// The longest note an operator may leave on a decision.
const MAX_NOTE_CHARS: usize = 500;

pub(crate) async fn register(
    State(state): State<AppState>,
    JsonBody(reg): JsonBody<Registration>,
) -> V1Result {
    reg.validate(state.prefix())?;
    let account = state
        .with_store(move |store| -> V1Result<Account> {
            let password_hash = hash_secret(&reg.password)
                .map_err(|e| V1Error::Internal(format!("cannot hash the password: {e}")))?;
            let new = NewAccount {
                username: reg.username.clone(),
                display_name: check_name("display_name", &reg.display_name)?,
                password_hash,
                role: reg.role,
                enterprise_prefix: reg.enterprise_prefix.clone(),
                enterprise_name: reg
                    .enterprise_name
                    .as_deref()
                    .map(|n| check_name("enterprise_name", n))
                    .transpose()?,
            };
            Ok(acting(&reg.username, |actor| {
                store.register_account(&new, actor)
            })?)
        })
        .await??;
    tracing::info!(username = %account.username, "account registered, pending approval");
    Ok((StatusCode::CREATED, Json(json!({ "account": account }))).into_response())
}

#[derive(Deserialize)]
pub(crate) struct LoginRequest {
    username: String,
    password: String,
}

/// A sign-in's answer: the token (shown once), when it expires, and the account.
#[derive(Serialize)]
struct SignedIn {
    token: String,
    expires_at: String,
    account: Account,
}

/// Issues a token to `account` and records the sign-in.
fn sign_in(state: &AppState, account: Account, at: &str) -> V1Result<SignedIn> {
    let (token, hash) = new_token();
    let ttl = chrono::Duration::from_std(state.settings.token_ttl)
        .unwrap_or_else(|_| chrono::Duration::hours(12));
    let expires_at = (Utc::now() + ttl).to_rfc3339_opts(SecondsFormat::Secs, true);
    let actor = Actor {
        user: &account.username,
        at,
    };
    state
        .store
        .record_login(&account, &hash, &expires_at, &actor)?;
    Ok(SignedIn {
        token,
        expires_at,
        account,
    })
}

pub(crate) async fn login(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<LoginRequest>,
) -> V1Result {
    let signed_in = blocking(move || -> V1Result<SignedIn> {
        let at = now();
        let found = state.store.account_for_login(&req.username)?;
        let ok = state
            .auth
            .verify_password(&req.password, found.as_ref().map(|(_, h)| h.as_str()));
        // A refused sign-in is audited with its reason.
        let refuse = |reason: &str, err: AccountError| -> V1Result<SignedIn> {
            let actor = Actor {
                user: &req.username,
                at: &at,
            };
            state
                .store
                .record_login_refused(&req.username, reason, &actor)?;
            Err(err.into())
        };
        let account = match found {
            Some((account, _)) if ok => account,
            _ => return refuse("wrong_credentials", AccountError::WrongCredentials),
        };
        if let Err(inactive) = account.status.check_active() {
            return refuse(account.status.as_str(), inactive);
        }
        sign_in(&state, account, &at)
    })
    .await??;
    Ok(Json(signed_in).into_response())
}

#[derive(Deserialize)]
pub(crate) struct DeviceLoginRequest {
    device_id: String,
    device_secret: String,
}

/// A registered workstation signs in with its device secret, as the account that registered
/// it; refused when that account is no longer active.
pub(crate) async fn device_login(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<DeviceLoginRequest>,
) -> V1Result {
    let signed_in = blocking(move || -> V1Result<SignedIn> {
        let at = now();
        let account = state
            .store
            .device_account(&req.device_id, &token_hash(&req.device_secret))?
            .ok_or(AccountError::WrongCredentials)?;
        account.status.check_active()?;
        sign_in(&state, account, &at)
    })
    .await??;
    Ok(Json(signed_in).into_response())
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
) -> V1Result {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.get(7..))
        .filter(|_| principal.user_id.is_some())
        .map(|t| token_hash(t.trim()))
        .ok_or(AccountError::Forbidden(Denied::TokensOnly))?;
    state
        .with_store(move |store| {
            acting(&principal.username, |actor| {
                store.revoke_token(&token, actor)
            })
        })
        .await??;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(crate) async fn me(State(state): State<AppState>, Caller(p): Caller) -> V1Result {
    let account = match p.user_id {
        Some(id) => state.with_store(move |store| store.account(id)).await??,
        None => None,
    };
    Ok(Json(json!({
        "username": p.username,
        "role": p.role,
        "enterprise_id": p.enterprise_id,
        "enterprise_prefix": p.enterprise_prefix,
        "account": account,
    }))
    .into_response())
}

#[derive(Deserialize)]
pub(crate) struct AccountQuery {
    status: Option<String>,
}

pub(crate) async fn list_accounts(
    State(state): State<AppState>,
    Caller(p): Caller,
    q: Result<Query<AccountQuery>, QueryRejection>,
) -> V1Result {
    let q = query(q, "query")?;
    let status = q
        .status
        .map(|s| {
            AccountStatus::parse(&s)
                .ok_or_else(|| V1Error::invalid("status", Invalid::UnknownStatus(s)))
        })
        .transpose()?;
    if !p.is_operator() && p.role != Role::EnterpriseAdmin {
        return Err(AccountError::Forbidden(Denied::AccountLists).into());
    }
    let only = p.enterprise_scope()?;
    let accounts = state
        .with_store(move |store| store.list_accounts(status, only))
        .await??;
    Ok(Json(json!({ "accounts": accounts })).into_response())
}

#[derive(Deserialize, Default)]
struct Decision {
    #[serde(default)]
    note: Option<String>,
}

/// Approves or rejects a pending account, with an optional note.
async fn decide(
    state: AppState,
    operator: Principal,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
    approve: bool,
) -> V1Result {
    let id = path(id, "id")?;
    let decision: Decision = match &body {
        Ok(b) if b.is_empty() => Decision::default(),
        _ => json_body(body)?,
    };
    let note = decision.note.map(|n| n.trim().to_owned());
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        return Err(V1Error::invalid(
            "note",
            Invalid::TooLong {
                max: MAX_NOTE_CHARS,
            },
        ));
    }
    let account = state
        .with_store(move |store| {
            acting(&operator.username, |actor| {
                store.decide_account(id, approve, note.as_deref(), actor)
            })
        })
        .await??;
    // An enterprise may have become active (or rejected): its figures get their own bucket.
    let st = state.clone();
    blocking(move || st.refresh_buckets()).await??;
    tracing::info!(username = %account.username, approve, "account decided");
    Ok(Json(json!({ "account": account })).into_response())
}

pub(crate) async fn approve(
    State(state): State<AppState>,
    Operator(operator): Operator,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> V1Result {
    decide(state, operator, id, body, true).await
}

pub(crate) async fn reject(
    State(state): State<AppState>,
    Operator(operator): Operator,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> V1Result {
    decide(state, operator, id, body, false).await
}

pub(crate) async fn enterprises(State(state): State<AppState>, Caller(p): Caller) -> V1Result {
    let only = p.enterprise_scope()?;
    let list = state
        .with_store(move |store| store.list_enterprises(only))
        .await??;
    Ok(Json(json!({ "enterprises": list })).into_response())
}

#[derive(Deserialize)]
pub(crate) struct DeviceRequest {
    name: String,
    /// The workstation's own device id (a UUID), so its ops carry the id the node knows.
    #[serde(default)]
    id: Option<uuid::Uuid>,
    /// Operators name the enterprise; everyone else registers for their own.
    #[serde(default)]
    enterprise_prefix: Option<String>,
}

pub(crate) async fn register_device(
    State(state): State<AppState>,
    Caller(p): Caller,
    JsonBody(req): JsonBody<DeviceRequest>,
) -> V1Result {
    let name = check_name("name", &req.name)?;
    if !p.role.writes_handles() {
        return Err(AccountError::Forbidden(Denied::ReviewerDevices).into());
    }
    let (secret, secret_hash) = new_token();
    let device = state
        .with_store(move |store| -> V1Result<_> {
            let enterprise_id = if p.is_operator() {
                let prefix = req.enterprise_prefix.ok_or(V1Error::invalid(
                    "enterprise_prefix",
                    Invalid::EnterpriseNotNamed,
                ))?;
                store
                    .list_enterprises(None)?
                    .into_iter()
                    .find(|e| e.prefix == prefix)
                    .ok_or(AccountError::UnknownEnterprise(prefix))?
                    .id
            } else {
                match (&req.enterprise_prefix, &p.enterprise_prefix) {
                    (Some(asked), Some(own)) if asked != own => {
                        return Err(AccountError::Forbidden(Denied::AnotherEnterprise).into())
                    }
                    _ => p
                        .enterprise_id
                        .ok_or(AccountError::Forbidden(Denied::NoEnterprise))?,
                }
            };
            let own_id = req.id.map(|u| u.to_string());
            Ok(acting(&p.username, |actor| {
                let id = own_id.as_deref();
                store.register_device(enterprise_id, &name, p.user_id, id, &secret_hash, actor)
            })?)
        })
        .await??;
    // The secret is shown once; the workstation keeps it to sign in as this device.
    Ok((
        StatusCode::CREATED,
        Json(json!({ "device": device, "device_secret": secret })),
    )
        .into_response())
}

pub(crate) async fn list_devices(State(state): State<AppState>, Caller(p): Caller) -> V1Result {
    let only = p.enterprise_scope()?;
    let devices = state
        .with_store(move |store| store.list_devices(only))
        .await??;
    Ok(Json(json!({ "devices": devices })).into_response())
}

pub(crate) async fn device_leases(
    State(state): State<AppState>,
    Caller(p): Caller,
    id: Result<Path<String>, PathRejection>,
) -> V1Result {
    let id = path(id, "id")?;
    let leases = state
        .with_store(move |store| -> V1Result<_> {
            let device = store.device(&id)?.ok_or(AccountError::NotFound)?;
            if !p.can_read_enterprise(device.enterprise_id) {
                // Another enterprise's device does not exist as far as this caller can tell.
                return Err(AccountError::NotFound.into());
            }
            Ok(store.leases_of_device(&id)?)
        })
        .await??;
    Ok(Json(json!({ "leases": leases })).into_response())
}

#[derive(Deserialize)]
pub(crate) struct LeaseRequest {
    device_id: String,
    count: u64,
    #[serde(default)]
    series: Option<String>,
    #[serde(default)]
    width: Option<u32>,
}

pub(crate) async fn lease(
    State(state): State<AppState>,
    Caller(p): Caller,
    JsonBody(req): JsonBody<LeaseRequest>,
) -> V1Result {
    if !(1..=MAX_LEASE_COUNT).contains(&req.count) {
        let max = MAX_LEASE_COUNT;
        return Err(V1Error::invalid("count", Invalid::OutOfRange { max }));
    }
    let series = req
        .series
        .unwrap_or_else(|| default_series(Utc::now().year()));
    if !is_valid_series(&series) {
        return Err(V1Error::invalid("series", Invalid::SeriesShape));
    }
    let width = req.width.unwrap_or(DEFAULT_WIDTH);
    if !(1..=12).contains(&width) {
        return Err(V1Error::invalid("width", Invalid::OutOfRange { max: 12 }));
    }
    if !p.role.writes_handles() {
        return Err(AccountError::Forbidden(Denied::ReviewerLeases).into());
    }
    let lease = state
        .with_store(move |store| -> V1Result<_> {
            let device = store
                .device(&req.device_id)?
                .filter(|d| p.can_read_enterprise(d.enterprise_id))
                .ok_or(AccountError::NotFound)?;
            Ok(acting(&p.username, |actor| {
                store.lease_suffixes(&device, &series, req.count, width, p.user_id, actor)
            })?)
        })
        .await??;
    Ok((StatusCode::CREATED, Json(json!({ "lease": lease }))).into_response())
}
