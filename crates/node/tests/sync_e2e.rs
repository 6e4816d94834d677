//! Workstations syncing with the real node binary on loopback: offline registration, merges and
//! conflicts (each way of settling one), page boundaries, refetch after retention, a token
//! refused mid-sync, a lease used up offline, and the cost of a sync counted at the node.

mod common;

use common::*;
use idstation_model::{Field, InstrumentInput};
use idstation_store::sync::Resolution;
use idstation_store::Store;
use idstation_sync::{HttpTransport, SyncConfig, SyncEngine};
use idstation_workstation::{conflict_choice, Workstation};

const PASSWORD: &str = TECHNICIAN_PASSWORD;

/// A node with an approved technician `tech` of enterprise 88.118.8.
fn node_with_technician(dir: &Path) -> (Node, PathBuf) {
    let data_dir = init(dir);
    let node = Node::start(&data_dir);
    approved_technician(&node);
    (node, data_dir)
}

fn workstation(dir: &Path, name: &str, node: &Node) -> Workstation {
    let data = dir.join(name);
    let mut ws = Workstation::init(&data, "88.118.8", name).expect("init workstation");
    ws.sync_login(&node.base, "tech", PASSWORD, name)
        .expect("sign in and register the device");
    ws
}

/// Stations `a` and `b` signed in to `node`, both holding the instrument `name` that `a`
/// registered; with its identifier.
fn two_stations_sharing(dir: &Path, node: &Node, name: &str) -> (Workstation, Workstation, String) {
    let mut a = workstation(dir, "a", node);
    let mut b = workstation(dir, "b", node);
    sync(&mut a);
    let id = a
        .register_minted(&input(name))
        .expect("register")
        .instrument
        .identifier
        .to_string();
    sync(&mut a);
    sync(&mut b);
    (a, b, id)
}

fn input(name: &str) -> InstrumentInput {
    let mut i = InstrumentInput::default();
    i.set(&Field::Name, name);
    i.set(&Field::Model, "DMM6500");
    i.set(&Field::Location, "一楼计量室");
    i.set(&Field::Owner, "华东计量");
    i
}

fn sync(ws: &mut Workstation) -> idstation_sync::SyncReport {
    ws.sync_now(&mut |_| {}).expect("sync")
}

