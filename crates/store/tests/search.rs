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
