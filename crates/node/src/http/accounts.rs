//! `/api/v1/…` accounts: self-registration, sign-in (people and devices), approval, the account
//! lifecycle (disable, role, password reset, token revocation, unlock), enterprises and their
//! GS1 company prefixes, devices and suffix leases. Answers and refusals are JSON in the v1
//! envelope (`http::error::V1Error`).

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
use super::extract::{
    json_body, path, query, v1_refusal, Caller, ClientIp, JsonBody, Operator, SignedIn, SyncCaller,
};
use super::guard::{self, hashing};
use super::state::AppState;
use super::task::{acting, blocking, now};
use crate::accounts::{
    check_name, check_password, new_token, token_hash, Account, AccountError, AccountStatus,
    Denied, Device, Invalid, NewAccount, Principal, Registration, Role,
};
use crate::auth::hash_secret;
use crate::storage::{Actor, StorageError};

/// The longest note an operator may leave on a decision.
const MAX_NOTE_CHARS: usize = 500;

/// Hashes a new password with a hashing permit (see `guard`).
async fn hash_password(state: &AppState, password: String) -> V1Result<String> {
    hashing(state, move || hash_secret(&password))
        .await
        .map_err(|refused| v1_refusal(refused, false))?
        .map_err(|e| V1Error::Internal(format!("cannot hash the password: {e}")))
}

