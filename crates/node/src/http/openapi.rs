//! The node's OpenAPI document, served at `/api/openapi.json`.
//!
//! The operations are described here in one place (utoipa path items on documentation-only
//! functions), next to the envelope types the handlers answer with. Schemathesis runs against
//! this document in the test suite, so a handler that drifts from it fails a test.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};

use super::error::ErrorBody;
use crate::accounts::{Account, AccountStatus, Device, Enterprise, Registration, Role};

/// `GET /api/openapi.json`.
pub(crate) async fn document() -> Response {
    let mut doc = ApiDoc::openapi();
    doc.merge(super::openapi_docking::DockingDoc::openapi());
    doc.merge(super::openapi_availability::AvailabilityDoc::openapi());
    doc.merge(super::openapi_reports::ReportsDoc::openapi());
    credential_refusals(&mut doc);
    Json(doc).into_response()
}

/// Every operation that checks credentials (it documents 401) may also answer 429 (too many
/// wrong passwords from the address or for the account) and 503 (too many being checked):
/// added here once, so no endpoint written later can forget them.
fn credential_refusals(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let refusal = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build(),
        )
    };
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in operations.into_iter().flatten() {
            let responses = &mut op.responses.responses;
            if responses.contains_key("401") {
                responses
                    .entry("429".to_owned())
                    .or_insert_with(|| refusal("too many wrong passwords: wait (Retry-After)"));
                responses.entry("503".to_owned()).or_insert_with(|| {
                    refusal("too many passwords being checked: retry (Retry-After)")
                });
            }
        }
    }
}

/// `{"responseCode", "handle", "values"}`: a resolved handle.
#[derive(Serialize, ToSchema)]
pub struct HandleRecord {
    #[serde(rename = "responseCode")]
    pub response_code: u32,
    pub handle: String,
    pub values: Vec<HandleValueDoc>,
}

/// The schema of one value (the type itself is the model's `HandleValue`, which knows no
/// OpenAPI).
#[derive(Serialize, ToSchema)]
#[schema(as = HandleValue)]
pub struct HandleValueDoc {
    pub index: u32,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: ValueDataDoc,
    pub ttl: i64,
    /// RFC 3339, UTC; set by the node when the value is written.
    pub timestamp: String,
}

/// A value's data in object form: `{"format": "...", "value": ...}`.
#[derive(Serialize, ToSchema)]
#[schema(as = ValueData)]
pub struct ValueDataDoc {
    pub format: String,
    /// A string, or an object for formats such as `admin`.
    #[schema(value_type = Value)]
    pub value: serde_json::Value,
}

/// `{"responseCode", "prefix", "totalCount", "handles"}`: the handles with a prefix.
#[derive(Serialize, ToSchema)]
pub struct HandleList {
    #[serde(rename = "responseCode")]
    pub response_code: u32,
    pub prefix: String,
    /// The number of handles with the prefix, as text (as Handle.net servers send it).
    #[serde(rename = "totalCount")]
    pub total_count: String,
    pub handles: Vec<String>,
    /// Present when `pageSize` was given.
    pub page: Option<u64>,
    #[serde(rename = "pageSize")]
    pub page_size: Option<u64>,
}

/// `{"responseCode", "handle"}`: a write succeeded.
#[derive(Serialize, ToSchema)]
pub struct HandleWritten {
    #[serde(rename = "responseCode")]
    pub response_code: u32,
    pub handle: String,
}

/// `{"responseCode", "handle", "message"}`: a Handle API error.
#[derive(Serialize, ToSchema)]
pub struct HandleFailure {
    #[serde(rename = "responseCode")]
    pub response_code: u32,
    pub handle: String,
    pub message: String,
}

