//! The station's side of sync, fed whatever a node (or whoever answers at its address) sends
//! back: sign-in answers, push results, pull pages, "must refetch", snapshot pages, leases and
//! report figures, as JSON text decoded the way `HttpTransport` decodes it, through the real
//! `SyncEngine` and the real SQLite store. Nothing panics; after any sync, successful or not,
//! the station's records, outbox and audit trail are still consistent and its status reads; and
//! every answer the store refuses on its own (`record_push`, `apply_pull_page`,
//! `apply_snapshot_page`, `add_lease`, `save_report_input`) leaves the database exactly as it
//! was. A lease the station accepts must still let it name its next instrument.
#![no_main]

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use idstation_fuzz::{copy_db, copy_file, fingerprint, scratch, station, STATION_PREFIX};
use idstation_model::lease::SuffixLease;
use idstation_model::sync::{PullResponse, PushRequest, PushResponse, SnapshotPage};
use idstation_store::sync::SyncSettings;
use idstation_store::Store;
use idstation_sync::{PullReply, Puller, SyncConfig, SyncEngine, SyncError, Token, Transport};
use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

/// A station ready to sync, saved aside: its database and its sealed secrets file, which is
/// bound to the database's path, so each run copies both back to `live`.
struct Station {
    live: PathBuf,
    saved: PathBuf,
    device_id: String,
}

impl Station {
    fn make(dir: &Path, name: &str, busy: bool) -> Station {
        let live = dir.join(format!("{name}.sqlite"));
        let mut store = if busy {
            station(&live)
        } else {
            Store::create(&live, STATION_PREFIX, "fuzz").expect("a station")
        };
        store
            .save_sync_settings(&SyncSettings {
                node_url: Some("http://node.invalid".into()),
                username: Some("tech".into()),
                device_secret: Some("device-secret".into()),
                token: Some("token".into()),
                token_expires_at: None,
            })
            .expect("settings");
        let device_id = store.device().device_id.to_string();
        drop(store);
        let saved = dir.join(format!("{name}.saved"));
        copy_file(&live, &saved);
        copy_file(&secrets(&live), &secrets(&saved));
        Station {
            live,
            saved,
            device_id,
        }
    }

    /// The station as it was made, opened.
    fn fresh(&self) -> Store {
        copy_db(&self.saved, &self.live);
        copy_file(&secrets(&self.saved), &secrets(&self.live));
        Store::open(&self.live).expect("open the station")
    }
}

fn secrets(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".secrets");
    p.into()
}

struct Fixture {
    busy: Station,
    idle: Station,
    /// A real instrument as JSON: pulled records are this with fields changed.
    instrument: Value,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let dir = scratch("sync");
    let instrument = serde_json::to_value(idstation_fuzz::instrument(
        &format!("{STATION_PREFIX}/FUZZ-1"),
        "数字万用表",
        Some("A-001"),
    ))
    .expect("JSON");
    Fixture {
        busy: Station::make(&dir, "busy", true),
        idle: Station::make(&dir, "idle", false),
        instrument,
    }
});

// ---- What the node may answer, as fuzzed structures and as raw text. ----

#[derive(Arbitrary, Debug, Clone)]
enum Fail {
    Network,
    Server(u16),
    Unauthorized,
    Refused,
    Protocol,
}

impl Fail {
    fn error(&self) -> SyncError {
        match self {
            Fail::Network => SyncError::Network("fuzz".into()),
            Fail::Server(s) => SyncError::Server {
                status: 500 + s % 100,
                message: "fuzz".into(),
            },
            Fail::Unauthorized => SyncError::Unauthorized,
            Fail::Refused => SyncError::Refused {
                code: "forbidden".into(),
                message: "fuzz".into(),
                message_en: "fuzz".into(),
                field: None,
            },
            Fail::Protocol => SyncError::Protocol("fuzz".into()),
        }
    }
}

#[derive(Arbitrary, Debug, Clone)]
enum Num {
    Small(u8),
    Any(u64),
    Max,
    Signed(i64),
}

impl Num {
    fn json(&self) -> Value {
        match self {
            Num::Small(n) => json!(n),
            Num::Any(n) => json!(n),
            Num::Max => json!(u64::MAX),
            Num::Signed(n) => json!(n),
        }
    }
}

