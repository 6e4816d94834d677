//! Benchmark of the monthly report (run through `bench/run-report.sh`, release build): a node
//! month with 1,000,000 registrations (each with its review-to-resolvable time, bucketed into
//! China-time days) and six months of daily figures, issued end to end with every chart:
//! figures, PDF (zh-CN), CSV, hashes. Goal: ≤ 1 s and a PDF under 1 MB.
//! Markdown on stdout; JSON to the path in `REPORT_BENCH_JSON` when set.

use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Span, NaiveDate, TimeZone, Utc};
use idstation_reports::time::{day_start, YearMonth};
use idstation_reports::*;

/// Deterministic pseudo-random numbers (same run every time).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn at(d: NaiveDate, secs: u64) -> DateTime<Utc> {
    day_start(d) + Span::seconds(secs as i64)
}

const REGISTRATIONS: u64 = 1_000_000;

/// 1M registrations spread over the month's days, weekdays busier.
fn timings(month: YearMonth, rng: &mut Lcg) -> Vec<RegistrationTiming> {
    let days: Vec<NaiveDate> = month.days().collect();
    let weights: Vec<u64> = days
        .iter()
        .map(|d| {
            if chrono::Datelike::weekday(d).num_days_from_monday() < 5 {
                10
            } else {
                4
            }
        })
        .collect();
    let total_w: u64 = weights.iter().sum();
    let mut out = Vec::with_capacity(REGISTRATIONS as usize);
    for (d, w) in days.iter().zip(&weights) {
        let n = REGISTRATIONS * w / total_w;
        for _ in 0..n {
            let resolvable = at(*d, 60 + rng.below(86_000));
            let wait = Span::seconds(30 + rng.below(7_200) as i64);
            out.push(RegistrationTiming {
                passed_review: resolvable - wait,
                resolvable,
            });
        }
    }
    // Top up to exactly 1M on the last day.
    while (out.len() as u64) < REGISTRATIONS {
        let resolvable = at(*days.last().unwrap_or(&month.first_day()), 43_200);
        out.push(RegistrationTiming {
            passed_review: resolvable - Span::seconds(600),
            resolvable,
        });
    }
    out
}

