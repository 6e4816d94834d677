//! Reading the outbox (`src/outbox.rs`): sequence numbers and clock stamps go on after a reopen.

mod common;

use common::{instrument, populated};
use idstation_store::Store;

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
