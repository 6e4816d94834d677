//! The ledger of imported files and its one-transaction import (`src/imported_files.rs`), and
//! finding instruments by asset number for updates.

mod common;

use common::{fixture, id, instrument};
use idstation_model::{CalibrationResult, Instrument, OpKind};
use idstation_store::{FileImport, StoreError};

fn with_asset(id: &str, asset: &str) -> Instrument {
    let mut inst = instrument(id, "数显卡尺", "500-196-30");
    inst.asset_no = Some(asset.into());
    inst
}

fn file<'a>(
    sha: &'a str,
    register: &'a [Instrument],
    update: &'a [(Instrument, i64)],
) -> FileImport<'a> {
    FileImport {
        sha256: sha,
        file_name: "仪器.csv",
        folder: "/srv/hot",
        action: if update.is_empty() {
            "register"
        } else {
            "update"
        },
        register,
        update,
        owe_labels: false,
    }
}

#[test]
fn a_file_imports_its_rows_and_its_ledger_row_together() {
    let mut f = fixture();
    let rows: Vec<Instrument> = (0..3)
        .map(|i| with_asset(&format!("88.118.8/H-{i}"), &format!("ZC-{i}")))
        .collect();
    let mut ticks = Vec::new();
    let rec = f
        .store
        .import_file("热文件夹", &file("aa11", &rows, &[]), &mut |d, t| {
            ticks.push((d, t))
        })
        .expect("import");
    assert_eq!((rec.rows, rec.registered, rec.updated), (3, 3, 0));
    assert_eq!(ticks.last(), Some(&(3, 3)));
    assert_eq!(f.store.count_instruments().expect("count"), 3);
    assert_eq!(
        f.store.imported_file("aa11").expect("ledger"),
        Some(rec.clone())
    );
    assert_eq!(f.store.imported_files(10).expect("list"), vec![rec]);

    // One register op and audit entry per row, then one entry for the file.
    let ops = f.store.pending_ops(10).expect("ops");
    assert_eq!(ops.len(), 3);
    assert!(ops.iter().all(|o| o.kind == OpKind::Create));
    let audit = f.store.audit_entries(None, 10).expect("audit");
    let file_entry = audit
        .iter()
        .find(|e| e.action == "import_file")
        .expect("file audited");
    assert_eq!(
        (file_entry.entity.as_str(), file_entry.entity_id.as_str()),
        ("file", "aa11")
    );
    assert!(file_entry
        .after
        .as_deref()
        .is_some_and(|a| a.contains("仪器.csv")));
    assert!(f.store.audit_verify().expect("verify").is_intact());
    assert!(f
        .store
        .check_consistency()
        .expect("consistency")
        .is_consistent());
}

#[test]
fn the_same_bytes_are_refused_a_second_time_and_nothing_is_written() {
    let mut f = fixture();
    let rows = vec![with_asset("88.118.8/H-1", "ZC-1")];
    f.store
        .import_file("a", &file("bb22", &rows, &[]), &mut |_, _| {})
        .expect("first");
    let other = vec![with_asset("88.118.8/H-2", "ZC-2")];
    let again = f
        .store
        .import_file("a", &file("bb22", &other, &[]), &mut |_, _| {});
    assert!(matches!(again, Err(StoreError::AlreadyImported(s)) if s == "bb22"));
    assert_eq!(f.store.count_instruments().expect("count"), 1);
    assert_eq!(f.store.outbox_stats().expect("stats").total, 1);
}

