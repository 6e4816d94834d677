//! Any file offered to restore, as a station backup (`Store::restore`, which verifies it first)
//! or as a node backup (`idstation_node::backup::verify` and `restore`, with or without its
//! signed sidecar): real backups of both kinds made at start, with bytes changed, cut short or
//! added to, and any bytes at all. Nothing panics; a refused restore leaves the data it would
//! have replaced exactly as it was; an accepted one leaves a database that opens and whose audit
//! trail verifies.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use idstation_fuzz::{copy_db, fingerprint_file, scratch, station};
use idstation_node::config::Schedule;
use idstation_node::secrets::{Keys, DEFAULT_DIR};
use idstation_node::SqliteStore;
use idstation_store::Store;
use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;

const NODE_DB: &str = "node.sqlite";

struct Fixture {
    dir: PathBuf,
    /// The station being restored over (closed).
    station: PathBuf,
    /// Backups: of that station, of another station, of a node; the node's signed sidecar.
    station_backup: Vec<u8>,
    other_backup: Vec<u8>,
    node_backup: Vec<u8>,
    node_sidecar: Vec<u8>,
    node_signature: Vec<u8>,
    /// The node being restored over (its database, closed) and its keys.
    node_db: PathBuf,
    keys: Keys,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let dir = scratch("restore");
    let live = dir.join("station.sqlite");
    let store = station(&live);
    let backup = dir.join("station-backup.sqlite");
    store.backup_to(&backup, &mut |_, _| {}).expect("a backup");
    drop(store);
    let other = dir.join("other.sqlite");
    let other_store = Store::create(&other, "88.118.9", "fuzz").expect("another station");
    let other_backup = dir.join("other-backup.sqlite");
    other_store
        .backup_to(&other_backup, &mut |_, _| {})
        .expect("a backup");
    drop(other_store);

    let node_dir = dir.join("node");
    idstation_node::init(
        &node_dir,
        "88.118",
        "operator",
        "correct horse battery staple",
    )
    .expect("a node");
    let keys = Keys::load_or_create(&node_dir.join(DEFAULT_DIR)).expect("the node's keys");
    let node_backup = dir.join("node-backup.sqlite");
    let schedule = Schedule {
        dir: dir.clone(),
        every: None,
        keep: 1,
    };
    idstation_node::backup::backup(&node_dir, &schedule, &keys, Some(&node_backup))
        .expect("a node backup");
    let read = |p: &Path| std::fs::read(p).expect("read a backup");
    Fixture {
        station_backup: read(&backup),
        other_backup: read(&other_backup),
        node_sidecar: read(&node_backup.with_extension("json")),
        node_signature: read(&node_backup.with_extension("json.sig")),
        node_backup: read(&node_backup),
        station: live,
        node_db: node_dir.join(NODE_DB),
        keys,
        dir,
    }
});

#[derive(Arbitrary, Debug)]
enum Edit {
    /// One byte of the 100-byte database header.
    Header { at: u8, value: u8 },
    /// A big-endian word (page counts, the schema cookie, the user version live in these).
    Word { at: u8, value: u32 },
    /// One byte of a page.
    Byte { page: u8, at: u16, value: u8 },
    /// Bytes of a page set to something else.
    Fill { page: u8, at: u16, bytes: Vec<u8> },
}

