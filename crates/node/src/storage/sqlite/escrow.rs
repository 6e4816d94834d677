//! [`EscrowStore`] on the embedded SQLite database: the export reads every part inside one read
//! transaction (a consistent snapshot, writers go on meanwhile) and streams rows as JSON lines;
//! the import merges an export back, newest wins, every change audited.

use std::io::Write as _;

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use serde_json::{json, Value};

use super::audit::AuditChain;
use super::handles::write_values;
use super::uplink::current_epoch;
use super::{corrupt, SqliteStore};
use crate::storage::escrow::{EscrowSink, ImportRow, ImportTally};
use crate::storage::{Actor, EscrowStore, HandleStore, StorageError};
use crate::values::HandleValue;

/// Rows an import applies per transaction: bounded work per commit, bounded WAL growth.
const IMPORT_BATCH: usize = 2_000;

/// Appends `"name":` and the JSON string `value` to `line`.
fn put_str(line: &mut Vec<u8>, name: &str, value: &str) -> Result<(), StorageError> {
    if line.len() > 1 {
        line.push(b',');
    }
    line.push(b'"');
    line.extend_from_slice(name.as_bytes());
    line.extend_from_slice(b"\":");
    serde_json::to_writer(&mut *line, value).map_err(corrupt)
}

/// Appends `"name":` and `raw`, JSON the node wrote itself.
fn put_raw(line: &mut Vec<u8>, name: &str, raw: &str) {
    if line.len() > 1 {
        line.push(b',');
    }
    let _ = write!(line, "\"{name}\":{raw}");
}

/// Streams the rows of `sql` into `sink` as objects of `columns` (`!` before a name: the
/// column holds JSON to embed as it is; `#`: an integer).
fn stream(
    conn: &Connection,
    sink: &mut dyn EscrowSink,
    part: &'static str,
    sql: &str,
    columns: &[&str],
) -> Result<(), StorageError> {
    sink.begin(part)?;
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    let mut line = Vec::with_capacity(4096);
    while let Some(r) = rows.next()? {
        line.clear();
        line.push(b'{');
        for (i, col) in columns.iter().enumerate() {
            if let Some(name) = col.strip_prefix('!') {
                let raw: Option<String> = r.get(i)?;
                put_raw(&mut line, name, raw.as_deref().unwrap_or("null"));
            } else if let Some(name) = col.strip_prefix('#') {
                let n: Option<i64> = r.get(i)?;
                put_raw(
                    &mut line,
                    name,
                    &n.map_or("null".to_owned(), |n| n.to_string()),
                );
            } else {
                let v: Option<String> = r.get(i)?;
                match v {
                    Some(v) => put_str(&mut line, col, &v)?,
                    None => put_raw(&mut line, col, "null"),
                }
            }
        }
        line.push(b'}');
        sink.row(&line)?;
    }
    Ok(())
}

impl EscrowStore for SqliteStore {
    fn export_escrow(&self, sink: &mut dyn EscrowSink) -> Result<(), StorageError> {
        self.read(|conn| {
            // A scan of everything gains nothing from the readers' memory map and would map the
            // whole file into the process (a 1M-handle node: 2 GiB resident for the export).
            // Read it through the page cache instead; resolution keeps its map.
            conn.pragma_update(None, "mmap_size", 0)?;
            // One read transaction: every part comes from the same moment.
            conn.execute_batch("BEGIN")?;
            let result = export(conn, sink);
            let ended = conn.execute_batch("COMMIT");
            conn.pragma_update(None, "mmap_size", super::READER_MMAP_BYTES)?;
            ended?;
            result
        })
    }

    fn import_escrow(
        &self,
        rows: &mut dyn Iterator<Item = Result<ImportRow, StorageError>>,
        actor: &Actor<'_>,
    ) -> Result<ImportTally, StorageError> {
        let prefix = self.config()?.prefix;
        let mut tally = ImportTally::default();
        let mut conn = self.lock();
        let mut rows = rows.peekable();
        while rows.peek().is_some() {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut chain = AuditChain::load(&tx)?;
            for row in rows.by_ref().take(IMPORT_BATCH) {
                let row = row?;
                import_row(&tx, &mut chain, &prefix, &row, actor, &mut tally)?;
            }
            chain.save(&tx)?;
            tx.commit()?;
        }
        Ok(tally)
    }
}

