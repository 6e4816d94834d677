//! The real `idstation-node` binary on loopback, driven over HTTP.

mod common;

use common::*;

fn record() -> Value {
    json!([
        {"index": 1, "type": "URL", "data": "https://example.cn/cal/CAL-2026-000123"},
        {"index": "2", "type": "EMAIL", "data": {"format": "string", "value": "lab@example.cn"}},
        {"index": 2001, "type": "name", "data": "数显卡尺", "ttl": 3600}
    ])
}

#[test]
fn handle_lifecycle_over_http() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let c = client();
    let h = "88.118.8/CAL-2026-000123";
    let url = node.url(&format!("/api/handles/{h}"));

    // Unknown before it is created.
    let (status, body) = done(c.get(&url).send().expect("get"));
    assert_eq!((status, body["responseCode"].clone()), (404, json!(100)));

    // Create.
    let (status, body) = done(
        admin(c.put(format!("{url}?overwrite=false")))
            .json(&record())
            .send()
            .expect("put"),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body, json!({"responseCode": 1, "handle": h}));

    // Read: object-form data, defaults filled in.
    let (status, body) = done(c.get(&url).send().expect("get"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["responseCode"], 1);
    assert_eq!(body["handle"], h);
    let values = body["values"].as_array().expect("values");
    assert_eq!(values.len(), 3);
    assert_eq!(
        values[0]["data"],
        json!({"format": "string", "value": "https://example.cn/cal/CAL-2026-000123"})
    );
    assert_eq!(values[0]["ttl"], 86400);
    assert!(values[0]["timestamp"]
        .as_str()
        .expect("timestamp")
        .ends_with('Z'));
    assert_eq!(values[1]["index"], 2);
    assert_eq!(values[2]["data"]["value"], "数显卡尺");
    assert_eq!(values[2]["ttl"], 3600);

    // The %2F form and a lower-case minted suffix name the same handle.
    for path in [
        "/api/handles/88.118.8%2FCAL-2026-000123",
        "/api/handles/88.118.8/cal-2026-000123",
    ] {
        let (status, other) = done(c.get(node.url(path)).send().expect("get"));
        assert_eq!(status, 200, "{path}");
        assert_eq!(other, body, "{path}");
    }

    // index/type filters, OR-ed.
    let (_, filtered) = done(
        c.get(format!("{url}?index=1&type=EMAIL"))
            .send()
            .expect("get"),
    );
    let got: Vec<_> = filtered["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| v["index"].clone())
        .collect();
    assert_eq!(got, vec![json!(1), json!(2)]);
    let (status, none) = done(c.get(format!("{url}?index=9")).send().expect("get"));
    assert_eq!((status, none["responseCode"].clone()), (200, json!(200)));

    // overwrite=false on an existing handle.
    let (status, body) = done(
        admin(c.put(format!("{url}?overwrite=false")))
            .json(&record())
            .send()
            .expect("put"),
    );
    assert_eq!((status, body["responseCode"].clone()), (409, json!(101)));

    // Modify one index; the others stay.
    let (status, body) = done(
        admin(c.put(format!("{url}?index=1&overwrite=true")))
            .json(
                &json!({"values": [{"index": 1, "type": "URL", "data": "https://example.cn/new"}]}),
            )
            .send()
            .expect("put"),
    );
    assert_eq!((status, body["responseCode"].clone()), (200, json!(1)));
    let (_, body) = done(c.get(&url).send().expect("get"));
    assert_eq!(body["values"].as_array().expect("values").len(), 3);
    assert_eq!(body["values"][0]["data"]["value"], "https://example.cn/new");

    // Delete one value.
    let (status, body) = done(
        admin(c.delete(format!("{url}?index=2")))
            .send()
            .expect("del"),
    );
    assert_eq!((status, body["responseCode"].clone()), (200, json!(1)));
    let (_, body) = done(c.get(&url).send().expect("get"));
    let indexes: Vec<_> = body["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| v["index"].clone())
        .collect();
    assert_eq!(indexes, vec![json!(1), json!(2001)]);
    let (status, body) = done(
        admin(c.delete(format!("{url}?index=2")))
            .send()
            .expect("del"),
    );
    assert_eq!((status, body["responseCode"].clone()), (400, json!(200)));

    // Delete the handle.
    let (status, body) = done(admin(c.delete(&url)).send().expect("del"));
    assert_eq!((status, body["responseCode"].clone()), (200, json!(1)));
    let (status, body) = done(c.get(&url).send().expect("get"));
    assert_eq!(status, 404);
    assert_eq!(body["responseCode"], 100);
    assert_eq!(body["handle"], h);
    assert!(body["message"].is_string());
    let (status, body) = done(admin(c.delete(&url)).send().expect("del"));
    assert_eq!((status, body["responseCode"].clone()), (404, json!(100)));

    // init, create, modify, delete a value, delete the handle; refused writes leave no entry.
    // (init writes two: the prefix handle and the operator account.)
    assert_eq!(audit_entries(&data_dir), 6);
}

#[test]
fn bad_requests_get_the_right_code_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let c = client();
    let url = node.url("/api/handles/88.118/KEEP-1");
    let (status, _) = done(admin(c.put(&url)).json(&record()).send().expect("put"));
    assert_eq!(status, 201);
    let (_, before) = done(c.get(&url).send().expect("get"));
    let changed = json!([{"index": 1, "type": "URL", "data": "https://evil.example/"}]);

    // Invalid handles: no suffix, not under 88, bad prefix handle.
    for path in ["88.118", "99.1/A", "abc/A", "0.NA/xyz"] {
        let (status, body) = done(
            c.get(node.url(&format!("/api/handles/{path}")))
                .send()
                .expect("get"),
        );
        assert_eq!(
            (status, body["responseCode"].clone()),
            (400, json!(102)),
            "{path}"
        );
    }
    let (status, body) = done(
        admin(c.put(node.url("/api/handles/88.118")))
            .json(&changed)
            .send()
            .expect("put"),
    );
    assert_eq!((status, body["responseCode"].clone()), (400, json!(102)));

    // No auth, wrong secret, wrong user.
    let (status, body) = done(c.put(&url).json(&changed).send().expect("put"));
    assert_eq!((status, body["responseCode"].clone()), (401, json!(402)));
    let (status, body) = done(c.delete(&url).send().expect("del"));
    assert_eq!((status, body["responseCode"].clone()), (401, json!(402)));
    let (status, body) = done(
        c.put(&url)
            .basic_auth(format!("300:0.NA/{PREFIX}"), Some("wrong"))
            .json(&changed)
            .send()
            .expect("put"),
    );
    assert_eq!((status, body["responseCode"].clone()), (403, json!(403)));
    let (status, _) = done(
        c.delete(&url)
            .basic_auth("300:0.NA/88.119", Some(SECRET))
            .send()
            .expect("del"),
    );
    assert_eq!(status, 403);

    // Handles outside the node's prefix (88.1180 is not under 88.118).
    for other in ["88.119/A", "88.1180/A", "88.1/A"] {
        let (status, body) = done(
            admin(c.put(node.url(&format!("/api/handles/{other}"))))
                .json(&changed)
                .send()
                .expect("put"),
        );
        assert_eq!(
            (status, body["responseCode"].clone()),
            (400, json!(301)),
            "{other}"
        );
    }

    // Malformed JSON and invalid values.
    for bad in [
        "{not json",
        "[]",
        r#"[{"index": 1, "type": "URL"}]"#,
        r#"[{"index": -1, "type": "URL", "data": "x"}]"#,
        r#"[{"index": 1, "type": "URL", "data": {"format": "hex", "value": "zz"}}]"#,
    ] {
        let (status, body) = done(
            admin(c.put(&url))
                .header("content-type", "application/json")
                .body(bad)
                .send()
                .expect("put"),
        );
        assert_eq!(
            (status, body["responseCode"].clone()),
            (400, json!(202)),
            "{bad}"
        );
    }

    // Oversized body.
    let huge = json!([{"index": 1, "type": "URL", "data": "x".repeat(2 * 1024 * 1024)}]);
    // On its own connection: the server answers without reading the body, then closes it.
    let (status, body) = done(admin(client().put(&url)).json(&huge).send().expect("put"));
    assert_eq!(
        (status, body["responseCode"].clone(), body["handle"].clone()),
        (413, json!(202), json!("88.118/KEEP-1")),
        "{body}"
    );

    // Prefix handles are not writable through the API.
    let (status, body) = done(
        admin(c.put(node.url(&format!("/api/handles/0.NA/{PREFIX}"))))
            .json(&changed)
            .send()
            .expect("put"),
    );
    assert_eq!((status, body["responseCode"].clone()), (403, json!(400)));

    let (_, after) = done(c.get(&url).send().expect("get"));
    assert_eq!(after, before, "rejected requests changed the handle");
    assert_eq!(
        audit_entries(&data_dir),
        3,
        "rejected requests were audited (init writes two entries, the create one)"
    );
}

#[test]
fn percent_encoded_basic_user_is_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::start(&init(dir.path()));
    let (status, body) = done(
        client()
            .put(node.url("/api/handles/88.118.8/PYHANDLE-1?overwrite=false"))
            .basic_auth(
                format!("300%3A0.NA%2F{PREFIX}"),
                Some("correct%20horse%20battery%20staple"),
            )
            .json(&json!([
                {"index": 1, "type": "URL", "data": "https://example.cn/"},
                {"index": "100", "type": "HS_ADMIN", "data": {"format": "admin", "value": {"handle": "0.NA/88.118", "index": "300", "permissions": "011111110011"}}}
            ]))
            .send()
            .expect("put"),
    );
    assert_eq!(
        (status, body["responseCode"].clone()),
        (201, json!(1)),
        "{body}"
    );
}

