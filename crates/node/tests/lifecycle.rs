//! Accounts over their life (issue 12): the operator's first password is replaced, wrong
//! passwords lock an account until it is unlocked, accounts are disabled, re-roled, reset and
//! signed out by the operator and by their enterprise's administrator (audited), a device acts
//! as a device and only syncs, and an enterprise that was rejected writes nothing. All through
//! the real binary on loopback.

mod common;

use common::*;

const PW: &str = "calib2026";

fn login(c: &Client, node: &Node, user: &str, password: &str) -> (u16, Value) {
    done(
        c.post(node.url("/api/v1/login"))
            .json(&json!({"username": user, "password": password}))
            .send()
            .expect("login"),
    )
}

fn token(c: &Client, node: &Node, user: &str, password: &str) -> String {
    let (status, body) = login(c, node, user, password);
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().expect("token").to_owned()
}

fn call(req: RequestBuilder, token: &str) -> (u16, Value) {
    done(req.bearer_auth(token).send().expect("request"))
}

/// Registers `user` with `role` into `enterprise` (created when new) and approves it as the
/// operator; returns its account id.
fn approved(c: &Client, node: &Node, op: &str, user: &str, enterprise: &str, role: &str) -> i64 {
    let (status, body) = done(
        c.post(node.url("/api/v1/accounts"))
            .json(
                &json!({"username": user, "password": PW, "display_name": "张三",
                          "role": role, "enterprise_prefix": enterprise,
                          "enterprise_name": "某计量公司"}),
            )
            .send()
            .expect("register"),
    );
    assert_eq!(status, 201, "{body}");
    let id = body["account"]["id"].as_i64().expect("id");
    let (status, body) = call(
        c.post(node.url(&format!("/api/v1/accounts/{id}/approve"))),
        op,
    );
    assert_eq!(status, 200, "{body}");
    id
}

/// Actions in the audit chain, in order.
fn audited(data_dir: &Path) -> Vec<(String, String)> {
    audit_entries(data_dir);
    let conn = rusqlite::Connection::open(data_dir.join("node.sqlite")).expect("open");
    let mut stmt = conn
        .prepare("SELECT action, subject FROM audit_log ORDER BY seq")
        .expect("prepare");
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query");
    rows.map(|r| r.expect("row")).collect()
}

#[test]
fn the_operator_must_replace_the_initial_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let c = client();
    let (status, body) = login(&c, &node, "operator", SECRET);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["must_change_password"], true);
    let first = body["token"].as_str().expect("token").to_owned();
    // Until then it can do nothing else, by token or by Basic credentials.
    let (status, body) = call(c.get(node.url("/api/v1/accounts")), &first);
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("password_change_required")),
        "{body}"
    );
    let (status, body) = done(
        c.put(node.url("/api/handles/88.118/X-1"))
            .basic_auth("operator", Some(SECRET))
            .json(&json!([{"index": 1, "type": "URL", "data": "https://x.cn"}]))
            .send()
            .expect("put"),
    );
    assert_eq!((status, body["responseCode"].clone()), (403, json!(400)));
    let (status, me) = call(c.get(node.url("/api/v1/me")), &first);
    assert_eq!(
        (status, me["must_change_password"].clone()),
        (200, json!(true))
    );
    // The same password again, or a weak one, is refused; a wrong current one too.
    for (current, new, field) in [
        (SECRET, SECRET, "new_password"),
        (SECRET, "short", "new_password"),
        ("wrong-secret-1", OPERATOR_PASSWORD, "current_password"),
    ] {
        let (status, body) = call(
            c.post(node.url("/api/v1/me/password"))
                .json(&json!({"current_password": current, "new_password": new})),
            &first,
        );
        assert_eq!(
            (status, body["field"].as_str()),
            (400, Some(field)),
            "{body}"
        );
    }
    let (status, body) = call(
        c.post(node.url("/api/v1/me/password"))
            .json(&json!({"current_password": SECRET, "new_password": OPERATOR_PASSWORD})),
        &first,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["must_change_password"], false);
    // The token it changed with goes on working; the admin secret no longer signs the operator
    // in, but stays the prefix administrator's (Handle clients use it).
    assert_eq!(call(c.get(node.url("/api/v1/accounts")), &first).0, 200);
    assert_eq!(login(&c, &node, "operator", SECRET).0, 401);
    assert_eq!(login(&c, &node, "operator", OPERATOR_PASSWORD).0, 200);
    assert_eq!(
        done(
            admin(c.get(node.url("/api/v1/accounts")))
                .send()
                .expect("admin")
        )
        .0,
        200
    );
    assert!(audited(&data_dir).contains(&("password_change".to_owned(), "operator".to_owned())));
}

