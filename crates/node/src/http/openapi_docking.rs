//! The OpenAPI description of the docking endpoints (`http/docking.rs`, `http/uplink.rs`),
//! merged into the node's document by `openapi::document`. Schemathesis holds the handlers to
//! it like to the rest.

use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::error::ErrorBody;
use crate::accounts::{Account, Registration};
use crate::entities::{Attachment, EntityRecord, RecordStatus};
use crate::uplink::{ReportRow, ReportState, UplinkSummary};

#[derive(Serialize, ToSchema)]
pub struct RecordEnvelope {
    pub record: EntityRecord,
}

#[derive(Serialize, ToSchema)]
pub struct RecordList {
    pub records: Vec<EntityRecord>,
}

/// A write: the fields by name (those naming the record's key among them); `revision`, when
/// given, must be the record's current revision.
#[derive(Serialize, ToSchema)]
pub struct RecordWriteDoc {
    #[schema(value_type = Object)]
    pub fields: serde_json::Value,
    pub revision: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct VerdictDoc {
    /// `1` passed, `2` not passed.
    #[schema(pattern = "^[12]$")]
    pub result: String,
    pub opinion: Option<String>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ApplicationDoc {
    pub account: Registration,
    /// Table 6's fields an applicant gives.
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationAnswer {
    pub account: Account,
    pub record: EntityRecord,
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentEnvelope {
    pub attachment: Attachment,
}

#[derive(Serialize, ToSchema)]
pub struct Deleted {
    pub deleted: bool,
}

#[derive(Serialize, ToSchema)]
pub struct UplinkStatus {
    pub summary: UplinkSummary,
    pub restore_epoch: u64,
}

#[derive(Serialize, ToSchema)]
pub struct ReportList {
    pub reports: Vec<ReportRow>,
}

#[derive(Serialize, ToSchema)]
pub struct ResendDoc {
    pub key: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Resent {
    pub resent: u64,
}

#[derive(Serialize, ToSchema)]
pub struct GenerateDoc {
    /// `T03`, `T05`, `T08`, `T09`, `T10`, `A2-1`, `A2-2`, `A2-3`.
    pub item: String,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY-MM-DDTHH` (China time) as the item's cadence has it.
    pub period: String,
}

#[derive(Serialize, ToSchema)]
pub struct Generated {
    pub generated: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PublicKey {
    pub public_key: String,
    pub algorithm: String,
}

#[derive(OpenApi)]
#[openapi(
    paths(
        schema_document,
        apply,
        upload,
        download,
        list_records,
        put_record,
        get_record,
        delete_record,
        verify_record,
        uplink_status,
        uplink_reports,
        uplink_resend,
        uplink_generate,
        escrow_key
    ),
    components(schemas(
        EntityRecord,
        RecordStatus,
        Attachment,
        ReportRow,
        ReportState,
        UplinkSummary,
        RecordEnvelope,
        RecordList,
        RecordWriteDoc,
        VerdictDoc,
        ApplicationDoc,
        ApplicationAnswer,
        AttachmentEnvelope,
        Deleted,
        UplinkStatus,
        ReportList,
        ResendDoc,
        Resent,
        GenerateDoc,
        Generated,
        PublicKey
    ))
)]
pub struct DockingDoc;

#[utoipa::path(get, path = "/api/v1/docking/schema", tag = "docking",
    description = "The annex-1 tables and annex-2 items with every field (code, name, Chinese label, type, length, required, enumeration), the enumerations, and the GB/T 4754-2017 industry table.",
    responses((status = 200, description = "the schema", body = Object)))]
#[allow(dead_code)]
fn schema_document() {}

#[utoipa::path(post, path = "/api/v1/docking/applications", tag = "docking",
    description = "An enterprise applies: a pending enterprise-admin account and its table-6 record (status submitted).",
    request_body = ApplicationDoc,
    responses(
        (status = 201, description = "applied, pending the operator", body = ApplicationAnswer),
        (status = 400, description = "invalid account or record", body = ErrorBody),
        (status = 409, description = "user name taken, or the enterprise has applied already", body = ErrorBody),
        (status = 413, description = "body too large"),
    ))]
#[allow(dead_code)]
fn apply() {}

#[utoipa::path(post, path = "/api/v1/docking/attachments", tag = "docking",
    description = "The body is the file (JPEG, PNG or PDF, told by its magic bytes; at most 10 MiB).",
    params(
        ("name" = Option<String>, Query, description = "the file's name"),
        ("enterprise_prefix" = Option<String>, Query, description = "operators: the enterprise it belongs to"),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "stored (content-addressed)", body = AttachmentEnvelope),
        (status = 400, description = "not a kept file type, or too large", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "not allowed", body = ErrorBody),
        (status = 404, description = "no such enterprise", body = ErrorBody),
        (status = 413, description = "body too large"),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn upload() {}

#[utoipa::path(get, path = "/api/v1/docking/attachments/{sha256}", tag = "docking",
    params(("sha256" = String, Path, description = "the file's SHA-256, hex")),
    responses(
        (status = 200, description = "the file", content_type = "application/octet-stream"),
        (status = 400, description = "not a SHA-256", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 404, description = "no such attachment the caller may read", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn download() {}

#[utoipa::path(get, path = "/api/v1/docking/{item}/records", tag = "docking",
    params(
        ("item" = String, Path, description = "`T01` … `T11` (or 1 … 11) of the entered tables"),
        ("enterprise_prefix" = Option<String>, Query, description = "operators: one enterprise's records"),
    ),
    responses(
        (status = 200, description = "records (personal fields masked unless the caller may see them)", body = RecordList),
        (status = 400, description = "not an entered table", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "not allowed", body = ErrorBody),
        (status = 404, description = "no such table or enterprise", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn list_records() {}

#[utoipa::path(post, path = "/api/v1/docking/{item}/records", tag = "docking",
    description = "Creates or changes the record its key fields name; a real-time table's change is reported to the top-level node within seconds.",
    params(("item" = String, Path, description = "`T01` … `T11` of the entered tables")),
    request_body = RecordWriteDoc,
    responses(
        (status = 200, description = "the record as stored", body = RecordEnvelope),
        (status = 400, description = "a field is refused (named in `field`)", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "not allowed", body = ErrorBody),
        (status = 404, description = "no such table", body = ErrorBody),
        (status = 409, description = "the record changed meanwhile", body = ErrorBody),
        (status = 413, description = "body too large"),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn put_record() {}

#[utoipa::path(get, path = "/api/v1/docking/{item}/records/{key}", tag = "docking",
    params(
        ("item" = String, Path, description = "the table"),
        ("key" = String, Path, description = "the record's key (its key fields joined by `|`)"),
    ),
    responses(
        (status = 200, description = "the record", body = RecordEnvelope),
        (status = 400, description = "not an entered table", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "not allowed", body = ErrorBody),
        (status = 404, description = "no such record the caller may read", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn get_record() {}

#[utoipa::path(delete, path = "/api/v1/docking/{item}/records/{key}", tag = "docking",
    params(
        ("item" = String, Path, description = "the table"),
        ("key" = String, Path, description = "the record's key"),
    ),
    responses(
        (status = 200, description = "deleted (and the deletion reported)", body = Deleted),
        (status = 400, description = "not an entered table", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "not allowed", body = ErrorBody),
        (status = 404, description = "no such record", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn delete_record() {}

#[utoipa::path(post, path = "/api/v1/docking/{item}/records/{key}/verify", tag = "docking",
    description = "The operator's verification of an enterprise node (table 6, art. 3).",
    params(
        ("item" = String, Path, description = "`T06`"),
        ("key" = String, Path, description = "the enterprise prefix"),
    ),
    request_body = VerdictDoc,
    responses(
        (status = 200, description = "verified or rejected", body = RecordEnvelope),
        (status = 400, description = "invalid verdict, or an incomplete record passed", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "operators only", body = ErrorBody),
        (status = 404, description = "no such record", body = ErrorBody),
        (status = 409, description = "the record changed meanwhile", body = ErrorBody),
        (status = 413, description = "body too large"),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn verify_record() {}

#[utoipa::path(get, path = "/api/v1/uplink/status", tag = "uplink",
    responses(
        (status = 200, description = "the outbox at a glance", body = UplinkStatus),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "operators only", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn uplink_status() {}

#[utoipa::path(get, path = "/api/v1/uplink/reports", tag = "uplink",
    params(
        ("state" = Option<ReportState>, Query, description = "only this state"),
        ("item" = Option<String>, Query, description = "only this item"),
        ("limit" = Option<u32>, Query, description = "1 to 1000 (100)", minimum = 1, maximum = 1000),
    ),
    responses(
        (status = 200, description = "reports, newest first", body = ReportList),
        (status = 400, description = "invalid state or limit", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "operators only", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn uplink_reports() {}

#[utoipa::path(post, path = "/api/v1/uplink/resend", tag = "uplink",
    request_body = ResendDoc,
    responses(
        (status = 200, description = "pending again: the same report(s) under the same key(s)", body = Resent),
        (status = 400, description = "invalid body", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "operators only", body = ErrorBody),
        (status = 404, description = "no report with this key", body = ErrorBody),
        (status = 413, description = "body too large"),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn uplink_resend() {}

#[utoipa::path(post, path = "/api/v1/uplink/generate", tag = "uplink",
    request_body = GenerateDoc,
    responses(
        (status = 200, description = "the keys of the reports made", body = Generated),
        (status = 400, description = "no such periodic item or period", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "operators only", body = ErrorBody),
        (status = 413, description = "body too large"),
    ),
    security(("basic" = []), ("bearer" = [])))]
#[allow(dead_code)]
fn uplink_generate() {}

#[utoipa::path(get, path = "/api/v1/escrow/key", tag = "uplink",
    description = "The node's ed25519 public key: it signs escrow manifests and backup sidecars.",
    responses(
        (status = 200, description = "the key", body = PublicKey),
        (status = 404, description = "the node has no keys loaded", body = ErrorBody),
    ))]
#[allow(dead_code)]
fn escrow_key() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_names_every_docking_route() {
        let doc = serde_json::to_value(DockingDoc::openapi()).expect("json");
        let paths = doc["paths"].as_object().expect("paths");
        for p in [
            "/api/v1/docking/schema",
            "/api/v1/docking/applications",
            "/api/v1/docking/attachments",
            "/api/v1/docking/attachments/{sha256}",
            "/api/v1/docking/{item}/records",
            "/api/v1/docking/{item}/records/{key}",
            "/api/v1/docking/{item}/records/{key}/verify",
            "/api/v1/uplink/status",
            "/api/v1/uplink/reports",
            "/api/v1/uplink/resend",
            "/api/v1/uplink/generate",
            "/api/v1/escrow/key",
        ] {
            assert!(paths.contains_key(p), "{p} missing");
        }
    }
}