#[test]
fn prefix_handle_shows_hs_admin_publicly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::start(&init(dir.path()));
    let (status, body) = done(
        client()
            .get(node.url(&format!("/api/handles/0.NA/{PREFIX}")))
            .send()
            .expect("get"),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["responseCode"], 1);
    assert_eq!(body["handle"], format!("0.NA/{PREFIX}"));
    let v = &body["values"][0];
    assert_eq!(v["index"], 100);
    assert_eq!(v["type"], "HS_ADMIN");
    assert_eq!(
        v["data"],
        json!({"format": "admin", "value": {"handle": "0.NA/88.118", "index": 300, "permissions": "011111110011"}})
    );
}

#[test]
fn writes_survive_a_restart_and_a_kill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let c = client();
    let path = "/api/handles/88.118/DURABLE-1";

    let node = Node::start(&data_dir);
    let (status, _) = done(
        admin(c.put(node.url(path)))
            .json(&record())
            .send()
            .expect("put"),
    );
    assert_eq!(status, 201);
    node.terminate();

    let node = Node::start(&data_dir);
    let (status, body) = done(c.get(node.url(path)).send().expect("get"));
    assert_eq!(
        (status, body["values"].as_array().map(Vec::len)),
        (200, Some(3))
    );
    let changed = json!([{"index": 1, "type": "URL", "data": "https://example.cn/after"}]);
    let (status, _) = done(
        admin(c.put(node.url(path)))
            .json(&changed)
            .send()
            .expect("put"),
    );
    assert_eq!(status, 200);
    drop(node); // SIGKILL: an acknowledged write must survive it too.

    let node = Node::start(&data_dir);
    let (_, body) = done(c.get(node.url(path)).send().expect("get"));
    assert_eq!(
        body["values"],
        json!([{
            "index": 1, "type": "URL",
            "data": {"format": "string", "value": "https://example.cn/after"},
            "ttl": 86400, "timestamp": body["values"][0]["timestamp"].clone()
        }])
    );
}

