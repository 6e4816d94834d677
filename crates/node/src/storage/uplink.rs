//! The uplink outbox's rows as the storage seam hands them over: what `crate::uplink` makes and
//! sends, and every backend stores. Here, not in `uplink`, so the seam does not import the
//! module that uses it.

use serde::{Deserialize, Serialize};

use super::error::StorageError;
use crate::docking::Cadence;

/// What the store hands a report maker: the report's revision (per item and subject) and the
/// node's restore epoch, both part of the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportStamp {
    pub revision: u64,
    pub epoch: u64,
}

/// A report ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub key: String,
    pub item: String,
    pub cadence: Cadence,
    pub subject: String,
    pub period: Option<String>,
    /// The body, sealed with the node's data key (it may carry personal fields).
    pub body: Vec<u8>,
    /// SHA-256 of the plain body, hex.
    pub sha256: String,
    pub bytes: u64,
}

/// Makes the report once the store knows its stamp (inside the write's transaction).
pub type ReportMaker<'a> = dyn Fn(ReportStamp) -> Result<NewReport, StorageError> + 'a;

/// A generated period, stored with its report: `item` reached `done` for `period`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub item: String,
    pub period: String,
    pub done: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// Stored, not yet acknowledged: sent (again) when its next attempt is due.
    Pending,
    /// The top-level node acknowledged it.
    Acked,
    /// Gave up after the configured attempts; `resend` makes it pending again.
    Failed,
    /// No endpoint is configured: written as a file for manual upload.
    Filed,
}

impl ReportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Pending => "pending",
            ReportState::Acked => "acked",
            ReportState::Failed => "failed",
            ReportState::Filed => "filed",
        }
    }

    pub fn parse(s: &str) -> Option<ReportState> {
        [
            ReportState::Pending,
            ReportState::Acked,
            ReportState::Failed,
            ReportState::Filed,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// A report as the operator sees it (without its body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportRow {
    pub id: i64,
    pub key: String,
    pub item: String,
    pub cadence: String,
    pub subject: String,
    pub period: Option<String>,
    pub sha256: String,
    pub bytes: u64,
    pub state: ReportState,
    pub attempts: u32,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub last_sent_at: Option<String>,
    pub acked_at: Option<String>,
    pub file: Option<String>,
}

/// A report due to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReport {
    pub id: i64,
    pub key: String,
    pub item: String,
    pub attempts: u32,
    pub body: Vec<u8>,
    pub sha256: String,
}

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    Acked,
    Failed {
        error: String,
        next_attempt_at: String,
        give_up: bool,
    },
    Filed {
        file: String,
    },
}

/// Which reports a listing shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportQuery {
    pub state: Option<ReportState>,
    pub item: Option<String>,
    pub limit: u32,
}

/// The outbox at a glance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