/// Requests the node has counted so far, from its own `/metrics` (this read is counted once it
/// is answered, so it adds one to the next read).
fn node_requests(node: &Node) -> u64 {
    let text = client()
        .get(node.url("/metrics"))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.text())
        .expect("metrics");
    let total: f64 = text
        .lines()
        .filter(|l| l.starts_with("idstation_requests_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    total as u64
}

/// Requests a sync made, as the node counted them.
fn counted_at_node(node: &Node, run: impl FnOnce() -> idstation_sync::SyncReport) -> u64 {
    let before = node_requests(node);
    run();
    node_requests(node) - before - 1
}

fn edit(ws: &mut Workstation, id: &str, field: Field, value: &str) {
    ws.edit(id, &[(field, value.to_owned())], None)
        .expect("edit");
}

#[test]
fn offline_registrations_reach_the_node_and_other_workstations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, _) = node_with_technician(dir.path());
    let mut a = workstation(dir.path(), "a", &node);
    let mut b = workstation(dir.path(), "b", &node);

    // The first sync leases identifiers; after it, registration needs no network.
    let first = sync(&mut a);
    assert!(first.leased >= 50, "{first:?}");
    let ids: Vec<String> = ["数字万用表", "压力变送器", "游标卡尺"]
        .iter()
        .map(|n| {
            a.register_minted(&input(n))
                .expect("register")
                .instrument
                .identifier
                .to_string()
        })
        .collect();
    assert!(
        ids.iter().all(|id| id.starts_with("88.118.8/CAL-")),
        "{ids:?}"
    );

    let report = sync(&mut a);
    assert_eq!(report.pushed.applied, 3, "{report:?}");
    assert_eq!(a.sync_status().expect("status").pending_ops, 0);
    // Resolvable at the node as typed handle values.
    let c = client();
    let (status, body) = done(
        c.get(node.url(&format!("/api/handles/{}", ids[0])))
            .send()
            .expect("get"),
    );
    assert_eq!(status, 200, "{body}");
    let name = body["values"]
        .as_array()
        .expect("values")
        .iter()
        .find(|v| v["type"] == "IDS.NAME")
        .expect("a name value");
    assert_eq!(name["data"]["value"], "数字万用表");
    // And a phone scanning its label reaches a page about it.
    let page = c
        .get(node.url(&format!("/{}", ids[0].to_lowercase())))
        .send()
        .expect("scan");
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().expect("page").contains("数字万用表"));
    // And a Handle.net client resolves it too.
    let steps = pyhandle(&["read", &node.base, &ids[0]]);
    assert_eq!(steps[0]["record"]["IDS.NAME"], "数字万用表", "{steps:?}");

    // The other workstation pulls them.
    let pulled = sync(&mut b);
    assert_eq!(pulled.pulled, 3);
    assert_eq!(b.find(&ids[2]).expect("pulled").instrument.name, "游标卡尺");
    let query = idstation_workstation::InstrumentQuery {
        text: "压力".into(),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(b.find_instruments(&query).expect("search").records.len(), 1);

    // Registration-to-resolvable time is recorded for each registration.
    let conn = a.store().connection();
    let timed: i64 = conn
        .query_row(
            "SELECT count(*) FROM op_results WHERE resolvable_after_ms IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(timed, 3);
}

#[test]
fn disjoint_edits_merge_and_the_same_field_becomes_a_conflict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, _) = node_with_technician(dir.path());
    let (mut a, mut b, id) = two_stations_sharing(dir.path(), &node, "数字万用表");

    // Different fields on both sides: both survive everywhere.
    edit(&mut a, &id, Field::Location, "二楼");
    edit(&mut b, &id, Field::Owner, "华南计量");
    sync(&mut a);
    let report = sync(&mut b);
    assert_eq!((report.pushed.applied, report.pushed.conflicts), (1, 0));
    sync(&mut a);
    for ws in [&a, &b] {
        let rec = ws.find(&id).expect("record").instrument;
        assert_eq!(rec.location.as_deref(), Some("二楼"));
        assert_eq!(rec.owner.as_deref(), Some("华南计量"));
    }

    // The same field on both sides: B's change becomes a conflict, never silently dropped.
    edit(&mut a, &id, Field::Location, "三楼");
    edit(&mut b, &id, Field::Location, "四楼");
    sync(&mut a);
    let report = sync(&mut b);
    assert_eq!(report.pushed.conflicts, 1, "{report:?}");
    let open = b.conflicts(true).expect("conflicts");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].field, "location");
    assert_eq!(open[0].local.as_deref(), Some("四楼"));
    assert_eq!(open[0].server.as_deref(), Some("三楼"));
    // Server-authoritative meanwhile: B shows the node's value.
    assert_eq!(
        b.find(&id).expect("record").instrument.location.as_deref(),
        Some("三楼")
    );

    // The person keeps B's value: a new edit that reaches everyone.
    b.resolve_conflict(open[0].id, &Resolution::Local)
        .expect("resolve");
    assert!(b.conflicts(true).expect("conflicts").is_empty());
    assert!(
        b.resolve_conflict(open[0].id, &Resolution::Server).is_err(),
        "settled once"
    );
    sync(&mut b);
    sync(&mut a);
    assert_eq!(
        a.find(&id).expect("record").instrument.location.as_deref(),
        Some("四楼")
    );
    assert!(a.verify().expect("verify").audit.problem.is_none());
}