#[derive(Arbitrary, Debug, Clone)]
enum HandleText {
    Local(u8),
    New(u8),
    OtherEnterprise(u8),
    Any(String),
}

impl HandleText {
    fn text(&self) -> String {
        match self {
            HandleText::Local(n) => format!("{STATION_PREFIX}/FUZZ-{}", n % 5),
            HandleText::New(n) => format!("{STATION_PREFIX}/CAL-2026-{n:06}"),
            HandleText::OtherEnterprise(n) => format!("88.118.9/X-{n}"),
            HandleText::Any(s) => s.clone(),
        }
    }
}

const KEYS: [&str; 22] = [
    "identifier",
    "asset_no",
    "name",
    "category",
    "manufacturer",
    "model",
    "serial_no",
    "measuring_range",
    "accuracy",
    "resolution",
    "owner",
    "location",
    "status",
    "attributes",
    "calibration.last_date",
    "calibration.interval_months",
    "calibration.next_due",
    "calibration.certificate_no",
    "calibration.result",
    "calibration.calibrated_by",
    "calibration.approved_by",
    "calibration",
];

#[derive(Arbitrary, Debug, Clone)]
enum Scalar {
    Text(String),
    Known(u8),
    Number(Num),
    Bool(bool),
    Null,
    Removed,
    Attributes(Vec<(String, Scalar)>),
}

const KNOWN: [&str; 12] = [
    "in_use",
    "scrapped",
    "pass",
    "fail",
    "2026-01-15",
    "2026-02-30",
    "0001-01-01",
    "88.118.8/FUZZ-2",
    "",
    "数显卡尺",
    "12",
    "x\u{0}y",
];

impl Scalar {
    fn json(&self) -> Option<Value> {
        Some(match self {
            Scalar::Text(s) => json!(s),
            Scalar::Known(n) => json!(KNOWN[*n as usize % KNOWN.len()]),
            Scalar::Number(n) => n.json(),
            Scalar::Bool(b) => json!(b),
            Scalar::Null => Value::Null,
            Scalar::Removed => return None,
            Scalar::Attributes(a) => Value::Object(
                a.iter()
                    .take(4)
                    .filter_map(|(k, v)| Some((k.clone(), v.json()?)))
                    .collect(),
            ),
        })
    }
}

#[derive(Arbitrary, Debug, Clone)]
struct Row {
    handle: HandleText,
    /// The record's own identifier: the handle's, unless given.
    identifier: Option<HandleText>,
    version: Num,
    deleted: bool,
    changes: Vec<(u8, Scalar)>,
}

impl Row {
    fn json(&self, base: &Value) -> Value {
        let handle = self.handle.text();
        let mut inst = base.clone();
        inst["identifier"] = json!(self
            .identifier
            .as_ref()
            .map_or(handle.clone(), HandleText::text));
        for (key, value) in self.changes.iter().take(6) {
            let key = KEYS[*key as usize % KEYS.len()];
            let (obj, key) = match key.split_once('.') {
                Some((outer, inner)) => (&mut inst[outer], inner),
                None => (&mut inst, key),
            };
            if let Some(obj) = obj.as_object_mut() {
                match value.json() {
                    Some(v) => obj.insert(key.to_string(), v),
                    None => obj.remove(key),
                };
            }
        }
        json!({
            "handle": handle,
            "version": self.version.json(),
            "deleted": self.deleted,
            "instrument": inst,
        })
    }
}

/// JSON the node sends: a structure of the expected shape, or any text.
#[derive(Arbitrary, Debug, Clone)]
enum Wire<T> {
    Shaped(T),
    Raw(String),
}

#[derive(Arbitrary, Debug, Clone)]
struct Page {
    changes: Vec<(Num, Row, bool)>,
    next_cursor: Num,
    has_more: bool,
}

#[derive(Arbitrary, Debug, Clone)]
struct Snapshot {
    rows: Vec<Row>,
    next_after: Option<HandleText>,
    cursor: Num,
}

#[derive(Arbitrary, Debug, Clone)]
enum OpRef {
    /// The n-th op of the batch sent.
    Sent(u8),
    Any(u128),
}

