//! Where handles live. The API talks to [`HandleStore`]; [`SqliteStore`] is the embedded
//! default (a PostgreSQL backend can implement the same trait).
//!
//! Each write is one transaction that reads the current values, applies the change, and appends
//! a hash-chained audit entry, so concurrent writers can never lose each other's updates and no
//! write exists without its audit row.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use rusqlite_migration::{Migrations, M};
use sha2::{Digest, Sha256};

use crate::values::{merge, HandleValue, ValueError};

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../migrations/0001_init.sql")),
    M::up(include_str!("../migrations/0002_accounts.sql")),
    M::up(include_str!("../migrations/0003_monitor.sql")),
    M::up(include_str!("../migrations/0004_sync.sql")),
    M::up(include_str!("../migrations/0005_gs1_index.sql")),
];

/// Idle read connections kept open; more are opened under load and closed when returned.
const MAX_IDLE_READERS: usize = 16;

/// The file a node keeps in its data folder.
pub const DB_FILE: &str = "node.sqlite";

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("the node is not initialised (run `idstation-node init`)")]
    NotInitialised,
    #[error("the node is already initialised")]
    AlreadyInitialised,
    #[error("handle not found")]
    HandleNotFound,
    #[error("handle already exists")]
    HandleExists,
    #[error("the handle has no value with index {0}")]
    ValueNotFound(u32),
    #[error(transparent)]
    InvalidValue(#[from] ValueError),
    /// Two records may not carry one GS1 key: a phone scanning it must reach one instrument.
    #[error("GS1 key {key} belongs to {handle} already")]
    Gs1KeyTaken { key: String, handle: String },
}

/// The node's own settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeConfig {
    pub prefix: String,
    /// PHC string of the admin secret's argon2 hash.
    pub admin_secret_hash: String,
}

/// How a PUT treats an existing handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutMode {
    /// When false, an existing handle is an error ([`StoreError::HandleExists`]).
    pub overwrite: bool,
    /// When non-empty, only these indexes are added or replaced; other values stay.
    pub selected: Vec<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    Created,
    Modified,
}

/// Who did a write and when, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor<'a> {
    pub user: &'a str,
    pub at: &'a str,
}

