//! The write rule, in one place. A local change the node must hear of is ONE SQLite transaction
//! that holds all three of:
//!
//! 1. the row change itself (made by the concern's own file, e.g. `instruments.rs`),
//! 2. an outbox operation: a UUIDv7 op id, the next per-device sequence number (`seq`, max + 1:
//!    ops are never deleted, so the numbers have no hole), a hybrid-logical-clock stamp and the
//!    payload the node applies,
//! 3. a hash-chained audit entry naming the op and the SHA-256 of its payload, so `audit verify`
//!    also catches an edited or removed op.
//!
//! So: open the transaction with [`Store::write_tx`], change the row in it, then hand the same
//! transaction to [`Store::record`] (several writes in one batch) or [`Store::record_and_commit`]
//! (one write). Nothing else writes to `outbox`; `consistency.rs` checks the three agree and
//! `tests/crash.rs` checks a `kill -9` never leaves them apart.

use idstation_model::{EntityKind, OpKind};
use rusqlite::{params, Connection, Transaction, TransactionBehavior};
use uuid::Uuid;

use crate::{audit, Result, Store};

/// The pieces of one write that go to the outbox and the audit trail.
pub(crate) struct Write<'a> {
    pub entity: EntityKind,
    pub actor: &'a str,
    /// The audit action (`register`, `edit`, `delete`, ...).
    pub action: &'a str,
    pub entity_id: &'a str,
    pub kind: OpKind,
    pub payload: &'a str,
    /// Wall time of the row change, the same text the row carries.
    pub at: &'a str,
    /// The row's HLC stamp, the same text the row carries.
    pub hlc: &'a str,
}

/// Runs one write of `rows` rows; a bulk one (`BULK_ROWS` and more) without the checkpoint
/// SQLite would otherwise run inside its commit, copying the whole batch from the WAL into the
/// database while the person waits (a tenth of a 100k-row import). The next commit runs it
/// instead, usually the first chunk of `Store::index_pending`. The setting is put back
/// afterwards, whatever `write` returned.
pub(crate) fn bulk_write<T>(
    conn: &mut Connection,
    rows: usize,
    write: impl FnOnce(&mut Connection) -> Result<T>,
) -> Result<T> {
    if rows < crate::search::BULK_ROWS {
        return write(conn);
    }
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    let out = write(conn);
    let restored = conn.pragma_update(None, "wal_autocheckpoint", 1000);
    let out = out?;
    restored?;
    Ok(out)
}

impl Store {
    /// Takes the write lock up front: another process writing waits (busy timeout) instead of
    /// failing when both have read the audit head.
    pub(crate) fn write_tx(conn: &mut Connection) -> Result<Transaction<'_>> {
        Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// Appends the outbox op and the audit entry of one write, in the transaction that changed
    /// the row. The caller saves `chain` and commits once its batch is done.
    pub(crate) fn record(
        tx: &Transaction<'_>,
        chain: &mut audit::Chain,
        w: &Write<'_>,
    ) -> Result<()> {
        Self::record_hashed(tx, chain, w, &audit::sha256_hex(w.payload))
    }

    /// [`Store::record`] with the payload's SHA-256 already made (hex).
    pub(crate) fn record_hashed(
        tx: &Transaction<'_>,
        chain: &mut audit::Chain,
        w: &Write<'_>,
        payload_sha256: &str,
    ) -> Result<()> {
        let op_id = Uuid::now_v7().to_string();
        tx.prepare_cached(
            "INSERT INTO outbox (op_id, entity, entity_id, kind, payload, hlc, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            op_id,
            w.entity.as_str(),
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
                entity: w.entity.as_str(),
                entity_id: w.entity_id,
                op_id: Some(&op_id),
                payload_sha256: Some(payload_sha256),
                before: None,
                after: None,
            },
        )?;
        Ok(())
    }

    /// Records one write (outbox op and audit entry) and commits it with its row change.
    pub(crate) fn record_and_commit(tx: Transaction<'_>, w: &Write<'_>) -> Result<()> {
        let mut chain = audit::Chain::load(&tx)?;
        Self::record(&tx, &mut chain, w)?;
        chain.save(&tx)?;
        tx.commit()?;
        Ok(())
    }
}
