//! What the fuzz targets share: scratch folders that live as long as the fuzzing process (in
//! memory when `/dev/shm` is there: SQLite's `synchronous=FULL` costs nothing on tmpfs), copies
//! of a database file, and a fingerprint of everything a database holds, to prove that a refused
//! input changed nothing.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};

/// A new empty folder for this process, in `IDSTATION_FUZZ_SCRATCH` when set (`bench/fuzz.sh`
/// makes one per run and removes it after: libFuzzer exits without running destructors), else in
/// `/dev/shm` or the temporary folder, named after the process so leftovers are easy to spot.
pub fn scratch(name: &str) -> PathBuf {
    let shm = Path::new("/dev/shm");
    let base = match std::env::var_os("IDSTATION_FUZZ_SCRATCH") {
        Some(dir) => PathBuf::from(dir),
        None if shm.is_dir() => shm.to_path_buf(),
        None => std::env::temp_dir(),
    };
    let dir = tempfile::Builder::new()
        .prefix(&format!("idstation-fuzz-{name}-{}-", std::process::id()))
        .tempdir_in(base)
        .expect("a scratch folder");
    dir.keep()
}

/// Removes a database file and whatever SQLite keeps beside it.
pub fn remove_db(path: &Path) {
    for ext in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(ext);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// Replaces the database at `to` with a copy of the (closed, checkpointed) database `from`.
pub fn copy_db(from: &Path, to: &Path) {
    remove_db(to);
    copy_file(from, to);
}

/// `std::fs::copy`, but read and written in plain calls that are retried when a signal
/// interrupts them (libFuzzer's timer interrupts the kernel's copy, which is not retried).
pub fn copy_file(from: &Path, to: &Path) {
    let bytes = std::fs::read(from).expect("read a file to copy");
    std::fs::write(to, bytes).expect("write a copy");
}

/// Every table's rows, hashed per table: equal before and after means nothing was written.
pub fn fingerprint(conn: &Connection) -> BTreeMap<String, u64> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| {
            s.query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()
        })
        .expect("list the tables");
    let mut out = BTreeMap::new();
    for table in tables {
        let mut hasher = DefaultHasher::new();
        let sql = format!("SELECT * FROM \"{}\"", table.replace('"', "\"\""));
        let mut stmt = conn.prepare(&sql).expect("read a table");
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).expect("read a table");
        while let Some(row) = rows.next().expect("read a row") {
            for i in 0..columns {
                let v: Value = row.get(i).expect("a column");
                format!("{v:?}").hash(&mut hasher);
            }
        }
        out.insert(table, hasher.finish());
    }
    out
}

/// [`fingerprint`] of the database file at `path`, read through a connection of its own; `None`
/// when it is not there.
pub fn fingerprint_file(path: &Path) -> Option<BTreeMap<String, u64>> {
    if !path.exists() {
        return None;
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open a database to read");
    Some(fingerprint(&conn))
}

/// The enterprise prefix the stations in these targets belong to.
pub const STATION_PREFIX: &str = "88.118.8";

/// An instrument as a person registers it, validated against the built-in template.
pub fn instrument(
    identifier: &str,
    name: &str,
    asset_no: Option<&str>,
) -> idstation_model::Instrument {
    use idstation_model::{Field, InstrumentInput, MetadataTemplate};
    let mut input = InstrumentInput::default();
    input.set(&Field::Identifier, identifier);
    input.set(&Field::Name, name);
    input.set(&Field::Model, "DMM6500");
    input.set(&Field::Location, "一楼计量室");
    input.set(&Field::CalLastDate, "2026-01-15");
    input.set(&Field::CalNextDue, "2027-01-15");
    if let Some(a) = asset_no {
        input.set(&Field::AssetNo, a);
    }
    input
        .validate(&MetadataTemplate::builtin_instrument())
        .expect("a valid instrument")
}

/// A station database at `path` holding a few instruments: `FUZZ-1` (asset `A-001`), `FUZZ-2`
/// and `FUZZ-3` (both asset `A-002`), and `FUZZ-4`, deleted. Every write is an op not yet pushed.
pub fn station(path: &Path) -> idstation_store::Store {
    let mut store =
        idstation_store::Store::create(path, STATION_PREFIX, "fuzz").expect("a station database");
    for (suffix, name, asset) in [
        ("FUZZ-1", "数字万用表", Some("A-001")),
        ("FUZZ-2", "压力变送器", Some("A-002")),
        ("FUZZ-3", "游标卡尺", Some("A-002")),
        ("FUZZ-4", "电子天平", None),
    ] {
        let inst = instrument(&format!("{STATION_PREFIX}/{suffix}"), name, asset);
        store.insert_instrument("fuzz", &inst).expect("register");
    }
    let gone = idstation_model::Identifier::parse(&format!("{STATION_PREFIX}/FUZZ-4"))
        .expect("an identifier");
    store
        .set_deleted("fuzz", &gone, true, "fuzz")
        .expect("delete");
    store
}