/// Items 3 and 4: wrong passwords wait longer each time, the account locks (audited) and the
/// operator lifts the lock; names that cannot be user names are refused without a trace.
#[test]
fn wrong_passwords_lock_an_account_until_the_operator_unlocks_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let c = client();
    let op = operator_token(&c, &node);
    let id = approved(&c, &node, &op, "li.wei", "88.118.8", "technician");
    let before = audit_entries(&data_dir);
    // Names no account can have are refused before anything is recorded.
    for name in ["x".repeat(10_000), "a\u{7}b\nc".to_owned(), "ab".to_owned()] {
        let (status, _) = login(&c, &node, &name, "whatever1");
        assert_eq!(status, 401);
    }
    let (status, _) = done(
        c.post(node.url("/api/v1/login"))
            .json(&json!({"username": "u".repeat(1 << 20), "password": "x"}))
            .send()
            .expect("huge"),
    );
    assert_eq!(status, 413, "a megabyte of user name is not read");
    // The rest of it was never read, so the connection closes and says so (a client that
    // pooled it would fail its next request on the closed socket).
    let resp = c
        .post(node.url("/api/v1/login"))
        .json(&json!({"username": "u".repeat(1 << 20), "password": "x"}))
        .send()
        .expect("huge");
    assert_eq!(resp.status(), 413);
    assert_eq!(
        resp.headers()
            .get("connection")
            .and_then(|v| v.to_str().ok()),
        Some("close")
    );
    assert_eq!(audit_entries(&data_dir), before, "nothing was written");

    let started = std::time::Instant::now();
    let mut refused = 0;
    let locked = loop {
        let resp = c
            .post(node.url("/api/v1/login"))
            .json(&json!({"username": "li.wei", "password": "wrong-one-1"}))
            .send()
            .expect("login");
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let (status, body) = done(resp);
        match (status, body["code"].as_str()) {
            (401, _) => refused += 1,
            (429, Some("throttled")) => {
                let wait = retry_after.expect("Retry-After on a throttled sign-in");
                std::thread::sleep(Duration::from_secs(wait));
            }
            (403, Some("account_locked")) => break true,
            other => panic!("unexpected {other:?}: {body}"),
        }
        assert!(started.elapsed() < Duration::from_secs(20), "never locked");
    };
    assert!(locked);
    assert_eq!(refused, 8, "locked after eight wrong passwords");
    let (status, body) = login(&c, &node, "li.wei", PW);
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("account_locked"))
    );
    let trail = audited(&data_dir);
    let refusals = trail
        .iter()
        .filter(|(a, s)| a == "login_refused" && s == "li.wei")
        .count();
    assert_eq!(refusals, 8);
    assert!(trail.contains(&("account_lock".to_owned(), "li.wei".to_owned())));
    // Only the operator (or the enterprise's administrator) lifts it.
    let (status, body) = call(
        c.post(node.url(&format!("/api/v1/accounts/{id}/unlock"))),
        &op,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["locked_at"], Value::Null);
    assert_eq!(login(&c, &node, "li.wei", PW).0, 200);
    assert!(audited(&data_dir).contains(&("account_unlock".to_owned(), "li.wei".to_owned())));
}

