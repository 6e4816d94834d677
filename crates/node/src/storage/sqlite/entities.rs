//! [`EntityStore`] on the embedded SQLite database: docking records (clear fields as JSON,
//! personal ones as one sealed blob), attachments' metadata; a write and the report of it to the
//! uplink outbox share one transaction.

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use serde_json::{json, Map};

use super::audit::append_audit;
use super::uplink::insert_report;
use super::{corrupt, SqliteStore};
use crate::accounts::Enterprise;
use crate::entities::{Attachment, EntityWrite, RecordStatus, StoredEntity};
use crate::storage::uplink::ReportMaker;
use crate::storage::{Actor, EntityStore, StorageError};

const COLUMNS: &str = "r.item, r.key, r.enterprise_id, e.prefix, r.fields, r.sealed, r.status, \
     r.revision, r.created_at, r.updated_at, r.updated_by";

fn entity_from_row(r: &Row<'_>) -> rusqlite::Result<(StoredEntity, String)> {
    let status: String = r.get(6)?;
    let fields: String = r.get(4)?;
    Ok((
        StoredEntity {
            item: r.get(0)?,
            key: r.get(1)?,
            enterprise_id: r.get(2)?,
            enterprise_prefix: r.get(3)?,
            fields: Map::new(),
            sealed: r.get(5)?,
            status: RecordStatus::parse(&status).unwrap_or(RecordStatus::Active),
            revision: u64::try_from(r.get::<_, i64>(7)?).unwrap_or(0),
            created_at: r.get(8)?,
            updated_at: r.get(9)?,
            updated_by: r.get(10)?,
        },
        fields,
    ))
}

fn finish(row: (StoredEntity, String)) -> Result<StoredEntity, StorageError> {
    let (mut e, fields) = row;
    e.fields = serde_json::from_str(&fields).map_err(corrupt)?;
    Ok(e)
}

fn read_entity(
    conn: &Connection,
    item: &str,
    key: &str,
) -> Result<Option<StoredEntity>, StorageError> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM entity_records r LEFT JOIN enterprises e ON e.id = r.enterprise_id \
         WHERE r.item = ?1 AND r.key = ?2"
    ))?
    .query_row(params![item, key], entity_from_row)
    .optional()?
    .map(finish)
    .transpose()
}

impl EntityStore for SqliteStore {
    fn entity(&self, item: &str, key: &str) -> Result<Option<StoredEntity>, StorageError> {
        self.read(|conn| read_entity(conn, item, key))
    }

    fn entities(
        &self,
        item: &str,
        enterprise_id: Option<i64>,
    ) -> Result<Vec<StoredEntity>, StorageError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM entity_records r \
                 LEFT JOIN enterprises e ON e.id = r.enterprise_id \
                 WHERE r.item = ?1 AND (?2 IS NULL OR r.enterprise_id = ?2) ORDER BY r.key"
            ))?;
            let rows = stmt.query_map(params![item, enterprise_id], entity_from_row)?;
            rows.map(|r| finish(r?)).collect()
        })
    }

    fn put_entity(
        &self,
        write: &EntityWrite,
        report: Option<&ReportMaker<'_>>,
        actor: &Actor<'_>,
    ) -> Result<StoredEntity, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = read_entity(&tx, &write.item, &write.key)?;
        let revision = current.as_ref().map_or(0, |c| c.revision);
        if let Some(expected) = write.expect_revision {
            if expected != revision {
                return Err(StorageError::StaleRevision(revision));
            }
        }
        let next = i64::try_from(revision + 1).map_err(corrupt)?;
        let fields = serde_json::to_string(&write.fields).map_err(corrupt)?;
        tx.prepare_cached(
            "INSERT INTO entity_records (item, key, enterprise_id, fields, sealed, status, revision, \
             created_at, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9) \
             ON CONFLICT (item, key) DO UPDATE SET enterprise_id = excluded.enterprise_id, \
             fields = excluded.fields, sealed = excluded.sealed, status = excluded.status, \
             revision = excluded.revision, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by",
        )?
        .execute(params![
            write.item,
            write.key,
            write.enterprise_id,
            fields,
            write.sealed,
            write.status.as_str(),
            next,
            actor.at,
            actor.user
        ])?;
        let reported = match report {
            Some(make) => insert_report(&tx, &write.item, &write.key, None, make, actor)?,
            None => None,
        };
        // The audit entry names the personal fields written, never their values.
        let detail = json!({
            "revision": next,
            "status": write.status.as_str(),
            "fields": write.fields,
            "personal": write.personal_names,
            "report": reported,
        });
        let action = if current.is_some() {
            "entity_update"
        } else {
            "entity_create"
        };
        append_audit(
            &tx,
            actor,
            action,
            &format!("{}/{}", write.item, write.key),
            &detail.to_string(),
        )?;
        let stored = read_entity(&tx, &write.item, &write.key)?.ok_or(StorageError::NotFound)?;
        tx.commit()?;
        Ok(stored)
    }

    fn delete_entity(
        &self,
        item: &str,
        key: &str,
        report: Option<&ReportMaker<'_>>,
        actor: &Actor<'_>,
    ) -> Result<(), StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let removed = tx
            .prepare_cached("DELETE FROM entity_records WHERE item = ?1 AND key = ?2")?
            .execute(params![item, key])?;
        if removed == 0 {
            return Err(StorageError::NotFound);
        }
        let reported = match report {
            Some(make) => insert_report(&tx, item, key, None, make, actor)?,
            None => None,
        };
        let detail = json!({ "report": reported }).to_string();
        append_audit(
            &tx,
            actor,
            "entity_delete",
            &format!("{item}/{key}"),
            &detail,
        )?;
        tx.commit()?;
        Ok(())
    }

    fn put_attachment(&self, meta: &Attachment, actor: &Actor<'_>) -> Result<bool, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let added = tx
            .prepare_cached(
                "INSERT INTO attachments (sha256, size, mime, name, enterprise_id, uploaded_by, \
                 uploaded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (sha256) DO NOTHING",
            )?
            .execute(params![
                meta.sha256,
                i64::try_from(meta.size).map_err(corrupt)?,
                meta.mime,
                meta.name,
                meta.enterprise_id,
                meta.uploaded_by,
                meta.uploaded_at
            ])?;
        if added > 0 {
            let detail = json!({"size": meta.size, "mime": meta.mime, "name": meta.name});
            append_audit(&tx, actor, "attachment", &meta.sha256, &detail.to_string())?;
        }
        tx.commit()?;
        Ok(added > 0)
    }

    fn attachment(&self, sha256: &str) -> Result<Option<Attachment>, StorageError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT sha256, size, mime, name, enterprise_id, uploaded_by, uploaded_at \
                     FROM attachments WHERE sha256 = ?1",
                )?
                .query_row([sha256], |r| {
                    Ok(Attachment {
                        sha256: r.get(0)?,
                        size: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                        mime: r.get(2)?,
                        name: r.get(3)?,
                        enterprise_id: r.get(4)?,
                        uploaded_by: r.get(5)?,
                        uploaded_at: r.get(6)?,
                    })
                })
                .optional()?)
        })
    }

    fn enterprise_by_prefix(&self, prefix: &str) -> Result<Option<Enterprise>, StorageError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT id, prefix, name, status, created_at FROM enterprises WHERE prefix = ?1",
                )?
                .query_row([prefix], |r| {
                    Ok(Enterprise {
                        id: r.get(0)?,
                        prefix: r.get(1)?,
                        name: r.get(2)?,
                        status: r.get(3)?,
                        created_at: r.get(4)?,
                    })
                })
                .optional()?)
        })
    }
}
