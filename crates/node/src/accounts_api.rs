//! `/api/v1/…`: self-registration, sign-in, approval, enterprises, devices and suffix leases.
//!
//! Errors are `{"code", "message", "message_en"}`: a stable code for programs, the message in
//! Chinese for lab staff and in English.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{Datelike, SecondsFormat, Utc};
use idstation_model::lease::{default_series, is_valid_series, DEFAULT_WIDTH, MAX_LEASE_COUNT};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::{
    check_name, new_token, token_hash, AccountError, AccountStatus, NewAccount, Principal,
    Registration, Role,
};
use crate::api::{now, AppState};
use crate::auth::{hash_secret, AuthFailure};
use crate::store::Actor;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/accounts", post(register).get(list_accounts))
        .route("/api/v1/accounts/{id}/approve", post(approve))
        .route("/api/v1/accounts/{id}/reject", post(reject))
        .route("/api/v1/login", post(login))
        .route("/api/v1/login/device", post(device_login))
        .route("/api/v1/logout", post(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/enterprises", get(enterprises))
        .route("/api/v1/devices", post(register_device).get(list_devices))
        .route("/api/v1/devices/{id}/leases", get(device_leases))
        .route("/api/v1/leases", post(lease))
}

/// An [`AccountError`] as an HTTP response.
pub struct V1Error(pub AccountError);

impl From<AccountError> for V1Error {
    fn from(e: AccountError) -> V1Error {
        V1Error(e)
    }
}

impl IntoResponse for V1Error {
    fn into_response(self) -> Response {
        use AccountError::*;
        let status = match &self.0 {
            InvalidInput { .. } | UnknownEnterprise(_) => StatusCode::BAD_REQUEST,
            UsernameTaken | AlreadyDecided | DeviceTaken => StatusCode::CONFLICT,
            WrongCredentials | Unauthenticated | TokenExpired => StatusCode::UNAUTHORIZED,
            AccountPending | AccountRejected | AccountDisabled | Forbidden(_) => {
                StatusCode::FORBIDDEN
            }
            NotFound => StatusCode::NOT_FOUND,
            Store(e) => {
                tracing::error!(error = %e, "account store failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let message_en = match &self.0 {
            Store(_) => "internal error".to_owned(),
            other => other.to_string(),
        };
        let mut body = json!({
            "code": self.0.code(),
            "message": self.0.message_zh(),
            "message_en": message_en,
        });
        if let InvalidInput { field, .. } = &self.0 {
            body["field"] = json!(field);
        }
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"idstation-node\""),
            );
        }
        response
    }
}

type V1Result = Result<Response, V1Error>;

fn parse_body<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, V1Error> {
    let bytes = body.map_err(|e| AccountError::InvalidInput {
        field: "body",
        reason: e.body_text(),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        V1Error(AccountError::InvalidInput {
            field: "body",
            reason: e.to_string(),
        })
    })
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AccountError> + Send + 'static,
) -> Result<T, V1Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| {
            V1Error(AccountError::Store(crate::store::StoreError::Corrupt(
                e.to_string(),
            )))
        })?
        .map_err(V1Error)
}

/// The principal, or the reason in terms the caller can act on.
pub(crate) async fn require(state: &AppState, headers: &HeaderMap) -> Result<Principal, V1Error> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("bearer "));
    state.principal(headers).await.map_err(|f| {
        V1Error(match f {
            AuthFailure::Missing => AccountError::Unauthenticated,
            AuthFailure::Rejected if bearer => AccountError::TokenExpired,
            AuthFailure::Rejected => AccountError::WrongCredentials,
            AuthFailure::Inactive(AccountStatus::Pending) => AccountError::AccountPending,
            AuthFailure::Inactive(AccountStatus::Rejected) => AccountError::AccountRejected,
            AuthFailure::Inactive(_) => AccountError::AccountDisabled,
            AuthFailure::Internal(e) => AccountError::Store(crate::store::StoreError::Corrupt(e)),
        })
    })
}

fn require_operator(p: &Principal) -> Result<(), V1Error> {
    if p.is_operator() {
        Ok(())
    } else {
        Err(V1Error(AccountError::Forbidden("operators only")))
    }
}

