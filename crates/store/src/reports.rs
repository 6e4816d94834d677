//! The monthly operating report's local records: the figures last pulled from the node (JSON
//! as the node sent it), drafts, and issued reports. Issuing is one write by the house rule:
//! the immutable row, the outbox op that submits it to the node, and the audit entry, in one
//! transaction. This file knows SQLite only; the report's types are the caller's.

use idstation_model::{EntityKind, OpKind};
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use crate::clock::now;
use crate::write::Write;
use crate::{Result, Store, StoreError};

/// Figures pulled from the node for one scope and month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredInput {
    pub prefix: String,
    pub month: String,
    /// `reports::ReportInput` as JSON.
    pub input: String,
    pub pulled_at: String,
}

/// A draft's JSON and who last changed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredDraft {
    pub draft: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// An issued report as kept here, with whether the node has it yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedRecord {
    pub number: String,
    pub prefix: String,
    pub month: String,
    pub version: u32,
    /// `reports::IssuedReport` as JSON.
    pub issued: String,
    pub sha256: String,
    pub issued_at: String,
    pub pdf_bytes: u64,
    /// The node's answer to its submission: `applied`, `duplicate`, `rejected`, or `None`
    /// while it waits in the outbox.
    pub submission: Option<String>,
    pub submission_reason: Option<String>,
}

/// A report to issue: its row and the op that submits it.
pub struct NewIssued<'a> {
    pub number: &'a str,
    pub prefix: &'a str,
    pub month: &'a str,
    pub version: u32,
    pub issued: &'a str,
    pub sha256: &'a str,
    pub pdf: &'a [u8],
    pub csv: &'a [u8],
    pub issued_at: &'a str,
    /// The submission (`reports::Submission` JSON), the outbox op's payload.
    pub submission: &'a str,
}

const ISSUED: &str = "SELECT r.number, r.prefix, r.month, r.version, r.issued, r.sha256, \
    r.issued_at, length(r.pdf), res.outcome, res.reason \
    FROM issued_reports r \
    LEFT JOIN outbox o ON o.entity = 'report' AND o.entity_id = r.number \
    LEFT JOIN op_results res ON res.seq = o.seq";

fn issued_of(r: &Row<'_>) -> rusqlite::Result<IssuedRecord> {
    Ok(IssuedRecord {
        number: r.get(0)?,
        prefix: r.get(1)?,
        month: r.get(2)?,
        version: r.get(3)?,
        issued: r.get(4)?,
        sha256: r.get(5)?,
        issued_at: r.get(6)?,
        pdf_bytes: u64::try_from(r.get::<_, i64>(7)?).unwrap_or(0),
        submission: r.get(8)?,
        submission_reason: r.get(9)?,
    })
}

impl Store {
    /// Keeps the figures just pulled for `prefix` and `month`, replacing older ones.
    pub fn save_report_input(&mut self, prefix: &str, month: &str, input: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO report_inputs (prefix, month, input, pulled_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (prefix, month) DO UPDATE SET input = excluded.input, \
             pulled_at = excluded.pulled_at",
            params![prefix, month, input, now()],
        )?;
        Ok(())
    }