#[derive(Arbitrary, Debug, Clone)]
enum Seq {
    OfOp,
    Any(Num),
}

#[derive(Arbitrary, Debug, Clone)]
struct Conflict {
    field: u8,
    base: Option<String>,
    local: Option<String>,
    server: Option<String>,
}

#[derive(Arbitrary, Debug, Clone)]
struct OpAnswer {
    op: OpRef,
    seq: Seq,
    outcome: u8,
    reason_code: Option<u8>,
    reason: Option<String>,
    conflicts: Vec<Conflict>,
    server: Option<Row>,
    applied_at: Option<String>,
}

#[derive(Arbitrary, Debug, Clone)]
enum HighWater {
    LastSent,
    BeforeFirst,
    Any(Num),
}

#[derive(Arbitrary, Debug, Clone)]
struct PushAnswer {
    results: Vec<OpAnswer>,
    high_water: HighWater,
}

#[derive(Arbitrary, Debug, Clone)]
struct Lease {
    own_device: bool,
    prefix: HandleText,
    series: Option<String>,
    first: Num,
    last: Num,
    width: Num,
}

#[derive(Arbitrary, Debug, Clone)]
enum Pulled {
    Page(Wire<Page>),
    /// 410: must refetch, with this body.
    Gone(Option<Num>),
    Fail(Fail),
}

#[derive(Arbitrary, Debug, Clone)]
struct Script {
    login: Vec<Result<String, Fail>>,
    push: Vec<Result<Wire<PushAnswer>, Fail>>,
    pull: Vec<Pulled>,
    snapshot: Vec<Result<Wire<Snapshot>, Fail>>,
    lease: Vec<Result<Wire<Lease>, Fail>>,
    report: Vec<Result<Option<String>, Fail>>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    busy: bool,
    /// Through the sync engine, or each answer straight into the store.
    engine: bool,
    push_batch: u8,
    pull_page: u8,
    lease_low_water: u8,
    script: Script,
}

fn page_json(p: &Page, base: &Value) -> Value {
    let changes: Vec<Value> = p
        .changes
        .iter()
        .take(8)
        .map(|(cursor, row, origin)| {
            let mut c = json!({"cursor": cursor.json(), "row": row.json(base)});
            if *origin {
                c["origin_device"] = json!("0190a5b4-6c1e-7a00-8000-000000000001");
            }
            c
        })
        .collect();
    json!({"changes": changes, "next_cursor": p.next_cursor.json(), "has_more": p.has_more})
}

fn snapshot_json(s: &Snapshot, base: &Value) -> Value {
    let rows: Vec<Value> = s.rows.iter().take(8).map(|r| r.json(base)).collect();
    json!({
        "rows": rows,
        "next_after": s.next_after.as_ref().map(HandleText::text),
        "cursor": s.cursor.json(),
    })
}

const OUTCOMES: [&str; 5] = ["applied", "duplicate", "rejected", "conflict", "bogus"];
const REASONS: [&str; 4] = [
    "sequence_reused",
    "invalid_record",
    "handle_taken",
    "not_found",
];

fn push_json(a: &PushAnswer, sent: &PushRequest, base: &Value) -> Value {
    let seqs: Vec<u64> = sent.ops.iter().map(|o| o.seq).collect();
    let results: Vec<Value> = a
        .results
        .iter()
        .take(8)
        .map(|r| {
            let (op_id, seq) = match &r.op {
                OpRef::Sent(n) if !sent.ops.is_empty() => {
                    let op = &sent.ops[*n as usize % sent.ops.len()];
                    (op.op_id.to_string(), json!(op.seq))
                }
                OpRef::Sent(_) => (uuid::Uuid::nil().to_string(), json!(0)),
                OpRef::Any(n) => (uuid::Uuid::from_u128(*n).to_string(), json!(0)),
            };
            let seq = match &r.seq {
                Seq::OfOp => seq,
                Seq::Any(n) => n.json(),
            };
            let mut v = json!({
                "op_id": op_id,
                "seq": seq,
                "outcome": OUTCOMES[r.outcome as usize % OUTCOMES.len()],
                "applied_at": r.applied_at.clone().unwrap_or_else(|| "2026-03-01T08:00:00Z".into()),
            });
            if let Some(c) = r.reason_code {
                v["reason_code"] = json!(REASONS[c as usize % REASONS.len()]);
            }
            if let Some(reason) = &r.reason {
                v["reason"] = json!(reason);
            }
            if !r.conflicts.is_empty() {
                v["conflicts"] = Value::Array(
                    r.conflicts
                        .iter()
                        .take(4)
                        .map(|c| {
                            json!({"field": KEYS[c.field as usize % KEYS.len()], "base": c.base,
                                   "local": c.local, "server": c.server})
                        })
                        .collect(),
                );
            }
            if let Some(row) = &r.server {
                v["server"] = row.json(base);
            }
            v
        })
        .collect();
    let high_water = match &a.high_water {
        HighWater::LastSent => json!(seqs.last().copied().unwrap_or(0)),
        HighWater::BeforeFirst => json!(seqs.first().map_or(0, |s| s.saturating_sub(1))),
        HighWater::Any(n) => n.json(),
    };
    json!({"results": results, "high_water": high_water})
}

