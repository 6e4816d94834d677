//! The workstation's side of sync (`src/sync.rs`).

mod common;

use common::{fixture, instrument};

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
