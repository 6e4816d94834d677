//! The report's figures, computed from [`ReportInput`] by pure functions. Each definition here
//! is the one printed in the report's 附：数据来源说明 (see `words::definitions`).
//!
//! - Measured window of a period: the period (China-time month or day) from the node's entry
//!   into service (or the period's start) to `as_of` (or the period's end).
//! - Running time: the union of the node's runs, each from its start to its clean stop, to its
//!   last heartbeat when it crashed (so a crash counts from the last sign of life, not from
//!   the restart), or to `as_of` while running.
//! - Scheduled time = measured window minus declared planned maintenance.
//! - SLA % = running time within scheduled time / scheduled time x 100.
//! - Operating hours (运行时长) = running time within the measured window, maintenance included.
//! - Month averages of RTT weight each day by its number of requests (= mean over requests).
//! - Six-month averages are the arithmetic mean of the months that have a value.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::input::{
    AvailabilityLog, BusinessFigures, DailyFigures, EventType, Maintenance, Peak, ReportInput,
    RunEnd, ServiceType,
};
use crate::interval::{Span, SpanSet};
use crate::time::{china_date, day_start, YearMonth};
use crate::ReportError;

const HOUR_MS: f64 = 3_600_000.0;

/// How a stretch of unplanned downtime began.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutageKind {
    /// The node crashed; measured from its last heartbeat.
    Crash,
    /// The node was stopped cleanly outside maintenance.
    Stop,
    /// Down from the start of the period (the cause lies before it).
    Continuing,
}

/// A stretch of unplanned downtime within a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outage {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub kind: OutageKind,
}

/// Availability over one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Availability {
    /// Milliseconds of the measured window (0: nothing measured in the period).
    pub window_ms: i64,
    /// Declared maintenance within the window.
    pub maintenance_ms: i64,
    /// Window minus maintenance.
    pub scheduled_ms: i64,
    /// Running within the scheduled time.
    pub up_ms: i64,
    /// Not running within the scheduled time.
    pub down_ms: i64,
    /// Running within the window (maintenance included).
    pub operating_ms: i64,
    pub outages: Vec<Outage>,
}

impl Availability {
    /// SLA %, `None` when no scheduled time was measured.
    pub fn sla(&self) -> Option<f64> {
        (self.scheduled_ms > 0).then(|| self.up_ms as f64 * 100.0 / self.scheduled_ms as f64)
    }

    /// Operating hours, `None` when nothing was measured.
    pub fn operating_hours(&self) -> Option<f64> {
        (self.window_ms > 0).then(|| self.operating_ms as f64 / HOUR_MS)
    }
}

/// Availability in `[from, to)` from the node's runs and declared maintenance.
pub fn availability(
    log: &AvailabilityLog,
    as_of: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Availability {
    let since = log
        .in_service_since
        .or_else(|| log.runs.iter().map(|r| r.started).min());
    let start = match since {
        Some(s) => from.max(s),
        None => to, // never ran: nothing to measure
    };
    let window = Span::new(start, to.min(as_of));
    let window_set = SpanSet::union_of([window]);
    let runs: Vec<(Span, RunEnd)> = log
        .runs
        .iter()
        .map(|r| {
            let end = match r.end {
                RunEnd::Running => as_of,
                RunEnd::Stopped | RunEnd::Crashed => r.until.min(as_of),
            };
            (Span::new(r.started, end), r.end)
        })
        .collect();
    let up = SpanSet::union_of(runs.iter().map(|(s, _)| *s));
    let maintenance = SpanSet::union_of(log.maintenance.iter().map(|m| Span::new(m.start, m.end)))
        .intersect(&window_set);
    let scheduled = window_set.minus(&maintenance);
    let up_sched = scheduled.intersect(&up);
    let down = scheduled.minus(&up);
    let outages = down
        .spans()
        .iter()
        .map(|d| {
            // The last run to end before this downtime says why; downtime from the window's
            // start after a run that ended earlier continues from before the period.
            let prev = runs
                .iter()
                .filter(|(s, _)| s.end <= d.start)
                .max_by_key(|(s, _)| s.end);
            let kind = match prev {
                Some((s, end)) if s.end >= window.start || d.start > window.start => match end {
                    RunEnd::Crashed => OutageKind::Crash,
                    _ => OutageKind::Stop,
                },
                _ => OutageKind::Continuing,
            };
            Outage {
                start: d.start_utc(),
                end: d.end_utc(),
                kind,
            }
        })
        .collect();
    Availability {
        window_ms: window.len(),
        maintenance_ms: maintenance.total(),
        scheduled_ms: scheduled.total(),
        up_ms: up_sched.total(),
        down_ms: down.total(),
        operating_ms: window_set.intersect(&up).total(),
        outages,
    }
}

/// A month's latency: request-weighted average, highest and lowest with when.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatencyMonth {
    pub count: u64,
    pub avg_ms: f64,
    pub max: Peak,
    pub min: Peak,
}

