//! The workstation's side of sync, as SQLite transactions: what the sync engine reads and how
//! each answer from the node is applied — a pushed batch's results together with the high-water
//! mark, a pulled page together with its cursor — so a crash anywhere leaves a state the next
//! sync resumes from, never a hole and never a double.

use std::collections::BTreeSet;

use chrono::DateTime;
use idstation_model::lease::SuffixLease;
use idstation_model::sync::{OpOutcome, PullResponse, PushResponse, ServerRow, SnapshotPage};
use idstation_model::{Field, Handle, Instrument, OpKind};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::Value;

use crate::clock::now;
use crate::instruments::due_column;
use crate::{audit, secrets, Result, Store, StoreError};

/// Where and as whom this workstation syncs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncSettings {
    pub node_url: Option<String>,
    pub username: Option<String>,
    #[serde(skip)]
    pub device_secret: Option<String>,
    #[serde(skip)]
    pub token: Option<String>,
    pub token_expires_at: Option<String>,
}

/// What the status line shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    pub node_url: Option<String>,
    pub signed_in: bool,
    pub pending_ops: i64,
    pub pushed_through_seq: i64,
    pub pull_cursor: i64,
    pub refetching: bool,
    pub open_conflicts: i64,
    pub rejected_ops: i64,
    pub last_success_at: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub lease_numbers_left: i64,
}

/// A field a person must decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictRecord {
    pub id: i64,
    pub identifier: String,
    pub field: String,
    pub base: Option<String>,
    pub local: Option<String>,
    pub server: Option<String>,
    pub created_at: String,
    pub resolved_at: Option<String>,
    pub resolution: Option<String>,
}

/// How a person settles a conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Keep this workstation's value: it is written again as a new edit.
    Local,
    /// Take the node's value (the record already shows it).
    Server,
    /// A merged value, written as a new edit.
    Value(String),
}

/// What applying a push's answer did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PushApplied {
    pub applied: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub conflicts: u64,
}

impl PushApplied {
    pub fn add(&mut self, other: PushApplied) {
        self.applied += other.applied;
        self.duplicates += other.duplicates;
        self.rejected += other.rejected;
        self.conflicts += other.conflicts;
    }
}

/// Fields of `identifier` that ops not yet confirmed by the node change: those keep the local
/// value when the node's copy arrives (`*` = the whole record, for a registration not yet
/// pushed; `deleted` for a pending delete or undelete).
fn touched_by_pending(tx: &Transaction<'_>, identifier: &str) -> Result<BTreeSet<String>> {
    let mut stmt = tx.prepare_cached(
        "SELECT kind, payload FROM outbox WHERE entity = 'instrument' AND entity_id = ?1
           AND seq > (SELECT pushed_through_seq FROM sync_state)",
    )?;
    let mut rows = stmt.query([identifier])?;
    let mut touched = BTreeSet::new();
    while let Some(r) = rows.next()? {
        let kind: String = r.get(0)?;
        match OpKind::parse(&kind) {
            Some(OpKind::Create) => {
                touched.insert("*".to_owned());
            }
            Some(OpKind::Update) => {
                let payload: String = r.get(1)?;
                if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&payload) {
                    touched.extend(map.keys().cloned());
                }
            }
            Some(OpKind::Delete | OpKind::Undelete) => {
                touched.insert("deleted".to_owned());
            }
            None => {}
        }
    }
    Ok(touched)
}

/// The node's record with the locally touched fields laid over it.
fn overlay(server: &Instrument, local: &Instrument, touched: &BTreeSet<String>) -> Instrument {
    if touched.contains("*") {
        return local.clone();
    }
    let (mut merged, mine) = (server.to_input(), local.to_input());
    for key in touched {
        if let Some(field) = Field::from_key(key) {
            merged.set(&field, mine.get(&field).unwrap_or_default().to_owned());
        }
    }
    // Both inputs were valid records and the template is the same; fall back to the node's.
    merged
        .validate(&idstation_model::MetadataTemplate::builtin_instrument())
        .unwrap_or_else(|_| server.clone())
}

