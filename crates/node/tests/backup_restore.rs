//! Node backup while a workstation pushes many ops, then a restore of that backup: the restore
//! epoch moves lease and cursor counters above anything the lost state issued, the workstation
//! that pushed sends again what the node lost, a workstation whose cursor is past the restored
//! state refetches — no duplicate identifier, no lost op, no missed change.
//! `IDSTATION_BACKUP_OPS` changes the number of ops (the bench pushes 100k).

mod common;

use std::collections::BTreeSet;

use common::*;
use idstation_model::{Field, InstrumentInput};
use idstation_workstation::Workstation;

const PASSWORD: &str = TECHNICIAN_PASSWORD;

fn ops() -> usize {
    std::env::var("IDSTATION_BACKUP_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn workstation(dir: &Path, name: &str, node: &Node) -> Workstation {
    let mut ws = Workstation::init(&dir.join(name), "88.118.8", name).expect("init workstation");
    ws.sync_login(&node.base, "tech", PASSWORD, name)
        .expect("sign in");
    ws
}

fn input(name: &str) -> InstrumentInput {
    let mut i = InstrumentInput::default();
    i.set(&Field::Name, name);
    i.set(&Field::Model, "DMM6500");
    i.set(&Field::Owner, "华东计量");
    i
}

/// Every lease the node gave to any device: (device, first, last).
fn leases(c: &Client, node: &Node) -> Vec<(String, u64, u64)> {
    let (status, body) = done(
        admin(c.get(node.url("/api/v1/devices")))
            .send()
            .expect("devices"),
    );
    assert_eq!(status, 200, "{body}");
    let mut out = Vec::new();
    for d in body["devices"].as_array().expect("devices") {
        let id = d["id"].as_str().expect("id");
        let (_, l) = done(
            admin(c.get(node.url(&format!("/api/v1/devices/{id}/leases"))))
                .send()
                .expect("leases"),
        );
        for lease in l["leases"].as_array().expect("leases") {
            out.push((
                id.to_owned(),
                lease["first"].as_u64().expect("first"),
                lease["last"].as_u64().expect("last"),
            ));
        }
    }
    out
}

fn node_count(c: &Client, node: &Node) -> u64 {
    let (_, body) = done(
        admin(c.get(node.url("/api/handles?prefix=88.118.8&pageSize=0")))
            .send()
            .expect("count"),
    );
    body["totalCount"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("count")
}

#[test]
fn a_backup_during_a_push_restores_without_duplicates_losses_or_missed_changes() {
    let n = ops();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = init(dir.path());
    let node = Node::start(&data);
    approved_technician(&node);
    let c = client();
    let mut pusher = workstation(dir.path(), "pusher", &node);
    let mut reader = workstation(dir.path(), "reader", &node);
    pusher.sync_now(&mut |_| {}).expect("first sync leases");
    reader.sync_now(&mut |_| {}).expect("first sync");

    // `n` registrations: some from the lease (minted), the rest imported with given ids.
    let minted: Vec<String> = (0..40)
        .map(|i| {
            pusher
                .register_minted(&input(&format!("万用表 {i}")))
                .expect("register")
                .instrument
                .identifier
                .to_string()
        })
        .collect();
    let imported: Vec<_> = (0..n - minted.len())
        .map(|i| {
            let mut inp = input(&format!("压力表 {i}"));
            inp.set(&Field::Identifier, format!("88.118.8/B-{i:07}"));
            pusher.validate(&inp).expect("valid")
        })
        .collect();
    pusher
        .import_instruments(&imported, &mut |_, _| {})
        .expect("import");

    // The push runs in its own thread; the backup is taken while it runs.
    let backup = dir.path().join("node-during-push.sqlite");
    let data2 = data.clone();
    let pushing = std::thread::spawn(move || {
        let report = pusher.sync_now(&mut |_| {}).expect("push");
        (pusher, report)
    });
    while node_count(&c, &node) < 100.min(n as u64 / 10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let (ok, out) = node_cli(&[
        "backup",
        "--json",
        "--out",
        backup.to_str().expect("path"),
        "--data-dir",
        data2.to_str().expect("path"),
    ]);
    assert!(ok, "backup while serving failed");
    let sidecar: Value = serde_json::from_str(&out).expect("JSON");
    let in_backup = sidecar["handles"].as_u64().expect("handles");
    let (mut pusher, report) = pushing.join().expect("push thread");
    assert_eq!(report.pushed.applied as usize, n, "{report:?}");
    assert!(
        in_backup < n as u64,
        "the backup was taken before the push ended ({in_backup} of {n})"
    );
    let (ok, _) = node_cli(&["backup", "--verify", backup.to_str().expect("path")]);
    assert!(ok, "the backup verifies");

    // After the backup: the reader pulls everything; the pusher leases more and mints from it.
    reader.sync_now(&mut |_| {}).expect("reader sync");
    assert!(reader.sync_status().expect("status").pull_cursor as u64 >= n as u64);
    let mut later = minted.clone();
    while pusher.sync_status().expect("status").lease_numbers_left > 0 {
        later.push(
            pusher
                .register_minted(&input("卡尺"))
                .expect("mint")
                .instrument
                .identifier
                .to_string(),
        );
    }
    pusher.sync_now(&mut |_| {}).expect("sync: lease more");
    later.push(
        pusher
            .register_minted(&input("天平"))
            .expect("mint")
            .instrument
            .identifier
            .to_string(),
    );
    pusher.sync_now(&mut |_| {}).expect("sync");
    let before = leases(&c, &node);
    let issued_max = before.iter().map(|l| l.2).max().expect("leases");
    // The workstations know the node by its address: it comes back on the same port.
    let addr = node.base.trim_start_matches("http://").to_owned();
    node.terminate();

    // Restore the backup taken mid-push (the node is stopped; a running node is refused).
    let (ok, out) = node_cli(&[
        "restore",
        "--json",
        "--from",
        backup.to_str().expect("path"),
        "--data-dir",
        data.to_str().expect("path"),
    ]);
    assert!(ok, "restore failed");
    let restored: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(restored["epoch"], 1);
    let node = Node::try_start(&data, &addr).expect("the node starts on its old port");
    assert!(node_count(&c, &node) < n as u64);

    // The pusher is told the node lost ops and sends them again; nothing is rejected.
    // (The workstation has the answers of those ops already: its report counts no new ones.)
    let report = pusher.sync_now(&mut |_| {}).expect("sync after restore");
    assert!(report.refetched, "{report:?}");
    let status = pusher.sync_status().expect("status");
    assert_eq!(status.pending_ops, 0);
    assert_eq!(status.rejected_ops, 0, "ops rejected after the restore");
    let total = n + later.len() - minted.len();
    assert_eq!(
        node_count(&c, &node),
        total as u64,
        "every op at the node once"
    );

    // The reader's cursor was past the restored state: it refetches and has every record.
    let report = reader.sync_now(&mut |_| {}).expect("reader after restore");
    assert!(report.refetched, "{report:?}");
    let check: BTreeSet<String> = later
        .iter()
        .take(60)
        .cloned()
        .chain([
            "88.118.8/B-0000000".to_owned(),
            format!("88.118.8/B-{:07}", n - minted.len() - 1),
        ])
        .collect();
    for h in &check {
        let got = reader
            .find(h)
            .unwrap_or_else(|e| panic!("the reader misses {h}: {e:?}"));
        assert_eq!(&got.instrument.identifier.to_string(), h);
    }

    // A change made after the restore reaches the reader.
    pusher
        .edit(
            &later[0],
            &[(Field::Location, "二楼恒温室".to_owned())],
            None,
        )
        .expect("edit");
    pusher.sync_now(&mut |_| {}).expect("push the edit");
    reader.sync_now(&mut |_| {}).expect("pull the edit");
    let got = reader.find(&later[0]).expect("find");
    assert_eq!(got.instrument.location.as_deref(), Some("二楼恒温室"));

    // A new workstation's lease starts above everything the lost state gave out.
    let mut third = workstation(dir.path(), "third", &node);
    third.sync_now(&mut |_| {}).expect("lease");
    let after = leases(&c, &node);
    let fresh: Vec<_> = after.iter().filter(|l| !before.contains(l)).collect();
    assert!(!fresh.is_empty());
    assert!(
        fresh.iter().all(|l| l.1 > issued_max),
        "a lease overlaps one given before the restore: {fresh:?} vs {issued_max}"
    );
    let id = third
        .register_minted(&input("温度计"))
        .expect("mint")
        .instrument
        .identifier
        .to_string();
    assert!(!later.contains(&id));
    third.sync_now(&mut |_| {}).expect("push");
    assert_eq!(third.sync_status().expect("status").rejected_ops, 0);
    node.terminate();
    assert!(audit_entries(&data) > n as u64);
}
