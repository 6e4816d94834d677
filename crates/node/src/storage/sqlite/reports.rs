//! [`ReportStore`] on the embedded SQLite database, and the two writes the sync push makes in
//! its own transaction: a registration's registration-to-resolvable time and an issued report.

use idstation_reports::Submission;
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use serde_json::json;

use super::audit::{append_audit, AuditChain};
use super::{corrupt, SqliteStore};
use crate::monitor::day_of;
use crate::storage::reports::{EffectiveDay, Incident, IssuedFiles, IssuedRow, NewIncident};
use crate::storage::{Actor, ReportStore, StorageError};

/// Records when `handle` became resolvable (`at`, the node's time) after passing review at its
/// workstation (`reviewed_ms`, the op's clock). A clock ahead of the node's counts as zero.
pub(super) fn record_effective(
    conn: &Connection,
    handle: &str,
    prefix: &str,
    reviewed_ms: Option<i64>,
    at: &str,
) -> Result<(), StorageError> {
    let resolvable = chrono::DateTime::parse_from_rfc3339(at)
        .map_err(corrupt)?
        .with_timezone(&chrono::Utc);
    let reviewed = reviewed_ms
        .and_then(chrono::DateTime::from_timestamp_millis)
        .filter(|t| *t <= resolvable)
        .unwrap_or(resolvable);
    let seconds = (resolvable - reviewed).num_seconds();
    conn.prepare_cached(
        "INSERT INTO registration_effective \
         (handle, prefix, reviewed_at, resolvable_at, day, seconds) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (handle) DO NOTHING",
    )?
    .execute(params![
        handle,
        prefix,
        crate::storage::stamp(reviewed),
        at,
        day_of(resolvable).to_string(),
        seconds
    ])?;
    Ok(())
}

