//! Every figure against values computed by hand in the comments: SLA with a crash measured
//! from the last heartbeat, maintenance excluded, month and day boundaries in China time,
//! six-month averages, request-weighted RTT, registration-to-resolvable hours, turnaround.

mod common;

use common::*;
use idstation_reports::figures::{availability, OutageKind};
use idstation_reports::*;

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

/// March 2026 (31 days = 744 h), in service all month. Crash: last heartbeat 10 March 03:00,
/// restart 03:30 (0.5 h down). Clean stop 20 March 02:00, restart 03:50, inside maintenance
/// 02:00-04:00 (2 h declared). Scheduled 742 h, up 741.5 h: SLA 741.5 / 742.
fn march_log() -> AvailabilityLog {
    AvailabilityLog {
        attacks: Vec::new(),
        in_service_since: Some(cst("2025-01-01 00:00:00")),
        runs: vec![
            Run {
                started: cst("2026-02-20 00:00:00"),
                until: cst("2026-03-10 03:00:00"),
                end: RunEnd::Crashed,
            },
            Run {
                started: cst("2026-03-10 03:30:00"),
                until: cst("2026-03-20 02:00:00"),
                end: RunEnd::Stopped,
            },
            Run {
                started: cst("2026-03-20 03:50:00"),
                until: cst("2026-03-21 00:00:00"),
                end: RunEnd::Running,
            },
        ],
        maintenance: vec![Maintenance {
            start: cst("2026-03-20 02:00:00"),
            end: cst("2026-03-20 04:00:00"),
            description: "升级".into(),
        }],
        incidents: Vec::new(),
    }
}

#[test]
fn sla_counts_a_crash_from_its_last_heartbeat_and_excludes_maintenance() {
    let m = march();
    let a = availability(&march_log(), cst("2026-04-02 00:00:00"), m.start(), m.end());
    assert_eq!(a.window_ms, hours(744.0));
    assert_eq!(a.maintenance_ms, hours(2.0));
    assert_eq!(a.scheduled_ms, hours(742.0));
    assert_eq!(a.down_ms, hours(0.5));
    assert_eq!(a.up_ms, hours(741.5));
    close(a.sla().expect("sla"), 741.5 / 742.0 * 100.0); // 99.93261455525606
                                                         // Operating: 744 h minus the crash (0.5 h) and the stop (1 h 50 min), maintenance or not.
    close(
        a.operating_hours().expect("hours"),
        744.0 - 0.5 - 110.0 / 60.0,
    );
    assert_eq!(a.outages.len(), 1);
    assert_eq!(a.outages[0].start, cst("2026-03-10 03:00:00"));
    assert_eq!(a.outages[0].end, cst("2026-03-10 03:30:00"));
    assert_eq!(a.outages[0].kind, OutageKind::Crash);
}

#[test]
fn a_stop_that_begins_before_maintenance_is_downtime_until_the_window_opens() {
    let mut log = march_log();
    log.runs[1].until = cst("2026-03-20 01:00:00"); // stopped an hour early
    let m = march();
    let a = availability(&log, cst("2026-04-02 00:00:00"), m.start(), m.end());
    assert_eq!(a.down_ms, hours(1.5)); // crash 0.5 h + 01:00-02:00
    let stop = a
        .outages
        .iter()
        .find(|o| o.kind == OutageKind::Stop)
        .expect("the early stop");
    assert_eq!(
        (stop.start, stop.end),
        (cst("2026-03-20 01:00:00"), cst("2026-03-20 02:00:00"))
    );
    close(a.sla().expect("sla"), 740.5 / 742.0 * 100.0);
}

