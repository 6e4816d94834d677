//! The hash-chained audit trail (`src/audit.rs`): every kind of tampering is found, and an
//! instrument's history shows what each op changed.

mod common;

use common::{fixture, instrument, populated, tamper};
use idstation_store::AuditBreak;

#[test]
fn audit_verify_detects_an_edited_entry() {
    let f = populated();
    tamper(
        &f.path,
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3",
    );
    let report = f.store.audit_verify().expect("verify");
    assert_eq!(report.problem, Some(AuditBreak::Tampered { seq: 3 }));
}

#[test]
fn audit_verify_detects_a_removed_entry_in_the_middle() {
    let f = populated();
    tamper(&f.path, "DELETE FROM audit_log WHERE seq = 2");
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
    tamper(&f.path, "DELETE FROM audit_log WHERE seq = 6");
    assert_eq!(
        f.store.audit_verify().expect("verify").problem,
        Some(AuditBreak::HeadMismatch {
            head_seq: 6,
            last_seq: 5
        })
    );

    // Rewriting an entry's own hash to match its edit still breaks the next link.
    let f = populated();
    tamper(&f.path, "UPDATE audit_log SET hash = 'ab' WHERE seq = 2");
    assert_eq!(
        f.store.audit_verify().expect("verify").problem,
        Some(AuditBreak::Tampered { seq: 2 })
    );
}

#[test]
fn audit_verify_detects_an_altered_or_removed_outbox_op() {
    let f = populated();
    tamper(
        &f.path,
        "UPDATE outbox SET payload = replace(payload, '卡尺', '假货') WHERE seq = 3",
    );
    // Entry 1 is the initialisation; the op with seq 3 belongs to entry 4.
    assert_eq!(
        f.store.audit_verify().expect("verify").problem,
        Some(AuditBreak::OpTampered { seq: 4 })
    );

    let f = populated();
    tamper(&f.path, "DELETE FROM outbox WHERE seq = 5");
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
