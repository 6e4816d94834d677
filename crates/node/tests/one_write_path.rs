//! One write path on the node (issue 12, item 11): a Handle API PUT or DELETE goes through the
//! same records, change log and merge rules as a workstation's sync ops, so workstations pull
//! it and a later (stale) sync op neither reverts nor resurrects it. And the node as the witness
//! of what a device used (item 10, the node's side): its high-water mark and how far into each
//! lease identifiers are registered.

mod common;

use common::*;
use idstation_model::{Field, InstrumentInput};
use idstation_workstation::Workstation;

const PASSWORD: &str = TECHNICIAN_PASSWORD;

fn node_with_technician(dir: &Path) -> (Node, PathBuf) {
    let data_dir = init(dir);
    let node = Node::start(&data_dir);
    approved_technician(&node);
    (node, data_dir)
}

fn workstation(dir: &Path, name: &str, node: &Node) -> Workstation {
    let mut ws = Workstation::init(&dir.join(name), "88.118.8", name).expect("init");
    ws.sync_login(&node.base, "tech", PASSWORD, name)
        .expect("sign in and register the device");
    ws
}

fn sync(ws: &mut Workstation) -> idstation_sync::SyncReport {
    ws.sync_now(&mut |_| {}).expect("sync")
}

fn input(name: &str) -> InstrumentInput {
    let mut i = InstrumentInput::default();
    i.set(&Field::Name, name);
    i.set(&Field::Model, "DMM6500");
    i.set(&Field::Location, "一楼计量室");
    i
}

/// The handle's values as the technician (its owner) reads them.
fn values(node: &Node, id: &str) -> (u16, Value) {
    done(
        client()
            .get(node.url(&format!("/api/handles/{id}")))
            .basic_auth("tech", Some(PASSWORD))
            .send()
            .expect("get"),
    )
}

fn value_of(record: &Value, kind: &str) -> Option<String> {
    record["values"]
        .as_array()?
        .iter()
        .find(|v| v["type"] == kind)
        .and_then(|v| v["data"]["value"].as_str())
        .map(str::to_owned)
}

#[test]
fn a_handle_api_edit_reaches_workstations_and_a_stale_op_does_not_revert_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, _) = node_with_technician(dir.path());
    let mut a = workstation(dir.path(), "a", &node);
    let mut b = workstation(dir.path(), "b", &node);
    sync(&mut a);
    let id = a
        .register_minted(&input("数字万用表"))
        .expect("register")
        .instrument
        .identifier
        .to_string();
    sync(&mut a);
    sync(&mut b);

    // A Handle client changes the model (the values it read, one of them changed) and adds a
    // URL beside the instrument's values.
    let (status, record) = values(&node, &id);
    assert_eq!(status, 200, "{record}");
    let mut edited: Vec<Value> = record["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| {
            let mut v = v.clone();
            if v["type"] == "IDS.MODEL" {
                v["data"] = json!("DMM7510");
            }
            v
        })
        .collect();
    edited.push(json!({"index": 1, "type": "URL", "data": "https://lab.example.cn/dmm"}));
    let (status, body) = done(
        client()
            .put(node.url(&format!("/api/handles/{id}")))
            .basic_auth("tech", Some(PASSWORD))
            .json(&edited)
            .send()
            .expect("put"),
    );
    assert_eq!(status, 200, "{body}");

    // Workstation A pulls the edit as it pulls any other change.
    let report = sync(&mut a);
    assert_eq!(report.pulled, 1, "{report:?}");
    assert_eq!(
        a.find(&id).expect("record").instrument.model.as_deref(),
        Some("DMM7510")
    );

    // Workstation B had not pulled it and edits the model from the old value: its op is a
    // conflict for a person to decide, and the node keeps the Handle API's value.
    b.edit(&id, &[(Field::Model, "DMM6510".to_owned())], None)
        .expect("edit");
    let report = sync(&mut b);
    assert_eq!(report.pushed.conflicts, 1, "{report:?}");
    let (_, record) = values(&node, &id);
    assert_eq!(value_of(&record, "IDS.MODEL").as_deref(), Some("DMM7510"));
    // A sync change keeps the URL the Handle client added.
    a.edit(&id, &[(Field::Location, "二楼".to_owned())], None)
        .expect("edit");
    sync(&mut a);
    let (_, record) = values(&node, &id);
    assert_eq!(value_of(&record, "IDS.LOCATION").as_deref(), Some("二楼"));
    assert_eq!(
        value_of(&record, "URL").as_deref(),
        Some("https://lab.example.cn/dmm")
    );

    // A Handle write that would leave the record unreadable as an instrument is refused.
    let (status, body) = done(
        client()
            .put(node.url(&format!("/api/handles/{id}")))
            .basic_auth("tech", Some(PASSWORD))
            .json(&json!([{"index": 1, "type": "URL", "data": "https://x.cn"}]))
            .send()
            .expect("put"),
    );
    assert_eq!(status, 400, "{body}");
}