    /// The figures last pulled for `month`: of `prefix`, or of the scope pulled most recently.
    pub fn report_input(&self, prefix: Option<&str>, month: &str) -> Result<Option<StoredInput>> {
        Ok(self
            .conn
            .query_row(
                "SELECT prefix, month, input, pulled_at FROM report_inputs \
                 WHERE month = ?1 AND (?2 IS NULL OR prefix = ?2) \
                 ORDER BY pulled_at DESC LIMIT 1",
                params![month, prefix],
                |r| {
                    Ok(StoredInput {
                        prefix: r.get(0)?,
                        month: r.get(1)?,
                        input: r.get(2)?,
                        pulled_at: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// The months with figures pulled, newest first.
    pub fn report_months(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT month FROM report_inputs ORDER BY month DESC")?;
        let months = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(months)
    }

    pub fn save_report_draft(
        &mut self,
        actor: &str,
        prefix: &str,
        month: &str,
        draft: &str,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO report_drafts (prefix, month, draft, updated_at, updated_by) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (prefix, month) DO UPDATE SET \
             draft = excluded.draft, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by",
            params![prefix, month, draft, now(), actor],
        )?;
        Ok(())
    }

    pub fn report_draft(&self, prefix: &str, month: &str) -> Result<Option<StoredDraft>> {
        Ok(self
            .conn
            .query_row(
                "SELECT draft, updated_at, updated_by FROM report_drafts \
                 WHERE prefix = ?1 AND month = ?2",
                params![prefix, month],
                |r| {
                    Ok(StoredDraft {
                        draft: r.get(0)?,
                        updated_at: r.get(1)?,
                        updated_by: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Issues a report: the immutable row, the op submitting it to the node and the audit
    /// entry, in one transaction. A number issued already is refused.
    pub fn issue_report(&mut self, actor: &str, new: &NewIssued<'_>) -> Result<IssuedRecord> {
        let tx = Self::write_tx(&mut self.conn)?;
        let taken: Option<String> = tx
            .query_row(
                "SELECT number FROM issued_reports WHERE number = ?1 \
                 OR (prefix = ?2 AND month = ?3 AND version = ?4)",
                params![new.number, new.prefix, new.month, new.version],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(number) = taken {
            return Err(StoreError::ReportIssued(number));
        }
        tx.execute(
            "INSERT INTO issued_reports (number, prefix, month, version, issued, sha256, pdf, \
             csv, issued_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                new.number,
                new.prefix,
                new.month,
                new.version,
                new.issued,
                new.sha256,
                new.pdf,
                new.csv,
                new.issued_at
            ],
        )?;
        let (at, hlc) = (now(), self.clock.now());
        Self::record_and_commit(
            tx,
            &Write {
                entity: EntityKind::Report,
                actor,
                action: "issue",
                entity_id: new.number,
                kind: OpKind::Create,
                payload: new.submission,
                at: &at,
                hlc: &hlc,
            },
        )?;
        self.issued_report(new.number)?
            .ok_or_else(|| StoreError::Corrupt(format!("report {} vanished", new.number)))
    }

    /// Issued reports, newest month first, each month's versions newest first.
    pub fn issued_reports(&self) -> Result<Vec<IssuedRecord>> {
        let mut stmt = self.conn.prepare(&format!(
            "{ISSUED} ORDER BY r.month DESC, r.prefix, r.version DESC"
        ))?;
        let rows = stmt
            .query_map([], issued_of)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn issued_report(&self, number: &str) -> Result<Option<IssuedRecord>> {
        Ok(self
            .conn
            .query_row(
                &format!("{ISSUED} WHERE r.number = ?1"),
                [number],
                issued_of,
            )
            .optional()?)
    }

    /// An issued report's PDF and CSV, as issued.
    pub fn issued_report_files(&self, number: &str) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT pdf, csv FROM issued_reports WHERE number = ?1",
                [number],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }
}

/// The lab's own figures for a month, as this workstation's records tell them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BusinessCounts {
    /// Label copies printed (jobs done) in the month.
    pub labels_printed: u64,
    /// Instruments whose calibration was due before the month's end and is not renewed.
    pub instruments_overdue: u64,
    /// Orders received by the month's end, by service code and state code (their state now).
    pub orders: Vec<(String, String, u64)>,
    /// Orders returned in the month: service code, received and returned (RFC 3339).
    pub returned: Vec<(String, String, String)>,
}

impl Store {
    /// Business figures for the month `[from, to)` (RFC 3339 UTC); `last_day` is the month's
    /// last date (`YYYY-MM-DD`), against which calibrations are overdue.
    pub fn report_business(&self, from: &str, to: &str, last_day: &str) -> Result<BusinessCounts> {
        let labels: i64 = self.conn.query_row(
            "SELECT coalesce(sum(copies), 0) FROM print_jobs \
             WHERE state = 'done' AND done_at >= ?1 AND done_at < ?2",
            [from, to],
            |r| r.get(0),
        )?;
        let overdue: i64 = self.conn.query_row(
            "SELECT count(*) FROM instruments \
             WHERE deleted_at IS NULL AND cal_next_due IS NOT NULL AND cal_next_due < ?1",
            [last_day],
            |r| r.get(0),
        )?;
        let mut stmt = self.conn.prepare(
            "SELECT service, state, count(*) FROM orders WHERE created_at < ?1 \
             GROUP BY service, state ORDER BY service, state",
        )?;
        let orders = stmt
            .query_map([to], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut stmt = self.conn.prepare(
            "SELECT service, created_at, closed_at FROM orders \
             WHERE state = 'returned' AND closed_at >= ?1 AND closed_at < ?2 ORDER BY closed_at",
        )?;
        let returned = stmt
            .query_map([from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(BusinessCounts {
            labels_printed: u64::try_from(labels).unwrap_or(0),
            instruments_overdue: u64::try_from(overdue).unwrap_or(0),
            orders,
            returned,
        })
    }
}
