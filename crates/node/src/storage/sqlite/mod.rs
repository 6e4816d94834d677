//! The embedded SQLite backend of the storage seam: one file in the node's data folder (WAL,
//! `synchronous=FULL`), numbered migrations, one writer connection and a pool of readers. Each
//! trait's implementation is its own file beside this one; the audit chain every write appends to
//! is [`audit`].

mod accounts;
mod audit;
mod availability;
pub mod backup;
mod entities;
mod escrow;
mod handles;
mod monitor;
mod reports;
mod sync;
mod uplink;

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use rusqlite_migration::{Migrations, M};

use crate::storage::{Actor, HandleStore, NodeConfig, StorageError};
use crate::values::HandleValue;

use audit::append_audit;
use handles::{to_json, write_values};

/// The schema, one numbered file per change; a released file is never edited (add the next).
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../../../migrations/0001_init.sql")),
    M::up(include_str!("../../../migrations/0002_accounts.sql")),
    M::up(include_str!("../../../migrations/0003_monitor.sql")),
    M::up(include_str!("../../../migrations/0004_sync.sql")),
    M::up(include_str!("../../../migrations/0005_gs1_index.sql")),
    M::up(include_str!("../../../migrations/0006_hardening.sql")),
    M::up(include_str!("../../../migrations/0007_docking.sql")),
    M::up(include_str!("../../../migrations/0008_availability.sql")),
    M::up(include_str!("../../../migrations/0009_reports.sql")),
];

/// Idle read connections kept open; more are opened under load and closed when returned.
const MAX_IDLE_READERS: usize = 16;

/// The file a node keeps in its data folder.
pub const DB_FILE: &str = "node.sqlite";

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> StorageError {
        StorageError::Backend(Box::new(e))
    }
}

impl From<rusqlite_migration::Error> for StorageError {
    fn from(e: rusqlite_migration::Error) -> StorageError {
        StorageError::Migration(Box::new(e))
    }
}

/// Text that should have been well-formed (JSON written by the node, an integer in range) and is
/// not: the stored data is corrupt.
fn corrupt(e: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

/// The embedded SQLite store: one writer connection behind a mutex (which serialises writers)
/// and a pool of read connections, so resolutions never wait behind a write (WAL readers see
/// the last committed state).
pub struct SqliteStore {
    conn: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    path: std::path::PathBuf,
}

impl SqliteStore {
    /// Creates the database in `data_dir` (which must not hold an initialised node yet) with
    /// the node's settings and its prefix handle `0.NA/<prefix>`.
    pub fn create(
        data_dir: &Path,
        config: &NodeConfig,
        prefix_handle_values: Vec<HandleValue>,
        actor: &Actor<'_>,
    ) -> Result<SqliteStore, StorageError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StorageError::Corrupt(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let path = data_dir.join(DB_FILE);
        let mut conn = open_connection(&path)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: Option<i64> = tx
            .query_row("SELECT id FROM node_config WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        if exists.is_some() {
            return Err(StorageError::AlreadyInitialised);
        }
        tx.execute(
            "INSERT INTO node_config (id, prefix, admin_secret_hash, created_at) \
             VALUES (1, ?1, ?2, ?3)",
            params![config.prefix, config.admin_secret_hash, actor.at],
        )?;
        let handle = format!("0.NA/{}", config.prefix);
        write_values(&tx, &handle, &prefix_handle_values, actor.at)?;
        append_audit(
            &tx,
            actor,
            "init",
            &handle,
            &to_json(&prefix_handle_values)?,
        )?;
        tx.commit()?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            path,
        })
    }

    /// Opens the database of an initialised node.
    pub fn open(data_dir: &Path) -> Result<SqliteStore, StorageError> {
        let path = data_dir.join(DB_FILE);
        if !path.exists() {
            return Err(StorageError::NotInitialised);
        }
        let store = SqliteStore {
            conn: Mutex::new(open_connection(&path)?),
            readers: Mutex::new(Vec::new()),
            path,
        };
        store.config()?;
        Ok(store)
    }

    /// Runs `f` on a read connection from the pool (opening one when none is idle).
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let idle = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match idle {
            Some(c) => c,
            None => open_reader(&self.path)?,
        };
        let result = f(&conn);
        let mut readers = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if readers.len() < MAX_IDLE_READERS {
            readers.push(conn);
        }
        result
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-written transaction (SQLite rolls
        // back an uncommitted one when it is dropped), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn open_connection(path: &Path) -> Result<Connection, StorageError> {
    let mut conn = Connection::open(path)?;
    // WAL + FULL: an acknowledged write survives a crash or power loss.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StorageError::Corrupt(format!(
            "cannot switch to WAL mode ({mode})"
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Migrations::from_slice(MIGRATIONS).to_latest(&mut conn)?;
    Ok(conn)
}

