//! Daily figures, Prometheus metrics and events, through the real binary on loopback.

mod common;

use common::*;

fn stats(c: &Client, node: &Node, query: &str) -> (u16, Value) {
    done(
        admin(c.get(node.url(&format!("/api/v1/stats/daily{query}"))))
            .send()
            .expect("stats"),
    )
}

fn prefix_row<'a>(figures: &'a Value, prefix: &str) -> &'a Value {
    figures["prefixes"]
        .as_array()
        .expect("prefixes")
        .iter()
        .find(|p| p["prefix"] == prefix)
        .unwrap_or_else(|| panic!("no row for {prefix} in {figures}"))
}

/// Registers `username` into enterprise `prefix` (created when new) and approves it.
fn approved(c: &Client, node: &Node, username: &str, prefix: &str) {
    let (_, body) = done(
        c.post(node.url("/api/v1/accounts"))
            .json(
                &json!({"username": username, "password": "calib2026", "display_name": "张三",
                          "role": "technician", "enterprise_prefix": prefix,
                          "enterprise_name": "华东计量"}),
            )
            .send()
            .expect("register"),
    );
    let id = body["account"]["id"].as_i64().expect("id");
    let (status, _) = done(
        admin(c.post(node.url(&format!("/api/v1/accounts/{id}/approve"))))
            .send()
            .expect("approve"),
    );
    assert_eq!(status, 200);
}

#[test]
fn daily_figures_count_what_happened_and_survive_restarts() {
    away_from_china_midnight(Duration::from_secs(120));
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let c = client();
    // Enterprise 88.118.8 exists: its requests get their own figures.
    approved(&c, &node, "tech.a", "88.118.8");
    let record = json!([{"index": 1, "type": "URL", "data": "https://lab.example.cn/1"}]);
    let url = node.url("/api/handles/88.118.8/CAL-2026-000001");
    assert_eq!(
        done(admin(c.put(&url)).json(&record).send().expect("put")).0,
        201
    );
    assert_eq!(
        done(admin(c.put(&url)).json(&record).send().expect("put")).0,
        200
    );
    let other = node.url("/api/handles/88.118.9/X-1");
    assert_eq!(
        done(admin(c.put(&other)).json(&record).send().expect("put")).0,
        201
    );
    for _ in 0..3 {
        // No proxy is configured: a client naming another address is not believed.
        let forged = c.get(&url).header("X-Forwarded-For", "203.0.113.66");
        assert_eq!(done(forged.send().expect("get")).0, 200);
    }
    let missing = node.url("/api/handles/88.118.8/NOPE");
    assert_eq!(done(c.get(&missing).send().expect("get")).0, 404);

    let (status, f) = stats(&c, &node, "");
    assert_eq!(status, 200, "{f}");
    assert_eq!(f["resolution"]["count"], 4);
    assert_eq!(f["registration"]["count"], 3);
    assert!(
        f["resolution"]["max_ms"].as_f64().expect("max")
            >= f["resolution"]["min_ms"].as_f64().expect("min")
    );
    assert!(f["resolution"]["max_at"]
        .as_str()
        .expect("at")
        .ends_with("+08:00"));
    assert!(f["max_qps"].as_u64().expect("qps") >= 1);
    let row = prefix_row(&f, "88.118.8");
    assert_eq!(row["new_registrations"], 1);
    assert_eq!(row["total_registrations"], 1);
    assert_eq!(row["resolution_requests"], 4);
    assert_eq!(row["successful_responses"], 3);
    assert_eq!(row["source_ips"][0]["ip"], "127.0.0.1");
    // The four resolutions (the two PUTs are no resolution requests).
    assert_eq!(row["source_ips"][0]["requests"], 4);
    // The enterprise's own latency and busiest second (annex 2 table 2), apart from the
    // node's: its one registration (the repeated PUT changed nothing new), its four lookups.
    assert_eq!(row["resolution"]["count"], 4, "{row}");
    assert_eq!(row["registration"]["count"], 1, "{row}");
    assert!(
        (1..=4).contains(&row["max_qps"].as_u64().expect("qps")),
        "{row}"
    );
    assert!(row["max_qps_at"].as_str().expect("at").ends_with("+08:00"));
    assert_eq!(prefix_row(&f, "88.118")["resolution"]["count"], 0);

    // 88.118.9 is no enterprise: its requests count under the node's own prefix.
    assert_eq!(prefix_row(&f, "88.118")["new_registrations"], 1);
    assert_eq!(f["scope"], "node");

    // An enterprise's user sees its own prefix only, addresses cut to their network, the events
    // of its own service, and no node-wide figure (latency and peak tell of other tenants').
    let (_, mine) = done(
        c.get(node.url("/api/v1/stats/daily"))
            .basic_auth("tech.a", Some("calib2026"))
            .send()
            .expect("stats"),
    );
    let seen: Vec<&Value> = mine["prefixes"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|p| &p["prefix"])
        .collect();
    assert_eq!(seen, vec![&json!("88.118.8")]);
    assert_eq!(mine["scope"], "enterprise");
    assert_eq!(mine["prefixes"][0]["source_ips"][0]["ip"], "127.0.0.0/24");
    assert_eq!(mine["prefixes"][0]["resolution"]["count"], 4);
    for node_wide in ["resolution", "registration", "max_qps"] {
        assert!(mine.get(node_wide).is_none(), "{node_wide} in {mine}");
    }
    assert_eq!(mine["events"], json!([]), "no fault, no attack on 88.118.8");
    assert_eq!(
        done(c.get(node.url("/api/v1/stats/daily")).send().expect("anon")).0,
        401
    );

    // Bad dates are refused; a day without figures is empty, not an error.
    assert_eq!(stats(&c, &node, "?date=2026-13-01").0, 400);
    let (status, empty) = stats(&c, &node, "?date=2020-01-01");
    assert_eq!(
        (status, empty["resolution"]["count"].clone()),
        (200, json!(0))
    );

    // Prometheus text.
    let text = c
        .get(node.url("/metrics"))
        .send()
        .expect("metrics")
        .text()
        .expect("text");
    assert!(
        text.contains("idstation_requests_total{kind=\"Resolution\",status=\"200\"} 3"),
        "{text}"
    );
    assert!(text.contains("idstation_request_duration_seconds_bucket"));

    // A clean restart keeps the day's figures, and records no abnormal event.
    node.terminate();
    let node = Node::start(&data_dir);
    let (_, f) = stats(&c, &node, "");
    assert!(f["resolution"]["count"].as_u64().expect("count") >= 4);
    assert_eq!(prefix_row(&f, "88.118.8")["new_registrations"], 1);
    assert_eq!(f["events"], json!([]));

    // A kill leaves the marker behind: the next start records the unclean stop.
    drop(node);
    let node = Node::start(&data_dir);
    let (_, f) = stats(&c, &node, "");
    let events: Vec<(String, String)> = f["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().expect("k").to_owned(),
                e["category"].as_str().expect("c").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        events,
        vec![
            ("abnormal".to_owned(), "system".to_owned()),
            ("recovered".to_owned(), "system".to_owned())
        ]
    );
}

