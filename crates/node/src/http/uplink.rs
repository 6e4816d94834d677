//! `/api/v1/uplink/…` and `/api/v1/escrow/key`: what the operator sees of the reports to the
//! top-level node (the outbox's state, the reports, a resend, a report made on demand), and the
//! node's public key, with which anyone checks an escrow export or a backup's sidecar.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::error::{V1Error, V1Result};
use super::extract::{query, JsonBody, Operator};
use super::state::AppState;
use super::task::acting;
use crate::accounts::{AccountError, Invalid};
use crate::docking::schema;
use crate::entities::FieldProblem;
use crate::storage::StorageError;
use crate::uplink::generate::Generator;
use crate::uplink::{ReportQuery, ReportState};

/// `GET /api/v1/uplink/status`: counts by state, the oldest pending, the last error.
pub(crate) async fn status(State(state): State<AppState>, Operator(_): Operator) -> V1Result {
    let (summary, epoch) = state
        .with_store(|store| -> V1Result<_> {
            Ok((store.uplink_summary()?, store.restore_epoch()?))
        })
        .await??;
    Ok(Json(json!({ "summary": summary, "restore_epoch": epoch })).into_response())
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    state: Option<String>,
    item: Option<String>,
    limit: Option<u32>,
}

/// `GET /api/v1/uplink/reports?state=&item=&limit=`: the newest reports first.
pub(crate) async fn reports(
    State(state): State<AppState>,
    Operator(_): Operator,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> V1Result {
    let q = query(q, "query")?;
    let report_state = q
        .state
        .as_deref()
        .map(|s| {
            ReportState::parse(s)
                .ok_or_else(|| V1Error::invalid("state", Invalid::UnknownStatus(s.to_owned())))
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(V1Error::invalid("limit", Invalid::OutOfRange { max: 1000 }));
    }
    let query = ReportQuery {
        state: report_state,
        item: q.item,
        limit,
    };
    let rows = state
        .with_store(move |store| store.reports(&query))
        .await??;
    Ok(Json(json!({ "reports": rows })).into_response())
}

#[derive(Deserialize)]
pub(crate) struct ResendBody {
    /// One report by its key; without it, every failed or filed report.
    key: Option<String>,
}

/// `POST /api/v1/uplink/resend`: the same report(s), same key(s), pending again.
pub(crate) async fn resend(
    State(state): State<AppState>,
    Operator(principal): Operator,
    JsonBody(body): JsonBody<ResendBody>,
) -> V1Result {
    let n = state
        .with_store(move |store| {
            acting(&principal.username, |actor| {
                store.resend(body.key.as_deref(), actor)
            })
        })
        .await??;
    Ok(Json(json!({ "resent": n })).into_response())
}

#[derive(Deserialize)]
pub(crate) struct GenerateBody {
    item: String,
    period: String,
}

/// `POST /api/v1/uplink/generate`: makes a periodic item's report for a period now (a new
/// revision if one was made before).
pub(crate) async fn generate(
    State(state): State<AppState>,
    Operator(_): Operator,
    JsonBody(body): JsonBody<GenerateBody>,
) -> V1Result {
    let item = schema()
        .item(&body.item)
        .filter(|i| !i.is_entered() || i.cadence == crate::docking::Cadence::Monthly)
        .ok_or(V1Error::invalid(
            "item",
            Invalid::Field(FieldProblem::Unknown),
        ))?;
    let keys = state
        .keys
        .clone()
        .ok_or_else(|| V1Error::Internal("the node's keys are not loaded".into()))?;
    let st = state.clone();
    let code = item.code.clone();
    let made = state
        .with_store(move |store| -> V1Result<Vec<String>> {
            let now = Utc::now();
            let (day, today) = st.monitor.today();
            let g = Generator {
                store,
                keys: &keys,
                node: st.prefix(),
                stop: None,
            };
            g.on_demand(&code, &body.period, now, Some((day, &today)))
                .map_err(|e| match e {
                    StorageError::Corrupt(_) => {
                        V1Error::invalid("period", Invalid::Date(body.period.clone()))
                    }
                    other => other.into(),
                })
        })
        .await??;
    Ok(Json(json!({ "generated": made })).into_response())
}

/// `GET /api/v1/escrow/key`: the node's ed25519 public key (hex).
pub(crate) async fn escrow_key(State(state): State<AppState>) -> Response {
    match &state.keys {
        Some(k) => Json(
            json!({ "public_key": hex::encode(k.public_key().as_bytes()), "algorithm": "ed25519" }),
        )
        .into_response(),
        None => V1Error::Refused(AccountError::NotFound).into_response(),
    }
}
