//! The report as a document, in the annex's order: title and operator; 一、摘要 (the month's SLA
//! in one sentence); 二、服务运行情况 (tables 1-3); 三、运行维护情况 (maintenance,
//! emergencies); then our additions, 四、业务情况 (volumes, three daily charts, orders, the
//! daily table); and 附：数据来源说明. Person-written text follows each section's figures.

use chrono::{DateTime, Utc};
use idstation_documents::{Align, Document, Language, Meta, Paragraph, Rendered, Table};

use crate::charts;
use crate::draft::{Draft, ReportNumber, SectionKey};
use crate::figures::{Figures, LatencyMonth};
use crate::input::{ReportInput, Scope};
use crate::time::{china_date, fmt_china, YearMonth};
use crate::words::{
    count, definitions, event_type, fixed, order_state, outage_kind, pct, service, words,
};
use crate::ReportError;

/// How this rendering is labelled: a draft (no number, watermarked) or an issue.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RenderOptions {
    /// `None` renders a draft.
    pub number: Option<ReportNumber>,
    pub issued_at: Option<DateTime<Utc>>,
    pub supersedes: Option<ReportNumber>,
}

fn month_name(lang: Language, m: YearMonth) -> String {
    match lang {
        Language::Zh => m.zh(),
        Language::En => m.en(),
    }
}

fn or_dash(v: Option<String>, lang: Language) -> String {
    v.unwrap_or_else(|| words(lang).dash.to_string())
}

fn hours(ms: i64) -> String {
    fixed(ms as f64 / 3_600_000.0, 2)
}