/// A value in a PUT body; `data` may be a bare string, `index` a number or a numeric string.
/// The body is an array of these, `{"values": [...]}`, or one value.
#[derive(Serialize, ToSchema)]
pub struct HandleValueInput {
    #[schema(value_type = u32, minimum = 1, maximum = 2147483647)]
    pub index: serde_json::Value,
    #[serde(rename = "type")]
    pub kind: String,
    #[schema(value_type = Value)]
    pub data: serde_json::Value,
    pub ttl: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountEnvelope {
    pub account: Account,
}

#[derive(Serialize, ToSchema)]
pub struct AccountList {
    pub accounts: Vec<Account>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginRequestDoc {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginAnswer {
    pub token: String,
    pub expires_at: String,
    pub account: Account,
}

#[derive(Serialize, ToSchema)]
pub struct DecisionDoc {
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MeAnswer {
    pub username: String,
    pub role: Role,
    pub enterprise_id: Option<i64>,
    pub enterprise_prefix: Option<String>,
    pub account: Option<Account>,
}

#[derive(Serialize, ToSchema)]
pub struct EnterpriseList {
    pub enterprises: Vec<Enterprise>,
}

#[derive(Serialize, ToSchema)]
pub struct DeviceRequestDoc {
    pub name: String,
    pub enterprise_prefix: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeviceEnvelope {
    pub device: Device,
}

#[derive(Serialize, ToSchema)]
pub struct DeviceList {
    pub devices: Vec<Device>,
}

#[derive(Serialize, ToSchema)]
pub struct LeaseRequestDoc {
    pub device_id: String,
    #[schema(minimum = 1, maximum = 10000)]
    pub count: u64,
    pub series: Option<String>,
    #[schema(minimum = 1, maximum = 12)]
    pub width: Option<u32>,
}

/// A block of suffixes `{series}-{n}` for `first..=last`, `n` zero-padded to `width`.
#[derive(Serialize, ToSchema)]
pub struct SuffixLeaseDoc {
    pub lease_id: String,
    pub device_id: String,
    pub prefix: String,
    pub series: String,
    pub first: u64,
    pub last: u64,
    pub width: u32,
}

#[derive(Serialize, ToSchema)]
pub struct LeaseEnvelope {
    pub lease: SuffixLeaseDoc,
}

#[derive(Serialize, ToSchema)]
pub struct LeaseList {
    pub leases: Vec<SuffixLeaseDoc>,
}

#[derive(Serialize, ToSchema)]
pub struct LatencyDoc {
    pub count: u64,
    pub avg_ms: f64,
    pub max_ms: f64,
    pub max_at: Option<String>,
    pub min_ms: f64,
    pub min_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SourceIpDoc {
    pub ip: String,
    pub requests: u64,
}

#[derive(Serialize, ToSchema)]
pub struct PrefixFiguresDoc {
    pub prefix: String,
    pub new_registrations: u64,
    pub total_registrations: u64,
    pub resolution_requests: u64,
    pub successful_responses: u64,
    /// The prefix's own latency of resolutions and registrations, and its busiest second of
    /// resolutions (annex 2 table 2).
    pub resolution: LatencyDoc,
    pub registration: LatencyDoc,
    pub max_qps: u64,
    pub max_qps_at: Option<String>,
    pub source_ips: Vec<SourceIpDoc>,
    /// The day's events that concerned this prefix's service (ids as in `events`).
    pub event_ids: Vec<String>,
}

/// An abnormal event or the recovery from one (annex 2 item 3).
#[derive(Serialize, ToSchema)]
pub struct EventDoc {
    /// The day (YYYYMMDD) and the event's place in it: `20261207-0001`.
    pub id: String,
    pub at: String,
    /// `abnormal` or `recovered`.
    pub kind: String,
    /// `network`, `system`, `attack` or `other`.
    pub category: String,
    /// The annex's type: 1 network fault, 2 system error, 3 attack, 4 other.
    #[serde(rename = "type")]
    pub event_type: u8,
    pub detail: String,
    /// For a recovery: the id of the abnormal event it ends (none when that was on an
    /// earlier day).
    pub ends: Option<String>,
    /// The enterprise prefix the event concerned alone; none for the whole node.
    pub prefix: Option<String>,
}

/// One day's figures (China Standard Time).
#[derive(Serialize, ToSchema)]
pub struct DailyStats {
    pub date: String,
    pub timezone: String,
    /// `node` for the operator; `enterprise` for everyone else, who sees their own bucket only
    /// (addresses cut to their network) and none of the node-wide fields below.
    pub scope: String,
    #[schema(nullable = false)]
    pub resolution: Option<LatencyDoc>,
    #[schema(nullable = false)]
    pub registration: Option<LatencyDoc>,
    #[schema(nullable = false)]
    pub max_qps: Option<u64>,
    pub max_qps_at: Option<String>,
    /// The operator sees every event; an enterprise the node's faults and the attacks on its
    /// own identifiers.
    pub events: Vec<EventDoc>,
    /// One row per enterprise, one for the node's prefix and one (`other`) for the rest.
    pub prefixes: Vec<PrefixFiguresDoc>,
}

#[derive(Serialize, ToSchema)]
pub struct DeviceLoginDoc {
    pub device_id: String,
    pub device_secret: String,
}

/// What the node has seen of a device: the witness a workstation restored from an older
/// backup resumes from (its next op's sequence is above `high_water`; numbers of a lease up to
/// `used_through` are taken).
#[derive(Serialize, ToSchema)]
pub struct DeviceStatusDoc {
    pub device_id: String,
    pub high_water: u64,
    pub leases: Vec<LeaseUseDoc>,
}

#[derive(Serialize, ToSchema)]
pub struct LeaseUseDoc {
    pub lease_id: String,
    pub device_id: String,
    pub prefix: String,
    pub series: String,
    pub first: u64,
    pub last: u64,
    pub width: u32,
    pub used_through: Option<u64>,
}

/// A device's sign-in: a token limited to sync, the device, and the node's witness of it.
#[derive(Serialize, ToSchema)]
pub struct DeviceSignedIn {
    pub token: String,
    pub expires_at: String,
    pub device: Device,
    pub sync: DeviceWitnessDoc,
}

#[derive(Serialize, ToSchema)]
pub struct DeviceWitnessDoc {
    pub high_water: u64,
    pub leases: Vec<LeaseUseDoc>,
}

#[derive(Serialize, ToSchema)]
pub struct PasswordChangeDoc {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Serialize, ToSchema)]
pub struct PasswordResetDoc {
    pub new_password: String,
}

#[derive(Serialize, ToSchema)]
pub struct RoleChangeDoc {
    pub role: Role,
}

#[derive(Serialize, ToSchema)]
pub struct RevokedDoc {
    /// Tokens that were live and are now revoked.
    pub revoked: u64,
}

/// GS1 company prefixes (6 to 12 digits) an enterprise holds.
#[derive(Serialize, ToSchema)]
pub struct Gs1PrefixesDoc {
    pub prefixes: Vec<String>,
}

/// One op of a workstation's outbox.
#[derive(Serialize, ToSchema)]
pub struct OperationDoc {
    pub op_id: String,
    pub device_id: String,
    pub seq: u64,
    /// Hybrid-logical-clock stamp.
    pub hlc: String,
    /// `instrument`.
    pub entity: String,
    pub entity_id: String,
    /// `create`, `update`, `delete` or `undelete`.
    pub kind: String,
    /// The record (create), `{field: [before, after]}` (update), `{}` otherwise.
    #[schema(value_type = Value)]
    pub payload: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct PushRequestDoc {
    pub device_id: String,
    pub ops: Vec<OperationDoc>,
}

/// An instrument record as the node holds it.
#[derive(Serialize, ToSchema)]
pub struct ServerRowDoc {
    pub handle: String,
    pub version: u64,
    pub deleted: bool,
    #[schema(value_type = Object)]
    pub instrument: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct OpResultDoc {
    pub op_id: String,
    pub seq: u64,
    /// `applied`, `duplicate`, `rejected` or `conflict`.
    pub outcome: String,
    pub reason_code: Option<String>,
    pub reason: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub conflicts: Option<Vec<serde_json::Value>>,
    pub server: Option<ServerRowDoc>,
    pub applied_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct PushResponseDoc {
    pub results: Vec<OpResultDoc>,
    pub high_water: u64,
}

#[derive(Serialize, ToSchema)]
pub struct ChangeDoc {
    pub cursor: u64,
    pub row: ServerRowDoc,
    /// The device whose op made the change; absent for Handle API changes.
    pub origin_device: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PullResponseDoc {
    pub changes: Vec<ChangeDoc>,
    pub next_cursor: u64,
    pub has_more: bool,
}

/// 410: the cursor is older than the change log the node keeps; pull a snapshot.
#[derive(Serialize, ToSchema)]
pub struct MustRefetchDoc {
    pub code: String,
    pub message: String,
    pub message_en: String,
    pub min_cursor: u64,
}

#[derive(Serialize, ToSchema)]
pub struct SnapshotPageDoc {
    pub rows: Vec<ServerRowDoc>,
    pub next_after: Option<String>,
    pub cursor: u64,
}

/// Refusals of every endpoint that authenticates (Basic credentials are throttled and their
/// hashing bounded).
#[derive(IntoResponses)]
#[allow(dead_code)]
enum AuthRefusals {
    #[response(status = 401, description = "not signed in")]
    NotSignedIn(ErrorBody),
    #[response(
        status = 403,
        description = "not allowed, account inactive or locked, password to change first, or a device"
    )]
    Forbidden(ErrorBody),
    #[response(
        status = 429,
        description = "too many wrong passwords: wait (Retry-After)"
    )]
    Throttled(ErrorBody),
    #[response(
        status = 503,
        description = "too many passwords being checked: retry (Retry-After)"
    )]
    Busy(ErrorBody),
}

/// An account change's refusals.
#[derive(IntoResponses)]
#[allow(dead_code)]
enum ChangeRefusals {
    #[response(status = 400, description = "invalid id or body")]
    Invalid(ErrorBody),
    #[response(status = 401, description = "not signed in")]
    NotSignedIn(ErrorBody),
    #[response(
        status = 403,
        description = "not allowed (another enterprise's administrator, one's own account, a device)"
    )]
    Forbidden(ErrorBody),
    #[response(
        status = 404,
        description = "no such account (or another enterprise's)"
    )]
    NoAccount(ErrorBody),
    #[response(status = 409, description = "already in that state")]
    Decided(ErrorBody),
    #[response(status = 413, description = "body too large")]
    TooLarge,
    #[response(status = 429, description = "too many wrong passwords: wait")]
    Throttled(ErrorBody),
    #[response(status = 503, description = "busy: retry")]
    Busy(ErrorBody),
}