#[test]
fn an_idle_sync_costs_one_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, _) = node_with_technician(dir.path());
    let mut a = workstation(dir.path(), "a", &node);
    sync(&mut a);
    // Counted where it costs: at the node, not by the client's own tally.
    let read = node_requests(&node);
    assert_eq!(
        node_requests(&node) - read,
        1,
        "a read of the figures counts itself once"
    );
    let mut idle = None;
    let at_node = counted_at_node(&node, || idle.insert(sync(&mut a)).clone());
    // (The report figures pulled by the first sync stay fresh for a quarter of an hour.)
    assert_eq!((at_node, idle.map(|r| r.requests)), (1, Some(1)));
    // One registration: one push and one pull.
    a.register_minted(&input("温度计")).expect("register");
    let mut one = None;
    let at_node = counted_at_node(&node, || one.insert(sync(&mut a)).clone());
    assert_eq!((at_node, one.map(|r| r.requests)), (2, Some(2)));
}

#[test]
fn a_conflict_settled_with_the_nodes_value_or_a_merged_one_reaches_everyone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, _) = node_with_technician(dir.path());
    let (mut a, mut b, id) = two_stations_sharing(dir.path(), &node, "压力表");
    edit(&mut a, &id, Field::Location, "三楼");
    edit(&mut a, &id, Field::Owner, "甲方计量");
    edit(&mut b, &id, Field::Location, "四楼");
    edit(&mut b, &id, Field::Owner, "乙方计量");
    sync(&mut a);
    sync(&mut b);
    let open = b.conflicts(true).expect("conflicts");
    let on = |field: &str| {
        open.iter()
            .find(|c| c.field == field)
            .unwrap_or_else(|| panic!("a conflict on {field}: {open:?}"))
            .clone()
    };
    let (location, owner) = (on("location"), on("owner"));
    assert_eq!(
        (owner.local.as_deref(), owner.server.as_deref()),
        (Some("乙方计量"), Some("甲方计量"))
    );

    // An empty merged box is refused before anything is touched.
    let e = conflict_choice(None, Some("  ".into())).expect_err("empty merge");
    assert_eq!(e.code(), "merged_value_empty");
    assert!(e
        .message(idstation_workstation::Lang::ZhCn)
        .contains("合并"));
    assert_eq!(b.conflicts(true).expect("conflicts").len(), open.len());

    // The node's value for the location: nothing new to push for it.
    b.resolve_conflict(
        location.id,
        &conflict_choice(Some("server"), None).expect("take"),
    )
    .expect("take the node's value");
    // A merged owner: a new edit that reaches everyone.
    b.resolve_conflict(
        owner.id,
        &conflict_choice(None, Some("甲方/乙方计量".into())).expect("merge"),
    )
    .expect("merged");
    assert!(b.conflicts(true).expect("conflicts").is_empty());
    let pushed = sync(&mut b);
    assert_eq!(
        (pushed.pushed.applied, pushed.pushed.conflicts),
        (1, 0),
        "only the merged edit goes: {pushed:?}"
    );
    sync(&mut a);
    // A third station that never saw the conflict gets the settled record from the node.
    let mut c = workstation(dir.path(), "c", &node);
    sync(&mut c);
    for ws in [&a, &b, &c] {
        let rec = ws.find(&id).expect("record").instrument;
        assert_eq!(rec.location.as_deref(), Some("三楼"));
        assert_eq!(rec.owner.as_deref(), Some("甲方/乙方计量"));
    }
    // Each settling is in B's audit chain, with its choice.
    let settled: Vec<String> = b
        .audit_log(Some(&id), 50)
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == "resolve_conflict")
        .filter_map(|e| e.after)
        .collect();
    assert_eq!(settled.len(), 2, "{settled:?}");
    assert!(settled[0].contains("\"value\"") && settled[0].contains("甲方/乙方计量"));
    assert!(settled[1].contains("\"server\""));
    assert!(b.verify().expect("verify").audit.problem.is_none());
}

