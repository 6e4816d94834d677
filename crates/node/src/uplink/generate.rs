//! The periodic reports, made on their cadence from what the node measured and keeps: daily
//! statistics (tables 3 and 8) and monitoring figures (annex 2 items 1 and 2) from the monitor,
//! events (annex 2 item 3) within seconds, hourly master data (table 9) from the handles
//! written, monthly business overviews (tables 5 and 10) from what people entered, with the
//! figures the node knows filled in. Entered records of the real-time tables are reported by
//! the write itself (`http/docking.rs`), not here.
//!
//! Each scheduled period is marked in the same transaction as its report, so a restart never
//! makes it twice; a report asked for on demand is a new revision of its period.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde_json::{json, Map, Value};

use super::{Mark, Operation, ReportContent};
use crate::docking::{schema, Item};
use crate::entities::RecordStatus;
use crate::monitor::{cst, day_of, ended_event, event_id, event_type, DayFigures, Event, Latency};
use crate::secrets::Keys;
use crate::storage::{Actor, NodeStore, StorageError};

/// Master-data records per report: a busy hour is several reports, none of them huge.
const MASTER_DATA_CHUNK: u32 = 1000;
/// How far back a node that was down catches up on daily and hourly reports.
const CATCH_UP_DAYS: i64 = 31;
const CATCH_UP_HOURS: i64 = 48;

/// What a generator needs.
pub struct Generator<'a> {
    pub store: &'a dyn NodeStore,
    pub keys: &'a Keys,
    pub node: &'a str,
    /// Set when the node stops: long generation (a busy hour's master data) ends early and
    /// resumes at the next start, its finished parts marked.
    pub stop: Option<&'a AtomicBool>,
}

fn item(code: &str) -> Result<&'static Item, StorageError> {
    schema()
        .item(code)
        .ok_or_else(|| StorageError::Corrupt(format!("no docking item {code}")))
}