/// GB/T 35273: scanners' addresses are kept whole only for the retention period in the
/// configuration; older days keep them cut to their network.
#[test]
fn source_addresses_are_truncated_after_the_retention_period() {
    use idstation_node::monitor::DayFigures;
    use idstation_node::storage::MonitorStore;
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let figures = |ip: &str| {
        let mut f = DayFigures::default();
        let p = f.prefixes.entry("88.118".to_owned()).or_default();
        p.source_ips.insert(ip.to_owned(), 3);
        p.resolution_requests = 3;
        f
    };
    let store = idstation_node::SqliteStore::open(&data_dir).expect("open");
    let recent = (chrono::Utc::now() - chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    store
        .save_day(
            "2020-01-01",
            &figures("203.0.113.77"),
            "2020-01-02T00:00:00Z",
        )
        .expect("old day");
    store
        .save_day(&recent, &figures("198.51.100.9"), "2020-01-02T00:00:00Z")
        .expect("recent day");
    drop(store);
    let config = dir.path().join("node.toml");
    std::fs::write(&config, "[privacy]\nip_retention_days = 7\n").expect("config");
    let node = Node::start_with(&data_dir, &["--config", config.to_str().expect("path")]);
    let c = client();
    let ip_of = |day: &str| -> Value {
        let (status, f) = stats(&c, &node, &format!("?date={day}"));
        assert_eq!(status, 200, "{f}");
        prefix_row(&f, "88.118")["source_ips"][0]["ip"].clone()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while ip_of("2020-01-01") != "203.0.113.0/24" {
        assert!(
            std::time::Instant::now() < deadline,
            "the old day was not truncated"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        ip_of(&recent),
        "198.51.100.9",
        "within the retention period"
    );
}

/// What the docking guide's figures count, each a defect before: registrations through sync are
/// registrations (per prefix, with latency); the peak QPS and the source addresses are of
/// resolutions only; `/favicon.ico`, `/robots.txt` and other non-identifier paths are not
/// resolutions.
#[test]
fn the_figures_count_resolutions_and_registrations_as_the_annex_means_them() {
    away_from_china_midnight(Duration::from_secs(120));
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let c = client();
    approved_technician(&node);
    // An enterprise with no traffic today still has its row, with zeros.
    approved(&c, &node, "quiet.lab", "88.118.20");

    // A workstation registers three instruments and syncs them: three registrations of 88.118.8.
    let station = dir.path().join("station");
    let mut ws = idstation_workstation::Workstation::init(&station, "88.118.8", "王芳")
        .expect("init workstation");
    ws.sync_login(&node.base, "tech", TECHNICIAN_PASSWORD, "工作站")
        .expect("sign in");
    ws.sync_now(&mut |_| {}).expect("lease");
    let mut registered = Vec::new();
    for n in 0..3 {
        let mut input = idstation_model::InstrumentInput::default();
        input.set(&idstation_model::Field::Name, format!("数字压力计 {n}"));
        let rec = ws.register_minted(&input).expect("register");
        registered.push(rec.instrument.identifier.to_string());
    }
    ws.sync_now(&mut |_| {}).expect("sync");
    let (status, figures) = stats(&c, &node, "");
    assert_eq!(status, 200);
    let row = prefix_row(&figures, "88.118.8");
    assert_eq!(row["new_registrations"], 3, "{figures}");
    assert_eq!(row["total_registrations"], 3, "{figures}");
    assert_eq!(figures["registration"]["count"], 3, "{figures}");
    assert!(figures["registration"]["max_at"].is_string(), "{figures}");

    // Sync, sign-ins, metrics and paths that are no identifier: no resolution, no peak, no
    // source address.
    for _ in 0..20 {
        let _ = c.get(node.url("/metrics")).send().expect("metrics");
    }
    for path in [
        "/favicon.ico",
        "/robots.txt",
        "/index.html",
        "/wp-login.php",
    ] {
        let _ = c.get(node.url(path)).send().expect("crawler");
    }
    let (_, figures) = stats(&c, &node, "");
    assert_eq!(figures["resolution"]["count"], 0, "{figures}");
    assert_eq!(figures["max_qps"], 0, "{figures}");
    let row = prefix_row(&figures, "88.118.8");
    assert_eq!(row["source_ips"], json!([]), "{figures}");

    // Resolutions are: the Handle API and a phone's scan of a label.
    let handle = &registered[0];
    let (status, _) = done(
        c.get(node.url(&format!("/api/handles/{handle}")))
            .send()
            .expect("resolve"),
    );
    assert_eq!(status, 200);
    let _ = c.get(node.url(&format!("/{handle}"))).send().expect("scan");
    let (_, figures) = stats(&c, &node, "");
    assert_eq!(figures["resolution"]["count"], 2, "{figures}");
    let peak = figures["max_qps"].as_u64().unwrap_or(0);
    assert!((1..=2).contains(&peak), "{figures}");
    let row = prefix_row(&figures, "88.118.8");
    assert_eq!(row["resolution_requests"], 2, "{figures}");
    assert_eq!(row["source_ips"][0]["requests"], 2, "{figures}");
    let quiet = prefix_row(&figures, "88.118.20");
    assert_eq!(
        (&quiet["new_registrations"], &quiet["resolution_requests"]),
        (&json!(0), &json!(0)),
        "{figures}"
    );
}

/// Behind a configured reverse proxy the figures count the client it names; the header of any
/// other peer, or a client's own forged hop left of the proxy's, is not believed.
#[test]
fn a_trusted_proxy_names_the_client_and_nobody_else_does() {
    away_from_china_midnight(Duration::from_secs(120));
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let config = dir.path().join("node.toml");
    std::fs::write(&config, "[proxy]\ntrusted = [\"127.0.0.0/8\", \"::1\"]\n").expect("config");
    let node = Node::start_with_config(&data_dir, &config);
    let c = client();
    approved(&c, &node, "tech.a", "88.118.8");
    let record = json!([{"index": 1, "type": "URL", "data": "https://lab.example.cn/1"}]);
    let url = node.url("/api/handles/88.118.8/CAL-2026-000001");
    assert_eq!(
        done(admin(c.put(&url)).json(&record).send().expect("put")).0,
        201
    );
    let through = |h: &str, v: &str| done(c.get(&url).header(h, v).send().expect("get")).0;
    assert_eq!(through("X-Forwarded-For", "198.51.100.20"), 200);
    // The client wrote its own X-Forwarded-For; the proxy appended the address it saw.
    assert_eq!(through("X-Forwarded-For", "1.2.3.4, 198.51.100.20"), 200);
    assert_eq!(
        through("Forwarded", "for=\"[2001:db8::5]:443\";proto=https"),
        200
    );
    let (_, f) = stats(&c, &node, "");
    let ips: Vec<(String, u64)> = prefix_row(&f, "88.118.8")["source_ips"]
        .as_array()
        .expect("ips")
        .iter()
        .map(|e| {
            (
                e["ip"].as_str().expect("ip").to_owned(),
                e["requests"].as_u64().expect("n"),
            )
        })
        .collect();
    assert_eq!(
        ips,
        vec![
            ("198.51.100.20".to_owned(), 2),
            ("2001:db8::5".to_owned(), 1)
        ],
        "{f}"
    );
    node.terminate();
    // A bad entry in the file stops the node with a clear message, before it serves.
    std::fs::write(&config, "[proxy]\ntrusted = [\"nginx\"]\n").expect("config");
    let out = std::process::Command::new("timeout")
        .arg("30")
        .arg(node_bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data_dir)
        .arg("--config")
        .arg(&config)
        .output()
        .expect("run the node");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("proxy.trusted: nginx is no address"),
        "{stderr}"
    );
}