impl Store {
    /// The node settings; the device secret and token come from the vault (`secrets.rs`).
    pub fn sync_settings(&self) -> Result<SyncSettings> {
        let (node_url, username, token_expires_at) = self.conn.query_row(
            "SELECT node_url, username, token_expires_at FROM sync_settings WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(SyncSettings {
            node_url,
            username,
            device_secret: self.secret(secrets::DEVICE_SECRET)?,
            token: self.secret(secrets::TOKEN)?,
            token_expires_at,
        })
    }

    /// Saves the node settings: the secret and token into the vault, the rest into the database.
    pub fn save_sync_settings(&mut self, s: &SyncSettings) -> Result<()> {
        self.set_secret(secrets::DEVICE_SECRET, s.device_secret.as_deref())?;
        self.set_secret(secrets::TOKEN, s.token.as_deref())?;
        self.conn.execute(
            "UPDATE sync_settings SET node_url = ?1, username = ?2, device_secret = NULL, \
             token = NULL, token_expires_at = ?3 WHERE id = 1",
            params![s.node_url, s.username, s.token_expires_at],
        )?;
        Ok(())
    }

    pub fn sync_status(&self) -> Result<SyncStatus> {
        let c = &self.conn;
        let settings = self.sync_settings()?;
        let (pushed, pending): (i64, i64) = c.query_row(
            "SELECT s.pushed_through_seq, \
                    (SELECT count(*) FROM outbox WHERE seq > s.pushed_through_seq) \
             FROM sync_state s",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let (cursor, refetching): (i64, bool) =
            c.query_row("SELECT cursor, refetching FROM pull_state", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let one = |sql: &str| -> Result<i64> { Ok(c.query_row(sql, [], |r| r.get(0))?) };
        let (last_success_at, last_error, last_error_at) = c.query_row(
            "SELECT last_success_at, last_error, last_error_at FROM sync_log",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(SyncStatus {
            node_url: settings.node_url,
            signed_in: settings.device_secret.is_some(),
            pending_ops: pending,
            pushed_through_seq: pushed,
            pull_cursor: cursor,
            refetching,
            open_conflicts: one("SELECT count(*) FROM conflicts WHERE resolved_at IS NULL")?,
            rejected_ops: one("SELECT count(*) FROM op_results WHERE outcome = 'rejected'")?,
            last_success_at,
            last_error,
            last_error_at,
            lease_numbers_left: one("SELECT coalesce(sum(last - next + 1), 0) FROM leases")?,
        })
    }

    /// Notes how a sync attempt ended.
    pub fn record_sync_attempt(&mut self, error: Option<&str>) -> Result<()> {
        let at = now();
        match error {
            None => self.conn.execute(
                "UPDATE sync_log SET last_success_at = ?1, last_error = NULL, last_error_at = NULL",
                [&at],
            )?,
            Some(e) => self.conn.execute(
                "UPDATE sync_log SET last_error = ?1, last_error_at = ?2",
                params![e, at],
            )?,
        };
        Ok(())
    }

    /// Stores the node's answer to a push in one transaction: each op's result, the conflicts
    /// a person must settle, and the new high-water mark.
    pub fn record_push(&mut self, response: &PushResponse) -> Result<PushApplied> {
        let tx = Self::write_tx(&mut self.conn)?;
        let mut applied = PushApplied::default();
        for r in &response.results {
            let seq = i64::try_from(r.seq).map_err(|_| StoreError::Corrupt("seq".into()))?;
            let created_at: Option<(String, String, String)> = tx
                .prepare_cached("SELECT created_at, kind, op_id FROM outbox WHERE seq = ?1")?
                .query_row([seq], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .optional()?;
            let Some((created_at, kind, op_id)) = created_at else {
                continue;
            };
            if op_id != r.op_id.to_string() {
                // Not our op under this number: never record another op's answer.
                continue;
            }
            let resolvable_after_ms = (kind == OpKind::Create.as_str()
                && matches!(r.outcome, OpOutcome::Applied | OpOutcome::Duplicate))
            .then(|| {
                let made = DateTime::parse_from_rfc3339(&created_at).ok()?;
                let done = DateTime::parse_from_rfc3339(&r.applied_at).ok()?;
                Some((done - made).num_milliseconds().max(0))
            })
            .flatten();
            let outcome = serde_json::to_value(r.outcome)?
                .as_str()
                .unwrap_or("rejected")
                .to_owned();
            let inserted = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO op_results (seq, op_id, outcome, reason_code, reason, \
                     applied_at, resolvable_after_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    seq,
                    op_id,
                    outcome,
                    r.reason_code,
                    r.reason,
                    r.applied_at,
                    resolvable_after_ms
                ])?;
            if inserted == 0 {
                continue;
            }
            match r.outcome {
                OpOutcome::Applied => applied.applied += 1,
                OpOutcome::Duplicate => applied.duplicates += 1,
                OpOutcome::Rejected => applied.rejected += 1,
                OpOutcome::Conflict => applied.conflicts += 1,
            }
            if let Some(server) = &r.server {
                // What the node has now; the pull brings the record itself.
                tx.prepare_cached(
                    "INSERT INTO remote_versions (identifier, version) VALUES (?1, ?2) \
                     ON CONFLICT (identifier) DO UPDATE SET version = max(version, excluded.version)",
                )?
                .execute(params![server.handle, server.version as i64])?;
            }
            let identifier = r
                .server
                .as_ref()
                .map(|s| s.handle.clone())
                .unwrap_or_default();
            for c in &r.conflicts {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO conflicts (identifier, field, base, local, server, \
                     op_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    identifier,
                    c.field,
                    c.base,
                    c.local,
                    c.server,
                    op_id,
                    r.applied_at
                ])?;
            }
        }
        // Never past the answers this response holds: a node ahead of us (it applied a batch
        // whose answer a crash lost here) reports a mark beyond them, and the ops between
        // must be sent again to get theirs.
        let answered_through = response
            .results
            .iter()
            .map(|r| r.seq)
            .max()
            .map_or(response.high_water, |last| last.min(response.high_water));
        let high_water =
            i64::try_from(answered_through).map_err(|_| StoreError::Corrupt("hw".into()))?;
        tx.execute(
            "UPDATE sync_state SET pushed_through_seq = max(pushed_through_seq, \
             min(?1, (SELECT coalesce(max(seq), 0) FROM outbox)))",
            [high_water],
        )?;
        tx.commit()?;
        Ok(applied)
    }

    /// Where the next pull starts, and whether a snapshot is under way.
    pub fn pull_position(&self) -> Result<(u64, Option<Option<String>>)> {
        let (cursor, refetching, after): (i64, bool, Option<String>) = self.conn.query_row(
            "SELECT cursor, refetching, snapshot_after FROM pull_state",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok((
            u64::try_from(cursor).unwrap_or(0),
            refetching.then_some(after),
        ))
    }

    /// Applies one pulled page and its new cursor in one transaction.
    pub fn apply_pull_page(&mut self, page: &PullResponse) -> Result<usize> {
        let tx = Self::write_tx(&mut self.conn)?;
        for change in &page.changes {
            apply_server_row(&tx, &change.row)?;
        }
        let next =
            i64::try_from(page.next_cursor).map_err(|_| StoreError::Corrupt("cursor".into()))?;
        tx.execute("UPDATE pull_state SET cursor = max(cursor, ?1)", [next])?;
        tx.commit()?;
        Ok(page.changes.len())
    }

    /// Starts a full refetch (the node no longer has our cursor).
    /// Before signing in as someone else or to another node: what this workstation knew of
    /// the node it synced with stops counting. Its leases are set aside (another node's numbers,
    /// or numbers leased on another person's behalf), the pull starts over with a snapshot, and
    /// for another node every op goes again (that node has none of them). Audited.
    pub fn reset_node_position(
        &mut self,
        another_node: bool,
        actor: &str,
        node_url: &str,
        username: &str,
    ) -> Result<()> {
        let tx = Self::write_tx(&mut self.conn)?;
        let leases = tx.execute("UPDATE leases SET next = last + 1 WHERE next <= last", [])?;
        tx.execute(
            "UPDATE pull_state SET cursor = 0, refetching = 1, snapshot_after = NULL, \
             snapshot_cursor = NULL",
            [],
        )?;
        if another_node {
            tx.execute("UPDATE sync_state SET pushed_through_seq = 0", [])?;
            tx.execute("DELETE FROM op_results", [])?;
            tx.execute("DELETE FROM remote_versions", [])?;
        }
        let after = serde_json::json!({
            "node": node_url,
            "username": username,
            "another_node": another_node,
            "leases_set_aside": leases,
        })
        .to_string();
        audit::append_one(
            &tx,
            &audit::NewEntry {
                at: &now(),
                actor,
                action: "sign_in_elsewhere",
                entity: "device",
                entity_id: &self.device.device_id.to_string(),
                op_id: None,
                payload_sha256: None,
                before: None,
                after: Some(&after),
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn begin_refetch(&mut self) -> Result<()> {
        self.conn.execute(
            "UPDATE pull_state SET refetching = 1, snapshot_after = NULL, snapshot_cursor = NULL",
            [],
        )?;
        Ok(())
    }

    /// Applies one snapshot page; the last one switches back to pulling from the snapshot's
    /// cursor. The first page's cursor is kept: changes after it are pulled afterwards.
    pub fn apply_snapshot_page(&mut self, page: &SnapshotPage) -> Result<usize> {
        let tx = Self::write_tx(&mut self.conn)?;
        for row in &page.rows {
            apply_server_row(&tx, row)?;
        }
        let cursor =
            i64::try_from(page.cursor).map_err(|_| StoreError::Corrupt("cursor".into()))?;
        tx.execute(
            "UPDATE pull_state SET snapshot_cursor = coalesce(snapshot_cursor, ?1), \
             snapshot_after = ?2",
            params![cursor, page.next_after],
        )?;
        if page.next_after.is_none() {
            tx.execute(
                "UPDATE pull_state SET cursor = snapshot_cursor, refetching = 0, \
                 snapshot_after = NULL, snapshot_cursor = NULL",
                [],
            )?;
        }
        tx.commit()?;
        Ok(page.rows.len())
    }

    pub fn conflicts(&self, open_only: bool) -> Result<Vec<ConflictRecord>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, identifier, field, base, local, server, created_at, resolved_at, resolution \
             FROM conflicts WHERE (?1 = 0 OR resolved_at IS NULL) ORDER BY id",
        )?;
        let rows = stmt.query_map([open_only], |r| {
            Ok(ConflictRecord {
                id: r.get(0)?,
                identifier: r.get(1)?,
                field: r.get(2)?,
                base: r.get(3)?,
                local: r.get(4)?,
                server: r.get(5)?,
                created_at: r.get(6)?,
                resolved_at: r.get(7)?,
                resolution: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Settles a conflict in one transaction: keeping the local or a merged value is a new edit
    /// of the record (with its outbox op and audit entry); taking the node's value is audited on
    /// its own. A crash either leaves the conflict open and the record as it was, or both done.
    pub fn resolve_conflict(&mut self, actor: &str, id: i64, choice: &Resolution) -> Result<()> {
        let template = self.active_template()?;
        let tx = Self::write_tx(&mut self.conn)?;
        let c = tx
            .query_row(
                "SELECT identifier, field, local, server, resolved_at FROM conflicts WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                },
            )
            .optional()?;
        let Some((identifier, field_key, local, server, resolved_at)) = c else {
            return Err(StoreError::NotFound(format!("conflict {id}")));
        };
        if resolved_at.is_some() {
            return Err(StoreError::ConflictResolved(id));
        }
        let field = Field::from_key(&field_key)
            .ok_or_else(|| StoreError::Corrupt(format!("conflict field {field_key}")))?;
        let wanted = match choice {
            Resolution::Local => Some(local.clone().unwrap_or_default()),
            Resolution::Value(v) => Some(v.clone()),
            Resolution::Server => None,
        };
        let mut chain = audit::Chain::load(&tx)?;
        if let Some(value) = &wanted {
            let (_, record) = Self::load_row(&tx, &identifier)?
                .ok_or_else(|| StoreError::NotFound(identifier.clone()))?;
            let mut input = record.instrument.to_input();
            input.set(&field, value.clone());
            let updated = input.validate(&template).map_err(StoreError::Invalid)?;
            crate::instruments::update_in_tx(
                &self.clock,
                &tx,
                &mut chain,
                actor,
                "edit",
                &updated,
                None,
            )?;
        }
        let resolution = match choice {
            Resolution::Local => "local",
            Resolution::Server => "server",
            Resolution::Value(_) => "value",
        };
        let at = now();
        tx.execute(
            "UPDATE conflicts SET resolved_at = ?2, resolution = ?3, resolved_by = ?4 WHERE id = ?1",
            params![id, at, resolution, actor],
        )?;
        chain.append(
            &tx,
            &audit::NewEntry {
                at: &at,
                actor,
                action: "resolve_conflict",
                entity: "instrument",
                entity_id: &identifier,
                op_id: None,
                payload_sha256: None,
                before: Some(
                    &serde_json::json!({"field": field_key, "local": local, "server": server})
                        .to_string(),
                ),
                after: Some(
                    &serde_json::json!({"resolution": resolution, "value": wanted}).to_string(),
                ),
            },
        )?;
        chain.save(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// The node has our ops only up to `seq` (it was restored from a backup): push again from
    /// there. Ops are never removed from the outbox, so nothing is lost.
    pub fn rewind_pushed_through(&mut self, seq: u64) -> Result<()> {
        let seq = i64::try_from(seq).map_err(|_| StoreError::Corrupt("seq".into()))?;
        self.conn.execute(
            "UPDATE sync_state SET pushed_through_seq = min(pushed_through_seq, ?1)",
            [seq],
        )?;
        Ok(())
    }

    /// This database was restored from an older backup, and the node holds other ops of this
    /// device under the numbers from `from` up to `node_high_water` (the replaced copy pushed
    /// them). This database's ops from `from` on move, in order, to the numbers after the node's
    /// mark, and everything up to it counts as confirmed. Op ids stay, so the audit trail (which
    /// names ops by id) holds. Returns how many ops moved.
    pub fn renumber_ops_after(&mut self, from: u64, node_high_water: u64) -> Result<u64> {
        let bad = |_| StoreError::Corrupt("sequence number".into());
        let from = i64::try_from(from).map_err(bad)?;
        let high_water = i64::try_from(node_high_water).map_err(bad)?;
        if from < 1 || high_water < from {
            return Err(StoreError::Corrupt(format!(
                "cannot move ops from {from} past the node's mark {high_water}"
            )));
        }
        // A mark at the largest number leaves none after it (the addition overflowed; found by
        // fuzz/fuzz_targets/sync_pull.rs).
        let offset = high_water
            .checked_add(1)
            .map(|next| next - from)
            .ok_or_else(|| {
                StoreError::Corrupt(format!("no number follows the node's mark {high_water}"))
            })?;
        let tx = Self::write_tx(&mut self.conn)?;
        // Through negative numbers, so no row ever lands on one not yet moved.
        let moved = tx.execute("UPDATE outbox SET seq = -seq WHERE seq >= ?1", [from])?;
        tx.execute("UPDATE outbox SET seq = ?1 - seq WHERE seq < 0", [offset])?;
        tx.execute("UPDATE op_results SET seq = -seq WHERE seq >= ?1", [from])?;
        tx.execute(
            "UPDATE op_results SET seq = ?1 - seq WHERE seq < 0",
            [offset],
        )?;
        tx.execute(
            "UPDATE sync_state SET pushed_through_seq = max(pushed_through_seq, ?1)",
            [high_water],
        )?;
        tx.commit()?;
        Ok(moved as u64)
    }

    /// Keeps a lease the node granted.
    pub fn add_lease(&mut self, lease: &SuffixLease) -> Result<()> {
        self.conn.execute(
            "INSERT OR IGNORE INTO leases (lease_id, prefix, series, first, last, width, next) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?4)",
            params![
                lease.lease_id,
                lease.prefix,
                lease.series,
                lease.first as i64,
                lease.last as i64,
                lease.width
            ],
        )?;
        Ok(())
    }

    /// Numbers left in this workstation's leases.
    pub fn lease_numbers_left(&self) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT coalesce(sum(last - next + 1), 0) FROM leases",
            [],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The identifier [`Store::mint_identifier`] would take next, without taking it.
    pub fn next_identifier(&self) -> Result<Handle> {
        Ok(next_free(&self.conn)?.1)
    }

    /// Takes the next identifier from the oldest lease with numbers left, passing over any a
    /// record here already holds (imported records may follow the same pattern). A number is
    /// used up even if the registration then fails: minting never reuses a number.
    pub fn mint_identifier(&mut self) -> Result<Handle> {
        let tx = Self::write_tx(&mut self.conn)?;
        let (lease_id, handle, number) = next_free(&tx)?;
        tx.execute(
            "UPDATE leases SET next = ?2 + 1 WHERE lease_id = ?1",
            params![lease_id, number],
        )?;
        tx.commit()?;
        Ok(handle)
    }
}

/// The first number, oldest lease first, whose identifier no record here holds (deleted ones
/// included): its lease, identifier and number.
fn next_free(conn: &rusqlite::Connection) -> Result<(String, Handle, i64)> {
    let mut leases = conn.prepare_cached(
        "SELECT lease_id, prefix, series, next, last, width FROM leases \
         WHERE next <= last ORDER BY first",
    )?;
    let mut held = conn.prepare_cached("SELECT 1 FROM instruments WHERE identifier = ?1")?;
    let mut rows = leases.query([])?;
    while let Some(r) = rows.next()? {
        let (lease_id, prefix, series): (String, String, String) =
            (r.get(0)?, r.get(1)?, r.get(2)?);
        let (next, last, width): (i64, i64, u32) = (r.get(3)?, r.get(4)?, r.get(5)?);
        // No lease is this wide (the sync refuses one from a node; a database restored from a
        // bad backup may still hold one): an error, not a panic in `format!` past 65535.
        if width > idstation_model::lease::MAX_WIDTH {
            return Err(StoreError::Corrupt(format!(
                "lease {lease_id} numbers {width} digits wide"
            )));
        }
        for number in next..=last {
            let suffix = format!("{series}-{number:0width$}", width = width as usize);
            let handle =
                Handle::new(&prefix, &suffix).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if !held.exists([handle.to_string()])? {
                return Ok((lease_id, handle, number));
            }
        }
    }
    Err(StoreError::NoLease)
}

/// Writes the node's copy of a record into the local table, keeping fields that local ops not
/// yet confirmed by the node change. Remote writes add no outbox op (they came from the node)
/// and leave the local write count alone.
fn apply_server_row(tx: &Transaction<'_>, row: &ServerRow) -> Result<()> {
    let local = Store::load_row(tx, &row.handle)?;
    let touched = if local.is_some() {
        touched_by_pending(tx, &row.handle)?
    } else {
        BTreeSet::new()
    };
    let at = now();
    match local {
        None => {
            let body = serde_json::to_string(&row.instrument)?;
            tx.prepare_cached(
                "INSERT INTO instruments (identifier, name, status, category, owner, cal_next_due,
                                          body, version, hlc, created_at, updated_at, deleted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, '', ?8, ?8, ?9)",
            )?
            .execute(params![
                row.handle,
                row.instrument.name,
                row.instrument.status.as_str(),
                row.instrument.category,
                row.instrument.owner,
                due_column(&row.instrument),
                body,
                at,
                row.deleted.then_some(&at)
            ])?;
            if !row.deleted {
                Store::index(tx, tx.last_insert_rowid(), &row.instrument)?;
            }
        }
        Some((row_id, current)) => {
            let inst = overlay(&row.instrument, &current.instrument, &touched);
            let deleted = if touched.contains("deleted") || touched.contains("*") {
                current.deleted_at.is_some()
            } else {
                row.deleted
            };
            let unchanged = inst == current.instrument && deleted == current.deleted_at.is_some();
            if !unchanged {
                tx.prepare_cached(
                    "UPDATE instruments SET name = ?2, status = ?3, category = ?4, owner = ?5,
                            cal_next_due = ?6, body = ?7, updated_at = ?8,
                            deleted_at = CASE WHEN ?9 THEN coalesce(deleted_at, ?8) END
                     WHERE id = ?1",
                )?
                .execute(params![
                    row_id,
                    inst.name,
                    inst.status.as_str(),
                    inst.category,
                    inst.owner,
                    due_column(&inst),
                    serde_json::to_string(&inst)?,
                    at,
                    deleted
                ])?;
                if current.deleted_at.is_none() {
                    Store::unindex(tx, row_id)?;
                }
                if !deleted {
                    Store::index(tx, row_id, &inst)?;
                }
            }
        }
    }
    tx.prepare_cached(
        "INSERT INTO remote_versions (identifier, version) VALUES (?1, ?2) \
         ON CONFLICT (identifier) DO UPDATE SET version = max(version, excluded.version)",
    )?
    .execute(params![row.handle, row.version as i64])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_too_wide_to_name_an_instrument_is_an_error_not_a_panic() {
        // Found by fuzz/fuzz_targets/sync_pull.rs: a lease 70000 digits wide made naming the
        // next instrument panic ("Formatting argument out of range").
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::create(&dir.path().join("ws.sqlite"), "88.118.8", "t").expect("db");
        let lease = SuffixLease {
            lease_id: "l1".into(),
            device_id: store.device().device_id.to_string(),
            prefix: "88.118.8".into(),
            series: "CAL-2026".into(),
            first: 1,
            last: 10,
            width: 70_000,
        };
        store.add_lease(&lease).expect("kept");
        assert!(matches!(
            store.next_identifier(),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            store.mint_identifier(),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn minting_passes_over_identifiers_records_here_already_hold() {
        // Imported records may follow the lease's pattern: minting one of theirs again would
        // register a duplicate (or fail the registration).
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::create(&dir.path().join("ws.sqlite"), "88.118.8", "t").expect("db");
        let lease = |id: &str, first, last| SuffixLease {
            lease_id: id.into(),
            device_id: store.device().device_id.to_string(),
            prefix: "88.118.8".into(),
            series: "CAL-2026".into(),
            first,
            last,
            width: 6,
        };
        let (a, b) = (lease("a", 1, 3), lease("b", 100, 101));
        store.add_lease(&a).expect("kept");
        store.add_lease(&b).expect("kept");
        for (suffix, deleted) in [
            ("CAL-2026-000001", false),
            ("CAL-2026-000002", true),
            ("CAL-2026-000100", false),
        ] {
            let mut input = idstation_model::InstrumentInput::default();
            input.set(&Field::Identifier, format!("88.118.8/{suffix}"));
            input.set(&Field::Name, "导入的仪器");
            let inst = input
                .validate(&idstation_model::MetadataTemplate::builtin_instrument())
                .expect("valid");
            store.insert_instrument("t", &inst).expect("import");
            if deleted {
                store
                    .set_deleted("t", &inst.identifier, true, "报废")
                    .expect("delete");
            }
        }
        let mut minted = Vec::new();
        for _ in 0..2 {
            let next = store.next_identifier().expect("next").to_string();
            let got = store.mint_identifier().expect("mint").to_string();
            assert_eq!(next, got, "the preview names what minting takes");
            minted.push(got);
        }
        // 1 and 2 are held (2 by a deleted record), 100 too: 3, then the next lease's 101.
        assert_eq!(
            minted,
            ["88.118.8/CAL-2026-000003", "88.118.8/CAL-2026-000101"]
        );
        assert!(matches!(store.mint_identifier(), Err(StoreError::NoLease)));
        assert_eq!(store.lease_numbers_left().expect("left"), 0);
    }

    #[test]
    fn a_mark_with_no_number_after_it_moves_no_op() {
        // Found by fuzz/fuzz_targets/sync_pull.rs: a node answering `sequence_reused` with the
        // mark i64::MAX made moving the ops after it overflow.
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::create(&dir.path().join("ws.sqlite"), "88.118.8", "t").expect("db");
        let mut input = idstation_model::InstrumentInput::default();
        input.set(&Field::Identifier, "88.118.8/CAL-1");
        input.set(&Field::Name, "数字万用表");
        let inst = input
            .validate(&idstation_model::MetadataTemplate::builtin_instrument())
            .expect("valid");
        store.insert_instrument("t", &inst).expect("register");
        let seqs = |s: &Store| -> Vec<i64> {
            s.connection()
                .prepare("SELECT seq FROM outbox ORDER BY seq")
                .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
                .expect("seqs")
        };
        let before = seqs(&store);
        assert!(matches!(
            store.renumber_ops_after(1, i64::MAX as u64),
            Err(StoreError::Corrupt(_))
        ));
        assert_eq!(seqs(&store), before);
        assert_eq!(store.renumber_ops_after(1, 5).expect("moved"), 1);
        assert_eq!(seqs(&store), [6]);
    }
}
