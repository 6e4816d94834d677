//! The monthly report's proof: a month of node traffic in miniature, made through the real
//! binary over HTTP and through a real workstation's sync: Handle API registrations, offline
//! registrations pushed by sync, resolutions (found, missing, phone scans, a burst), traffic
//! that is no resolution, a clean restart inside declared maintenance, a `kill -9` written up
//! as an incident, and an attack on the enterprise's identifiers from an address of its own.
//! The test keeps its own tally of what it did and when; every figure of the report (computed
//! by `idstation-reports` from the input the workstation pulls) must equal that tally, or lie
//! within the bounds the test's own clock readings put on it: the crash's outage within the
//! heartbeat interval.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use chrono::{DateTime, Utc};
use common::*;
use idstation_model::{Field, InstrumentInput};
use idstation_reports::figures::OutageKind;
use idstation_reports::{EventType, Figures, ReportInput, Scope, YearMonth};
use idstation_workstation::Workstation;

const ENTERPRISE: &str = "88.118.8";
/// Resolutions in the burst: more than any other second sees, so it is the day's peak.
const BURST: u64 = 12;

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("a time: {v}")))
        .unwrap_or_else(|e| panic!("{v}: {e}"))
        .with_timezone(&Utc)
}

fn ms(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_milliseconds()
}

fn within(what: &str, value: i64, low: i64, high: i64) {
    assert!(
        (low..=high).contains(&value),
        "{what}: {value} ms is outside [{low}, {high}]"
    );
}

/// What the test did, counted as it did it.
#[derive(Default)]
struct Tally {
    registered: u64,
    /// Resolution requests about the enterprise's identifiers, and those answered.
    resolutions: u64,
    resolved: u64,
    /// Resolution requests about prefixes no enterprise holds (the node's figures only).
    elsewhere: u64,
    /// The slowest resolution as the client saw it (the node's time is within it).
    slowest_resolution_ms: f64,
}

impl Tally {
    fn resolve(&mut self, c: &Client, url: &str, found: bool, ours: bool) {
        let started = Instant::now();
        let status = c.get(url).send().expect("resolve").status().as_u16();
        let took = started.elapsed().as_secs_f64() * 1000.0;
        self.slowest_resolution_ms = self.slowest_resolution_ms.max(took);
        assert_eq!((200..400).contains(&status), found, "{url}: {status}");
        if ours {
            self.resolutions += 1;
            self.resolved += u64::from(found);
        } else {
            self.elsewhere += 1;
        }
    }
}

fn config(dir: &Path) -> PathBuf {
    let config = dir.join("node.toml");
    std::fs::write(
        &config,
        "[availability]\nheartbeat_secs = 1\nprobe_secs = 1\n[backup]\nevery_hours = 0\n\
         [escrow]\nevery_hours = 0\n",
    )
    .expect("config");
    config
}

/// Starts the node, noting when it was asked to and when it listened.
fn start(data_dir: &Path, config: &Path) -> (Node, DateTime<Utc>, DateTime<Utc>) {
    let spawned = Utc::now();
    let node = Node::start_with_config(data_dir, config);
    (node, spawned, Utc::now())
}

fn report_input(c: &Client, node: &Node, tech: bool, month: &str) -> ReportInput {
    let req = c.get(node.url(&format!("/api/v1/sync/report-input?month={month}")));
    let req = if tech {
        req.basic_auth("tech", Some(TECHNICIAN_PASSWORD))
    } else {
        admin(req)
    };
    let (status, body) = done(req.send().expect("report input"));
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).expect("a report input")
}

fn registrations(input: &ReportInput) -> (u64, u64) {
    let new = input.days.iter().map(|d| d.registrations_new).sum();
    let total = input.days.last().map_or(0, |d| d.registrations_total);
    (new, total)
}