#[derive(Arbitrary, Debug)]
enum Offered {
    Backup {
        /// A station's own backup, another station's, a node's.
        base: u8,
        edits: Vec<Edit>,
        cut: Option<u32>,
        append: Vec<u8>,
    },
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Sidecar {
    None,
    /// The node backup's own sidecar and signature.
    Real,
    /// A sidecar with a field changed, signed with the node's key (or not).
    Changed {
        field: u8,
        value: String,
        number: u64,
        signed: bool,
    },
    Raw {
        json: Vec<u8>,
        signed: bool,
    },
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// Offered to the node, or to a station.
    node: bool,
    offered: Offered,
    sidecar: Sidecar,
    reserve: u16,
}

const PAGE: usize = 4096;

fn offered_bytes(o: &Offered) -> Vec<u8> {
    let f = &*FIXTURE;
    match o {
        Offered::Raw(b) => b.clone(),
        Offered::Backup {
            base,
            edits,
            cut,
            append,
        } => {
            let mut b = match base % 3 {
                0 => f.station_backup.clone(),
                1 => f.other_backup.clone(),
                _ => f.node_backup.clone(),
            };
            let len = b.len();
            for e in edits.iter().take(8) {
                match e {
                    Edit::Header { at, value } => b[*at as usize % 100] = *value,
                    Edit::Word { at, value } => {
                        let at = (*at as usize % 96) & !3;
                        b[at..at + 4].copy_from_slice(&value.to_be_bytes());
                    }
                    Edit::Byte { page, at, value } => {
                        let i = (*page as usize * PAGE + *at as usize % PAGE) % len;
                        b[i] = *value;
                    }
                    Edit::Fill { page, at, bytes } => {
                        let start = (*page as usize * PAGE + *at as usize % PAGE) % len;
                        for (i, v) in bytes.iter().take(64).enumerate() {
                            if start + i < len {
                                b[start + i] = *v;
                            }
                        }
                    }
                }
            }
            if let Some(cut) = cut {
                b.truncate(*cut as usize % (len + 1));
            }
            b.extend_from_slice(append);
            b
        }
    }
}

fn write_sidecar(s: &Sidecar, file: &Path, bytes: &[u8]) {
    let f = &*FIXTURE;
    let json_path = file.with_extension("json");
    let sig_path = file.with_extension("json.sig");
    let _ = std::fs::remove_file(&json_path);
    let _ = std::fs::remove_file(&sig_path);
    let (json, signed) = match s {
        Sidecar::None => return,
        Sidecar::Real => {
            std::fs::write(&json_path, &f.node_sidecar).expect("write");
            std::fs::write(&sig_path, &f.node_signature).expect("write");
            return;
        }
        Sidecar::Changed {
            field,
            value,
            number,
            signed,
        } => {
            let mut v: serde_json::Value =
                serde_json::from_slice(&f.node_sidecar).expect("the sidecar is JSON");
            // A sidecar that names this very file, with one field changed.
            let (len, sha) = (bytes.len() as u64, sha256(bytes));
            v["bytes"] = len.into();
            v["sha256"] = sha.into();
            let fields = [
                "node_prefix",
                "taken_at",
                "schema_version",
                "audit_entries",
                "handles",
                "last_cursor",
                "bytes",
                "sha256",
                "signer",
                "file",
            ];
            let name = fields[*field as usize % fields.len()];
            v[name] = if number % 2 == 0 {
                value.clone().into()
            } else {
                (*number).into()
            };
            (serde_json::to_vec(&v).expect("JSON"), *signed)
        }
        Sidecar::Raw { json, signed } => (json.clone(), *signed),
    };
    std::fs::write(&json_path, &json).expect("write");
    if signed {
        std::fs::write(&sig_path, f.keys.sign(&json)).expect("write");
    }
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex_of(&Sha256::digest(bytes))
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Restores into a node's data folder holding the node's database.
fn offer_to_node(file: &Path, reserve: i64) {
    let f = &*FIXTURE;
    let data = f.dir.join("node-live");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).expect("a data folder");
    let live = data.join(NODE_DB);
    copy_db(&f.node_db, &live);
    let before = std::fs::read(&live).expect("read");
    let _ = idstation_node::backup::verify(file);
    match idstation_node::backup::restore(&data, file, reserve) {
        Ok(_) => {
            let store = SqliteStore::open(&data).expect("a restored node opens");
            store
                .verify_audit()
                .expect("a restored node's audit chain verifies");
        }
        Err(e) => {
            let after = std::fs::read(&live).expect("the node's database is still there");
            assert!(
                before == after,
                "a refused restore ({e}) changed the node's database"
            );
            for ext in ["-wal", "-shm"] {
                assert!(
                    !data.join(format!("{NODE_DB}{ext}")).exists(),
                    "a refused restore ({e}) left {ext} beside the node's database"
                );
            }
        }
    }
}

/// Restores over a station's database.
fn offer_to_station(file: &Path) {
    let f = &*FIXTURE;
    let dir = f.dir.join("station-live");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");
    let live = dir.join("station.sqlite");
    copy_db(&f.station, &live);
    let before = fingerprint_file(&live);
    match Store::restore(&live, file, "fuzz", &mut |_, _| {}) {
        Ok(_) => {
            let store = Store::open(&live).expect("a restored station opens");
            let audit = store.audit_verify().expect("the audit check runs");
            assert!(audit.problem.is_none(), "{audit:?}");
        }
        Err(e) => {
            let after = fingerprint_file(&live);
            assert!(
                before == after,
                "a refused restore ({e}) changed the station's database"
            );
        }
    }
}

fn check(input: Input) {
    if std::env::var_os("IDSTATION_FUZZ_DEBUG").is_some() {
        eprintln!("{input:#?}");
    }
    let bytes = offered_bytes(&input.offered);
    let f = &*FIXTURE;
    let file = f.dir.join("offered.sqlite");
    idstation_fuzz::remove_db(&file);
    std::fs::write(&file, &bytes).expect("write the offered file");
    if input.node {
        write_sidecar(&input.sidecar, &file, &bytes);
        offer_to_node(&file, i64::from(input.reserve));
    } else {
        offer_to_station(&file);
    }
}

// A first byte under 32 takes the rest as a file as it is (the next byte: to the node or to a
// station); any other first byte builds the file from a real backup and its changes.
fuzz_target!(|data: &[u8]| {
    match data {
        [mode, node, file @ ..] if *mode < 32 => check(Input {
            node: node & 1 == 1,
            offered: Offered::Raw(file.to_vec()),
            sidecar: Sidecar::None,
            reserve: 100,
        }),
        [_, rest @ ..] => {
            if let Ok(input) = Input::arbitrary(&mut Unstructured::new(rest)) {
                check(input);
            }
        }
        [] => {}
    }
});