/// The sync's token as the station keeps it.
fn station_token(dir: &Path, name: &str) -> String {
    Store::open(&dir.join(name).join(idstation_workstation::DB_FILE))
        .expect("open")
        .sync_settings()
        .expect("settings")
        .token
        .expect("a token")
}

#[test]
fn a_token_refused_mid_sync_signs_in_again_and_loses_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, _) = node_with_technician(dir.path());
    let mut a = workstation(dir.path(), "a", &node);
    sync(&mut a);
    for i in 0..5 {
        a.register_minted(&input(&format!("卡尺{i}")))
            .expect("register");
    }
    drop(a);
    let mut store =
        Store::open(&dir.path().join("a").join(idstation_workstation::DB_FILE)).expect("open");
    let config = SyncConfig {
        push_batch: 2,
        ..SyncConfig::default()
    };
    let engine = SyncEngine::new(HttpTransport::new(&node.base).expect("transport"), config);
    // After the first batch the node ends the token (as it does when a token expires or the
    // person signs out elsewhere): the next batch is refused, the station signs in again with
    // its device secret once, and goes on.
    let first = station_token(dir.path(), "a");
    let mut revoked = false;
    let before = node_requests(&node);
    let report = engine
        .sync(&mut store, &mut |p| {
            if !revoked && matches!(p, idstation_sync::Progress::Pushing { sent: 2, .. }) {
                let (status, _) = done(
                    client()
                        .post(node.url("/api/v1/logout"))
                        .bearer_auth(&first)
                        .send()
                        .expect("logout"),
                );
                assert_eq!(status, 204);
                revoked = true;
            }
        })
        .expect("the sync goes on with a new token");
    assert!(revoked, "the token was ended mid-push");
    assert_eq!(report.pushed.applied, 5, "{report:?}");
    assert_ne!(station_token(dir.path(), "a"), first);
    // 3 batches + 1 refused + 1 sign-in + 1 pull (the report figures are fresh), and the
    // logout: counted at the node.
    assert_eq!(report.requests, 6, "{report:?}");
    assert_eq!(node_requests(&node) - before - 1, 6 + 1);
    // Nothing twice: a fresh station pulls exactly the 5.
    let mut b = workstation(dir.path(), "b", &node);
    assert_eq!(sync(&mut b).pulled, 5);
    assert_eq!(
        engine.sync(&mut store, &mut |_| {}).expect("idle").pushed,
        Default::default()
    );
}

#[test]
fn a_lease_used_up_offline_refuses_the_next_number_clearly_and_the_next_sync_leases_more() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, _) = node_with_technician(dir.path());
    let mut a = workstation(dir.path(), "a", &node);
    sync(&mut a);
    let leased = SyncConfig::default().lease_count as usize;
    let mut minted = std::collections::BTreeSet::new();
    for i in 0..leased {
        let rec = a
            .register_minted(&input(&format!("量块{i}")))
            .expect("register within the lease");
        assert!(minted.insert(rec.instrument.identifier.to_string()));
    }
    // The lease is used up: a clear refusal in the person's language, nothing written.
    let e = a
        .register_minted(&input("多出的一台"))
        .expect_err("no numbers left");
    assert_eq!(e.code(), "no_lease", "{e:?}");
    assert!(e
        .message(idstation_workstation::Lang::ZhCn)
        .contains("联网同步"));
    assert_eq!(a.store().count_instruments().expect("count"), leased as i64);
    // Back online: the sync pushes them all and leases more; the next number is new.
    let report = sync(&mut a);
    assert_eq!(report.pushed.applied, leased as u64);
    assert_eq!(report.leased, leased as u64);
    let next = a
        .register_minted(&input("多出的一台"))
        .expect("a new number")
        .instrument
        .identifier
        .to_string();
    assert!(minted.insert(next), "never a number twice");
    sync(&mut a);
    let mut b = workstation(dir.path(), "b", &node);
    assert_eq!(sync(&mut b).pulled, leased as u64 + 1);
}

