//! `/api/v1/sync/…`: push ops, pull changes, snapshots after "must refetch", device status (the
//! node's witness of what a device has used). Accounts and devices (as themselves) call these.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use idstation_model::sync::{
    DeviceStatus, OpOutcome, PushRequest, PushResponse, MAX_PULL_PAGE, MAX_PUSH_OPS,
};
use idstation_model::{EntityKind, MetadataTemplate, OpKind};
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
    let started = std::time::Instant::now();
    // What the push registers, by prefix, to count once the node answers which took effect.
    let creates: Vec<(uuid::Uuid, String)> = req
        .ops
        .iter()
        .filter(|op| op.kind == OpKind::Create && op.entity == EntityKind::Instrument)
        .map(|op| {
            let prefix = op.entity_id.split('/').next().unwrap_or_default();
            (op.op_id, prefix.to_owned())
        })
        .collect();
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
    count_registrations(&state, &creates, &response, started.elapsed());
    Ok(Json(response).into_response())
}

/// Registrations through sync are registrations (the figures read zero in normal use before):
/// every instrument a push created, by prefix.
fn count_registrations(
    state: &AppState,
    creates: &[(uuid::Uuid, String)],
    response: &PushResponse,
    elapsed: std::time::Duration,
) {
    if creates.is_empty() {
        return;
    }
    let applied: std::collections::HashSet<uuid::Uuid> = response
        .results
        .iter()
        .filter(|r| r.outcome == OpOutcome::Applied)
        .map(|r| r.op_id)
        .collect();
    let mut by_prefix: Vec<(String, u64)> = Vec::new();
    for (_, prefix) in creates.iter().filter(|(op, _)| applied.contains(op)) {
        match by_prefix.iter_mut().find(|(p, _)| p == prefix) {
            Some((_, n)) => *n += 1,
            None => by_prefix.push((prefix.clone(), 1)),
        }
    }
    if let Some((day, figures)) =
        state
            .monitor
            .sync_registrations(chrono::Utc::now(), &by_prefix, elapsed)
    {
        let store = state.store.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(e) = store.store_day(day, figures) {
                tracing::error!(error = %e, %day, "cannot store the day's figures");
            }
        });
    }
}

#[derive(Deserialize)]
pub(crate) struct PullQuery {
    #[serde(default)]
    cursor: u64,
    limit: Option<u32>,
    /// The pulling workstation and the last of its ops it believes the node has: after a
    /// restore the node tells it to push again from the node's mark.
    device_id: Option<uuid::Uuid>,
    pushed_through: Option<u64>,
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
    let (outcome, behind) = state
        .with_store(move |store| -> V1Result<_> {
            // A device whose ops the node has fewer of than it pushed: the node was restored.
            let behind = match (q.device_id, q.pushed_through) {
                (Some(device), Some(pushed)) => {
                    let id = device.to_string();
                    let readable = store
                        .device(&id)?
                        .is_some_and(|d| principal.can_read_enterprise(d.enterprise_id));
                    let high_water = if readable {
                        store.high_water(&id)?
                    } else {
                        pushed
                    };
                    (high_water < pushed).then_some(high_water)
                }
                _ => None,
            };
            Ok((store.pull(scope.as_deref(), q.cursor, limit)?, behind))
        })
        .await??;
    let must_refetch = |min_cursor: Option<u64>| {
        let words = Message::MustRefetch.words();
        let mut body = json!({
            "code": "must_refetch",
            "message": words.zh,
            "message_en": words.en,
        });
        if let Some(min) = min_cursor {
            body["min_cursor"] = json!(min);
        }
        if let Some(h) = behind {
            body["high_water"] = json!(h);
            body["reason"] = json!("restored");
        }
        (StatusCode::GONE, Json(body)).into_response()
    };
    Ok(match outcome {
        PullOutcome::Page(_) if behind.is_some() => must_refetch(None),
        PullOutcome::Page(page) => Json(page).into_response(),
        PullOutcome::MustRefetch { min_cursor } => must_refetch(Some(min_cursor)),
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
