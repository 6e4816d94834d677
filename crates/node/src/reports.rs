//! The monthly operating report's figures as the node measured them: one
//! [`idstation_reports::ReportInput`] for the whole node (its operator) or one enterprise
//! prefix, for month M and the five before. Workstations pull it through sync and draft the
//! report offline from the last one they pulled; they issue it and submit it back.

use chrono::{DateTime, NaiveDate, Utc};
use idstation_reports as reports;
use reports::{
    AvailabilityLog, DailyFigures, DetectedAttack, Effective, EventType, Incident, Maintenance,
    Peak, ProbeDay, ReportInput, Run, RunEnd, Scope, YearMonth,
};

use crate::accounts::is_at_or_below;
use crate::availability::stamp;
use crate::monitor::{day_of, event_id, DayFigures, Latency, Monitor, OTHER_BUCKET};
use crate::storage::availability::RunEnd as StoredEnd;
use crate::storage::{NodeStore, StorageError};

/// Months before M that the report's six-month tables need.
const MONTHS_BEFORE: u32 = 5;

fn instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn latency(l: &Latency) -> Option<reports::Latency> {
    if l.count == 0 {
        return None;
    }
    let ms = |us: u64| us as f64 / 1000.0;
    Some(reports::Latency {
        count: l.count,
        avg_ms: ms(l.total_us) / l.count as f64,
        max_ms: ms(l.max_us),
        max_at: instant(l.max_at.as_deref()?)?,
        min_ms: ms(l.min_us),
        min_at: instant(l.min_at.as_deref()?)?,
    })
}

fn peak(qps: u64, at: Option<&str>) -> Option<Peak> {
    (qps > 0).then_some(())?;
    Some(Peak {
        value: qps as f64,
        at: instant(at?)?,
    })
}

/// One day of the scope's figures from the node's stored day.
fn daily(date: NaiveDate, day: &DayFigures, scope: &Scope) -> DailyFigures {
    let mut out = DailyFigures::empty(date);
    match scope {
        Scope::Node { .. } => {
            for (bucket, p) in &day.prefixes {
                out.registrations_new += p.new_registrations;
                if bucket != OTHER_BUCKET {
                    out.registrations_total += p.total_registrations;
                }
                out.resolution_requests += p.resolution_requests;
                out.resolution_successes += p.successful_responses;
            }
            out.registration_latency = latency(&day.registration);
            out.resolution_latency = latency(&day.resolution);
            out.peak_qps = peak(day.max_qps, day.max_qps_at.as_deref());
        }
        Scope::Enterprise { prefix, .. } => {
            if let Some(p) = day.prefixes.get(prefix) {
                out.registrations_new = p.new_registrations;
                out.registrations_total = p.total_registrations;
                out.resolution_requests = p.resolution_requests;
                out.resolution_successes = p.successful_responses;
                out.registration_latency = latency(&p.registration);
                out.resolution_latency = latency(&p.resolution);
                out.peak_qps = peak(p.max_qps, p.max_qps_at.as_deref());
            }
        }
    }
    out
}