#[test]
fn init_refuses_to_run_twice_and_bad_prefixes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let again = Command::new(BIN)
        .args(["init", "--data-dir"])
        .arg(&data_dir)
        .args(["--prefix", PREFIX])
        .env("IDSTATION_NODE_ADMIN_SECRET", "other")
        .output()
        .expect("run init");
    assert!(!again.status.success());
    let bad = Command::new(BIN)
        .args(["init", "--data-dir"])
        .arg(dir.path().join("other"))
        .args(["--prefix", "12.3"])
        .env("IDSTATION_NODE_ADMIN_SECRET", SECRET)
        .output()
        .expect("run init");
    assert!(!bad.status.success());
}

/// The worker threads share one listening socket, so a second node on the same port fails
/// to start instead of quietly taking part of the traffic.
#[test]
fn a_second_node_on_a_taken_port_does_not_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = Node::start(&init(&dir.path().join("one")));
    let port = first.base.rsplit(':').next().expect("port").to_owned();
    let second = Node::try_start(&init(&dir.path().join("two")), &format!("127.0.0.1:{port}"));
    assert!(second.is_none(), "a second node started on port {port}");
    let (status, _) = done(
        client()
            .get(first.url("/api/handles/0.NA/88.118"))
            .send()
            .expect("get"),
    );
    assert_eq!(status, 200);
}