#[test]
fn a_handle_api_delete_reaches_workstations_and_a_stale_op_does_not_resurrect_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, _) = node_with_technician(dir.path());
    let mut a = workstation(dir.path(), "a", &node);
    let mut b = workstation(dir.path(), "b", &node);
    sync(&mut a);
    let id = a
        .register_minted(&input("压力变送器"))
        .expect("register")
        .instrument
        .identifier
        .to_string();
    sync(&mut a);
    sync(&mut b);
    // B edits while the handle is deleted through the Handle API.
    b.edit(&id, &[(Field::Location, "三楼".to_owned())], None)
        .expect("edit");
    let (status, body) = done(
        client()
            .delete(node.url(&format!("/api/handles/{id}")))
            .basic_auth("tech", Some(PASSWORD))
            .send()
            .expect("delete"),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(values(&node, &id).0, 404);

    // A pulls the deletion.
    let report = sync(&mut a);
    assert_eq!(report.pulled, 1, "{report:?}");
    assert!(a.find(&id).expect("record").deleted_at.is_some());

    // B's stale edit reaches the node after the deletion: the handle stays deleted.
    sync(&mut b);
    assert_eq!(
        values(&node, &id).0,
        404,
        "a stale op resurrected the handle"
    );
    let page = client()
        .get(node.url(&format!("/{id}")))
        .send()
        .expect("scan");
    assert_eq!(page.status().as_u16(), 404);
    assert!(b.find(&id).expect("record").deleted_at.is_some());
}

/// A record created through the Handle API (a Handle client registering an instrument) is a
/// synced record too: workstations of the enterprise pull it.
#[test]
fn an_instrument_registered_through_the_handle_api_is_pulled_by_workstations() {
    use idstation_model::handle_record::to_values;
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, _) = node_with_technician(dir.path());
    let mut a = workstation(dir.path(), "a", &node);
    sync(&mut a);
    let template = idstation_model::MetadataTemplate::builtin_instrument();
    let mut i = input("游标卡尺");
    i.set(&Field::Identifier, "88.118.8/HANDLE-API-1");
    let inst = i.validate(&template).expect("valid");
    let body = to_values(&inst, None, &template, "2026-01-01T00:00:00Z");
    let (status, answer) = done(
        client()
            .put(node.url("/api/handles/88.118.8/HANDLE-API-1"))
            .basic_auth("tech", Some(PASSWORD))
            .json(&body)
            .send()
            .expect("put"),
    );
    assert_eq!(status, 201, "{answer}");
    let report = sync(&mut a);
    assert_eq!(report.pulled, 1, "{report:?}");
    assert_eq!(
        a.find("88.118.8/HANDLE-API-1")
            .expect("pulled")
            .instrument
            .name,
        "游标卡尺"
    );
}

/// The node is the witness of what a device used: after a workstation registers from its
/// lease, the device's status and its sign-in answer name its high-water mark and the highest
/// number of each lease registered at the node.
#[test]
fn the_node_witnesses_what_a_device_used() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, _) = node_with_technician(dir.path());
    let mut a = workstation(dir.path(), "a", &node);
    sync(&mut a);
    let ids: Vec<String> = ["一", "二", "三"]
        .iter()
        .map(|n| {
            a.register_minted(&input(n))
                .expect("register")
                .instrument
                .identifier
                .to_string()
        })
        .collect();
    sync(&mut a);
    let device_id = a.store().device().device_id.to_string();
    let c = client();
    let (status, tech) = done(
        c.post(node.url("/api/v1/login"))
            .json(&json!({"username": "tech", "password": PASSWORD}))
            .send()
            .expect("login"),
    );
    assert_eq!(status, 200, "{tech}");
    let token = tech["token"].as_str().expect("token");
    let (status, witness) = done(
        c.get(node.url(&format!("/api/v1/sync/status?device_id={device_id}")))
            .bearer_auth(token)
            .send()
            .expect("status"),
    );
    assert_eq!(status, 200, "{witness}");
    assert!(witness["high_water"].as_u64().expect("high water") >= 3);
    let last: u64 = ids[2]
        .rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("number");
    let leases = witness["leases"].as_array().expect("leases");
    assert!(!leases.is_empty());
    assert_eq!(leases[0]["used_through"], json!(last), "{witness}");
    assert!(leases[0]["first"].as_u64().expect("first") <= last);
}
