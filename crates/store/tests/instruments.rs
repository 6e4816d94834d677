//! Registering, editing, deleting and listing instruments (`src/instruments.rs`).

mod common;

use common::{fixture, instrument};
use idstation_model::{Instrument, InstrumentStatus};
use idstation_store::{InstrumentFilter, StoreError};

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
