//! The workstation's local store: one SQLite file that may be a field site's only copy for days.
//!
//! Every write is one transaction that changes the row, appends an outbox operation for the node
//! and a hash-chained audit entry. The database runs in WAL mode with `synchronous=FULL`, so a
//! write that returned is on disk. One [`Store`] is the one writer; it is not shared across threads.

pub mod audit;
mod backup;
mod clock;
pub mod labels;
pub mod search;
pub mod sync;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, SecondsFormat, Utc};
use idstation_model::{
    EntityKind, Field, Identifier, Instrument, InstrumentStatus, MetadataTemplate, OpKind,
    Operation, Payload,
};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use rusqlite_migration::{Migrations, M};
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

pub use audit::{AuditBreak, AuditEntry, AuditReport};
pub use backup::{BackupReport, RestoreReport};
use clock::Clock;
pub use labels::{JobFilter, JobState, LabelSettings, LabelThing, NewPrintJob, PrintJob};

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../migrations/0001_init.sql")),
    M::up(include_str!("../migrations/0002_sync.sql")),
    M::up(include_str!("../migrations/0003_labels.sql")),
];

pub fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("no workstation database at {0}; run `idstation init` first")]
    NotInitialised(PathBuf),
    #[error("a workstation database already exists at {0}")]
    AlreadyInitialised(PathBuf),
    #[error("instrument {0} is not registered")]
    NotFound(String),
    #[error("instrument {0} is already registered")]
    AlreadyExists(String),
    #[error("instrument {0} was deleted; undelete it first")]
    Deleted(String),
    #[error("instrument {0} is not deleted")]
    NotDeleted(String),
    #[error("instrument {id} changed meanwhile (version {expected} expected, {actual} found)")]
    VersionConflict {
        id: String,
        expected: i64,
        actual: i64,
    },
    #[error("an instrument's identifier cannot be changed ({0})")]
    IdentifierImmutable(String),
    #[error("the backup {path} cannot be used: {reason}")]
    BackupInvalid { path: PathBuf, reason: String },
    #[error("conflict {0} is already resolved")]
    ConflictResolved(i64),
    #[error("no leased identifiers left; sync while online to lease more")]
    NoLease,
    #[error("the value is not valid: {0:?}")]
    Invalid(idstation_model::ValidationErrors),
    #[error("{0} already exists; choose another file name")]
    FileExists(PathBuf),
    #[error("the database is damaged: {0}")]
    Corrupt(String),
    #[error("{0:?} '{1}' not found")]
    LabelNotFound(labels::LabelThing, String),
    #[error("a printer named '{0}' already exists")]
    PrinterExists(String),
    #[error("print job {id} is {state}")]
    JobState { id: i64, state: &'static str },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("stored data could not be read: {0}")]
    Json(#[from] serde_json::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Device {
    pub device_id: Uuid,
    pub prefix: String,
    pub created_at: String,
}

/// An instrument as stored, with its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstrumentRecord {
    #[serde(flatten)]
    pub instrument: Instrument,
    pub version: i64,
    pub hlc: String,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstrumentFilter {
    pub status: Option<InstrumentStatus>,
    pub category: Option<String>,
    pub owner: Option<String>,
    /// Due on or before this date (and not yet deleted); with `due_from`, a window.
    pub due_until: Option<NaiveDate>,
    pub due_from: Option<NaiveDate>,
    pub include_deleted: bool,
    pub limit: u32,
    pub offset: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchResults {
    pub hits: Vec<InstrumentRecord>,
    /// More matched than the limit allowed.
    pub truncated: bool,
}

/// Cross-checks between instruments, outbox and audit trail (what a crash must never break).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConsistencyReport {
    pub instruments: i64,
    pub outbox_ops: i64,
    pub audit_entries: i64,
    /// Outbox sequence numbers are 1..=n with no hole.
    pub outbox_contiguous: bool,
    /// Outbox ops naming an instrument that has no row.
    pub ops_without_row: Vec<String>,
    /// Instruments whose version is not their number of outbox ops.
    pub rows_without_ops: Vec<String>,
    /// Outbox ops without their audit entry, or the reverse.
    pub ops_without_audit: i64,
    pub audit_without_op: i64,
}

impl ConsistencyReport {
    pub fn is_consistent(&self) -> bool {
        self.outbox_contiguous
            && self.ops_without_row.is_empty()
            && self.rows_without_ops.is_empty()
            && self.ops_without_audit == 0
            && self.audit_without_op == 0
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutboxStats {
    pub pending: i64,
    pub total: i64,
    pub last_seq: i64,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    device: Device,
    clock: Clock,
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn open_connection(path: &Path) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    // Takes effect only while the file is still empty, i.e. at creation.
    conn.pragma_update(None, "page_size", 8192)?;
    // WAL + FULL: a returned commit survives power loss; readers never block the writer.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt(format!(
            "cannot switch to WAL mode ({mode})"
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // 64 MiB of page cache: a 100k-row import otherwise spills pages to the WAL mid-transaction.
    conn.pragma_update(None, "cache_size", -65536)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrations().to_latest(&mut conn)?;
    Ok(conn)
}

fn read_device(conn: &Connection) -> Result<Option<Device>> {
    let row: Option<(String, String, String)> = conn
        .query_row(
            "SELECT device_id, prefix, created_at FROM device WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(|(id, prefix, created_at)| {
        let device_id = Uuid::parse_str(&id)
            .map_err(|e| StoreError::Corrupt(format!("device id '{id}': {e}")))?;
        Ok(Device {
            device_id,
            prefix,
            created_at,
        })
    })
    .transpose()
}

fn last_hlc(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT hlc FROM outbox ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

/// `cal_next_due` as stored for due-window queries (YYYY-MM-DD sorts as text).
fn due_column(inst: &Instrument) -> Option<String> {
    inst.calibration.next_due.map(|d| d.to_string())
}

/// Batches at least this large index with FTS5's automatic merging switched off.
const BULK_ROWS: usize = 1000;

/// Pending index rows moved into FTS5 at once.
const PENDING_FLUSH_ROWS: i64 = 64;

fn set_automerge(tx: &Transaction<'_>, n: i32) -> Result<()> {
    tx.execute(
        "INSERT INTO search_index (search_index, rank) VALUES ('automerge', ?1)",
        [n],
    )?;
    Ok(())
}

const RECORD_COLUMNS: &str = "body, version, hlc, created_at, updated_at, deleted_at";

fn record_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, InstrumentRecordMeta)> {
    Ok((
        r.get(0)?,
        InstrumentRecordMeta {
            version: r.get(1)?,
            hlc: r.get(2)?,
            created_at: r.get(3)?,
            updated_at: r.get(4)?,
            deleted_at: r.get(5)?,
        },
    ))
}

struct InstrumentRecordMeta {
    version: i64,
    hlc: String,
    created_at: String,
    updated_at: String,
    deleted_at: Option<String>,
}

fn into_record((body, m): (String, InstrumentRecordMeta)) -> Result<InstrumentRecord> {
    Ok(InstrumentRecord {
        instrument: serde_json::from_str(&body)?,
        version: m.version,
        hlc: m.hlc,
        created_at: m.created_at,
        updated_at: m.updated_at,
        deleted_at: m.deleted_at,
    })
}

/// The changed fields of an edit, as `{field: [before, after]}` in form-text terms, so the node can
/// merge them field by field against its own copy.
pub fn field_changes(before: &Instrument, after: &Instrument) -> serde_json::Map<String, Value> {
    let (a, b) = (before.to_input(), after.to_input());
    let attr_names: BTreeSet<&String> = a.attributes.keys().chain(b.attributes.keys()).collect();
    let fields = Field::FIXED
        .into_iter()
        .chain(attr_names.into_iter().map(|n| Field::Attribute(n.clone())));
    let mut changes = serde_json::Map::new();
    for f in fields {
        let (x, y) = (a.get(&f), b.get(&f));
        if x != y {
            changes.insert(f.key(), json!([x, y]));
        }
    }
    changes
}

/// The pieces of one write that go to the outbox and the audit trail.
struct Write<'a> {
    actor: &'a str,
    action: &'a str,
    entity_id: &'a str,
    kind: OpKind,
    payload: &'a str,
    at: &'a str,
    hlc: &'a str,
}

impl Store {
    /// Creates a new workstation database. Refuses to touch an existing one.
    pub fn create(path: &Path, prefix: &str, actor: &str) -> Result<Store> {
        if path.exists() {
            if let Ok(conn) = Connection::open(path) {
                if read_device(&conn).ok().flatten().is_some() {
                    return Err(StoreError::AlreadyInitialised(path.to_path_buf()));
                }
            }
        }
        let mut conn = open_connection(path)?;
        let device = Device {
            device_id: Uuid::new_v4(),
            prefix: prefix.to_string(),
            created_at: now(),
        };
        let template = MetadataTemplate::builtin_instrument();
        let tx = Self::write_tx(&mut conn)?;
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO device (id, device_id, prefix, created_at) VALUES (1, ?1, ?2, ?3)",
            params![device.device_id.to_string(), device.prefix, device.created_at],
        )?;
        if inserted == 0 {
            return Err(StoreError::AlreadyInitialised(path.to_path_buf()));
        }
        tx.execute(
            "INSERT INTO metadata_templates (code, version, body, active) VALUES (?1, ?2, ?3, 1)",
            params![
                template.code,
                template.version,
                serde_json::to_string(&template)?
            ],
        )?;
        let mut chain = audit::Chain::load(&tx)?;
        let after = serde_json::to_string(&device)?;
        chain.append(
            &tx,
            &audit::NewEntry {
                at: &device.created_at,
                actor,
                action: "init",
                entity: "device",
                entity_id: &device.device_id.to_string(),
                op_id: None,
                payload_sha256: None,
                before: None,
                after: Some(&after),
            },
        )?;
        chain.save(&tx)?;
        tx.commit()?;
        let clock = Clock::new(device.device_id, None);
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            device,
            clock,
        })
    }

    /// Opens an existing workstation database, migrating it to the current schema.
    pub fn open(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(StoreError::NotInitialised(path.to_path_buf()));
        }
        let conn = open_connection(path)?;
        let device =
            read_device(&conn)?.ok_or_else(|| StoreError::NotInitialised(path.to_path_buf()))?;
        let clock = Clock::new(device.device_id, last_hlc(&conn)?.as_deref());
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            device,
            clock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Read access for checks and reports; writes go through the methods that keep the outbox
    /// and audit trail in step.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn active_template(&self) -> Result<MetadataTemplate> {
        let body: String = self.conn.query_row(
            "SELECT body FROM metadata_templates WHERE active = 1 ORDER BY version DESC LIMIT 1",
            [],
            |r| r.get(0),
        )?;
        Ok(serde_json::from_str(&body)?)
    }

    /// Takes the write lock up front: another process writing waits (busy timeout) instead of
    /// failing when both have read the audit head.
    fn write_tx(conn: &mut Connection) -> Result<Transaction<'_>> {
        Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// Appends the outbox op and the audit entry of one write.
    fn record(tx: &Transaction<'_>, chain: &mut audit::Chain, w: &Write<'_>) -> Result<()> {
        let op_id = Uuid::now_v7().to_string();
        tx.prepare_cached(
            "INSERT INTO outbox (op_id, entity, entity_id, kind, payload, hlc, created_at)
             VALUES (?1, 'instrument', ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            op_id,
            w.entity_id,
            w.kind.as_str(),
            w.payload,
            w.hlc,
            w.at
        ])?;
        chain.append(
            tx,
            &audit::NewEntry {
                at: w.at,
                actor: w.actor,
                action: w.action,
                entity: EntityKind::Instrument.as_str(),
                entity_id: w.entity_id,
                op_id: Some(&op_id),
                payload_sha256: Some(&audit::sha256_hex(w.payload)),
                before: None,
                after: None,
            },
        )?;
        Ok(())
    }

    /// Queues an instrument's index text; every `PENDING_FLUSH_ROWS` rows go into FTS5 together.
    fn index(tx: &Transaction<'_>, row_id: i64, inst: &Instrument) -> Result<()> {
        let (uni, bi) = search::ngram_columns(&inst.search_text());
        tx.prepare_cached(
            "INSERT OR REPLACE INTO search_pending (row_id, uni, bi) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![row_id, uni, bi])?;
        let pending: i64 = tx
            .prepare_cached("SELECT count(*) FROM search_pending")?
            .query_row([], |r| r.get(0))?;
        if pending >= PENDING_FLUSH_ROWS {
            Self::flush_pending(tx)?;
        }
        Ok(())
    }

    /// Indexes directly, for batches that make one large segment anyway.
    fn index_now(tx: &Transaction<'_>, row_id: i64, inst: &Instrument) -> Result<()> {
        let (uni, bi) = search::ngram_columns(&inst.search_text());
        tx.prepare_cached("INSERT INTO search_index (rowid, uni, bi) VALUES (?1, ?2, ?3)")?
            .execute(params![row_id, uni, bi])?;
        Ok(())
    }

    fn flush_pending(tx: &Transaction<'_>) -> Result<()> {
        tx.execute_batch(
            "INSERT INTO search_index (rowid, uni, bi)
                 SELECT row_id, uni, bi FROM search_pending ORDER BY row_id;
             DELETE FROM search_pending;",
        )?;
        Ok(())
    }

    fn unindex(tx: &Transaction<'_>, row_id: i64) -> Result<()> {
        let queued = tx
            .prepare_cached("DELETE FROM search_pending WHERE row_id = ?1")?
            .execute([row_id])?;
        if queued == 0 {
            tx.prepare_cached("DELETE FROM search_index WHERE rowid = ?1")?
                .execute([row_id])?;
        }
        Ok(())
    }

    /// Registers one instrument: row, search index, outbox op and audit entry in one transaction.
    pub fn insert_instrument(
        &mut self,
        actor: &str,
        inst: &Instrument,
    ) -> Result<InstrumentRecord> {
        let tx = Self::write_tx(&mut self.conn)?;
        let mut chain = audit::Chain::load(&tx)?;
        let (hlc, at) = insert_row(&self.clock, &tx, &mut chain, actor, inst, false)?;
        chain.save(&tx)?;
        tx.commit()?;
        Ok(InstrumentRecord {
            instrument: inst.clone(),
            version: 1,
            hlc,
            created_at: at.clone(),
            updated_at: at,
            deleted_at: None,
        })
    }

    /// Registers many instruments in one transaction: all or none. `progress(done, total)` is
    /// called every 1,000 rows.
    pub fn import_instruments(
        &mut self,
        actor: &str,
        instruments: &[Instrument],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<usize> {
        let tx = Self::write_tx(&mut self.conn)?;
        let mut chain = audit::Chain::load(&tx)?;
        let total = instruments.len();
        // A big batch merges its index segments in fewer, larger passes (restored before commit).
        let bulk = total >= BULK_ROWS;
        if bulk {
            set_automerge(&tx, 0)?;
        }
        for (i, inst) in instruments.iter().enumerate() {
            insert_row(&self.clock, &tx, &mut chain, actor, inst, true)?;
            if (i + 1) % 1000 == 0 {
                progress(i + 1, total);
            }
        }
        chain.save(&tx)?;
        if bulk {
            set_automerge(&tx, 4)?;
        }
        tx.commit()?;
        progress(total, total);
        Ok(total)
    }

    fn load_row(tx: &Connection, id: &str) -> Result<Option<(i64, InstrumentRecord)>> {
        let row = tx
            .prepare_cached(&format!(
                "SELECT id, {RECORD_COLUMNS} FROM instruments WHERE identifier = ?1"
            ))?
            .query_row([id], |r| {
                let row_id: i64 = r.get(0)?;
                let (body, version, hlc, created_at, updated_at, deleted_at) = (
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                );
                Ok((
                    row_id,
                    (
                        body,
                        InstrumentRecordMeta {
                            version,
                            hlc,
                            created_at,
                            updated_at,
                            deleted_at,
                        },
                    ),
                ))
            })
            .optional()?;
        row.map(|(row_id, parts)| Ok((row_id, into_record(parts)?)))
            .transpose()
    }

    /// Replaces an instrument's fields. With `expected_version`, refuses if someone else wrote
    /// meanwhile. Returns `None` when nothing changed (and then nothing is written).
    pub fn update_instrument(
        &mut self,
        actor: &str,
        new: &Instrument,
        expected_version: Option<i64>,
    ) -> Result<Option<InstrumentRecord>> {
        let id = new.identifier.to_string();
        let tx = Self::write_tx(&mut self.conn)?;
        let (row_id, current) =
            Self::load_row(&tx, &id)?.ok_or_else(|| StoreError::NotFound(id.clone()))?;
        if current.deleted_at.is_some() {
            return Err(StoreError::Deleted(id));
        }
        if let Some(expected) = expected_version {
            if expected != current.version {
                return Err(StoreError::VersionConflict {
                    id,
                    expected,
                    actual: current.version,
                });
            }
        }
        let changes = field_changes(&current.instrument, new);
        if changes.is_empty() {
            return Ok(None);
        }
        let after = serde_json::to_string(new)?;
        let payload = Value::Object(changes).to_string();
        let at = now();
        let hlc = self.clock.now();
        tx.prepare_cached(
            "UPDATE instruments SET name = ?2, status = ?3, category = ?4, owner = ?5,
                    cal_next_due = ?6, body = ?7, version = version + 1, hlc = ?8, updated_at = ?9
             WHERE id = ?1",
        )?
        .execute(params![
            row_id,
            new.name,
            new.status.as_str(),
            new.category,
            new.owner,
            due_column(new),
            after,
            hlc,
            at
        ])?;
        Self::unindex(&tx, row_id)?;
        Self::index(&tx, row_id, new)?;
        let mut chain = audit::Chain::load(&tx)?;
        Self::record(
            &tx,
            &mut chain,
            &Write {
                actor,
                action: "edit",
                entity_id: &id,
                kind: OpKind::Update,
                payload: &payload,
                at: &at,
                hlc: &hlc,
            },
        )?;
        chain.save(&tx)?;
        tx.commit()?;
        self.get_instrument(&new.identifier)
    }

    /// Soft delete (`deleted = true`) or its undo; the record stays, with its history.
    pub fn set_deleted(
        &mut self,
        actor: &str,
        identifier: &Identifier,
        deleted: bool,
        reason: &str,
    ) -> Result<InstrumentRecord> {
        let id = identifier.to_string();
        let tx = Self::write_tx(&mut self.conn)?;
        let (row_id, current) =
            Self::load_row(&tx, &id)?.ok_or_else(|| StoreError::NotFound(id.clone()))?;
        match (deleted, current.deleted_at.is_some()) {
            (true, true) => return Err(StoreError::Deleted(id)),
            (false, false) => return Err(StoreError::NotDeleted(id)),
            _ => {}
        }
        let at = now();
        let hlc = self.clock.now();
        tx.prepare_cached(
            "UPDATE instruments SET deleted_at = ?2, version = version + 1, hlc = ?3, updated_at = ?4
             WHERE id = ?1",
        )?
        .execute(params![row_id, deleted.then_some(&at), hlc, at])?;
        if deleted {
            Self::unindex(&tx, row_id)?;
        } else {
            Self::index(&tx, row_id, &current.instrument)?;
        }
        let payload = json!({ "reason": reason }).to_string();
        let mut chain = audit::Chain::load(&tx)?;
        Self::record(
            &tx,
            &mut chain,
            &Write {
                actor,
                action: if deleted { "delete" } else { "undelete" },
                entity_id: &id,
                kind: if deleted {
                    OpKind::Delete
                } else {
                    OpKind::Undelete
                },
                payload: &payload,
                at: &at,
                hlc: &hlc,
            },
        )?;
        chain.save(&tx)?;
        tx.commit()?;
        self.get_instrument(identifier)?
            .ok_or_else(|| StoreError::NotFound(id.clone()))
    }

    /// Finds an instrument by identifier, deleted ones included (see `deleted_at`).
    pub fn get_instrument(&self, identifier: &Identifier) -> Result<Option<InstrumentRecord>> {
        Ok(Self::load_row(&self.conn, &identifier.to_string())?.map(|(_, r)| r))
    }

    pub fn list_instruments(&self, f: &InstrumentFilter) -> Result<Vec<InstrumentRecord>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS} FROM instruments
             WHERE (?1 OR deleted_at IS NULL)
               AND (?2 IS NULL OR status = ?2)
               AND (?3 IS NULL OR category = ?3)
               AND (?4 IS NULL OR owner = ?4)
               AND (?5 IS NULL OR cal_next_due <= ?5)
               AND (?6 IS NULL OR cal_next_due >= ?6)
             ORDER BY id DESC LIMIT ?7 OFFSET ?8"
        ))?;
        let limit = if f.limit == 0 { 100 } else { f.limit };
        let rows = stmt.query_map(
            params![
                f.include_deleted,
                f.status.map(InstrumentStatus::as_str),
                f.category,
                f.owner,
                f.due_until.map(|d| d.to_string()),
                f.due_from.map(|d| d.to_string()),
                limit,
                f.offset
            ],
            record_from_row,
        )?;
        rows.map(|r| into_record(r?)).collect()
    }

    /// How many instruments `f` matches (its limit and offset aside).
    pub fn count_filtered(&self, f: &InstrumentFilter) -> Result<i64> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT count(*) FROM instruments
             WHERE (?1 OR deleted_at IS NULL)
               AND (?2 IS NULL OR status = ?2)
               AND (?3 IS NULL OR category = ?3)
               AND (?4 IS NULL OR owner = ?4)
               AND (?5 IS NULL OR cal_next_due <= ?5)
               AND (?6 IS NULL OR cal_next_due >= ?6)",
        )?;
        Ok(stmt.query_row(
            params![
                f.include_deleted,
                f.status.map(InstrumentStatus::as_str),
                f.category,
                f.owner,
                f.due_until.map(|d| d.to_string()),
                f.due_from.map(|d| d.to_string()),
            ],
            |r| r.get(0),
        )?)
    }

    pub fn count_instruments(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM instruments WHERE deleted_at IS NULL",
            [],
            |r| r.get(0),
        )?)
    }

    /// Search over every text field, newest first: Chinese substrings of any length, ASCII
    /// words and their letter/digit parts by prefix. Terms separated by spaces must all match.
    pub fn search(&self, query: &str, limit: u32) -> Result<SearchResults> {
        let limit = limit.max(1) as usize;
        let terms = search::parse_query(query);
        let Some(expr) = search::fts_expression(&terms) else {
            return Ok(SearchResults {
                hits: vec![],
                truncated: false,
            });
        };
        // FTS5 walks its index in rowid order, so LIMIT stops it early even for common terms.
        let mut ids: Vec<i64> = self
            .conn
            .prepare_cached(
                "SELECT rowid FROM search_index WHERE search_index MATCH ?1
                 ORDER BY rowid DESC LIMIT ?2",
            )?
            .query_map(params![expr, limit as i64 + 1], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        // Rows not yet moved into the index (at most PENDING_FLUSH_ROWS) are matched here.
        let mut pending = self
            .conn
            .prepare_cached("SELECT row_id, uni, bi FROM search_pending")?;
        let mut rows = pending.query([])?;
        while let Some(r) = rows.next()? {
            let (uni, bi): (String, String) = (r.get(1)?, r.get(2)?);
            if search::matches(&terms, &uni, &bi) {
                ids.push(r.get(0)?);
            }
        }
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.dedup();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS} FROM instruments WHERE id = ?1 AND deleted_at IS NULL"
        ))?;
        let mut hits = Vec::with_capacity(limit + 1);
        for id in ids {
            if hits.len() > limit {
                break;
            }
            if let Some(row) = stmt.query_row([id], record_from_row).optional()? {
                hits.push(into_record(row)?);
            }
        }
        let truncated = hits.len() > limit;
        hits.truncate(limit);
        Ok(SearchResults { hits, truncated })
    }

    pub fn audit_verify(&self) -> Result<AuditReport> {
        audit::verify(&self.conn)
    }

    pub fn audit_entries(&self, entity_id: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>> {
        audit::entries_for(&self.conn, entity_id, limit)
    }

    pub fn outbox_stats(&self) -> Result<OutboxStats> {
        Ok(self.conn.query_row(
            "SELECT coalesce(max(seq), 0) - (SELECT pushed_through_seq FROM sync_state),
                    count(*), coalesce(max(seq), 0)
             FROM outbox",
            [],
            |r| {
                Ok(OutboxStats {
                    pending: r.get(0)?,
                    total: r.get(1)?,
                    last_seq: r.get(2)?,
                })
            },
        )?)
    }

    /// The oldest ops the node has not confirmed, in sequence order.
    pub fn pending_ops(&self, limit: u32) -> Result<Vec<Operation>> {
        self.pending_ops_after(0, limit)
    }

    /// Like [`Store::pending_ops`], but only ops after `seq`: the batch that follows one still
    /// in flight, read while the node applies it.
    pub fn pending_ops_after(&self, seq: u64, limit: u32) -> Result<Vec<Operation>> {
        let after = i64::try_from(seq).map_err(|_| StoreError::Corrupt("seq".into()))?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, op_id, entity, entity_id, kind, payload, hlc FROM outbox
             WHERE seq > max(?1, (SELECT pushed_through_seq FROM sync_state)) ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after, limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        let mut ops = Vec::new();
        for row in rows {
            let (seq, op_id, entity, entity_id, kind, payload, hlc) = row?;
            let bad = |what: &str| StoreError::Corrupt(format!("outbox op {seq}: bad {what}"));
            ops.push(Operation {
                op_id: Uuid::parse_str(&op_id).map_err(|_| bad("op id"))?,
                device_id: self.device.device_id,
                seq: u64::try_from(seq).map_err(|_| bad("sequence"))?,
                hlc,
                entity: EntityKind::parse(&entity).ok_or_else(|| bad("entity"))?,
                entity_id,
                kind: OpKind::parse(&kind).ok_or_else(|| bad("kind"))?,
                payload: Payload::from_json(payload)?,
            });
        }
        Ok(ops)
    }

    pub fn check_consistency(&self) -> Result<ConsistencyReport> {
        let c = &self.conn;
        let one = |sql: &str| -> Result<i64> { Ok(c.query_row(sql, [], |r| r.get(0))?) };
        let strings = |sql: &str| -> Result<Vec<String>> {
            let mut stmt = c.prepare(sql)?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        let outbox_ops = one("SELECT count(*) FROM outbox")?;
        Ok(ConsistencyReport {
            instruments: one("SELECT count(*) FROM instruments")?,
            outbox_ops,
            audit_entries: one("SELECT count(*) FROM audit_log")?,
            outbox_contiguous: one("SELECT coalesce(max(seq), 0) FROM outbox")? == outbox_ops
                && one("SELECT coalesce(min(seq), 1) FROM outbox")? == 1,
            ops_without_row: strings(
                "SELECT DISTINCT entity_id FROM outbox
                 WHERE entity = 'instrument'
                   AND entity_id NOT IN (SELECT identifier FROM instruments)",
            )?,
            rows_without_ops: strings(
                "SELECT i.identifier FROM instruments i
                 WHERE i.version != (SELECT count(*) FROM outbox o
                                     WHERE o.entity = 'instrument' AND o.entity_id = i.identifier)",
            )?,
            // Set differences sort once instead of probing an unindexed column per row.
            ops_without_audit: one("SELECT count(*) FROM (SELECT op_id FROM outbox
                                       EXCEPT SELECT op_id FROM audit_log)")?,
            audit_without_op: one(
                "SELECT count(*) FROM (SELECT op_id FROM audit_log WHERE op_id IS NOT NULL
                                       EXCEPT SELECT op_id FROM outbox)",
            )?,
        })
    }
}

