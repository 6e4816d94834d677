//! [`HandleStore`] on the embedded SQLite database, and the one path every handle write takes
//! ([`write_values`]: the values and the GS1 keys they carry).

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::audit::append_audit;
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

    fn get_json(&self, handle: &str) -> Result<Option<String>, StorageError> {
        self.read(|conn| read_json(conn, handle))
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
        write_values(&tx, handle, &merged, actor.at)?;
        let action = match outcome {
            PutOutcome::Created => "create",
            PutOutcome::Modified => "modify",
        };
        append_audit(&tx, actor, action, handle, &to_json(&merged)?)?;
        tx.commit()?;
        Ok(outcome)
    }

    fn delete(&self, handle: &str, indexes: &[u32], actor: &Actor<'_>) -> Result<(), StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing = read_values(&tx, handle)?.ok_or(StorageError::HandleNotFound)?;
        if indexes.is_empty() {
            tx.execute("DELETE FROM handles WHERE handle = ?1", [handle])?;
            append_audit(&tx, actor, "delete", handle, "[]")?;
        } else {
            if let Some(missing) = indexes
                .iter()
                .find(|i| !existing.iter().any(|v| v.index == **i))
            {
                return Err(StorageError::ValueNotFound(*missing));
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

fn read_values(conn: &Connection, handle: &str) -> Result<Option<Vec<HandleValue>>, StorageError> {
    let json = read_json(conn, handle)?;
    json.map(|j| {
        serde_json::from_str(&j)
            .map_err(|e| StorageError::Corrupt(format!("values of {handle}: {e}")))
    })
    .transpose()
}

/// Stores a handle's values (creating the handle or replacing them) and indexes the GS1 keys
/// they carry; every path that writes handle values goes through here.
pub(super) fn write_values(
    conn: &Connection,
    handle: &str,
    values: &[HandleValue],
    at: &str,
) -> Result<(), StorageError> {
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
            return Err(StorageError::Gs1KeyTaken { key, handle: owner });
        }
    }
    Ok(())
}

/// The first of `values`' GS1 keys that a handle other than `handle` carries, with that handle.
pub(super) fn gs1_key_taken(
    conn: &Connection,
    handle: &str,
    values: &[HandleValue],
) -> Result<Option<(String, String)>, StorageError> {
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
fn handle_of_gs1(conn: &Connection, key: &str) -> Result<Option<String>, StorageError> {
    Ok(conn
        .prepare_cached("SELECT handle FROM gs1_keys WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}