fn lease_json(l: &Lease, device_id: &str) -> Value {
    let prefix = match &l.prefix {
        HandleText::Local(_) | HandleText::New(_) => STATION_PREFIX.to_string(),
        HandleText::OtherEnterprise(_) => "88.118.9".to_string(),
        HandleText::Any(s) => s.clone(),
    };
    json!({
        "lease_id": "lease-fuzz",
        "device_id": if l.own_device { device_id.to_string() } else { "someone-else".into() },
        "prefix": prefix,
        "series": l.series.clone().unwrap_or_else(|| "CAL-2026".into()),
        "first": l.first.json(),
        "last": l.last.json(),
        "width": l.width.json(),
    })
}

fn text_of<T>(wire: &Wire<T>, shaped: impl FnOnce(&T) -> Value) -> String {
    match wire {
        Wire::Shaped(t) => shaped(t).to_string(),
        Wire::Raw(s) => s.clone(),
    }
}

fn report_text(r: &Option<String>) -> String {
    r.clone().unwrap_or_else(|| {
        json!({"scope": {"prefix": STATION_PREFIX}, "month": "2026-03", "handles": 3}).to_string()
    })
}

fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, SyncError> {
    serde_json::from_str(text).map_err(|e| SyncError::Protocol(e.to_string()))
}

// ---- The node, as the script plays it. ----

struct Scripted {
    script: RefCell<Script>,
    base: Value,
    device_id: String,
}

fn next<T>(queue: &mut Vec<T>) -> Option<T> {
    (!queue.is_empty()).then(|| queue.remove(0))
}

fn ended() -> SyncError {
    SyncError::Network("the script ended".into())
}

impl Transport for Scripted {
    fn login_device(&self, _device_id: &str, _secret: &str) -> Result<Token, SyncError> {
        match next(&mut self.script.borrow_mut().login).ok_or_else(ended)? {
            Ok(token) => Ok(Token {
                token,
                expires_at: "2026-03-01T20:00:00Z".into(),
            }),
            Err(f) => Err(f.error()),
        }
    }

    fn push(&self, _token: &str, request: &PushRequest) -> Result<PushResponse, SyncError> {
        let answer = next(&mut self.script.borrow_mut().push).ok_or_else(ended)?;
        let wire = answer.map_err(|f| f.error())?;
        decode(&text_of(&wire, |a| push_json(a, request, &self.base)))
    }

    fn pull(
        &self,
        _token: &str,
        _cursor: u64,
        _limit: u32,
        _puller: Puller<'_>,
    ) -> Result<PullReply, SyncError> {
        match next(&mut self.script.borrow_mut().pull).ok_or_else(ended)? {
            Pulled::Page(wire) => {
                decode(&text_of(&wire, |p| page_json(p, &self.base))).map(PullReply::Page)
            }
            Pulled::Gone(high_water) => {
                let body =
                    json!({"code": "must_refetch", "high_water": high_water.map(|h| h.json())});
                Ok(PullReply::MustRefetch {
                    high_water: body["high_water"].as_u64(),
                })
            }
            Pulled::Fail(f) => Err(f.error()),
        }
    }

