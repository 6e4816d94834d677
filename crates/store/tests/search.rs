//! Searching instruments through the store (`src/search.rs`); the pure text functions are
//! tested beside them, and the queued rows against FTS5 in `search_equivalence.rs`.

mod common;

use common::{fixture, instrument};

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

/// A bulk import commits before its rows are in FTS5: search finds them in the queue at once,
/// `index_pending` moves them in chunks, and a single write with a backlog moves one bounded
/// chunk instead of all of it.
#[test]
fn a_bulk_import_is_searchable_at_once_and_indexed_in_chunks() {
    let mut f = fixture();
    let batch: Vec<_> = (0..3500)
        .map(|n| {
            let name = if n == 1234 {
                "红外测温仪"
            } else {
                "压力表"
            };
            instrument(&format!("88.118.8/B-{n}"), name, &format!("Y{n}"))
        })
        .collect();
    f.store
        .import_instruments("a", &batch, &mut |_, _| {})
        .expect("import");
    assert_eq!(f.store.pending_index_rows().expect("pending"), 3500);
    let find = |store: &idstation_store::Store, q: &str| -> Vec<String> {
        store
            .search(q, 10)
            .expect("search")
            .hits
            .into_iter()
            .map(|h| h.instrument.identifier.to_string())
            .collect()
    };
    assert_eq!(find(&f.store, "测温"), ["88.118.8/B-1234"]);
    assert_eq!(find(&f.store, "Y3499"), ["88.118.8/B-3499"]);

    // One registration with 3,500 queued moves at most 2,000 of them (its own stays queued).
    f.store
        .insert_instrument("a", &instrument("88.118.8/B-single", "温度计", "T"))
        .expect("insert");
    assert_eq!(f.store.pending_index_rows().expect("pending"), 1501);

    assert_eq!(f.store.index_pending(1000).expect("index"), 501);
    assert_eq!(f.store.index_pending(1000).expect("index"), 0);
    assert_eq!(f.store.index_pending(1000).expect("index"), 0);
    assert_eq!(find(&f.store, "测温"), ["88.118.8/B-1234"]);
    assert_eq!(find(&f.store, "Y3499"), ["88.118.8/B-3499"]);
    assert_eq!(find(&f.store, "温度计"), ["88.118.8/B-SINGLE"]);
    assert_eq!(
        f.store.search("压力表", 5000).expect("search").hits.len(),
        3499
    );
    let c = f.store.check_consistency().expect("consistency");
    assert!(c.is_consistent(), "{c:?}");
}

/// A bulk write's commit skips SQLite's automatic checkpoint; the setting is back afterwards,
/// after a refused import as well as after a committed one.
#[test]
fn a_bulk_write_puts_the_checkpoint_setting_back() {
    let mut f = fixture();
    let checkpoint_every = |store: &idstation_store::Store| -> i64 {
        store
            .connection()
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .expect("pragma")
    };
    let batch: Vec<_> = (0..1000)
        .map(|n| instrument(&format!("88.118.8/C-{n}"), "压力表", "Y"))
        .collect();
    f.store
        .import_instruments("a", &batch, &mut |_, _| {})
        .expect("import");
    assert_eq!(checkpoint_every(&f.store), 1000);
    let again = f.store.import_instruments("a", &batch, &mut |_, _| {});
    assert!(
        matches!(again, Err(idstation_store::StoreError::AlreadyExists(_))),
        "{again:?}"
    );
    assert_eq!(checkpoint_every(&f.store), 1000);
    assert_eq!(f.store.count_instruments().expect("count"), 1000);
}
