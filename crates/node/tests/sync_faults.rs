//! A model-based test of sync: random sequences of registrations, edits and syncs on two
//! workstations, with dropped requests, responses lost after the node committed, duplicated
//! deliveries, workstation restarts and node restarts; records are edited and deleted on either
//! side. After the network heals, every local op has been applied exactly once, cursors never
//! went back, all replicas agree, and what they agree on is the model's tally: every
//! registration is a record, every deletion a deleted one, every write one op.

mod common;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use common::*;
use idstation_model::lease::SuffixLease;
use idstation_model::sync::{PushRequest, PushResponse, SnapshotPage};
use idstation_model::{Field, InstrumentInput};
use idstation_store::Store;
use idstation_sync::{
    HttpTransport, PullReply, Puller, SyncConfig, SyncEngine, SyncError, Token, Transport,
};
use idstation_workstation::Workstation;
use proptest::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// The request never reaches the node.
    DropRequest,
    /// The node handles it, the answer is lost.
    DropResponse,
    /// The request arrives twice.
    Duplicate,
}

/// The real HTTP transport with faults injected per call.
struct Faulty {
    inner: HttpTransport,
    faults: RefCell<VecDeque<Fault>>,
}

impl Faulty {
    fn call<R>(&self, f: impl Fn() -> Result<R, SyncError>) -> Result<R, SyncError> {
        let fault = self.faults.borrow_mut().pop_front().unwrap_or(Fault::None);
        match fault {
            Fault::None => f(),
            Fault::DropRequest => Err(SyncError::Network("request dropped".into())),
            Fault::DropResponse => {
                let _ = f();
                Err(SyncError::Network("response dropped".into()))
            }
            Fault::Duplicate => {
                let _ = f();
                f()
            }
        }
    }
}

impl Transport for Faulty {
    fn login_device(&self, device_id: &str, secret: &str) -> Result<Token, SyncError> {
        self.call(|| self.inner.login_device(device_id, secret))
    }
    fn push(&self, token: &str, request: &PushRequest) -> Result<PushResponse, SyncError> {
        self.call(|| self.inner.push(token, request))
    }
    fn pull(
        &self,
        token: &str,
        cursor: u64,
        limit: u32,
        puller: Puller<'_>,
    ) -> Result<PullReply, SyncError> {
        self.call(|| self.inner.pull(token, cursor, limit, puller))
    }
    fn snapshot(
        &self,
        token: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<SnapshotPage, SyncError> {
        self.call(|| self.inner.snapshot(token, after, limit))
    }
    fn lease(&self, token: &str, device_id: &str, count: u64) -> Result<SuffixLease, SyncError> {
        self.call(|| self.inner.lease(token, device_id, count))
    }
    fn report_input(&self, token: &str, month: &str) -> Result<String, SyncError> {
        self.call(|| self.inner.report_input(token, month))
    }
}

#[derive(Debug, Clone)]
enum Action {
    Register {
        ws: usize,
    },
    Edit {
        ws: usize,
        pick: usize,
        field: usize,
        value: u8,
    },
    Delete {
        ws: usize,
        pick: usize,
    },
    Sync {
        ws: usize,
        faults: Vec<Fault>,
    },
    RestartNode,
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        4 => Just(Fault::None),
        1 => Just(Fault::DropRequest),
        1 => Just(Fault::DropResponse),
        1 => Just(Fault::Duplicate),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => (0..2usize).prop_map(|ws| Action::Register { ws }),
        3 => (0..2usize, 0..8usize, 0..2usize, 0..3u8)
            .prop_map(|(ws, pick, field, value)| Action::Edit { ws, pick, field, value }),
        1 => (0..2usize, 0..8usize).prop_map(|(ws, pick)| Action::Delete { ws, pick }),
        4 => (0..2usize, prop::collection::vec(fault(), 0..4))
            .prop_map(|(ws, faults)| Action::Sync { ws, faults }),
        1 => Just(Action::RestartNode),
    ]
}

