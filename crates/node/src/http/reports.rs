//! The monthly operating report at the node: the figures a workstation drafts it from
//! (`/api/v1/sync/report-input`, pulled with the rest of sync), incidents written up by the
//! operator (`/api/v1/incidents`), and the reports workstations issued and submitted through
//! sync (`/api/v1/reports`, read-only: an issued report never changes).

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use chrono::{DateTime, Utc};
use idstation_reports::{Scope, YearMonth};
use serde::Deserialize;
use serde_json::json;

use super::error::{V1Error, V1Result};
use super::extract::{path, query, Caller, JsonBody, Operator, SyncCaller};
use super::state::AppState;
use super::task::blocking;
use crate::accounts::{AccountError, Denied, Invalid, Principal};
use crate::availability::stamp;
use crate::storage::reports::{IssuedFiles, NewIncident};
use crate::storage::Actor;

/// The longest cause or fix of an incident, in characters.
const MAX_INCIDENT_TEXT: usize = 2_000;

#[derive(Deserialize)]
pub(crate) struct InputQuery {
    month: String,
    prefix: Option<String>,
}

/// Whose report the caller drafts: the operator the node's (or, naming it, an enterprise's);
/// everyone else their enterprise's.
fn scope_of(state: &AppState, principal: &Principal, asked: Option<&str>) -> V1Result<Scope> {
    let node = state.prefix();
    let wanted = if principal.is_operator() {
        asked.unwrap_or(node).to_owned()
    } else {
        let own = principal
            .enterprise_prefix
            .clone()
            .ok_or(AccountError::Forbidden(Denied::NoEnterprise))?;
        if asked.is_some_and(|a| a != own) {
            return Err(AccountError::Forbidden(Denied::AnotherEnterprise).into());
        }
        own
    };
    if wanted == node {
        return Ok(Scope::Node {
            prefix: node.to_owned(),
        });
    }
    let enterprise = state
        .store
        .list_enterprises(None)?
        .into_iter()
        .find(|e| e.prefix == wanted)
        .ok_or(AccountError::NotFound)?;
    Ok(Scope::Enterprise {
        prefix: enterprise.prefix,
        name: enterprise.name,
    })
}

fn month(text: &str) -> V1Result<YearMonth> {
    YearMonth::parse(text).map_err(|_| V1Error::invalid("month", Invalid::Month(text.to_owned())))
}

/// `GET /api/v1/sync/report-input?month=YYYY-MM[&prefix=]`: the figures of month M and the five
/// before, for the caller's scope, as `reports::ReportInput` JSON.
pub(crate) async fn input(
    State(state): State<AppState>,
    SyncCaller(principal): SyncCaller,
    q: Result<Query<InputQuery>, QueryRejection>,
) -> V1Result {
    let q = query(q, "month")?;
    let month = month(&q.month)?;
    let st = state.clone();
    let input = blocking(move || -> V1Result<_> {
        let scope = scope_of(&st, &principal, q.prefix.as_deref())?;
        Ok(crate::reports::input(
            st.store.as_ref(),
            &st.monitor,
            st.prefix(),
            scope,
            month,
            Utc::now(),
        )?)
    })
    .await??;
    Ok(Json(input).into_response())
}

#[derive(Deserialize)]
pub(crate) struct IncidentBody {
    start: String,
    recovered: Option<String>,
    kind: u8,
    cause: String,
    fix: String,
}

fn instant(field: &'static str, text: &str) -> V1Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| V1Error::invalid(field, Invalid::Instant(text.to_owned())))
}

fn prose(field: &'static str, text: &str) -> V1Result<String> {
    let text = text.trim().to_owned();
    if text.is_empty()
        || text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(V1Error::invalid(field, Invalid::NameShape));
    }
    if text.chars().count() > MAX_INCIDENT_TEXT {
        let max = MAX_INCIDENT_TEXT;
        return Err(V1Error::invalid(field, Invalid::TooLong { max }));
    }
    Ok(text)
}

