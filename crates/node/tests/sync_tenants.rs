//! Sync between enterprises on one node, through the real binary and real workstations: each
//! enterprise's stations receive its own records and never another's, neither a station nor
//! the node lets anyone write under another enterprise's prefix, and a deletion and its undoing
//! travel to the other
//! stations of the enterprise (and to phone scans) like any other change.

mod common;

use common::*;
use idstation_model::{Field, InstrumentInput};
use idstation_workstation::{InstrumentQuery, Workstation};

const PASSWORD: &str = "calib2026";

/// An approved technician of `prefix`.
fn technician(node: &Node, user: &str, prefix: &str, enterprise: &str) {
    let c = client();
    let (status, body) = done(
        c.post(node.url("/api/v1/accounts"))
            .json(
                &json!({"username": user, "password": PASSWORD, "display_name": user,
                          "role": "technician", "enterprise_prefix": prefix,
                          "enterprise_name": enterprise}),
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

fn station(dir: &Path, name: &str, prefix: &str, user: &str, node: &Node) -> Workstation {
    let mut ws = Workstation::init(&dir.join(name), prefix, name).expect("init");
    ws.sync_login(&node.base, user, PASSWORD, name)
        .expect("sign in");
    ws
}

fn instrument(name: &str) -> InstrumentInput {
    let mut i = InstrumentInput::default();
    i.set(&Field::Name, name);
    i
}

/// Every record the station holds, deleted ones too: (identifier, deleted).
fn held(ws: &Workstation) -> Vec<(String, bool)> {
    let mut all: Vec<(String, bool)> = ws
        .find_instruments(&InstrumentQuery {
            limit: 10_000,
            include_deleted: true,
            ..Default::default()
        })
        .expect("list")
        .records
        .into_iter()
        .map(|r| (r.instrument.identifier.to_string(), r.deleted_at.is_some()))
        .collect();
    all.sort();
    all
}

fn sync(ws: &mut Workstation) -> idstation_sync::SyncReport {
    ws.sync_now(&mut |_| {}).expect("sync")
}

#[test]
fn each_enterprise_syncs_its_own_records_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::start(&init(dir.path()));
    technician(&node, "tech.a", "88.118.8", "华东计量");
    technician(&node, "tech.b", "88.118.9", "华南计量");
    let mut a1 = station(dir.path(), "a1", "88.118.8", "tech.a", &node);
    let mut a2 = station(dir.path(), "a2", "88.118.8", "tech.a", &node);
    let mut b = station(dir.path(), "b", "88.118.9", "tech.b", &node);
    for ws in [&mut a1, &mut a2, &mut b] {
        sync(ws); // leases numbers
    }

    let mut ours = Vec::new();
    for name in ["数字万用表", "压力变送器", "游标卡尺"] {
        let r = a1.register_minted(&instrument(name)).expect("register");
        ours.push((r.instrument.identifier.to_string(), false));
    }
    let mut theirs = Vec::new();
    for name in ["温度计", "电子天平"] {
        let r = b.register_minted(&instrument(name)).expect("register");
        theirs.push((r.instrument.identifier.to_string(), false));
    }
    assert_eq!(sync(&mut a1).pushed.applied, 3);
    assert_eq!(sync(&mut b).pushed.applied, 2);
    sync(&mut a2);
    sync(&mut a1);
    ours.sort();
    theirs.sort();
    assert_eq!(held(&a1), ours, "a1 holds its enterprise's records only");
    assert_eq!(held(&a2), ours, "a2 received its enterprise's records");
    assert_eq!(held(&b), theirs, "b received nothing of 88.118.8");

    // B writes under A's prefix: its station refuses it, and so does the node (through the
    // Handle API with B's account); A never sees it, and it never resolves.
    let mut stolen = instrument("冒名仪器");
    stolen.set(&Field::Identifier, "88.118.8/STOLEN-1");
    let refused = b.register(&stolen).expect_err("a foreign prefix");
    assert!(
        refused
            .message(idstation_workstation::Lang::ZhCn)
            .contains("88.118.9"),
        "{refused:?}"
    );
    let (status, _) = done(
        client()
            .put(node.url("/api/handles/88.118.8/STOLEN-1"))
            .basic_auth("tech.b", Some(PASSWORD))
            .json(&json!([{"index": 1, "type": "URL", "data": "https://evil.example"}]))
            .send()
            .expect("put"),
    );
    assert_eq!(status, 403);
    sync(&mut b);
    sync(&mut a1);
    sync(&mut a2);
    assert_eq!(held(&a2), ours, "nothing of B's reached A");
    assert_eq!(held(&b), theirs, "B holds nothing of A's");
    let (status, _) = done(
        client()
            .get(node.url("/api/handles/88.118.8/STOLEN-1"))
            .send()
            .expect("resolve"),
    );
    assert_eq!(status, 404);

    // A deletion travels to the enterprise's other station and ends phone scans; undoing it
    // travels too.
    let (gone, _) = ours[0].clone();
    let resolve = |id: &str| {
        client()
            .get(node.url(&format!("/api/handles/{id}")))
            .send()
            .expect("resolve")
            .status()
            .as_u16()
    };
    assert_eq!(resolve(&gone), 200);
    a1.delete(&gone, "报废").expect("delete");
    assert_eq!(sync(&mut a1).pushed.applied, 1);
    sync(&mut a2);
    let deleted: Vec<(String, bool)> = ours
        .iter()
        .map(|(id, _)| (id.clone(), *id == gone))
        .collect();
    assert_eq!(held(&a2), deleted, "a2 sees the deletion");
    assert_eq!(
        resolve(&gone),
        404,
        "a deleted instrument no longer resolves"
    );
    a2.undelete(&gone).expect("undelete");
    assert_eq!(sync(&mut a2).pushed.applied, 1);
    sync(&mut a1);
    assert_eq!(held(&a1), ours, "a1 sees it back");
    assert_eq!(resolve(&gone), 200, "it resolves again");
    assert_eq!(held(&b), theirs, "B saw none of it");
}