const PASSWORD: &str = "calib2026";

struct World {
    _dir: tempfile::TempDir,
    node_dir: PathBuf,
    node: Option<Node>,
    listen: String,
    stations: Vec<PathBuf>,
    cursors: Vec<u64>,
    model: Model,
}

/// What the actions did, counted as they did it.
#[derive(Default)]
struct Model {
    /// Ops each workstation wrote (a registration, an edit that changed something, a delete).
    ops: [i64; 2],
    registered: BTreeSet<String>,
    deleted: BTreeSet<String>,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().expect("tempdir");
        let node_dir = init(dir.path());
        // The node takes a free port itself, and restarts keep it (a port freed by a probe
        // could be taken by another test before the node binds it).
        let node = Node::start(&node_dir);
        let listen = node.base.trim_start_matches("http://").to_owned();
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
        let mut stations = Vec::new();
        for name in ["a", "b"] {
            let data = dir.path().join(name);
            let mut ws = Workstation::init(&data, "88.118.8", name).expect("init");
            ws.sync_login(&node.base, "tech", PASSWORD, name)
                .expect("login");
            ws.sync_now(&mut |_| {})
                .expect("first sync leases identifiers");
            stations.push(data);
        }
        World {
            _dir: dir,
            node_dir,
            node: Some(node),
            listen,
            stations,
            cursors: vec![0, 0],
            model: Model::default(),
        }
    }

    fn base(&self) -> String {
        self.node.as_ref().expect("node").base.clone()
    }

    /// Each action opens the workstation afresh: a restart of the program between any two.
    fn open(&self, ws: usize) -> Workstation {
        Workstation::open(&self.stations[ws], "tester").expect("open")
    }

    fn sync(&mut self, ws: usize, faults: Vec<Fault>) -> Result<(), SyncError> {
        let path = self.stations[ws].join(idstation_workstation::DB_FILE);
        let mut store = Store::open(&path).expect("open store");
        let before = store.pull_position().expect("cursor").0;
        let transport = Faulty {
            inner: HttpTransport::new(&self.base()).expect("transport"),
            faults: RefCell::new(faults.into()),
        };
        let config = SyncConfig {
            attempts: 1,
            push_batch: 3,
            pull_page: 3,
            ..SyncConfig::default()
        };
        let result = SyncEngine::new(transport, config).sync(&mut store, &mut |_| {});
        let after = store.pull_position().expect("cursor").0;
        assert!(after >= before, "the cursor went back: {before} -> {after}");
        assert!(after >= self.cursors[ws]);
        self.cursors[ws] = after;
        result.map(|_| ())
    }

    fn run(&mut self, action: &Action) {
        match action {
            Action::Register { ws } => {
                let mut i = InstrumentInput::default();
                i.set(&Field::Name, "数字万用表");
                i.set(&Field::Location, "一楼");
                let record = self.open(*ws).register_minted(&i).expect("register");
                self.model.ops[*ws] += 1;
                self.model
                    .registered
                    .insert(record.instrument.identifier.to_string());
            }
            Action::Edit {
                ws,
                pick,
                field,
                value,
            } => {
                let mut w = self.open(*ws);
                let list = w
                    .find_instruments(&Default::default())
                    .expect("list")
                    .records;
                if list.is_empty() {
                    return;
                }
                let id = list[pick % list.len()].instrument.identifier.to_string();
                let field = if *field == 0 {
                    Field::Location
                } else {
                    Field::Owner
                };
                let changed = w
                    .edit(&id, &[(field, format!("值{value}"))], None)
                    .expect("edit");
                self.model.ops[*ws] += i64::from(changed.is_some());
            }
            Action::Delete { ws, pick } => {
                let mut w = self.open(*ws);
                let list = w
                    .find_instruments(&Default::default())
                    .expect("list")
                    .records;
                if list.is_empty() {
                    return;
                }
                let id = list[pick % list.len()].instrument.identifier.to_string();
                w.delete(&id, "报废").expect("delete");
                self.model.ops[*ws] += 1;
                self.model.deleted.insert(id);
            }
            Action::Sync { ws, faults } => {
                let _ = self.sync(*ws, faults.clone());
            }
            Action::RestartNode => {
                if let Some(node) = self.node.take() {
                    node.terminate();
                }
                self.node = Some(Node::try_start(&self.node_dir, &self.listen).expect("restart"));
            }
        }
    }

    /// Syncs everyone without faults until nothing moves, then checks the invariants.
    fn heal_and_check(&mut self) {
        for _ in 0..3 {
            for ws in 0..self.stations.len() {
                self.sync(ws, vec![]).expect("a fault-free sync succeeds");
            }
        }
        let node_db =
            rusqlite::Connection::open(self.node_dir.join("node.sqlite")).expect("node db");
        let mut node_records: BTreeMap<String, String> = BTreeMap::new();
        let mut node_deleted: BTreeSet<String> = BTreeSet::new();
        {
            let mut stmt = node_db
                .prepare("SELECT handle, body, deleted FROM records")
                .expect("prepare");
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, bool>(2)?,
                    ))
                })
                .expect("query");
            for row in rows {
                let (h, b, deleted) = row.expect("row");
                if deleted {
                    node_deleted.insert(h.clone());
                }
                node_records.insert(h, b);
            }
        }
        // The node holds what the actions made: every registration a record (a node refusing
        // them all would leave none), every deletion a deleted one.
        let registered: BTreeSet<String> = node_records.keys().cloned().collect();
        assert_eq!(registered, self.model.registered, "the node's records");
        assert_eq!(
            node_deleted, self.model.deleted,
            "the node's deleted records"
        );
        for ws in 0..self.stations.len() {
            let w = self.open(ws);
            let store = w.store();
            let device = store.device().device_id.to_string();
            let outbox: i64 = store
                .connection()
                .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
                .expect("outbox");
            let answered: i64 = store
                .connection()
                .query_row("SELECT count(*) FROM op_results", [], |r| r.get(0))
                .expect("results");
            let applied_at_node: i64 = node_db
                .query_row(
                    "SELECT count(*) FROM applied_ops WHERE device_id = ?1",
                    [&device],
                    |r| r.get(0),
                )
                .expect("applied");
            assert_eq!(
                outbox, self.model.ops[ws],
                "workstation {ws}: one op per write"
            );
            assert_eq!(
                answered, outbox,
                "workstation {ws}: every op has exactly one answer"
            );
            assert_eq!(
                applied_at_node, outbox,
                "workstation {ws}: every op reached the node once"
            );
            let status = w.sync_status().expect("status");
            assert_eq!(status.pending_ops, 0);
            // Converged: every record here is the node's record.
            let local = w
                .find_instruments(&idstation_workstation::InstrumentQuery {
                    limit: 10_000,
                    include_deleted: true,
                    ..Default::default()
                })
                .expect("list")
                .records;
            assert_eq!(
                local.len(),
                node_records.len(),
                "workstation {ws} has every record"
            );
            for rec in local {
                let id = rec.instrument.identifier.to_string();
                let node_body: idstation_model::Instrument =
                    serde_json::from_str(&node_records[&id]).expect("node body");
                assert_eq!(
                    rec.instrument, node_body,
                    "workstation {ws} differs on {id}"
                );
                assert_eq!(
                    rec.deleted_at.is_some(),
                    node_deleted.contains(&id),
                    "workstation {ws} differs on whether {id} is deleted"
                );
            }
            assert!(w.verify().expect("verify").audit.problem.is_none());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("IDSTATION_SYNC_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(6),
        max_shrink_iters: 20,
        .. ProptestConfig::default()
    })]

    #[test]
    fn sync_survives_faults_and_converges(actions in prop::collection::vec(action(), 5..30)) {
        let mut world = World::new();
        for a in &actions {
            world.run(a);
        }
        world.heal_and_check();
    }
}
