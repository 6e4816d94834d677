//! What the report is computed from: plain data the node measured (daily figures, its runs
//! between starts and stops or crashes, probes, declared maintenance, incidents written up by
//! people) and, optionally, the lab's business figures. The node fills it; sync carries it to
//! the workstation, which drafts the report offline from what it last pulled.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::time::YearMonth;

/// Whose figures: the whole node (its operator) or one enterprise prefix (its admin).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    Node { prefix: String },
    Enterprise { prefix: String, name: String },
}

impl Scope {
    pub fn prefix(&self) -> &str {
        match self {
            Scope::Node { prefix } | Scope::Enterprise { prefix, .. } => prefix,
        }
    }
}

/// Everything a monthly report is computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportInput {
    pub scope: Scope,
    /// 运营单位: the organisation operating the node (or the enterprise, for its prefix).
    pub operator: String,
    /// The node's name as the operator calls it (e.g. 某某行业二级节点).
    pub node_name: String,
    /// The report month M.
    pub month: YearMonth,
    /// When these figures were taken (the node's latest heartbeat when the workstation last
    /// synced). Time after it is neither up nor down: it is not measured yet.
    pub as_of: DateTime<Utc>,
    /// One row per China calendar day, for M and the five months before (missing days had no
    /// figures recorded).
    pub days: Vec<DailyFigures>,
    pub availability: AvailabilityLog,
    pub business: Option<BusinessFigures>,
}

/// Latency of one kind of request over a day (the docking guide's monitoring figures).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Requests measured (weights the day in a month's average).
    pub count: u64,
    pub avg_ms: f64,
    pub max_ms: f64,
    pub max_at: DateTime<Utc>,
    pub min_ms: f64,
    pub min_at: DateTime<Utc>,
}

/// A highest value and when it happened.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Peak {
    pub value: f64,
    pub at: DateTime<Utc>,
}

/// The in-process probe's day: it resolves a known identifier every minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeDay {
    pub count: u64,
    pub ok: u64,
    /// Sum of the successful probes' round-trip times, ms.
    pub rtt_ms_sum: u64,
}

/// Registration-to-resolvable times (标识注册生效时间) of the registrations that became
/// resolvable on a day: from passing review to resolvable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Effective {
    pub count: u64,
    pub total_secs: u64,
    pub max_secs: u64,
}

/// One China calendar day of figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyFigures {
    pub date: NaiveDate,
    pub registrations_new: u64,
    /// Identifiers registered at the end of the day.
    pub registrations_total: u64,
    pub resolution_requests: u64,
    pub resolution_successes: u64,
    pub registration_latency: Option<Latency>,
    pub resolution_latency: Option<Latency>,
    /// Highest resolutions per second, and when.
    pub peak_qps: Option<Peak>,
    pub probes: Option<ProbeDay>,
    pub effective: Effective,
}

impl DailyFigures {
    /// A day with nothing recorded.
    pub fn empty(date: NaiveDate) -> DailyFigures {
        DailyFigures {
            date,
            registrations_new: 0,
            registrations_total: 0,
            resolution_requests: 0,
            resolution_successes: 0,
            registration_latency: None,
            resolution_latency: None,
            peak_qps: None,
            probes: None,
            effective: Effective::default(),
        }
    }
}

/// How a run of the node ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunEnd {
    /// Stopped cleanly at `until`.
    Stopped,
    /// Crashed or lost power: `until` is its last heartbeat (the next start found it).
    Crashed,
    /// Still running when the figures were taken; `until` is ignored (`as_of` is used).
    Running,
}

/// One run of the node: from a start to a clean stop, its last heartbeat, or still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub started: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub end: RunEnd,
}

/// Declared planned maintenance (the operator's maintenance mode, switched on and off).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maintenance {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub description: String,
}

/// The docking guide's event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    Network = 1,
    System = 2,
    Attack = 3,
    Other = 4,
}

/// An emergency as written up by a person: what happened, why, what was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    pub start: DateTime<Utc>,
    pub recovered: Option<DateTime<Utc>>,
    pub kind: EventType,
    pub cause: String,
    pub fix: String,
}

/// An attack the node detected itself (many refused requests from an address within a
/// minute): from its abnormal event to the recovery that ended it, if one has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectedAttack {
    /// The abnormal event's id (as reported upstream: day and place in the day).
    pub id: String,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

/// What the node knows about its own availability.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AvailabilityLog {
    /// The node's first start ever; before it there was no service to measure. `None`: the
    /// earliest run's start.
    pub in_service_since: Option<DateTime<Utc>>,
    pub runs: Vec<Run>,
    pub maintenance: Vec<Maintenance>,
    pub incidents: Vec<Incident>,
    /// Attacks the node detected (on the scope's identifiers, for an enterprise). One no
    /// incident covers is listed among the emergencies, so none goes unreported.
    #[serde(default)]
    pub attacks: Vec<DetectedAttack>,
}

/// The kinds of work a lab takes orders for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceType {
    Calibration,
    Verification,
    Repair,
    Maintenance,
}

/// Orders of one service type in one state at the end of the month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCount {
    pub service: ServiceType,
    /// The state's key (`submitted`, `in_progress`, `returned`, …).
    pub state: String,
    pub count: u64,
}

/// An order returned to its customer: received and returned instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turnaround {
    pub service: ServiceType,
    pub received: DateTime<Utc>,
    pub returned: DateTime<Utc>,
}

/// The lab's own figures, when it keeps orders and prints labels with IDStation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BusinessFigures {
    pub orders: Vec<OrderCount>,
    /// Orders returned (any month; the report takes those returned in M).
    pub returned: Vec<Turnaround>,
    pub labels_printed: u64,
    /// Instruments overdue for calibration at the end of the month.
    pub instruments_overdue: u64,
}