fn latency_month<'a>(
    days: impl Iterator<Item = &'a crate::input::Latency>,
) -> Option<LatencyMonth> {
    let mut out: Option<LatencyMonth> = None;
    let mut weighted = 0.0;
    for l in days.filter(|l| l.count > 0) {
        weighted += l.avg_ms * l.count as f64;
        let m = out.get_or_insert(LatencyMonth {
            count: 0,
            avg_ms: 0.0,
            max: Peak {
                value: l.max_ms,
                at: l.max_at,
            },
            min: Peak {
                value: l.min_ms,
                at: l.min_at,
            },
        });
        m.count += l.count;
        if l.max_ms > m.max.value {
            m.max = Peak {
                value: l.max_ms,
                at: l.max_at,
            };
        }
        if l.min_ms < m.min.value {
            m.min = Peak {
                value: l.min_ms,
                at: l.min_at,
            };
        }
    }
    out.map(|mut m| {
        m.avg_ms = weighted / m.count as f64;
        m
    })
}

/// The in-process probe over a month.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProbeMonth {
    pub count: u64,
    pub ok: u64,
    pub success_pct: f64,
    /// Mean round trip of the successful probes, ms.
    pub avg_rtt_ms: Option<f64>,
}

/// Registration-to-resolvable time over a month.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EffectiveMonth {
    pub count: u64,
    pub avg_hours: f64,
    pub max_hours: f64,
}

/// Everything computed for one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthFigures {
    pub month: YearMonth,
    pub availability: Availability,
    pub probes: Option<ProbeMonth>,
    pub registration_rtt: Option<LatencyMonth>,
    pub resolution_rtt: Option<LatencyMonth>,
    pub effective: Option<EffectiveMonth>,
    pub registrations_new: u64,
    /// At the end of the month's last day with figures.
    pub registrations_total: Option<u64>,
    pub resolution_requests: u64,
    pub resolution_successes: u64,
    pub peak_qps: Option<Peak>,
    pub days_with_figures: usize,
}

impl MonthFigures {
    pub fn resolution_success_pct(&self) -> Option<f64> {
        (self.resolution_requests > 0)
            .then(|| self.resolution_successes as f64 * 100.0 / self.resolution_requests as f64)
    }
}

fn month_figures(
    input: &ReportInput,
    by_day: &BTreeMap<NaiveDate, &DailyFigures>,
    m: YearMonth,
) -> MonthFigures {
    let days: Vec<&DailyFigures> = by_day
        .range(m.first_day()..m.next().first_day())
        .map(|(_, d)| *d)
        .collect();
    let probes = {
        let (count, ok, rtt) = days
            .iter()
            .filter_map(|d| d.probes)
            .fold((0, 0, 0), |a, p| {
                (a.0 + p.count, a.1 + p.ok, a.2 + p.rtt_ms_sum)
            });
        (count > 0).then(|| ProbeMonth {
            count,
            ok,
            success_pct: ok as f64 * 100.0 / count as f64,
            avg_rtt_ms: (ok > 0).then(|| rtt as f64 / ok as f64),
        })
    };
    let effective = {
        let (count, total, max) = days.iter().fold((0u64, 0u64, 0u64), |a, d| {
            (
                a.0 + d.effective.count,
                a.1 + d.effective.total_secs,
                a.2.max(d.effective.max_secs),
            )
        });
        (count > 0).then(|| EffectiveMonth {
            count,
            avg_hours: total as f64 / count as f64 / 3600.0,
            max_hours: max as f64 / 3600.0,
        })
    };
    let peak_qps =
        days.iter()
            .filter_map(|d| d.peak_qps)
            .fold(None::<Peak>, |best, p| match best {
                Some(b) if b.value >= p.value => Some(b),
                _ => Some(p),
            });
    MonthFigures {
        month: m,
        availability: availability(&input.availability, input.as_of, m.start(), m.end()),
        probes,
        registration_rtt: latency_month(
            days.iter().filter_map(|d| d.registration_latency.as_ref()),
        ),
        resolution_rtt: latency_month(days.iter().filter_map(|d| d.resolution_latency.as_ref())),
        effective,
        registrations_new: days.iter().map(|d| d.registrations_new).sum(),
        registrations_total: days.last().map(|d| d.registrations_total),
        resolution_requests: days.iter().map(|d| d.resolution_requests).sum(),
        resolution_successes: days.iter().map(|d| d.resolution_successes).sum(),
        peak_qps,
        days_with_figures: days.len(),
    }
}