/// 429 and 503 from every endpoint that checks Basic credentials (throttled, hashing bounded).
#[derive(IntoResponses)]
#[allow(dead_code)]
enum Slowed {
    #[response(
        status = 429,
        description = "too many wrong passwords from this address or for this account: wait (Retry-After)"
    )]
    Throttled(ErrorBody),
    #[response(
        status = 503,
        description = "too many passwords being checked: retry (Retry-After)"
    )]
    Busy(ErrorBody),
}

/// The same in the Handle envelope.
#[derive(IntoResponses)]
#[allow(dead_code)]
enum HandleSlowed {
    #[response(
        status = 429,
        description = "too many wrong passwords: wait (Retry-After)"
    )]
    Throttled(HandleFailure),
    #[response(status = 503, description = "busy: retry (Retry-After)")]
    Busy(HandleFailure),
}

/// 401 from every endpoint that needs a signed-in caller.
#[derive(IntoResponses)]
#[response(status = 401, description = "not signed in")]
#[allow(dead_code)]
struct NotSignedIn(ErrorBody);

/// 413 from every endpoint that takes a body.
#[derive(IntoResponses)]
#[response(status = 413, description = "body too large")]
struct TooLarge;

/// Why approving or rejecting an account is refused.
#[derive(IntoResponses)]
#[allow(dead_code)]
enum DecisionRefusals {
    #[response(status = 400, description = "invalid id or note")]
    Invalid(ErrorBody),
    #[response(status = 401, description = "not signed in")]
    NotSignedIn(ErrorBody),
    #[response(status = 403, description = "operators only")]
    NotOperator(ErrorBody),
    #[response(status = 404, description = "no such account")]
    NoAccount(ErrorBody),
    #[response(
        status = 409,
        description = "already decided, or the enterprise was rejected"
    )]
    Decided(ErrorBody),
    #[response(status = 413, description = "body too large")]
    TooLarge,
    #[response(status = 429, description = "too many wrong passwords: wait")]
    Throttled(ErrorBody),
    #[response(status = 503, description = "busy: retry")]
    Busy(ErrorBody),
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "IDStation node",
        description = "Handle-compatible registration and resolution, accounts with operator \
                       approval and a lifecycle, devices, suffix leases, sync with \
                       workstations and monitoring figures."
    ),
    paths(
        get_handle, put_handle, delete_handle, list_handles, resolve_scan,
        register, list_accounts, approve, reject, disable, enable, set_role, reset_password,
        revoke_tokens, unlock, login, device_login, logout, me, change_password, enterprises,
        gs1_prefixes, set_gs1_prefixes, register_device, list_devices, device_leases,
        revoke_device, lease, sync_push, sync_pull, sync_snapshot, sync_status, daily_stats,
        metrics
    ),
    components(schemas(
        HandleValueDoc, ValueDataDoc, HandleRecord, HandleList, HandleWritten, HandleFailure, HandleValueInput,
        ErrorBody, Account, AccountStatus, Role, Enterprise, Device, Registration,
        EventDoc, DailyStats, DeviceStatusDoc, DeviceSignedIn, PushRequestDoc, PushResponseDoc,
        PullResponseDoc, SnapshotPageDoc, MustRefetchDoc
    )),
    modifiers(&Security)
)]
pub struct ApiDoc;