fn export(conn: &Connection, sink: &mut dyn EscrowSink) -> Result<(), StorageError> {
    let (seq, hash): (i64, String) = conn
        .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?
        .unwrap_or((0, String::new()));
    sink.state(u64::try_from(seq).unwrap_or(0), &hash, current_epoch(conn)?);
    stream(
        conn,
        sink,
        "node",
        "SELECT prefix, admin_secret_hash, created_at FROM node_config",
        &["prefix", "admin_secret_hash", "created_at"],
    )?;
    stream(
        conn,
        sink,
        "enterprises",
        "SELECT prefix, name, status, created_at FROM enterprises ORDER BY prefix",
        &["prefix", "name", "status", "created_at"],
    )?;
    stream(
        conn,
        sink,
        "accounts",
        "SELECT u.username, u.display_name, u.password_hash, u.role, e.prefix, u.status, \
         u.created_at, u.decided_by, u.decided_at, u.decision_note \
         FROM users u LEFT JOIN enterprises e ON e.id = u.enterprise_id ORDER BY u.id",
        &[
            "username",
            "display_name",
            "password_hash",
            "role",
            "enterprise_prefix",
            "status",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ],
    )?;
    stream(
        conn,
        sink,
        "devices",
        "SELECT d.id, e.prefix, d.name, d.secret_sha256, d.registered_at, u.username \
         FROM devices d JOIN enterprises e ON e.id = d.enterprise_id \
         LEFT JOIN users u ON u.id = d.registered_by ORDER BY d.id",
        &[
            "id",
            "enterprise_prefix",
            "name",
            "secret_sha256",
            "registered_at",
            "registered_by",
        ],
    )?;
    stream(
        conn,
        sink,
        "lease_counters",
        "SELECT prefix, series, next FROM lease_counters ORDER BY prefix, series",
        &["prefix", "series", "#next"],
    )?;
    stream(
        conn,
        sink,
        "leases",
        "SELECT l.id, l.device_id, l.prefix, l.series, l.first, l.last, l.width, l.issued_at, \
         u.username FROM leases l LEFT JOIN users u ON u.id = l.issued_to ORDER BY l.id",
        &[
            "id",
            "device_id",
            "prefix",
            "series",
            "#first",
            "#last",
            "#width",
            "issued_at",
            "issued_to",
        ],
    )?;
    stream(
        conn,
        sink,
        "handles",
        "SELECT handle, values_json, created_at, updated_at FROM handles ORDER BY handle",
        &["handle", "!values", "created_at", "updated_at"],
    )?;
    stream(
        conn,
        sink,
        "records",
        "SELECT handle, prefix, version, body, deleted, updated_at FROM records ORDER BY handle",
        &[
            "handle",
            "prefix",
            "#version",
            "!body",
            "#deleted",
            "updated_at",
        ],
    )?;
    // Entered docking records (routing, templates, enterprises' and the operator's records),
    // without their sealed personal fields.
    stream(
        conn,
        sink,
        "entities",
        "SELECT r.item, r.key, e.prefix, r.fields, r.status, r.revision, r.created_at, \
         r.updated_at, r.updated_by FROM entity_records r \
         LEFT JOIN enterprises e ON e.id = r.enterprise_id ORDER BY r.item, r.key",
        &[
            "item",
            "key",
            "enterprise_prefix",
            "!fields",
            "status",
            "#revision",
            "created_at",
            "updated_at",
            "updated_by",
        ],
    )?;
    Ok(())
}

fn text<'a>(row: &'a Value, name: &str) -> Result<&'a str, StorageError> {
    row.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| StorageError::Corrupt(format!("an escrow row without {name}")))
}

fn opt<'a>(row: &'a Value, name: &str) -> Option<&'a str> {
    row.get(name).and_then(Value::as_str)
}

fn int(row: &Value, name: &str) -> Result<i64, StorageError> {
    row.get(name)
        .and_then(Value::as_i64)
        .ok_or_else(|| StorageError::Corrupt(format!("an escrow row without {name}")))
}

fn enterprise_id(tx: &Transaction<'_>, prefix: Option<&str>) -> Result<Option<i64>, StorageError> {
    let Some(prefix) = prefix else {
        return Ok(None);
    };
    Ok(tx
        .prepare_cached("SELECT id FROM enterprises WHERE prefix = ?1")?
        .query_row([prefix], |r| r.get(0))
        .optional()?)
}

