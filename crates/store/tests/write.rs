//! The write rule (`src/write.rs`): row, outbox op and audit entry in one transaction, and one
//! writer at a time.

mod common;

use common::{fixture, id, instrument};
use idstation_store::{Store, StoreError};

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