    fn snapshot(
        &self,
        _token: &str,
        _after: Option<&str>,
        _limit: u32,
    ) -> Result<SnapshotPage, SyncError> {
        let answer = next(&mut self.script.borrow_mut().snapshot).ok_or_else(ended)?;
        let wire = answer.map_err(|f| f.error())?;
        decode(&text_of(&wire, |s| snapshot_json(s, &self.base)))
    }

    fn lease(&self, _token: &str, _device_id: &str, _count: u64) -> Result<SuffixLease, SyncError> {
        let answer = next(&mut self.script.borrow_mut().lease).ok_or_else(ended)?;
        let wire = answer.map_err(|f| f.error())?;
        let v: Value = decode(&text_of(
            &wire,
            |l| json!({"lease": lease_json(l, &self.device_id)}),
        ))?;
        serde_json::from_value(v["lease"].clone()).map_err(|e| SyncError::Protocol(e.to_string()))
    }

    fn report_input(&self, _token: &str, _month: &str) -> Result<String, SyncError> {
        let answer = next(&mut self.script.borrow_mut().report).ok_or_else(ended)?;
        answer.map(|r| report_text(&r)).map_err(|f| f.error())
    }
}

/// Everything a station's database holds, and that it still holds together.
fn check_sound(store: &Store) {
    let report = store
        .check_consistency()
        .expect("the consistency check runs");
    // Not `outbox_contiguous`: a node that answers `sequence_reused` has the station move its
    // ops past the node's mark (`Store::renumber_ops_after`), which leaves a hole by design.
    let report = idstation_store::ConsistencyReport {
        outbox_contiguous: true,
        ..report
    };
    assert!(report.is_consistent(), "{report:?}");
    let audit = store.audit_verify().expect("the audit check runs");
    assert!(audit.problem.is_none(), "{audit:?}");
    store.sync_status().expect("the status reads");
}

/// Applies `apply`; when the store refuses, nothing may have changed.
fn refused_changes_nothing<T: std::fmt::Debug>(
    store: &mut Store,
    what: &str,
    apply: impl FnOnce(&mut Store) -> Result<T, idstation_store::StoreError>,
) -> Option<T> {
    let before = fingerprint(store.connection());
    match apply(store) {
        Ok(t) => Some(t),
        Err(e) => {
            let after = fingerprint(store.connection());
            assert_eq!(
                before, after,
                "{what} was refused ({e}) but changed the database"
            );
            None
        }
    }
}

/// Each answer of the script straight into the store, as the engine would store it.
fn direct(store: &mut Store, script: &Script, base: &Value, device_id: &str) {
    let sent = PushRequest {
        device_id: store.device().device_id,
        ops: store.pending_ops(500).expect("pending ops"),
    };
    for answer in script.push.iter().take(4).flatten() {
        let Ok(response) = decode::<PushResponse>(&text_of(answer, |a| push_json(a, &sent, base)))
        else {
            continue;
        };
        refused_changes_nothing(store, "a push answer", |s| s.record_push(&response));
        if let Some(r) = response
            .results
            .iter()
            .find(|r| r.reason_code.as_deref() == Some("sequence_reused"))
        {
            let (from, high_water) = (r.seq, response.high_water);
            refused_changes_nothing(store, "renumbering", |s| {
                s.renumber_ops_after(from, high_water)
            });
        }
    }
    for pulled in script.pull.iter().take(4) {
        match pulled {
            Pulled::Page(wire) => {
                if let Ok(page) = decode::<PullResponse>(&text_of(wire, |p| page_json(p, base))) {
                    refused_changes_nothing(store, "a pull page", |s| s.apply_pull_page(&page));
                }
            }
            Pulled::Gone(Some(h)) => {
                if let Some(h) = h.json().as_u64() {
                    refused_changes_nothing(store, "a rewind", |s| s.rewind_pushed_through(h));
                }
            }
            Pulled::Gone(None) | Pulled::Fail(_) => {}
        }
    }
    for wire in script.snapshot.iter().take(4).flatten() {
        if let Ok(page) = decode::<SnapshotPage>(&text_of(wire, |p| snapshot_json(p, base))) {
            refused_changes_nothing(store, "a snapshot page", |s| s.apply_snapshot_page(&page));
        }
    }
    for wire in script.lease.iter().take(2).flatten() {
        let text = text_of(wire, |l| json!({"lease": lease_json(l, device_id)}));
        let Ok(v) = decode::<Value>(&text) else {
            continue;
        };
        let Ok(lease) = serde_json::from_value::<SuffixLease>(v["lease"].clone()) else {
            continue;
        };
        // The engine takes only well-formed leases (`SuffixLease::is_well_formed`).
        if !lease.is_well_formed() {
            continue;
        }
        if refused_changes_nothing(store, "a lease", |s| s.add_lease(&lease)).is_some() {
            // What the engine reports and what the station does next with it: names its next
            // instrument (or says it has no number left).
            let _ = lease.len();
            let _ = store.next_identifier();
            let _ = store.lease_numbers_left();
        }
    }
    for r in script.report.iter().take(2).flatten() {
        let text = report_text(r);
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if let Some(prefix) = v["scope"]["prefix"].as_str() {
            refused_changes_nothing(store, "report figures", |s| {
                s.save_report_input(prefix, "2026-03", &text)
            });
        }
    }
}

