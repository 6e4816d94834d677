//! What every store test file starts from: a real workstation database in a temporary folder,
//! valid instruments to put in it, and a way to change the file behind the store's back.

// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

pub mod orders;

use std::path::{Path, PathBuf};

use idstation_model::{Identifier, Instrument, InstrumentInput, MetadataTemplate};
use idstation_store::Store;
use rusqlite::Connection;

pub fn instrument(id: &str, name: &str, model: &str) -> Instrument {
    InstrumentInput {
        identifier: Some(id.into()),
        name: Some(name.into()),
        model: Some(model.into()),
        manufacturer: Some("广陆数测".into()),
        owner: Some("华东计量院".into()),
        cal_last_date: Some("2026-01-10".into()),
        cal_interval_months: Some("12".into()),
        ..Default::default()
    }
    .validate(&MetadataTemplate::builtin_instrument())
    .expect("valid instrument")
}

pub struct Fixture {
    pub _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub store: Store,
}

pub fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ws.sqlite");
    let store = Store::create(&path, "88.118.8", "张工").expect("create");
    Fixture {
        _dir: dir,
        path,
        store,
    }
}

/// A store with five registrations (`88.118.8/A-0` .. `A-4`, ops 1..=5, audit entries 1..=6
/// after the initialisation's) and an intact audit trail.
pub fn populated() -> Fixture {
    let mut f = fixture();
    for i in 0..5 {
        let inst = instrument(&format!("88.118.8/A-{i}"), "卡尺", "x");
        f.store.insert_instrument("a", &inst).expect("insert");
    }
    assert!(f.store.audit_verify().expect("verify").is_intact());
    f
}

pub fn id(s: &str) -> Identifier {
    Identifier::parse(s).expect("identifier")
}

/// Runs `sql` on the database file through a connection of its own, as someone editing the
/// file behind the store's back would.
pub fn tamper(path: &Path, sql: &str) {
    Connection::open(path)
        .expect("open")
        .execute(sql, [])
        .expect("tamper");
}