fn now_text(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn ms(us: u64) -> Value {
    json!(((us as f64) / 1000.0 * 1000.0).round() / 1000.0)
}

fn avg_ms(l: &Latency) -> Value {
    l.total_us.checked_div(l.count).map_or(json!(0.0), ms)
}

impl Generator<'_> {
    fn stopping(&self) -> bool {
        self.stop.is_some_and(|s| s.load(Ordering::SeqCst))
    }

    fn actor<'b>(&self, at: &'b str) -> Actor<'b> {
        Actor { user: "uplink", at }
    }

    /// Stores one report of `records`; with `mark`, only if the period was not made yet.
    #[allow(clippy::too_many_arguments)]
    fn report(
        &self,
        item: &'static Item,
        subject: &str,
        period: Option<&str>,
        records: Vec<(String, Map<String, Value>)>,
        mark: Option<Mark>,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StorageError> {
        let at = now_text(now);
        let content = ReportContent {
            node: self.node,
            item,
            subject,
            period,
            operation: Operation::Upsert,
            records,
            generated_at: &at,
        };
        let make = |stamp| content.seal(self.keys, stamp);
        self.store
            .enqueue_report(&item.code, subject, mark.as_ref(), &make, &self.actor(&at))
    }

    /// Everything scheduled that is due at `now`, and the events of `today` (the live figures).
    pub fn run_due(
        &self,
        now: DateTime<Utc>,
        today: Option<&DayFigures>,
    ) -> Result<Vec<String>, StorageError> {
        let mut made = Vec::new();
        let day = day_of(now);
        for back in 1..=CATCH_UP_DAYS {
            if self.stopping() {
                return Ok(made);
            }
            let d = day - Duration::days(back);
            for code in ["T03", "T08", "A2-1", "A2-2"] {
                if self.store.mark(code, &d.to_string())?.is_some() {
                    continue;
                }
                let Some(figures) = self.store.load_day(&d.to_string())? else {
                    continue;
                };
                made.extend(self.daily(code, d, &figures, true, now)?);
            }
            // Events of past days not yet sent (a restart after midnight).
            if let Some(figures) = self.store.load_day(&d.to_string())? {
                made.extend(self.events(d, &figures, now)?);
            }
        }
        if let Some(today) = today {
            made.extend(self.events(day, today, now)?);
        }
        for back in 1..=CATCH_UP_HOURS {
            if self.stopping() {
                return Ok(made);
            }
            let hour = now - Duration::hours(back);
            made.extend(self.master_data(hour, true, now)?);
        }
        let this_month = day.with_day(1).unwrap_or(day);
        let last_month = (this_month - Duration::days(1))
            .with_day(1)
            .unwrap_or(this_month);
        // A month that ended before the node existed has nothing to report.
        let created = self.store.node_created_at()?;
        let created_month = created.get(..7).unwrap_or_default();
        if created_month <= last_month.format("%Y-%m").to_string().as_str() {
            for code in ["T05", "T10"] {
                made.extend(self.monthly(code, last_month, true, now)?);
            }
        }
        Ok(made)
    }

    /// The real-time items: today's events not reported yet.
    pub fn realtime(
        &self,
        now: DateTime<Utc>,
        today: &DayFigures,
    ) -> Result<Vec<String>, StorageError> {
        self.events(day_of(now), today, now)
    }

    /// Makes `code`'s report for `period` now (on demand): `YYYY-MM-DD` for daily items,
    /// `YYYY-MM` for monthly ones, `YYYY-MM-DDTHH` (China time) for table 9.
    pub fn on_demand(
        &self,
        code: &str,
        period: &str,
        now: DateTime<Utc>,
        live: Option<(NaiveDate, &DayFigures)>,
    ) -> Result<Vec<String>, StorageError> {
        let bad = || StorageError::Corrupt(format!("{code} has no period {period}"));
        match code {
            "T03" | "T08" | "A2-1" | "A2-2" => {
                let d = NaiveDate::parse_from_str(period, "%Y-%m-%d").map_err(|_| bad())?;
                let figures = match live {
                    Some((day, f)) if day == d => Some(f.clone()),
                    _ => self.store.load_day(period)?,
                }
                .unwrap_or_default();
                self.daily(code, d, &figures, false, now)
            }
            "T05" | "T10" => {
                let m = NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d")
                    .map_err(|_| bad())?;
                self.monthly(code, m, false, now)
            }
            "T09" => {
                let start = chrono::NaiveDateTime::parse_from_str(
                    &format!("{period}:00:00"),
                    "%Y-%m-%dT%H:%M:%S",
                )
                .map_err(|_| bad())?
                .and_local_timezone(cst())
                .single()
                .ok_or_else(bad)?
                .with_timezone(&Utc);
                self.master_data(start, false, now)
            }
            "A2-3" => {
                let d = NaiveDate::parse_from_str(period, "%Y-%m-%d").map_err(|_| bad())?;
                let figures = match live {
                    Some((day, f)) if day == d => f.clone(),
                    _ => self.store.load_day(period)?.unwrap_or_default(),
                };
                self.events(d, &figures, now)
            }
            _ => Err(bad()),
        }
    }

    fn enterprises(&self) -> Result<Vec<String>, StorageError> {
        Ok(self
            .store
            .list_enterprises(None)?
            .into_iter()
            .filter(|e| e.status == "active")
            .map(|e| e.prefix)
            .collect())
    }

    fn daily(
        &self,
        code: &str,
        d: NaiveDate,
        f: &DayFigures,
        scheduled: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StorageError> {
        let it = item(code)?;
        let date = d.to_string();
        let enterprises = self.enterprises()?;
        let records: Vec<(String, Map<String, Value>)> = match code {
            "T03" => {
                let mut ips: BTreeMap<&str, u64> = BTreeMap::new();
                for p in f.prefixes.values() {
                    for (ip, n) in &p.source_ips {
                        *ips.entry(ip).or_default() += n;
                    }
                }
                let mut total = self.store.count_handles(self.node)?;
                for e in &enterprises {
                    total += self.store.count_handles(e)?;
                }
                let sum = |g: fn(&crate::monitor::PrefixFigures) -> u64| {
                    f.prefixes.values().map(g).sum::<u64>()
                };
                vec![(
                    date.clone(),
                    obj(json!({
                        "statDate": date, "nodePrefix": self.node,
                        "newRegistrations": sum(|p| p.new_registrations),
                        "totalRegistrations": total,
                        "resolutionRequests": sum(|p| p.resolution_requests),
                        "successfulResponses": sum(|p| p.successful_responses),
                        "enterpriseNodes": enterprises.len(),
                        "sourceIps": ips.iter().map(|(ip, n)| json!({"ip": ip, "count": n})).collect::<Vec<_>>(),
                    })),
                )]
            }
            "T08" | "A2-2" => {
                let mut rows = Vec::new();
                for e in &enterprises {
                    let p = f.prefixes.get(e).cloned().unwrap_or_default();
                    let fields = if code == "T08" {
                        json!({
                            "statDate": date, "enterprisePrefix": e,
                            "newRegistrations": p.new_registrations,
                            "totalRegistrations": self.store.count_handles(e)?,
                            "resolutionRequests": p.resolution_requests,
                            "successfulResponses": p.successful_responses,
                            "sourceIps": p.source_ips.iter().map(|(ip, n)| json!({"ip": ip, "count": n})).collect::<Vec<_>>(),
                        })
                    } else {
                        json!({
                            "statDate": date, "enterprisePrefix": e,
                            "resolutionRequests": p.resolution_requests,
                            "successfulResponses": p.successful_responses,
                            "newRegistrations": p.new_registrations,
                            "sourceIpCount": p.source_ips.len(),
                        })
                    };
                    rows.push((format!("{date}|{e}"), obj(fields)));
                }
                rows
            }
            "A2-1" => vec![(
                date.clone(),
                obj(json!({
                    "statDate": date, "nodePrefix": self.node,
                    "resolutionAvgMs": avg_ms(&f.resolution), "resolutionMaxMs": ms(f.resolution.max_us),
                    "resolutionMaxAt": f.resolution.max_at, "resolutionMinMs": ms(f.resolution.min_us),
                    "resolutionMinAt": f.resolution.min_at,
                    "registrationAvgMs": avg_ms(&f.registration), "registrationMaxMs": ms(f.registration.max_us),
                    "registrationMaxAt": f.registration.max_at, "registrationMinMs": ms(f.registration.min_us),
                    "registrationMinAt": f.registration.min_at,
                    "maxQps": f.max_qps, "maxQpsAt": f.max_qps_at,
                })),
            )],
            _ => return Err(StorageError::Corrupt(format!("{code} is not daily"))),
        };
        let mark = scheduled.then(|| Mark {
            item: code.to_owned(),
            period: date.clone(),
            done: 1,
        });
        Ok(self
            .report(it, &date, Some(&date), records, mark, now)?
            .into_iter()
            .collect())
    }

    /// One report per event not reported yet; an event's number is its place in its day.
    fn events(
        &self,
        d: NaiveDate,
        f: &DayFigures,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StorageError> {
        let it = item("A2-3")?;
        let day = d.to_string();
        let done = self.store.mark("A2-3", &day)?.unwrap_or(0);
        let mut made = Vec::new();
        for (n, e) in f
            .events
            .iter()
            .enumerate()
            .skip(usize::try_from(done).unwrap_or(0))
        {
            let id = event_id(d, n);
            let ends = ended_event(&f.events, n).map(|m| event_id(d, m));
            let Event {
                at,
                kind,
                category,
                detail,
                ..
            } = e;
            let fields = obj(json!({
                "eventId": id, "nodePrefix": self.node, "eventTime": at,
                "eventKind": if kind == "recovered" { "2" } else { "1" },
                "eventType": event_type(category).to_string(), "cause": detail,
                "endsEventId": ends,
            }));
            // The day's mark counts the events taken, moved with each event's report.
            let mark = Mark {
                item: "A2-3".into(),
                period: format!("{day}#{}", n + 1),
                done: 1,
            };
            if let Some(key) = self.report(
                it,
                &id,
                Some(&day),
                vec![(id.clone(), fields)],
                Some(mark),
                now,
            )? {
                made.push(key);
            }
            self.store.set_mark(&Mark {
                item: "A2-3".into(),
                period: day.clone(),
                done: i64::try_from(n + 1).unwrap_or(i64::MAX),
            })?;
        }
        Ok(made)
    }

    /// Table 9 for the hour (China time) that holds `hour`: the handles written in it, in
    /// chunks.
    fn master_data(
        &self,
        hour: DateTime<Utc>,
        scheduled: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StorageError> {
        let it = item("T09")?;
        let local = hour.with_timezone(&cst());
        let label = local.format("%Y-%m-%dT%H").to_string();
        if scheduled && self.store.mark("T09", &label)?.is_some() {
            return Ok(Vec::new());
        }
        let start = local
            .date_naive()
            .and_hms_opt(local.hour_of_day(), 0, 0)
            .and_then(|t| t.and_local_timezone(cst()).single())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| StorageError::Corrupt(format!("hour {label}")))?;
        if scheduled && start + Duration::hours(1) > now {
            return Ok(Vec::new());
        }
        let (from, to) = (now_text(start), now_text(start + Duration::hours(1)));
        let mut made = Vec::new();
        let mut after: Option<(String, String)> = None;
        let mut chunk = 0;
        loop {
            if self.stopping() {
                break;
            }
            let rows = self.store.handles_written(
                &from,
                &to,
                after.as_ref().map(|(a, h)| (a.as_str(), h.as_str())),
                MASTER_DATA_CHUNK,
            )?;
            let last_page = rows.len() < MASTER_DATA_CHUNK as usize;
            if rows.is_empty() && chunk > 0 {
                break;
            }
            chunk += 1;
            after = rows.last().map(|(h, _, _, u)| (u.clone(), h.clone()));
            let records: Vec<(String, Map<String, Value>)> = rows
                .into_iter()
                .filter(|(h, ..)| !h.starts_with("0.NA/"))
                .map(|(handle, values, created, updated)| {
                    let prefix = handle.split('/').next().unwrap_or_default().to_owned();
                    let values: Value = serde_json::from_str(&values).unwrap_or(Value::Null);
                    let template = values
                        .as_array()
                        .and_then(|vs| vs.iter().find(|v| v["type"] == "IDS.TEMPLATE"))
                        .and_then(|v| v["data"]["value"].as_str())
                        .map(str::to_owned);
                    let (code, version) = match template.as_deref().and_then(|t| t.rsplit_once('@'))
                    {
                        Some((c, v)) => (Some(c.to_owned()), Some(v.to_owned())),
                        None => (template, None),
                    };
                    (
                        handle.clone(),
                        obj(json!({
                            "identifier": handle, "enterprisePrefix": prefix,
                            "templateCode": code, "templateVersion": version,
                            "registeredAt": created, "updatedAt": updated, "status": "1",
                            "data": values,
                        })),
                    )
                })
                .collect();
            let subject = format!("{label}#{chunk}");
            // The last chunk marks the hour; the ones before mark themselves.
            let period = if last_page {
                label.clone()
            } else {
                subject.clone()
            };
            let mark = scheduled.then(|| Mark {
                item: "T09".into(),
                period,
                done: chunk,
            });
            if records.is_empty() && last_page && chunk == 1 {
                // A quiet hour: marked, nothing to send.
                if let Some(m) = mark {
                    self.store.set_mark(&m)?;
                }
                break;
            }
            made.extend(self.report(it, &subject, Some(&label), records, mark, now)?);
            if last_page {
                break;
            }
        }
        Ok(made)
    }

    fn monthly(
        &self,
        code: &str,
        month: NaiveDate,
        scheduled: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StorageError> {
        let label = month.format("%Y-%m").to_string();
        if scheduled && self.store.mark(code, &label)?.is_some() {
            return Ok(Vec::new());
        }
        let it = item(code)?;
        let next = (month + Duration::days(32)).with_day(1).unwrap_or(month);
        // The month's daily figures, per prefix.
        let mut new_regs: BTreeMap<String, u64> = BTreeMap::new();
        let mut resolutions: BTreeMap<String, u64> = BTreeMap::new();
        let mut d = month;
        while d < next {
            if let Some(f) = self.store.load_day(&d.to_string())? {
                for (p, fig) in &f.prefixes {
                    *new_regs.entry(p.clone()).or_default() += fig.new_registrations;
                    *resolutions.entry(p.clone()).or_default() += fig.resolution_requests;
                }
            }
            d += Duration::days(1);
        }
        let entered = |key: &str| -> Result<Map<String, Value>, StorageError> {
            Ok(self
                .store
                .entity(code, key)?
                .filter(|e| e.status != RecordStatus::Rejected)
                .map(|e| e.fields)
                .unwrap_or_default())
        };
        let enterprises = self.store.list_enterprises(None)?;
        let records = if code == "T05" {
            let mut total = self.store.count_handles(self.node)?;
            for e in enterprises.iter().filter(|e| e.status == "active") {
                total += self.store.count_handles(&e.prefix)?;
            }
            let new_this_month = enterprises
                .iter()
                .filter(|e| e.status == "active" && e.created_at.get(..7) == Some(label.as_str()))
                .count();
            let mut fields = obj(json!({
                "statMonth": label, "nodePrefix": self.node,
                "enterpriseNodesTotal": enterprises.iter().filter(|e| e.status == "active").count(),
                "enterpriseNodesNew": new_this_month,
                "registrationsTotal": total,
                "registrationsNew": new_regs.values().sum::<u64>(),
                "resolutionsMonth": resolutions.values().sum::<u64>(),
            }));
            // What people entered wins over what the node counted.
            fields.extend(entered(&label)?);
            fields.insert("nodePrefix".into(), json!(self.node));
            vec![(label.clone(), fields)]
        } else {
            let mut rows = Vec::new();
            for e in enterprises.iter().filter(|e| e.status == "active") {
                let mut fields = obj(json!({
                    "statMonth": label, "enterprisePrefix": e.prefix,
                    "registrationsTotal": self.store.count_handles(&e.prefix)?,
                    "registrationsNew": new_regs.get(&e.prefix).copied().unwrap_or(0),
                    "resolutionsMonth": resolutions.get(&e.prefix).copied().unwrap_or(0),
                }));
                fields.extend(entered(&format!("{label}|{}", e.prefix))?);
                rows.push((format!("{label}|{}", e.prefix), fields));
            }
            rows
        };
        let mark = scheduled.then(|| Mark {
            item: code.to_owned(),
            period: label.clone(),
            done: 1,
        });
        Ok(self
            .report(it, &label, Some(&label), records, mark, now)?
            .into_iter()
            .collect())
    }
}

/// The hour of the day as a number (chrono's `Timelike::hour`, named so the import stays local).
trait HourOfDay {
    fn hour_of_day(&self) -> u32;
}

impl<Tz: chrono::TimeZone> HourOfDay for DateTime<Tz> {
    fn hour_of_day(&self) -> u32 {
        chrono::Timelike::hour(self)
    }
}