fn check(input: Input) {
    if std::env::var_os("IDSTATION_FUZZ_DEBUG").is_some() {
        eprintln!("{input:#?}");
    }
    let station = if input.busy {
        &FIXTURE.busy
    } else {
        &FIXTURE.idle
    };
    let mut store = station.fresh();
    if input.engine {
        let engine = SyncEngine::new(
            Scripted {
                script: RefCell::new(input.script),
                base: FIXTURE.instrument.clone(),
                device_id: station.device_id.clone(),
            },
            SyncConfig {
                push_batch: 1 + u32::from(input.push_batch % 8),
                pull_page: 1 + u32::from(input.pull_page),
                lease_low_water: u64::from(input.lease_low_water % 4),
                lease_count: 100,
                attempts: 1,
                first_backoff: std::time::Duration::ZERO,
            },
        );
        let _ = engine.sync(&mut store, &mut |_| {});
    } else {
        direct(
            &mut store,
            &input.script,
            &FIXTURE.instrument,
            &station.device_id,
        );
    }
    check_sound(&store);
}

/// One answer as the node sent it (`kind`: a pull page, a push answer, a snapshot page, a lease,
/// report figures), the node answering everything else as a healthy node would.
fn raw_script(kind: u8, text: String) -> (bool, Script) {
    let empty_page = Pulled::Page(Wire::Raw(
        r#"{"changes":[],"next_cursor":0,"has_more":false}"#.into(),
    ));
    let mut script = Script {
        login: vec![Ok("token".into())],
        push: Vec::new(),
        pull: vec![empty_page.clone()],
        snapshot: Vec::new(),
        lease: Vec::new(),
        report: vec![Ok(None), Ok(None)],
    };
    let busy = kind % 5 == 1;
    match kind % 5 {
        0 => script.pull = vec![Pulled::Page(Wire::Raw(text))],
        1 => script.push = vec![Ok(Wire::Raw(text))],
        2 => {
            script.pull = vec![Pulled::Gone(None), empty_page];
            script.snapshot = vec![Ok(Wire::Raw(text))];
        }
        3 => script.lease = vec![Ok(Wire::Raw(text))],
        _ => script.report = vec![Ok(Some(text.clone())), Ok(Some(text))],
    }
    (busy, script)
}

// A first byte under 32 takes the rest as one answer as it is: its kind, then its text (the
// seeds are real answers), through the engine and straight into the store; any other first
// byte builds a whole conversation from its parts.
fuzz_target!(|data: &[u8]| {
    match data {
        [mode, kind, text @ ..] if *mode < 32 => {
            let text = String::from_utf8_lossy(text).into_owned();
            for engine in [true, false] {
                let (busy, script) = raw_script(*kind, text.clone());
                check(Input {
                    busy,
                    engine,
                    push_batch: 7,
                    pull_page: 99,
                    lease_low_water: 3,
                    script,
                });
            }
        }
        [_, rest @ ..] => {
            if let Ok(input) = Input::arbitrary(&mut Unstructured::new(rest)) {
                check(input);
            }
        }
        [] => {}
    }
});
