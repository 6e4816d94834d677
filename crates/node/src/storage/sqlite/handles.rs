//! [`HandleStore`] on the embedded SQLite database, and the one path every handle write takes:
//! [`store_values`] sends an instrument record's values through its record (version, change
//! log, so workstations pull a Handle API edit and merge their own against it), and
//! [`write_values`] stores values, their public part and the GS1 keys they carry (refusing a
//! key outside the owning enterprise's GS1 company prefixes).

use std::collections::HashSet;

use idstation_model::handle_record::{
    from_values, gs1_keys, has_instrument_data, to_values, with_other_values,
};
use idstation_model::sync::ServerRow;
use idstation_model::MetadataTemplate;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::audit::append_audit;
use super::sync::{read_record, write_record};
use super::{corrupt, SqliteStore};
use crate::storage::{Actor, HandleStore, NodeConfig, PutMode, PutOutcome, StorageError};
use crate::values::{merge, HandleValue};

impl HandleStore for SqliteStore {
    fn config(&self) -> Result<NodeConfig, StorageError> {
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
        .ok_or(StorageError::NotInitialised)
    }

    fn get(&self, handle: &str) -> Result<Option<Vec<HandleValue>>, StorageError> {
        self.read(|conn| read_values(conn, handle))
    }

    fn get_json(&self, handle: &str, all: bool) -> Result<Option<String>, StorageError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT CASE WHEN ?2 THEN values_json \
                     ELSE coalesce(public_json, values_json) END \
                     FROM handles WHERE handle = ?1",
                )?
                .query_row(params![handle, all], |r| r.get(0))
                .optional()?)
        })
    }

    fn handle_of_gs1(&self, key: &str) -> Result<Option<String>, StorageError> {
        self.read(|conn| handle_of_gs1(conn, key))
    }

    fn list(
        &self,
        prefix: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(u64, Vec<String>), StorageError> {
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
        template: &MetadataTemplate,
        actor: &Actor<'_>,
    ) -> Result<PutOutcome, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing = read_values(&tx, handle)?;
        if existing.is_some() && !mode.overwrite {
            return Err(StorageError::HandleExists);
        }
        let outcome = match existing {
            Some(_) => PutOutcome::Modified,
            None => PutOutcome::Created,
        };
        let merged = merge(existing.as_deref().unwrap_or(&[]), values, &mode.selected)?;
        let merged = store_values(&tx, handle, merged, template, actor.at)?;
        let action = match outcome {
            PutOutcome::Created => "create",
            PutOutcome::Modified => "modify",
        };
        append_audit(&tx, actor, action, handle, &to_json(&merged)?)?;
        if outcome == PutOutcome::Created {
            // A Handle API write passes its review (the writer's authority over the prefix)
            // and becomes resolvable in this one transaction: 0 s to resolvable.
            super::reports::record_effective(&tx, handle, prefix_of(handle), None, actor.at)?;
        }
        tx.commit()?;
        Ok(outcome)
    }

    fn delete(
        &self,
        handle: &str,
        indexes: &[u32],
        template: &MetadataTemplate,
        actor: &Actor<'_>,
    ) -> Result<(), StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing = read_values(&tx, handle)?.ok_or(StorageError::HandleNotFound)?;
        if indexes.is_empty() {
            match read_record(&tx, handle)? {
                // A synced record is deleted as sync deletes it: a new version, in the change
                // log, so workstations pull the deletion and a stale op cannot bring it back.
                Some(row) if !row.deleted => {
                    let deleted = ServerRow {
                        version: row.version + 1,
                        deleted: true,
                        ..row
                    };
                    write_record(&tx, &deleted, prefix_of(handle), None, None, actor.at)?;
                }
                _ => {
                    tx.execute("DELETE FROM handles WHERE handle = ?1", [handle])?;
                }
            }
            append_audit(&tx, actor, "delete", handle, "[]")?;
        } else {
            let present: HashSet<u32> = existing.iter().map(|v| v.index).collect();
            if let Some(missing) = indexes.iter().find(|i| !present.contains(i)) {
                return Err(StorageError::ValueNotFound(*missing));
            }
            let removed: HashSet<u32> = indexes.iter().copied().collect();
            let kept: Vec<HandleValue> = existing
                .into_iter()
                .filter(|v| !removed.contains(&v.index))
                .collect();
            store_values(&tx, handle, kept, template, actor.at)?;
            let detail = serde_json::json!({ "removed_indexes": indexes }).to_string();
            append_audit(&tx, actor, "delete_values", handle, &detail)?;
        }
        tx.commit()?;
        Ok(())
    }
}

pub(super) fn to_json(values: &[HandleValue]) -> Result<String, StorageError> {
    serde_json::to_string(values).map_err(corrupt)
}

/// The stored values text: written only by [`write_values`], from the model's type, so it is
/// the canonical JSON the API serves.
fn read_json(conn: &Connection, handle: &str) -> Result<Option<String>, StorageError> {
    Ok(conn
        .prepare_cached("SELECT values_json FROM handles WHERE handle = ?1")?
        .query_row([handle], |r| r.get(0))
        .optional()?)
}

pub(super) fn read_values(
    conn: &Connection,
    handle: &str,
) -> Result<Option<Vec<HandleValue>>, StorageError> {
    let json = read_json(conn, handle)?;
    json.map(|j| {
        serde_json::from_str(&j)
            .map_err(|e| StorageError::Corrupt(format!("values of {handle}: {e}")))
    })
    .transpose()
}

/// The prefix part of a handle's text.
fn prefix_of(handle: &str) -> &str {
    handle.split_once('/').map_or(handle, |(p, _)| p)
}