#[utoipa::path(get, path = "/api/handles", tag = "handles",
    params(
        ("prefix" = String, Query, description = "the prefix (`0.NA/` optional)", pattern = r"^88(\.[0-9]{1,6}){1,3}$", example = "88.118.8"),
        ("page" = Option<u64>, Query, description = "page number, from 0"),
        ("pageSize" = Option<u64>, Query, description = "handles per page; 0 gives only the count; absent gives all"),
    ),
    responses(
        (status = 200, description = "the handles with exactly this prefix", body = HandleList),
        (status = 400, description = "invalid prefix or parameter, or a prefix this node is not responsible for", body = HandleFailure),
        (status = 401, description = "authentication needed (responseCode 402)", body = HandleFailure),
        (status = 403, description = "not the operator nor an account of the prefix's enterprise", body = HandleFailure),
        HandleSlowed,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn list_handles() {}

#[utoipa::path(get, path = "/{prefix}/{suffix}", tag = "resolution",
    description = "What a label's QR code opens on a phone: a redirect to the record's URL value, \
                   or a zh-CN page of the instrument whose status is computed at request time. \
                   GS1 Digital Link paths (`/01/{gtin}/21/{serial}`, `/8004/{giai}`) resolve too.",
    params(
        ("prefix" = String, Path, pattern = r"^88(\.[0-9]{1,6}){1,3}$", example = "88.118.8"),
        ("suffix" = String, Path, description = "any case", pattern = r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$", example = "CAL-2026-000123"),
    ),
    responses(
        (status = 200, description = "a page about the instrument", content_type = "text/html"),
        (status = 302, description = "to the record's URL value", headers(("location" = String))),
        (status = 400, description = "not an identifier", content_type = "text/html"),
        (status = 404, description = "not registered (or deleted)", content_type = "text/html"),
    ))]
