//! Reading the outbox: the ops this workstation wrote (see `write.rs` for how they get there),
//! what the sync client pushes next, and the newest op's clock stamp the clock resumes from.

use idstation_model::{EntityKind, OpKind, Operation, Payload};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutboxStats {
    pub pending: i64,
    pub total: i64,
    pub last_seq: i64,
}

/// The stamp of the newest op, so a reopened store's clock continues after it.
pub(crate) fn last_hlc(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT hlc FROM outbox ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

impl Store {
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
}
