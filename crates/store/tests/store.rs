//! The store against a real SQLite file in a temporary folder.

use std::path::PathBuf;

use idstation_model::{
    Identifier, Instrument, InstrumentInput, InstrumentStatus, MetadataTemplate,
};
use idstation_store::{AuditBreak, InstrumentFilter, Store, StoreError};
use rusqlite::Connection;

fn instrument(id: &str, name: &str, model: &str) -> Instrument {
    InstrumentInput {
        identifier: Some(id.into()),
        name: Some(name.into()),
        model: Some(model.into()),
        manufacturer: Some("广陆数测".into()),
        owner: Some("华东计量院".into()),
        cal_last_date: Some("2026-01-10".into()),
        cal_interval_months: Some("12".into()),
        ..Default::default()
    }
    .validate(&MetadataTemplate::builtin_instrument())
    .expect("valid instrument")
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: Store,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ws.sqlite");
    let store = Store::create(&path, "88.118.8", "张工").expect("create");
    Fixture {
        _dir: dir,
        path,
        store,
    }
}

fn id(s: &str) -> Identifier {
    Identifier::parse(s).expect("identifier")
}

#[test]
fn create_refuses_an_existing_database_and_open_refuses_a_missing_one() {
    let f = fixture();
    assert!(matches!(
        Store::create(&f.path, "88.118.8", "x"),
        Err(StoreError::AlreadyInitialised(_))
    ));
    let missing = f.path.with_file_name("nope.sqlite");
    assert!(matches!(
        Store::open(&missing),
        Err(StoreError::NotInitialised(_))
    ));
    assert!(!missing.exists(), "open must not create files");
}

#[test]
fn a_registration_writes_row_outbox_and_audit_together() {
    let mut f = fixture();
    let rec = f
        .store
        .insert_instrument(
            "张工",
            &instrument("88.118.8/cal-1", "数显卡尺", "DMM-6500"),
        )
        .expect("insert");
    assert_eq!(rec.version, 1);
    assert_eq!(rec.instrument.identifier.to_string(), "88.118.8/CAL-1");
    // Minted suffixes match case-insensitively.
    assert!(f
        .store
        .get_instrument(&id("88.118.8/Cal-1"))
        .expect("get")
        .is_some());

    let ops = f.store.pending_ops(10).expect("ops");
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].seq, 1);
    assert_eq!(ops[0].entity_id, "88.118.8/CAL-1");
    let audit = f
        .store
        .audit_entries(Some("88.118.8/CAL-1"), 10)
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "张工");
    assert_eq!(
        audit[0].op_id.as_deref(),
        Some(ops[0].op_id.to_string().as_str())
    );
    assert!(f.store.check_consistency().expect("check").is_consistent());

    let again = f
        .store
        .insert_instrument("张工", &instrument("88.118.8/CAL-1", "x", "y"));
    assert!(matches!(again, Err(StoreError::AlreadyExists(_))));
    assert_eq!(f.store.outbox_stats().expect("stats").total, 1);
}

#[test]
fn edits_record_only_changed_fields_and_respect_the_expected_version() {
    let mut f = fixture();
    let inst = instrument("88.118.8/CAL-2", "电子天平", "BSA224S");
    f.store.insert_instrument("a", &inst).expect("insert");

    let mut edited = inst.clone();
    edited.location = Some("天平室".into());
    edited.status = InstrumentStatus::Restricted;
    let rec = f
        .store
        .update_instrument("b", &edited, Some(1))
        .expect("update")
        .expect("changed");
    assert_eq!(rec.version, 2);
    let ops = f.store.pending_ops(10).expect("ops");
    assert_eq!(
        ops[1].payload.parse::<serde_json::Value>().expect("json"),
        serde_json::json!({"location": [null, "天平室"], "status": ["in_use", "restricted"]})
    );

    // Same content again: nothing written.
    assert!(f
        .store
        .update_instrument("b", &edited, None)
        .expect("update")
        .is_none());
    assert_eq!(f.store.outbox_stats().expect("stats").total, 2);

    // A stale form is refused, not silently overwritten.
    edited.location = Some("别处".into());
    assert!(matches!(
        f.store.update_instrument("b", &edited, Some(1)),
        Err(StoreError::VersionConflict {
            expected: 1,
            actual: 2,
            ..
        })
    ));
    assert!(f.store.check_consistency().expect("check").is_consistent());
}

