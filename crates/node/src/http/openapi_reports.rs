//! The OpenAPI description of the monthly report's endpoints (`http/reports.rs`), merged into
//! the node's document by `openapi::document`. Schemathesis holds the handlers to it.

use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::error::ErrorBody;
use crate::storage::reports::{Incident, IssuedRow};

#[derive(Serialize, ToSchema)]
pub struct IncidentEnvelope {
    pub incident: Incident,
}

#[derive(Serialize, ToSchema)]
pub struct IncidentList {
    pub incidents: Vec<Incident>,
}

/// An emergency as the operator writes it up.
#[derive(Serialize, ToSchema)]
pub struct IncidentDoc {
    /// RFC 3339.
    pub start: String,
    /// RFC 3339, not before `start`; absent while it lasts.
    pub recovered: Option<String>,
    /// 1 network fault, 2 system error, 3 attack, 4 other.
    #[schema(minimum = 1, maximum = 4)]
    pub kind: u8,
    #[schema(min_length = 1, max_length = 2000)]
    pub cause: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub fix: String,
}

#[derive(Serialize, ToSchema)]
pub struct IssuedList {
    pub reports: Vec<IssuedRow>,
}

#[derive(OpenApi)]
#[openapi(
    paths(report_input, incidents_list, incident_add, issued_list, issued_file),
    components(schemas(
        Incident,
        IssuedRow,
        IncidentEnvelope,
        IncidentList,
        IncidentDoc,
        IssuedList
    ))
)]
pub struct ReportsDoc;

#[utoipa::path(get, path = "/api/v1/sync/report-input", tag = "reports",
    description = "The figures a workstation drafts the monthly operating report from \
                   (`reports::ReportInput`): month M and the five before, for the node (the \
                   operator) or the caller's enterprise prefix.",
    params(
        ("month" = String, Query, description = "YYYY-MM", pattern = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"),
        ("prefix" = Option<String>, Query, description = "an enterprise prefix (the operator only; the caller's own otherwise)"),
    ),
    responses(
        (status = 200, description = "the report input", body = Object),
        (status = 400, description = "invalid month", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "another enterprise's, or inactive", body = ErrorBody),
        (status = 404, description = "no such enterprise", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn report_input() {}

#[utoipa::path(get, path = "/api/v1/incidents", tag = "reports",
    params(("month" = Option<String>, Query, description = "YYYY-MM (this month)", pattern = r"^20[0-9]{2}-(0[1-9]|1[0-2])$")),
    responses(
        (status = 200, description = "incidents overlapping the month", body = IncidentList),
        (status = 400, description = "invalid month", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "account inactive", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn incidents_list() {}

#[utoipa::path(post, path = "/api/v1/incidents", tag = "reports",
    description = "The operator writes up an emergency: cause and fix. Audited.",
    request_body = IncidentDoc,
    responses(
        (status = 201, description = "written up", body = IncidentEnvelope),
        (status = 400, description = "invalid incident", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "operators only", body = ErrorBody),
        (status = 413, description = "body too large"),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn incident_add() {}

#[utoipa::path(get, path = "/api/v1/reports", tag = "reports",
    description = "Monthly reports issued at workstations and submitted through sync (every \
                   one for the operator, the caller's enterprise's otherwise).",
    responses(
        (status = 200, description = "issued reports, newest month first", body = IssuedList),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "account inactive", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn issued_list() {}

#[utoipa::path(get, path = "/api/v1/reports/{number}/{kind}", tag = "reports",
    params(
        ("number" = String, Path, description = "e.g. 88.118-YB-202611-01"),
        ("kind" = String, Path, description = "pdf or csv"),
    ),
    responses(
        (status = 200, description = "the bytes as issued", content(
            (String = "application/pdf"),
            (String = "text/csv; charset=utf-8"),
        )),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "account inactive", body = ErrorBody),
        (status = 404, description = "no such report", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn issued_file() {}
