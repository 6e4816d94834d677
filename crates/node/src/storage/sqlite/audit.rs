//! The audit chain: every write appends an entry inside the write's own transaction, each entry
//! hashing the one before, so [`SqliteStore::verify_audit`] finds an edited, inserted or removed
//! entry.

use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use super::SqliteStore;
use crate::storage::{Actor, StorageError};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl SqliteStore {
    /// Checks the audit chain (sequence, links and hashes); returns the number of entries.
    /// An edited, inserted or removed entry is caught, and so is a removed tail (the head row
    /// names the last entry).
    pub fn verify_audit(&self) -> Result<u64, StorageError> {
        verify_chain(&self.lock()).map(|(count, _)| count)
    }
}

/// Checks the audit chain of `conn`'s database; returns the number of entries and the head's
/// hash.
pub(super) fn verify_chain(conn: &Connection) -> Result<(u64, String), StorageError> {
    {
        let mut stmt = conn.prepare(
            "SELECT seq, at, actor, action, subject, detail, prev_hash, hash \
             FROM audit_log ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut prev = GENESIS.to_owned();
        let mut count = 0u64;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let fields: [String; 5] = [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?];
            let (prev_hash, hash): (String, String) = (r.get(6)?, r.get(7)?);
            let refs = fields.each_ref().map(String::as_str);
            if u64::try_from(seq) != Ok(count + 1)
                || prev_hash != prev
                || hash != audit_hash(&prev, seq, &refs)
            {
                return Err(StorageError::Corrupt(format!(
                    "audit entry {seq} does not match the chain"
                )));
            }
            prev = hash;
            count += 1;
        }
        let head: Option<(i64, String)> = conn
            .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let tail_matches = match head {
            None => count == 0,
            Some((seq, hash)) => u64::try_from(seq) == Ok(count) && hash == prev,
        };
        if !tail_matches {
            return Err(StorageError::Corrupt(
                "the audit chain ends before the entry its head names".to_owned(),
            ));
        }
        Ok((count, prev))
    }
}

/// Appends an entry to the audit chain and moves its head; call inside the write's transaction.
/// `subject` is what the action was about: a handle, a user name, an enterprise, a device.
pub(super) fn append_audit(
    conn: &Connection,
    actor: &Actor<'_>,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<(), StorageError> {
    let mut chain = AuditChain::load(conn)?;
    chain.append(conn, actor, action, subject, detail)?;
    chain.save(conn)
}

/// The audit chain's head while one transaction appends to it: read once and written once,
/// however many entries the transaction adds (a sync push adds one per op).
pub(super) struct AuditChain {
    seq: i64,
    hash: String,
    moved: bool,
}

impl AuditChain {
    pub(super) fn load(conn: &Connection) -> Result<AuditChain, StorageError> {
        let (seq, hash) = conn
            .prepare_cached("SELECT seq, hash FROM audit_head WHERE id = 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((0, GENESIS.to_owned()));
        Ok(AuditChain {
            seq,
            hash,
            moved: false,
        })
    }

    pub(super) fn append(
        &mut self,
        conn: &Connection,
        actor: &Actor<'_>,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> Result<(), StorageError> {
        let seq = self.seq + 1;
        let hash = audit_hash(
            &self.hash,
            seq,
            &[actor.at, actor.user, action, subject, detail],
        );
        conn.prepare_cached(
            "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            seq, actor.at, actor.user, action, subject, detail, self.hash, hash
        ])?;
        self.seq = seq;
        self.hash = hash;
        self.moved = true;
        Ok(())
    }

    /// Writes the head; call before the transaction commits.
    pub(super) fn save(&self, conn: &Connection) -> Result<(), StorageError> {
        if self.moved {
            conn.prepare_cached(
                "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2) \
                 ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            )?
            .execute(params![self.seq, self.hash])?;
        }
        Ok(())
    }
}

/// SHA-256 over the previous hash, the sequence number and length-prefixed fields, so no two
/// different entries hash the same bytes.
fn audit_hash(prev_hash: &str, seq: i64, fields: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(seq.to_le_bytes());
    for f in fields {
        h.update((f.len() as u64).to_le_bytes());
        h.update(f.as_bytes());
    }
    hex::encode(h.finalize())
}