/// Inserts one new instrument with its index entries, outbox op and audit entry. Takes only the
/// clock, so a batch can run it while its transaction borrows the connection.
fn insert_row(
    clock: &Clock,
    tx: &Transaction<'_>,
    chain: &mut audit::Chain,
    actor: &str,
    inst: &Instrument,
    batch: bool,
) -> Result<(String, String)> {
    let id = inst.identifier.to_string();
    let body = serde_json::to_string(inst)?;
    let at = now();
    let hlc = clock.now();
    let inserted = tx
        .prepare_cached(
            "INSERT INTO instruments (identifier, name, status, category, owner, cal_next_due,
                                      body, version, hlc, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9, ?9)",
        )?
        .execute(params![
            id,
            inst.name,
            inst.status.as_str(),
            inst.category,
            inst.owner,
            due_column(inst),
            body,
            hlc,
            at
        ]);
    // The unique index spots a duplicate; only then is it worth asking whether it was deleted.
    if let Err(e) = inserted {
        let deleted: Option<Option<String>> = tx
            .prepare_cached("SELECT deleted_at FROM instruments WHERE identifier = ?1")?
            .query_row([&id], |r| r.get(0))
            .optional()?;
        return Err(match deleted {
            Some(None) => StoreError::AlreadyExists(id),
            Some(Some(_)) => StoreError::Deleted(id),
            None => e.into(),
        });
    }
    // A batch makes one FTS5 segment of its own; a single write queues (see `Store::index`).
    if batch {
        Store::index_now(tx, tx.last_insert_rowid(), inst)?;
    } else {
        Store::index(tx, tx.last_insert_rowid(), inst)?;
    }
    Store::record(
        tx,
        chain,
        &Write {
            actor,
            action: "register",
            entity_id: &id,
            kind: OpKind::Create,
            payload: &body,
            at: &at,
            hlc: &hlc,
        },
    )?;
    Ok((hlc, at))
}