#[test]
fn an_outage_across_beijing_midnight_is_split_between_months_and_days() {
    // Last heartbeat 31 March 23:50 CST (15:50 UTC), restart 1 April 00:20 CST.
    let log = AvailabilityLog {
        attacks: Vec::new(),
        in_service_since: Some(cst("2026-01-01 00:00:00")),
        runs: vec![
            Run {
                started: cst("2026-01-01 00:00:00"),
                until: cst("2026-03-31 23:50:00"),
                end: RunEnd::Crashed,
            },
            Run {
                started: cst("2026-04-01 00:20:00"),
                until: cst("2026-04-01 00:20:00"),
                end: RunEnd::Running,
            },
        ],
        ..Default::default()
    };
    let as_of = cst("2026-05-01 00:00:00");
    let (mar, apr) = (march(), march().next());
    let a = availability(&log, as_of, mar.start(), mar.end());
    let b = availability(&log, as_of, apr.start(), apr.end());
    assert_eq!(a.down_ms, 10 * 60_000);
    assert_eq!(b.down_ms, 20 * 60_000);
    assert_eq!(a.outages[0].kind, OutageKind::Crash);
    assert_eq!(b.outages[0].kind, OutageKind::Continuing);
    // The month starts at 16:00 UTC on the last day of February.
    assert_eq!(
        mar.start(),
        "2026-02-28T16:00:00Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .expect("t")
    );
    // Day rows: 31 March lost 10 minutes of 1440.
    let mut input = bare(log, as_of);
    input.days.push(DailyFigures::empty(date("2026-03-31")));
    let f = Figures::compute(&input).expect("figures");
    let last = f.days.last().expect("31 March");
    assert_eq!(last.date, date("2026-03-31"));
    close(
        last.availability.sla().expect("sla"),
        1430.0 / 1440.0 * 100.0,
    );
    close(f.days[0].availability.sla().expect("sla"), 100.0);
    assert_eq!(f.days.len(), 31);
}

#[test]
fn time_not_yet_measured_and_before_service_is_left_out() {
    // In service from 15 March 12:00; figures taken 20 March 12:00: 5 days measured.
    let log = AvailabilityLog {
        attacks: Vec::new(),
        in_service_since: None, // the earliest run's start
        runs: vec![Run {
            started: cst("2026-03-15 12:00:00"),
            until: cst("2026-03-15 12:00:00"),
            end: RunEnd::Running,
        }],
        ..Default::default()
    };
    let m = march();
    let a = availability(&log, cst("2026-03-20 12:00:00"), m.start(), m.end());
    assert_eq!(a.window_ms, hours(120.0));
    close(a.sla().expect("sla"), 100.0);
    // February: nothing measured, no SLA (not 0 %, not 100 %).
    let feb = m.minus(1);
    let b = availability(&log, cst("2026-03-20 12:00:00"), feb.start(), feb.end());
    assert_eq!((b.window_ms, b.sla(), b.operating_hours()), (0, None, None));
}

#[test]
fn six_month_tables_average_the_months_that_have_values() {
    // In service 15 January 00:00 CST. January: 17 days = 408 h, all up. February (672 h):
    // one crash of 1 h. March: as `march_log`. October-December: not in service.
    let mut log = march_log();
    log.in_service_since = Some(cst("2026-01-15 00:00:00"));
    log.runs[0].started = cst("2026-01-15 00:00:00");
    log.runs.insert(
        0,
        Run {
            started: cst("2026-01-15 00:00:00"),
            until: cst("2026-02-10 08:00:00"),
            end: RunEnd::Crashed,
        },
    );
    log.runs[1].started = cst("2026-02-10 09:00:00");
    let input = bare(log, cst("2026-04-02 00:00:00"));
    let f = Figures::compute(&input).expect("figures");
    let months: Vec<String> = f.months.iter().map(|m| m.month.to_string()).collect();
    assert_eq!(
        months,
        ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    );
    let sla: Vec<Option<f64>> = f.months.iter().map(|m| m.availability.sla()).collect();
    assert_eq!(&sla[..3], &[None, None, None]);
    close(sla[3].expect("jan"), 100.0);
    close(sla[4].expect("feb"), 671.0 / 672.0 * 100.0);
    close(sla[5].expect("mar"), 741.5 / 742.0 * 100.0);
    close(
        f.sla_avg.expect("avg"),
        (100.0 + 671.0 / 672.0 * 100.0 + 741.5 / 742.0 * 100.0) / 3.0,
    );
    let oh: Vec<f64> = f.months[3..]
        .iter()
        .map(|m| m.availability.operating_hours().expect("h"))
        .collect();
    close(oh[0], 408.0);
    close(oh[1], 671.0);
    close(oh[2], 744.0 - 0.5 - 110.0 / 60.0);
    close(
        f.operating_hours_avg.expect("avg"),
        (408.0 + 671.0 + 744.0 - 0.5 - 110.0 / 60.0) / 3.0,
    );
}