#[allow(dead_code)]
fn resolve_scan() {}

#[utoipa::path(get, path = "/api/handles/{handle}", tag = "handles",
    params(
        ("handle" = String, Path, description = "`<prefix>/<suffix>`; `/` may be sent as `%2F`", pattern = r"^88(\.[0-9]{1,6}){1,3}/[A-Za-z0-9.-]{1,32}$", example = "88.118.8/CAL-2026-000123"),
        ("index" = Option<String>, Query, description = "value indexes, repeated or comma-separated"),
        ("type" = Option<String>, Query, description = "value types, repeatable"),
        ("publicOnly" = Option<bool>, Query, description = "false: every value (needs credentials of the owning enterprise or the operator)"),
    ),
    responses(
        (status = 200, description = "the handle's values: the public ones, or all of them for the enterprise that owns the handle and the operator when they authenticate", body = HandleRecord),
        (status = 400, description = "invalid handle or parameter", body = HandleFailure),
        (status = 401, description = "publicOnly=false without credentials (responseCode 402)", body = HandleFailure),
        (status = 403, description = "wrong credentials", body = HandleFailure),
        (status = 404, description = "no such handle (responseCode 100)", body = HandleFailure),
        HandleSlowed,
    ))]
#[allow(dead_code)]
fn get_handle() {}

#[utoipa::path(put, path = "/api/handles/{handle}", tag = "handles",
    params(
        ("handle" = String, Path, description = "`<prefix>/<suffix>`", pattern = r"^88(\.[0-9]{1,6}){1,3}/[A-Za-z0-9.-]{1,32}$", example = "88.118.8/CAL-2026-000123"),
        ("index" = Option<String>, Query, description = "replace only these indexes"),
        ("overwrite" = Option<bool>, Query, description = "false: refuse an existing handle"),
    ),
    request_body(content = Vec<HandleValueInput>, description = "the values"),
    responses(
        (status = 200, description = "modified", body = HandleWritten),
        (status = 201, description = "created", body = HandleWritten),
        (status = 400, description = "invalid handle, value or parameter", body = HandleFailure),
        (status = 401, description = "authentication needed (responseCode 402)", body = HandleFailure),
        (status = 403, description = "wrong credentials or not allowed", body = HandleFailure),
        (status = 409, description = "exists and overwrite=false, or a GS1 key another handle carries", body = HandleFailure),
        (status = 413, description = "body too large", body = HandleFailure),
        HandleSlowed,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn put_handle() {}

#[utoipa::path(delete, path = "/api/handles/{handle}", tag = "handles",
    params(
        ("handle" = String, Path, description = "`<prefix>/<suffix>`", pattern = r"^88(\.[0-9]{1,6}){1,3}/[A-Za-z0-9.-]{1,32}$", example = "88.118.8/CAL-2026-000123"),
        ("index" = Option<String>, Query, description = "delete only these values"),
    ),
    responses(
        (status = 200, description = "deleted", body = HandleWritten),
        (status = 400, description = "invalid handle or index", body = HandleFailure),
        (status = 401, description = "authentication needed", body = HandleFailure),
        (status = 403, description = "wrong credentials or not allowed", body = HandleFailure),
        (status = 404, description = "no such handle", body = HandleFailure),
        HandleSlowed,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn delete_handle() {}

#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts",
    request_body = Registration,
    responses(
        (status = 201, description = "registered, pending the operator's approval", body = AccountEnvelope),
        (status = 400, description = "invalid registration", body = ErrorBody),
        (status = 409, description = "user name taken, or the enterprise was rejected", body = ErrorBody),
        TooLarge,
        (status = 429, description = "many registrations from this address: wait (Retry-After)", body = ErrorBody),
        (status = 503, description = "too many registrations await approval, or busy: retry later", body = ErrorBody),
    ))]
