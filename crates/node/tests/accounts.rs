//! Tenants, accounts and approval, devices and leases, HTTPS and the configuration file — all
//! through the real binary on loopback.

mod common;

use common::*;

fn post(c: &Client, node: &Node, path: &str, body: Value) -> (u16, Value) {
    done(c.post(node.url(path)).json(&body).send().expect("post"))
}

fn bearer(req: RequestBuilder, token: &str) -> RequestBuilder {
    req.bearer_auth(token)
}

fn login(c: &Client, node: &Node, user: &str, password: &str) -> (u16, Value) {
    post(
        c,
        node,
        "/api/v1/login",
        json!({"username": user, "password": password}),
    )
}

fn token(c: &Client, node: &Node, user: &str, password: &str) -> String {
    let (status, body) = login(c, node, user, password);
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().expect("token").to_owned()
}

fn registration(user: &str, enterprise: &str, name: Option<&str>, role: &str) -> Value {
    json!({
        "username": user,
        "password": "calib2026",
        "display_name": "李伟",
        "role": role,
        "enterprise_prefix": enterprise,
        "enterprise_name": name,
    })
}

/// Registers and approves an account; returns its token.
fn approved(c: &Client, node: &Node, op: &str, user: &str, enterprise: &str, role: &str) -> String {
    let (status, body) = post(
        c,
        node,
        "/api/v1/accounts",
        registration(user, enterprise, Some("某计量公司"), role),
    );
    assert_eq!(status, 201, "{body}");
    let id = body["account"]["id"].as_i64().expect("id");
    let (status, body) = done(
        bearer(
            c.post(node.url(&format!("/api/v1/accounts/{id}/approve"))),
            op,
        )
        .send()
        .expect("approve"),
    );
    assert_eq!(status, 200, "{body}");
    token(c, node, user, "calib2026")
}

#[test]
fn an_account_can_do_nothing_until_the_operator_approves_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let c = client();

    let (status, body) = post(
        &c,
        &node,
        "/api/v1/accounts",
        registration("li.wei", "88.118.8", Some("华东计量"), "enterprise_admin"),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["account"]["status"], "pending");
    let id = body["account"]["id"].as_i64().expect("id");

    // Pending: sign-in is refused with a clear reason, and so is a Handle write.
    let (status, body) = login(&c, &node, "li.wei", "calib2026");
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("account_pending"))
    );
    assert!(body["message"].as_str().expect("zh").contains("待审核"));
    let url = node.url("/api/handles/88.118.8/CAL-2026-000001");
    let record = json!([{"index": 1, "type": "URL", "data": "https://lab.example.cn/1"}]);
    let (status, body) = done(
        c.put(&url)
            .basic_auth("li.wei", Some("calib2026"))
            .json(&record)
            .send()
            .expect("put"),
    );
    assert_eq!((status, body["responseCode"].clone()), (403, json!(400)));
    assert!(body["message"]
        .as_str()
        .expect("message")
        .contains("approval"));

    // Only the operator sees and decides pending accounts.
    let op = operator_token(&c, &node);
    let (status, body) = done(
        bearer(c.get(node.url("/api/v1/accounts?status=pending")), &op)
            .send()
            .expect("list"),
    );
    assert_eq!(status, 200);
    assert_eq!(body["accounts"].as_array().expect("list").len(), 1);
    let (status, body) = done(
        bearer(
            c.post(node.url(&format!("/api/v1/accounts/{id}/approve"))),
            &op,
        )
        .json(&json!({"note": "资质已核验"}))
        .send()
        .expect("approve"),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["status"], "active");
    assert_eq!(body["account"]["decided_by"], "operator");
    let (status, body) = done(
        bearer(
            c.post(node.url(&format!("/api/v1/accounts/{id}/approve"))),
            &op,
        )
        .send()
        .expect("approve again"),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("already_decided"))
    );

    // Approved: the enterprise is active, sign-in works, Handle writes under its prefix work.
    let t = token(&c, &node, "li.wei", "calib2026");
    let (_, me) = done(
        bearer(c.get(node.url("/api/v1/me")), &t)
            .send()
            .expect("me"),
    );
    assert_eq!(me["enterprise_prefix"], "88.118.8");
    assert_eq!(me["role"], "enterprise_admin");
    let (_, list) = done(
        bearer(c.get(node.url("/api/v1/enterprises")), &t)
            .send()
            .expect("enterprises"),
    );
    assert_eq!(list["enterprises"][0]["status"], "active");
    let (status, body) = done(bearer(c.put(&url), &t).json(&record).send().expect("put"));
    assert_eq!(status, 201, "{body}");

    // Sign-out revokes the token.
    let (status, _) = done(
        bearer(c.post(node.url("/api/v1/logout")), &t)
            .send()
            .expect("out"),
    );
    assert_eq!(status, 204);
    let (status, body) = done(
        bearer(c.get(node.url("/api/v1/me")), &t)
            .send()
            .expect("me"),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("token_expired"))
    );

    // Registration, refused sign-in, approval, sign-ins, the write, sign-out: all in the chain.
    let store = idstation_node::SqliteStore::open(&data_dir).expect("open");
    let entries = store.verify_audit().expect("chain intact");
    // init (2) + enterprise_apply + account_register + login_refused (sign-in) +
    // login_refused (the Handle write's Basic credentials) + login (operator) +
    // password_change (the operator's first) + account_approve + enterprise_approve + login +
    // create + logout.
    assert_eq!(entries, 14);
}

