//! The hash-chained audit trail.
//!
//! Each entry's hash covers the previous entry's hash and every field of its own, so an edited,
//! inserted or removed entry breaks the chain; `audit_head` records the last link, so a removed
//! tail is seen too.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::StoreError;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub op_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// What an audit entry records, before it is chained.
pub struct NewEntry<'a> {
    pub at: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub op_id: Option<&'a str>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

fn entry_hash(prev_hash: &str, seq: i64, e: &NewEntry<'_>) -> String {
    let mut h = Sha256::new();
    // Length-prefixed fields: no two different entries hash the same bytes.
    let mut field = |v: Option<&str>| match v {
        Some(s) => {
            h.update((s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        }
        None => h.update(u64::MAX.to_le_bytes()),
    };
    field(Some(prev_hash));
    field(Some(&seq.to_string()));
    field(Some(e.at));
    field(Some(e.actor));
    field(Some(e.action));
    field(Some(e.entity));
    field(Some(e.entity_id));
    field(e.op_id);
    field(e.before);
    field(e.after);
    hex::encode(h.finalize())
}

/// Appends entries inside one transaction; the head is written once, when the batch is done.
pub struct Chain {
    seq: i64,
    hash: String,
}

impl Chain {
    pub fn load(tx: &Transaction<'_>) -> Result<Chain, StoreError> {
        let head = tx
            .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .optional()?;
        let (seq, hash) = head.unwrap_or((0, GENESIS.to_string()));
        Ok(Chain { seq, hash })
    }

    pub fn append(&mut self, tx: &Transaction<'_>, e: &NewEntry<'_>) -> Result<i64, StoreError> {
        let seq = self.seq + 1;
        let hash = entry_hash(&self.hash, seq, e);
        tx.prepare_cached(
            "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, op_id, before, after, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            seq, e.at, e.actor, e.action, e.entity, e.entity_id, e.op_id, e.before, e.after,
            self.hash, hash
        ])?;
        self.seq = seq;
        self.hash = hash;
        Ok(seq)
    }

    pub fn save(&self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        tx.prepare_cached(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        )?
        .execute(params![self.seq, self.hash])?;
        Ok(())
    }
}

/// Why the chain does not hold, at the first place it breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuditBreak {
    /// An entry's sequence number is not the one after its predecessor: an entry was removed.
    Gap { expected_seq: i64, found_seq: i64 },
    /// An entry does not point at its predecessor's hash.
    BrokenLink { seq: i64 },
    /// An entry's content no longer matches its hash: it was edited.
    Tampered { seq: i64 },
    /// The recorded head is not the last entry: the tail was removed or the head altered.
    HeadMismatch { head_seq: i64, last_seq: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    pub entries: i64,
    pub head_hash: String,
    pub problem: Option<AuditBreak>,
}

impl AuditReport {
    pub fn is_intact(&self) -> bool {
        self.problem.is_none()
    }
}

pub fn verify(conn: &Connection) -> Result<AuditReport, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, entity, entity_id, op_id, before, after, prev_hash, hash
         FROM audit_log ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut prev_seq = 0;
    let mut prev_hash = GENESIS.to_string();
    let mut entries = 0;
    let mut problem = None;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let (at, actor, action, entity, entity_id): (String, String, String, String, String) =
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
        let (op_id, before, after): (Option<String>, Option<String>, Option<String>) =
            (r.get(6)?, r.get(7)?, r.get(8)?);
        let (stored_prev, hash): (String, String) = (r.get(9)?, r.get(10)?);
        entries += 1;
        if seq != prev_seq + 1 {
            problem = Some(AuditBreak::Gap {
                expected_seq: prev_seq + 1,
                found_seq: seq,
            });
            break;
        }
        if stored_prev != prev_hash {
            problem = Some(AuditBreak::BrokenLink { seq });
            break;
        }
        let e = NewEntry {
            at: &at,
            actor: &actor,
            action: &action,
            entity: &entity,
            entity_id: &entity_id,
            op_id: op_id.as_deref(),
            before: before.as_deref(),
            after: after.as_deref(),
        };
        if entry_hash(&prev_hash, seq, &e) != hash {
            problem = Some(AuditBreak::Tampered { seq });
            break;
        }
        prev_seq = seq;
        prev_hash = hash;
    }
    if problem.is_none() {
        let head: Option<(i64, String)> = conn
            .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let (head_seq, head_hash) = head.unwrap_or((0, GENESIS.to_string()));
        if head_seq != prev_seq || head_hash != prev_hash {
            problem = Some(AuditBreak::HeadMismatch {
                head_seq,
                last_seq: prev_seq,
            });
        }
    }
    Ok(AuditReport {
        entries,
        head_hash: prev_hash,
        problem,
    })
}

pub fn entries_for(
    conn: &Connection,
    entity_id: Option<&str>,
    limit: u32,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, entity, entity_id, op_id, before, after, prev_hash, hash
         FROM audit_log WHERE ?1 IS NULL OR entity_id = ?1 ORDER BY seq DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![entity_id, limit], |r| {
        Ok(AuditEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            entity: r.get(4)?,
            entity_id: r.get(5)?,
            op_id: r.get(6)?,
            before: r.get(7)?,
            after: r.get(8)?,
            prev_hash: r.get(9)?,
            hash: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
