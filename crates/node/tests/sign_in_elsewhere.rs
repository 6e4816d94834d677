//! Signing a workstation in as another person, or to another node, carries nothing of the old
//! sign-in over (issue 12, item 13): the device gets a new secret (the old one stops working),
//! the leases leased before are set aside, the pull starts over, and for another node every op
//! goes to it. The real node binaries on loopback.

mod common;

use common::*;
use idstation_model::{Field, InstrumentInput};
use idstation_workstation::Workstation;
use serde_json::json;

fn input(name: &str) -> InstrumentInput {
    let mut i = InstrumentInput::default();
    i.set(&Field::Name, name);
    i
}

fn sync(ws: &mut Workstation) -> idstation_sync::SyncReport {
    ws.sync_now(&mut |_| {}).expect("sync")
}

fn register(ws: &mut Workstation, name: &str) -> String {
    ws.register_minted(&input(name))
        .expect("register")
        .instrument
        .identifier
        .to_string()
}

/// A second technician of the same enterprise, approved.
fn second_technician(node: &Node, username: &str) {
    let c = client();
    let (status, body) = done(
        c.post(node.url("/api/v1/accounts"))
            .json(
                &json!({"username": username, "password": TECHNICIAN_PASSWORD,
                          "display_name": "李工", "role": "technician",
                          "enterprise_prefix": "88.118.8", "enterprise_name": "华东计量"}),
            )
            .send()
            .expect("register"),
    );
    assert_eq!(status, 201, "{body}");
    let id = body["account"]["id"].as_i64().expect("id");
    let (status, body) = done(
        admin(c.post(node.url(&format!("/api/v1/accounts/{id}/approve"))))
            .send()
            .expect("approve"),
    );
    assert_eq!(status, 200, "{body}");
}

fn device_login_status(node: &Node, device_id: &str, secret: &str) -> u16 {
    client()
        .post(node.url("/api/v1/login/device"))
        .json(&json!({"device_id": device_id, "device_secret": secret}))
        .send()
        .expect("device login")
        .status()
        .as_u16()
}

#[test]
fn another_person_takes_the_device_over_and_starts_afresh() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::start(&init(dir.path()));
    approved_technician(&node);
    second_technician(&node, "tech2");
    let mut ws = Workstation::init(&dir.path().join("ws"), "88.118.8", "tech").expect("init");
    ws.sync_login(&node.base, "tech", TECHNICIAN_PASSWORD, "ws")
        .expect("sign in");
    sync(&mut ws);
    let first = [register(&mut ws, "卡尺"), register(&mut ws, "千分尺")];
    assert_eq!(sync(&mut ws).pushed.applied, 2);
    let device_id = ws.store().device().device_id.to_string();
    let old_secret = ws
        .sync_settings()
        .expect("s")
        .device_secret
        .expect("secret");
    assert!(ws.sync_status().expect("status").lease_numbers_left > 0);

    ws.sync_login(&node.base, "tech2", TECHNICIAN_PASSWORD, "ws")
        .expect("the other person signs in");
    let settings = ws.sync_settings().expect("s");
    let new_secret = settings.device_secret.expect("a new secret");
    assert_ne!(new_secret, old_secret);
    assert_eq!(settings.username.as_deref(), Some("tech2"));
    // The old sign-in's secret no longer opens the device; the new one does.
    assert_eq!(device_login_status(&node, &device_id, &old_secret), 401);
    assert_eq!(device_login_status(&node, &device_id, &new_secret), 200);
    let status = ws.sync_status().expect("status");
    assert_eq!(status.lease_numbers_left, 0, "{status:?}");
    assert_eq!(status.pull_cursor, 0, "{status:?}");

    // The next sync leases afresh and goes on; nothing issued before is issued again.
    let r = sync(&mut ws);
    assert!(r.leased > 0, "{r:?}");
    let later = register(&mut ws, "压力表");
    assert!(!first.contains(&later), "{later} issued twice");
    let r = sync(&mut ws);
    assert_eq!((r.pushed.applied, r.pushed.rejected), (1, 0), "{r:?}");
    assert_eq!(ws.store().count_instruments().expect("count"), 3);
    let log = ws.audit_log(None, 50).expect("audit");
    assert!(
        log.iter().any(|e| e.action == "sign_in_elsewhere"),
        "{log:?}"
    );
}

#[test]
fn another_node_gets_every_op() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = Node::start(&init(&dir.path().join("a")));
    approved_technician(&a);
    let b = Node::start(&init(&dir.path().join("b")));
    approved_technician(&b);
    let mut ws = Workstation::init(&dir.path().join("ws"), "88.118.8", "tech").expect("init");
    ws.sync_login(&a.base, "tech", TECHNICIAN_PASSWORD, "ws")
        .expect("sign in to a");
    sync(&mut ws);
    let ids = [register(&mut ws, "卡尺"), register(&mut ws, "千分尺")];
    assert_eq!(sync(&mut ws).pushed.applied, 2);

    ws.sync_login(&b.base, "tech", TECHNICIAN_PASSWORD, "ws")
        .expect("sign in to b");
    let status = ws.sync_status().expect("status");
    assert_eq!(
        (status.pending_ops, status.lease_numbers_left),
        (2, 0),
        "{status:?}"
    );
    let r = sync(&mut ws);
    assert_eq!(r.pushed.applied, 2, "{r:?}");
    for id in &ids {
        let found = client()
            .get(b.url(&format!("/api/handles/{id}")))
            .send()
            .expect("resolve")
            .status();
        assert_eq!(found, 200, "{id} at the new node");
    }
    assert!(r.leased > 0, "{r:?}");
}