#[test]
fn one_enterprise_never_reaches_anothers_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let c = client();
    let op = operator_token(&c, &node);
    let a = approved(&c, &node, &op, "tech.a", "88.118.8", "technician");
    let b = approved(&c, &node, &op, "tech.b", "88.118.9", "technician");
    let b_admin = approved(&c, &node, &op, "admin.b", "88.118.9", "enterprise_admin");
    let reviewer = approved(&c, &node, &op, "rev.a", "88.118.8", "reviewer");

    // Devices are registered for one's own enterprise only.
    let (status, body) = done(
        bearer(c.post(node.url("/api/v1/devices")), &a)
            .json(&json!({"name": "计量室 1 号工作站"}))
            .send()
            .expect("device"),
    );
    assert_eq!(status, 201, "{body}");
    let device_a = body["device"]["id"].as_str().expect("id").to_owned();
    assert_eq!(body["device"]["enterprise_prefix"], "88.118.8");
    let (status, _) = done(
        bearer(c.post(node.url("/api/v1/devices")), &b)
            .json(&json!({"name": "x", "enterprise_prefix": "88.118.8"}))
            .send()
            .expect("device"),
    );
    assert_eq!(status, 403);

    // B cannot lease on A's device, see its leases, or its devices.
    let (status, _) = done(
        bearer(c.post(node.url("/api/v1/leases")), &b)
            .json(&json!({"device_id": device_a, "count": 10}))
            .send()
            .expect("lease"),
    );
    assert_eq!(status, 404);
    let (status, _) = done(
        bearer(
            c.get(node.url(&format!("/api/v1/devices/{device_a}/leases"))),
            &b,
        )
        .send()
        .expect("leases"),
    );
    assert_eq!(status, 404);
    let (_, devices) = done(
        bearer(c.get(node.url("/api/v1/devices")), &b_admin)
            .send()
            .expect("d"),
    );
    assert_eq!(devices["devices"].as_array().expect("list").len(), 0);
    let (_, accounts) = done(
        bearer(c.get(node.url("/api/v1/accounts")), &b_admin)
            .send()
            .expect("accounts"),
    );
    let names: Vec<&str> = accounts["accounts"]
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["username"].as_str().expect("name"))
        .collect();
    assert_eq!(names, vec!["tech.b", "admin.b"]);
    let (status, _) = done(
        bearer(c.get(node.url("/api/v1/accounts")), &a)
            .send()
            .expect("a"),
    );
    assert_eq!(status, 403, "technicians list no accounts");

    // Handle writes: own prefix yes, the other enterprise's and the node's own no; reviewers none.
    let record = json!([{"index": 1, "type": "URL", "data": "https://lab.example.cn/x"}]);
    let put = |token: &str, handle: &str| {
        done(
            bearer(c.put(node.url(&format!("/api/handles/{handle}"))), token)
                .json(&record)
                .send()
                .expect("put"),
        )
    };
    assert_eq!(put(&a, "88.118.8/A-1").0, 201);
    for (who, handle) in [
        (&b, "88.118.8/B-1"),
        (&a, "88.118.9/A-2"),
        (&a, "88.118/A-3"),
        (&reviewer, "88.118.8/R-1"),
    ] {
        let (status, body) = put(who, handle);
        assert_eq!(
            (status, body["responseCode"].clone()),
            (403, json!(400)),
            "{handle}"
        );
    }
    let (status, _) = done(
        bearer(c.delete(node.url("/api/handles/88.118.8/A-1")), &b)
            .send()
            .expect("delete"),
    );
    assert_eq!(status, 403);
    let (status, _) = done(
        c.get(node.url("/api/handles/88.118.8/A-1"))
            .send()
            .expect("get"),
    );
    assert_eq!(status, 200, "B's refused delete changed nothing");
}

