//! What the monthly operating report needs from storage beyond the daily figures and the
//! availability log: registration-to-resolvable times, incidents written up by people, and the
//! reports workstations issued and submitted through sync.

use serde::{Deserialize, Serialize};

/// Registration-to-resolvable times of the registrations of one prefix that became resolvable
/// on one China day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EffectiveDay {
    pub day: String,
    pub prefix: String,
    pub count: u64,
    pub total_secs: u64,
    pub max_secs: u64,
}

/// An emergency as a person wrote it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Incident {
    pub id: i64,
    /// RFC 3339 UTC.
    pub start: String,
    pub recovered: Option<String>,
    /// 1 network fault, 2 system error, 3 attack, 4 other (the annex's event types).
    pub kind: u8,
    pub cause: String,
    pub fix: String,
    pub written_by: String,
    pub written_at: String,
}

/// An incident to write up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncident {
    pub start: String,
    pub recovered: Option<String>,
    pub kind: u8,
    pub cause: String,
    pub fix: String,
}

/// A report a workstation issued, as the node keeps it (its bytes are fetched apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IssuedRow {
    pub number: String,
    pub prefix: String,
    /// `YYYY-MM`.
    pub month: String,
    pub version: u32,
    pub supersedes: Option<String>,
    pub issued_at: String,
    pub issued_by: String,
    /// SHA-256 of the PDF, lower-case hex.
    pub sha256: String,
    pub pdf_bytes: u64,
    pub received_at: String,
}

/// An issued report with its bytes as issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedFiles {
    pub row: IssuedRow,
    pub pdf: Vec<u8>,
    pub csv: Vec<u8>,
}
