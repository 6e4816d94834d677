//! Labels and printing: templates, printer profiles, label settings and the print queue with its
//! history. Bodies are JSON the `labels` crate defines; the store keeps them and their
//! bookkeeping. Every print, reprint, cancel and completed print writes a hash-chained audit
//! entry in the same transaction as the queue change (entity `label`, the instrument's
//! identifier, so the instrument's history shows its labels). Prints are local: no outbox op.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::json;

use crate::clock::now;
use crate::{audit, Result, Store, StoreError};

/// The kinds of stored label things, for not-found errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelThing {
    Template,
    Printer,
    PrintJob,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Sending,
    Done,
    Failed,
    Cancelled,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Sending => "sending",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        [
            JobState::Queued,
            JobState::Sending,
            JobState::Done,
            JobState::Failed,
            JobState::Cancelled,
        ]
        .into_iter()
        .find(|j| j.as_str() == s)
    }
}

/// A job to queue: the exact bytes for the printer and a preview of the label.
#[derive(Debug, Clone)]
pub struct NewPrintJob {
    pub batch_id: Option<String>,
    pub printer: String,
    pub identifier: String,
    pub template: String,
    pub format: String,
    pub copies: u32,
    pub payload: Vec<u8>,
    pub preview_png: Vec<u8>,
    pub reprint_of: Option<i64>,
    pub reason: Option<String>,
}

/// A queued or printed job, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrintJob {
    pub id: i64,
    pub batch_id: Option<String>,
    pub printer: String,
    pub identifier: String,
    pub template: String,
    pub format: String,
    pub copies: u32,
    pub payload_sha256: String,
    pub payload_bytes: i64,
    pub state: JobState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub reprint_of: Option<i64>,
    pub reason: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub done_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    pub state: Option<JobState>,
    pub identifier: Option<String>,
    pub printer: Option<String>,
    pub batch_id: Option<String>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelSettings {
    pub resolver_host: String,
    pub qr_ecc: String,
}

const JOB_COLUMNS: &str = "id, batch_id, printer, identifier, template, format, copies,
     payload_sha256, length(payload), state, attempts, last_error, reprint_of, reason,
     created_by, created_at, updated_at, done_at";

fn job_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PrintJob> {
    let state: String = r.get(9)?;
    Ok(PrintJob {
        id: r.get(0)?,
        batch_id: r.get(1)?,
        printer: r.get(2)?,
        identifier: r.get(3)?,
        template: r.get(4)?,
        format: r.get(5)?,
        copies: r.get(6)?,
        payload_sha256: r.get(7)?,
        payload_bytes: r.get(8)?,
        state: JobState::parse(&state).unwrap_or(JobState::Failed),
        attempts: r.get(10)?,
        last_error: r.get(11)?,
        reprint_of: r.get(12)?,
        reason: r.get(13)?,
        created_by: r.get(14)?,
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
        done_at: r.get(17)?,
    })
}

fn sha256_bytes(b: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(b))
}

/// Appends an audit entry for a label action (no outbox op: prints are not synced).
fn audit_label(
    tx: &Transaction<'_>,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    after: &serde_json::Value,
    at: &str,
) -> Result<()> {
    let after = after.to_string();
    audit::append_one(
        tx,
        &audit::NewEntry {
            at,
            actor,
            action,
            entity,
            entity_id,
            op_id: None,
            payload_sha256: None,
            before: None,
            after: Some(&after),
        },
    )
}

/// The tables that keep a JSON body per name (label templates, printer profiles).
#[derive(Clone, Copy)]
enum NamedBodies {
    LabelTemplates,
    Printers,
}

impl NamedBodies {
    fn as_str(self) -> &'static str {
        match self {
            NamedBodies::LabelTemplates => "label_templates",
            NamedBodies::Printers => "printers",
        }
    }

    fn thing(self) -> LabelThing {
        match self {
            NamedBodies::LabelTemplates => LabelThing::Template,
            NamedBodies::Printers => LabelThing::Printer,
        }
    }

    /// Creates or replaces the body kept under `name`.
    fn save(self, tx: &Transaction<'_>, name: &str, body: &str, at: &str) -> Result<()> {
        let sql = format!(
            "INSERT INTO {} (name, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            self.as_str()
        );
        tx.execute(&sql, params![name, body, at])?;
        Ok(())
    }

    /// Deletes the body kept under `name`; a name that is not there is an error.
    fn delete(self, tx: &Transaction<'_>, name: &str) -> Result<()> {
        let sql = format!("DELETE FROM {} WHERE name = ?1", self.as_str());
        if tx.execute(&sql, [name])? == 0 {
            return Err(StoreError::LabelNotFound(self.thing(), name.into()));
        }
        Ok(())
    }
}

