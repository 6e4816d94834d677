//! The print queue: one label or a batch goes in (rendered and stored first), then is sent;
//! retry, cancel, reprint with a reason, the queue and history, and sending what an offline
//! printer left queued.

use std::fs::{File, TryLockError};

use idstation_labels::{Language, PrinterProfile, Transport, TransportError};
use idstation_store::{JobFilter, JobState, NewPrintJob};

use super::{timeout, LabelRequest, PrintJob, PrintProgress, QueueReport, MAX_ATTEMPTS};
use crate::{Result, Workstation, WsError};

/// The file in the data folder that a send holds locked from `sending` to its outcome, in
/// whichever process sends: a job marked `sending` while nobody holds it was cut off by a crash.
/// The operating system releases the lock of a process that dies.
const SEND_LOCK: &str = "print-send.lock";

impl Workstation {
    fn new_job(
        &self,
        p: &PrinterProfile,
        req: &LabelRequest,
        batch_id: Option<String>,
    ) -> Result<NewPrintJob> {
        let r = self.render_for(p, req)?;
        let identifier = self
            .find(&req.identifier)?
            .instrument
            .identifier
            .to_string();
        Ok(NewPrintJob {
            batch_id,
            printer: p.name.clone(),
            identifier,
            template: req.template.clone(),
            format: r.format.as_str().to_string(),
            copies: req.copies.max(1),
            payload: r.bytes,
            preview_png: r.preview_png,
            reprint_of: None,
            reason: None,
        })
    }

    /// Queues one label and sends it now. A printer that does not answer leaves the job queued
    /// (see the returned state); bad input queues nothing.
    pub fn print_label(&mut self, printer: &str, req: &LabelRequest) -> Result<PrintJob> {
        let p = self.printer(printer)?;
        let job = self.new_job(&p, req, None)?;
        let ids = self.store.enqueue_print_jobs(&self.actor, &[job])?;
        let id = ids.first().copied().unwrap_or_default();
        self.send_job(id)
    }

    /// Queues a batch (all labels are rendered first: one bad record queues nothing), then sends
    /// them in order, calling `progress` after each.
    pub fn print_batch(
        &mut self,
        printer: &str,
        reqs: &[LabelRequest],
        progress: &mut dyn FnMut(PrintProgress),
    ) -> Result<QueueReport> {
        let p = self.printer(printer)?;
        let batch = uuid_like();
        let mut jobs = Vec::with_capacity(reqs.len());
        for r in reqs {
            jobs.push(
                self.new_job(&p, r, Some(batch.clone()))
                    .map_err(|e| WsError::InBatch(r.identifier.clone(), Box::new(e)))?,
            );
        }
        let ids = self.store.enqueue_print_jobs(&self.actor, &jobs)?;
        self.send_jobs(&ids, progress)
    }

