//! The platform operator's calls to the node, made from the desktop app: the docking tables'
//! records (annex 1) and the uplink to the top-level node (what was sent, what failed, resend).
//!
//! These act as a *person*, never as the workstation's device: the operator signs in with their
//! own account, and the token lives only as long as the [`OperatorSession`] (it is never
//! stored). The node checks the role on every call; this client only carries the answers.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::{HttpTransport, SyncError};

/// Most reports one listing asks for (the node's own bound).
pub const MAX_REPORTS: u32 = 1000;
/// The largest attachment the node takes (its own bound; checked here before sending).
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// A person waits for these calls: fail rather than hang.
const TIMEOUT: Duration = Duration::from_secs(15);

/// A signed-in operator (or enterprise administrator) at one node.
pub struct OperatorSession {
    http: HttpTransport,
    token: String,
    pub username: String,
    /// `operator`, `enterprise_admin`, … as the node says.
    pub role: String,
}

/// The outbox to the top-level node at a glance (`GET /api/v1/uplink/status`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct UplinkSummary {
    pub pending: u64,
    pub acked: u64,
    pub failed: u64,
    pub filed: u64,
    pub oldest_pending_at: Option<String>,
    pub last_acked_at: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
}

/// One report to the top-level node (`GET /api/v1/uplink/reports`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UplinkReport {
    pub key: String,
    pub item: String,
    pub cadence: String,
    pub subject: String,
    pub period: Option<String>,
    pub sha256: String,
    pub bytes: u64,
    /// `pending`, `acked`, `failed` or `filed`.
    pub state: String,
    pub attempts: u32,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub last_sent_at: Option<String>,
    pub acked_at: Option<String>,
    pub file: Option<String>,
}

/// A declared maintenance window (`GET /api/v1/maintenance`); `end` is `None` while on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MaintenanceWindow {
    pub start: String,
    pub end: Option<String>,
    pub description: String,
    pub started_by: String,
    pub ended_by: Option<String>,
}

/// One record of a docking table as the node shows it to the caller (personal fields masked
/// for roles that do not need them).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EntityRecord {
    pub item: String,
    pub key: String,
    pub enterprise_prefix: Option<String>,
    /// `submitted`, `active`, `verified`, `rejected` …
    pub status: String,
    pub revision: u64,
    pub fields: Map<String, Value>,
    pub updated_at: String,
    pub updated_by: String,
}

#[derive(Deserialize)]
struct Me {
    username: String,
    role: String,
}

fn field<T: serde::de::DeserializeOwned>(mut v: Value, name: &str) -> Result<T, SyncError> {
    serde_json::from_value(v[name].take()).map_err(|e| SyncError::Protocol(format!("{name}: {e}")))
}

impl OperatorSession {
    /// Signs in to the node at `base` as a person.
    pub fn sign_in(base: &str, username: &str, password: &str) -> Result<Self, SyncError> {
        let http = HttpTransport::new(base)?;
        let token = http.login(username, password)?.token;
        let me: Me = http.send(
            http.client()
                .get(http.url("/api/v1/me"))
                .bearer_auth(&token)
                .timeout(TIMEOUT),
        )?;
        Ok(OperatorSession {
            http,
            token,
            username: me.username,
            role: me.role,
        })
    }

    pub fn is_operator(&self) -> bool {
        self.role == "operator"
    }

    fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, SyncError> {
        self.http.send(
            self.http
                .client()
                .get(self.http.url(path))
                .query(query)
                .bearer_auth(&self.token)
                .timeout(TIMEOUT),
        )
    }

    fn post(&self, path: &str, body: &Value) -> Result<Value, SyncError> {
        self.http.send(
            self.http
                .client()
                .post(self.http.url(path))
                .json(body)
                .bearer_auth(&self.token)
                .timeout(TIMEOUT),
        )
    }

    /// The docking tables, their fields, enumerations and the industry table (the forms are
    /// built from it, so a corrected field needs no new app).
    pub fn docking_schema(&self) -> Result<Value, SyncError> {
        self.get("/api/v1/docking/schema", &[])
    }

    /// The records of one entered table (`T01` …) the caller may see.
    pub fn records(&self, item: &str) -> Result<Vec<EntityRecord>, SyncError> {
        field(
            self.get(&format!("/api/v1/docking/{}/records", segment(item)?), &[])?,
            "records",
        )
    }