#[allow(dead_code)]
fn register() {}

#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts",
    params(("status" = Option<AccountStatus>, Query, description = "only this status")),
    responses(
        (status = 200, description = "accounts the caller may see", body = AccountList),
        (status = 400, description = "invalid status", body = ErrorBody),
        NotSignedIn,
        (status = 403, description = "not allowed", body = ErrorBody),
        Slowed,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn list_accounts() {}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/approve", tag = "accounts",
    params(("id" = i64, Path, description = "account id")),
    request_body(content = Option<DecisionDoc>, description = "optional note"),
    responses(
        (status = 200, description = "approved", body = AccountEnvelope),
        DecisionRefusals,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn approve() {}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/reject", tag = "accounts",
    params(("id" = i64, Path, description = "account id")),
    request_body(content = Option<DecisionDoc>, description = "optional note"),
    responses(
        (status = 200, description = "rejected", body = AccountEnvelope),
        DecisionRefusals,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn reject() {}

#[utoipa::path(post, path = "/api/v1/login", tag = "accounts",
    request_body = LoginRequestDoc,
    responses(
        (status = 200, description = "signed in (an account that must change its password gets a token that only does that)", body = LoginAnswer),
        (status = 400, description = "malformed request", body = ErrorBody),
        (status = 401, description = "wrong user name or password", body = ErrorBody),
        (status = 403, description = "account pending, rejected, disabled or locked", body = ErrorBody),
        TooLarge,
        (status = 429, description = "too many wrong passwords: wait (Retry-After)", body = ErrorBody),
        (status = 503, description = "too many passwords being checked: retry (Retry-After)", body = ErrorBody),
    ))]
#[allow(dead_code)]
fn login() {}

#[utoipa::path(post, path = "/api/v1/logout", tag = "accounts",
    responses(
        (status = 204, description = "token revoked"),
        NotSignedIn,
        (status = 403, description = "not a token, or account inactive", body = ErrorBody),
        (status = 404, description = "token already revoked", body = ErrorBody),
        Slowed,
    ),
    security(("bearer" = [])))]