fn latency(
    count: u64,
    avg: f64,
    max: f64,
    max_at: &str,
    min: f64,
    min_at: &str,
) -> Option<Latency> {
    Some(Latency {
        count,
        avg_ms: avg,
        max_ms: max,
        max_at: cst(max_at),
        min_ms: min,
        min_at: cst(min_at),
    })
}

#[test]
fn month_rtt_weights_days_by_requests_and_keeps_the_extremes_with_their_times() {
    let mut input = bare(march_log(), cst("2026-04-02 00:00:00"));
    let mut d1 = DailyFigures::empty(date("2026-03-02"));
    d1.resolution_requests = 100;
    d1.resolution_successes = 99;
    d1.resolution_latency = latency(
        100,
        10.0,
        80.0,
        "2026-03-02 10:00:01",
        1.5,
        "2026-03-02 04:00:00",
    );
    d1.registration_latency = latency(
        4,
        40.0,
        90.0,
        "2026-03-02 11:00:00",
        20.0,
        "2026-03-02 11:00:05",
    );
    d1.effective = Effective {
        count: 2,
        total_secs: 7_200,
        max_secs: 5_400,
    };
    d1.registrations_new = 4;
    d1.registrations_total = 1_004;
    let mut d2 = DailyFigures::empty(date("2026-03-03"));
    d2.resolution_requests = 300;
    d2.resolution_successes = 297;
    d2.resolution_latency = latency(
        300,
        20.0,
        120.0,
        "2026-03-03 15:30:00",
        0.9,
        "2026-03-03 03:10:00",
    );
    d2.registration_latency = latency(
        0,
        0.0,
        0.0,
        "2026-03-03 00:00:00",
        0.0,
        "2026-03-03 00:00:00",
    );
    d2.effective = Effective {
        count: 1,
        total_secs: 14_400,
        max_secs: 14_400,
    };
    d2.registrations_total = 1_004;
    d2.peak_qps = Some(Peak {
        value: 321.0,
        at: cst("2026-03-03 09:15:42"),
    });
    // A February day must not leak into March.
    let mut feb = DailyFigures::empty(date("2026-02-28"));
    feb.resolution_requests = 1_000_000;
    feb.resolution_successes = 1_000_000;
    feb.resolution_latency = latency(
        1_000_000,
        99.0,
        999.0,
        "2026-02-28 23:59:59",
        0.1,
        "2026-02-28 00:00:00",
    );
    input.days = vec![feb, d1, d2];
    let f = Figures::compute(&input).expect("figures");
    let m = f.current();
    let res = m.resolution_rtt.expect("resolution");
    close(res.avg_ms, (100.0 * 10.0 + 300.0 * 20.0) / 400.0); // 17.5
    assert_eq!(res.count, 400);
    assert_eq!(
        (res.max.value, res.max.at),
        (120.0, cst("2026-03-03 15:30:00"))
    );
    assert_eq!(
        (res.min.value, res.min.at),
        (0.9, cst("2026-03-03 03:10:00"))
    );
    let reg = m.registration_rtt.expect("registration");
    close(reg.avg_ms, 40.0); // the day with no registrations does not count
    let eff = m.effective.expect("effective");
    close(eff.avg_hours, (7_200.0 + 14_400.0) / 3.0 / 3600.0); // 2 h
    close(eff.max_hours, 4.0);
    assert_eq!((m.resolution_requests, m.resolution_successes), (400, 396));
    close(m.resolution_success_pct().expect("rate"), 99.0);
    assert_eq!(m.registrations_total, Some(1_004));
    assert_eq!(m.peak_qps.map(|p| p.value), Some(321.0));
    assert_eq!(f.months[4].resolution_requests, 1_000_000);
    assert_eq!(f.days.iter().filter(|d| d.figures.is_some()).count(), 2);
}

