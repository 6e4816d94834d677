//! Availability is measured through the real binary: a heartbeat every second (configured),
//! so after `kill -9` the outage is known from the last heartbeat to the restart, within the
//! heartbeat interval, and not stamped at the restart; a clean stop is recorded as one; the
//! probe resolves the node's prefix handle and is not counted as a client's resolution; the
//! operator's maintenance mode is declared, audited, and counted apart from outage. The SLA
//! is then computed from the node's answer by `idstation-reports`, as the monthly report does.

mod common;

use chrono::{DateTime, Utc};
use common::*;
use idstation_reports::input::{AvailabilityLog, Maintenance, Run, RunEnd};

fn node_with_heartbeat(dir: &Path) -> (PathBuf, PathBuf) {
    let data_dir = init(dir);
    let config = dir.join("node.toml");
    std::fs::write(
        &config,
        "[availability]\nheartbeat_secs = 1\nprobe_secs = 1\n[backup]\nevery_hours = 0\n\
         [escrow]\nevery_hours = 0\n",
    )
    .expect("config");
    (data_dir, config)
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("a time: {v}")))
        .unwrap_or_else(|e| panic!("{v}: {e}"))
        .with_timezone(&Utc)
}

fn availability(c: &Client, node: &Node, token: &str) -> Value {
    let (status, body) = done(
        c.get(node.url("/api/v1/stats/availability"))
            .bearer_auth(token)
            .send()
            .expect("availability"),
    );
    assert_eq!(status, 200, "{body}");
    body
}

/// The node's log as the monthly report reads it (`reports::AvailabilityLog`).
fn report_log(log: &Value) -> AvailabilityLog {
    AvailabilityLog {
        attacks: Vec::new(),
        in_service_since: log["in_service_since"]
            .as_str()
            .map(|_| time(&log["in_service_since"])),
        runs: log["runs"]
            .as_array()
            .expect("runs")
            .iter()
            .map(|r| Run {
                started: time(&r["started"]),
                until: time(&r["until"]),
                end: match r["end"].as_str() {
                    Some("stopped") => RunEnd::Stopped,
                    Some("crashed") => RunEnd::Crashed,
                    _ => RunEnd::Running,
                },
            })
            .collect(),
        maintenance: log["maintenance"]
            .as_array()
            .expect("maintenance")
            .iter()
            .map(|m| Maintenance {
                start: time(&m["start"]),
                end: if m["end"].is_null() {
                    time(&log["as_of"])
                } else {
                    time(&m["end"])
                },
                description: m["description"].as_str().unwrap_or_default().to_owned(),
            })
            .collect(),
        incidents: vec![],
    }
}

