//! [`UplinkStore`] on the embedded SQLite database: the outbox of reports, the periods already
//! generated, the revisions behind the idempotency keys.

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use serde_json::json;

use super::audit::append_audit;
use super::{corrupt, SqliteStore};
use crate::storage::uplink::{
    DueReport, Mark, ReportMaker, ReportQuery, ReportRow, ReportStamp, ReportState, SendOutcome,
    UplinkSummary,
};
use crate::storage::{Actor, StorageError, UplinkStore};

/// The restore epoch the database is in (0: never restored).
pub(super) fn current_epoch(conn: &Connection) -> Result<u64, StorageError> {
    let epoch: Option<i64> = conn
        .query_row("SELECT max(epoch) FROM restore_epochs", [], |r| r.get(0))
        .optional()?
        .flatten();
    Ok(epoch.map_or(0, |e| u64::try_from(e).unwrap_or(0)))
}

/// Allocates the next revision of (item, subject), makes the report and stores it as pending;
/// call inside the transaction of the change it reports. Returns its key.
pub(super) fn insert_report(
    conn: &Connection,
    item: &str,
    subject: &str,
    mark: Option<&Mark>,
    make: &ReportMaker<'_>,
    actor: &Actor<'_>,
) -> Result<Option<String>, StorageError> {
    if let Some(mark) = mark {
        let inserted = conn
            .prepare_cached(
                "INSERT INTO uplink_marks (item, period, done, at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (item, period) DO NOTHING",
            )?
            .execute(params![mark.item, mark.period, mark.done, actor.at])?;
        if inserted == 0 {
            return Ok(None);
        }
    }
    let revision: i64 = conn
        .prepare_cached(
            "INSERT INTO uplink_revisions (item, subject, revision) VALUES (?1, ?2, 1) \
             ON CONFLICT (item, subject) DO UPDATE SET revision = revision + 1 \
             RETURNING revision",
        )?
        .query_row(params![item, subject], |r| r.get(0))?;
    let stamp = ReportStamp {
        revision: u64::try_from(revision).map_err(corrupt)?,
        epoch: current_epoch(conn)?,
    };
    let report = make(stamp)?;
    conn.prepare_cached(
        "INSERT INTO uplink_outbox (key, item, cadence, subject, period, body, sha256, bytes, \
         state, next_attempt_at, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9, ?9)",
    )?
    .execute(params![
        report.key,
        report.item,
        report.cadence.as_str(),
        report.subject,
        report.period,
        report.body,
        report.sha256,
        i64::try_from(report.bytes).map_err(corrupt)?,
        actor.at
    ])?;
    Ok(Some(report.key))
}

const ROW_COLUMNS: &str =
    "id, key, item, cadence, subject, period, sha256, bytes, state, attempts, \
     next_attempt_at, last_error, created_at, last_sent_at, acked_at, file";

fn report_from_row(r: &Row<'_>) -> rusqlite::Result<ReportRow> {
    let state: String = r.get(8)?;
    Ok(ReportRow {
        id: r.get(0)?,
        key: r.get(1)?,
        item: r.get(2)?,
        cadence: r.get(3)?,
        subject: r.get(4)?,
        period: r.get(5)?,
        sha256: r.get(6)?,
        bytes: u64::try_from(r.get::<_, i64>(7)?).unwrap_or(0),
        state: ReportState::parse(&state).unwrap_or(ReportState::Pending),
        attempts: u32::try_from(r.get::<_, i64>(9)?).unwrap_or(0),
        next_attempt_at: r.get(10)?,
        last_error: r.get(11)?,
        created_at: r.get(12)?,
        last_sent_at: r.get(13)?,
        acked_at: r.get(14)?,
        file: r.get(15)?,
    })
}