    /// Sends the same bytes as an earlier job again. A reason is required and audited.
    pub fn reprint(&mut self, job_id: i64, reason: &str) -> Result<PrintJob> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(WsError::ReasonRequired);
        }
        let old = self.store.print_job(job_id)?;
        // The printer must still exist (its name is on the job).
        self.printer(&old.printer)?;
        let payload = self.store.print_job_payload(job_id)?;
        let preview_png = self.store.print_job_preview(job_id)?;
        let job = NewPrintJob {
            batch_id: None,
            printer: old.printer.clone(),
            identifier: old.identifier.clone(),
            template: old.template.clone(),
            format: old.format.clone(),
            copies: old.copies,
            payload,
            preview_png,
            reprint_of: Some(job_id),
            reason: Some(reason.to_string()),
        };
        let ids = self.store.enqueue_print_jobs(&self.actor, &[job])?;
        self.send_job(ids.first().copied().unwrap_or_default())
    }

    /// Sends every queued job, oldest first; a printer found offline keeps the rest of its jobs
    /// queued for the next run. Jobs a crash left `sending` are set aside first (see
    /// [`Workstation::recover_interrupted_print_jobs`]), never sent again by themselves.
    pub fn process_print_queue(
        &mut self,
        progress: &mut dyn FnMut(PrintProgress),
    ) -> Result<QueueReport> {
        self.recover_interrupted_print_jobs()?;
        let ids: Vec<i64> = self
            .store
            .queued_print_jobs(10_000)?
            .into_iter()
            .map(|j| j.id)
            .collect();
        self.send_jobs(&ids, progress)
    }

    /// Jobs a crash cut off while `sending` become `failed` with a note asking the person to
    /// check the printer and then retry or cancel: it may have printed them, and a label printed
    /// twice is worse than one held back. Jobs another process is still sending are left alone.
    /// Returns how many were set aside.
    pub fn recover_interrupted_print_jobs(&mut self) -> Result<usize> {
        let lock = self.open_send_lock()?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(0),
            Err(TryLockError::Error(source)) => return Err(self.send_lock_error(source)),
        }
        let note = crate::i18n::job_note(crate::i18n::JobNote::Interrupted, self.lang);
        Ok(self.store.fail_interrupted_jobs(&self.actor, &note)?)
    }

    fn open_send_lock(&self) -> Result<File> {
        File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.data_dir.join(SEND_LOCK))
            .map_err(|source| self.send_lock_error(source))
    }

    fn send_lock_error(&self, source: std::io::Error) -> WsError {
        WsError::Io {
            path: self.data_dir.join(SEND_LOCK),
            source,
        }
    }

    fn send_jobs(
        &mut self,
        ids: &[i64],
        progress: &mut dyn FnMut(PrintProgress),
    ) -> Result<QueueReport> {
        let mut report = QueueReport::default();
        let mut offline: Vec<String> = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let job = self.print_job(*id)?;
            let job = if offline.contains(&job.printer) {
                job
            } else {
                let j = self.send_job(*id)?;
                if j.state == JobState::Queued {
                    offline.push(j.printer.clone());
                }
                j
            };
            match job.state {
                JobState::Done => report.printed.push(job.id),
                JobState::Failed | JobState::Cancelled => report.failed.push(job.id),
                _ => report.still_queued.push(job.id),
            }
            progress(PrintProgress {
                done: i + 1,
                total: ids.len(),
                job_id: job.id,
                state: job.state,
            });
        }
        Ok(report)
    }

    /// One attempt at one queued job.
    fn send_job(&mut self, id: i64) -> Result<PrintJob> {
        self.attempt(id).map(PrintJob::from)
    }

    fn attempt(&mut self, id: i64) -> Result<idstation_store::PrintJob> {
        // Held until the outcome is stored; another process's send waits its turn.
        let lock = self.open_send_lock()?;
        lock.lock().map_err(|source| self.send_lock_error(source))?;
        // Another connection (the window, the background queue) may have sent or cancelled it
        // while this one waited: then there is nothing to send.
        let current = self.store.print_job(id)?;
        if current.state != JobState::Queued {
            return Ok(current);
        }
        let job = self.store.start_print_job(id)?;
        let profile = match self.printer(&job.printer) {
            Ok(p) => p,
            Err(e) => {
                let msg = e.message(self.lang);
                return Ok(self.store.fail_print_job(&self.actor, id, &msg, false)?);
            }
        };
        let label_language = profile.language != Language::Pdf;
        // Label printers on a socket answer status queries: do not send into a paper-out printer.
        if matches!(profile.transport, Transport::Tcp { .. }) && label_language {
            let st = profile
                .transport
                .status(profile.language, timeout(&profile));
            if !st.is_ready() {
                let err = match st.state {
                    idstation_labels::PrinterState::Offline => {
                        TransportError::Offline(profile.transport.describe())
                    }
                    _ => TransportError::NotReady(st.flags.clone()),
                };
                return self.after_error(&job, &err);
            }
        }
        let payload = self.store.print_job_payload(id)?;
        let title = format!("IDStation {} {}", job.identifier, job.template);
        match profile.transport.send_with(
            &payload,
            label_language,
            &title,
            timeout(&profile),
            &profile.lp_options(),
        ) {
            Ok(()) => Ok(self.store.complete_print_job(&self.actor, id)?),
            Err(e) => self.after_error(&job, &e),
        }
    }

    fn after_error(
        &mut self,
        job: &idstation_store::PrintJob,
        e: &TransportError,
    ) -> Result<idstation_store::PrintJob> {
        let keep = e.is_transient() && job.attempts < MAX_ATTEMPTS;
        Ok(self.store.fail_print_job(
            &self.actor,
            job.id,
            &crate::i18n::transport_error(e, self.lang),
            keep,
        )?)
    }

    pub fn print_jobs(&self, filter: &JobFilter) -> Result<Vec<PrintJob>> {
        Ok(self
            .store
            .list_print_jobs(filter)?
            .into_iter()
            .map(PrintJob::from)
            .collect())
    }

    /// The queue and history, newest first, as a person asks for them: a state by name
    /// (`queued`, `done`, …; empty for all), one instrument in any form a scanner types.
    pub fn find_print_jobs(
        &self,
        state: Option<&str>,
        identifier: Option<&str>,
        limit: u32,
    ) -> Result<Vec<PrintJob>> {
        let state = match state.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(
                JobState::parse(s)
                    .ok_or_else(|| WsError::InvalidSetting("state", s.to_string()))?,
            ),
        };
        let identifier = identifier
            .filter(|i| !i.trim().is_empty())
            .map(|i| Self::parse_identifier(i).map(|x| x.to_string()))
            .transpose()?;
        self.print_jobs(&JobFilter {
            state,
            identifier,
            limit,
            ..Default::default()
        })
    }

    pub fn print_job(&self, id: i64) -> Result<PrintJob> {
        Ok(self.store.print_job(id)?.into())
    }

    /// The preview PNG kept with every job.
    pub fn print_job_preview(&self, id: i64) -> Result<Vec<u8>> {
        Ok(self.store.print_job_preview(id)?)
    }

    /// Tries a queued job now, or puts a failed one back in the queue and tries it once now.
    pub fn retry_print_job(&mut self, id: i64) -> Result<PrintJob> {
        if self.store.print_job(id)?.state != JobState::Queued {
            self.store.retry_print_job(&self.actor, id)?;
        }
        self.send_job(id)
    }

    pub fn cancel_print_job(&mut self, id: i64) -> Result<PrintJob> {
        Ok(self.store.cancel_print_job(&self.actor, id)?.into())
    }
}

fn uuid_like() -> String {
    use rand::Rng;
    let n: u128 = rand::thread_rng().gen();
    format!("{n:032x}")
}
