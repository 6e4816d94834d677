//! The OpenAPI description of the availability endpoints (`http/availability.rs`), merged into
//! the node's document by `openapi::document`. Schemathesis holds the handlers to it.

use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::error::ErrorBody;
use crate::availability::AvailabilityLog;
use crate::storage::availability::{MaintenanceWindow, ProbeDay, Run, RunEnd};

#[derive(Serialize, ToSchema)]
pub struct MaintenanceEnvelope {
    pub maintenance: MaintenanceWindow,
}

#[derive(Serialize, ToSchema)]
pub struct MaintenanceList {
    pub maintenance: Vec<MaintenanceWindow>,
    /// Whether maintenance mode is on now.
    pub on: bool,
}

/// What the operator is doing (1 to 500 characters).
#[derive(Serialize, ToSchema)]
pub struct MaintenanceStartDoc {
    #[schema(min_length = 1, max_length = 500)]
    pub description: String,
}

#[derive(OpenApi)]
#[openapi(
    paths(availability_log, maintenance_list, maintenance_start, maintenance_end),
    components(schemas(
        AvailabilityLog,
        Run,
        RunEnd,
        MaintenanceWindow,
        ProbeDay,
        MaintenanceEnvelope,
        MaintenanceList,
        MaintenanceStartDoc
    ))
)]
pub struct AvailabilityDoc;

#[utoipa::path(get, path = "/api/v1/stats/availability", tag = "monitoring",
    description = "The node's runs (start to clean stop, or to the last heartbeat before a \
                   crash), declared maintenance and the probe's days over China-time days: what \
                   the monthly report's SLA and operating hours are computed from.",
    params(
        ("from" = Option<String>, Query, description = "YYYY-MM-DD (the month's first day)", pattern = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"),
        ("to" = Option<String>, Query, description = "YYYY-MM-DD, at most 400 days after from (today)", pattern = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"),
    ),
    responses(
        (status = 200, description = "the availability log", body = AvailabilityLog),
        (status = 400, description = "invalid days", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "account inactive", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn availability_log() {}

#[utoipa::path(get, path = "/api/v1/maintenance", tag = "monitoring",
    params(
        ("from" = Option<String>, Query, description = "YYYY-MM-DD (the month's first day)", pattern = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"),
        ("to" = Option<String>, Query, description = "YYYY-MM-DD (today)", pattern = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"),
    ),
    responses(
        (status = 200, description = "declared maintenance windows", body = MaintenanceList),
        (status = 400, description = "invalid days", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "operators only", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn maintenance_list() {}

#[utoipa::path(post, path = "/api/v1/maintenance", tag = "monitoring",
    description = "Maintenance mode on: planned maintenance, counted apart from outage. Audited.",
    request_body = MaintenanceStartDoc,
    responses(
        (status = 201, description = "maintenance mode is on", body = MaintenanceEnvelope),
        (status = 400, description = "invalid description", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "operators only", body = ErrorBody),
        (status = 409, description = "maintenance mode is on already", body = ErrorBody),
        (status = 413, description = "body too large"),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn maintenance_start() {}

#[utoipa::path(post, path = "/api/v1/maintenance/end", tag = "monitoring",
    description = "Maintenance mode off. Audited.",
    responses(
        (status = 200, description = "the window, ended", body = MaintenanceEnvelope),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "operators only", body = ErrorBody),
        (status = 404, description = "maintenance mode is not on", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn maintenance_end() {}