/// Registers `n` instruments at the node through a workstation, then pulls them into a fresh
/// one with pages of `page`.
fn pull_pages(n: usize, page: u32) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, _) = node_with_technician(dir.path());
    let mut a = workstation(dir.path(), "a", &node);
    sync(&mut a);
    for i in 0..n {
        a.register_minted(&input(&format!("仪器{i}")))
            .expect("register");
    }
    sync(&mut a);
    drop(workstation(dir.path(), "b", &node));
    let mut b =
        Store::open(&dir.path().join("b").join(idstation_workstation::DB_FILE)).expect("open");
    let config = SyncConfig {
        pull_page: page,
        push_batch: page,
        ..SyncConfig::default()
    };
    let engine = SyncEngine::new(HttpTransport::new(&node.base).expect("transport"), config);
    let mut report = None;
    let at_node = counted_at_node(&node, || {
        report
            .insert(engine.sync(&mut b, &mut |_| {}).expect("sync"))
            .clone()
    });
    let report = report.expect("synced");
    assert_eq!(
        at_node, report.requests,
        "the node counts what the client says"
    );
    assert_eq!(report.pulled, n as u64, "n={n} page={page}");
    assert_eq!(b.count_instruments().expect("count"), n as i64);
    // One request per page (the node looks one row ahead, so an exact page needs no empty
    // follow-up), plus the first lease, plus the report figures of this and last month.
    let pages = (n as u64).div_ceil(u64::from(page)).max(1);
    assert_eq!(report.report_months, 2, "{report:?}");
    assert_eq!(
        report.requests,
        pages + 1 + 2,
        "n={n} page={page}: {report:?}"
    );
    let at_node = counted_at_node(&node, || engine.sync(&mut b, &mut |_| {}).expect("sync"));
    assert_eq!(at_node, 1, "an idle sync, counted at the node");
}

#[test]
fn page_boundaries() {
    for n in [0, 5, 6, 17] {
        pull_pages(n, 5);
    }
}

#[test]
fn a_cursor_older_than_retention_refetches_a_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, data_dir) = node_with_technician(dir.path());
    let mut a = workstation(dir.path(), "a", &node);
    let mut b = workstation(dir.path(), "b", &node);
    sync(&mut a);
    for i in 0..12 {
        a.register_minted(&input(&format!("仪器{i}")))
            .expect("register");
    }
    sync(&mut a);
    sync(&mut b);
    // More changes, then the node drops its whole change log.
    let id = a
        .register_minted(&input("新仪器"))
        .expect("register")
        .instrument
        .identifier
        .to_string();
    sync(&mut a);
    use idstation_node::storage::SyncStore;
    idstation_node::SqliteStore::open(&data_dir)
        .expect("open node")
        .prune_changes(u64::MAX / 2)
        .expect("prune");
    let report = sync(&mut b);
    assert!(report.refetched, "{report:?}");
    assert_eq!(report.pulled, 13);
    assert!(b.find(&id).is_ok());
    // Afterwards it pulls normally again.
    edit(&mut a, &id, Field::Location, "五楼");
    sync(&mut a);
    let after = sync(&mut b);
    assert!(!after.refetched);
    assert_eq!(
        b.find(&id).expect("record").instrument.location.as_deref(),
        Some("五楼")
    );
}