#[test]
fn registration_timings_fall_on_the_beijing_day_they_became_resolvable() {
    let t = |a: &str, b: &str| RegistrationTiming {
        passed_review: cst(a),
        resolvable: cst(b),
    };
    let by_day = effective_by_day([
        t("2026-03-31 23:00:00", "2026-03-31 23:59:59"), // 3599 s on 31 March
        t("2026-03-31 23:30:00", "2026-04-01 00:30:00"), // 3600 s on 1 April (16:30 UTC on the 31st)
        t("2026-04-01 08:00:00", "2026-04-01 10:00:00"), // 7200 s on 1 April
        t("2026-04-01 09:00:00", "2026-04-01 08:59:00"), // clock skew: 0 s
    ]);
    assert_eq!(
        by_day[&date("2026-03-31")],
        Effective {
            count: 1,
            total_secs: 3_599,
            max_secs: 3_599
        }
    );
    assert_eq!(
        by_day[&date("2026-04-01")],
        Effective {
            count: 3,
            total_secs: 10_800,
            max_secs: 7_200
        }
    );
}

#[test]
fn emergencies_list_incidents_and_any_downtime_nobody_wrote_up() {
    let mut log = march_log();
    log.runs[1].until = cst("2026-03-20 01:00:00");
    log.incidents.push(Incident {
        id: "EV-1".into(),
        start: cst("2026-03-10 02:59:00"),
        recovered: Some(cst("2026-03-10 03:31:00")),
        kind: EventType::System,
        cause: "断电".into(),
        fix: "恢复供电".into(),
    });
    log.incidents.push(Incident {
        id: "EV-0".into(),
        start: cst("2026-02-27 10:00:00"),
        recovered: Some(cst("2026-02-27 11:00:00")),
        kind: EventType::Network,
        cause: "二月的事".into(),
        fix: "".into(),
    });
    let f = Figures::compute(&bare(log, cst("2026-04-02 00:00:00"))).expect("figures");
    assert_eq!(f.emergencies.len(), 2, "{:?}", f.emergencies);
    assert_eq!(f.emergencies[0].cause.as_deref(), Some("断电"));
    assert_eq!(f.emergencies[1].start, cst("2026-03-20 01:00:00"));
    assert_eq!(f.emergencies[1].outage, Some(OutageKind::Stop));
    assert_eq!(f.emergencies[1].cause, None);
    assert_eq!(f.maintenance.len(), 1);
}

