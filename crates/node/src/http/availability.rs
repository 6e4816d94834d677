//! `/api/v1/stats/availability` (the runs, declared maintenance and probe tallies the monthly
//! report's SLA and operating hours are computed from) and `/api/v1/maintenance` (the
//! operator's maintenance mode: on with a description, off; audited).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::{Datelike as _, Days, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;

use super::error::{V1Error, V1Result};
use super::extract::{query, Caller, JsonBody, Operator};
use super::state::AppState;
use super::task::blocking;
use crate::accounts::Invalid;
use crate::availability::{self, stamp};
use crate::monitor::{cst, day_of};
use crate::storage::Actor;

/// The longest span one request reads.
const MAX_DAYS: u64 = 400;
/// The longest description of a maintenance window.
const MAX_DESCRIPTION: usize = 500;

#[derive(Deserialize)]
pub(crate) struct SpanQuery {
    from: Option<String>,
    to: Option<String>,
}

fn date(field: &'static str, text: &str) -> V1Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| V1Error::invalid(field, Invalid::Date(text.to_owned())))
}

/// The China-time days `from..=to` as UTC instants `[start, end)`; by default this month so far.
fn span(q: SpanQuery) -> V1Result<(chrono::DateTime<Utc>, chrono::DateTime<Utc>)> {
    let today = day_of(Utc::now());
    let from = match &q.from {
        Some(f) => date("from", f)?,
        None => today.with_day0(0).unwrap_or(today),
    };
    let to = match &q.to {
        Some(t) => date("to", t)?,
        None => today,
    };
    let days = (to - from).num_days();
    if days < 0 || days as u64 >= MAX_DAYS {
        return Err(V1Error::invalid(
            "to",
            Invalid::OutOfRange { max: MAX_DAYS },
        ));
    }
    let start = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(cst()).single())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| V1Error::invalid("from", Invalid::Date(d.to_string())))
    };
    let end_day = to
        .checked_add_days(Days::new(1))
        .ok_or_else(|| V1Error::invalid("to", Invalid::Date(to.to_string())))?;
    Ok((start(from)?, start(end_day)?))
}

/// `GET /api/v1/stats/availability?from=YYYY-MM-DD&to=YYYY-MM-DD`: the node's runs, declared
/// maintenance and the probe's days over China-time days `from` to `to` (this month so far by
/// default; at most 400 days). Any signed-in account: the node's availability is the same
/// for every tenant, and each drafts its own monthly report from it.
pub(crate) async fn log(
    State(state): State<AppState>,
    Caller(_): Caller,
    q: Result<Query<SpanQuery>, QueryRejection>,
) -> V1Result {
    let (from, to) = span(query(q, "query")?)?;
    let st = state.clone();
    let log = blocking(move || availability::log(st.store.as_ref(), &st.availability, from, to))
        .await??;
    Ok(Json(log).into_response())
}

#[derive(Deserialize)]
pub(crate) struct MaintenanceBody {
    description: String,
}

/// Who acts now, with the time as the availability tables keep it (milliseconds: text order is
/// time order among them).
fn actor_now<T>(user: &str, f: impl FnOnce(&Actor<'_>) -> T) -> T {
    let at = stamp(Utc::now());
    f(&Actor { user, at: &at })
}

/// `POST /api/v1/maintenance`: maintenance mode on, with what is being done (409 when on).
pub(crate) async fn start(
    State(state): State<AppState>,
    Operator(principal): Operator,
    JsonBody(body): JsonBody<MaintenanceBody>,
) -> V1Result {
    let description = body.description.trim().to_owned();
    let n = description.chars().count();
    if n == 0 || description.chars().any(|c| c.is_control() && c != '\n') {
        return Err(V1Error::invalid("description", Invalid::NameShape));
    }
    if n > MAX_DESCRIPTION {
        return Err(V1Error::invalid(
            "description",
            Invalid::TooLong {
                max: MAX_DESCRIPTION,
            },
        ));
    }
    let window = state
        .with_store(move |store| {
            actor_now(&principal.username, |actor| {
                store.start_maintenance(&description, actor)
            })
        })
        .await??;
    tracing::info!(id = window.id, "maintenance mode on");
    Ok((StatusCode::CREATED, Json(json!({ "maintenance": window }))).into_response())
}

/// `POST /api/v1/maintenance/end`: maintenance mode off (404 when it is not on).
pub(crate) async fn end(State(state): State<AppState>, Operator(principal): Operator) -> V1Result {
    let window = state
        .with_store(move |store| {
            actor_now(&principal.username, |actor| store.end_maintenance(actor))
        })
        .await??;
    tracing::info!(id = window.id, "maintenance mode off");
    Ok(Json(json!({ "maintenance": window })).into_response())
}

/// `GET /api/v1/maintenance?from=&to=`: the windows over those days (this month by default),
/// and whether maintenance mode is on now.
pub(crate) async fn list(
    State(state): State<AppState>,
    Operator(_): Operator,
    q: Result<Query<SpanQuery>, QueryRejection>,
) -> V1Result {
    let (from, to) = span(query(q, "query")?)?;
    let windows = state
        .with_store(move |store| store.maintenance(&stamp(from), &stamp(to)))
        .await??;
    let on = windows.iter().any(|w| w.end.is_none());
    Ok(Json(json!({ "maintenance": windows, "on": on })).into_response())
}
