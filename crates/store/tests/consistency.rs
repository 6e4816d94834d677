//! The cross-check of rows, outbox and audit trail (`src/consistency.rs`) names each way they
//! can drift apart, so a store that passes it really has them in step.

mod common;

use common::{populated, tamper};

#[test]
fn the_check_names_each_way_rows_outbox_and_audit_can_drift_apart() {
    let f = populated();
    let c = f.store.check_consistency().expect("check");
    assert!(c.is_consistent(), "{c:?}");
    assert_eq!((c.instruments, c.outbox_ops, c.audit_entries), (5, 5, 6));

    // A removed op leaves a hole in the sequence, a row with more versions than ops and an
    // audit entry naming an op that is gone.
    tamper(&f.path, "DELETE FROM outbox WHERE seq = 3");
    let c = f.store.check_consistency().expect("check");
    assert!(!c.is_consistent());
    assert!(!c.outbox_contiguous);
    assert_eq!(c.rows_without_ops, ["88.118.8/A-2"]);
    assert!(c.ops_without_row.is_empty());
    assert_eq!((c.ops_without_audit, c.audit_without_op), (0, 1));

    // A removed row leaves its op naming nothing; a removed audit entry leaves its op unaudited.
    let f = populated();
    tamper(
        &f.path,
        "DELETE FROM instruments WHERE identifier = '88.118.8/A-4'",
    );
    tamper(&f.path, "DELETE FROM audit_log WHERE seq = 2");
    let c = f.store.check_consistency().expect("check");
    assert!(!c.is_consistent());
    assert!(c.outbox_contiguous);
    assert_eq!(c.ops_without_row, ["88.118.8/A-4"]);
    assert!(c.rows_without_ops.is_empty());
    assert_eq!((c.ops_without_audit, c.audit_without_op), (1, 0));

    // A row written past the rule (no op at all) is named too.
    let f = populated();
    tamper(
        &f.path,
        "UPDATE instruments SET version = 2 WHERE identifier = '88.118.8/A-0'",
    );
    let c = f.store.check_consistency().expect("check");
    assert!(!c.is_consistent());
    assert_eq!(c.rows_without_ops, ["88.118.8/A-0"]);
}