/// The node's operating organisation and name, from its annex 1 table 1 record (T01), or
/// placeholders naming the prefix when the operator has not entered it yet.
fn node_names(store: &dyn NodeStore, node_prefix: &str) -> Result<(String, String), StorageError> {
    let record = store.entities("T01", None)?.into_iter().next();
    let field = |name: &str| {
        record
            .as_ref()
            .and_then(|r| r.fields.get(name))
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Ok((
        field("orgName").unwrap_or_else(|| format!("{node_prefix} 运营单位")),
        field("nodeName").unwrap_or_else(|| format!("二级节点 {node_prefix}")),
    ))
}

/// The report input for `scope` and `month`, as the node knows it at `now`.
pub fn input(
    store: &dyn NodeStore,
    monitor: &Monitor,
    node_prefix: &str,
    scope: Scope,
    month: YearMonth,
    now: DateTime<Utc>,
) -> Result<ReportInput, StorageError> {
    let first = month.minus(MONTHS_BEFORE);
    let from = first.start();
    let to = month.end().min(now.max(from));
    let (operator, node_name) = node_names(store, node_prefix)?;
    let operator = match &scope {
        Scope::Node { .. } => operator,
        Scope::Enterprise { name, .. } => name.clone(),
    };
    let (live_day, mut live) = monitor.today();
    for (prefix, p) in live.prefixes.iter_mut() {
        if prefix != OTHER_BUCKET {
            p.total_registrations = store.count_handles(prefix)?;
        }
    }
    let last_day = day_of(to - chrono::Duration::milliseconds(1));
    let probes: std::collections::HashMap<String, ProbeDay> = store
        .probe_days(&first.first_day().to_string(), &last_day.to_string())?
        .into_iter()
        .map(|p| {
            let day = ProbeDay {
                count: p.count,
                ok: p.ok,
                rtt_ms_sum: p.rtt_ms_sum,
            };
            (p.day, day)
        })
        .collect();
    let mut effective: std::collections::HashMap<String, Effective> = Default::default();
    for e in store.effective_days(&first.first_day().to_string(), &last_day.to_string())? {
        if !is_at_or_below(&e.prefix, scope.prefix()) {
            continue;
        }
        let day = effective.entry(e.day).or_default();
        day.count += e.count;
        day.total_secs += e.total_secs;
        day.max_secs = day.max_secs.max(e.max_secs);
    }
    let mut days = Vec::new();
    let mut attacks = Attacks::default();
    let mut date = first.first_day();
    while date <= last_day {
        let key = date.to_string();
        let stored = if date == live_day {
            Some(live.clone())
        } else {
            store.load_day(&key)?
        };
        let mut row = match &stored {
            Some(figures) => daily(date, figures, &scope),
            None => DailyFigures::empty(date),
        };
        if let Some(figures) = &stored {
            attacks.follow(date, figures, &scope);
        }
        row.probes = probes.get(&key).copied();
        row.effective = effective.get(&key).copied().unwrap_or_default();
        days.push(row);
        date = match date.succ_opt() {
            Some(d) => d,
            None => break,
        };
    }
    let (f, t) = (stamp(from), stamp(to));
    let (runs, since) = store.runs(&f, &t)?;
    let runs = runs
        .into_iter()
        .filter_map(|r| {
            Some(Run {
                started: instant(&r.started)?,
                until: instant(&r.until)?,
                end: match r.end {
                    StoredEnd::Stopped => RunEnd::Stopped,
                    StoredEnd::Crashed => RunEnd::Crashed,
                    StoredEnd::Running => RunEnd::Running,
                },
            })
        })
        .collect();
    let maintenance = store
        .maintenance(&f, &t)?
        .into_iter()
        .filter_map(|w| {
            Some(Maintenance {
                start: instant(&w.start)?,
                end: w.end.as_deref().and_then(instant).unwrap_or(now),
                description: w.description,
            })
        })
        .collect();
    let incidents = store
        .incidents(&f, &t)?
        .into_iter()
        .filter_map(|i| {
            Some(Incident {
                id: i.id.to_string(),
                start: instant(&i.start)?,
                recovered: i.recovered.as_deref().and_then(instant),
                kind: event_type(i.kind),
                cause: i.cause,
                fix: i.fix,
            })
        })
        .collect();
    Ok(ReportInput {
        scope,
        operator,
        node_name,
        month,
        as_of: now,
        days,
        availability: AvailabilityLog {
            in_service_since: since.as_deref().and_then(instant),
            runs,
            maintenance,
            incidents,
            attacks: attacks.done,
        },
        business: None,
    })
}

/// The attacks the monitor's events tell of, followed day by day: an abnormal attack event
/// opens one, the recovery of the same scope (maybe days later) ends it.
#[derive(Default)]
struct Attacks {
    done: Vec<DetectedAttack>,
    /// The open attack of each scope (`None`: the node as a whole): its place in `done`.
    open: std::collections::HashMap<Option<String>, usize>,
}

impl Attacks {
    fn follow(&mut self, date: NaiveDate, day: &DayFigures, scope: &Scope) {
        for (n, e) in day.events.iter().enumerate() {
            let theirs = match scope {
                Scope::Node { .. } => true,
                Scope::Enterprise { prefix, .. } => e.concerns(prefix),
            };
            if e.category != "attack" || !theirs {
                continue;
            }
            let Some(at) = instant(&e.at) else { continue };
            match e.kind.as_str() {
                "abnormal" if !self.open.contains_key(&e.prefix) => {
                    self.open.insert(e.prefix.clone(), self.done.len());
                    self.done.push(DetectedAttack {
                        id: event_id(date, n),
                        start: at,
                        end: None,
                    });
                }
                "recovered" => {
                    if let Some(i) = self.open.remove(&e.prefix) {
                        self.done[i].end = Some(at);
                    }
                }
                _ => {}
            }
        }
    }
}

/// The annex's event type numbers: 1 network fault, 2 system error, 3 attack, 4 other.
pub fn event_type(kind: u8) -> EventType {
    match kind {
        1 => EventType::Network,
        2 => EventType::System,
        3 => EventType::Attack,
        _ => EventType::Other,
    }
}