    /// Creates or changes the record its key fields name. `revision`: the one the person
    /// edited; the node refuses the write if someone changed the record meanwhile.
    pub fn save_record(
        &self,
        item: &str,
        fields: Map<String, Value>,
        revision: Option<u64>,
    ) -> Result<EntityRecord, SyncError> {
        field(
            self.post(
                &format!("/api/v1/docking/{}/records", segment(item)?),
                &json!({ "fields": fields, "revision": revision }),
            )?,
            "record",
        )
    }

    /// The operator's verification of an enterprise node (`T06`): passed or not, with an
    /// opinion. Passing needs a complete record; the node then reports it.
    pub fn verify_enterprise(
        &self,
        key: &str,
        passed: bool,
        opinion: &str,
    ) -> Result<EntityRecord, SyncError> {
        field(
            self.post(
                &format!("/api/v1/docking/T06/records/{}/verify", segment(key)?),
                &json!({ "result": if passed { "1" } else { "2" }, "opinion": opinion }),
            )?,
            "record",
        )
    }

    /// Uploads a file for an attachment field (JPEG, PNG or PDF, told by the node from its
    /// bytes); the field then holds the returned SHA-256. `enterprise_prefix`: whose record it
    /// belongs to (the operator uploading for an enterprise).
    pub fn upload_attachment(
        &self,
        name: &str,
        bytes: Vec<u8>,
        enterprise_prefix: Option<&str>,
    ) -> Result<String, SyncError> {
        let mut query = vec![("name", name)];
        if let Some(p) = enterprise_prefix {
            query.push(("enterprise_prefix", p));
        }
        let v: Value = self.http.send(
            self.http
                .client()
                .post(self.http.url("/api/v1/docking/attachments"))
                .query(&query)
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(bytes)
                .bearer_auth(&self.token)
                // 10 MB over a slow line.
                .timeout(Duration::from_secs(120)),
        )?;
        v["attachment"]["sha256"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| SyncError::Protocol("no attachment sha256".into()))
    }

    /// This month's declared maintenance windows (an open one included).
    pub fn maintenance(&self) -> Result<Vec<MaintenanceWindow>, SyncError> {
        field(self.get("/api/v1/maintenance", &[])?, "maintenance")
    }

    /// Maintenance mode on, with what is being done; refused while it is on already.
    pub fn start_maintenance(&self, description: &str) -> Result<MaintenanceWindow, SyncError> {
        field(
            self.post(
                "/api/v1/maintenance",
                &json!({ "description": description }),
            )?,
            "maintenance",
        )
    }

    /// Maintenance mode off.
    pub fn end_maintenance(&self) -> Result<MaintenanceWindow, SyncError> {
        field(
            self.post("/api/v1/maintenance/end", &json!({}))?,
            "maintenance",
        )
    }

    pub fn uplink_summary(&self) -> Result<UplinkSummary, SyncError> {
        field(self.get("/api/v1/uplink/status", &[])?, "summary")
    }

    /// The newest reports first, optionally of one state (`failed` …), at most `limit`.
    pub fn uplink_reports(
        &self,
        state: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UplinkReport>, SyncError> {
        let limit = limit.clamp(1, MAX_REPORTS).to_string();
        let mut query = vec![("limit", limit.as_str())];
        if let Some(s) = state {
            query.push(("state", s));
        }
        field(self.get("/api/v1/uplink/reports", &query)?, "reports")
    }

    /// Makes one report (by key) or every failed or filed one pending again, under the same
    /// key(s): the top-level node never receives a report twice as two different reports.
    pub fn resend(&self, key: Option<&str>) -> Result<u64, SyncError> {
        field(
            self.post("/api/v1/uplink/resend", &json!({ "key": key }))?,
            "resent",
        )
    }
}

/// A table code or record key as one path segment (keys are the node's own; a slash or
/// anything odd in one would change the path).
fn segment(s: &str) -> Result<String, SyncError> {
    if s.is_empty() || s.len() > 200 || s.chars().any(|c| c == '/' || c.is_control()) {
        return Err(SyncError::Protocol(format!("not a record key: {s:?}")));
    }
    Ok(percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string())
}
