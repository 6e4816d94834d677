//! `/api/v1/sync/…`: push ops, pull changes, snapshots after "must refetch", device status.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use idstation_model::sync::{DeviceStatus, PushRequest, MAX_PULL_PAGE, MAX_PUSH_OPS};
use idstation_model::MetadataTemplate;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::{AccountError, Principal};
use crate::accounts_api::{require, V1Error};
use crate::api::{now, AppState};
use crate::store::{Actor, StoreError};
use crate::sync::{PullOutcome, SyncError};

/// A full push of [`MAX_PUSH_OPS`] registrations is a few MiB.
pub const MAX_PUSH_BYTES: usize = 16 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/sync/push",
            post(push).layer(DefaultBodyLimit::max(MAX_PUSH_BYTES)),
        )
        .route("/api/v1/sync/pull", get(pull))
        .route("/api/v1/sync/snapshot", get(snapshot))
        .route("/api/v1/sync/status", get(status))
}

fn internal(e: impl std::fmt::Display) -> V1Error {
    V1Error(AccountError::Store(StoreError::Corrupt(e.to_string())))
}

fn sync_error(e: SyncError) -> V1Error {
    match e {
        SyncError::WrongDevice => V1Error(AccountError::InvalidInput {
            field: "ops",
            reason: "every op must carry the pushing device's id".to_owned(),
        }),
        SyncError::TooMany(n) => V1Error(AccountError::InvalidInput {
            field: "ops",
            reason: format!("at most {n} ops per push"),
        }),
        SyncError::Store(s) => V1Error(AccountError::Store(s)),
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> V1Error {
    V1Error(AccountError::InvalidInput {
        field,
        reason: reason.into(),
    })
}

/// Records a non-operator may pull: their enterprise's prefix and below.
fn scope(p: &Principal) -> Result<Option<String>, V1Error> {
    if p.is_operator() {
        Ok(None)
    } else {
        p.enterprise_prefix
            .clone()
            .map(Some)
            .ok_or(V1Error(AccountError::Forbidden("no enterprise")))
    }
}

async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, V1Error> {
    let principal = require(&state, &headers).await?;
    let bytes = body.map_err(|e| invalid("body", e.body_text()))?;
    let req: PushRequest =
        serde_json::from_slice(&bytes).map_err(|e| invalid("body", e.to_string()))?;
    if req.ops.len() > MAX_PUSH_OPS {
        return Err(sync_error(SyncError::TooMany(MAX_PUSH_OPS)));
    }
    if !principal.role.writes_handles() {
        return Err(V1Error(AccountError::Forbidden(
            "reviewers push no changes",
        )));
    }
    let store = state.store.clone();
    let response = tokio::task::spawn_blocking(move || {
        let device = store
            .device(&req.device_id.to_string())?
            .filter(|d| principal.can_read_enterprise(d.enterprise_id))
            .ok_or(AccountError::NotFound)?;
        let at = now();
        let actor = Actor {
            user: &principal.username,
            at: &at,
        };
        let template = MetadataTemplate::builtin_instrument();
        store
            .push(&principal, &device, &req.ops, &template, &actor)
            .map_err(sync_error)
    })
    .await
    .map_err(internal)??;
    Ok(Json(response).into_response())
}

#[derive(Deserialize)]
struct PullQuery {
    #[serde(default)]
    cursor: u64,
    limit: Option<u32>,
}

async fn pull(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Response, V1Error> {
    let principal = require(&state, &headers).await?;
    let Query(q) = query.map_err(|e| invalid("query", e.body_text()))?;
    let limit = q.limit.unwrap_or(500);
    if !(1..=MAX_PULL_PAGE).contains(&limit) {
        return Err(invalid("limit", format!("must be 1 to {MAX_PULL_PAGE}")));
    }
    let scope = scope(&principal)?;
    let store = state.store.clone();
    let outcome =
        tokio::task::spawn_blocking(move || store.pull(scope.as_deref(), q.cursor, limit))
            .await
            .map_err(internal)?
            .map_err(sync_error)?;
    Ok(match outcome {
        PullOutcome::Page(page) => Json(page).into_response(),
        PullOutcome::MustRefetch { min_cursor } => (
            StatusCode::GONE,
            Json(json!({
                "code": "must_refetch",
                "message": "同步游标已过期，需要重新获取全部记录",
                "message_en": "the cursor is older than the node keeps; pull a snapshot",
                "min_cursor": min_cursor,
            })),
        )
            .into_response(),
    })
}

#[derive(Deserialize)]
struct SnapshotQuery {
    after: Option<String>,
    limit: Option<u32>,
}

async fn snapshot(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<SnapshotQuery>, QueryRejection>,
) -> Result<Response, V1Error> {
    let principal = require(&state, &headers).await?;
    let Query(q) = query.map_err(|e| invalid("query", e.body_text()))?;
    let limit = q.limit.unwrap_or(500);
    if !(1..=MAX_PULL_PAGE).contains(&limit) {
        return Err(invalid("limit", format!("must be 1 to {MAX_PULL_PAGE}")));
    }
    let scope = scope(&principal)?;
    let store = state.store.clone();
    let page = tokio::task::spawn_blocking(move || {
        store.snapshot(scope.as_deref(), q.after.as_deref(), limit)
    })
    .await
    .map_err(internal)?
    .map_err(sync_error)?;
    Ok(Json(page).into_response())
}

#[derive(Deserialize)]
struct StatusQuery {
    device_id: uuid::Uuid,
}

async fn status(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<StatusQuery>, QueryRejection>,
) -> Result<Response, V1Error> {
    let principal = require(&state, &headers).await?;
    let Query(q) = query.map_err(|e| invalid("device_id", e.body_text()))?;
    let store = state.store.clone();
    let high_water = tokio::task::spawn_blocking(move || {
        let id = q.device_id.to_string();
        store
            .device(&id)?
            .filter(|d| principal.can_read_enterprise(d.enterprise_id))
            .ok_or(AccountError::NotFound)?;
        store.high_water(&id).map_err(|e| match e {
            SyncError::Store(s) => AccountError::Store(s),
            other => AccountError::Store(StoreError::Corrupt(other.to_string())),
        })
    })
    .await
    .map_err(internal)?
    .map_err(V1Error)?;
    Ok(Json(DeviceStatus {
        device_id: q.device_id,
        high_water,
    })
    .into_response())
}