/// Builds the report document (no I/O; the figures are `Figures::compute(input)`).
pub fn document(
    input: &ReportInput,
    f: &Figures,
    draft: &Draft,
    opts: &RenderOptions,
) -> Result<Document, ReportError> {
    let lang = draft.language;
    let w = words(lang);
    let m = f.current();
    let month = month_name(lang, input.month);
    let (lp, rp) = match lang {
        Language::Zh => ("（", "）"),
        Language::En => (" (", ")"),
    };
    let colon = match lang {
        Language::Zh => "：",
        Language::En => ": ",
    };
    let title = format!("{}{lp}{month}{rp}", w.title);
    let mut doc = Document::new(Meta {
        title: title.clone(),
        number: opts
            .number
            .as_ref()
            .map(|n| n.to_string())
            .unwrap_or_default(),
        header: input.operator.clone(),
        author: input.operator.clone(),
        subject: title.clone(),
        language: lang,
        created: opts.issued_at,
        watermark: opts.number.is_none().then(|| w.draft_mark.to_string()),
    });
    doc.title(title);
    let centre = |s: String| Paragraph::new(s).align(Align::Center);
    doc.para(centre(format!("{}{colon}{}", w.operator, input.operator)));
    let scope = match &input.scope {
        Scope::Node { prefix } => format!("{}{lp}{prefix}{rp}", w.scope_node),
        Scope::Enterprise { prefix, name } => {
            format!("{} {prefix}{lp}{name}{rp}", w.scope_enterprise)
        }
    };
    doc.para(centre(format!(
        "{}{colon}{}　{}{colon}{scope}",
        w.node, input.node_name, w.scope
    )));
    match (&opts.number, opts.issued_at) {
        (Some(n), Some(at)) => doc.para(centre(format!(
            "{}{colon}{n}　{}{colon}{}",
            w.number,
            w.issued,
            china_date(at)
        ))),
        (Some(n), None) => doc.para(centre(format!("{}{colon}{n}", w.number))),
        (None, _) => doc.para(centre(w.draft.to_string())),
    };
    if let Some(old) = &opts.supersedes {
        doc.para(centre(w.supersedes.replace("{}", &old.to_string())));
    }
    doc.space(2.0);

    // 一、摘要
    doc.heading(1, w.s1);
    let a = &m.availability;
    let node = &input.node_name;
    let first = match (lang, a.sla()) {
        (Language::Zh, Some(s)) => format!("{month}，{node}服务可用性（SLA）为 {}%。", pct(s)),
        (Language::Zh, None) => format!("{month}，{node}尚无可用性测量数据。"),
        (Language::En, Some(s)) => format!(
            "In {month}, the service availability (SLA) of {node} was {}%.",
            pct(s)
        ),
        (Language::En, None) => format!("In {month}, no availability of {node} was measured."),
    };
    let total = or_dash(m.registrations_total.map(count), lang);
    let second = match lang {
        Language::Zh => format!(
            "本月统计时长 {} 小时，计划维护 {} 小时，非计划中断 {} 次共 {} 小时；新增标识注册 {} 个，累计 {} 个；标识解析请求 {} 次，成功 {} 次。",
            hours(a.window_ms), hours(a.maintenance_ms), a.outages.len(), hours(a.down_ms),
            count(m.registrations_new), total, count(m.resolution_requests), count(m.resolution_successes)
        ),
        Language::En => format!(
            "Measured {} h, of which {} h planned maintenance; {} unplanned outage(s) totalling {} h. {} new registrations ({} in total); {} resolution requests, {} successful.",
            hours(a.window_ms), hours(a.maintenance_ms), a.outages.len(), hours(a.down_ms),
            count(m.registrations_new), total, count(m.resolution_requests), count(m.resolution_successes)
        ),
    };
    doc.paragraph(format!(
        "{first}{}{second}",
        if lang == Language::En { " " } else { "" }
    ));
    person(&mut doc, draft, SectionKey::Summary);

    // 二、服务运行情况
    doc.heading(1, w.s2);
    let mut t1 = Table::new(&[
        (1.2, Align::Center),
        (1.0, Align::Right),
        (1.0, Align::Right),
        (1.0, Align::Right),
        (1.0, Align::Right),
    ])
    .caption(w.t1)
    .header([
        w.month,
        w.sla,
        w.maintenance_hours,
        w.downtime_hours,
        w.probe_success,
    ]);
    for mf in &f.months {
        let av = &mf.availability;
        let measured = av.window_ms > 0;
        t1.row([
            month_name(lang, mf.month),
            or_dash(av.sla().map(pct), lang),
            or_dash(measured.then(|| hours(av.maintenance_ms)), lang),
            or_dash(measured.then(|| hours(av.down_ms)), lang),
            or_dash(mf.probes.map(|p| pct(p.success_pct)), lang),
        ]);
    }
    t1.row([
        w.average.to_string(),
        or_dash(f.sla_avg.map(pct), lang),
        String::new(),
        String::new(),
        String::new(),
    ]);
    doc.table(t1);

    let mut t2 = Table::new(&[
        (1.6, Align::Left),
        (0.8, Align::Right),
        (1.3, Align::Center),
        (1.3, Align::Center),
        (0.8, Align::Right),
    ])
    .caption(w.t2)
    .header([w.figure, w.month_avg, w.max_when, w.min_when, w.count]);
    let lat_row = |label: &str, l: &Option<LatencyMonth>| -> [String; 5] {
        match l {
            Some(l) => [
                label.to_string(),
                fixed(l.avg_ms, 1),
                format!("{}\n{}", fixed(l.max.value, 1), fmt_china(l.max.at)),
                format!("{}\n{}", fixed(l.min.value, 1), fmt_china(l.min.at)),
                count(l.count),
            ],
            None => [
                label.to_string(),
                w.dash.into(),
                w.dash.into(),
                w.dash.into(),
                "0".into(),
            ],
        }
    };
    t2.row(lat_row(w.reg_rtt, &m.registration_rtt));
    t2.row(lat_row(w.res_rtt, &m.resolution_rtt));
    t2.row(match &m.effective {
        Some(e) => [
            w.effective.to_string(),
            fixed(e.avg_hours, 2),
            fixed(e.max_hours, 2),
            w.dash.to_string(),
            count(e.count),
        ],
        None => [
            w.effective.to_string(),
            w.dash.into(),
            w.dash.into(),
            w.dash.into(),
            "0".into(),
        ],
    });
    doc.table(t2);

    let mut t3 = Table::new(&[
        (1.2, Align::Center),
        (1.0, Align::Right),
        (1.0, Align::Right),
    ])
    .caption(w.t3)
    .header([w.month, w.measured_hours, w.operating_hours]);
    for mf in &f.months {
        let av = &mf.availability;
        t3.row([
            month_name(lang, mf.month),
            or_dash((av.window_ms > 0).then(|| hours(av.window_ms)), lang),
            or_dash(av.operating_hours().map(|h| fixed(h, 2)), lang),
        ]);
    }
    t3.row([
        w.average.to_string(),
        String::new(),
        or_dash(f.operating_hours_avg.map(|h| fixed(h, 2)), lang),
    ]);
    doc.table(t3);
    person(&mut doc, draft, SectionKey::Service);

    // 三、运行维护情况
    doc.heading(1, w.s3);
    doc.heading(2, w.s3_1);
    if f.maintenance.is_empty() {
        doc.paragraph(w.none_maintenance);
    } else {
        let mut t4 = Table::new(&[
            (1.0, Align::Center),
            (1.0, Align::Center),
            (2.2, Align::Left),
        ])
        .caption(w.t4)
        .header([w.start, w.end, w.content]);
        for x in &f.maintenance {
            t4.row([fmt_china(x.start), fmt_china(x.end), x.description.clone()]);
        }
        doc.table(t4);
    }
    doc.heading(2, w.s3_2);
    if f.emergencies.is_empty() {
        doc.paragraph(w.none_emergency);
    } else {
        let mut t5 = Table::new(&[
            (1.0, Align::Center),
            (1.0, Align::Center),
            (0.75, Align::Right),
            (0.85, Align::Left),
            (1.3, Align::Left),
            (1.3, Align::Left),
        ])
        .caption(w.t5)
        .header([w.occurred, w.recovered, w.duration, w.kind, w.cause, w.fix]);
        for e in &f.emergencies {
            let kind = match (e.kind, e.outage) {
                (Some(k), _) => event_type(lang, k),
                (None, Some(k)) => outage_kind(lang, k),
                (None, None) => w.dash,
            };
            t5.row([
                fmt_china(e.start),
                e.recovered
                    .map(fmt_china)
                    .unwrap_or_else(|| w.not_recovered.to_string()),
                or_dash(
                    e.recovered.map(|r| hours((r - e.start).num_milliseconds())),
                    lang,
                ),
                kind.to_string(),
                e.cause
                    .clone()
                    .unwrap_or_else(|| w.not_recorded.to_string()),
                e.fix.clone().unwrap_or_else(|| w.not_recorded.to_string()),
            ]);
        }
        doc.table(t5);
    }
    person(&mut doc, draft, SectionKey::Maintenance);

    // 四、业务情况
    doc.heading(1, w.s4);
    let mut t6 = Table::new(&[(2.0, Align::Left), (1.6, Align::Right)])
        .caption(w.t6)
        .header([w.figure, w.value]);
    t6.row([w.reg_new.to_string(), count(m.registrations_new)]);
    t6.row([w.reg_total.to_string(), total.clone()]);
    t6.row([w.res_requests.to_string(), count(m.resolution_requests)]);
    t6.row([w.res_successes.to_string(), count(m.resolution_successes)]);
    t6.row([
        w.res_success_rate.to_string(),
        or_dash(m.resolution_success_pct().map(pct), lang),
    ]);
    t6.row([
        w.peak_qps.to_string(),
        or_dash(
            m.peak_qps
                .map(|p| format!("{}（{}）", fixed(p.value, 0), fmt_china(p.at))),
            lang,
        ),
    ]);
    if let Some(b) = &f.business {
        t6.row([w.labels_printed.to_string(), count(b.labels_printed)]);
        t6.row([w.overdue.to_string(), count(b.instruments_overdue)]);
    }
    doc.table(t6);
    doc.figure(charts::registrations(f, lang)?, Some(w.f1.to_string()));
    doc.figure(charts::resolutions(f, lang)?, Some(w.f2.to_string()));
    doc.figure(charts::latency(f, lang)?, Some(w.f3.to_string()));
    if let Some(b) = f.business.as_ref().filter(|b| !b.services.is_empty()) {
        let mut t7 = Table::new(&[
            (0.7, Align::Center),
            (2.2, Align::Left),
            (0.7, Align::Right),
            (0.8, Align::Right),
            (0.8, Align::Right),
        ])
        .caption(w.t7)
        .header([
            w.service,
            w.state,
            w.returned,
            w.turnaround_avg,
            w.turnaround_max,
        ]);
        let sep = if lang == Language::Zh { "，" } else { ", " };
        for s in &b.services {
            let states = s
                .by_state
                .iter()
                .map(|(k, n)| format!("{} {}", order_state(lang, k), count(*n)))
                .collect::<Vec<_>>()
                .join(sep);
            t7.row([
                service(lang, s.service).to_string(),
                if states.is_empty() {
                    w.dash.to_string()
                } else {
                    states
                },
                count(s.returned),
                or_dash(s.avg_turnaround_days.map(|d| fixed(d, 1)), lang),
                or_dash(s.max_turnaround_days.map(|d| fixed(d, 1)), lang),
            ]);
        }
        doc.table(t7);
    }
    let mut t8 = Table::new(&[
        (1.0, Align::Center),
        (0.9, Align::Right),
        (1.1, Align::Right),
        (1.1, Align::Right),
        (1.1, Align::Right),
        (0.9, Align::Right),
        (0.9, Align::Right),
    ])
    .caption(w.t8)
    .header([
        w.date,
        w.reg_new,
        w.reg_total,
        w.res_requests,
        w.res_successes,
        w.res_avg_rtt,
        w.availability,
    ]);
    for d in &f.days {
        let sla = or_dash(d.availability.sla().map(pct), lang);
        match &d.figures {
            Some(x) => t8.row([
                d.date.to_string(),
                count(x.registrations_new),
                count(x.registrations_total),
                count(x.resolution_requests),
                count(x.resolution_successes),
                or_dash(
                    x.resolution_latency
                        .filter(|l| l.count > 0)
                        .map(|l| fixed(l.avg_ms, 1)),
                    lang,
                ),
                sla,
            ]),
            None => t8.row([
                d.date.to_string(),
                w.dash.into(),
                w.dash.into(),
                w.dash.into(),
                w.dash.into(),
                w.dash.into(),
                sla,
            ]),
        };
    }
    doc.table(t8);
    person(&mut doc, draft, SectionKey::Business);

    // 附：数据来源说明
    doc.heading(1, w.annex);
    let mut t9 = Table::new(&[(1.0, Align::Left), (3.2, Align::Left), (1.2, Align::Left)])
        .caption(w.t9)
        .header([w.item, w.definition, w.source]);
    for [a, b, c] in definitions(lang, f.business.is_some()) {
        t9.row([a, b, c]);
    }
    doc.table(t9);
    Ok(doc)
}

/// A section's person-written text: each non-empty line a paragraph.
fn person(doc: &mut Document, draft: &Draft, key: SectionKey) {
    if let Some(text) = draft.section(key) {
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            doc.paragraph(line);
        }
    }
}

/// The report rendered to PDF.
pub fn render_pdf(
    input: &ReportInput,
    f: &Figures,
    draft: &Draft,
    opts: &RenderOptions,
) -> Result<Rendered, ReportError> {
    document(input, f, draft, opts)?
        .render()
        .map_err(|e| ReportError::Document(e.to_string()))
}
