//! `/api/v1/sync/…`: push ops, pull changes, snapshots after "must refetch", device status (the
//! node's witness of what a device has used). Accounts and devices (as themselves) call these.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use idstation_model::sync::{DeviceStatus, PushRequest, MAX_PULL_PAGE, MAX_PUSH_OPS};
use idstation_model::MetadataTemplate;
use serde::Deserialize;
use serde_json::json;

use super::error::{V1Error, V1Result};
use super::extract::{query, JsonBody, SyncCaller};
use super::state::AppState;
use super::task::acting;
use crate::accounts::{AccountError, Denied, Invalid};
use crate::sync::{check_push, PullOutcome, PushRejection};
use crate::words::Message;

/// Records per pull or snapshot page when the client names no limit.
const DEFAULT_PAGE: u32 = 500;

/// A page size the client asked for, within what the node serves.
fn page_limit(limit: Option<u32>) -> V1Result<u32> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if (1..=MAX_PULL_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        let max = u64::from(MAX_PULL_PAGE);
        Err(V1Error::invalid("limit", Invalid::OutOfRange { max }))
    }
}

pub(crate) async fn push(
    State(state): State<AppState>,
    SyncCaller(principal): SyncCaller,
    JsonBody(req): JsonBody<PushRequest>,
) -> V1Result {
    if req.ops.len() > MAX_PUSH_OPS {
        return Err(PushRejection::TooMany(MAX_PUSH_OPS).into());
    }
    if !principal.role.writes_handles() {
        return Err(AccountError::Forbidden(Denied::ReviewerPushes).into());
    }
    let response = state
        .with_store(move |store| -> V1Result<_> {
            let device = store
                .device(&req.device_id.to_string())?
                .filter(|d| principal.acts_for_device(d))
                .ok_or(AccountError::NotFound)?;
            if device.revoked_at.is_some() {
                return Err(AccountError::DeviceRevoked.into());
            }
            check_push(&device.id, &req.ops)?;
            let template = MetadataTemplate::builtin_instrument();
            Ok(acting(&principal.username, |actor| {
                store.push(&principal, &device, &req.ops, &template, actor)
            })?)
        })
        .await??;
    Ok(Json(response).into_response())
}

#[derive(Deserialize)]
pub(crate) struct PullQuery {
    #[serde(default)]
    cursor: u64,
    limit: Option<u32>,
}

pub(crate) async fn pull(
    State(state): State<AppState>,
    SyncCaller(principal): SyncCaller,
    q: Result<Query<PullQuery>, QueryRejection>,
) -> V1Result {
    let q = query(q, "query")?;
    let limit = page_limit(q.limit)?;
    if i64::try_from(q.cursor).is_err() {
        let max = u64::try_from(i64::MAX).unwrap_or(u64::MAX);
        return Err(V1Error::invalid("cursor", Invalid::OutOfRange { max }));
    }
    let scope = principal.prefix_scope()?;
    let outcome = state
        .with_store(move |store| store.pull(scope.as_deref(), q.cursor, limit))
        .await??;
    Ok(match outcome {
        PullOutcome::Page(page) => Json(page).into_response(),
        PullOutcome::MustRefetch { min_cursor } => {
            let words = Message::MustRefetch.words();
            let body = json!({
                "code": "must_refetch",
                "message": words.zh,
                "message_en": words.en,
                "min_cursor": min_cursor,
            });
            (StatusCode::GONE, Json(body)).into_response()
        }
    })
}

#[derive(Deserialize)]
pub(crate) struct SnapshotQuery {
    after: Option<String>,
    limit: Option<u32>,
}

pub(crate) async fn snapshot(
    State(state): State<AppState>,
    SyncCaller(principal): SyncCaller,
    q: Result<Query<SnapshotQuery>, QueryRejection>,
) -> V1Result {
    let q = query(q, "query")?;
    let limit = page_limit(q.limit)?;
    let scope = principal.prefix_scope()?;
    let page = state
        .with_store(move |store| store.snapshot(scope.as_deref(), q.after.as_deref(), limit))
        .await??;
    Ok(Json(page).into_response())
}

#[derive(Deserialize)]
pub(crate) struct StatusQuery {
    device_id: uuid::Uuid,
}

pub(crate) async fn status(
    State(state): State<AppState>,
    SyncCaller(principal): SyncCaller,
    q: Result<Query<StatusQuery>, QueryRejection>,
) -> V1Result {
    let device_id = query(q, "device_id")?.device_id;
    let status = state
        .with_store(move |store| -> V1Result<DeviceStatus> {
            let id = device_id.to_string();
            store
                .device(&id)?
                .filter(|d| principal.acts_for_device(d))
                .ok_or(AccountError::NotFound)?;
            Ok(DeviceStatus {
                device_id,
                high_water: store.high_water(&id)?,
                leases: store.leases_in_use(&id)?,
            })
        })
        .await??;
    Ok(Json(status).into_response())
}