#[test]
fn updates_apply_calibration_results_and_count_unchanged_rows() {
    let mut f = fixture();
    let rows = vec![
        with_asset("88.118.8/U-1", "ZC-1"),
        with_asset("88.118.8/U-2", "ZC-2"),
    ];
    f.store
        .import_file("a", &file("c0", &rows, &[]), &mut |_, _| {})
        .expect("register");
    let mut new1 = rows[0].clone();
    new1.calibration.result = Some(CalibrationResult::Pass);
    new1.calibration.certificate_no = Some("JZ-2026-0001".into());
    let updates = vec![(new1.clone(), 1), (rows[1].clone(), 1)];
    let rec = f
        .store
        .import_file("b", &file("c1", &[], &updates), &mut |_, _| {})
        .expect("update");
    assert_eq!((rec.rows, rec.updated, rec.unchanged), (2, 1, 1));
    let got = f
        .store
        .get_instrument(&id("88.118.8/U-1"))
        .expect("get")
        .expect("found");
    assert_eq!(got.instrument, new1);
    assert_eq!(got.version, 2);
    let ops = f.store.pending_ops(10).expect("ops");
    assert_eq!(ops.len(), 3, "two registrations and one edit");
    assert_eq!(ops[2].kind, OpKind::Update);
    assert!(f
        .store
        .check_consistency()
        .expect("consistency")
        .is_consistent());
}

#[test]
fn any_failing_row_leaves_no_row_and_no_ledger_entry() {
    let mut f = fixture();
    let first = vec![with_asset("88.118.8/X-1", "ZC-1")];
    f.store
        .import_file("a", &file("d0", &first, &[]), &mut |_, _| {})
        .expect("register");

    // A registration colliding with an existing instrument, after a good one.
    let rows = vec![
        with_asset("88.118.8/X-2", "ZC-2"),
        with_asset("88.118.8/X-1", "ZC-1"),
    ];
    let r = f
        .store
        .import_file("a", &file("d1", &rows, &[]), &mut |_, _| {});
    assert!(matches!(r, Err(StoreError::AlreadyExists(_))));

    // An update read at a version someone has since moved past.
    let mut changed = first[0].clone();
    changed.location = Some("计量室".into());
    f.store
        .update_instrument("b", &changed, None)
        .expect("edit meanwhile");
    let mut stale = first[0].clone();
    stale.location = Some("仓库".into());
    let r = f
        .store
        .import_file("a", &file("d2", &[], &[(stale, 1)]), &mut |_, _| {});
    assert!(matches!(
        r,
        Err(StoreError::VersionConflict {
            expected: 1,
            actual: 2,
            ..
        })
    ));

    for sha in ["d1", "d2"] {
        assert_eq!(f.store.imported_file(sha).expect("ledger"), None);
    }
    assert_eq!(f.store.count_instruments().expect("count"), 1);
    assert_eq!(f.store.outbox_stats().expect("stats").total, 2);
    assert!(f.store.audit_verify().expect("verify").is_intact());
}

#[test]
fn asset_numbers_find_live_instruments_through_their_index() {
    let mut f = fixture();
    for (i, asset) in ["ZC-7", "ZC-7", "ZC-8"].iter().enumerate() {
        f.store
            .insert_instrument("a", &with_asset(&format!("88.118.8/Z-{i}"), asset))
            .expect("insert");
    }
    let found = |asset: &str| -> Vec<String> {
        f.store
            .instruments_by_asset_no(asset)
            .expect("lookup")
            .into_iter()
            .map(|r| r.instrument.identifier.to_string())
            .collect()
    };
    assert_eq!(found("ZC-7"), ["88.118.8/Z-0", "88.118.8/Z-1"]);
    assert_eq!(found("ZC-8"), ["88.118.8/Z-2"]);
    assert!(found("ZC-9").is_empty());
    f.store
        .set_deleted("a", &id("88.118.8/Z-2"), true, "重复")
        .expect("delete");
    assert!(
        f.store
            .instruments_by_asset_no("ZC-8")
            .expect("lookup")
            .is_empty(),
        "a deleted instrument is not found"
    );

    let plan: String = f
        .store
        .connection()
        .query_row(
            "EXPLAIN QUERY PLAN SELECT id FROM instruments
             WHERE json_extract(body, '$.asset_no') = 'ZC-7' AND deleted_at IS NULL",
            [],
            |r| r.get(3),
        )
        .expect("plan");
    assert!(plan.contains("instruments_asset_no"), "{plan}");
}
