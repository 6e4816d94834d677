//! Rows not yet moved into the FTS5 index are matched in Rust (`search::matches`). Both ways must
//! give the same answer: the same instruments, once batch-imported (indexed by FTS5) and once
//! registered one by one (queued), are searched with the same queries.

use idstation_model::{Instrument, InstrumentInput, MetadataTemplate};
use idstation_store::Store;
use proptest::prelude::*;

/// Few distinct characters and words, so queries often hit, miss narrowly and overlap.
const LETTERS: &[&str] = &[
    "卡", "尺", "数", "显", "表", "电", "子", "天", "平", "压", "力", "Ω",
];
const WORDS: &[&str] = &[
    "dmm", "6500", "dmm6500", "bsa", "224s", "k", "30", "3051tg", "x",
];

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(LETTERS).prop_map(str::to_string),
        proptest::sample::select(WORDS).prop_map(str::to_string),
        Just("-".to_string()),
        Just(" ".to_string()),
    ]
}

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(piece(), 1..8).prop_map(|p| p.concat().trim().to_string())
}

fn instrument(n: usize, name: &str, model: &str) -> Instrument {
    InstrumentInput {
        identifier: Some(format!("88.118.8/E-{n}")),
        name: Some(if name.is_empty() {
            "仪器".into()
        } else {
            name.into()
        }),
        model: Some(model.into()),
        ..Default::default()
    }
    .validate(&MetadataTemplate::builtin_instrument())
    .expect("valid")
}

fn ids(store: &Store, q: &str) -> Vec<String> {
    store
        .search(q, 1000)
        .expect("search")
        .hits
        .into_iter()
        .map(|h| h.instrument.identifier.to_string())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn queued_rows_match_exactly_as_indexed_rows(
        rows in proptest::collection::vec((text(), text()), 1..40),
        queries in proptest::collection::vec(text(), 1..12),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let batch: Vec<Instrument> = rows
            .iter()
            .enumerate()
            .map(|(i, (name, model))| instrument(i, name, model))
            .collect();
        let mut indexed = Store::create(&dir.path().join("a.sqlite"), "88.118.8", "t").expect("a");
        indexed.import_instruments("t", &batch, &mut |_, _| {}).expect("import");
        let mut queued = Store::create(&dir.path().join("b.sqlite"), "88.118.8", "t").expect("b");
        for inst in &batch {
            queued.insert_instrument("t", inst).expect("insert");
        }
        // Queries taken from the rows themselves hit; the random ones mostly miss narrowly.
        let mut all = queries;
        all.extend(rows.iter().flat_map(|(n, m)| [n.clone(), m.clone()]));
        for q in &all {
            prop_assert_eq!(ids(&indexed, q), ids(&queued, q), "query {:?}", q);
        }
    }
}

#[test]
fn queued_rows_move_into_the_index_and_stay_findable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::create(&dir.path().join("s.sqlite"), "88.118.8", "t").expect("create");
    for i in 0..150 {
        store
            .insert_instrument("t", &instrument(i, "数显卡尺", "DMM-6500"))
            .expect("insert");
    }
    let pending: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM search_pending", [], |r| r.get(0))
        .expect("count");
    assert_eq!(pending, 150 % 64, "two flushes of 64 happened");
    for q in ["卡尺", "尺", "数显卡尺", "dmm-65", "6500"] {
        assert_eq!(ids(&store, q).len(), 150, "query {q}");
    }
    // Newest first across the index and the queue.
    let first = ids(&store, "卡尺");
    assert_eq!(first.first().map(String::as_str), Some("88.118.8/E-149"));
    assert_eq!(first.last().map(String::as_str), Some("88.118.8/E-0"));
    // Edits and deletes of rows in either place leave no stale hits.
    let mut old = instrument(3, "数显卡尺", "DMM-6500");
    old.name = "温度计".into();
    store
        .update_instrument("t", &old, None)
        .expect("edit indexed row");
    let mut new = instrument(149, "数显卡尺", "DMM-6500");
    new.name = "湿度计".into();
    store
        .update_instrument("t", &new, None)
        .expect("edit queued row");
    assert_eq!(ids(&store, "卡尺").len(), 148);
    assert_eq!(ids(&store, "度计").len(), 2);
    store
        .set_deleted("t", &old.identifier, true, "x")
        .expect("delete");
    assert_eq!(ids(&store, "度计"), ["88.118.8/E-149"]);
    let limited = store.search("卡尺", 10).expect("search");
    assert_eq!(limited.hits.len(), 10);
    assert!(limited.truncated);
}