#[allow(dead_code)]
fn logout() {}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses(
        (status = 200, description = "the caller", body = MeAnswer),
        NotSignedIn,
        (status = 403, description = "account inactive", body = ErrorBody),
        Slowed,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn me() {}

#[utoipa::path(get, path = "/api/v1/enterprises", tag = "accounts",
    responses(
        (status = 200, description = "enterprises the caller may see", body = EnterpriseList),
        NotSignedIn,
        (status = 403, description = "not allowed", body = ErrorBody),
        Slowed,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn enterprises() {}

#[utoipa::path(post, path = "/api/v1/devices", tag = "devices",
    request_body = DeviceRequestDoc,
    responses(
        (status = 201, description = "registered", body = DeviceEnvelope),
        (status = 400, description = "invalid request or unknown enterprise", body = ErrorBody),
        NotSignedIn,
        (status = 403, description = "not allowed", body = ErrorBody),
        TooLarge,
        Slowed,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn register_device() {}

#[utoipa::path(get, path = "/api/v1/devices", tag = "devices",
    responses(
        (status = 200, description = "devices the caller may see", body = DeviceList),
        NotSignedIn,
        (status = 403, description = "not allowed", body = ErrorBody),
        Slowed,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn list_devices() {}

#[utoipa::path(get, path = "/api/v1/devices/{id}/leases", tag = "devices",
    params(("id" = String, Path, description = "device id")),
    responses(
        (status = 200, description = "the device's leases", body = LeaseList),
        (status = 400, description = "invalid id", body = ErrorBody),
        NotSignedIn,
        (status = 403, description = "not allowed", body = ErrorBody),
        (status = 404, description = "no such device (or another enterprise's)", body = ErrorBody),
        Slowed,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn device_leases() {}

#[utoipa::path(post, path = "/api/v1/leases", tag = "devices",
    request_body = LeaseRequestDoc,
    responses(
        (status = 201, description = "leased", body = LeaseEnvelope),
        (status = 400, description = "invalid request", body = ErrorBody),
        NotSignedIn,
        (status = 403, description = "not allowed", body = ErrorBody),
        (status = 404, description = "no such device (or another enterprise's)", body = ErrorBody),
        TooLarge,
        Slowed,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn lease() {}

#[utoipa::path(get, path = "/api/v1/stats/daily", tag = "monitoring",
    params(("date" = Option<String>, Query, description = "YYYY-MM-DD, China Standard Time; today when absent", pattern = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")),
    responses(
        (status = 200, description = "the day's figures", body = DailyStats),
        (status = 400, description = "invalid date", body = ErrorBody),
        NotSignedIn,
        (status = 403, description = "account inactive", body = ErrorBody),
        Slowed,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn daily_stats() {}

#[utoipa::path(get, path = "/metrics", tag = "monitoring",
    responses((status = 200, description = "Prometheus text exposition", content_type = "application/openmetrics-text")))]
#[allow(dead_code)]
fn metrics() {}

#[utoipa::path(post, path = "/api/v1/login/device", tag = "devices",
    description = "A registered workstation signs in with its device secret, as itself: a token \
                   limited to sync (push, pull, snapshots, status, its own leases).",
    request_body = DeviceLoginDoc,
    responses(
        (status = 200, description = "signed in as the device", body = DeviceSignedIn),
        (status = 400, description = "malformed request", body = ErrorBody),
        (status = 401, description = "no such device, or the wrong secret", body = ErrorBody),
        (status = 403, description = "the device was revoked, or its enterprise is not active", body = ErrorBody),
        TooLarge,
        (status = 429, description = "too many wrong secrets from this address", body = ErrorBody),
    ))]
#[allow(dead_code)]
fn device_login() {}

#[utoipa::path(post, path = "/api/v1/me/password", tag = "accounts",
    description = "Changes one's own password (the operator's first sign-in must). Every other \
                   token of the account is revoked.",
    request_body = PasswordChangeDoc,
    responses(
        (status = 200, description = "changed", body = AccountEnvelope),
        (status = 400, description = "weak or unchanged new password, wrong current one", body = ErrorBody),
        (status = 404, description = "the prefix administrator has no account", body = ErrorBody),
        TooLarge,
        AuthRefusals,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn change_password() {}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/disable", tag = "accounts",
    description = "Disables an account and revokes its tokens (the operator; an enterprise's \
                   administrator within it). Audited.",
    params(("id" = i64, Path, description = "account id")),
    responses((status = 200, description = "disabled", body = AccountEnvelope), ChangeRefusals),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn disable() {}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/enable", tag = "accounts",
    params(("id" = i64, Path, description = "account id")),
    responses((status = 200, description = "enabled again", body = AccountEnvelope), ChangeRefusals),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn enable() {}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/role", tag = "accounts",
    params(("id" = i64, Path, description = "account id")),
    request_body = RoleChangeDoc,
    responses((status = 200, description = "the new role", body = AccountEnvelope), ChangeRefusals),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn set_role() {}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/password", tag = "accounts",
    description = "Resets someone's password: their tokens are revoked and their next sign-in \
                   must set a new one.",
    params(("id" = i64, Path, description = "account id")),
    request_body = PasswordResetDoc,
    responses((status = 200, description = "reset", body = AccountEnvelope), ChangeRefusals),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn reset_password() {}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/revoke-tokens", tag = "accounts",
    params(("id" = i64, Path, description = "account id")),
    responses((status = 200, description = "signed out everywhere", body = RevokedDoc), ChangeRefusals),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn revoke_tokens() {}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/unlock", tag = "accounts",
    description = "Lifts the lock repeated wrong passwords put on an account.",
    params(("id" = i64, Path, description = "account id")),
    responses((status = 200, description = "unlocked", body = AccountEnvelope), ChangeRefusals),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn unlock() {}

#[utoipa::path(get, path = "/api/v1/enterprises/{id}/gs1-prefixes", tag = "accounts",
    params(("id" = i64, Path, description = "enterprise id")),
    responses(
        (status = 200, description = "the enterprise's GS1 company prefixes", body = Gs1PrefixesDoc),
        (status = 400, description = "invalid id", body = ErrorBody),
        (status = 404, description = "no such enterprise (or another's)", body = ErrorBody),
        AuthRefusals,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn gs1_prefixes() {}

#[utoipa::path(put, path = "/api/v1/enterprises/{id}/gs1-prefixes", tag = "accounts",
    description = "The operator sets the GS1 company prefixes an enterprise holds; GS1 keys are \
                   then accepted only on that enterprise's records.",
    params(("id" = i64, Path, description = "enterprise id")),
    request_body = Gs1PrefixesDoc,
    responses(
        (status = 200, description = "the prefixes now held", body = Gs1PrefixesDoc),
        (status = 400, description = "invalid id or prefix", body = ErrorBody),
        (status = 404, description = "no such enterprise", body = ErrorBody),
        (status = 409, description = "a prefix (or one overlapping it) belongs to another enterprise", body = ErrorBody),
        TooLarge,
        AuthRefusals,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn set_gs1_prefixes() {}

#[utoipa::path(post, path = "/api/v1/devices/{id}/revoke", tag = "devices",
    params(("id" = String, Path, description = "device id")),
    responses(
        (status = 200, description = "revoked: its secret and tokens no longer work", body = DeviceEnvelope),
        (status = 400, description = "invalid id", body = ErrorBody),
        (status = 404, description = "no such device (or another enterprise's)", body = ErrorBody),
        (status = 409, description = "revoked already", body = ErrorBody),
        AuthRefusals,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn revoke_device() {}

#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync",
    description = "A device's outbox ops, in sequence order. Each op is applied once (by op id) \
                   and its result stored; a replay gets the stored result. The caller is \
                   known before the body is read.",
    request_body = PushRequestDoc,
    responses(
        (status = 200, description = "each op's result and the device's high-water mark", body = PushResponseDoc),
        (status = 400, description = "invalid body, another device's op, too many ops", body = ErrorBody),
        (status = 404, description = "no such device (or not the caller's)", body = ErrorBody),
        TooLarge,
        AuthRefusals,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn sync_push() {}

#[utoipa::path(get, path = "/api/v1/sync/pull", tag = "sync",
    params(
        ("cursor" = Option<u64>, Query, description = "the last cursor the caller holds"),
        ("limit" = Option<u32>, Query, description = "changes per page", minimum = 1, maximum = 1000),
    ),
    responses(
        (status = 200, description = "changes after the cursor, within the caller's enterprise", body = PullResponseDoc),
        (status = 400, description = "invalid cursor or limit", body = ErrorBody),
        (status = 410, description = "the cursor is older than the change log: pull a snapshot", body = MustRefetchDoc),
        AuthRefusals,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn sync_pull() {}

#[utoipa::path(get, path = "/api/v1/sync/snapshot", tag = "sync",
    params(
        ("after" = Option<String>, Query, description = "resume after this handle"),
        ("limit" = Option<u32>, Query, description = "records per page", minimum = 1, maximum = 1000),
    ),
    responses(
        (status = 200, description = "records in handle order", body = SnapshotPageDoc),
        (status = 400, description = "invalid limit", body = ErrorBody),
        AuthRefusals,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn sync_snapshot() {}

#[utoipa::path(get, path = "/api/v1/sync/status", tag = "sync",
    params(("device_id" = String, Query, description = "the device (a UUID)")),
    responses(
        (status = 200, description = "what the node has seen of the device", body = DeviceStatusDoc),
        (status = 400, description = "invalid device id", body = ErrorBody),
        (status = 404, description = "no such device (or not the caller's)", body = ErrorBody),
        AuthRefusals,
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn sync_status() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_names_every_route() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("json");
        let paths = doc["paths"].as_object().expect("paths");
        for p in [
            "/api/handles/{handle}",
            "/api/handles",
            "/{prefix}/{suffix}",
            "/api/v1/accounts",
            "/api/v1/login",
            "/api/v1/leases",
            "/api/v1/stats/daily",
            "/metrics",
            "/api/v1/sync/push",
            "/api/v1/sync/pull",
            "/api/v1/sync/snapshot",
            "/api/v1/sync/status",
            "/api/v1/login/device",
            "/api/v1/me/password",
            "/api/v1/accounts/{id}/disable",
            "/api/v1/accounts/{id}/unlock",
            "/api/v1/enterprises/{id}/gs1-prefixes",
            "/api/v1/devices/{id}/revoke",
        ] {
            assert!(paths.contains_key(p), "{p} missing");
        }
        let value = &doc["components"]["schemas"]["ValueData"]["properties"]["value"];
        assert!(
            value.get("type").is_none(),
            "a value's data may be any JSON: {value}"
        );
    }
}
