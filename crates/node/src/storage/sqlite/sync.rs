//! [`SyncStore`] on the embedded SQLite database: a push is applied in one transaction; instrument
//! records are kept as JSON for merging and as typed handle values so they resolve.

use idstation_model::handle_record::{to_values, with_other_values};
use idstation_model::identifier::Handle;
use idstation_model::identifier::Identifier;
use idstation_model::sync::{
    merge_changes, Change, LeaseUse, OpOutcome, OpResult, PullResponse, PushResponse, ServerRow,
    SnapshotPage, SEQUENCE_REUSED,
};
use idstation_model::{EntityKind, Instrument, MetadataTemplate, OpKind, Operation, SuffixLease};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::audit::AuditChain;
use super::handles::{gs1_key_taken, gs1_not_owned, read_values, write_values};
use super::reports::{record_effective, store_submission, Stored};
use super::{corrupt, SqliteStore};
use crate::accounts::{is_at_or_below, Device, Principal};
use crate::storage::{AccountStore, Actor, StorageError, SyncStore};
use crate::sync::PullOutcome;
use crate::values::HandleValue;
use idstation_reports::Submission;

pub(super) fn read_record(
    conn: &Connection,
    handle: &str,
) -> Result<Option<ServerRow>, StorageError> {
    let row: Option<(i64, String, bool)> = conn
        .prepare_cached("SELECT version, body, deleted FROM records WHERE handle = ?1")?
        .query_row([handle], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    row.map(|(version, body, deleted)| {
        Ok(ServerRow {
            handle: handle.to_owned(),
            version: u64::try_from(version).unwrap_or(0),
            deleted,
            instrument: serde_json::from_str(&body).map_err(corrupt)?,
        })
    })
    .transpose()
}

/// Writes a record's new state: the row, its handle values (`None` while deleted), and a
/// change that supersedes the record's older changes. `origin_device` is the device whose op
/// made the change; `None` for a change through the Handle API.
pub(super) fn write_record(
    conn: &Connection,
    row: &ServerRow,
    prefix: &str,
    values: Option<&[HandleValue]>,
    origin_device: Option<&str>,
    at: &str,
) -> Result<(), StorageError> {
    let body = serde_json::to_string(&row.instrument).map_err(corrupt)?;
    let version = i64::try_from(row.version).map_err(corrupt)?;
    conn.prepare_cached(
        "INSERT INTO records (handle, prefix, version, body, deleted, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (handle) DO UPDATE SET \
         version = excluded.version, body = excluded.body, deleted = excluded.deleted, \
         updated_at = excluded.updated_at",
    )?
    .execute(params![row.handle, prefix, version, body, row.deleted, at])?;
    match values {
        None => {
            conn.prepare_cached("DELETE FROM handles WHERE handle = ?1")?
                .execute([&row.handle])?;
        }
        Some(values) => write_values(conn, &row.handle, values, at)?,
    }
    // Only the newest change of a record is ever needed by a pull.
    conn.prepare_cached("DELETE FROM changes WHERE handle = ?1")?
        .execute([&row.handle])?;
    conn.prepare_cached(
        "INSERT INTO changes (prefix, handle, version, origin_device) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![prefix, row.handle, version, origin_device])?;
    Ok(())
}

/// The highest number of `lease` that names a record or a handle at the node. Numbers of one
/// width sort as text, so that is the largest key in the lease's range; a lease whose numbers
/// outgrow the width is read whole.
fn highest_used(conn: &Connection, lease: &SuffixLease) -> Result<Option<u64>, StorageError> {
    let (Some(Ok(lo)), Some(Ok(hi))) = (lease.handle(lease.first), lease.handle(lease.last)) else {
        return Ok(None);
    };
    let (lo, hi) = (lo.to_string(), hi.to_string());
    let number = |h: Option<String>| {
        h.and_then(|h| h.parse::<Handle>().ok())
            .and_then(|h| lease.number_of(&h))
    };
    if lo.len() == hi.len() {
        let mut highest = None;
        for table in ["records", "handles"] {
            let found: Option<String> = conn
                .prepare_cached(&format!(
                    "SELECT max(handle) FROM {table} WHERE handle >= ?1 AND handle <= ?2"
                ))?
                .query_row(params![lo, hi], |r| r.get(0))?;
            highest = highest.max(number(found));
        }
        return Ok(highest);
    }
    let from = format!("{}/{}-", lease.prefix, lease.series);
    let to = format!("{}/{}.", lease.prefix, lease.series);
    let mut highest = None;
    for table in ["records", "handles"] {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT handle FROM {table} WHERE handle >= ?1 AND handle < ?2"
        ))?;
        let rows = stmt.query_map(params![from, to], |r| r.get::<_, String>(0))?;
        for h in rows {
            highest = highest.max(number(Some(h?)));
        }
    }
    Ok(highest)
}