impl UplinkStore for SqliteStore {
    fn enqueue_report(
        &self,
        item: &str,
        subject: &str,
        mark: Option<&Mark>,
        make: &ReportMaker<'_>,
        actor: &Actor<'_>,
    ) -> Result<Option<String>, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let key = insert_report(&tx, item, subject, mark, make, actor)?;
        if let Some(key) = &key {
            append_audit(
                &tx,
                actor,
                "uplink_generate",
                key,
                &json!({"item": item}).to_string(),
            )?;
        }
        tx.commit()?;
        Ok(key)
    }

    fn mark(&self, item: &str, period: &str) -> Result<Option<i64>, StorageError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT done FROM uplink_marks WHERE item = ?1 AND period = ?2")?
                .query_row(params![item, period], |r| r.get(0))
                .optional()?)
        })
    }

    fn set_mark(&self, mark: &Mark) -> Result<(), StorageError> {
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.lock().execute(
            "INSERT INTO uplink_marks (item, period, done, at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (item, period) DO UPDATE SET done = max(done, excluded.done), at = excluded.at",
            params![mark.item, mark.period, mark.done, at],
        )?;
        Ok(())
    }

    fn due_reports(&self, now: &str, limit: u32) -> Result<Vec<DueReport>, StorageError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, key, item, attempts, body, sha256 FROM uplink_outbox \
                 WHERE state = 'pending' AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![now, limit], |r| {
                Ok(DueReport {
                    id: r.get(0)?,
                    key: r.get(1)?,
                    item: r.get(2)?,
                    attempts: u32::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                    body: r.get(4)?,
                    sha256: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn report_sent(&self, id: i64, outcome: &SendOutcome, at: &str) -> Result<(), StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let key: String = tx
            .query_row("SELECT key FROM uplink_outbox WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or(StorageError::NotFound)?;
        let actor = Actor { user: "uplink", at };
        match outcome {
            SendOutcome::Acked => {
                tx.execute(
                    "UPDATE uplink_outbox SET state = 'acked', attempts = attempts + 1, \
                     last_sent_at = ?2, acked_at = ?2, last_error = NULL WHERE id = ?1",
                    params![id, at],
                )?;
                append_audit(&tx, &actor, "uplink_ack", &key, "{}")?;
            }
            SendOutcome::Failed {
                error,
                next_attempt_at,
                give_up,
            } => {
                let state = if *give_up { "failed" } else { "pending" };
                tx.execute(
                    "UPDATE uplink_outbox SET state = ?2, attempts = attempts + 1, \
                     last_sent_at = ?3, last_error = ?4, next_attempt_at = ?5 WHERE id = ?1",
                    params![id, state, at, error, next_attempt_at],
                )?;
                if *give_up {
                    let detail = json!({ "error": error }).to_string();
                    append_audit(&tx, &actor, "uplink_give_up", &key, &detail)?;
                }
            }
            SendOutcome::Filed { file } => {
                tx.execute(
                    "UPDATE uplink_outbox SET state = 'filed', file = ?2, last_sent_at = ?3 \
                     WHERE id = ?1",
                    params![id, file, at],
                )?;
                append_audit(
                    &tx,
                    &actor,
                    "uplink_file",
                    &key,
                    &json!({"file": file}).to_string(),
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn reports(&self, query: &ReportQuery) -> Result<Vec<ReportRow>, StorageError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM uplink_outbox \
                 WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR item = ?2) \
                 ORDER BY id DESC LIMIT ?3"
            ))?;
            let rows = stmt.query_map(
                params![
                    query.state.map(ReportState::as_str),
                    query.item,
                    query.limit.max(1)
                ],
                report_from_row,
            )?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn report_body(&self, key: &str) -> Result<Option<(String, Vec<u8>)>, StorageError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT item, body FROM uplink_outbox WHERE key = ?1")?
                .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?)
        })
    }

    fn resend(&self, key: Option<&str>, actor: &Actor<'_>) -> Result<u64, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = match key {
            Some(key) => {
                let n = tx.execute(
                    "UPDATE uplink_outbox SET state = 'pending', next_attempt_at = ?2, \
                     attempts = 0 WHERE key = ?1",
                    params![key, actor.at],
                )?;
                if n == 0 {
                    return Err(StorageError::NotFound);
                }
                n
            }
            None => tx.execute(
                "UPDATE uplink_outbox SET state = 'pending', next_attempt_at = ?1, attempts = 0 \
                 WHERE state IN ('failed', 'filed')",
                [actor.at],
            )?,
        };
        let detail = json!({ "reports": n }).to_string();
        append_audit(
            &tx,
            actor,
            "uplink_resend",
            key.unwrap_or("failed"),
            &detail,
        )?;
        tx.commit()?;
        Ok(n as u64)
    }

    fn uplink_summary(&self) -> Result<UplinkSummary, StorageError> {
        self.read(|conn| {
            let mut s = UplinkSummary::default();
            let mut stmt =
                conn.prepare_cached("SELECT state, count(*) FROM uplink_outbox GROUP BY state")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let state: String = r.get(0)?;
                let n = u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0);
                match ReportState::parse(&state) {
                    Some(ReportState::Pending) => s.pending = n,
                    Some(ReportState::Acked) => s.acked = n,
                    Some(ReportState::Failed) => s.failed = n,
                    Some(ReportState::Filed) => s.filed = n,
                    None => {}
                }
            }
            s.oldest_pending_at = conn.query_row(
                "SELECT min(created_at) FROM uplink_outbox WHERE state = 'pending'",
                [],
                |r| r.get(0),
            )?;
            s.last_acked_at =
                conn.query_row("SELECT max(acked_at) FROM uplink_outbox", [], |r| r.get(0))?;
            let last: Option<(String, String)> = conn
                .query_row(
                    "SELECT last_error, last_sent_at FROM uplink_outbox \
                     WHERE last_error IS NOT NULL ORDER BY last_sent_at DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((error, at)) = last {
                s.last_error = Some(error);
                s.last_error_at = Some(at);
            }
            Ok(s)
        })
    }

    fn restore_epoch(&self) -> Result<u64, StorageError> {
        self.read(current_epoch)
    }

    fn node_created_at(&self) -> Result<String, StorageError> {
        self.read(|conn| {
            Ok(
                conn.query_row("SELECT created_at FROM node_config WHERE id = 1", [], |r| {
                    r.get(0)
                })?,
            )
        })
    }

    fn handles_written(
        &self,
        from: &str,
        to: &str,
        after: Option<(&str, &str)>,
        limit: u32,
    ) -> Result<Vec<(String, String, String, String)>, StorageError> {
        let (after_at, after_handle) = after.unwrap_or((from, ""));
        self.read(|conn| {
            // Keyset pages along the (updated_at, handle) index: each page starts right after
            // the last one, so an hour of 100k writes is read once, not once per page.
            let mut stmt = conn.prepare_cached(
                "SELECT handle, values_json, created_at, updated_at FROM handles \
                 INDEXED BY handles_by_updated \
                 WHERE (updated_at, handle) > (?1, ?2) AND updated_at < ?3 \
                 ORDER BY updated_at, handle LIMIT ?4",
            )?;
            let rows = stmt.query_map(params![after_at, after_handle, to, limit], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }
}