/// `POST /api/v1/incidents`: the operator writes up an emergency (start, recovery, type 1-4,
/// cause, fix); audited. It appears in the monthly report's 三、运行维护情况.
pub(crate) async fn add_incident(
    State(state): State<AppState>,
    Operator(principal): Operator,
    JsonBody(body): JsonBody<IncidentBody>,
) -> V1Result {
    let start = instant("start", &body.start)?;
    let recovered = match body.recovered.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => Some(instant("recovered", t)?),
    };
    if recovered.is_some_and(|r| r < start) {
        return Err(V1Error::invalid("recovered", Invalid::EndsBeforeStart));
    }
    if !(1..=4).contains(&body.kind) {
        return Err(V1Error::invalid("kind", Invalid::OutOfRange { max: 4 }));
    }
    let incident = NewIncident {
        start: stamp(start),
        recovered: recovered.map(stamp),
        kind: body.kind,
        cause: prose("cause", &body.cause)?,
        fix: prose("fix", &body.fix)?,
    };
    let stored = state
        .with_store(move |store| {
            let at = stamp(Utc::now());
            let actor = Actor {
                user: &principal.username,
                at: &at,
            };
            store.add_incident(&incident, &actor)
        })
        .await??;
    Ok((StatusCode::CREATED, Json(json!({ "incident": stored }))).into_response())
}

#[derive(Deserialize)]
pub(crate) struct MonthQuery {
    month: Option<String>,
}

/// `GET /api/v1/incidents?month=YYYY-MM`: the incidents overlapping the month (this one by
/// default). Any signed-in account: they are the node's, in every tenant's report.
pub(crate) async fn incidents(
    State(state): State<AppState>,
    Caller(_): Caller,
    q: Result<Query<MonthQuery>, QueryRejection>,
) -> V1Result {
    let q = query(q, "month")?;
    let m = match q.month.as_deref() {
        Some(text) => month(text)?,
        None => YearMonth::containing(crate::monitor::day_of(Utc::now())),
    };
    let list = state
        .with_store(move |store| store.incidents(&stamp(m.start()), &stamp(m.end())))
        .await??;
    Ok(Json(json!({ "incidents": list })).into_response())
}

/// The prefix whose issued reports the caller may read (`None`: every one, the operator).
fn readable(principal: &Principal) -> V1Result<Option<String>> {
    if principal.is_operator() {
        return Ok(None);
    }
    principal
        .enterprise_prefix
        .clone()
        .map(Some)
        .ok_or_else(|| AccountError::Forbidden(Denied::NoEnterprise).into())
}

/// `GET /api/v1/reports`: the issued reports the caller may read, newest month first.
pub(crate) async fn issued(State(state): State<AppState>, Caller(principal): Caller) -> V1Result {
    let only = readable(&principal)?;
    let list = state
        .with_store(move |store| store.issued_reports(only.as_deref()))
        .await??;
    Ok(Json(json!({ "reports": list })).into_response())
}

/// `GET /api/v1/reports/{number}/{pdf|csv}`: an issued report's bytes as issued.
pub(crate) async fn issued_file(
    State(state): State<AppState>,
    Caller(principal): Caller,
    p: Result<Path<(String, String)>, PathRejection>,
) -> V1Result {
    let (number, kind) = path(p, "number")?;
    if kind != "pdf" && kind != "csv" {
        return Err(AccountError::NotFound.into());
    }
    let only = readable(&principal)?;
    let found = state
        .with_store(move |store| store.issued_files(&number))
        .await??;
    let Some(IssuedFiles { row, pdf, csv }) =
        found.filter(|f| only.is_none_or(|p| p == f.row.prefix))
    else {
        return Err(AccountError::NotFound.into());
    };
    let (body, mime) = if kind == "pdf" {
        (pdf, "application/pdf")
    } else {
        (csv, "text/csv; charset=utf-8")
    };
    let name = format!("attachment; filename=\"{}.{kind}\"", row.number);
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_DISPOSITION, name),
            (
                header::HeaderName::from_static("x-content-sha256"),
                row.sha256,
            ),
        ],
        body,
    )
        .into_response())
}
