//! What the node keeps about its own availability: its runs (start to clean stop, or to the
//! last heartbeat before a crash), declared maintenance, and the probe's daily tallies. The
//! monthly report's SLA and operating hours are computed from these (`idstation-reports`).

use serde::{Deserialize, Serialize};

/// How a run ended; `running` for the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunEnd {
    Stopped,
    Crashed,
    Running,
}

/// One run of the node, in the shape the monthly report reads (`reports::Run`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Run {
    pub started: String,
    /// The clean stop, the last heartbeat before a crash, or (running) the latest heartbeat.
    pub until: String,
    pub end: RunEnd,
}

/// A declared maintenance window; `end` is `None` while it is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MaintenanceWindow {
    pub id: i64,
    pub start: String,
    pub end: Option<String>,
    pub description: String,
    pub started_by: String,
    pub ended_by: Option<String>,
}

/// The probe's tally of one China day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProbeDay {
    /// `YYYY-MM-DD`, China time.
    pub day: String,
    pub count: u64,
    pub ok: u64,
    /// Sum of the successful probes' round-trip times, ms.
    pub rtt_ms_sum: u64,
}