/// Storage of handles. Methods block; async callers run them on the blocking pool.
pub trait HandleStore: Send + Sync + 'static {
    fn config(&self) -> Result<NodeConfig, StoreError>;
    /// The handle's values (sorted by index), or `None` when it does not exist.
    fn get(&self, handle: &str) -> Result<Option<Vec<HandleValue>>, StoreError>;
    /// The same values as the JSON array the API sends, straight from storage: resolution,
    /// the node's hottest path, answers without parsing and re-serialising them. Called on the
    /// async threads, so it must return in microseconds (a backend that waits on a network
    /// puts a cache in front).
    fn get_json(&self, handle: &str) -> Result<Option<String>, StoreError>;
    fn put(
        &self,
        handle: &str,
        values: Vec<HandleValue>,
        mode: &PutMode,
        actor: &Actor<'_>,
    ) -> Result<PutOutcome, StoreError>;
    /// Deletes the whole handle (empty `indexes`) or only those values.
    fn delete(&self, handle: &str, indexes: &[u32], actor: &Actor<'_>) -> Result<(), StoreError>;
    /// The handle carrying a GS1 key, given in its canonical Digital Link form.
    fn handle_of_gs1(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Handles with exactly this prefix, in order: how many there are, and `limit` of them
    /// after skipping `offset` (`limit` 0: only the count).
    fn list(&self, prefix: &str, offset: u64, limit: u64)
        -> Result<(u64, Vec<String>), StoreError>;
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
    ) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Corrupt(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let path = data_dir.join(DB_FILE);
        let mut conn = open_connection(&path)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: Option<i64> = tx
            .query_row("SELECT id FROM node_config WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        if exists.is_some() {
            return Err(StoreError::AlreadyInitialised);
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
    pub fn open(data_dir: &Path) -> Result<SqliteStore, StoreError> {
        let path = data_dir.join(DB_FILE);
        if !path.exists() {
            return Err(StoreError::NotInitialised);
        }
        let store = SqliteStore {
            conn: Mutex::new(open_connection(&path)?),
            readers: Mutex::new(Vec::new()),
            path,
        };
        store.config()?;
        Ok(store)
    }

    /// Checks the audit chain (sequence, links and hashes); returns the number of entries.
    /// An edited, inserted or removed entry is caught; a removed tail is not (yet).
    pub fn verify_audit(&self) -> Result<u64, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT seq, at, actor, action, subject, detail, prev_hash, hash \
             FROM audit_log ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut prev = GENESIS.to_owned();
        let mut count = 0u64;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let fields: [String; 5] = [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?];
            let (prev_hash, hash): (String, String) = (r.get(6)?, r.get(7)?);
            let refs = fields.each_ref().map(String::as_str);
            if u64::try_from(seq) != Ok(count + 1)
                || prev_hash != prev
                || hash != audit_hash(&prev, seq, &refs)
            {
                return Err(StoreError::Corrupt(format!(
                    "audit entry {seq} does not match the chain"
                )));
            }
            prev = hash;
            count += 1;
        }
        let head: Option<(i64, String)> = conn
            .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let tail_matches = match head {
            None => count == 0,
            Some((seq, hash)) => u64::try_from(seq) == Ok(count) && hash == prev,
        };
        if !tail_matches {
            return Err(StoreError::Corrupt(
                "the audit chain ends before the entry its head names".to_owned(),
            ));
        }
        Ok(count)
    }

    /// Runs `f` on a read connection from the pool (opening one when none is idle).
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
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

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-written transaction (SQLite rolls
        // back an uncommitted one when it is dropped), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl HandleStore for SqliteStore {
    fn config(&self) -> Result<NodeConfig, StoreError> {
        let conn = self.lock();
        conn.query_row(
            "SELECT prefix, admin_secret_hash FROM node_config WHERE id = 1",
            [],
            |r| {
                Ok(NodeConfig {
                    prefix: r.get(0)?,
                    admin_secret_hash: r.get(1)?,
                })
            },
        )
        .optional()?
        .ok_or(StoreError::NotInitialised)
    }

    fn get(&self, handle: &str) -> Result<Option<Vec<HandleValue>>, StoreError> {
        self.read(|conn| read_values(conn, handle))
    }

    fn get_json(&self, handle: &str) -> Result<Option<String>, StoreError> {
        self.read(|conn| read_json(conn, handle))
    }

    fn handle_of_gs1(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.read(|conn| handle_of_gs1(conn, key))
    }

    fn list(
        &self,
        prefix: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(u64, Vec<String>), StoreError> {
        // `prefix/` up to `prefix0` ('0' follows '/'): one range of the unique index.
        let (from, to) = (format!("{prefix}/"), format!("{prefix}0"));
        self.read(|conn| {
            let total: i64 = conn
                .prepare_cached("SELECT count(*) FROM handles WHERE handle >= ?1 AND handle < ?2")?
                .query_row([&from, &to], |r| r.get(0))?;
            let mut handles = Vec::new();
            if limit > 0 {
                let (offset, limit) = (
                    i64::try_from(offset).unwrap_or(i64::MAX),
                    i64::try_from(limit).unwrap_or(i64::MAX),
                );
                let mut stmt = conn.prepare_cached(
                    "SELECT handle FROM handles WHERE handle >= ?1 AND handle < ?2 \
                     ORDER BY handle LIMIT ?3 OFFSET ?4",
                )?;
                let rows = stmt.query_map(params![from, to, limit, offset], |r| r.get(0))?;
                for h in rows {
                    handles.push(h?);
                }
            }
            Ok((u64::try_from(total).unwrap_or(0), handles))
        })
    }

    fn put(
        &self,
        handle: &str,
        values: Vec<HandleValue>,
        mode: &PutMode,
        actor: &Actor<'_>,
    ) -> Result<PutOutcome, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing = read_values(&tx, handle)?;
        if existing.is_some() && !mode.overwrite {
            return Err(StoreError::HandleExists);
        }
        let outcome = match existing {
            Some(_) => PutOutcome::Modified,
            None => PutOutcome::Created,
        };
        let merged = merge(existing.as_deref().unwrap_or(&[]), values, &mode.selected)?;
        write_values(&tx, handle, &merged, actor.at)?;
        let action = match outcome {
            PutOutcome::Created => "create",
            PutOutcome::Modified => "modify",
        };
        append_audit(&tx, actor, action, handle, &to_json(&merged)?)?;
        tx.commit()?;
        Ok(outcome)
    }

    fn delete(&self, handle: &str, indexes: &[u32], actor: &Actor<'_>) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing = read_values(&tx, handle)?.ok_or(StoreError::HandleNotFound)?;
        if indexes.is_empty() {
            tx.execute("DELETE FROM handles WHERE handle = ?1", [handle])?;
            append_audit(&tx, actor, "delete", handle, "[]")?;
        } else {
            if let Some(missing) = indexes
                .iter()
                .find(|i| !existing.iter().any(|v| v.index == **i))
            {
                return Err(StoreError::ValueNotFound(*missing));
            }
            let kept: Vec<HandleValue> = existing
                .into_iter()
                .filter(|v| !indexes.contains(&v.index))
                .collect();
            write_values(&tx, handle, &kept, actor.at)?;
            let detail = serde_json::json!({ "removed_indexes": indexes }).to_string();
            append_audit(&tx, actor, "delete_values", handle, &detail)?;
        }
        tx.commit()?;
        Ok(())
    }
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let mut conn = Connection::open(path)?;
    // WAL + FULL: an acknowledged write survives a crash or power loss.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt(format!(
            "cannot switch to WAL mode ({mode})"
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Migrations::from_slice(MIGRATIONS).to_latest(&mut conn)?;
    Ok(conn)
}

/// A read-only connection; the writer has already migrated the schema.
fn open_reader(path: &Path) -> Result<Connection, StoreError> {
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
const READER_MMAP_BYTES: i64 = 1 << 34;

fn to_json(values: &[HandleValue]) -> Result<String, StoreError> {
    serde_json::to_string(values).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The stored values text: written only by [`write_values`], from the model's type, so it is
/// the canonical JSON the API serves.
fn read_json(conn: &Connection, handle: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT values_json FROM handles WHERE handle = ?1")?
        .query_row([handle], |r| r.get(0))
        .optional()?)
}

fn read_values(conn: &Connection, handle: &str) -> Result<Option<Vec<HandleValue>>, StoreError> {
    let json = read_json(conn, handle)?;
    json.map(|j| {
        serde_json::from_str(&j)
            .map_err(|e| StoreError::Corrupt(format!("values of {handle}: {e}")))
    })
    .transpose()
}

/// Stores a handle's values (creating the handle or replacing them) and indexes the GS1 keys
/// they carry; every path that writes handle values goes through here.
pub(crate) fn write_values(
    conn: &Connection,
    handle: &str,
    values: &[HandleValue],
    at: &str,
) -> Result<(), StoreError> {
    let json = to_json(values)?;
    conn.prepare_cached(
        "INSERT INTO handles (handle, values_json, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?3) ON CONFLICT (handle) DO UPDATE SET \
         values_json = excluded.values_json, updated_at = excluded.updated_at",
    )?
    .execute(params![handle, json, at])?;
    conn.prepare_cached("DELETE FROM gs1_keys WHERE handle = ?1")?
        .execute([handle])?;
    for key in idstation_model::handle_record::gs1_keys(values) {
        let key = key.to_string();
        let claimed = conn
            .prepare_cached(
                "INSERT INTO gs1_keys (key, handle) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
            )?
            .execute(params![key, handle])?;
        if claimed == 0 {
            // The caller's transaction rolls back: the write changes nothing.
            let owner = handle_of_gs1(conn, &key)?.unwrap_or_default();
            return Err(StoreError::Gs1KeyTaken { key, handle: owner });
        }
    }
    Ok(())
}

/// The first of `values`' GS1 keys that a handle other than `handle` carries, with that handle.
pub(crate) fn gs1_key_taken(
    conn: &Connection,
    handle: &str,
    values: &[HandleValue],
) -> Result<Option<(String, String)>, StoreError> {
    for key in idstation_model::handle_record::gs1_keys(values) {
        let key = key.to_string();
        match handle_of_gs1(conn, &key)? {
            Some(owner) if owner != handle => return Ok(Some((key, owner))),
            _ => {}
        }
    }
    Ok(None)
}

/// The handle that carries a GS1 key (in its canonical Digital Link form).
pub(crate) fn handle_of_gs1(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT handle FROM gs1_keys WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// Appends an entry to the audit chain and moves its head; call inside the write's transaction.
/// `subject` is what the action was about: a handle, a user name, an enterprise, a device.
pub(crate) fn append_audit(
    conn: &Connection,
    actor: &Actor<'_>,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<(), StoreError> {
    let mut chain = AuditChain::load(conn)?;
    chain.append(conn, actor, action, subject, detail)?;
    chain.save(conn)
}

/// The audit chain's head while one transaction appends to it: read once and written once,
/// however many entries the transaction adds (a sync push adds one per op).
pub(crate) struct AuditChain {
    seq: i64,
    hash: String,
    moved: bool,
}

impl AuditChain {
    pub(crate) fn load(conn: &Connection) -> Result<AuditChain, StoreError> {
        let (seq, hash) = conn
            .prepare_cached("SELECT seq, hash FROM audit_head WHERE id = 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((0, GENESIS.to_owned()));
        Ok(AuditChain {
            seq,
            hash,
            moved: false,
        })
    }

    pub(crate) fn append(
        &mut self,
        conn: &Connection,
        actor: &Actor<'_>,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let seq = self.seq + 1;
        let hash = audit_hash(
            &self.hash,
            seq,
            &[actor.at, actor.user, action, subject, detail],
        );
        conn.prepare_cached(
            "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            seq, actor.at, actor.user, action, subject, detail, self.hash, hash
        ])?;
        self.seq = seq;
        self.hash = hash;
        self.moved = true;
        Ok(())
    }

    /// Writes the head; call before the transaction commits.
    pub(crate) fn save(&self, conn: &Connection) -> Result<(), StoreError> {
        if self.moved {
            conn.prepare_cached(
                "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2) \
                 ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            )?
            .execute(params![self.seq, self.hash])?;
        }
        Ok(())
    }
}

/// SHA-256 over the previous hash, the sequence number and length-prefixed fields, so no two
/// different entries hash the same bytes.
fn audit_hash(prev_hash: &str, seq: i64, fields: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(seq.to_le_bytes());
    for f in fields {
        h.update((f.len() as u64).to_le_bytes());
        h.update(f.as_bytes());
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::ValueData;

    fn value(index: u32, text: &str) -> HandleValue {
        HandleValue {
            index,
            kind: "URL".to_owned(),
            data: ValueData::string(text),
            ttl: 86_400,
            timestamp: "2026-01-01T00:00:00Z".to_owned(),
        }
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
        let created = s.put("88.118/A", vec![value(1, "a")], &replace, &actor);
        assert_eq!(created.expect("put"), PutOutcome::Created);
        let modified = s.put("88.118/A", vec![value(1, "b")], &replace, &actor);
        assert_eq!(modified.expect("put"), PutOutcome::Modified);
        let no_overwrite = PutMode {
            overwrite: false,
            selected: vec![],
        };
        assert!(matches!(
            s.put("88.118/A", vec![value(1, "c")], &no_overwrite, &actor),
            Err(StoreError::HandleExists)
        ));
        assert!(matches!(
            s.delete("88.118/A", &[7], &actor),
            Err(StoreError::ValueNotFound(7))
        ));
        s.delete("88.118/A", &[], &actor).expect("delete");
        assert_eq!(s.get("88.118/A").expect("get"), None);
        // init, create, modify, delete: failed writes leave no entry.
        assert_eq!(s.verify_audit().expect("chain intact"), 4);

        s.lock()
            .execute("UPDATE audit_log SET actor = 'someone' WHERE seq = 2", [])
            .expect("tamper");
        assert!(matches!(s.verify_audit(), Err(StoreError::Corrupt(_))));
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
        assert!(matches!(again, Err(StoreError::AlreadyInitialised)));
        let empty = tempfile::tempdir().expect("tempdir");
        assert!(matches!(
            SqliteStore::open(empty.path()),
            Err(StoreError::NotInitialised)
        ));
    }
}