/// A read-only connection; the writer has already migrated the schema.
fn open_reader(path: &Path) -> Result<Connection, StorageError> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Resolution reads random records: through a memory map they cost no system call and no
    // copy, and every reader shares the one OS page cache (a 100k-record node spent a third
    // of its resolution time in pread before this).
    conn.pragma_update(None, "mmap_size", READER_MMAP_BYTES)?;
    // 64 MiB of parsed pages per reader: b-tree pages stay decoded between lookups (readers
    // are few, one per busy thread).
    conn.pragma_update(None, "cache_size", -65_536)?;
    Ok(conn)
}

/// How much of the database file readers map (address space, not memory).
pub(super) const READER_MMAP_BYTES: i64 = 1 << 34;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{PutMode, PutOutcome};

    fn value(index: u32, text: &str) -> HandleValue {
        HandleValue::string(index, "URL", text, "2026-01-01T00:00:00Z")
    }

    fn store(dir: &Path) -> SqliteStore {
        let config = NodeConfig {
            prefix: "88.118".to_owned(),
            admin_secret_hash: "x".to_owned(),
        };
        let actor = Actor {
            user: "init",
            at: "2026-01-01T00:00:00Z",
        };
        SqliteStore::create(dir, &config, vec![value(100, "admin")], &actor).expect("create")
    }

    #[test]
    fn writes_are_audited_and_tampering_is_detected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = store(dir.path());
        let actor = Actor {
            user: "300:0.NA/88.118",
            at: "2026-01-02T00:00:00Z",
        };
        let replace = PutMode {
            overwrite: true,
            selected: vec![],
        };
        let t = idstation_model::MetadataTemplate::builtin_instrument();
        let created = s.put("88.118/A", vec![value(1, "a")], &replace, &t, &actor);
        assert_eq!(created.expect("put"), PutOutcome::Created);
        let modified = s.put("88.118/A", vec![value(1, "b")], &replace, &t, &actor);
        assert_eq!(modified.expect("put"), PutOutcome::Modified);
        let no_overwrite = PutMode {
            overwrite: false,
            selected: vec![],
        };
        assert!(matches!(
            s.put("88.118/A", vec![value(1, "c")], &no_overwrite, &t, &actor),
            Err(StorageError::HandleExists)
        ));
        assert!(matches!(
            s.delete("88.118/A", &[7], &t, &actor),
            Err(StorageError::ValueNotFound(7))
        ));
        s.delete("88.118/A", &[], &t, &actor).expect("delete");
        assert_eq!(s.get("88.118/A").expect("get"), None);
        // init, create, modify, delete: failed writes leave no entry.
        assert_eq!(s.verify_audit().expect("chain intact"), 4);

        s.lock()
            .execute("UPDATE audit_log SET actor = 'someone' WHERE seq = 2", [])
            .expect("tamper");
        assert!(matches!(s.verify_audit(), Err(StorageError::Corrupt(_))));
    }

    #[test]
    fn reopening_an_initialised_node_keeps_its_config() {
        let dir = tempfile::tempdir().expect("tempdir");
        drop(store(dir.path()));
        let reopened = SqliteStore::open(dir.path()).expect("open");
        assert_eq!(reopened.config().expect("config").prefix, "88.118");
        let again = SqliteStore::create(
            dir.path(),
            &reopened.config().expect("config"),
            vec![],
            &Actor {
                user: "init",
                at: "now",
            },
        );
        assert!(matches!(again, Err(StorageError::AlreadyInitialised)));
        let empty = tempfile::tempdir().expect("tempdir");
        assert!(matches!(
            SqliteStore::open(empty.path()),
            Err(StorageError::NotInitialised)
        ));
    }
}