/// The last change cursor ever assigned (AUTOINCREMENT keeps it even when rows are pruned).
fn last_cursor(conn: &Connection) -> rusqlite::Result<i64> {
    Ok(conn
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'changes'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

/// What the audit log keeps of an applied op: the payload exactly as the device sent it.
#[derive(serde::Serialize)]
struct SyncAuditDetail<'a> {
    device: &'a str,
    op_id: uuid::Uuid,
    payload: &'a serde_json::value::RawValue,
}

struct Applying<'a> {
    conn: &'a Connection,
    principal: &'a Principal,
    device: &'a Device,
    template: &'a MetadataTemplate,
    actor: &'a Actor<'a>,
}

fn result(op: &Operation, outcome: OpOutcome, at: &str) -> OpResult {
    OpResult {
        op_id: op.op_id,
        seq: op.seq,
        outcome,
        reason_code: None,
        reason: None,
        conflicts: Vec::new(),
        server: None,
        applied_at: at.to_owned(),
    }
}

fn rejected(op: &Operation, code: &str, reason: impl Into<String>, at: &str) -> OpResult {
    OpResult {
        reason_code: Some(code.to_owned()),
        reason: Some(reason.into()),
        ..result(op, OpOutcome::Rejected, at)
    }
}

impl Applying<'_> {
    fn apply(&self, op: &Operation, chain: &mut AuditChain) -> Result<OpResult, StorageError> {
        let at = self.actor.at;
        match op.entity {
            EntityKind::Instrument => {}
            EntityKind::Report => return self.apply_report(op, chain),
            _ => {
                return Ok(rejected(
                    op,
                    "unknown_entity",
                    "only instruments and reports sync",
                    at,
                ))
            }
        }
        let handle = match Identifier::parse(&op.entity_id) {
            Ok(Identifier::Handle(h)) => h,
            _ => {
                return Ok(rejected(
                    op,
                    "invalid_identifier",
                    format!("{} is not a handle", op.entity_id),
                    at,
                ))
            }
        };
        let prefix = handle.prefix().to_owned();
        if !is_at_or_below(&prefix, &self.device.enterprise_prefix)
            || !self.principal.can_write_prefix(&prefix)
        {
            return Ok(rejected(
                op,
                "not_allowed",
                format!(
                    "this device writes under {} only",
                    self.device.enterprise_prefix
                ),
                at,
            ));
        }
        let key = handle.to_string();
        let current = read_record(self.conn, &key)?;
        let (outcome, next) = match op.kind {
            OpKind::Create => {
                let inst = match op.payload.parse::<Instrument>() {
                    Ok(i) => i,
                    Err(e) => return Ok(rejected(op, "invalid_record", e.to_string(), at)),
                };
                let inst = match inst.to_input().validate(self.template) {
                    Ok(i) if i.identifier.to_string() == key => i,
                    Ok(_) => return Ok(rejected(op, "invalid_record", "identifier differs", at)),
                    Err(e) => {
                        return Ok(rejected(op, "invalid_record", format!("{e:?}"), at));
                    }
                };
                match current {
                    Some(row) if row.instrument == inst => {
                        return Ok(OpResult {
                            server: Some(row),
                            ..result(op, OpOutcome::Duplicate, at)
                        })
                    }
                    Some(row) => {
                        return Ok(OpResult {
                            server: Some(row),
                            ..rejected(op, "handle_taken", "another record has this identifier", at)
                        })
                    }
                    None => {
                        let taken: Option<i64> = self
                            .conn
                            .prepare_cached("SELECT 1 FROM handles WHERE handle = ?1")?
                            .query_row([&key], |r| r.get(0))
                            .optional()?;
                        if taken.is_some() {
                            return Ok(rejected(
                                op,
                                "handle_taken",
                                "the handle is registered already (Handle API)",
                                at,
                            ));
                        }
                        (
                            result(op, OpOutcome::Applied, at),
                            ServerRow {
                                handle: key.clone(),
                                version: 1,
                                deleted: false,
                                instrument: inst,
                            },
                        )
                    }
                }
            }
            OpKind::Update => {
                let Some(row) = current else {
                    return Ok(rejected(op, "not_found", "no such record at the node", at));
                };
                let Ok(changes) = op
                    .payload
                    .parse::<serde_json::Map<String, serde_json::Value>>()
                else {
                    return Ok(rejected(
                        op,
                        "invalid_change",
                        "payload is not an object",
                        at,
                    ));
                };
                let merged = match merge_changes(&row.instrument, &changes, self.template) {
                    Ok(m) => m,
                    Err(e) => return Ok(rejected(op, "invalid_change", e.to_string(), at)),
                };
                let outcome = if !merged.conflicts.is_empty() {
                    OpOutcome::Conflict
                } else if merged.applied.is_empty() {
                    OpOutcome::Duplicate
                } else {
                    OpOutcome::Applied
                };
                if merged.applied.is_empty() {
                    return Ok(OpResult {
                        conflicts: merged.conflicts,
                        server: Some(row),
                        ..result(op, outcome, at)
                    });
                }
                let next = ServerRow {
                    version: row.version + 1,
                    instrument: merged.instrument,
                    ..row
                };
                (
                    OpResult {
                        conflicts: merged.conflicts,
                        ..result(op, outcome, at)
                    },
                    next,
                )
            }
            OpKind::Delete | OpKind::Undelete => {
                let Some(row) = current else {
                    return Ok(rejected(op, "not_found", "no such record at the node", at));
                };
                let deleted = op.kind == OpKind::Delete;
                if row.deleted == deleted {
                    return Ok(OpResult {
                        server: Some(row),
                        ..result(op, OpOutcome::Duplicate, at)
                    });
                }
                let next = ServerRow {
                    version: row.version + 1,
                    deleted,
                    ..row
                };
                (result(op, OpOutcome::Applied, at), next)
            }
        };
        // Values a Handle client added beside the instrument's (a URL, a GS1 key) stay.
        let values = if next.deleted {
            None
        } else {
            let existing = read_values(self.conn, &key)?.unwrap_or_default();
            let own = to_values(&next.instrument, None, self.template, at);
            Some(with_other_values(own, &existing))
        };
        if let Some(values) = values.as_deref() {
            if let Some((gs1, owner)) = gs1_key_taken(self.conn, &key, values)? {
                let reason = format!("GS1 key {gs1} belongs to {owner} already");
                return Ok(rejected(op, "gs1_taken", reason, at));
            }
            if let Some((gs1, enterprise)) = gs1_not_owned(self.conn, &key, values)? {
                let reason = format!(
                    "GS1 key {gs1} is outside the GS1 company prefixes of enterprise {enterprise}"
                );
                return Ok(rejected(op, "gs1_not_owned", reason, at));
            }
        }
        write_record(
            self.conn,
            &next,
            &prefix,
            values.as_deref(),
            Some(&self.device.id),
            at,
        )?;
        chain.append(
            self.conn,
            self.actor,
            &format!("sync_{}", op.kind.as_str()),
            &key,
            &serde_json::to_string(&SyncAuditDetail {
                device: &self.device.id,
                op_id: op.op_id,
                payload: op.payload.raw(),
            })
            .map_err(corrupt)?,
        )?;
        if op.kind == OpKind::Create && outcome.outcome == OpOutcome::Applied {
            // Passed review at the workstation when written there; resolvable now.
            record_effective(self.conn, &key, &prefix, op.written_at_unix_millis(), at)?;
        }
        // An applied create's row is what the client sent; the pull brings the node's copy
        // anyway, so only merges and state changes carry it back.
        let server =
            (op.kind != OpKind::Create || outcome.outcome != OpOutcome::Applied).then_some(next);
        Ok(OpResult { server, ..outcome })
    }
}