async fn register(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> V1Result {
    let reg: Registration = parse_body(body)?;
    reg.validate(state.prefix())?;
    let store = state.store.clone();
    let account = blocking(move || {
        let password_hash = hash_secret(&reg.password)
            .map_err(|e| AccountError::Store(crate::store::StoreError::Corrupt(e.to_string())))?;
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
        let at = now();
        store.register_account(
            &new,
            &Actor {
                user: &reg.username,
                at: &at,
            },
        )
    })
    .await?;
    tracing::info!(username = %account.username, "account registered, pending approval");
    Ok((StatusCode::CREATED, Json(json!({ "account": account }))).into_response())
}

#[derive(Deserialize)]
struct LoginRequest {
    username: String,
    password: String,
}

async fn login(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> V1Result {
    let req: LoginRequest = parse_body(body)?;
    let st = state.clone();
    let (token, expires_at, account) = blocking(move || {
        let at = now();
        let found = st.store.account_for_login(&req.username)?;
        let ok = st
            .auth
            .verify_password(&req.password, found.as_ref().map(|(_, h)| h.as_str()));
        let refuse = |reason: &str, err: AccountError| {
            st.store.record_login_refused(
                &req.username,
                reason,
                &Actor {
                    user: &req.username,
                    at: &at,
                },
            )?;
            Err(err)
        };
        let account = match found {
            Some((account, _)) if ok => account,
            _ => return refuse("wrong_credentials", AccountError::WrongCredentials),
        };
        match account.status {
            AccountStatus::Active => {}
            AccountStatus::Pending => return refuse("pending", AccountError::AccountPending),
            AccountStatus::Rejected => return refuse("rejected", AccountError::AccountRejected),
            AccountStatus::Disabled => return refuse("disabled", AccountError::AccountDisabled),
        }
        let (token, hash) = new_token();
        let ttl = chrono::Duration::from_std(st.settings.token_ttl)
            .unwrap_or_else(|_| chrono::Duration::hours(12));
        let expires_at = (Utc::now() + ttl).to_rfc3339_opts(SecondsFormat::Secs, true);
        st.store.record_login(
            &account,
            &hash,
            &expires_at,
            &Actor {
                user: &account.username,
                at: &at,
            },
        )?;
        Ok((token, expires_at, account))
    })
    .await?;
    Ok(
        Json(json!({ "token": token, "expires_at": expires_at, "account": account }))
            .into_response(),
    )
}

#[derive(Deserialize)]
struct DeviceLoginRequest {
    device_id: String,
    device_secret: String,
}

/// A registered workstation signs in with its device secret, as the account that registered
/// it; refused when that account is no longer active.
async fn device_login(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> V1Result {
    let req: DeviceLoginRequest = parse_body(body)?;
    let st = state.clone();
    let (token, expires_at, account) = blocking(move || {
        let at = now();
        let account = st
            .store
            .device_account(&req.device_id, &token_hash(&req.device_secret))?
            .ok_or(AccountError::WrongCredentials)?;
        match account.status {
            AccountStatus::Active => {}
            AccountStatus::Pending => return Err(AccountError::AccountPending),
            AccountStatus::Rejected => return Err(AccountError::AccountRejected),
            AccountStatus::Disabled => return Err(AccountError::AccountDisabled),
        }
        let (token, hash) = new_token();
        let ttl = chrono::Duration::from_std(st.settings.token_ttl)
            .unwrap_or_else(|_| chrono::Duration::hours(12));
        let expires_at = (Utc::now() + ttl).to_rfc3339_opts(SecondsFormat::Secs, true);
        st.store.record_login(
            &account,
            &hash,
            &expires_at,
            &Actor {
                user: &account.username,
                at: &at,
            },
        )?;
        Ok((token, expires_at, account))
    })
    .await?;
    Ok(
        Json(json!({ "token": token, "expires_at": expires_at, "account": account }))
            .into_response(),
    )
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> V1Result {
    let principal = require(&state, &headers).await?;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.get(7..))
        .filter(|_| principal.user_id.is_some())
        .map(|t| token_hash(t.trim()))
        .ok_or(V1Error(AccountError::Forbidden(
            "only a token can be revoked",
        )))?;
    let store = state.store.clone();
    blocking(move || {
        let at = now();
        store.revoke_token(
            &token,
            &Actor {
                user: &principal.username,
                at: &at,
            },
        )
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn me(State(state): State<AppState>, headers: HeaderMap) -> V1Result {
    let p = require(&state, &headers).await?;
    let store = state.store.clone();
    let account = match p.user_id {
        Some(id) => blocking(move || store.account(id)).await?,
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
struct AccountQuery {
    status: Option<String>,
}

async fn list_accounts(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<AccountQuery>, axum::extract::rejection::QueryRejection>,
) -> V1Result {
    let p = require(&state, &headers).await?;
    let Query(q) = query.map_err(|e| AccountError::InvalidInput {
        field: "query",
        reason: e.body_text(),
    })?;
    let status = q
        .status
        .map(|s| {
            AccountStatus::parse(&s).ok_or(AccountError::InvalidInput {
                field: "status",
                reason: format!("unknown status {s}"),
            })
        })
        .transpose()?;
    let only = match p.role {
        Role::Operator => None,
        Role::EnterpriseAdmin => p.enterprise_id,
        _ => return Err(V1Error(AccountError::Forbidden("account lists"))),
    };
    let store = state.store.clone();
    let accounts = blocking(move || store.list_accounts(status, only)).await?;
    Ok(Json(json!({ "accounts": accounts })).into_response())
}

#[derive(Deserialize, Default)]
struct Decision {
    #[serde(default)]
    note: Option<String>,
}

async fn decide(
    state: AppState,
    headers: HeaderMap,
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
    body: Result<Bytes, BytesRejection>,
    approve: bool,
) -> V1Result {
    let p = require(&state, &headers).await?;
    require_operator(&p)?;
    let Path(id) = id.map_err(|e| AccountError::InvalidInput {
        field: "id",
        reason: e.body_text(),
    })?;
    let decision: Decision = match &body {
        Ok(b) if b.is_empty() => Decision::default(),
        _ => parse_body(body)?,
    };
    let note = decision
        .note
        .map(|n| {
            let n = n.trim().to_owned();
            if n.chars().count() > 500 {
                Err(AccountError::InvalidInput {
                    field: "note",
                    reason: "must be at most 500 characters".to_owned(),
                })
            } else {
                Ok(n)
            }
        })
        .transpose()?;
    let store = state.store.clone();
    let account = blocking(move || {
        let at = now();
        store.decide_account(
            id,
            approve,
            note.as_deref(),
            &Actor {
                user: &p.username,
                at: &at,
            },
        )
    })
    .await?;
    tracing::info!(username = %account.username, approve, "account decided");
    Ok(Json(json!({ "account": account })).into_response())
}

async fn approve(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> V1Result {
    decide(state, headers, id, body, true).await
}

async fn reject(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> V1Result {
    decide(state, headers, id, body, false).await
}

async fn enterprises(State(state): State<AppState>, headers: HeaderMap) -> V1Result {
    let p = require(&state, &headers).await?;
    let only = if p.is_operator() {
        None
    } else {
        Some(
            p.enterprise_id
                .ok_or(AccountError::Forbidden("no enterprise"))?,
        )
    };
    let store = state.store.clone();
    let list = blocking(move || store.list_enterprises(only)).await?;
    Ok(Json(json!({ "enterprises": list })).into_response())
}

#[derive(Deserialize)]
struct DeviceRequest {
    name: String,
    /// The workstation's own device id (a UUID), so its ops carry the id the node knows.
    #[serde(default)]
    id: Option<uuid::Uuid>,
    /// Operators name the enterprise; everyone else registers for their own.
    #[serde(default)]
    enterprise_prefix: Option<String>,
}

async fn register_device(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> V1Result {
    let p = require(&state, &headers).await?;
    let req: DeviceRequest = parse_body(body)?;
    let name = check_name("name", &req.name)?;
    if !p.role.writes_handles() {
        return Err(V1Error(AccountError::Forbidden(
            "reviewers register no devices",
        )));
    }
    let store = state.store.clone();
    let (secret, secret_hash) = new_token();
    let device = blocking(move || {
        let enterprise_id = if p.is_operator() {
            let prefix = req.enterprise_prefix.ok_or(AccountError::InvalidInput {
                field: "enterprise_prefix",
                reason: "operators name the enterprise".to_owned(),
            })?;
            store
                .list_enterprises(None)?
                .into_iter()
                .find(|e| e.prefix == prefix)
                .ok_or(AccountError::UnknownEnterprise(prefix))?
                .id
        } else {
            match (&req.enterprise_prefix, &p.enterprise_prefix) {
                (Some(asked), Some(own)) if asked != own => {
                    return Err(AccountError::Forbidden("another enterprise"))
                }
                _ => p
                    .enterprise_id
                    .ok_or(AccountError::Forbidden("no enterprise"))?,
            }
        };
        let at = now();
        store.register_device(
            enterprise_id,
            &name,
            p.user_id,
            req.id.map(|u| u.to_string()).as_deref(),
            &secret_hash,
            &Actor {
                user: &p.username,
                at: &at,
            },
        )
    })
    .await?;
    // The secret is shown once; the workstation keeps it to sign in as this device.
    Ok((
        StatusCode::CREATED,
        Json(json!({ "device": device, "device_secret": secret })),
    )
        .into_response())
}

async fn list_devices(State(state): State<AppState>, headers: HeaderMap) -> V1Result {
    let p = require(&state, &headers).await?;
    let only = if p.is_operator() {
        None
    } else {
        Some(
            p.enterprise_id
                .ok_or(AccountError::Forbidden("no enterprise"))?,
        )
    };
    let store = state.store.clone();
    let devices = blocking(move || store.list_devices(only)).await?;
    Ok(Json(json!({ "devices": devices })).into_response())
}

async fn device_leases(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> V1Result {
    let p = require(&state, &headers).await?;
    let Path(id) = id.map_err(|e| AccountError::InvalidInput {
        field: "id",
        reason: e.body_text(),
    })?;
    let store = state.store.clone();
    let leases = blocking(move || {
        let device = store.device(&id)?.ok_or(AccountError::NotFound)?;
        if !p.can_read_enterprise(device.enterprise_id) {
            // Another enterprise's device does not exist as far as this caller can tell.
            return Err(AccountError::NotFound);
        }
        store.leases_of_device(&id)
    })
    .await?;
    Ok(Json(json!({ "leases": leases })).into_response())
}

#[derive(Deserialize)]
struct LeaseRequest {
    device_id: String,
    count: u64,
    #[serde(default)]
    series: Option<String>,
    #[serde(default)]
    width: Option<u32>,
}

async fn lease(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> V1Result {
    let p = require(&state, &headers).await?;
    let req: LeaseRequest = parse_body(body)?;
    if !(1..=MAX_LEASE_COUNT).contains(&req.count) {
        return Err(V1Error(AccountError::InvalidInput {
            field: "count",
            reason: format!("must be 1 to {MAX_LEASE_COUNT}"),
        }));
    }
    let series = req
        .series
        .unwrap_or_else(|| default_series(Utc::now().year()));
    if !is_valid_series(&series) {
        return Err(V1Error(AccountError::InvalidInput {
            field: "series",
            reason: "must be upper-case letters, digits and inner dashes, 1 to 32".to_owned(),
        }));
    }
    let width = req.width.unwrap_or(DEFAULT_WIDTH);
    if !(1..=12).contains(&width) {
        return Err(V1Error(AccountError::InvalidInput {
            field: "width",
            reason: "must be 1 to 12".to_owned(),
        }));
    }
    if !p.role.writes_handles() {
        return Err(V1Error(AccountError::Forbidden(
            "reviewers lease no suffixes",
        )));
    }
    let store = state.store.clone();
    let lease = blocking(move || {
        let device = store
            .device(&req.device_id)?
            .ok_or(AccountError::NotFound)?;
        if !p.can_read_enterprise(device.enterprise_id) {
            return Err(AccountError::NotFound);
        }
        let at = now();
        store.lease_suffixes(
            &device,
            &series,
            req.count,
            width,
            p.user_id,
            &Actor {
                user: &p.username,
                at: &at,
            },
        )
    })
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "lease": lease }))).into_response())
}