fn input(
    month: YearMonth,
    effective: &std::collections::BTreeMap<NaiveDate, Effective>,
) -> ReportInput {
    let mut rng = Lcg(11);
    let mut days = Vec::new();
    let mut total: u64 = 4_000_000;
    let mut d = month.minus(5).first_day();
    while d < month.next().first_day() {
        let e = effective.get(&d).copied().unwrap_or(Effective {
            count: 20_000 + rng.below(10_000),
            total_secs: 0,
            max_secs: 0,
        });
        let e = if e.total_secs == 0 {
            Effective {
                count: e.count,
                total_secs: e.count * 1_800,
                max_secs: 7_200,
            }
        } else {
            e
        };
        let new = e.count;
        total += new;
        let requests = 2_000_000 + rng.below(1_500_000);
        let lat = |rng: &mut Lcg, count: u64, base: f64| Latency {
            count,
            avg_ms: base + rng.below(50) as f64 / 10.0,
            max_ms: base * 20.0 + rng.below(300) as f64,
            max_at: at(d, rng.below(86_400)),
            min_ms: 0.5 + rng.below(10) as f64 / 10.0,
            min_at: at(d, rng.below(86_400)),
        };
        days.push(DailyFigures {
            date: d,
            registrations_new: new,
            registrations_total: total,
            resolution_requests: requests,
            resolution_successes: requests - rng.below(requests / 500),
            registration_latency: Some(lat(&mut rng, new, 30.0)),
            resolution_latency: Some(lat(&mut rng, requests, 6.0)),
            peak_qps: Some(Peak {
                value: 300.0 + rng.below(3_000) as f64,
                at: at(d, rng.below(86_400)),
            }),
            probes: Some(ProbeDay {
                count: 1_440,
                ok: 1_440 - rng.below(3),
                rtt_ms_sum: 1_440 * 3,
            }),
            effective: e,
        });
        d = d.succ_opt().unwrap_or(d);
    }
    let m0 = month.first_day();
    let runs = vec![
        Run {
            started: at(month.minus(8).first_day(), 0),
            until: at(m0 + Span::days(9), 10_800),
            end: RunEnd::Crashed,
        },
        Run {
            started: at(m0 + Span::days(9), 12_600),
            until: at(m0 + Span::days(19), 7_500),
            end: RunEnd::Stopped,
        },
        Run {
            started: at(m0 + Span::days(19), 13_200),
            until: at(month.next().first_day(), 3_600),
            end: RunEnd::Running,
        },
    ];
    ReportInput {
        scope: Scope::Node {
            prefix: "88.118".into(),
        },
        operator: "华东工业互联网研究院".into(),
        node_name: "华东计量行业二级节点".into(),
        month,
        as_of: at(month.next().first_day(), 3_600),
        days,
        availability: AvailabilityLog {
            attacks: Vec::new(),
            in_service_since: Some(runs[0].started),
            runs,
            maintenance: vec![Maintenance {
                start: at(m0 + Span::days(19), 7_200),
                end: at(m0 + Span::days(19), 14_400),
                description: "数据库升级与操作系统安全补丁".into(),
            }],
            incidents: vec![Incident {
                id: "EV-1".into(),
                start: at(m0 + Span::days(9), 10_700),
                recovered: Some(at(m0 + Span::days(9), 12_700)),
                kind: EventType::System,
                cause: "机房配电故障导致服务器断电".into(),
                fix: "切换备用电源并重启节点服务".into(),
            }],
        },
        business: Some(BusinessFigures {
            orders: vec![
                OrderCount {
                    service: ServiceType::Calibration,
                    state: "in_progress".into(),
                    count: 1_200,
                },
                OrderCount {
                    service: ServiceType::Repair,
                    state: "diagnosis".into(),
                    count: 40,
                },
            ],
            returned: (0..5_000)
                .map(|i| Turnaround {
                    service: ServiceType::Calibration,
                    received: at(m0, i * 300),
                    returned: at(m0 + Span::days(3), i * 300),
                })
                .collect(),
            labels_printed: 48_000,
            instruments_overdue: 310,
        }),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> Result<(), ReportError> {
    let month = YearMonth::new(2026, 3)?;
    let mut rng = Lcg(7);
    let t = Instant::now();
    let timings = timings(month, &mut rng);
    let gen_ms = ms(t.elapsed());

    let runs = 5;
    let mut best: Option<(f64, f64, f64, f64, Output)> = None;
    let mut totals = Vec::new();
    for _ in 0..runs {
        let t0 = Instant::now();
        let effective = effective_by_day(timings.iter().copied());
        let t1 = Instant::now();
        let input = input(month, &effective);
        let mut draft = Draft::new(input.scope.clone(), month, Language::Zh);
        draft.set_section(SectionKey::Summary, "本月节点运行总体平稳。")?;
        let t2 = Instant::now();
        let (issued, out) = issue(
            &input,
            &draft,
            ReportNumber::first(&input.scope, month),
            Utc.with_ymd_and_hms(2026, 4, 3, 2, 0, 0)
                .single()
                .unwrap_or_default(),
            "bench",
            None,
        )?;
        let t3 = Instant::now();
        issued.verify(&out.pdf.pdf)?;
        let aggregate = ms(t1 - t0);
        let issue_ms = ms(t3 - t2);
        let total = aggregate + issue_ms;
        totals.push(total);
        if best.as_ref().is_none_or(|b| total < b.0) {
            best = Some((total, aggregate, issue_ms, ms(t2 - t1), out));
        }
    }
    let Some((total, aggregate, issue_ms, _build, out)) = best else {
        return Ok(());
    };
    // Phases of one issue, measured apart (best of the runs): figures, document, PDF.
    let effective = effective_by_day(timings.iter().copied());
    let input = input(month, &effective);
    let draft = Draft::new(input.scope.clone(), month, Language::Zh);
    let (mut figures_ms, mut doc_ms, mut pdf_ms) = (f64::MAX, f64::MAX, f64::MAX);
    let mut pdf = None;
    for _ in 0..runs {
        let t = Instant::now();
        let figures = Figures::compute(&input)?;
        figures_ms = figures_ms.min(ms(t.elapsed()));
        let t = Instant::now();
        let doc = render::document(&input, &figures, &draft, &RenderOptions::default())?;
        doc_ms = doc_ms.min(ms(t.elapsed()));
        let t = Instant::now();
        let r = doc
            .render()
            .map_err(|e| ReportError::Document(e.to_string()))?;
        pdf_ms = pdf_ms.min(ms(t.elapsed()));
        pdf = Some(r);
    }
    let draft_bytes = pdf.map_or(0, |p| p.pdf.len());

    let regs: u64 = out.figures.current().registrations_new;
    totals.sort_by(f64::total_cmp);
    println!("## Monthly report benchmark (release)\n");
    println!("| | |\n|---|---|");
    println!("| registrations in the month | {} |", words::count(regs));
    println!("| days of figures (6 months) | {} |", input.days.len());
    println!("| generate 1M timings (not timed in total) | {gen_ms:.0} ms |");
    println!("| bucket 1M timings into China days | {aggregate:.1} ms |");
    println!("| issue (figures + PDF + CSV + hashes) | {issue_ms:.1} ms |");
    println!(
        "| **total, best of {runs}** | **{total:.1} ms** (median {:.1} ms) |",
        totals[runs / 2]
    );
    println!("| phases, best of runs: figures / document+charts / PDF layout+write | {figures_ms:.1} / {doc_ms:.1} / {pdf_ms:.1} ms |");
    println!(
        "| PDF | {} bytes, {} pages |",
        out.pdf.pdf.len(),
        out.pdf.pages
    );
    println!("| CSV | {} bytes |", out.csv.len());
    println!("| draft PDF (same figures) | {draft_bytes} bytes |");
    println!(
        "| goal | ≤ 1000 ms, PDF < 1,000,000 bytes: {} |",
        if total <= 1000.0 && out.pdf.pdf.len() < 1_000_000 {
            "met"
        } else {
            "NOT met"
        }
    );
    if let Ok(path) = std::env::var("REPORT_BENCH_JSON") {
        let json = format!(
            "{{\"registrations\":{regs},\"bucket_ms\":{aggregate:.3},\"issue_ms\":{issue_ms:.3},\"total_ms\":{total:.3},\"median_total_ms\":{:.3},\"figures_ms\":{figures_ms:.3},\"document_ms\":{doc_ms:.3},\"pdf_ms\":{pdf_ms:.3},\"pdf_bytes\":{},\"pages\":{},\"csv_bytes\":{}}}\n",
            totals[runs / 2],
            out.pdf.pdf.len(),
            out.pdf.pages,
            out.csv.len()
        );
        std::fs::write(&path, json).map_err(|e| ReportError::Document(e.to_string()))?;
    }
    if let Ok(dir) = std::env::var("REPORT_BENCH_PDF") {
        let _ = std::fs::write(dir, &out.pdf.pdf);
    }
    Ok(())
}
