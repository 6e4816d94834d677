//! Every figure of the report as CSV rows `section,key,label,period,value,unit`: the keys are
//! stable English identifiers for machines, the labels are in the report's language for people.
//! Values are unrounded (the PDF rounds for reading); times are Beijing time.

use idstation_documents::Language;

use crate::figures::{Availability, Figures, LatencyMonth};
use crate::time::fmt_china;
use crate::words::{event_type, order_state, outage_kind, service, words};
use crate::ReportError;

struct Out {
    w: csv::Writer<Vec<u8>>,
}

impl Out {
    fn row(
        &mut self,
        section: &str,
        key: &str,
        label: &str,
        period: &str,
        value: String,
        unit: &str,
    ) -> Result<(), ReportError> {
        self.w
            .write_record([section, key, label, period, &value, unit])
            .map_err(|e| ReportError::Document(e.to_string()))
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.6}")).unwrap_or_default()
}

pub fn to_csv(f: &Figures, lang: Language) -> Result<Vec<u8>, ReportError> {
    let wd = words(lang);
    let mut o = Out {
        w: csv::Writer::from_writer(Vec::new()),
    };
    o.row("section", "key", "label", "period", "value".into(), "unit")?;
    let avail =
        |o: &mut Out, section: &str, period: &str, a: &Availability| -> Result<(), ReportError> {
            o.row(section, "sla_percent", wd.sla, period, opt(a.sla()), "%")?;
            o.row(
                section,
                "operating_hours",
                wd.operating_hours,
                period,
                opt(a.operating_hours()),
                "h",
            )?;
            o.row(
                section,
                "measured_hours",
                "",
                period,
                format!("{:.6}", a.window_ms as f64 / 3.6e6),
                "h",
            )?;
            o.row(
                section,
                "maintenance_hours",
                wd.maintenance_hours,
                period,
                format!("{:.6}", a.maintenance_ms as f64 / 3.6e6),
                "h",
            )?;
            o.row(
                section,
                "downtime_hours",
                wd.downtime_hours,
                period,
                format!("{:.6}", a.down_ms as f64 / 3.6e6),
                "h",
            )
        };
    let latency = |o: &mut Out,
                   key: &str,
                   label: &str,
                   period: &str,
                   l: &Option<LatencyMonth>|
     -> Result<(), ReportError> {
        o.row(
            "rtt",
            &format!("{key}_avg_ms"),
            label,
            period,
            opt(l.map(|l| l.avg_ms)),
            "ms",
        )?;
        o.row(
            "rtt",
            &format!("{key}_count"),
            label,
            period,
            l.map(|l| l.count.to_string()).unwrap_or_default(),
            "",
        )?;
        o.row(
            "rtt",
            &format!("{key}_max_ms"),
            label,
            period,
            opt(l.map(|l| l.max.value)),
            "ms",
        )?;
        o.row(
            "rtt",
            &format!("{key}_max_at"),
            label,
            period,
            l.map(|l| fmt_china(l.max.at)).unwrap_or_default(),
            "",
        )?;
        o.row(
            "rtt",
            &format!("{key}_min_ms"),
            label,
            period,
            opt(l.map(|l| l.min.value)),
            "ms",
        )?;
        o.row(
            "rtt",
            &format!("{key}_min_at"),
            label,
            period,
            l.map(|l| fmt_china(l.min.at)).unwrap_or_default(),
            "",
        )
    };
    for m in &f.months {
        let p = m.month.to_string();
        avail(&mut o, "availability", &p, &m.availability)?;
        o.row(
            "availability",
            "probe_success_percent",
            wd.probe_success,
            &p,
            opt(m.probes.map(|x| x.success_pct)),
            "%",
        )?;
        o.row(
            "availability",
            "probe_avg_rtt_ms",
            wd.probe_success,
            &p,
            opt(m.probes.and_then(|x| x.avg_rtt_ms)),
            "ms",
        )?;
        latency(
            &mut o,
            "registration_rtt",
            wd.reg_rtt,
            &p,
            &m.registration_rtt,
        )?;
        latency(&mut o, "resolution_rtt", wd.res_rtt, &p, &m.resolution_rtt)?;
        o.row(
            "effective",
            "effective_avg_hours",
            wd.effective,
            &p,
            opt(m.effective.map(|e| e.avg_hours)),
            "h",
        )?;
        o.row(
            "effective",
            "effective_max_hours",
            wd.effective,
            &p,
            opt(m.effective.map(|e| e.max_hours)),
            "h",
        )?;
        o.row(
            "effective",
            "effective_count",
            wd.effective,
            &p,
            m.effective.map(|e| e.count.to_string()).unwrap_or_default(),
            "",
        )?;
        o.row(
            "business",
            "registrations_new",
            wd.reg_new,
            &p,
            m.registrations_new.to_string(),
            "",
        )?;
        o.row(
            "business",
            "registrations_total",
            wd.reg_total,
            &p,
            m.registrations_total
                .map(|v| v.to_string())
                .unwrap_or_default(),
            "",
        )?;
        o.row(
            "business",
            "resolution_requests",
            wd.res_requests,
            &p,
            m.resolution_requests.to_string(),
            "",
        )?;
        o.row(
            "business",
            "resolution_successes",
            wd.res_successes,
            &p,
            m.resolution_successes.to_string(),
            "",
        )?;
        o.row(
            "business",
            "resolution_success_percent",
            wd.res_success_rate,
            &p,
            opt(m.resolution_success_pct()),
            "%",
        )?;
        o.row(
            "business",
            "peak_qps",
            wd.peak_qps,
            &p,
            opt(m.peak_qps.map(|q| q.value)),
            "",
        )?;
        o.row(
            "business",
            "peak_qps_at",
            wd.peak_qps,
            &p,
            m.peak_qps.map(|q| fmt_china(q.at)).unwrap_or_default(),
            "",
        )?;
    }
    o.row(
        "availability",
        "sla_six_month_average",
        wd.sla,
        wd.average,
        opt(f.sla_avg),
        "%",
    )?;
    o.row(
        "availability",
        "operating_hours_six_month_average",
        wd.operating_hours,
        wd.average,
        opt(f.operating_hours_avg),
        "h",
    )?;
    for d in &f.days {
        let p = d.date.to_string();
        avail(&mut o, "daily", &p, &d.availability)?;
        if let Some(x) = &d.figures {
            o.row(
                "daily",
                "registrations_new",
                wd.reg_new,
                &p,
                x.registrations_new.to_string(),
                "",
            )?;
            o.row(
                "daily",
                "registrations_total",
                wd.reg_total,
                &p,
                x.registrations_total.to_string(),
                "",
            )?;
            o.row(
                "daily",
                "resolution_requests",
                wd.res_requests,
                &p,
                x.resolution_requests.to_string(),
                "",
            )?;
            o.row(
                "daily",
                "resolution_successes",
                wd.res_successes,
                &p,
                x.resolution_successes.to_string(),
                "",
            )?;
            o.row(
                "daily",
                "resolution_rtt_avg_ms",
                wd.res_rtt,
                &p,
                opt(x.resolution_latency.map(|l| l.avg_ms)),
                "ms",
            )?;
            o.row(
                "daily",
                "registration_rtt_avg_ms",
                wd.reg_rtt,
                &p,
                opt(x.registration_latency.map(|l| l.avg_ms)),
                "ms",
            )?;
            o.row(
                "daily",
                "peak_qps",
                wd.peak_qps,
                &p,
                opt(x.peak_qps.map(|q| q.value)),
                "",
            )?;
        }
    }
    for m in &f.maintenance {
        let p = format!("{} / {}", fmt_china(m.start), fmt_china(m.end));
        o.row(
            "maintenance",
            "window_hours",
            &m.description,
            &p,
            format!("{:.6}", (m.end - m.start).num_milliseconds() as f64 / 3.6e6),
            "h",
        )?;
    }
    for e in &f.emergencies {
        let end = e.recovered.map(fmt_china).unwrap_or_default();
        let p = format!("{} / {}", fmt_china(e.start), end);
        let label = match (e.kind, e.outage) {
            (Some(k), _) => event_type(lang, k).to_string(),
            (None, Some(k)) => outage_kind(lang, k).to_string(),
            (None, None) => String::new(),
        };
        let hours = e
            .recovered
            .map(|r| format!("{:.6}", (r - e.start).num_milliseconds() as f64 / 3.6e6))
            .unwrap_or_default();
        o.row("emergency", "duration_hours", &label, &p, hours, "h")?;
    }
    if let Some(b) = &f.business {
        let p = f.current().month.to_string();
        for s in &b.services {
            let name = service(lang, s.service);
            for (state, n) in &s.by_state {
                o.row(
                    "orders",
                    &format!("orders_{state}"),
                    &format!("{name} {}", order_state(lang, state)),
                    &p,
                    n.to_string(),
                    "",
                )?;
            }
            o.row(
                "orders",
                "returned",
                &format!("{name} {}", wd.returned),
                &p,
                s.returned.to_string(),
                "",
            )?;
            o.row(
                "orders",
                "turnaround_avg_days",
                &format!("{name} {}", wd.turnaround_avg),
                &p,
                opt(s.avg_turnaround_days),
                "d",
            )?;
            o.row(
                "orders",
                "turnaround_max_days",
                &format!("{name} {}", wd.turnaround_max),
                &p,
                opt(s.max_turnaround_days),
                "d",
            )?;
        }
        o.row(
            "business",
            "labels_printed",
            wd.labels_printed,
            &p,
            b.labels_printed.to_string(),
            "",
        )?;
        o.row(
            "business",
            "instruments_overdue",
            wd.overdue,
            &p,
            b.instruments_overdue.to_string(),
            "",
        )?;
    }
    o.w.into_inner()
        .map_err(|e| ReportError::Document(e.to_string()))
}