#[test]
fn every_figure_of_the_month_equals_what_the_traffic_made() {
    // The whole fixture lies in one China day, so in one month too; its daily events are one day.
    away_from_china_midnight(Duration::from_secs(240));
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let config = config(dir.path());
    let c = client();
    let (node, first_spawned, first_listening) = start(&data_dir, &config);
    approved_technician(&node);
    let token = operator_token(&c, &node);
    let month = YearMonth::containing(idstation_reports::time::china_date(Utc::now()));
    let m = month.to_string();
    // What the node held before the fixture (its own prefix handle): the totals grow from it.
    let (_, node_before) = registrations(&report_input(&c, &node, false, &m));
    let (_, ours_before) = registrations(&report_input(&c, &node, true, &m));
    let mut tally = Tally::default();

    // Three registrations through the Handle API: resolvable as they are stored (0 s).
    for n in 1..=3 {
        let (status, body) = done(
            admin(c.put(node.url(&format!("/api/handles/{ENTERPRISE}/FIX-{n}"))))
                .json(&json!([{"index": 1, "type": "URL", "data": format!("https://id.example.cn/fix/{n}")}]))
                .send()
                .expect("register"),
        );
        assert_eq!(status, 201, "{body}");
        tally.registered += 1;
    }

    // Four registered offline at a workstation, pushed by its next sync two seconds later.
    let mut ws = Workstation::init(&dir.path().join("ws"), ENTERPRISE, "王工").expect("init");
    ws.sync_login(&node.base, "tech", TECHNICIAN_PASSWORD, "ws")
        .expect("sign in");
    ws.sync_now(&mut |_| {}).expect("first sync");
    let before_registering = Utc::now();
    let mut minted = Vec::new();
    for name in ["数字万用表", "压力变送器", "游标卡尺", "温度校验仪"] {
        let mut i = InstrumentInput::default();
        i.set(&Field::Name, name);
        let record = ws.register_minted(&i).expect("register");
        minted.push(record.instrument.identifier.to_string());
    }
    let after_registering = Utc::now();
    std::thread::sleep(Duration::from_millis(2_100));
    let sync_sent = Utc::now();
    let pushed = ws.sync_now(&mut |_| {}).expect("sync");
    let sync_done = Utc::now();
    assert_eq!(pushed.pushed.applied, 4, "{pushed:?}");
    tally.registered += 4;

    // Resolutions: found, missing, phone scans; one about a prefix nobody holds.
    for n in 1..=3 {
        tally.resolve(
            &c,
            &node.url(&format!("/api/handles/{ENTERPRISE}/FIX-{n}")),
            true,
            true,
        );
    }
    tally.resolve(
        &c,
        &node.url(&format!("/api/handles/{}", minted[0])),
        true,
        true,
    );
    tally.resolve(&c, &node.url(&format!("/{ENTERPRISE}/FIX-2")), true, true);
    for missing in ["NOPE-1", "NOPE-2"] {
        tally.resolve(
            &c,
            &node.url(&format!("/api/handles/{ENTERPRISE}/{missing}")),
            false,
            true,
        );
    }
    tally.resolve(&c, &node.url("/api/handles/99.999/ELSEWHERE"), false, false);
    // Traffic that is no resolution.
    for path in [
        "/favicon.ico",
        "/robots.txt",
        "/metrics",
        "/api/v1/stats/daily",
    ] {
        c.get(node.url(path))
            .bearer_auth(&token)
            .send()
            .expect(path);
    }

    // The burst: BURST resolutions within one second (tried again if the machine was too slow
    // to fit one in a second). Other seconds see fewer.
    let burst_second = loop {
        let now = Utc::now();
        let next = now.timestamp() + 1;
        let wait = 1_000 - i64::from(now.timestamp_subsec_millis()) + 20;
        std::thread::sleep(Duration::from_millis(u64::try_from(wait).unwrap_or(0)));
        for _ in 0..BURST {
            tally.resolve(
                &c,
                &node.url(&format!("/api/handles/{ENTERPRISE}/FIX-1")),
                true,
                true,
            );
        }
        if Utc::now().timestamp() == next {
            break next;
        }
    };
    assert!(
        tally.resolutions - tally.resolved < BURST && tally.elsewhere < BURST,
        "the burst is the only busy second"
    );

    // Planned maintenance: declared, the node restarted cleanly inside it, then ended.
    let (status, body) = done(
        c.post(node.url("/api/v1/maintenance"))
            .bearer_auth(&token)
            .json(&json!({"description": "数据库升级"}))
            .send()
            .expect("maintenance"),
    );
    assert_eq!(status, 201, "{body}");
    let maintenance_start = time(&body["maintenance"]["start"]);
    // The figures reach the database every 5 s; a clean stop writes them at once.
    node.terminate();
    let (node, _, _) = start(&data_dir, &config);
    let token = operator_token(&c, &node);
    std::thread::sleep(Duration::from_millis(1_000));
    let (status, body) = done(
        c.post(node.url("/api/v1/maintenance/end"))
            .bearer_auth(&token)
            .send()
            .expect("end"),
    );
    assert_eq!(status, 200, "{body}");
    let maintenance_end = time(&body["maintenance"]["end"]);

    // A crash: `kill -9` after the figures were written (they are written every 5 s; what a
    // crash can lose is the last few seconds of counts, never a registration), three seconds
    // down, restarted.
    std::thread::sleep(Duration::from_millis(6_000));
    let killed = Utc::now();
    node.kill();
    std::thread::sleep(Duration::from_secs(3));
    let (node, restart_spawned, restart_listening) = start(&data_dir, &config);
    let token = operator_token(&c, &node);
    // The operator writes it up.
    let (status, body) = done(
        c.post(node.url("/api/v1/incidents"))
            .bearer_auth(&token)
            .json(&json!({
                "start": (killed - chrono::Duration::seconds(1)).to_rfc3339(),
                "recovered": (restart_listening + chrono::Duration::seconds(1)).to_rfc3339(),
                "kind": 2, "cause": "机房断电", "fix": "恢复供电后重启节点"
            }))
            .send()
            .expect("incident"),
    );
    assert_eq!(status, 201, "{body}");
    // (Events are stamped in whole seconds: the attack must begin clear of the incident.)
    std::thread::sleep(Duration::from_millis(2_500));

    // An attack on the enterprise's identifiers from an address of its own: refused writes,
    // which register nothing and resolve nothing.
    let attacker = reqwest::blocking::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("attacker");
    let attack_began = Utc::now();
    for n in 0..25 {
        let status = attacker
            .put(node.url(&format!("/api/handles/{ENTERPRISE}/STOLEN-{n}")))
            .basic_auth("intruder", Some("guess"))
            .json(&json!([{"index": 1, "type": "URL", "data": "https://evil.example"}]))
            .send()
            .expect("attack")
            .status()
            .as_u16();
        assert!(matches!(status, 401 | 403 | 429), "refused: {status}");
    }
    let attack_seen = Utc::now();

    // The enterprise's daily events: the crash (the node's fault stopped its service) and the
    // attack on its identifiers, each with an id; a recovery names the event it ends.
    let (_, daily) = done(
        c.get(node.url("/api/v1/stats/daily"))
            .basic_auth("tech", Some(TECHNICIAN_PASSWORD))
            .send()
            .expect("daily"),
    );
    let events = daily["events"].as_array().expect("events");
    let attack = events
        .iter()
        .find(|e| e["category"] == "attack")
        .unwrap_or_else(|| panic!("the attack on {ENTERPRISE} is its event: {daily}"));
    assert_eq!(
        (attack["type"].clone(), attack["prefix"].clone()),
        (json!(3), json!(ENTERPRISE))
    );
    let crash = events
        .iter()
        .find(|e| e["category"] == "system" && e["kind"] == "abnormal")
        .unwrap_or_else(|| panic!("the crash: {daily}"));
    let recovery = events
        .iter()
        .find(|e| e["category"] == "system" && e["kind"] == "recovered")
        .expect("recovery");
    assert_eq!(recovery["ends"], crash["id"], "{daily}");
    assert_eq!(
        daily["prefixes"][0]["event_ids"].as_array().map(Vec::len),
        Some(events.len())
    );

    // The report's input, as a workstation pulls it, for the enterprise and for the node.
    let ours = report_input(&c, &node, true, &m);
    let all = report_input(&c, &node, false, &m);
    assert_eq!(
        ours.scope,
        Scope::Enterprise {
            prefix: ENTERPRISE.into(),
            name: "华东计量".into()
        }
    );
    let f_ours = Figures::compute(&ours).expect("figures");
    let f_all = Figures::compute(&all).expect("figures");
    let (mo, ma) = (f_ours.current(), f_all.current());

    // Registrations: new and total, for the enterprise and the node.
    assert_eq!(mo.registrations_new, tally.registered);
    assert_eq!(ma.registrations_new, tally.registered);
    assert_eq!(mo.registrations_total, Some(ours_before + tally.registered));
    assert_eq!(
        ma.registrations_total,
        Some(node_before + tally.registered),
        "each handle counts once across the node's buckets"
    );
    for (who, f) in [("enterprise", mo), ("node", ma)] {
        let rtt = f.registration_rtt.expect("registration RTT");
        assert_eq!(rtt.count, tally.registered, "{who}");
        assert!(
            rtt.min.value <= rtt.avg_ms && rtt.avg_ms <= rtt.max.value,
            "{who}"
        );
    }

    // Resolutions: requests and successes; the node's include the unknown prefix's.
    assert_eq!(
        (mo.resolution_requests, mo.resolution_successes),
        (tally.resolutions, tally.resolved)
    );
    assert_eq!(
        (ma.resolution_requests, ma.resolution_successes),
        (tally.resolutions + tally.elsewhere, tally.resolved)
    );
    for (who, f, n) in [
        ("enterprise", mo, tally.resolutions),
        ("node", ma, tally.resolutions + tally.elsewhere),
    ] {
        let rtt = f.resolution_rtt.expect("resolution RTT");
        assert_eq!(rtt.count, n, "{who}");
        assert!(
            rtt.max.value <= tally.slowest_resolution_ms && rtt.min.value <= rtt.avg_ms,
            "{who}: the node's time lies within the client's: {rtt:?} vs {} ms",
            tally.slowest_resolution_ms
        );
        let peak = f.peak_qps.expect("peak");
        assert_eq!(peak.value, BURST as f64, "{who}: {peak:?}");
        assert_eq!(peak.at.timestamp(), burst_second, "{who}");
    }

    // Registration-to-resolvable: the API's at once, the workstation's from registering to the
    // sync that stored them (the node keeps whole seconds).
    let effective = mo.effective.expect("effective");
    assert_eq!(effective.count, tally.registered);
    assert_eq!(ma.effective.map(|e| e.count), Some(tally.registered));
    let secs: u64 = ours.days.iter().map(|d| d.effective.total_secs).sum();
    let low = 4 * (ms(after_registering, sync_sent) / 1000 - 1);
    let high = 4 * (ms(before_registering, sync_done) / 1000 + 1);
    within(
        "registration-to-resolvable seconds",
        i64::try_from(secs).expect("secs") * 1000,
        low * 1000,
        high * 1000,
    );

    // Availability: the crash is an outage from the last heartbeat (within its interval of
    // the kill) to the restart; the clean restart lies inside the declared maintenance, which
    // is not scheduled time; the window runs from entry into service to the figures' time.
    let a = &ma.availability;
    assert_eq!(
        (&a.outages, a.maintenance_ms),
        (&mo.availability.outages, mo.availability.maintenance_ms),
        "one node, one availability (taken a moment apart)"
    );
    within(
        "outage",
        a.down_ms,
        ms(killed, restart_spawned),
        ms(killed, restart_listening) + 1_000,
    );
    assert_eq!(a.outages.len(), 1, "{a:?}");
    assert_eq!(a.outages[0].kind, OutageKind::Crash);
    within(
        "maintenance",
        a.maintenance_ms,
        ms(maintenance_start, maintenance_end),
        ms(maintenance_start, maintenance_end),
    );
    within(
        "measured window",
        a.window_ms,
        ms(first_listening, all.as_of),
        ms(first_spawned, all.as_of),
    );
    let since = all.availability.in_service_since.expect("in service");
    assert_eq!(a.window_ms, ms(since, all.as_of));
    assert_eq!(a.scheduled_ms, a.window_ms - a.maintenance_ms);
    assert_eq!(a.up_ms, a.scheduled_ms - a.down_ms);
    let restart_gap: i64 = all
        .availability
        .runs
        .windows(2)
        .map(|w| ms(w[0].until, w[1].started))
        .sum::<i64>()
        - a.down_ms;
    assert!(
        restart_gap > 0 && restart_gap < a.maintenance_ms,
        "the clean restart's gap lies inside maintenance: {restart_gap} ms"
    );
    assert_eq!(
        a.operating_ms,
        a.window_ms - a.down_ms - restart_gap,
        "operating hours count running time, maintenance included"
    );
    let sla = a.sla().expect("sla");
    let independent = 100.0 * (1.0 - a.down_ms as f64 / a.scheduled_ms as f64);
    assert!((sla - independent).abs() < 1e-9, "{sla} vs {independent}");
    assert!(sla < 100.0);
    assert_eq!(
        all.availability.runs.len(),
        3,
        "{:?}",
        all.availability.runs
    );
    let probes = ma.probes.expect("probes");
    assert_eq!(probes.ok, probes.count, "every probe resolved");
    let up_secs = a.operating_ms / 1000;
    assert!(
        i64::try_from(probes.count).expect("count") <= up_secs + 3,
        "one probe a second while running: {probes:?} in {up_secs} s"
    );

    // Section 三: the maintenance as declared; the emergencies are the incident written up
    // (covering the crash, which is not listed twice) and the attack nobody wrote up, still
    // under way.
    assert_eq!(f_all.maintenance.len(), 1);
    assert_eq!(f_all.maintenance[0].description, "数据库升级");
    for (who, f) in [("enterprise", &f_ours), ("node", &f_all)] {
        let kinds: Vec<(Option<EventType>, Option<&str>)> = f
            .emergencies
            .iter()
            .map(|e| (e.kind, e.cause.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            [
                (Some(EventType::System), Some("机房断电")),
                (Some(EventType::Attack), None)
            ],
            "{who}"
        );
        let attack = &f.emergencies[1];
        within(
            "attack start",
            ms(attack_began, attack.start),
            -1_000,
            ms(attack_began, attack_seen),
        );
        assert_eq!(attack.recovered, None, "under way until a minute of quiet");
    }
    node.terminate();
    assert!(audit_entries(&data_dir) > 0, "the audit chain verifies");
}