pub(crate) async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(reg): JsonBody<Registration>,
) -> V1Result {
    reg.validate(state.prefix())?;
    if let Some(retry_after_secs) = guard::registration_wait(&state, ip) {
        return Err(AccountError::Throttled { retry_after_secs }.into());
    }
    guard::registered(&state, ip);
    let password_hash = hash_password(&state, reg.password.clone()).await?;
    let account = state
        .with_store(move |store| -> V1Result<Account> {
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
struct SignedInAnswer {
    token: String,
    expires_at: String,
    account: Account,
}

/// Issues a token to `account` and records the sign-in.
fn sign_in(state: &AppState, account: Account, at: &str) -> V1Result<SignedInAnswer> {
    let (token, hash) = new_token();
    let expires_at = expiry(state);
    let actor = Actor {
        user: &account.username,
        at,
    };
    state
        .store
        .record_login(&account, &hash, &expires_at, &actor)?;
    Ok(SignedInAnswer {
        token,
        expires_at,
        account,
    })
}

/// When a token issued now expires.
fn expiry(state: &AppState) -> String {
    let ttl = chrono::Duration::from_std(state.settings.token_ttl)
        .unwrap_or_else(|_| chrono::Duration::hours(12));
    (Utc::now() + ttl).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A person signs in: the password is checked by `guard` (throttled, hashing bounded, refusals
/// of existing accounts audited, repeated ones locking the account). An account whose password
/// must be changed gets a token that only changes it.
pub(crate) async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(req): JsonBody<LoginRequest>,
) -> V1Result {
    let account = guard::check_password(&state, ip, &req.username, &req.password)
        .await
        .map_err(|refused| v1_refusal(refused, false))?;
    let signed_in = blocking(move || sign_in(&state, account, &now())).await??;
    Ok(Json(signed_in).into_response())
}

#[derive(Deserialize)]
pub(crate) struct DeviceLoginRequest {
    device_id: String,
    device_secret: String,
}

/// A registered workstation signs in with its device secret, as itself: the device role,
/// limited to sync, whoever registered it. The answer carries what the node has seen of the
/// device (its high-water mark and how far into each lease identifiers are registered), the
/// witness a workstation restored from an older backup resumes from.
pub(crate) async fn device_login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(req): JsonBody<DeviceLoginRequest>,
) -> V1Result {
    if !state
        .guard
        .throttle
        .wait_address(ip, std::time::Instant::now())
        .is_zero()
    {
        return Err(AccountError::Throttled {
            retry_after_secs: 1,
        }
        .into());
    }
    let st = state.clone();
    let found = blocking(move || {
        st.store
            .device_for_login(&req.device_id, &token_hash(&req.device_secret))
    })
    .await??;
    let Some((device, enterprise_active)) = found else {
        state
            .guard
            .throttle
            .note_address(ip, std::time::Instant::now());
        return Err(AccountError::WrongCredentials.into());
    };
    if device.revoked_at.is_some() {
        return Err(AccountError::DeviceRevoked.into());
    }
    if !enterprise_active {
        return Err(AccountError::Forbidden(Denied::EnterpriseInactive).into());
    }
    let (token, hash) = new_token();
    let expires_at = expiry(&state);
    let answer = state
        .with_store(move |store| -> V1Result<serde_json::Value> {
            let actor_name = format!("device:{}", device.id);
            acting(&actor_name, |actor| {
                store.record_device_login(&device, &hash, &expires_at, actor)
            })?;
            let witness = json!({
                "high_water": store.high_water(&device.id)?,
                "leases": store.leases_in_use(&device.id)?,
            });
            Ok(json!({
                "token": token,
                "expires_at": expires_at,
                "device": device,
                "sync": witness,
            }))
        })
        .await??;
    Ok(Json(answer).into_response())
}

/// The SHA-256 of the request's Bearer token, if it has one.
fn bearer_hash(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer "))
        .and_then(|v| v.get(7..))
        .map(|t| token_hash(t.trim()))
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    SignedIn(principal): SignedIn,
    headers: HeaderMap,
) -> V1Result {
    let token = bearer_hash(&headers).ok_or(AccountError::Forbidden(Denied::TokensOnly))?;
    state
        .with_store(move |store| {
            acting(&principal.username, |actor| {
                store.revoke_token(&token, actor)
            })
        })
        .await??;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(crate) async fn me(State(state): State<AppState>, SignedIn(p): SignedIn) -> V1Result {
    let account = match p.user_id {
        Some(id) => state.with_store(move |store| store.account(id)).await??,
        None => None,
    };
    Ok(Json(json!({
        "username": p.username,
        "role": p.role,
        "enterprise_id": p.enterprise_id,
        "enterprise_prefix": p.enterprise_prefix,
        "device_id": p.device_id,
        "must_change_password": p.must_change_password,
        "account": account,
    }))
    .into_response())
}

#[derive(Deserialize)]
pub(crate) struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Changes one's own password: the current one is checked like a sign-in, the new one must be
/// strong and different. Every other token of the account is revoked; this one stays.
pub(crate) async fn change_password(
    State(state): State<AppState>,
    SignedIn(p): SignedIn,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    JsonBody(req): JsonBody<PasswordChange>,
) -> V1Result {
    if p.is_device() {
        return Err(AccountError::Forbidden(Denied::DevicesSyncOnly).into());
    }
    // The prefix administrator has no account: its secret lives in the node's configuration.
    let id = p.user_id.ok_or(AccountError::NotFound)?;
    check_password("new_password", &req.new_password)?;
    if req.new_password == req.current_password {
        return Err(V1Error::invalid("new_password", Invalid::SamePassword));
    }
    guard::check_password(&state, ip, &p.username, &req.current_password)
        .await
        .map_err(|refused| match refused {
            crate::auth::AuthFailure::Rejected => V1Error::invalid(
                "current_password",
                Invalid::Malformed("wrong password".to_owned()),
            ),
            other => v1_refusal(other, false),
        })?;
    let hash = hash_password(&state, req.new_password).await?;
    let keep = bearer_hash(&headers);
    let account = state
        .with_store(move |store| {
            acting(&p.username, |actor| {
                store.set_password(id, &hash, false, keep.as_deref(), actor)
            })
        })
        .await??;
    state.auth.forget_all();
    Ok(Json(json!({ "account": account })).into_response())
}

/// The account `id` after checking that `p` may manage it.
async fn manageable(state: &AppState, p: &Principal, id: i64) -> V1Result<Account> {
    let target = state
        .with_store(move |store| store.account(id))
        .await??
        .filter(|a| p.is_operator() || p.can_read_enterprise(a.enterprise_id.unwrap_or(-1)))
        .ok_or(AccountError::NotFound)?;
    p.may_manage(&target)?;
    Ok(target)
}

/// Runs an account change as `p` and forgets remembered credentials, so it takes effect on
/// the next request.
async fn change_account<T: Serialize + Send + 'static>(
    state: &AppState,
    p: Principal,
    change: impl FnOnce(&dyn crate::storage::NodeStore, &Actor<'_>) -> Result<T, StorageError>
        + Send
        + 'static,
) -> V1Result<T> {
    let changed = state
        .with_store(move |store| acting(&p.username, |actor| change(store, actor)))
        .await??;
    state.auth.forget_all();
    Ok(changed)
}

pub(crate) async fn disable(
    State(state): State<AppState>,
    Caller(p): Caller,
    id: Result<Path<i64>, PathRejection>,
) -> V1Result {
    let id = path(id, "id")?;
    manageable(&state, &p, id).await?;
    let account = change_account(&state, p, move |store, actor| {
        store.set_account_status(id, AccountStatus::Disabled, actor)
    })
    .await?;
    Ok(Json(json!({ "account": account })).into_response())
}

pub(crate) async fn enable(
    State(state): State<AppState>,
    Caller(p): Caller,
    id: Result<Path<i64>, PathRejection>,
) -> V1Result {
    let id = path(id, "id")?;
    manageable(&state, &p, id).await?;
    let account = change_account(&state, p, move |store, actor| {
        store.set_account_status(id, AccountStatus::Active, actor)
    })
    .await?;
    Ok(Json(json!({ "account": account })).into_response())
}

#[derive(Deserialize)]
pub(crate) struct RoleChange {
    role: Role,
}

pub(crate) async fn set_role(
    State(state): State<AppState>,
    Caller(p): Caller,
    id: Result<Path<i64>, PathRejection>,
    JsonBody(req): JsonBody<RoleChange>,
) -> V1Result {
    let id = path(id, "id")?;
    match req.role {
        Role::Operator => return Err(V1Error::invalid("role", Invalid::OperatorRole)),
        Role::Device => return Err(V1Error::invalid("role", Invalid::DeviceRole)),
        _ => {}
    }
    // An operator stays an operator (it belongs to no enterprise a new role could apply in).
    if manageable(&state, &p, id).await?.role == Role::Operator {
        return Err(V1Error::invalid("role", Invalid::OperatorRole));
    }
    let account = change_account(&state, p, move |store, actor| {
        store.set_role(id, req.role, actor)
    })
    .await?;
    Ok(Json(json!({ "account": account })).into_response())
}

#[derive(Deserialize)]
pub(crate) struct PasswordReset {
    new_password: String,
}

/// Sets someone's password (they forgot theirs): they must replace it at their next sign-in,
/// and every token of theirs is revoked now.
pub(crate) async fn reset_password(
    State(state): State<AppState>,
    Caller(p): Caller,
    id: Result<Path<i64>, PathRejection>,
    JsonBody(req): JsonBody<PasswordReset>,
) -> V1Result {
    let id = path(id, "id")?;
    check_password("new_password", &req.new_password)?;
    manageable(&state, &p, id).await?;
    let hash = hash_password(&state, req.new_password).await?;
    let account = change_account(&state, p, move |store, actor| {
        store.set_password(id, &hash, true, None, actor)
    })
    .await?;
    Ok(Json(json!({ "account": account })).into_response())
}

pub(crate) async fn revoke_tokens(
    State(state): State<AppState>,
    Caller(p): Caller,
    id: Result<Path<i64>, PathRejection>,
) -> V1Result {
    let id = path(id, "id")?;
    manageable(&state, &p, id).await?;
    let revoked = change_account(&state, p, move |store, actor| {
        store.revoke_tokens(id, actor)
    })
    .await?;
    Ok(Json(json!({ "revoked": revoked })).into_response())
}

/// Lifts a lockout (repeated wrong passwords); the account's throttle starts afresh.
pub(crate) async fn unlock(
    State(state): State<AppState>,
    Caller(p): Caller,
    id: Result<Path<i64>, PathRejection>,
) -> V1Result {
    let id = path(id, "id")?;
    let target = manageable(&state, &p, id).await?;
    let account = change_account(&state, p, move |store, actor| {
        store.unlock_account(id, actor)
    })
    .await?;
    state.guard.throttle.forget_account(&target.username);
    Ok(Json(json!({ "account": account })).into_response())
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
    SyncCaller(p): SyncCaller,
    id: Result<Path<String>, PathRejection>,
) -> V1Result {
    let id = path(id, "id")?;
    let leases = state
        .with_store(move |store| -> V1Result<_> {
            let device = store.device(&id)?.ok_or(AccountError::NotFound)?;
            if !p.acts_for_device(&device) {
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
    SyncCaller(p): SyncCaller,
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
                .filter(|d| p.acts_for_device(d))
                .ok_or(AccountError::NotFound)?;
            if device.revoked_at.is_some() {
                return Err(AccountError::DeviceRevoked.into());
            }
            Ok(acting(&p.username, |actor| {
                store.lease_suffixes(&device, &series, req.count, width, p.user_id, actor)
            })?)
        })
        .await??;
    Ok((StatusCode::CREATED, Json(json!({ "lease": lease }))).into_response())
}

/// Revokes a device (lost, stolen, retired): its secret and its tokens stop working at once.
/// The operator, or an administrator of the device's enterprise.
pub(crate) async fn revoke_device(
    State(state): State<AppState>,
    Caller(p): Caller,
    id: Result<Path<String>, PathRejection>,
) -> V1Result {
    let id = path(id, "id")?;
    let device = state
        .with_store(move |store| -> V1Result<Device> {
            let device = store
                .device(&id)?
                .filter(|d| p.can_read_enterprise(d.enterprise_id))
                .ok_or(AccountError::NotFound)?;
            if !p.is_operator() && p.role != Role::EnterpriseAdmin {
                return Err(AccountError::Forbidden(Denied::ManageAccounts).into());
            }
            Ok(acting(&p.username, |actor| {
                store.revoke_device(&device.id, actor)
            })?)
        })
        .await??;
    Ok(Json(json!({ "device": device })).into_response())
}

/// Most GS1 company prefixes one enterprise holds.
const MAX_GS1_PREFIXES: usize = 100;

#[derive(Deserialize)]
pub(crate) struct Gs1Prefixes {
    prefixes: Vec<String>,
}

/// `GET /api/v1/enterprises/{id}/gs1-prefixes`: the enterprise's GS1 company prefixes.
pub(crate) async fn gs1_prefixes(
    State(state): State<AppState>,
    Caller(p): Caller,
    id: Result<Path<i64>, PathRejection>,
) -> V1Result {
    let id = path(id, "id")?;
    if !p.can_read_enterprise(id) {
        return Err(AccountError::NotFound.into());
    }
    let prefixes = state
        .with_store(move |store| -> V1Result<Vec<String>> {
            store
                .list_enterprises(Some(id))?
                .first()
                .ok_or(AccountError::NotFound)?;
            Ok(store.gs1_prefixes(id)?)
        })
        .await??;
    Ok(Json(json!({ "prefixes": prefixes })).into_response())
}

/// `PUT /api/v1/enterprises/{id}/gs1-prefixes`: the operator sets which GS1 company prefixes
/// (6 to 12 digits, as GS1 China allocates them) belong to the enterprise; a GS1 key is then
/// accepted only on that enterprise's records.
pub(crate) async fn set_gs1_prefixes(
    State(state): State<AppState>,
    Operator(p): Operator,
    id: Result<Path<i64>, PathRejection>,
    JsonBody(req): JsonBody<Gs1Prefixes>,
) -> V1Result {
    let id = path(id, "id")?;
    if req.prefixes.len() > MAX_GS1_PREFIXES {
        let max = u64::try_from(MAX_GS1_PREFIXES).unwrap_or(u64::MAX);
        return Err(V1Error::invalid("prefixes", Invalid::OutOfRange { max }));
    }
    let mut prefixes = Vec::with_capacity(req.prefixes.len());
    for prefix in req.prefixes {
        let prefix = prefix.trim().to_owned();
        if !(6..=12).contains(&prefix.len()) || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(V1Error::invalid(
                "prefixes",
                Invalid::Gs1PrefixShape(prefix),
            ));
        }
        if !prefixes.contains(&prefix) {
            prefixes.push(prefix);
        }
    }
    let stored = state
        .with_store(move |store| {
            acting(&p.username, |actor| {
                store.set_gs1_prefixes(id, &prefixes, actor)
            })
        })
        .await??;
    // Its GS1 scans count for it from now on.
    let st = state.clone();
    blocking(move || st.refresh_buckets()).await??;
    Ok(Json(json!({ "prefixes": stored })).into_response())
}