/// Writes `values` as the handle's new state, whichever API sent them: through the handle's
/// instrument record when it has one or the values describe one (a new version and a change
/// in the log, the instrument's values regenerated with their permissions, other values such
/// as a `URL` kept beside them); as plain values otherwise. Returns the values stored.
fn store_values(
    conn: &Connection,
    handle: &str,
    values: Vec<HandleValue>,
    template: &MetadataTemplate,
    at: &str,
) -> Result<Vec<HandleValue>, StorageError> {
    let record = read_record(conn, handle)?.filter(|r| !r.deleted);
    if !has_instrument_data(&values) {
        if record.is_some() {
            return Err(StorageError::NotAnInstrument(
                "the handle holds an instrument record: keep its IDS. values, or delete the \
                 handle"
                    .to_owned(),
            ));
        }
        write_values(conn, handle, &values, at)?;
        return Ok(values);
    }
    let instrument = from_values(&values, template)
        .map_err(|e| StorageError::NotAnInstrument(e.to_string()))?
        .to_input()
        .validate(template)
        .map_err(|e| StorageError::NotAnInstrument(e.to_string()))?;
    if instrument.identifier.to_string() != handle {
        return Err(StorageError::NotAnInstrument(format!(
            "IDS.IDENTIFIER names {}, not {handle}",
            instrument.identifier
        )));
    }
    let stored = with_other_values(to_values(&instrument, None, template, at), &values);
    match read_record(conn, handle)? {
        Some(row) if !row.deleted && row.instrument == instrument => {
            write_values(conn, handle, &stored, at)?;
        }
        row => {
            let next = ServerRow {
                handle: handle.to_owned(),
                version: row.map_or(1, |r| r.version + 1),
                deleted: false,
                instrument,
            };
            write_record(conn, &next, prefix_of(handle), Some(&stored), None, at)?;
        }
    }
    Ok(stored)
}

/// Stores a handle's values (creating the handle or replacing them), the part of them anyone
/// may read, and the GS1 keys they carry; every path that writes handle values goes through
/// here.
pub(super) fn write_values(
    conn: &Connection,
    handle: &str,
    values: &[HandleValue],
    at: &str,
) -> Result<(), StorageError> {
    let json = to_json(values)?;
    let public_json = if values.iter().all(HandleValue::is_public) {
        None
    } else {
        let public: Vec<&HandleValue> = values.iter().filter(|v| v.is_public()).collect();
        Some(serde_json::to_string(&public).map_err(corrupt)?)
    };
    conn.prepare_cached(
        "INSERT INTO handles (handle, values_json, public_json, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (handle) DO UPDATE SET \
         values_json = excluded.values_json, public_json = excluded.public_json, \
         updated_at = excluded.updated_at",
    )?
    .execute(params![handle, json, public_json, at])?;
    if let Some((key, enterprise)) = gs1_not_owned(conn, handle, values)? {
        return Err(StorageError::Gs1NotOwned { key, enterprise });
    }
    conn.prepare_cached("DELETE FROM gs1_keys WHERE handle = ?1")?
        .execute([handle])?;
    for key in gs1_keys(values) {
        let key = key.to_string();
        let claimed = conn
            .prepare_cached(
                "INSERT INTO gs1_keys (key, handle) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
            )?
            .execute(params![key, handle])?;
        if claimed == 0 {
            // The caller's transaction rolls back: the write changes nothing.
            let owner = handle_of_gs1(conn, &key)?.unwrap_or_default();
            return Err(StorageError::Gs1KeyTaken { key, handle: owner });
        }
    }
    Ok(())
}

/// The first of `values`' GS1 keys whose company prefix the enterprise owning `handle` does not
/// hold, with that enterprise's prefix (the handle's prefix for a handle of no enterprise, which
/// may carry only keys no enterprise holds).
pub(super) fn gs1_not_owned(
    conn: &Connection,
    handle: &str,
    values: &[HandleValue],
) -> Result<Option<(String, String)>, StorageError> {
    let keys = gs1_keys(values);
    if keys.is_empty() {
        return Ok(None);
    }
    let prefix = prefix_of(handle);
    let owner: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT id, prefix FROM enterprises \
             WHERE prefix = ?1 OR substr(?1, 1, length(prefix) + 1) = prefix || '.' \
             ORDER BY length(prefix) DESC LIMIT 1",
        )?
        .query_row([prefix], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    for key in keys {
        let holder: Option<i64> = conn
            .prepare_cached(
                "SELECT enterprise_id FROM gs1_prefixes \
                 WHERE substr(?1, 1, length(company_prefix)) = company_prefix LIMIT 1",
            )?
            .query_row([key.company_digits()], |r| r.get(0))
            .optional()?;
        let fine = match (&owner, holder) {
            (Some((id, _)), Some(holder)) => *id == holder,
            (None, None) => true,
            _ => false,
        };
        if !fine {
            let who = owner.as_ref().map_or(prefix, |(_, p)| p.as_str());
            return Ok(Some((key.to_string(), who.to_owned())));
        }
    }
    Ok(None)
}

/// The first of `values`' GS1 keys that a handle other than `handle` carries, with that handle.
pub(super) fn gs1_key_taken(
    conn: &Connection,
    handle: &str,
    values: &[HandleValue],
) -> Result<Option<(String, String)>, StorageError> {
    for key in gs1_keys(values) {
        let key = key.to_string();
        match handle_of_gs1(conn, &key)? {
            Some(owner) if owner != handle => return Ok(Some((key, owner))),
            _ => {}
        }
    }
    Ok(None)
}

/// The handle that carries a GS1 key (in its canonical Digital Link form).
fn handle_of_gs1(conn: &Connection, key: &str) -> Result<Option<String>, StorageError> {
    Ok(conn
        .prepare_cached("SELECT handle FROM gs1_keys WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}
