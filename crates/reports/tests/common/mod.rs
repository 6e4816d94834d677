//! Test inputs: China-time instants, and a realistic month of node figures (six months of daily
//! rows, a crash, declared maintenance, an incident, business figures) from a fixed seed.
#![allow(dead_code)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use idstation_reports::*;

/// An instant given in Beijing time: `cst("2026-03-10 03:00:00")`.
pub fn cst(s: &str) -> DateTime<Utc> {
    format!("{}+08:00", s.replace(' ', "T"))
        .parse::<DateTime<chrono::FixedOffset>>()
        .expect("china time")
        .with_timezone(&Utc)
}

pub fn date(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

pub fn march() -> YearMonth {
    YearMonth::new(2026, 3).expect("month")
}

pub fn node_scope() -> Scope {
    Scope::Node {
        prefix: "88.118".into(),
    }
}

/// A bare input for March 2026 with no daily rows.
pub fn bare(availability: AvailabilityLog, as_of: DateTime<Utc>) -> ReportInput {
    ReportInput {
        scope: node_scope(),
        operator: "华东工业互联网研究院".into(),
        node_name: "华东计量行业二级节点".into(),
        month: march(),
        as_of,
        days: Vec::new(),
        availability,
        business: None,
    }
}

/// Deterministic pseudo-random numbers (no dependency, same every run).
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Six months of daily figures ending with March 2026, `per_day` registrations a day on average.
pub fn days(per_day: u64) -> Vec<DailyFigures> {
    let mut rng = Lcg::new(7);
    let mut total = 250_000u64;
    let mut out = Vec::new();
    let mut d = date("2025-10-01");
    while d <= date("2026-03-31") {
        let weekday = chrono::Datelike::weekday(&d).num_days_from_monday();
        let busy = if weekday < 5 { 1.0 } else { 0.35 };
        let new = ((per_day as f64) * busy * (0.8 + rng.below(40) as f64 / 100.0)) as u64;
        total += new;
        let requests = new * 6 + rng.below(5_000) + 2_000;
        let failures = rng.below(requests / 200 + 1);
        let at = |h: u32, m: u64| cst(&format!("{d} {h:02}:{:02}:{:02}", m % 60, (m * 7) % 60));
        let res_avg = 8.0 + rng.below(40) as f64 / 10.0;
        let reg_avg = 35.0 + rng.below(150) as f64 / 10.0;
        out.push(DailyFigures {
            date: d,
            registrations_new: new,
            registrations_total: total,
            resolution_requests: requests,
            resolution_successes: requests - failures,
            registration_latency: (new > 0).then(|| Latency {
                count: new,
                avg_ms: reg_avg,
                max_ms: reg_avg * 6.0 + rng.below(100) as f64,
                max_at: at(10, rng.below(60)),
                min_ms: 4.0 + rng.below(30) as f64 / 10.0,
                min_at: at(3, rng.below(60)),
            }),
            resolution_latency: Some(Latency {
                count: requests,
                avg_ms: res_avg,
                max_ms: res_avg * 10.0 + rng.below(200) as f64,
                max_at: at(14, rng.below(60)),
                min_ms: 0.6 + rng.below(5) as f64 / 10.0,
                min_at: at(4, rng.below(60)),
            }),
            peak_qps: Some(Peak {
                value: 40.0 + rng.below(400) as f64,
                at: at(9 + rng.below(8) as u32, rng.below(60)),
            }),
            probes: Some(ProbeDay {
                count: 1440,
                ok: 1440 - rng.below(3),
                rtt_ms_sum: 1440 * (2 + rng.below(3)),
            }),
            effective: Effective {
                count: new,
                total_secs: new * (600 + rng.below(1200)),
                max_secs: 3600 + rng.below(7200),
            },
        });
        d = d.succ_opt().expect("next day");
    }
    out
}

/// The realistic fixture: six months, a crash on 10 March (last heartbeat 03:00:00, restart
/// 03:30:00), maintenance 20 March 02:00-04:00 with the node stopped inside it, an attack
/// incident, and business figures.
pub fn fixture(per_day: u64) -> ReportInput {
    let av = AvailabilityLog {
        attacks: Vec::new(),
        in_service_since: Some(cst("2025-06-01 08:00:00")),
        runs: vec![
            Run {
                started: cst("2025-06-01 08:00:00"),
                until: cst("2026-03-10 03:00:00"),
                end: RunEnd::Crashed,
            },
            Run {
                started: cst("2026-03-10 03:30:00"),
                until: cst("2026-03-20 02:05:00"),
                end: RunEnd::Stopped,
            },
            Run {
                started: cst("2026-03-20 03:40:00"),
                until: cst("2026-04-02 09:00:00"),
                end: RunEnd::Running,
            },
        ],
        maintenance: vec![Maintenance {
            start: cst("2026-03-20 02:00:00"),
            end: cst("2026-03-20 04:00:00"),
            description: "数据库升级与操作系统安全补丁".into(),
        }],
        incidents: vec![
            Incident {
                id: "EV-20260310-01".into(),
                start: cst("2026-03-10 02:58:00"),
                recovered: Some(cst("2026-03-10 03:31:00")),
                kind: EventType::System,
                cause: "机房配电故障导致服务器断电".into(),
                fix: "切换备用电源并重启节点服务，已更换配电模块".into(),
            },
            Incident {
                id: "EV-20260325-01".into(),
                start: cst("2026-03-25 14:02:00"),
                recovered: Some(cst("2026-03-25 14:40:00")),
                kind: EventType::Attack,
                cause: "来自境外地址的大量解析请求（CC 攻击）".into(),
                fix: "启用限流并封禁来源地址段，服务未中断".into(),
            },
        ],
    };
    let mut input = bare(av, cst("2026-04-02 09:00:00"));
    input.days = days(per_day);
    input.business = Some(BusinessFigures {
        orders: vec![
            OrderCount {
                service: ServiceType::Calibration,
                state: "in_progress".into(),
                count: 37,
            },
            OrderCount {
                service: ServiceType::Calibration,
                state: "awaiting_review".into(),
                count: 12,
            },
            OrderCount {
                service: ServiceType::Calibration,
                state: "returned".into(),
                count: 418,
            },
            OrderCount {
                service: ServiceType::Repair,
                state: "diagnosis".into(),
                count: 3,
            },
            OrderCount {
                service: ServiceType::Repair,
                state: "returned".into(),
                count: 21,
            },
            OrderCount {
                service: ServiceType::Verification,
                state: "received".into(),
                count: 9,
            },
        ],
        returned: vec![
            Turnaround {
                service: ServiceType::Calibration,
                received: cst("2026-03-01 09:00:00"),
                returned: cst("2026-03-04 09:00:00"),
            },
            Turnaround {
                service: ServiceType::Calibration,
                received: cst("2026-03-30 23:30:00"),
                returned: cst("2026-03-31 23:30:00"),
            },
            Turnaround {
                service: ServiceType::Calibration,
                received: cst("2026-03-28 00:10:00"),
                returned: cst("2026-04-01 00:10:00"),
            },
            Turnaround {
                service: ServiceType::Repair,
                received: cst("2026-03-02 10:00:00"),
                returned: cst("2026-03-12 22:00:00"),
            },
        ],
        labels_printed: 1_536,
        instruments_overdue: 27,
    });
    input
}

pub fn hours(h: f64) -> i64 {
    (h * 3_600_000.0).round() as i64
}

pub fn minutes(m: i64) -> Duration {
    Duration::minutes(m)
}