#[test]
fn leases_never_overlap_and_bad_requests_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let c = client();
    let op = operator_token(&c, &node);
    let t = approved(&c, &node, &op, "tech.a", "88.118.8", "technician");
    let device = |name: &str| {
        let (status, body) = done(
            bearer(c.post(node.url("/api/v1/devices")), &t)
                .json(&json!({ "name": name }))
                .send()
                .expect("device"),
        );
        assert_eq!(status, 201, "{body}");
        body["device"]["id"].as_str().expect("id").to_owned()
    };
    let (d1, d2) = (device("一号机"), device("二号机"));
    let lease = |d: &str, count: u64| {
        done(
            bearer(c.post(node.url("/api/v1/leases")), &t)
                .json(&json!({"device_id": d, "count": count, "series": "CAL-2026"}))
                .send()
                .expect("lease"),
        )
    };
    let mut leased: Vec<(u64, u64)> = Vec::new();
    for (d, count) in [(&d1, 100), (&d2, 50), (&d1, 1), (&d2, 10_000)] {
        let (status, body) = lease(d, count);
        assert_eq!(status, 201, "{body}");
        let l: idstation_model::SuffixLease =
            serde_json::from_value(body["lease"].clone()).expect("lease");
        assert_eq!(l.len(), count);
        assert_eq!(l.prefix, "88.118.8");
        // Two ranges are apart when one ends before the other starts (a lease nested inside
        // another, or one sharing a single number, overlaps).
        assert!(l.first <= l.last);
        for (first, last) in &leased {
            assert!(
                l.last < *first || l.first > *last,
                "{}..={} overlaps {first}..={last}",
                l.first,
                l.last
            );
        }
        leased.push((l.first, l.last));
        let first = l.handle(l.first).expect("in lease").expect("handle");
        assert!(first.to_string().starts_with("88.118.8/CAL-2026-"));
    }
    // Restarting the node keeps the counter: the next lease continues after the last. Stopped
    // cleanly: after a kill the node records the crash as monitoring events, which reach the
    // audit chain at its next flush, seconds later, inside the count below (seen in CI).
    node.terminate();
    let node = Node::start(&data_dir);
    let (status, body) = done(
        bearer(c.post(node.url("/api/v1/leases")), &t)
            .json(&json!({"device_id": d1, "count": 5, "series": "CAL-2026"}))
            .send()
            .expect("lease"),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["lease"]["first"], 10_152);

    let before = audit_entries(&data_dir);
    let bad_leases = [
        json!({"device_id": d1, "count": 0}),
        json!({"device_id": d1, "count": 10_001}),
        json!({"device_id": d1, "count": 5, "series": "cal-2026"}),
        json!({"device_id": d1, "count": 5, "width": 0}),
        json!({"device_id": "no-such-device", "count": 5}),
        json!({"count": 5}),
    ];
    for bad in bad_leases {
        let (status, body) = done(
            bearer(c.post(node.url("/api/v1/leases")), &t)
                .json(&bad)
                .send()
                .expect("lease"),
        );
        assert!(status == 400 || status == 404, "{bad}: {status} {body}");
        assert!(body["message"].is_string() && body["message_en"].is_string());
    }
    let bad_registrations = [
        registration("x y", "88.118.8", None, "technician"),
        json!({"username": "weak.pw", "password": "short", "display_name": "王",
               "role": "technician", "enterprise_prefix": "88.118.8"}),
        registration("new.lab", "88.118.77", None, "technician"),
        registration("op.wannabe", "88.118.8", None, "operator"),
        registration("tech.a", "88.118.8", None, "technician"),
        registration("far.away", "88.119.8", Some("x"), "technician"),
    ];
    for bad in bad_registrations {
        let (status, body) = post(&c, &node, "/api/v1/accounts", bad.clone());
        assert!(status == 400 || status == 409, "{bad}: {status} {body}");
    }
    let (status, body) = done(
        c.post(node.url("/api/v1/accounts"))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .expect("post"),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_input"))
    );
    let (status, body) = login(&c, &node, "tech.a", "wrong-password1");
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("wrong_credentials"))
    );
    let (status, _) = login(&c, &node, "nobody", "wrong-password1");
    assert_eq!(status, 401);
    // Only the refused sign-in of an existing account was written (audited); an unknown name
    // writes nothing, so strangers cannot grow the append-only log.
    assert_eq!(audit_entries(&data_dir), before + 1);
}

#[test]
fn a_removed_audit_tail_is_detected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let c = client();
    token(&c, &node, "operator", SECRET);
    node.terminate();
    assert_eq!(audit_entries(&data_dir), 3);
    let conn = rusqlite::Connection::open(data_dir.join("node.sqlite")).expect("open");
    conn.execute("DELETE FROM audit_log WHERE seq = 3", [])
        .expect("truncate");
    drop(conn);
    let verdict = idstation_node::SqliteStore::open(&data_dir)
        .expect("open")
        .verify_audit();
    assert!(verdict.is_err(), "a truncated chain passed: {verdict:?}");
}