fn user_id(tx: &Transaction<'_>, username: Option<&str>) -> Result<Option<i64>, StorageError> {
    let Some(name) = username else {
        return Ok(None);
    };
    Ok(tx
        .prepare_cached("SELECT id FROM users WHERE username = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?)
}

/// Applies one row: absent locally → added; newer than the local one → updated; otherwise kept.
fn import_row(
    tx: &Transaction<'_>,
    chain: &mut AuditChain,
    node_prefix: &str,
    ImportRow { part, row }: &ImportRow,
    actor: &Actor<'_>,
    tally: &mut ImportTally,
) -> Result<(), StorageError> {
    enum Did {
        Added,
        Updated,
        Kept,
    }
    let (subject, did): (String, Did) = match *part {
        "node" => {
            let prefix = text(row, "prefix")?;
            if prefix != node_prefix {
                return Err(StorageError::Corrupt(format!(
                    "the export is of node {prefix}, this node is {node_prefix}"
                )));
            }
            return Ok(());
        }
        "enterprises" => {
            let prefix = text(row, "prefix")?;
            let n = tx.prepare_cached(
                "INSERT INTO enterprises (prefix, name, status, created_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (prefix) DO NOTHING",
            )?
            .execute(params![prefix, text(row, "name")?, text(row, "status")?, text(row, "created_at")?])?;
            (
                prefix.to_owned(),
                if n > 0 { Did::Added } else { Did::Kept },
            )
        }
        "accounts" => {
            let username = text(row, "username")?;
            let ent = enterprise_id(tx, opt(row, "enterprise_prefix"))?;
            let n = tx.prepare_cached(
                "INSERT INTO users (username, display_name, password_hash, role, enterprise_id, \
                 status, created_at, decided_by, decided_at, decision_note) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (username) DO NOTHING",
            )?
            .execute(params![
                username, text(row, "display_name")?, text(row, "password_hash")?,
                text(row, "role")?, ent, text(row, "status")?, text(row, "created_at")?,
                opt(row, "decided_by"), opt(row, "decided_at"), opt(row, "decision_note")
            ])?;
            (
                username.to_owned(),
                if n > 0 { Did::Added } else { Did::Kept },
            )
        }
        "devices" => {
            let id = text(row, "id")?;
            let ent = enterprise_id(tx, opt(row, "enterprise_prefix"))?
                .ok_or_else(|| StorageError::Corrupt(format!("device {id} of no enterprise")))?;
            let by = user_id(tx, opt(row, "registered_by"))?;
            let n = tx
                .prepare_cached(
                    "INSERT INTO devices (id, enterprise_id, name, registered_by, registered_at, \
                 secret_sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
                )?
                .execute(params![
                    id,
                    ent,
                    text(row, "name")?,
                    by,
                    text(row, "registered_at")?,
                    opt(row, "secret_sha256")
                ])?;
            (id.to_owned(), if n > 0 { Did::Added } else { Did::Kept })
        }
        "lease_counters" => {
            let (prefix, series, next) = (
                text(row, "prefix")?,
                text(row, "series")?,
                int(row, "next")?,
            );
            let local: Option<i64> = tx
                .prepare_cached(
                    "SELECT next FROM lease_counters WHERE prefix = ?1 AND series = ?2",
                )?
                .query_row(params![prefix, series], |r| r.get(0))
                .optional()?;
            let did = match local {
                None => Did::Added,
                Some(l) if l < next => Did::Updated,
                Some(_) => Did::Kept,
            };
            // A counter only ever grows: the larger of the two wins.
            tx.prepare_cached(
                "INSERT INTO lease_counters (prefix, series, next) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (prefix, series) DO UPDATE SET next = max(next, excluded.next)",
            )?
            .execute(params![prefix, series, next])?;
            (format!("{prefix}/{series}"), did)
        }
        "leases" => {
            let id = text(row, "id")?;
            let to = user_id(tx, opt(row, "issued_to"))?;
            let n = tx.prepare_cached(
                "INSERT INTO leases (id, device_id, prefix, series, first, last, width, issued_at, \
                 issued_to) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 \
                 WHERE EXISTS (SELECT 1 FROM devices WHERE id = ?2) ON CONFLICT (id) DO NOTHING",
            )?
            .execute(params![
                id, text(row, "device_id")?, text(row, "prefix")?, text(row, "series")?,
                int(row, "first")?, int(row, "last")?, int(row, "width")?, text(row, "issued_at")?, to
            ])?;
            (id.to_owned(), if n > 0 { Did::Added } else { Did::Kept })
        }
        "handles" => {
            let handle = text(row, "handle")?;
            let updated_at = text(row, "updated_at")?;
            let local: Option<String> = tx
                .prepare_cached("SELECT updated_at FROM handles WHERE handle = ?1")?
                .query_row([handle], |r| r.get(0))
                .optional()?;
            let did = match &local {
                None => Did::Added,
                Some(l) if l.as_str() < updated_at => Did::Updated,
                Some(_) => Did::Kept,
            };
            if !matches!(did, Did::Kept) {
                let values: Vec<HandleValue> = serde_json::from_value(row["values"].clone())
                    .map_err(|e| StorageError::Corrupt(format!("values of {handle}: {e}")))?;
                write_values(tx, handle, &values, updated_at)?;
                tx.prepare_cached("UPDATE handles SET created_at = ?2 WHERE handle = ?1 AND ?3")?
                    .execute(params![handle, text(row, "created_at")?, local.is_none()])?;
            }
            (handle.to_owned(), did)
        }
        "records" => {
            let handle = text(row, "handle")?;
            let version = int(row, "version")?;
            let local: Option<i64> = tx
                .prepare_cached("SELECT version FROM records WHERE handle = ?1")?
                .query_row([handle], |r| r.get(0))
                .optional()?;
            let did = match local {
                None => Did::Added,
                Some(l) if l < version => Did::Updated,
                Some(_) => Did::Kept,
            };
            if !matches!(did, Did::Kept) {
                let prefix = text(row, "prefix")?;
                tx.prepare_cached(
                    "INSERT INTO records (handle, prefix, version, body, deleted, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (handle) DO UPDATE SET \
                     version = excluded.version, body = excluded.body, deleted = excluded.deleted, \
                     updated_at = excluded.updated_at",
                )?
                .execute(params![
                    handle,
                    prefix,
                    version,
                    row["body"].to_string(),
                    int(row, "deleted")? != 0,
                    text(row, "updated_at")?
                ])?;
                // Workstations pull the merged record like any other change.
                tx.prepare_cached("DELETE FROM changes WHERE handle = ?1")?
                    .execute([handle])?;
                tx.prepare_cached(
                    "INSERT INTO changes (prefix, handle, version, origin_device) VALUES (?1, ?2, ?3, NULL)",
                )?
                .execute(params![prefix, handle, version])?;
            }
            (handle.to_owned(), did)
        }
        "entities" => {
            let (item, key) = (text(row, "item")?, text(row, "key")?);
            let revision = int(row, "revision")?;
            let local: Option<i64> = tx
                .prepare_cached("SELECT revision FROM entity_records WHERE item = ?1 AND key = ?2")?
                .query_row(params![item, key], |r| r.get(0))
                .optional()?;
            let did = match local {
                None => Did::Added,
                Some(l) if l < revision => Did::Updated,
                Some(_) => Did::Kept,
            };
            if !matches!(did, Did::Kept) {
                let ent = enterprise_id(tx, opt(row, "enterprise_prefix"))?;
                // Personal fields are not escrowed: a local sealed blob stays as it is.
                tx.prepare_cached(
                    "INSERT INTO entity_records (item, key, enterprise_id, fields, sealed, status, \
                     revision, created_at, updated_at, updated_by) \
                     VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, ?7, ?8, ?9) \
                     ON CONFLICT (item, key) DO UPDATE SET fields = excluded.fields, \
                     status = excluded.status, revision = excluded.revision, \
                     updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                )?
                .execute(params![
                    item, key, ent, row["fields"].to_string(), text(row, "status")?, revision,
                    text(row, "created_at")?, text(row, "updated_at")?, text(row, "updated_by")?
                ])?;
            }
            (format!("{item}/{key}"), did)
        }
        other => {
            return Err(StorageError::Corrupt(format!(
                "unknown escrow part {other}"
            )))
        }
    };
    match did {
        Did::Kept => ImportTally::count(&mut tally.kept, part),
        Did::Added | Did::Updated => {
            let (verb, map) = match did {
                Did::Added => ("added", &mut tally.added),
                _ => ("updated", &mut tally.updated),
            };
            ImportTally::count(map, part);
            let detail = json!({"part": part, "change": verb}).to_string();
            chain.append(tx, actor, "escrow_import", &subject, &detail)?;
        }
    }
    Ok(())
}
