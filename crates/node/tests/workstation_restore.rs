//! A workstation restored from an older backup issues nothing twice and keeps syncing (issue 12,
//! item 10). The backup's counters are older than what the workstation issued since: without
//! care it mints identifiers already on labels and reuses op sequence numbers the node refuses
//! forever (`sequence_reused`). The real node on loopback is the witness of what was used.

mod common;

use std::collections::BTreeSet;

use common::*;
use idstation_model::{Field, InstrumentInput};
use idstation_store::NumberingAfterRestore;
use idstation_workstation::Workstation;

fn input(name: &str) -> InstrumentInput {
    let mut i = InstrumentInput::default();
    i.set(&Field::Name, name);
    i.set(&Field::Model, "DMM6500");
    i
}

fn register(ws: &mut Workstation, n: usize, what: &str) -> Vec<String> {
    (0..n)
        .map(|i| {
            ws.register_minted(&input(&format!("{what} {i}")))
                .expect("register")
                .instrument
                .identifier
                .to_string()
        })
        .collect()
}

fn sync(ws: &mut Workstation) -> idstation_sync::SyncReport {
    ws.sync_now(&mut |_| {}).expect("sync")
}

fn resolves(node: &Node, id: &str) -> bool {
    client()
        .get(node.url(&format!("/api/handles/{id}")))
        .send()
        .expect("resolve")
        .status()
        == 200
}

/// Registers and syncs, backs up, registers more (synced, and one more only printed), then
/// restores the backup. Returns (workstation, every identifier issued before the restore).
fn issue_then_restore(
    dir: &std::path::Path,
    node: &Node,
    restore_into: &std::path::Path,
) -> (
    Workstation,
    BTreeSet<String>,
    idstation_store::RestoreReport,
) {
    let data = dir.join("ws");
    let mut ws = Workstation::init(&data, "88.118.8", "tech").expect("init");
    ws.sync_login(&node.base, "tech", TECHNICIAN_PASSWORD, "ws")
        .expect("sign in");
    sync(&mut ws);
    let mut issued: BTreeSet<String> = register(&mut ws, 2, "备份前").into_iter().collect();
    assert_eq!(sync(&mut ws).pushed.applied, 2);
    let backup = dir.join("ws-backup.sqlite");
    ws.backup(&backup, &mut |_, _| {}).expect("backup");
    issued.extend(register(&mut ws, 3, "备份后已同步"));
    assert_eq!(sync(&mut ws).pushed.applied, 3);
    // Printed on a label, never synced: only this computer's database knows it.
    issued.extend(register(&mut ws, 1, "备份后未同步"));
    drop(ws);
    let report =
        Workstation::restore(restore_into, &backup, "tech", &mut |_, _| {}).expect("restore");
    let ws = Workstation::open(restore_into, "tech").expect("open restored");
    (ws, issued, report)
}

#[test]
fn restore_on_the_same_computer_carries_its_counters_forward() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::start(&init(dir.path()));
    approved_technician(&node);
    let data = dir.path().join("ws");
    let (mut ws, issued, report) = issue_then_restore(dir.path(), &node, &data);
    assert_eq!(ws.store().count_instruments().expect("count"), 2);

    // Offline, straight after the restore: new numbers, none issued before.
    let fresh = register(&mut ws, 2, "恢复后");
    for id in &fresh {
        assert!(!issued.contains(id), "{id} was issued again: {issued:?}");
    }
    assert!(
        matches!(report.numbering, NumberingAfterRestore::CarriedForward { leases } if leases >= 1),
        "{report:?}"
    );
    // The node has three ops of this device the backup never held: the new ops move past
    // them, reach the node, and the lost registrations come back with the pull.
    let r = sync(&mut ws);
    assert_eq!(
        (r.pushed.applied, r.pushed.rejected, r.pushed.conflicts),
        (2, 0, 0),
        "{r:?}"
    );
    let status = ws.sync_status().expect("status");
    assert_eq!(
        (status.pending_ops, status.rejected_ops),
        (0, 0),
        "{status:?}"
    );
    assert_eq!(ws.store().count_instruments().expect("count"), 2 + 3 + 2);
    for id in &fresh {
        assert!(resolves(&node, id), "{id}");
    }
    // And it keeps going: later work syncs as usual.
    register(&mut ws, 1, "再后来");
    let r = sync(&mut ws);
    assert_eq!((r.pushed.applied, r.pushed.rejected), (1, 0), "{r:?}");
    // The restore is in the audit trail, and the trail holds.
    let log = ws.audit_log(None, 50).expect("audit");
    assert!(log.iter().any(|e| e.action == "restore"), "{log:?}");
    assert!(ws.verify().expect("verify").audit.is_intact());
}

#[test]
fn restore_on_a_new_computer_sets_the_old_leases_aside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::start(&init(dir.path()));
    approved_technician(&node);
    // The old computer is gone: the backup goes into an empty data folder.
    let elsewhere = dir.path().join("new-computer");
    let (mut ws, issued, report) = issue_then_restore(dir.path(), &node, &elsewhere);
    // Nothing can be minted before the node grants numbers no label can carry yet.
    assert!(ws.register_minted(&input("太早")).is_err());
    assert!(
        matches!(report.numbering, NumberingAfterRestore::LeasesSetAside { leases } if leases >= 1),
        "{report:?}"
    );
    assert_eq!(ws.sync_status().expect("status").lease_numbers_left, 0);
    // The credentials never travel in a backup: on the new computer the person signs in again.
    assert!(matches!(
        ws.sync_now(&mut |_| {}),
        Err(idstation_workstation::WsError::Sync(
            idstation_sync::SyncError::NotConfigured
        ))
    ));
    ws.sync_login(&node.base, "tech", TECHNICIAN_PASSWORD, "ws")
        .expect("sign in on the new computer");
    let r = sync(&mut ws);
    assert!(r.leased > 0, "{r:?}");
    let fresh = register(&mut ws, 3, "新电脑");
    for id in &fresh {
        assert!(!issued.contains(id), "{id} was issued again: {issued:?}");
    }
    let r = sync(&mut ws);
    assert_eq!((r.pushed.applied, r.pushed.rejected), (3, 0), "{r:?}");
    assert_eq!(ws.sync_status().expect("status").pending_ops, 0);
    for id in &fresh {
        assert!(resolves(&node, id), "{id}");
    }
}
