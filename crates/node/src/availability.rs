//! Availability, measured: the node records each run (start, a heartbeat every few seconds,
//! clean stop), so after a crash the outage is known from the run's last heartbeat to the next
//! start, not stamped at the restart; an in-process probe resolves the node's own prefix handle
//! through its listener every minute and records success and round-trip time; the operator
//! declares planned maintenance (maintenance mode on and off), counted apart from outage.
//!
//! The figures that follow (SLA %, operating hours; their definitions) are computed by
//! `idstation-reports` from [`AvailabilityLog`]: what `GET /api/v1/stats/availability` answers.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::monitor::{day_of, Monitor};
use crate::storage::availability::{MaintenanceWindow, ProbeDay, Run};
use crate::storage::{AvailabilityStore, StorageError};

/// The header that marks the probe's own requests, so they are not counted as resolutions.
pub const PROBE_HEADER: &str = "x-idstation-probe";

/// How often the node writes its heartbeat and probes itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvailabilityConfig {
    /// An outage after a crash is known to within this.
    pub heartbeat_every: Duration,
    pub probe_every: Duration,
}

impl Default for AvailabilityConfig {
    fn default() -> AvailabilityConfig {
        AvailabilityConfig {
            heartbeat_every: Duration::from_secs(10),
            probe_every: Duration::from_secs(60),
        }
    }
}

pub use crate::storage::stamp;

/// What the node knows about its availability over a span, in the shape the monthly report
/// reads (`reports::AvailabilityLog`, plus the probe's days and the heartbeat interval).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AvailabilityLog {
    /// The node's first start ever (before it there was no service to measure).
    pub in_service_since: Option<String>,
    pub runs: Vec<Run>,
    pub maintenance: Vec<MaintenanceWindow>,
    pub probes: Vec<ProbeDay>,
    /// The precision of a crash's outage, seconds.
    pub heartbeat_every_secs: u64,
    /// When the log was read: time after it is not measured yet.
    pub as_of: String,
}

/// Opens this run. A run the last process left open ended in a crash at its last heartbeat:
/// the monitor records it as an abnormal event at that time and the recovery now.
pub fn begin(store: &dyn AvailabilityStore, monitor: &Monitor) -> Result<i64, StorageError> {
    let now = Utc::now();
    let (run, crashed) = store.begin_run(&stamp(now))?;
    if let Some(c) = crashed {
        let last = DateTime::parse_from_rfc3339(&c.until)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now);
        monitor.event_at(
            now,
            last,
            "abnormal",
            "system",
            "the node stopped without a clean shutdown (at its last heartbeat)",
        );
        monitor.event(now, "recovered", "system", "the node restarted");
        tracing::warn!(last_heartbeat = %c.until, "the last run ended without a clean shutdown");
    }
    Ok(run)
}

/// Closes this run as cleanly stopped.
pub fn end(store: &dyn AvailabilityStore, run: i64) {
    if let Err(e) = store.end_run(run, &stamp(Utc::now())) {
        tracing::error!(error = %e, "cannot record the clean stop");
    }
}

/// Reads the log for `[from, to)`.
pub fn log(
    store: &dyn AvailabilityStore,
    config: &AvailabilityConfig,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<AvailabilityLog, StorageError> {
    let (f, t) = (stamp(from), stamp(to));
    let (runs, in_service_since) = store.runs(&f, &t)?;
    let last_day = to - chrono::Duration::milliseconds(1);
    Ok(AvailabilityLog {
        in_service_since,
        runs,
        maintenance: store.maintenance(&f, &t)?,
        probes: store.probe_days(&day_of(from).to_string(), &day_of(last_day).to_string())?,
        heartbeat_every_secs: config.heartbeat_every.as_secs(),
        as_of: stamp(Utc::now()),
    })
}

/// The probe: one GET of the node's prefix handle over its own listener, as a client would.
pub struct Probe {
    client: reqwest::blocking::Client,
    url: String,
    token: String,
}

impl Probe {
    /// A probe of the listener at `addr` (an unspecified address is probed on loopback).
    pub fn new(addr: SocketAddr, https: bool, prefix: &str, token: &str) -> reqwest::Result<Probe> {
        let ip = match addr.ip() {
            IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let scheme = if https { "https" } else { "http" };
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            // Our own listener, by address: its certificate names the node's host, not 127.0.0.1.
            .danger_accept_invalid_certs(https)
            .build()?;
        Ok(Probe {
            client,
            url: format!(
                "{scheme}://{}/api/handles/0.NA/{prefix}",
                SocketAddr::new(ip, addr.port())
            ),
            token: token.to_owned(),
        })
    }

    /// One probe: whether the handle resolved, and its round-trip time.
    pub fn once(&self) -> (bool, Duration) {
        let started = Instant::now();
        let ok = self
            .client
            .get(&self.url)
            .header(PROBE_HEADER, &self.token)
            .send()
            .is_ok_and(|r| r.status().is_success());
        (ok, started.elapsed())
    }
}