/// What storing a submitted report did.
pub(super) enum Stored {
    Applied,
    /// The same report (same number and bytes) was there already.
    Duplicate,
    /// It cannot be kept: a stable code and a reason.
    Refused(&'static str, String),
}

/// Keeps a submitted report, immutable, with its audit entry.
pub(super) fn store_submission(
    conn: &Connection,
    chain: &mut AuditChain,
    actor: &Actor<'_>,
    sub: &Submission,
    pdf: &[u8],
    csv: &[u8],
    device_id: &str,
) -> Result<Stored, StorageError> {
    let issued = &sub.issued;
    let number = issued.number().to_string();
    let existing: Option<String> = conn
        .prepare_cached("SELECT sha256 FROM issued_reports WHERE number = ?1")?
        .query_row([&number], |r| r.get(0))
        .optional()?;
    if let Some(sha) = existing {
        return Ok(if sha == issued.sha256() {
            Stored::Duplicate
        } else {
            Stored::Refused(
                "report_number_taken",
                format!("report {number} was issued with other contents"),
            )
        });
    }
    let prefix = issued.scope().prefix();
    let month = issued.month().to_string();
    if let Some(prev) = issued.supersedes() {
        let found: Option<(String, String)> = conn
            .prepare_cached("SELECT prefix, month FROM issued_reports WHERE number = ?1")?
            .query_row([prev.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if found != Some((prefix.to_owned(), month.clone())) {
            return Ok(Stored::Refused(
                "supersedes_unknown",
                format!("report {prev}, which {number} corrects, is not at the node"),
            ));
        }
    }
    let meta = serde_json::to_string(issued).map_err(corrupt)?;
    let inserted = conn
        .prepare_cached(
            "INSERT INTO issued_reports (number, prefix, month, version, supersedes, issued_at, \
             issued_by, sha256, meta, pdf, csv, device_id, received_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
             ON CONFLICT (prefix, month, version) DO NOTHING",
        )?
        .execute(params![
            number,
            prefix,
            month,
            issued.number().version,
            issued.supersedes().map(ToString::to_string),
            crate::storage::stamp(issued.issued_at()),
            issued.issued_by(),
            issued.sha256(),
            meta,
            pdf,
            csv,
            device_id,
            actor.at,
        ])?;
    if inserted == 0 {
        return Ok(Stored::Refused(
            "report_number_taken",
            format!(
                "another report of {prefix} {month} has version {}",
                issued.number().version
            ),
        ));
    }
    let detail = json!({
        "sha256": issued.sha256(),
        "pdf_bytes": pdf.len(),
        "supersedes": issued.supersedes().map(ToString::to_string),
        "issued_by": issued.issued_by(),
        "device": device_id,
    });
    chain.append(conn, actor, "report_issue", &number, &detail.to_string())?;
    Ok(Stored::Applied)
}

fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

const ISSUED: &str = "SELECT number, prefix, month, version, supersedes, issued_at, issued_by, \
                      sha256, length(pdf), received_at FROM issued_reports";

fn issued_of(r: &Row<'_>) -> rusqlite::Result<IssuedRow> {
    Ok(IssuedRow {
        number: r.get(0)?,
        prefix: r.get(1)?,
        month: r.get(2)?,
        version: r.get(3)?,
        supersedes: r.get(4)?,
        issued_at: r.get(5)?,
        issued_by: r.get(6)?,
        sha256: r.get(7)?,
        pdf_bytes: unsigned(r.get(8)?),
        received_at: r.get(9)?,
    })
}

fn incident_of(r: &Row<'_>) -> rusqlite::Result<Incident> {
    Ok(Incident {
        id: r.get(0)?,
        start: r.get(1)?,
        recovered: r.get(2)?,
        kind: r.get(3)?,
        cause: r.get(4)?,
        fix: r.get(5)?,
        written_by: r.get(6)?,
        written_at: r.get(7)?,
    })
}

const INCIDENT: &str = "SELECT id, started_at, recovered_at, kind, cause, fix, written_by, \
                        written_at FROM incidents";

impl ReportStore for SqliteStore {
    fn effective_days(&self, from: &str, to: &str) -> Result<Vec<EffectiveDay>, StorageError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT day, prefix, count(*), sum(seconds), max(seconds) \
                 FROM registration_effective WHERE day BETWEEN ?1 AND ?2 \
                 GROUP BY day, prefix ORDER BY day, prefix",
            )?;
            let rows = stmt
                .query_map([from, to], |r| {
                    Ok(EffectiveDay {
                        day: r.get(0)?,
                        prefix: r.get(1)?,
                        count: unsigned(r.get(2)?),
                        total_secs: unsigned(r.get(3)?),
                        max_secs: unsigned(r.get(4)?),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }

    fn add_incident(
        &self,
        incident: &NewIncident,
        actor: &Actor<'_>,
    ) -> Result<Incident, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO incidents (started_at, recovered_at, kind, cause, fix, written_by, \
             written_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                incident.start,
                incident.recovered,
                incident.kind,
                incident.cause,
                incident.fix,
                actor.user,
                actor.at
            ],
        )?;
        let id = tx.last_insert_rowid();
        let detail = json!({
            "start": incident.start, "recovered": incident.recovered, "kind": incident.kind,
            "cause": incident.cause, "fix": incident.fix,
        });
        append_audit(
            &tx,
            actor,
            "incident_write",
            &id.to_string(),
            &detail.to_string(),
        )?;
        let stored = tx.query_row(&format!("{INCIDENT} WHERE id = ?1"), [id], incident_of)?;
        tx.commit()?;
        Ok(stored)
    }

    fn incidents(&self, from: &str, to: &str) -> Result<Vec<Incident>, StorageError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "{INCIDENT} WHERE started_at < ?2 AND coalesce(recovered_at, ?2) >= ?1 \
                 ORDER BY started_at, id"
            ))?;
            let rows = stmt
                .query_map([from, to], incident_of)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }

    fn issued_reports(&self, prefix: Option<&str>) -> Result<Vec<IssuedRow>, StorageError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "{ISSUED} WHERE ?1 IS NULL OR prefix = ?1 ORDER BY month DESC, prefix, version DESC"
            ))?;
            let rows = stmt
                .query_map([prefix], issued_of)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }

    fn issued_files(&self, number: &str) -> Result<Option<IssuedFiles>, StorageError> {
        self.read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT number, prefix, month, version, supersedes, issued_at, issued_by, \
                     sha256, length(pdf), received_at, pdf, csv FROM issued_reports \
                     WHERE number = ?1",
                    [number],
                    |r| {
                        Ok(IssuedFiles {
                            row: issued_of(r)?,
                            pdf: r.get(10)?,
                            csv: r.get(11)?,
                        })
                    },
                )
                .optional()?)
        })
    }
}