#[test]
fn a_detected_attack_nobody_wrote_up_is_an_emergency_and_one_written_up_is_not_twice() {
    let mut log = march_log();
    let attack = |id: &str, start: &str, end: Option<&str>| DetectedAttack {
        id: id.into(),
        start: cst(start),
        end: end.map(cst),
    };
    log.attacks = vec![
        attack(
            "20260305-0001",
            "2026-03-05 09:00:00",
            Some("2026-03-05 09:20:00"),
        ),
        attack(
            "20260312-0001",
            "2026-03-12 22:00:00",
            Some("2026-03-12 22:05:00"),
        ),
        attack("20260331-0003", "2026-03-31 23:58:00", None),
        attack(
            "20260220-0001",
            "2026-02-20 10:00:00",
            Some("2026-02-20 10:01:00"),
        ),
    ];
    log.incidents.push(Incident {
        id: "EV-2".into(),
        start: cst("2026-03-12 21:59:00"),
        recovered: Some(cst("2026-03-12 22:30:00")),
        kind: EventType::Attack,
        cause: "撞库".into(),
        fix: "封禁来源地址".into(),
    });
    let f = Figures::compute(&bare(log.clone(), cst("2026-04-02 00:00:00"))).expect("figures");
    let attacks: Vec<_> = f
        .emergencies
        .iter()
        .filter(|e| e.kind == Some(EventType::Attack))
        .map(|e| (e.start, e.recovered, e.cause.as_deref()))
        .collect();
    assert_eq!(
        attacks,
        [
            (
                cst("2026-03-05 09:00:00"),
                Some(cst("2026-03-05 09:20:00")),
                None
            ),
            (
                cst("2026-03-12 21:59:00"),
                Some(cst("2026-03-12 22:30:00")),
                Some("撞库")
            ),
            (cst("2026-03-31 23:58:00"), None, None),
        ],
        "February's is not March's; the written-up one appears once, as written"
    );
    log.attacks[0].end = Some(cst("2026-03-05 08:00:00"));
    assert!(Figures::compute(&bare(log, cst("2026-04-02 00:00:00"))).is_err());
}

#[test]
fn business_turnaround_counts_orders_returned_in_the_beijing_month() {
    let f = Figures::compute(&fixture(100)).expect("figures");
    let b = f.business.as_ref().expect("business");
    let cal = b
        .services
        .iter()
        .find(|s| s.service == ServiceType::Calibration)
        .expect("cal");
    // 3 days and 1 day; the order returned 1 April 00:10 CST (31 March UTC) is April's.
    assert_eq!(cal.returned, 2);
    close(cal.avg_turnaround_days.expect("avg"), 2.0);
    close(cal.max_turnaround_days.expect("max"), 3.0);
    assert_eq!(cal.by_state["in_progress"], 37);
    let rep = b
        .services
        .iter()
        .find(|s| s.service == ServiceType::Repair)
        .expect("repair");
    close(rep.avg_turnaround_days.expect("avg"), 10.5);
    assert_eq!((b.labels_printed, b.instruments_overdue), (1_536, 27));
}

#[test]
fn the_fixture_month_matches_its_hand_count() {
    let input = fixture(100);
    let f = Figures::compute(&input).expect("figures");
    let a = &f.current().availability;
    // Crash 03:00-03:30 (0.5 h); stop 02:05-03:40 inside maintenance 02:00-04:00.
    assert_eq!(
        (a.window_ms, a.maintenance_ms, a.down_ms),
        (hours(744.0), hours(2.0), hours(0.5))
    );
    close(
        f.current().availability.sla().expect("sla"),
        741.5 / 742.0 * 100.0,
    );
    let new: u64 = input
        .days
        .iter()
        .filter(|d| march().contains(d.date))
        .map(|d| d.registrations_new)
        .sum();
    assert_eq!(f.current().registrations_new, new);
    // Six months all in service and all up except March.
    for m in &f.months[..5] {
        close(m.availability.sla().expect("sla"), 100.0);
    }
}

#[test]
fn inconsistent_figures_are_refused() {
    let mut input = fixture(10);
    let dup = input.days[3].clone();
    input.days.push(dup);
    assert!(matches!(
        Figures::compute(&input),
        Err(ReportError::InvalidInput(_))
    ));
    let mut input = fixture(10);
    input.availability.runs[1].until = cst("2026-03-01 00:00:00");
    assert!(matches!(
        Figures::compute(&input),
        Err(ReportError::InvalidInput(_))
    ));
    let mut input = fixture(10);
    input.days[0].resolution_successes = input.days[0].resolution_requests + 1;
    assert!(matches!(
        Figures::compute(&input),
        Err(ReportError::InvalidInput(_))
    ));
}

#[test]
fn the_input_round_trips_through_json() {
    let input = fixture(10);
    let json = serde_json::to_string(&input).expect("json");
    let back: ReportInput = serde_json::from_str(&json).expect("parse");
    assert!(back == input, "the input changed on its way through JSON");
}
