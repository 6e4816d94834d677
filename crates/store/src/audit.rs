//! The hash-chained audit trail.
//!
//! Each entry's hash covers the previous entry's hash and every field of its own, so an edited,
//! inserted or removed entry breaks the chain; `audit_head` records the last link, so a removed
//! tail is seen too. An entry for a write carries the SHA-256 of its outbox op's payload, so the
//! op's content is covered by the chain without being stored twice.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{Store, StoreError};

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
    pub payload_sha256: Option<String>,
    /// The op's payload (the record, or `{field: [before, after]}`), read from the outbox.
    pub payload: Option<String>,
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
    pub payload_sha256: Option<&'a str>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

pub fn sha256_hex(data: &str) -> String {
    hex::encode(Sha256::digest(data.as_bytes()))
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
    field(e.payload_sha256);
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
            "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, op_id,
                                    payload_sha256, before, after, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            seq,
            e.at,
            e.actor,
            e.action,
            e.entity,
            e.entity_id,
            e.op_id,
            e.payload_sha256,
            e.before,
            e.after,
            self.hash,
            hash
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

/// Appends one entry that stands alone (a change with no outbox op) and moves the head with it.
pub fn append_one(tx: &Transaction<'_>, e: &NewEntry<'_>) -> Result<(), StoreError> {
    let mut chain = Chain::load(tx)?;
    chain.append(tx, e)?;
    chain.save(tx)?;
    Ok(())
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
    /// The outbox op an entry names is gone, or its payload no longer matches: it was altered.
    OpTampered { seq: i64 },
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

const SELECT_ENTRIES: &str =
    "SELECT a.seq, a.at, a.actor, a.action, a.entity, a.entity_id, a.op_id,
            a.payload_sha256, o.payload, a.before, a.after, a.prev_hash, a.hash
     FROM audit_log a LEFT JOIN outbox o ON o.op_id = a.op_id";

fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        entity: r.get(4)?,
        entity_id: r.get(5)?,
        op_id: r.get(6)?,
        payload_sha256: r.get(7)?,
        payload: r.get(8)?,
        before: r.get(9)?,
        after: r.get(10)?,
        prev_hash: r.get(11)?,
        hash: r.get(12)?,
    })
}

/// Where the chain breaks first, if anywhere.
fn check_entry(e: &AuditEntry, prev_seq: i64, prev_hash: &str) -> Option<AuditBreak> {
    if e.seq != prev_seq + 1 {
        return Some(AuditBreak::Gap {
            expected_seq: prev_seq + 1,
            found_seq: e.seq,
        });
    }
    if e.prev_hash != prev_hash {
        return Some(AuditBreak::BrokenLink { seq: e.seq });
    }
    let fields = NewEntry {
        at: &e.at,
        actor: &e.actor,
        action: &e.action,
        entity: &e.entity,
        entity_id: &e.entity_id,
        op_id: e.op_id.as_deref(),
        payload_sha256: e.payload_sha256.as_deref(),
        before: e.before.as_deref(),
        after: e.after.as_deref(),
    };
    if entry_hash(prev_hash, e.seq, &fields) != e.hash {
        return Some(AuditBreak::Tampered { seq: e.seq });
    }
    if e.op_id.is_some() {
        let payload_ok = match (&e.payload, &e.payload_sha256) {
            (Some(p), Some(h)) => sha256_hex(p) == *h,
            _ => false,
        };
        if !payload_ok {
            return Some(AuditBreak::OpTampered { seq: e.seq });
        }
    }
    None
}

pub fn verify(conn: &Connection) -> Result<AuditReport, StoreError> {
    let mut stmt = conn.prepare(&format!("{SELECT_ENTRIES} ORDER BY a.seq"))?;
    let mut rows = stmt.query([])?;
    let mut prev_seq = 0;
    let mut prev_hash = GENESIS.to_string();
    let mut entries = 0;
    let mut problem = None;
    while let Some(r) = rows.next()? {
        let e = entry_from_row(r)?;
        entries += 1;
        if let Some(p) = check_entry(&e, prev_seq, &prev_hash) {
            problem = Some(p);
            break;
        }
        prev_seq = e.seq;
        prev_hash = e.hash;
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
    let mut stmt = conn.prepare(&format!(
        "{SELECT_ENTRIES} WHERE ?1 IS NULL OR a.entity_id = ?1 ORDER BY a.seq DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![entity_id, limit], entry_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl Store {
    pub fn audit_verify(&self) -> Result<AuditReport, StoreError> {
        verify(&self.conn)
    }

    pub fn audit_entries(
        &self,
        entity_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        entries_for(&self.conn, entity_id, limit)
    }
}