#[test]
fn accounts_are_managed_within_their_enterprise_and_every_change_is_audited() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let c = client();
    let op = operator_token(&c, &node);
    let admin_id = approved(&c, &node, &op, "boss", "88.118.8", "enterprise_admin");
    let tech = approved(&c, &node, &op, "tech", "88.118.8", "technician");
    let other = approved(&c, &node, &op, "other", "88.118.9", "technician");
    let boss = token(&c, &node, "boss", PW);
    let tech_token = token(&c, &node, "tech", PW);
    let url = |id: i64, what: &str| node.url(&format!("/api/v1/accounts/{id}/{what}"));

    // Disabled: its token stops at once, and it cannot sign in.
    let (status, body) = call(c.post(url(tech, "disable")), &boss);
    assert_eq!(
        (status, body["account"]["status"].as_str()),
        (200, Some("disabled"))
    );
    assert_eq!(call(c.get(node.url("/api/v1/me")), &tech_token).0, 401);
    let (status, body) = login(&c, &node, "tech", PW);
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("account_disabled"))
    );
    assert_eq!(call(c.post(url(tech, "enable")), &boss).0, 200);

    // A reviewer writes nothing.
    let (status, body) = call(
        c.post(url(tech, "role")).json(&json!({"role": "reviewer"})),
        &boss,
    );
    assert_eq!(
        (status, body["account"]["role"].as_str()),
        (200, Some("reviewer"))
    );
    let (status, _) = done(
        c.put(node.url("/api/handles/88.118.8/X-1"))
            .basic_auth("tech", Some(PW))
            .json(&json!([{"index": 1, "type": "URL", "data": "https://x.cn"}]))
            .send()
            .expect("put"),
    );
    assert_eq!(status, 403);
    for role in ["operator", "device"] {
        let (status, _) = call(
            c.post(url(tech, "role")).json(&json!({"role": role})),
            &boss,
        );
        assert_eq!(status, 400, "{role}");
    }
    assert_eq!(
        call(
            c.post(url(tech, "role"))
                .json(&json!({"role": "technician"})),
            &boss
        )
        .0,
        200
    );

    // A reset: every token of theirs stops, and their next sign-in must set a new password.
    let tech_token = token(&c, &node, "tech", PW);
    let (status, body) = call(
        c.post(url(tech, "password"))
            .json(&json!({"new_password": "reset2026x"})),
        &boss,
    );
    assert_eq!(
        (status, body["account"]["must_change_password"].clone()),
        (200, json!(true))
    );
    assert_eq!(call(c.get(node.url("/api/v1/me")), &tech_token).0, 401);
    let fresh = token(&c, &node, "tech", "reset2026x");
    let (status, body) = call(c.get(node.url("/api/v1/enterprises")), &fresh);
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("password_change_required"))
    );

    // Signed out everywhere.
    let (status, body) = call(c.post(url(tech, "revoke-tokens")), &boss);
    assert_eq!((status, body["revoked"].clone()), (200, json!(1)));
    assert_eq!(call(c.get(node.url("/api/v1/me")), &fresh).0, 401);

    // Not another enterprise's accounts, not one's own, not by a technician; the operator may.
    assert_eq!(call(c.post(url(other, "disable")), &boss).0, 404);
    assert_eq!(call(c.post(url(admin_id, "disable")), &boss).0, 403);
    let other_token = token(&c, &node, "other", PW);
    assert_eq!(call(c.post(url(admin_id, "disable")), &other_token).0, 404);
    assert_eq!(
        call(c.post(url(other, "revoke-tokens")), &other_token).0,
        403
    );
    assert_eq!(call(c.post(url(other, "disable")), &op).0, 200);

    let trail = audited(&data_dir);
    for (action, subject) in [
        ("account_disable", "tech"),
        ("account_enable", "tech"),
        ("account_role", "tech"),
        ("password_reset", "tech"),
        ("tokens_revoke", "tech"),
        ("account_disable", "other"),
    ] {
        assert!(
            trail.contains(&(action.to_owned(), subject.to_owned())),
            "{action} {subject} not audited"
        );
    }
}