#[test]
fn serves_on_ipv6_loopback() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    // Required, never skipped (a skip would count as a pass): IPv6 is a floor of the standards,
    // and a machine without an IPv6 loopback cannot show the node meets it.
    assert_ipv6_loopback();
    let node = Node::try_start(&data_dir, "[::1]:0").expect("the node listens on [::1]");
    assert!(node.base.starts_with("http://[::1]:"), "{}", node.base);
    let (status, body) = done(
        client()
            .get(node.url(&format!("/api/handles/0.NA/{PREFIX}")))
            .send()
            .expect("get over IPv6"),
    );
    assert_eq!((status, body["responseCode"].clone()), (200, json!(1)));
}

#[test]
fn answers_http_1_0() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::start(&init(dir.path()));
    let addr = node.base.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(stream, "GET /api/handles/0.NA/{PREFIX} HTTP/1.0\r\n\r\n").expect("send");
    let mut response = String::new();
    // HTTP/1.0 without keep-alive: the server closes the connection after the response.
    stream
        .read_to_string(&mut response)
        .expect("read until close");
    assert!(response.starts_with("HTTP/1.0 200"), "{response}");
    assert!(response.contains("HS_ADMIN"), "{response}");
}

#[test]
fn unspecified_ipv6_address_is_dual_stack() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    assert_ipv6_loopback();
    let node = Node::try_start(&data_dir, "[::]:0").expect("the node listens on [::]");
    let port = node.base.rsplit(':').next().expect("port").to_owned();
    let c = client();
    for host in ["127.0.0.1", "[::1]"] {
        let url = format!("http://{host}:{port}/api/handles/0.NA/{PREFIX}");
        let resp = c.get(&url).send().unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(resp.status().as_u16(), 200, "{url}");
    }
}

#[test]
fn repeated_wrong_secrets_are_throttled_with_the_handle_codes_and_a_retry_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::start(&init(dir.path()));
    let c = client();
    let url = node.url("/api/handles/88.118/THROTTLE-1");
    let mut answers = Vec::new();
    for _ in 0..20 {
        let resp = c
            .put(&url)
            .basic_auth(format!("300:0.NA/{PREFIX}"), Some("wrong"))
            .json(&json!([{"index": 1, "type": "URL", "data": "https://example.cn/"}]))
            .send()
            .expect("put");
        let retry_after = resp.headers().get("retry-after").cloned();
        let (status, body) = done(resp);
        if status == 429 {
            // Throttled: still the Handle envelope, authentication failed, and when to retry.
            assert_eq!(
                (body["responseCode"].clone(), body["handle"].clone()),
                (json!(403), json!("88.118/THROTTLE-1")),
                "{body}"
            );
            let seconds: u64 = retry_after
                .expect("a Retry-After header")
                .to_str()
                .expect("text")
                .parse()
                .expect("seconds");
            assert!(seconds >= 1, "{seconds}");
            break;
        }
        answers.push((status, body["responseCode"].clone()));
    }
    assert!(
        !answers.is_empty() && answers.iter().all(|a| *a == (403, json!(403))),
        "wrong secrets before the throttle: {answers:?}"
    );
    assert!(
        answers.len() < 20,
        "never throttled after {} tries",
        answers.len()
    );
    // Nothing was written.
    let (status, body) = done(c.get(&url).send().expect("get"));
    assert_eq!((status, body["responseCode"].clone()), (404, json!(100)));
}