#[test]
fn serves_https_from_a_configuration_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let (cert, key, pem) = self_signed_certificate(dir.path(), &["localhost", "127.0.0.1"]);
    let config = dir.path().join("node.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\nlisten = [\"127.0.0.1:0\"]\nlog = \"warn\"\n[tls]\ncert = {:?}\nkey = {:?}\n",
            data_dir, cert, key
        ),
    )
    .expect("write config");
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .env_remove("IDSTATION_NODE_DATA_DIR")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
        &mut line,
    )
    .expect("read");
    let node = Node {
        base: line.trim().trim_start_matches("listening on ").to_owned(),
        child,
    };
    assert!(node.base.starts_with("https://127.0.0.1:"), "{line}");
    let https = trusting(&pem).build().expect("client");
    let port = node.base.rsplit(':').next().expect("port");
    let url = format!("https://localhost:{port}/api/handles/0.NA/{PREFIX}");
    let (status, body) = done(https.get(&url).send().expect("https get"));
    assert_eq!((status, body["responseCode"].clone()), (200, json!(1)));
    // Plain HTTP to the TLS port gets no answer it could mistake for one.
    let plain = client().get(format!("http://127.0.0.1:{port}/api/handles/0.NA/{PREFIX}"));
    assert!(plain
        .send()
        .map(|r| !r.status().is_success())
        .unwrap_or(true));
    node.terminate();

    // A broken file is refused with its name and the reason; nothing starts.
    std::fs::write(&config, "listen = 8088\n").expect("write");
    let out = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("node.toml"), "{err}");
}

#[test]
fn listing_handles_by_prefix_pages_and_stays_within_the_enterprise() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::start(&init(dir.path()));
    let c = client();
    for h in [
        "88.118.8/A-2",
        "88.118.8/A-1",
        "88.118.8/A-3",
        "88.118.80/X-1",
        "88.118.8.1/Y-1",
    ] {
        let (status, body) = done(
            admin(c.put(node.url(&format!("/api/handles/{h}"))))
                .json(&json!([{"index": 1, "type": "URL", "data": "https://example.cn/"}]))
                .send()
                .expect("put"),
        );
        assert_eq!(status, 201, "{body}");
    }
    let list = |query: &str, auth: &dyn Fn(RequestBuilder) -> RequestBuilder| {
        done(
            auth(c.get(node.url(&format!("/api/handles?{query}"))))
                .send()
                .expect("list"),
        )
    };
    let as_admin = |r: RequestBuilder| admin(r);

    // Exactly the prefix: not 88.118.80, not the sub-prefix 88.118.8.1.
    let (status, body) = list("prefix=88.118.8", &as_admin);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["responseCode"], 1);
    assert_eq!(body["totalCount"], "3");
    assert_eq!(
        body["handles"],
        json!(["88.118.8/A-1", "88.118.8/A-2", "88.118.8/A-3"])
    );
    let (_, body) = list("prefix=0.NA/88.118.8&page=1&pageSize=2", &as_admin);
    assert_eq!(body["handles"], json!(["88.118.8/A-3"]), "{body}");
    assert_eq!(
        (body["page"].clone(), body["pageSize"].clone()),
        (json!(1), json!(2))
    );
    let (_, body) = list("prefix=88.118.8&pageSize=0", &as_admin);
    assert_eq!(
        (body["totalCount"].clone(), body["handles"].clone()),
        (json!("3"), json!([]))
    );

    // Bad requests, each with its Handle code.
    for (query, http, code) in [
        ("prefix=12", 400, 102),
        ("prefix=88.119", 400, 301),
        ("prefix=88.118.8&page=x", 400, 202),
        ("page=1", 400, 202),
    ] {
        let (status, body) = list(query, &as_admin);
        assert_eq!(
            (status, body["responseCode"].clone()),
            (http, json!(code)),
            "{query}: {body}"
        );
    }
    let (status, body) = list("prefix=88.118.8", &|r| r);
    assert_eq!((status, body["responseCode"].clone()), (401, json!(402)));

    // An enterprise's own accounts may list it; another enterprise's may not.
    let op = operator_token(&c, &node);
    let own = approved(&c, &node, &op, "wang", "88.118.8", "reviewer");
    let other = approved(&c, &node, &op, "zhao", "88.118.9", "technician");
    let (status, body) = list("prefix=88.118.8", &|r| bearer(r, &own));
    assert_eq!(
        (status, body["totalCount"].clone()),
        (200, json!("3")),
        "{body}"
    );
    let (status, body) = list("prefix=88.118.8", &|r| bearer(r, &other));
    assert_eq!(status, 403, "{body}");
    assert!(body.get("handles").is_none());
}