impl Applying<'_> {
    /// A monthly report issued at the workstation: kept, immutable, when its bytes match the
    /// recorded hashes and its prefix is one this device writes under.
    fn apply_report(
        &self,
        op: &Operation,
        chain: &mut AuditChain,
    ) -> Result<OpResult, StorageError> {
        let at = self.actor.at;
        if op.kind != OpKind::Create {
            return Ok(rejected(
                op,
                "immutable",
                "an issued report cannot change",
                at,
            ));
        }
        let sub = match op.payload.parse::<Submission>() {
            Ok(s) => s,
            Err(e) => return Ok(rejected(op, "invalid_report", e.to_string(), at)),
        };
        if sub.issued.number().to_string() != op.entity_id {
            return Ok(rejected(
                op,
                "invalid_report",
                "the number differs from the op's",
                at,
            ));
        }
        let (pdf, csv) = match sub.open() {
            Ok(bytes) => bytes,
            Err(e) => return Ok(rejected(op, "report_hash_mismatch", e.to_string(), at)),
        };
        let prefix = sub.issued.scope().prefix();
        if !is_at_or_below(prefix, &self.device.enterprise_prefix)
            || !self.principal.can_write_prefix(prefix)
        {
            let reason = format!(
                "this device reports for {} only",
                self.device.enterprise_prefix
            );
            return Ok(rejected(op, "not_allowed", reason, at));
        }
        let stored = store_submission(
            self.conn,
            chain,
            self.actor,
            &sub,
            &pdf,
            &csv,
            &self.device.id,
        )?;
        Ok(match stored {
            Stored::Applied => result(op, OpOutcome::Applied, at),
            Stored::Duplicate => result(op, OpOutcome::Duplicate, at),
            Stored::Refused(code, reason) => rejected(op, code, reason, at),
        })
    }
}