/// One day of the report month: its figures (if any were recorded) and availability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayRow {
    pub date: NaiveDate,
    pub figures: Option<DailyFigures>,
    pub availability: Availability,
}

/// An emergency for section 三: an incident written up by a person, or unplanned downtime
/// nobody wrote up (cause and fix empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Emergency {
    pub start: DateTime<Utc>,
    pub recovered: Option<DateTime<Utc>>,
    pub kind: Option<EventType>,
    pub outage: Option<OutageKind>,
    pub cause: Option<String>,
    pub fix: Option<String>,
}

/// Orders in the month, by service type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceFigures {
    pub service: ServiceType,
    /// State key -> orders in it at the end of the month.
    pub by_state: BTreeMap<String, u64>,
    /// Returned in the month.
    pub returned: u64,
    /// Received-to-returned of those, days.
    pub avg_turnaround_days: Option<f64>,
    pub max_turnaround_days: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusinessMonth {
    pub services: Vec<ServiceFigures>,
    pub labels_printed: u64,
    pub instruments_overdue: u64,
}

fn business_month(b: &BusinessFigures, m: YearMonth) -> BusinessMonth {
    let mut services: BTreeMap<ServiceType, ServiceFigures> = BTreeMap::new();
    let entry = |s: ServiceType, map: &mut BTreeMap<ServiceType, ServiceFigures>| {
        map.entry(s)
            .or_insert_with(|| ServiceFigures {
                service: s,
                by_state: BTreeMap::new(),
                returned: 0,
                avg_turnaround_days: None,
                max_turnaround_days: None,
            })
            .service
    };
    for o in &b.orders {
        entry(o.service, &mut services);
        if let Some(f) = services.get_mut(&o.service) {
            *f.by_state.entry(o.state.clone()).or_default() += o.count;
        }
    }
    let mut sums: BTreeMap<ServiceType, (u64, f64, f64)> = BTreeMap::new();
    for t in &b.returned {
        if !m.contains(china_date(t.returned)) {
            continue;
        }
        let days = (t.returned - t.received).num_milliseconds().max(0) as f64 / 86_400_000.0;
        let s = sums.entry(t.service).or_insert((0, 0.0, 0.0));
        s.0 += 1;
        s.1 += days;
        s.2 = s.2.max(days);
    }
    for (service, (n, total, max)) in sums {
        entry(service, &mut services);
        if let Some(f) = services.get_mut(&service) {
            f.returned = n;
            f.avg_turnaround_days = Some(total / n as f64);
            f.max_turnaround_days = Some(max);
        }
    }
    BusinessMonth {
        services: services.into_values().collect(),
        labels_printed: b.labels_printed,
        instruments_overdue: b.instruments_overdue,
    }
}

/// All the report's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// M-5 … M, oldest first.
    pub months: Vec<MonthFigures>,
    pub sla_avg: Option<f64>,
    pub operating_hours_avg: Option<f64>,
    /// Every day of M.
    pub days: Vec<DayRow>,
    /// Declared maintenance overlapping M, by start.
    pub maintenance: Vec<Maintenance>,
    pub emergencies: Vec<Emergency>,
    pub business: Option<BusinessMonth>,
}

impl Figures {
    /// The report month's figures.
    pub fn current(&self) -> &MonthFigures {
        // `compute` always makes six months.
        &self.months[self.months.len() - 1]
    }