/// The scan use case (app and `idstation resolve`): this workstation's record first, then the
/// node's handle record for one registered elsewhere, and "unknown" when neither has it — also
/// when the node cannot be reached, with the reason.
#[test]
fn a_scan_resolves_at_the_node_when_the_record_is_not_here() {
    use idstation_workstation::view::ScanOutcome;
    use idstation_workstation::Lang;
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, _) = node_with_technician(dir.path());
    let mut a = workstation(dir.path(), "a", &node);
    let b = workstation(dir.path(), "b", &node);
    sync(&mut a);
    let id = a
        .register_minted(&input("数字压力计"))
        .expect("register")
        .instrument
        .identifier
        .to_string();
    let today = chrono::Local::now().date_naive();
    // Not yet synced: b knows nothing, nor does the node.
    assert_eq!(
        b.resolve_scan(&id, today, Lang::ZhCn).expect("scan"),
        ScanOutcome::Unknown {
            identifier: id.clone(),
            node_note: None
        }
    );
    sync(&mut a);
    assert_eq!(
        a.resolve_scan(&format!("hdl:{id}"), today, Lang::ZhCn)
            .expect("scan"),
        ScanOutcome::Local {
            identifier: id.clone()
        }
    );
    match b
        .resolve_scan(&format!("https://id.example.cn/{id}"), today, Lang::ZhCn)
        .expect("scan")
    {
        ScanOutcome::Node { identifier, view } => {
            assert_eq!(identifier, id);
            assert_eq!(view.name, "数字压力计");
            assert_eq!(view.source, "node");
            assert!(view.fields.iter().any(|f| f.value == "DMM6500"));
        }
        other => panic!("expected the node's record, got {other:?}"),
    }
    drop(node);
    match b.resolve_scan(&id, today, Lang::ZhCn).expect("scan") {
        ScanOutcome::Unknown {
            node_note: Some(note),
            ..
        } => assert!(note.contains("无法连接节点"), "{note}"),
        other => panic!("expected unknown with a note, got {other:?}"),
    }
}

/// Copies the files of a stopped node's data folder (its database and WAL).
fn copy_files(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    }
}

/// Several push batches against a node that was restored from an older backup: it answers
/// with an older high-water mark, the workstation rewinds and sends again what the node lost,
/// and the node ends with every record once.
#[test]
fn a_node_restored_from_a_backup_gets_the_lost_ops_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, data_dir) = node_with_technician(dir.path());
    let ws_dir = dir.path().join("a");
    drop(workstation(dir.path(), "a", &node));
    let config = SyncConfig {
        push_batch: 4,
        pull_page: 4,
        ..SyncConfig::default()
    };
    let register = |n: usize, from: usize| {
        let mut ws = Workstation::open(&ws_dir, "a").expect("open workstation");
        for i in from..from + n {
            ws.register_minted(&input(&format!("仪器{i}")))
                .expect("register");
        }
    };
    let push = |base: &str| {
        let mut store = Store::open(&ws_dir.join(idstation_workstation::DB_FILE)).expect("open");
        let engine = SyncEngine::new(HttpTransport::new(base).expect("transport"), config.clone());
        let report = engine.sync(&mut store, &mut |_| {}).expect("sync");
        assert_eq!(store.sync_status().expect("status").pending_ops, 0);
        report
    };
    push(&node.base); // the first lease
    register(6, 0);
    assert_eq!(push(&node.base).pushed.applied, 6);
    node.terminate();
    let backup = dir.path().join("backup");
    copy_files(&data_dir, &backup);

    let node = Node::start(&data_dir);
    register(7, 6);
    assert_eq!(push(&node.base).pushed.applied, 7);
    node.terminate();
    copy_files(&backup, &data_dir);

    let node = Node::start(&data_dir);
    register(3, 13);
    // Ops 14-16 go first; the node stands at 6, so 7-10, 11-14 and 15-16 follow, then the
    // pull. Ops 7-13 have their answers stored here already: only 3 count as new.
    let report = push(&node.base);
    assert_eq!(report.requests, 5, "{report:?}");
    assert_eq!(report.pushed.applied, 3, "{report:?}");
    assert_eq!(report.pushed.duplicates, 0, "{report:?}");
    drop(workstation(dir.path(), "b", &node));
    let mut b =
        Store::open(&dir.path().join("b").join(idstation_workstation::DB_FILE)).expect("open");
    let engine = SyncEngine::new(HttpTransport::new(&node.base).expect("transport"), config);
    assert_eq!(engine.sync(&mut b, &mut |_| {}).expect("pull").pulled, 16);
    assert_eq!(b.count_instruments().expect("count"), 16);
}
