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

#[test]
fn daily_figures_count_what_happened_and_survive_restarts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let c = client();
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
        assert_eq!(done(c.get(&url).send().expect("get")).0, 200);
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
    assert_eq!(row["source_ips"][0]["requests"], 6);

    // An enterprise's user sees its own prefix only.
    let (_, body) = done(
        c.post(node.url("/api/v1/accounts"))
            .json(
                &json!({"username": "tech.a", "password": "calib2026", "display_name": "张三",
                          "role": "technician", "enterprise_prefix": "88.118.8",
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