    /// Computes every figure; refuses inconsistent input rather than printing wrong numbers.
    pub fn compute(input: &ReportInput) -> Result<Figures, ReportError> {
        validate(input)?;
        let by_day: BTreeMap<NaiveDate, &DailyFigures> =
            input.days.iter().map(|d| (d.date, d)).collect();
        let m = input.month;
        let months: Vec<MonthFigures> = (0..6)
            .rev()
            .map(|back| month_figures(input, &by_day, m.minus(back)))
            .collect();
        let mean = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
        let sla_avg = mean(months.iter().filter_map(|f| f.availability.sla()).collect());
        let operating_hours_avg = mean(
            months
                .iter()
                .filter_map(|f| f.availability.operating_hours())
                .collect(),
        );
        let days = m
            .days()
            .map(|d| DayRow {
                date: d,
                figures: by_day.get(&d).map(|f| (*f).clone()),
                availability: availability(
                    &input.availability,
                    input.as_of,
                    day_start(d),
                    day_start(d.succ_opt().unwrap_or(d)),
                ),
            })
            .collect();
        let (from, to) = (m.start(), m.end());
        let mut maintenance: Vec<Maintenance> = input
            .availability
            .maintenance
            .iter()
            .filter(|w| w.start < to && w.end > from)
            .cloned()
            .collect();
        maintenance.sort_by_key(|w| w.start);
        let emergencies = emergencies(input, &months[5].availability, from, to);
        Ok(Figures {
            months,
            sla_avg,
            operating_hours_avg,
            days,
            maintenance,
            emergencies,
            business: input.business.as_ref().map(|b| business_month(b, m)),
        })
    }
}

fn emergencies(
    input: &ReportInput,
    month: &Availability,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Emergency> {
    let incidents: Vec<_> = input
        .availability
        .incidents
        .iter()
        .filter(|i| i.start < to && i.recovered.unwrap_or(input.as_of) > from)
        .collect();
    let mut out: Vec<Emergency> = incidents
        .iter()
        .map(|i| Emergency {
            start: i.start,
            recovered: i.recovered,
            kind: Some(i.kind),
            outage: None,
            cause: Some(i.cause.clone()),
            fix: Some(i.fix.clone()),
        })
        .collect();
    // Downtime no incident covers is listed too, so none goes unreported.
    for o in &month.outages {
        let covered = incidents
            .iter()
            .any(|i| i.start < o.end && i.recovered.unwrap_or(input.as_of) > o.start);
        if !covered {
            out.push(Emergency {
                start: o.start,
                recovered: Some(o.end),
                kind: None,
                outage: Some(o.kind),
                cause: None,
                fix: None,
            });
        }
    }
    for a in &input.availability.attacks {
        let end = a.end.unwrap_or(input.as_of);
        if a.start >= to || end <= from {
            continue;
        }
        let covered = incidents
            .iter()
            .any(|i| i.start < end && i.recovered.unwrap_or(input.as_of) > a.start);
        if !covered {
            out.push(Emergency {
                start: a.start,
                recovered: a.end,
                kind: Some(EventType::Attack),
                outage: None,
                cause: None,
                fix: None,
            });
        }
    }
    out.sort_by_key(|e| e.start);
    out
}

fn validate(input: &ReportInput) -> Result<(), ReportError> {
    let bad = |s: String| Err(ReportError::InvalidInput(s));
    let mut seen = BTreeSet::new();
    for d in &input.days {
        if !seen.insert(d.date) {
            return bad(format!("two rows for {}", d.date));
        }
        if d.resolution_successes > d.resolution_requests {
            return bad(format!("{}: more successes than requests", d.date));
        }
    }
    for r in &input.availability.runs {
        if r.end != RunEnd::Running && r.until < r.started {
            return bad(format!(
                "a run ends ({}) before it starts ({})",
                r.until, r.started
            ));
        }
    }
    for w in &input.availability.maintenance {
        if w.end < w.start {
            return bad(format!(
                "maintenance '{}' ends before it starts",
                w.description
            ));
        }
    }
    for i in &input.availability.incidents {
        if i.recovered.is_some_and(|r| r < i.start) {
            return bad(format!("incident {} recovers before it starts", i.id));
        }
    }
    for a in &input.availability.attacks {
        if a.end.is_some_and(|e| e < a.start) {
            return bad(format!("attack {} ends before it starts", a.id));
        }
    }
    Ok(())
}

/// One registration's timing: passed review, then became resolvable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationTiming {
    pub passed_review: DateTime<Utc>,
    pub resolvable: DateTime<Utc>,
}

/// Registration-to-resolvable times summed per China day of becoming resolvable (what the
/// node keeps per day from its per-registration records). A negative time (clocks) counts 0.
pub fn effective_by_day(
    timings: impl IntoIterator<Item = RegistrationTiming>,
) -> BTreeMap<NaiveDate, crate::input::Effective> {
    let mut out: BTreeMap<NaiveDate, crate::input::Effective> = BTreeMap::new();
    for t in timings {
        let secs = ((t.resolvable - t.passed_review).num_milliseconds().max(0) / 1000) as u64;
        let e = out.entry(china_date(t.resolvable)).or_default();
        e.count += 1;
        e.total_secs += secs;
        e.max_secs = e.max_secs.max(secs);
    }
    out
}