#[test]
fn a_crash_is_an_outage_from_the_last_heartbeat_and_maintenance_is_apart() {
    away_from_china_midnight(Duration::from_secs(120));
    let dir = tempfile::tempdir().expect("tempdir");
    let (data_dir, config) = node_with_heartbeat(dir.path());
    let c = client();
    let node = Node::start_with_config(&data_dir, &config);
    let token = operator_token(&c, &node);
    std::thread::sleep(Duration::from_millis(2600));

    // One run, going; the probe resolved the prefix handle every second, and no probe is
    // counted as a client's resolution.
    let log = availability(&c, &node, &token);
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1, "{log}");
    assert_eq!(runs[0]["end"], "running");
    assert_eq!(log["heartbeat_every_secs"], 1);
    let probes = &log["probes"][0];
    assert!(probes["count"].as_u64().unwrap_or(0) >= 2, "{log}");
    assert_eq!(probes["ok"], probes["count"], "{log}");
    let (status, daily) = done(
        c.get(node.url("/api/v1/stats/daily"))
            .bearer_auth(&token)
            .send()
            .expect("daily"),
    );
    assert_eq!(status, 200);
    assert_eq!(
        daily["resolution"]["count"], 0,
        "the probe counted: {daily}"
    );

    // kill -9, three seconds down, restart.
    node.kill();
    let killed = Utc::now();
    std::thread::sleep(Duration::from_secs(3));
    let node = Node::start_with_config(&data_dir, &config);
    let restarted = Utc::now();
    let token = operator_token(&c, &node);
    let log = availability(&c, &node, &token);
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 2, "{log}");
    assert_eq!(runs[0]["end"], "crashed", "{log}");
    assert_eq!(runs[1]["end"], "running");
    let last_beat = time(&runs[0]["until"]);
    let lag = killed - last_beat;
    assert!(
        lag >= chrono::Duration::zero() && lag <= chrono::Duration::milliseconds(1500),
        "the crashed run ends at its last heartbeat, within the interval of the kill: {lag}"
    );
    let outage = time(&runs[1]["started"]) - last_beat;
    assert!(
        outage >= chrono::Duration::seconds(3)
            && outage <= chrono::Duration::milliseconds(3000 + 1500 + 2000),
        "outage {outage}"
    );
    // The monitor's events: abnormal at the last heartbeat, recovered at the restart.
    let (_, daily) = done(
        c.get(node.url("/api/v1/stats/daily"))
            .bearer_auth(&token)
            .send()
            .expect("daily"),
    );
    let events = daily["events"].as_array().expect("events");
    let abnormal = events
        .iter()
        .find(|e| e["kind"] == "abnormal" && e["category"] == "system")
        .unwrap_or_else(|| panic!("no crash event: {daily}"));
    let recovered = events
        .iter()
        .find(|e| e["kind"] == "recovered" && e["category"] == "system")
        .expect("recovery");
    assert!(
        time(&recovered["at"]) - time(&abnormal["at"]) >= chrono::Duration::seconds(2),
        "the crash is dated at the last heartbeat, not at the restart: {abnormal} {recovered}"
    );

    // Maintenance mode: on (once), off (once), audited.
    let start = |c: &Client, token: &str| {
        done(
            c.post(node.url("/api/v1/maintenance"))
                .bearer_auth(token)
                .json(&json!({"description": "数据库升级"}))
                .send()
                .expect("start"),
        )
    };
    let (status, body) = start(&c, &token);
    assert_eq!(status, 201, "{body}");
    let (status, body) = start(&c, &token);
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("maintenance_on"))
    );
    assert!(body["message"].as_str().unwrap_or("").contains("维护"));
    let (status, body) = done(
        c.post(node.url("/api/v1/maintenance"))
            .bearer_auth(&token)
            .json(&json!({"description": "  "}))
            .send()
            .expect("blank"),
    );
    assert_eq!(status, 400, "{body}");
    std::thread::sleep(Duration::from_millis(1200));
    let end = |c: &Client| {
        done(
            c.post(node.url("/api/v1/maintenance/end"))
                .bearer_auth(&token)
                .send()
                .expect("end"),
        )
    };
    let (status, body) = end(&c);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["maintenance"]["ended_by"], "operator");
    let (status, _) = end(&c);
    assert_eq!(status, 404);
    let technician = {
        approved_technician(&node);
        let (_, b) = done(
            c.post(node.url("/api/v1/login"))
                .json(&json!({"username": "tech", "password": TECHNICIAN_PASSWORD}))
                .send()
                .expect("login"),
        );
        b["token"].as_str().expect("token").to_owned()
    };
    let (status, _) = start(&c, &technician);
    assert_eq!(status, 403, "maintenance is the operator's");

    // A clean stop is recorded as one, at its time.
    let log = availability(&c, &node, &token);
    node.terminate();
    let stopped = Utc::now();
    let node = Node::start_with_config(&data_dir, &config);
    let token = operator_token(&c, &node);
    let after = availability(&c, &node, &token);
    let runs = after["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 3, "{after}");
    assert_eq!(runs[1]["end"], "stopped", "{after}");
    assert!((stopped - time(&runs[1]["until"])) <= chrono::Duration::seconds(2));
    node.terminate();

    let conn = rusqlite::Connection::open(data_dir.join("node.sqlite")).expect("open");
    let actions: Vec<String> = conn
        .prepare("SELECT action FROM audit_log WHERE action LIKE 'maintenance%' ORDER BY seq")
        .and_then(|mut s| {
            s.query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()
        })
        .expect("audit");
    assert_eq!(actions, ["maintenance_start", "maintenance_end"]);
    assert!(audit_entries(&data_dir) > 2, "the chain verifies");

    // The SLA as the monthly report computes it from the node's answer (before the clean
    // stop): the outage counts, the declared maintenance is left out of the scheduled time.
    let report = report_log(&log);
    let as_of = time(&log["as_of"]);
    let first = report.runs[0].started;
    let a = idstation_reports::figures::availability(&report, as_of, first, as_of);
    let expected_down = (report.runs[1].started - report.runs[0].until).num_milliseconds();
    assert_eq!(a.down_ms, expected_down, "{a:?}");
    let maintenance = (report.maintenance[0].end - report.maintenance[0].start).num_milliseconds();
    assert!(maintenance >= 1000, "{maintenance}");
    assert_eq!(a.maintenance_ms, maintenance);
    assert_eq!(
        a.scheduled_ms,
        (as_of - first).num_milliseconds() - maintenance
    );
    let sla = a.sla().expect("sla");
    let independent = 1.0 - expected_down as f64 / a.scheduled_ms as f64;
    assert!(
        (sla - independent * 100.0).abs() < 1e-9,
        "{sla} {independent}"
    );
    assert!(sla < 100.0);
    assert!(restarted > killed);
}