#[test]
fn soft_delete_hides_from_lists_and_search_and_can_be_undone() {
    let mut f = fixture();
    let inst = instrument("88.118.8/CAL-3", "压力表", "Y-100");
    f.store.insert_instrument("a", &inst).expect("insert");
    f.store
        .set_deleted("a", &inst.identifier, true, "录入错误")
        .expect("delete");
    assert!(f.store.search("压力", 10).expect("search").hits.is_empty());
    assert!(f
        .store
        .list_instruments(&InstrumentFilter::default())
        .expect("list")
        .is_empty());
    let kept = f
        .store
        .get_instrument(&inst.identifier)
        .expect("get")
        .expect("kept");
    assert!(kept.deleted_at.is_some());
    assert!(matches!(
        f.store.update_instrument("a", &inst, None),
        Err(StoreError::Deleted(_))
    ));
    f.store
        .set_deleted("a", &inst.identifier, false, "恢复")
        .expect("undelete");
    assert_eq!(f.store.search("压力", 10).expect("search").hits.len(), 1);
    assert!(f.store.check_consistency().expect("check").is_consistent());
}

#[test]
fn search_finds_chinese_substrings_of_every_length_and_model_numbers() {
    let mut f = fixture();
    let rows = [
        ("88.118.8/S-1", "数显卡尺", "500-196-30"),
        ("88.118.8/S-2", "游标卡尺", "530-312"),
        ("88.118.8/S-3", "数字多用表", "DMM-6500"),
        ("88.118.8/S-4", "电子天平", "BSA224S"),
        ("88.118.8/S-5", "压力变送器", "3051TG"),
    ];
    for (i, n, m) in rows {
        f.store
            .insert_instrument("a", &instrument(i, n, m))
            .expect("insert");
    }
    let ids = |q: &str| -> Vec<String> {
        let mut v: Vec<String> = f
            .store
            .search(q, 50)
            .expect("search")
            .hits
            .into_iter()
            .map(|h| h.instrument.identifier.to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids("尺"), ["88.118.8/S-1", "88.118.8/S-2"]);
    assert_eq!(ids("卡尺"), ["88.118.8/S-1", "88.118.8/S-2"]);
    assert_eq!(ids("显卡"), ["88.118.8/S-1"]);
    assert_eq!(ids("游标卡尺"), ["88.118.8/S-2"]);
    assert_eq!(ids("多用表"), ["88.118.8/S-3"]);
    assert_eq!(ids("天"), ["88.118.8/S-4"]);
    // Two characters that are not adjacent in any name find nothing.
    assert!(ids("卡天").is_empty());
    assert_eq!(ids("DMM-6500"), ["88.118.8/S-3"]);
    assert_eq!(ids("dmm-65"), ["88.118.8/S-3"]);
    assert_eq!(ids("6500"), ["88.118.8/S-3"]);
    assert_eq!(ids("224"), ["88.118.8/S-4"]);
    assert_eq!(ids("30"), ["88.118.8/S-1", "88.118.8/S-5"]);
    // Several terms must all match, across both indexes.
    assert_eq!(ids("卡尺 530"), ["88.118.8/S-2"]);
    assert_eq!(ids("表 DMM"), ["88.118.8/S-3"]);
    // Other fields are searched too.
    assert_eq!(ids("华东计量").len(), 5);
    assert_eq!(ids("S-4"), ["88.118.8/S-4"]);
    // Punctuation alone and FTS syntax are harmless.
    assert!(ids("-").is_empty());
    assert!(ids("\"卡 OR").is_empty());
    assert!(ids("NEAR(a b)").is_empty());

    let limited = f.store.search("华东", 2).expect("search");
    assert_eq!(limited.hits.len(), 2);
    assert!(limited.truncated);
}

#[test]
fn edits_reindex_the_new_text() {
    let mut f = fixture();
    let inst = instrument("88.118.8/R-1", "温度计", "T-1");
    f.store.insert_instrument("a", &inst).expect("insert");
    let mut edited = inst.clone();
    edited.name = "湿度计".into();
    f.store
        .update_instrument("a", &edited, None)
        .expect("update");
    assert!(f.store.search("温度", 10).expect("search").hits.is_empty());
    assert_eq!(f.store.search("湿度", 10).expect("search").hits.len(), 1);
}

#[test]
fn a_batch_import_is_all_or_nothing() {
    let mut f = fixture();
    let mut batch: Vec<Instrument> = (0..50)
        .map(|i| instrument(&format!("88.118.8/B-{i}"), "水银温度计", "WQG"))
        .collect();
    batch.push(batch[3].clone());
    let err = f.store.import_instruments("a", &batch, &mut |_, _| {});
    assert!(matches!(err, Err(StoreError::AlreadyExists(_))));
    let c = f.store.check_consistency().expect("check");
    assert_eq!((c.instruments, c.outbox_ops), (0, 0));
    assert!(f.store.audit_verify().expect("verify").is_intact());

    batch.pop();
    let mut calls = Vec::new();
    let n = f
        .store
        .import_instruments("a", &batch, &mut |done, total| calls.push((done, total)))
        .expect("import");
    assert_eq!(n, 50);
    assert_eq!(calls.last(), Some(&(50, 50)));
    assert_eq!(f.store.count_instruments().expect("count"), 50);
    assert!(f.store.check_consistency().expect("check").is_consistent());
    let ops = f.store.pending_ops(1000).expect("ops");
    let seqs: Vec<u64> = ops.iter().map(|o| o.seq).collect();
    assert_eq!(seqs, (1..=50).collect::<Vec<u64>>());
    assert!(
        ops.windows(2).all(|w| w[0].hlc < w[1].hlc),
        "HLC stamps increase"
    );
}

#[test]
fn list_filters_by_status_and_due_window() {
    let mut f = fixture();
    let mut a = instrument("88.118.8/L-1", "卡尺", "x");
    a.calibration.next_due = chrono::NaiveDate::from_ymd_opt(2026, 12, 1);
    let mut b = instrument("88.118.8/L-2", "卡尺", "x");
    b.status = InstrumentStatus::Stopped;
    b.calibration.next_due = chrono::NaiveDate::from_ymd_opt(2027, 6, 1);
    f.store.insert_instrument("a", &a).expect("insert");
    f.store.insert_instrument("a", &b).expect("insert");
    let list = |filter: InstrumentFilter| -> Vec<String> {
        f.store
            .list_instruments(&filter)
            .expect("list")
            .into_iter()
            .map(|r| r.instrument.identifier.to_string())
            .collect()
    };
    assert_eq!(
        list(InstrumentFilter {
            status: Some(InstrumentStatus::Stopped),
            ..Default::default()
        }),
        ["88.118.8/L-2"]
    );
    assert_eq!(
        list(InstrumentFilter {
            due_until: chrono::NaiveDate::from_ymd_opt(2026, 12, 31),
            ..Default::default()
        }),
        ["88.118.8/L-1"]
    );
    assert_eq!(
        list(InstrumentFilter::default()),
        ["88.118.8/L-2", "88.118.8/L-1"]
    );
}

fn populated() -> Fixture {
    let mut f = fixture();
    for i in 0..5 {
        let inst = instrument(&format!("88.118.8/A-{i}"), "卡尺", "x");
        f.store.insert_instrument("a", &inst).expect("insert");
    }
    assert!(f.store.audit_verify().expect("verify").is_intact());
    f
}

#[test]
fn audit_verify_detects_an_edited_entry() {
    let f = populated();
    let raw = Connection::open(&f.path).expect("open");
    raw.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3", [])
        .expect("tamper");
    let report = f.store.audit_verify().expect("verify");
    assert_eq!(report.problem, Some(AuditBreak::Tampered { seq: 3 }));
}

#[test]
fn audit_verify_detects_a_removed_entry_in_the_middle() {
    let f = populated();
    let raw = Connection::open(&f.path).expect("open");
    raw.execute("DELETE FROM audit_log WHERE seq = 2", [])
        .expect("tamper");
    let report = f.store.audit_verify().expect("verify");
    assert_eq!(
        report.problem,
        Some(AuditBreak::Gap {
            expected_seq: 2,
            found_seq: 3
        })
    );
}

#[test]
fn audit_verify_detects_a_removed_tail_and_a_rehashed_entry() {
    let f = populated();
    let raw = Connection::open(&f.path).expect("open");
    raw.execute("DELETE FROM audit_log WHERE seq = 6", [])
        .expect("tamper");
    assert_eq!(
        f.store.audit_verify().expect("verify").problem,
        Some(AuditBreak::HeadMismatch {
            head_seq: 6,
            last_seq: 5
        })
    );

    // Rewriting an entry's own hash to match its edit still breaks the next link.
    let f = populated();
    let raw = Connection::open(&f.path).expect("open");
    raw.execute("UPDATE audit_log SET hash = 'ab' WHERE seq = 2", [])
        .expect("tamper");
    assert_eq!(
        f.store.audit_verify().expect("verify").problem,
        Some(AuditBreak::Tampered { seq: 2 })
    );
}

#[test]
fn backup_and_restore_round_trip_and_a_bad_backup_changes_nothing() {
    let mut f = populated();
    let backup = f.path.with_file_name("backup.sqlite");
    let mut steps = 0;
    let report = f
        .store
        .backup_to(&backup, &mut |_, _| steps += 1)
        .expect("backup");
    assert!(steps > 0);
    assert_eq!(report.instruments, 5);
    assert!(matches!(
        f.store.backup_to(&backup, &mut |_, _| {}),
        Err(StoreError::FileExists(_))
    ));

    // Work after the backup, then restore: the later work is gone, but kept aside.
    f.store
        .insert_instrument("a", &instrument("88.118.8/LATE", "后加", "x"))
        .expect("insert");
    drop(f.store);
    let restored = Store::restore(&f.path, &backup, &mut |_, _| {}).expect("restore");
    assert_eq!(restored.instruments, 5);
    let saved = restored.previous_saved_as.expect("previous kept");
    let store = Store::open(&f.path).expect("open");
    assert_eq!(store.count_instruments().expect("count"), 5);
    assert!(store.audit_verify().expect("verify").is_intact());
    assert_eq!(
        Store::open(&saved)
            .expect("saved")
            .count_instruments()
            .expect("n"),
        6
    );

    // Garbage and tampered backups are refused before anything is touched.
    let junk = f.path.with_file_name("junk.sqlite");
    std::fs::write(&junk, b"not a database at all, just text").expect("write");
    assert!(matches!(
        Store::restore(&f.path, &junk, &mut |_, _| {}),
        Err(StoreError::BackupInvalid { .. })
    ));
    Connection::open(&backup)
        .expect("open")
        .execute("UPDATE audit_log SET actor = 'x' WHERE seq = 2", [])
        .expect("tamper");
    assert!(matches!(
        Store::restore(&f.path, &backup, &mut |_, _| {}),
        Err(StoreError::BackupInvalid { .. })
    ));
    drop(store);
    assert_eq!(
        Store::open(&f.path)
            .expect("open")
            .count_instruments()
            .expect("n"),
        5
    );
}

#[test]
fn migrations_are_valid() {
    assert!(idstation_store::migrations().validate().is_ok());
}

#[test]
fn reopening_continues_sequences_and_clock() {
    let f = populated();
    let last = f.store.pending_ops(100).expect("ops").pop().expect("op");
    drop(f.store);
    let mut store = Store::open(&f.path).expect("reopen");
    store
        .insert_instrument("a", &instrument("88.118.8/NEXT", "卡尺", "x"))
        .expect("insert");
    let next = store.pending_ops(100).expect("ops").pop().expect("op");
    assert_eq!(next.seq, last.seq + 1);
    assert!(next.hlc > last.hlc);
    assert_eq!(next.device_id, last.device_id);
}

#[test]
fn two_writers_on_one_file_wait_for_each_other_and_keep_the_chain() {
    let f = fixture();
    let path = f.path.clone();
    drop(f.store);
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut store = Store::open(&path).expect("open");
                for i in 0..40 {
                    let inst = instrument(&format!("88.118.8/W{w}-{i}"), "卡尺", "x");
                    store.insert_instrument("w", &inst).expect("insert");
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    let store = Store::open(&path).expect("open");
    assert!(store.audit_verify().expect("verify").is_intact());
    let c = store.check_consistency().expect("check");
    assert!(c.is_consistent(), "{c:?}");
    assert_eq!(c.instruments, 80);
}

#[test]
fn audit_verify_detects_an_altered_or_removed_outbox_op() {
    let f = populated();
    let raw = Connection::open(&f.path).expect("open");
    raw.execute(
        "UPDATE outbox SET payload = replace(payload, '卡尺', '假货') WHERE seq = 3",
        [],
    )
    .expect("tamper");
    // Entry 1 is the initialisation; the op with seq 3 belongs to entry 4.
    assert_eq!(
        f.store.audit_verify().expect("verify").problem,
        Some(AuditBreak::OpTampered { seq: 4 })
    );

    let f = populated();
    let raw = Connection::open(&f.path).expect("open");
    raw.execute("DELETE FROM outbox WHERE seq = 5", [])
        .expect("tamper");
    assert_eq!(
        f.store.audit_verify().expect("verify").problem,
        Some(AuditBreak::OpTampered { seq: 6 })
    );
}

#[test]
fn history_shows_what_changed_from_the_op() {
    let mut f = fixture();
    let inst = instrument("88.118.8/H-1", "卡尺", "x");
    f.store.insert_instrument("a", &inst).expect("insert");
    let mut edited = inst.clone();
    edited.location = Some("计量室".into());
    f.store
        .update_instrument("b", &edited, None)
        .expect("update");
    let history = f
        .store
        .audit_entries(Some("88.118.8/H-1"), 10)
        .expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(
        history[0].payload.as_deref(),
        Some(r#"{"location":[null,"计量室"]}"#)
    );
    assert!(history[1]
        .payload
        .as_deref()
        .is_some_and(|p| p.contains("卡尺")));
}

/// A node ahead of this workstation (it applied a batch whose answer a crash lost here)
/// reports a high-water mark past the answers it sends: the ops between stay pending, so
/// the next push fetches their answers instead of skipping them.
#[test]
fn a_push_answer_marks_pushed_only_the_ops_it_answers() {
    use idstation_model::sync::{OpOutcome, OpResult, PushResponse};
    let mut f = fixture();
    for i in 1..=3 {
        f.store
            .insert_instrument(
                "张工",
                &instrument(&format!("88.118.8/P-{i}"), "压力表", "YB"),
            )
            .expect("insert");
    }
    let ops = f.store.pending_ops(10).expect("ops");
    assert_eq!(ops.len(), 3);
    let answer = |op: &idstation_model::Operation| OpResult {
        op_id: op.op_id,
        seq: op.seq,
        outcome: OpOutcome::Applied,
        reason_code: None,
        reason: None,
        conflicts: Vec::new(),
        server: None,
        applied_at: "2026-12-01T09:00:00.000Z".into(),
    };
    let response = PushResponse {
        results: ops[..2].iter().map(answer).collect(),
        high_water: 3,
    };
    let applied = f.store.record_push(&response).expect("record");
    assert_eq!(applied.applied, 2);
    let left = f.store.pending_ops(10).expect("ops");
    assert_eq!(
        left.iter().map(|o| o.seq).collect::<Vec<_>>(),
        vec![ops[2].seq]
    );
    assert_eq!(
        f.store.pending_ops_after(ops[2].seq, 10).expect("after"),
        vec![]
    );
}
