//! `kill -9` during a large sync, of the workstation's process and, separately, of the node:
//! after restarts and a final sync, every op was applied exactly once and every record arrived
//! once. `IDSTATION_SYNC_KILLS` sets the number of kills (CI: 20; bench/run-sync-kill.sh: more).

mod common;

use std::time::Instant;

use common::*;
use idstation_model::{Field, InstrumentInput};
use idstation_store::Store;
use idstation_sync::{HttpTransport, SyncConfig, SyncEngine};
use idstation_workstation::Workstation;
use rand::{Rng, SeedableRng};

const PASSWORD: &str = "calib2026";
const CHILD_DB: &str = "IDSTATION_SYNC_CHILD_DB";
const CHILD_URL: &str = "IDSTATION_SYNC_CHILD_URL";

/// The child: syncs until there is nothing left, whatever fails on the way. Run only by the
/// parent test, which sets its environment (ignored otherwise, so it is never counted as a pass).
#[test]
#[ignore = "the child process of kill_9_during_a_large_sync_loses_and_duplicates_nothing"]
fn sync_child() {
    let db = std::env::var(CHILD_DB).expect("run by kill_9_during_a_large_sync_loses_and_duplicates_nothing, which sets IDSTATION_SYNC_CHILD_DB");
    let url = std::env::var(CHILD_URL).expect("run by kill_9_during_a_large_sync_loses_and_duplicates_nothing, which sets IDSTATION_SYNC_CHILD_URL");
    let mut store = Store::open(Path::new(&db)).expect("open");
    let config = SyncConfig {
        push_batch: 25,
        pull_page: 50,
        attempts: 1,
        ..SyncConfig::default()
    };
    let engine = SyncEngine::new(HttpTransport::new(&url).expect("transport"), config);
    loop {
        match engine.sync(&mut store, &mut |_| {}) {
            Ok(r) if r.requests <= 1 => return,
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn spawn_child(db: &Path, url: &str) -> Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "sync_child",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DB, db)
        .env(CHILD_URL, url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child")
}

fn count(conn: &rusqlite::Connection, sql: &str, arg: &str) -> i64 {
    conn.query_row(sql, [arg], |r| r.get(0)).expect(sql)
}

#[test]
fn kill_9_during_a_large_sync_loses_and_duplicates_nothing() {
    let kills: usize = std::env::var("IDSTATION_SYNC_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    // Every push round brings this many new registrations, so each kill lands mid-sync.
    let batch = 400usize;
    let dir = tempfile::tempdir().expect("tempdir");
    let node_dir = init(dir.path());
    // The node takes a free port itself, and restarts keep it: a port freed by a probe could
    // be taken by another test before the node binds it.
    let mut node = Node::start(&node_dir);
    let listen = node.base.trim_start_matches("http://").to_owned();
    let url = node.base.clone();
    let c = client();
    let (_, body) = done(
        c.post(node.url("/api/v1/accounts"))
            .json(
                &json!({"username": "tech", "password": PASSWORD, "display_name": "王工",
                          "role": "technician", "enterprise_prefix": "88.118.8",
                          "enterprise_name": "华东计量"}),
            )
            .send()
            .expect("register"),
    );
    let id = body["account"]["id"].as_i64().expect("id");
    done(
        admin(c.post(node.url(&format!("/api/v1/accounts/{id}/approve"))))
            .send()
            .expect("approve"),
    );

    // A registers and pushes; B pulls. Rounds alternate, and each push round gives A a new
    // batch first, so there is always work under way when the kill comes.
    let mut datas = Vec::new();
    for name in ["a", "b"] {
        let data = dir.path().join(name);
        let mut ws = Workstation::init(&data, "88.118.8", name).expect("init");
        ws.sync_login(&url, "tech", PASSWORD, name).expect("login");
        datas.push(data);
    }
    let dbs: Vec<PathBuf> = datas
        .iter()
        .map(|d| d.join(idstation_workstation::DB_FILE))
        .collect();
    let mut n = 0usize;

    // Kill timing is random but repeatable: the seed is printed, and IDSTATION_SYNC_SEED
    // replays a run.
    let seed: u64 = std::env::var("IDSTATION_SYNC_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("kill timing seed: {seed} (IDSTATION_SYNC_SEED={seed} replays it)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (mut node_kills, mut child_kills, mut mid_sync) = (0, 0, 0usize);
    let started = Instant::now();
    for round in 0..kills {
        let pushing = round % 2 == 0;
        if pushing {
            let mut a = Workstation::open(&datas[0], "a").expect("open a");
            let instruments: Vec<_> = (n + 1..=n + batch)
                .map(|i| {
                    let mut input = InstrumentInput::default();
                    input.set(&Field::Identifier, format!("88.118.8/KILL-{i:07}"));
                    input.set(&Field::Name, format!("压力表 {i}"));
                    a.validate(&input).expect("valid")
                })
                .collect();
            a.import_instruments(&instruments, &mut |_, _| {})
                .expect("import");
            n += batch;
        }
        let db = &dbs[usize::from(!pushing)];
        let mut child = spawn_child(db, &url);
        std::thread::sleep(Duration::from_millis(rng.gen_range(5..100)));
        if round % 4 == 3 {
            // The node dies mid-sync; the workstation's requests fail until it is back.
            let _ = node.child.kill();
            let _ = node.child.wait();
            node_kills += 1;
            node = Node::try_start(&node_dir, &listen).expect("node restarts");
        }
        let _ = child.kill();
        let _ = child.wait();
        child_kills += 1;
        // Was the sync still under way when it died? (Otherwise the kill proved little.)
        let a_pending = Store::open(&dbs[0])
            .expect("open a")
            .sync_status()
            .expect("status")
            .pending_ops;
        let unfinished = if pushing {
            a_pending > 0
        } else {
            let at_node = n as i64 - a_pending;
            Store::open(&dbs[1])
                .expect("open b")
                .count_instruments()
                .expect("count")
                < at_node
        };
        mid_sync += usize::from(unfinished);
    }
    // Timing decides how many land mid-sync: about two in three on an idle machine, one in
    // three on a busy one; fewer than one in five would mean the test proves little.
    assert!(
        mid_sync * 5 >= kills,
        "only {mid_sync} of {kills} kills hit a sync under way"
    );

    // The children did sync between the kills (the final sync below would hide it if none ran).
    let pushed_by_children = n as i64
        - Store::open(&dbs[0])
            .expect("open a")
            .sync_status()
            .expect("status")
            .pending_ops;
    let pulled_by_children = Store::open(&dbs[1])
        .expect("open b")
        .count_instruments()
        .expect("count");
    assert!(
        pushed_by_children > 0 && pulled_by_children > 0,
        "the killed children synced nothing: {pushed_by_children} pushed, {pulled_by_children} pulled"
    );

    // Finish in-process, without faults.
    let engine = SyncEngine::new(
        HttpTransport::new(&url).expect("transport"),
        SyncConfig::default(),
    );
    for db in &dbs {
        let mut store = Store::open(db).expect("open");
        engine.sync(&mut store, &mut |_| {}).expect("final sync");
        let again = engine.sync(&mut store, &mut |_| {}).expect("idle sync");
        assert_eq!(again.requests, 1, "nothing left to do");
    }
    eprintln!(
        "{child_kills} workstation kills ({mid_sync} mid-sync), {node_kills} node kills, \
         {n} records, in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    node.terminate();
    let node_db = rusqlite::Connection::open(node_dir.join("node.sqlite")).expect("node db");
    let a = Store::open(&dbs[0]).expect("open a");
    let device_a = a.device().device_id.to_string();
    let outbox: i64 = a
        .connection()
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .expect("outbox");
    assert_eq!(outbox, n as i64);
    let applied = count(
        &node_db,
        "SELECT count(*) FROM applied_ops WHERE device_id = ?1",
        &device_a,
    );
    assert_eq!(applied, n as i64, "every op applied once at the node");
    let answered: i64 = a
        .connection()
        .query_row("SELECT count(*) FROM op_results", [], |r| r.get(0))
        .expect("results");
    assert_eq!(answered, n as i64, "every op answered once here");
    let records = count(
        &node_db,
        "SELECT count(*) FROM records WHERE prefix = ?1",
        "88.118.8",
    );
    assert_eq!(records, n as i64, "no record lost or doubled at the node");
    let handles = count(
        &node_db,
        "SELECT count(*) FROM handles WHERE handle LIKE ?1",
        "88.118.8/%",
    );
    assert_eq!(handles, n as i64, "every record resolves");
    let b = Store::open(&dbs[1]).expect("open b");
    assert_eq!(
        b.count_instruments().expect("count"),
        n as i64,
        "B pulled every record once"
    );
    for s in [&a, &b] {
        assert!(s.audit_verify().expect("audit").problem.is_none());
        assert!(s.check_consistency().expect("consistency").is_consistent());
    }
    idstation_node::SqliteStore::open(&node_dir)
        .expect("open node")
        .verify_audit()
        .expect("node audit chain intact");
}