impl SyncStore for SqliteStore {
    fn push(
        &self,
        principal: &Principal,
        device: &Device,
        ops: &[Operation],
        template: &MetadataTemplate,
        actor: &Actor<'_>,
    ) -> Result<PushResponse, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut high_water: u64 = tx
            .query_row(
                "SELECT high_water FROM device_sync WHERE device_id = ?1",
                [&device.id],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .map_or(0, |h| u64::try_from(h).unwrap_or(0));
        let mut results = Vec::with_capacity(ops.len());
        let mut chain = AuditChain::load(&tx)?;
        let applying = Applying {
            conn: &tx,
            principal,
            device,
            template,
            actor,
        };
        for op in ops {
            let stored: Option<String> = tx
                .prepare_cached("SELECT result FROM applied_ops WHERE op_id = ?1")?
                .query_row([op.op_id.to_string()], |r| r.get(0))
                .optional()?;
            if let Some(stored) = stored {
                results.push(serde_json::from_str(&stored).map_err(corrupt)?);
                continue;
            }
            if op.seq <= high_water {
                // A new op id under a sequence number that already has a result: the device was
                // restored from an older backup. Refuse it without storing anything, and stop:
                // the ops after it must not take effect before it once the device renumbers.
                results.push(rejected(
                    op,
                    SEQUENCE_REUSED,
                    format!("sequence {} already has another op", op.seq),
                    actor.at,
                ));
                break;
            }
            if op.seq != high_water + 1 {
                // A hole: everything from here waits until the missing ops arrive.
                break;
            }
            let outcome = applying.apply(op, &mut chain)?;
            tx.prepare_cached(
                "INSERT INTO applied_ops (op_id, device_id, seq, result, applied_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                op.op_id.to_string(),
                device.id,
                i64::try_from(op.seq).map_err(corrupt)?,
                serde_json::to_string(&outcome).map_err(corrupt)?,
                actor.at
            ])?;
            high_water = op.seq;
            results.push(outcome);
        }
        chain.save(&tx)?;
        tx.prepare_cached(
            "INSERT INTO device_sync (device_id, high_water) VALUES (?1, ?2) \
             ON CONFLICT (device_id) DO UPDATE SET high_water = excluded.high_water",
        )?
        .execute(params![
            device.id,
            i64::try_from(high_water).map_err(corrupt)?
        ])?;
        tx.commit()?;
        Ok(PushResponse {
            results,
            high_water,
        })
    }

    fn high_water(&self, device_id: &str) -> Result<u64, StorageError> {
        self.read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT high_water FROM device_sync WHERE device_id = ?1",
                    [device_id],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .map_or(0, |h| u64::try_from(h).unwrap_or(0)))
        })
    }

    fn leases_in_use(&self, device_id: &str) -> Result<Vec<LeaseUse>, StorageError> {
        let leases = self.leases_of_device(device_id)?;
        self.read(|conn| {
            leases
                .into_iter()
                .map(|lease| {
                    let used_through = highest_used(conn, &lease)?;
                    Ok(LeaseUse {
                        lease,
                        used_through,
                    })
                })
                .collect()
        })
    }

    fn pull(
        &self,
        scope: Option<&str>,
        cursor: u64,
        limit: u32,
    ) -> Result<PullOutcome, StorageError> {
        let cursor_i = i64::try_from(cursor).map_err(corrupt)?;
        self.read(|conn| {
            let min: i64 =
                conn.query_row("SELECT min_cursor FROM change_retention", [], |r| r.get(0))?;
            // A client at `cursor` has every change up to it; it misses pruned ones only when
            // changes after it but before `min` are gone.
            if cursor_i.saturating_add(1) < min {
                return Ok(PullOutcome::MustRefetch {
                    min_cursor: u64::try_from(min).unwrap_or(0),
                });
            }
            // A cursor from state a restore rolled back: changes under those numbers were
            // lost, and the numbers after the restore start above them.
            let restored: Option<i64> = conn
                .prepare_cached(
                    "SELECT cursor_base FROM restore_epochs \
                     WHERE ?1 > last_cursor AND ?1 < cursor_base ORDER BY epoch DESC LIMIT 1",
                )?
                .query_row([cursor_i], |r| r.get(0))
                .optional()?;
            if let Some(base) = restored {
                return Ok(PullOutcome::MustRefetch {
                    min_cursor: u64::try_from(base).unwrap_or(0),
                });
            }
            let mut stmt = conn.prepare_cached(
                "SELECT c.cursor, c.origin_device, r.handle, r.version, r.body, r.deleted \
                 FROM changes c JOIN records r ON r.handle = c.handle \
                 WHERE c.cursor > ?1 AND (?2 IS NULL OR c.prefix = ?2 OR c.prefix LIKE ?2 || '.%') \
                 ORDER BY c.cursor LIMIT ?3",
            )?;
            let mut rows = stmt.query(params![cursor_i, scope, i64::from(limit) + 1])?;
            let mut changes = Vec::new();
            let mut has_more = false;
            while let Some(r) = rows.next()? {
                if changes.len() == limit as usize {
                    has_more = true;
                    break;
                }
                let body: String = r.get(4)?;
                let origin: Option<String> = r.get(1)?;
                changes.push(Change {
                    cursor: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                    origin_device: origin.and_then(|o| o.parse().ok()),
                    row: ServerRow {
                        handle: r.get(2)?,
                        version: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                        deleted: r.get(5)?,
                        instrument: serde_json::from_str(&body).map_err(corrupt)?,
                    },
                });
            }
            let next_cursor = changes.last().map_or(cursor, |c| c.cursor);
            Ok(PullOutcome::Page(PullResponse {
                changes,
                next_cursor,
                has_more,
            }))
        })
    }

    fn snapshot(
        &self,
        scope: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<SnapshotPage, StorageError> {
        self.read(|conn| {
            // Read in one transaction so the cursor and the rows agree.
            conn.execute_batch("BEGIN")?;
            let page = (|| {
                let cursor = last_cursor(conn)?;
                let mut stmt = conn.prepare_cached(
                    "SELECT handle, version, body, deleted FROM records \
                     WHERE handle > ?1 AND (?2 IS NULL OR prefix = ?2 OR prefix LIKE ?2 || '.%') \
                     ORDER BY handle LIMIT ?3",
                )?;
                let mut rows = stmt.query(params![after.unwrap_or(""), scope, i64::from(limit)])?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    let body: String = r.get(2)?;
                    out.push(ServerRow {
                        handle: r.get(0)?,
                        version: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                        deleted: r.get(3)?,
                        instrument: serde_json::from_str(&body).map_err(corrupt)?,
                    });
                }
                let next_after = (out.len() == limit as usize)
                    .then(|| out.last().map(|r| r.handle.clone()))
                    .flatten();
                Ok(SnapshotPage {
                    rows: out,
                    next_after,
                    cursor: u64::try_from(cursor).unwrap_or(0),
                })
            })();
            conn.execute_batch("COMMIT")?;
            page
        })
    }

    fn prune_changes(&self, below: u64) -> Result<(), StorageError> {
        let below = i64::try_from(below).map_err(corrupt)?;
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Never past the next cursor to be assigned: a snapshot's cursor must be usable.
        let below = below.min(last_cursor(&tx)? + 1);
        tx.prepare_cached("DELETE FROM changes WHERE cursor < ?1")?
            .execute([below])?;
        tx.prepare_cached("UPDATE change_retention SET min_cursor = max(min_cursor, ?1)")?
            .execute([below])?;
        tx.commit()?;
        Ok(())
    }
}