impl Store {
    // ---- templates -------------------------------------------------------------------------

    /// Creates or replaces a label template (audited).
    pub fn save_label_template(&mut self, actor: &str, name: &str, body: &str) -> Result<()> {
        let tx = Self::write_tx(&mut self.conn)?;
        let at = now();
        NamedBodies::LabelTemplates.save(&tx, name, body, &at)?;
        audit_label(
            &tx,
            actor,
            "label_template_save",
            "label_template",
            name,
            &json!({ "sha256": audit::sha256_hex(body) }),
            &at,
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn label_template(&self, name: &str) -> Result<Option<String>> {
        self.body_named(NamedBodies::LabelTemplates, name)
    }

    pub fn list_label_templates(&self) -> Result<Vec<(String, String)>> {
        self.bodies(NamedBodies::LabelTemplates)
    }

    pub fn delete_label_template(&mut self, actor: &str, name: &str) -> Result<()> {
        let tx = Self::write_tx(&mut self.conn)?;
        NamedBodies::LabelTemplates.delete(&tx, name)?;
        let at = now();
        audit_label(
            &tx,
            actor,
            "label_template_delete",
            "label_template",
            name,
            &json!({}),
            &at,
        )?;
        tx.commit()?;
        Ok(())
    }

    // ---- printers --------------------------------------------------------------------------

    /// Adds a printer profile; `replace` allows overwriting one of the same name.
    pub fn save_printer(
        &mut self,
        actor: &str,
        name: &str,
        body: &str,
        replace: bool,
    ) -> Result<()> {
        let tx = Self::write_tx(&mut self.conn)?;
        let exists: bool = tx
            .query_row("SELECT 1 FROM printers WHERE name = ?1", [name], |_| {
                Ok(true)
            })
            .optional()?
            .unwrap_or(false);
        if exists && !replace {
            return Err(StoreError::PrinterExists(name.into()));
        }
        let at = now();
        NamedBodies::Printers.save(&tx, name, body, &at)?;
        let profile: serde_json::Value = serde_json::from_str(body)?;
        audit_label(&tx, actor, "printer_save", "printer", name, &profile, &at)?;
        tx.commit()?;
        Ok(())
    }

    pub fn printer(&self, name: &str) -> Result<Option<String>> {
        self.body_named(NamedBodies::Printers, name)
    }

    pub fn list_printers(&self) -> Result<Vec<(String, String)>> {
        self.bodies(NamedBodies::Printers)
    }

    fn body_named(&self, table: NamedBodies, name: &str) -> Result<Option<String>> {
        let sql = format!("SELECT body FROM {} WHERE name = ?1", table.as_str());
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([name], |r| r.get(0))
            .optional()?)
    }

    /// Every `(name, body)` of the table, by name.
    fn bodies(&self, table: NamedBodies) -> Result<Vec<(String, String)>> {
        let sql = format!("SELECT name, body FROM {} ORDER BY name", table.as_str());
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Removes a printer profile. Its jobs stay in the history; queued ones are cancelled with
    /// `note` (in the reader's language) as their error.
    pub fn remove_printer(&mut self, actor: &str, name: &str, note: &str) -> Result<()> {
        let tx = Self::write_tx(&mut self.conn)?;
        NamedBodies::Printers.delete(&tx, name)?;
        let at = now();
        let cancelled = tx.execute(
            "UPDATE print_jobs SET state = 'cancelled', last_error = ?3, updated_at = ?2
             WHERE printer = ?1 AND state IN ('queued', 'sending', 'failed')",
            params![name, at, note],
        )?;
        audit_label(
            &tx,
            actor,
            "printer_remove",
            "printer",
            name,
            &json!({ "cancelled_jobs": cancelled }),
            &at,
        )?;
        tx.commit()?;
        Ok(())
    }

    // ---- settings --------------------------------------------------------------------------

    pub fn label_settings(&self) -> Result<LabelSettings> {
        Ok(self.conn.query_row(
            "SELECT resolver_host, qr_ecc FROM label_settings WHERE id = 1",
            [],
            |r| {
                Ok(LabelSettings {
                    resolver_host: r.get(0)?,
                    qr_ecc: r.get(1)?,
                })
            },
        )?)
    }

    pub fn set_label_settings(&mut self, actor: &str, s: &LabelSettings) -> Result<()> {
        let tx = Self::write_tx(&mut self.conn)?;
        tx.execute(
            "UPDATE label_settings SET resolver_host = ?1, qr_ecc = ?2 WHERE id = 1",
            params![s.resolver_host, s.qr_ecc],
        )?;
        let at = now();
        audit_label(
            &tx,
            actor,
            "label_settings",
            "label_settings",
            "1",
            &json!({ "resolver_host": s.resolver_host, "qr_ecc": s.qr_ecc }),
            &at,
        )?;
        tx.commit()?;
        Ok(())
    }

    // ---- the print queue -------------------------------------------------------------------

    /// Queues jobs, all or none, each with its audit entry (`print`, or `reprint` with its reason).
    pub fn enqueue_print_jobs(&mut self, actor: &str, jobs: &[NewPrintJob]) -> Result<Vec<i64>> {
        let tx = Self::write_tx(&mut self.conn)?;
        let at = now();
        let mut ids = Vec::with_capacity(jobs.len());
        let mut chain = audit::Chain::load(&tx)?;
        for j in jobs {
            let sha = sha256_bytes(&j.payload);
            tx.prepare_cached(
                "INSERT INTO print_jobs (batch_id, printer, identifier, template, format, copies,
                     payload, payload_sha256, preview_png, state, reprint_of, reason, created_by,
                     created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'queued', ?10, ?11, ?12, ?13, ?13)",
            )?
            .execute(params![
                j.batch_id,
                j.printer,
                j.identifier,
                j.template,
                j.format,
                j.copies,
                j.payload,
                sha,
                j.preview_png,
                j.reprint_of,
                j.reason,
                actor,
                at
            ])?;
            let id = tx.last_insert_rowid();
            let after = json!({
                "job": id,
                "printer": j.printer,
                "template": j.template,
                "format": j.format,
                "copies": j.copies,
                "payload_sha256": sha,
                "reprint_of": j.reprint_of,
                "reason": j.reason,
                "batch": j.batch_id,
            })
            .to_string();
            chain.append(
                &tx,
                &audit::NewEntry {
                    at: &at,
                    actor,
                    action: if j.reprint_of.is_some() {
                        "reprint"
                    } else {
                        "print"
                    },
                    entity: "label",
                    entity_id: &j.identifier,
                    op_id: None,
                    payload_sha256: None,
                    before: None,
                    after: Some(&after),
                },
            )?;
            ids.push(id);
        }
        chain.save(&tx)?;
        tx.commit()?;
        Ok(ids)
    }

    pub fn print_job(&self, id: i64) -> Result<PrintJob> {
        self.conn
            .query_row(
                &format!("SELECT {JOB_COLUMNS} FROM print_jobs WHERE id = ?1"),
                [id],
                job_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::LabelNotFound(LabelThing::PrintJob, id.to_string()))
    }

    /// The exact bytes of a job.
    pub fn print_job_payload(&self, id: i64) -> Result<Vec<u8>> {
        self.conn
            .query_row("SELECT payload FROM print_jobs WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| StoreError::LabelNotFound(LabelThing::PrintJob, id.to_string()))
    }

    pub fn print_job_preview(&self, id: i64) -> Result<Vec<u8>> {
        self.conn
            .query_row(
                "SELECT preview_png FROM print_jobs WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::LabelNotFound(LabelThing::PrintJob, id.to_string()))
    }

    /// Jobs newest first.
    pub fn list_print_jobs(&self, f: &JobFilter) -> Result<Vec<PrintJob>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {JOB_COLUMNS} FROM print_jobs
             WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR identifier = ?2)
               AND (?3 IS NULL OR printer = ?3) AND (?4 IS NULL OR batch_id = ?4)
             ORDER BY id DESC LIMIT ?5"
        ))?;
        let limit = if f.limit == 0 { 100 } else { f.limit };
        let rows = stmt.query_map(
            params![
                f.state.map(JobState::as_str),
                f.identifier,
                f.printer,
                f.batch_id,
                limit
            ],
            job_from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Queued jobs in the order they were queued (what the queue runner sends next).
    pub fn queued_print_jobs(&self, limit: u32) -> Result<Vec<PrintJob>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {JOB_COLUMNS} FROM print_jobs WHERE state = 'queued' ORDER BY id LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit], job_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Jobs left `sending` by a crash become `failed` with `note` as their error, audited: the
    /// printer may or may not have printed them, so a person checks and retries (or cancels);
    /// resending by itself could print a label twice. The caller makes sure no process is still
    /// sending them. Returns how many.
    pub fn fail_interrupted_jobs(&mut self, actor: &str, note: &str) -> Result<usize> {
        let tx = Self::write_tx(&mut self.conn)?;
        let interrupted: Vec<(i64, String)> = {
            let mut stmt =
                tx.prepare("SELECT id, identifier FROM print_jobs WHERE state = 'sending'")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let at = now();
        for (id, identifier) in &interrupted {
            tx.execute(
                "UPDATE print_jobs SET state = 'failed', last_error = ?2, updated_at = ?3
                 WHERE id = ?1",
                params![id, note, at],
            )?;
            audit_label(
                &tx,
                actor,
                "print_interrupted",
                "label",
                identifier,
                &json!({ "job": id, "error": note }),
                &at,
            )?;
        }
        tx.commit()?;
        Ok(interrupted.len())
    }

    fn set_job_state(
        &mut self,
        id: i64,
        from: &[JobState],
        to: JobState,
        audit_action: Option<(&str, &str, serde_json::Value)>,
        error: Option<&str>,
    ) -> Result<PrintJob> {
        let tx = Self::write_tx(&mut self.conn)?;
        let current: Option<(String, String)> = tx
            .query_row(
                "SELECT state, identifier FROM print_jobs WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((state, identifier)) = current else {
            return Err(StoreError::LabelNotFound(
                LabelThing::PrintJob,
                id.to_string(),
            ));
        };
        let state = JobState::parse(&state).unwrap_or(JobState::Failed);
        if !from.contains(&state) {
            return Err(StoreError::JobState {
                id,
                state: state.as_str(),
            });
        }
        let at = now();
        tx.execute(
            "UPDATE print_jobs SET state = ?2, updated_at = ?3,
                 attempts = attempts + (?2 = 'sending'),
                 last_error = CASE WHEN ?2 = 'done' THEN NULL ELSE coalesce(?4, last_error) END,
                 done_at = CASE WHEN ?2 = 'done' THEN ?3 ELSE done_at END
             WHERE id = ?1",
            params![id, to.as_str(), at, error],
        )?;
        if let Some((actor, action, after)) = audit_action {
            audit_label(&tx, actor, action, "label", &identifier, &after, &at)?;
        }
        tx.commit()?;
        self.print_job(id)
    }

    /// queued -> sending (counts an attempt).
    pub fn start_print_job(&mut self, id: i64) -> Result<PrintJob> {
        self.set_job_state(id, &[JobState::Queued], JobState::Sending, None, None)
    }

    /// sending -> done, audited: the label is printed.
    pub fn complete_print_job(&mut self, actor: &str, id: i64) -> Result<PrintJob> {
        self.set_job_state(
            id,
            &[JobState::Sending],
            JobState::Done,
            Some((actor, "printed", json!({ "job": id }))),
            None,
        )
    }

    /// sending -> queued (the printer may come back) or failed (it refused the job).
    pub fn fail_print_job(
        &mut self,
        actor: &str,
        id: i64,
        error: &str,
        keep_queued: bool,
    ) -> Result<PrintJob> {
        if keep_queued {
            self.set_job_state(
                id,
                &[JobState::Sending],
                JobState::Queued,
                None,
                Some(error),
            )
        } else {
            self.set_job_state(
                id,
                &[JobState::Sending],
                JobState::Failed,
                Some((actor, "print_failed", json!({ "job": id, "error": error }))),
                Some(error),
            )
        }
    }

    /// failed -> queued.
    pub fn retry_print_job(&mut self, actor: &str, id: i64) -> Result<PrintJob> {
        self.set_job_state(
            id,
            &[JobState::Failed],
            JobState::Queued,
            Some((actor, "print_retry", json!({ "job": id }))),
            None,
        )
    }

    /// queued or failed -> cancelled, audited.
    pub fn cancel_print_job(&mut self, actor: &str, id: i64) -> Result<PrintJob> {
        self.set_job_state(
            id,
            &[JobState::Queued, JobState::Failed],
            JobState::Cancelled,
            Some((actor, "print_cancel", json!({ "job": id }))),
            None,
        )
    }
}