#[test]
fn a_device_syncs_as_itself_and_nothing_more_until_revoked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let c = client();
    let op = operator_token(&c, &node);
    approved(&c, &node, &op, "tech", "88.118.8", "technician");
    // The operator registers it: still a device, not an operator.
    let device_id = "0190a5b4-6c1e-7a00-8000-000000000001";
    let (status, body) = call(
        c.post(node.url("/api/v1/devices"))
            .json(&json!({"name": "一号工作站", "id": device_id, "enterprise_prefix": "88.118.8"})),
        &op,
    );
    assert_eq!(status, 201, "{body}");
    let secret = body["device_secret"].as_str().expect("secret").to_owned();
    let (status, other) = call(
        c.post(node.url("/api/v1/devices"))
            .json(&json!({"name": "二号工作站", "enterprise_prefix": "88.118.8"})),
        &op,
    );
    assert_eq!(status, 201, "{other}");
    let other_id = other["device"]["id"].as_str().expect("id").to_owned();
    let (status, signed) = done(
        c.post(node.url("/api/v1/login/device"))
            .json(&json!({"device_id": device_id, "device_secret": secret}))
            .send()
            .expect("device login"),
    );
    assert_eq!(status, 200, "{signed}");
    assert_eq!(signed["sync"]["high_water"], 0);
    let device = signed["token"].as_str().expect("token").to_owned();
    let (_, me) = call(c.get(node.url("/api/v1/me")), &device);
    assert_eq!(
        (me["role"].as_str(), me["device_id"].as_str()),
        (Some("device"), Some(device_id))
    );

    // Sync, its own leases: yes.
    assert_eq!(call(c.get(node.url("/api/v1/sync/pull")), &device).0, 200);
    let (status, _) = call(
        c.get(node.url(&format!("/api/v1/sync/status?device_id={device_id}"))),
        &device,
    );
    assert_eq!(status, 200);
    let (status, body) = call(
        c.post(node.url("/api/v1/leases"))
            .json(&json!({"device_id": device_id, "count": 10})),
        &device,
    );
    assert_eq!(status, 201, "{body}");
    // Another device's leases, accounts, devices, the Handle API: no.
    let (status, _) = call(
        c.post(node.url("/api/v1/leases"))
            .json(&json!({"device_id": other_id, "count": 10})),
        &device,
    );
    assert_eq!(status, 404);
    for (status, body) in [
        call(c.get(node.url("/api/v1/accounts")), &device),
        call(c.get(node.url("/api/v1/stats/daily")), &device),
        call(
            c.post(node.url("/api/v1/devices"))
                .json(&json!({"name": "三号"})),
            &device,
        ),
    ] {
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("forbidden")),
            "{body}"
        );
    }
    let (status, body) = call(
        c.put(node.url("/api/handles/88.118.8/X-1"))
            .json(&json!([{"index": 1, "type": "URL", "data": "https://x.cn"}])),
        &device,
    );
    assert_eq!(
        (status, body["responseCode"].clone()),
        (403, json!(400)),
        "{body}"
    );

    // Revoked: its token and its secret stop working.
    let (status, body) = call(
        c.post(node.url(&format!("/api/v1/devices/{device_id}/revoke"))),
        &op,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(call(c.get(node.url("/api/v1/sync/pull")), &device).0, 401);
    let (status, body) = done(
        c.post(node.url("/api/v1/login/device"))
            .json(&json!({"device_id": device_id, "device_secret": secret}))
            .send()
            .expect("device login"),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("device_revoked"))
    );
    assert!(audited(&data_dir).contains(&("device_revoke".to_owned(), device_id.to_owned())));
}

#[test]
fn a_rejected_enterprise_is_joined_by_nobody_and_written_by_nobody() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let c = client();
    let op = operator_token(&c, &node);
    let register = |user: &str| {
        done(
            c.post(node.url("/api/v1/accounts"))
                .json(
                    &json!({"username": user, "password": PW, "display_name": "王五",
                              "role": "technician", "enterprise_prefix": "88.118.7",
                              "enterprise_name": "可疑公司"}),
                )
                .send()
                .expect("register"),
        )
    };
    let (status, body) = register("first");
    assert_eq!(status, 201, "{body}");
    let first = body["account"]["id"].as_i64().expect("id");
    assert_eq!(
        call(
            c.post(node.url(&format!("/api/v1/accounts/{first}/reject"))),
            &op
        )
        .0,
        200
    );
    // Nobody joins it now.
    let (status, body) = register("second");
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("enterprise_rejected"))
    );
    // An applicant who joined it before it was rejected is not approved into it.
    let conn = rusqlite::Connection::open(data_dir.join("node.sqlite")).expect("open");
    conn.execute(
        "INSERT INTO users (username, display_name, password_hash, role, enterprise_id, status, \
         created_at) SELECT 'early', 'x', password_hash, 'technician', \
         (SELECT id FROM enterprises WHERE prefix = '88.118.7'), 'pending', '2026-01-01' \
         FROM users WHERE username = 'first'",
        [],
    )
    .expect("an early applicant");
    let early: i64 = conn.last_insert_rowid();
    let (status, body) = call(
        c.post(node.url(&format!("/api/v1/accounts/{early}/approve"))),
        &op,
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("enterprise_rejected"))
    );
    // And one active in it from before this check (older data) writes nothing.
    conn.execute("UPDATE users SET status = 'active' WHERE id = ?1", [early])
        .expect("activate");
    drop(conn);
    let (status, body) = done(
        c.put(node.url("/api/handles/88.118.7/X-1"))
            .basic_auth("early", Some(PW))
            .json(&json!([{"index": 1, "type": "URL", "data": "https://x.cn"}]))
            .send()
            .expect("put"),
    );
    assert_eq!(status, 403, "{body}");
    let t = token(&c, &node, "early", PW);
    let (status, body) = call(
        c.post(node.url("/api/v1/devices"))
            .json(&json!({"name": "x"})),
        &t,
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
}
