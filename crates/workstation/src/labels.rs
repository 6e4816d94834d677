//! Labels and printing use cases: render a label in any format, print it through the queue, batch
//! print with progress, reprint with a reason, retry and cancel, printer profiles and test prints.
//!
//! Printing goes through the queue in the store: a job is stored (bytes + preview + audit entry)
//! before anything is sent, so a crash or a dead printer never loses it. A printer that does not
//! answer leaves its jobs queued; [`Workstation::process_print_queue`] sends them when it is back.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Local;
use idstation_labels::{
    template, Format, LabelData, LabelError, LabelTemplate, Language, PrinterProfile,
    PrinterStatus, RenderOptions, Renderer, Transport, TransportError, ZplOptions,
};
use idstation_store::{JobFilter, JobState, LabelSettings, NewPrintJob, PrintJob, StoreError};
use serde::Serialize;

use crate::{Result, Workstation, WsError};

/// After this many attempts a job that still cannot reach its printer is marked failed.
pub const MAX_ATTEMPTS: i64 = 50;

/// One label to make: which instrument, which template, and values the record does not hold
/// (`restriction` for 准用 labels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelRequest {
    pub identifier: String,
    pub template: String,
    pub extra: BTreeMap<String, String>,
    pub copies: u32,
}

impl LabelRequest {
    pub fn new(identifier: &str, template: &str) -> LabelRequest {
        LabelRequest {
            identifier: identifier.to_string(),
            template: template.to_string(),
            extra: BTreeMap::new(),
            copies: 1,
        }
    }
}

/// A rendered label: the bytes in the asked format and the PNG preview.
#[derive(Debug, Clone)]
pub struct RenderedFile {
    pub format: Format,
    pub bytes: Vec<u8>,
    pub preview_png: Vec<u8>,
    pub qr_payload: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TemplateInfo {
    pub name: String,
    pub title: String,
    pub builtin: bool,
    pub width_mm: f32,
    pub height_mm: f32,
}

/// Progress of a batch or a queue run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PrintProgress {
    pub done: usize,
    pub total: usize,
    pub job_id: i64,
    pub state: JobState,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct QueueReport {
    pub printed: Vec<i64>,
    pub still_queued: Vec<i64>,
    pub failed: Vec<i64>,
}

fn timeout(p: &PrinterProfile) -> Duration {
    Duration::from_millis(p.timeout_ms)
}

impl Workstation {
    fn renderer(&self) -> Result<&Renderer> {
        if self.renderer.get().is_none() {
            let r = Renderer::new()?;
            let _ = self.renderer.set(r);
        }
        self.renderer.get().ok_or(WsError::Label(LabelError::Font))
    }

    // ---- templates -------------------------------------------------------------------------

    /// A stored template of that name, else the built-in one.
    pub fn label_template(&self, name: &str) -> Result<LabelTemplate> {
        if let Some(body) = self.store.label_template(name)? {
            return Ok(LabelTemplate::from_json(&body)?);
        }
        template::builtin(name).ok_or_else(|| WsError::UnknownTemplate(name.to_string()))
    }

    pub fn list_label_templates(&self) -> Result<Vec<TemplateInfo>> {
        let mut out: Vec<TemplateInfo> = Vec::new();
        let stored = self.store.list_label_templates()?;
        for name in template::builtin_names() {
            if stored.iter().any(|(n, _)| n == name) {
                continue;
            }
            if let Some(t) = template::builtin(name) {
                out.push(TemplateInfo {
                    name: t.name,
                    title: t.title,
                    builtin: true,
                    width_mm: t.width_mm,
                    height_mm: t.height_mm,
                });
            }
        }
        for (_, body) in stored {
            if let Ok(t) = LabelTemplate::from_json(&body) {
                out.push(TemplateInfo {
                    name: t.name,
                    title: t.title,
                    builtin: false,
                    width_mm: t.width_mm,
                    height_mm: t.height_mm,
                });
            }
        }
        Ok(out)
    }

    /// Stores a template from its JSON (checked first; a bad one changes nothing).
    pub fn save_label_template(&mut self, json: &str) -> Result<LabelTemplate> {
        let t = LabelTemplate::from_json(json)?;
        self.store
            .save_label_template(&self.actor, &t.name, &t.to_json())?;
        Ok(t)
    }

    pub fn delete_label_template(&mut self, name: &str) -> Result<()> {
        Ok(self.store.delete_label_template(&self.actor, name)?)
    }

    pub fn label_settings(&self) -> Result<LabelSettings> {
        Ok(self.store.label_settings()?)
    }

    /// Sets the resolver host used in QR payloads and the default QR error correction (M or Q…).
    pub fn set_label_settings(
        &mut self,
        resolver_host: Option<&str>,
        qr_ecc: Option<&str>,
    ) -> Result<LabelSettings> {
        let mut s = self.store.label_settings()?;
        if let Some(h) = resolver_host {
            let h = h
                .trim()
                .trim_start_matches("https://")
                .trim_end_matches('/');
            let ok = !h.is_empty()
                && h.len() <= 253
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.:".contains(c));
            if !ok {
                return Err(WsError::InvalidSetting("resolver_host", h.to_string()));
            }
            s.resolver_host = h.to_ascii_lowercase();
        }
        if let Some(e) = qr_ecc {
            let ecc = idstation_labels::Ecc::parse(e)
                .ok_or_else(|| WsError::InvalidSetting("qr_ecc", e.to_string()))?;
            s.qr_ecc = ecc.as_char().to_string();
        }
        self.store.set_label_settings(&self.actor, &s)?;
        Ok(s)
    }

    // ---- rendering -------------------------------------------------------------------------

    fn label_data(&self, req: &LabelRequest) -> Result<(LabelTemplate, LabelData)> {
        let record = self.find(&req.identifier)?;
        if record.deleted_at.is_some() {
            return Err(StoreError::Deleted(record.instrument.identifier.to_string()).into());
        }
        let t = self.label_template(&req.template)?;
        let settings = self.store.label_settings()?;
        let data =
            LabelData::from_instrument(&record.instrument, &settings.resolver_host, &req.extra);
        Ok((t, data))
    }

    fn ecc(&self) -> Result<idstation_labels::Ecc> {
        Ok(idstation_labels::Ecc::parse(&self.store.label_settings()?.qr_ecc).unwrap_or_default())
    }

    /// Renders a label to a file format without printing (`dpi`: 203/300/600, default the
    /// template's). ZPL/TSPL get default printer settings.
    pub fn render_label(
        &self,
        req: &LabelRequest,
        format: Format,
        dpi: Option<u32>,
        ecc: Option<idstation_labels::Ecc>,
    ) -> Result<RenderedFile> {
        let (t, data) = self.label_data(req)?;
        let opts = RenderOptions {
            dpi,
            ecc: match ecc {
                Some(e) => e,
                None => self.ecc()?,
            },
        };
        let label = self.renderer()?.render(&t, &data, &opts)?;
        let preview_png = idstation_labels::to_png(&label)?;
        let zo = ZplOptions {
            copies: req.copies.max(1),
            ..Default::default()
        };
        let bytes = match format {
            Format::Zpl => idstation_labels::to_zpl(&label, &zo),
            Format::Tspl => idstation_labels::to_tspl(&label, 2.0, &zo),
            Format::Pdf => idstation_labels::to_pdf(&label, &t.title)?,
            Format::Png => preview_png.clone(),
        };
        Ok(RenderedFile {
            format,
            bytes,
            preview_png,
            qr_payload: data.qr_payload,
        })
    }

    /// Renders for a printer: its language, resolution, darkness and offset.
    fn render_for(&self, p: &PrinterProfile, req: &LabelRequest) -> Result<RenderedFile> {
        let (t, data) = self.label_data(req)?;
        let opts = RenderOptions {
            dpi: Some(p.dpi),
            ecc: self.ecc()?,
        };
        let label = self.renderer()?.render(&t, &data, &opts)?;
        let preview_png = idstation_labels::to_png(&label)?;
        let zo = ZplOptions {
            native_qr: p.native_qr,
            darkness: p.darkness,
            offset_x: idstation_labels::mm_to_dots(p.offset_x_mm, p.dpi),
            offset_y: idstation_labels::mm_to_dots(p.offset_y_mm, p.dpi),
            copies: req.copies.max(1),
        };
        let format = p.language.format();
        let bytes = match p.language {
            Language::Zpl => idstation_labels::to_zpl(&label, &zo),
            Language::Tspl => idstation_labels::to_tspl(&label, p.gap_mm, &zo),
            Language::Pdf => idstation_labels::to_pdf(&label, &t.title)?,
        };
        Ok(RenderedFile {
            format,
            bytes,
            preview_png,
            qr_payload: data.qr_payload,
        })
    }

    // ---- printers --------------------------------------------------------------------------

    /// Adds (or with `replace`, changes) a printer profile. A bad profile changes nothing.
    pub fn add_printer(&mut self, p: &PrinterProfile, replace: bool) -> Result<()> {
        let problems = p.problems();
        if !problems.is_empty() {
            return Err(WsError::InvalidPrinter(
                problems
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            ));
        }
        let body = serde_json::to_string(p).map_err(StoreError::from)?;
        Ok(self
            .store
            .save_printer(&self.actor, &p.name, &body, replace)?)
    }

    pub fn printer(&self, name: &str) -> Result<PrinterProfile> {
        let body = self.store.printer(name)?.ok_or_else(|| {
            StoreError::LabelNotFound(idstation_store::LabelThing::Printer, name.to_string())
        })?;
        Ok(serde_json::from_str(&body).map_err(StoreError::from)?)
    }

    pub fn list_printers(&self) -> Result<Vec<PrinterProfile>> {
        let mut out = Vec::new();
        for (_, body) in self.store.list_printers()? {
            out.push(serde_json::from_str(&body).map_err(StoreError::from)?);
        }
        Ok(out)
    }

    pub fn remove_printer(&mut self, name: &str) -> Result<()> {
        let note = crate::i18n::job_note(crate::i18n::JobNote::PrinterRemoved, self.lang);
        Ok(self.store.remove_printer(&self.actor, name, note)?)
    }

    /// Asks the printer how it is (Zebra `~HS`, TSC `<ESC>!?`; silence = offline).
    pub fn printer_status(&self, name: &str) -> Result<PrinterStatus> {
        let p = self.printer(name)?;
        Ok(p.transport.status(p.language, timeout(&p)))
    }

    /// Prints a test label on a printer right away (not queued): its name, resolution, the
    /// date and a QR code. Returns the status seen before sending.
    pub fn test_print(&mut self, name: &str) -> Result<PrinterStatus> {
        let p = self.printer(name)?;
        let status = p.transport.status(p.language, timeout(&p));
        if !status.is_ready() {
            return Err(WsError::PrinterNotReady(name.to_string(), status));
        }
        let mut data = LabelData {
            qr_payload: format!("IDSTATION TEST {}", p.name.to_ascii_uppercase()),
            ..Default::default()
        };
        data.fields.insert("printer".into(), p.name.clone());
        data.fields.insert(
            "when".into(),
            Local::now().format("%Y-%m-%d %H:%M").to_string(),
        );
        data.fields.insert(
            "spec".into(),
            format!(
                "{} {} dpi {}",
                p.language.as_str().to_uppercase(),
                p.dpi,
                p.transport.describe()
            ),
        );
        let t = test_template();
        let label = self.renderer()?.render(
            &t,
            &data,
            &RenderOptions {
                dpi: Some(p.dpi),
                ecc: idstation_labels::Ecc::M,
            },
        )?;
        let zo = ZplOptions {
            native_qr: p.native_qr,
            darkness: p.darkness,
            offset_x: idstation_labels::mm_to_dots(p.offset_x_mm, p.dpi),
            offset_y: idstation_labels::mm_to_dots(p.offset_y_mm, p.dpi),
            copies: 1,
        };
        let bytes = match p.language {
            Language::Zpl => idstation_labels::to_zpl(&label, &zo),
            Language::Tspl => idstation_labels::to_tspl(&label, p.gap_mm, &zo),
            Language::Pdf => idstation_labels::to_pdf(&label, "IDStation test")?,
        };
        p.transport.send(
            &bytes,
            p.language != Language::Pdf,
            "IDStation test",
            timeout(&p),
        )?;
        Ok(status)
    }

    // ---- printing --------------------------------------------------------------------------

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
    /// queued for the next run. Jobs a crash left `sending` are queued again first.
    pub fn process_print_queue(
        &mut self,
        progress: &mut dyn FnMut(PrintProgress),
    ) -> Result<QueueReport> {
        let note = crate::i18n::job_note(crate::i18n::JobNote::Interrupted, self.lang);
        self.store.requeue_interrupted_jobs(note)?;
        let ids: Vec<i64> = self
            .store
            .queued_print_jobs(10_000)?
            .into_iter()
            .map(|j| j.id)
            .collect();
        self.send_jobs(&ids, progress)
    }

    fn send_jobs(
        &mut self,
        ids: &[i64],
        progress: &mut dyn FnMut(PrintProgress),
    ) -> Result<QueueReport> {
        let mut report = QueueReport::default();
        let mut offline: Vec<String> = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let job = self.store.print_job(*id)?;
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

    fn after_error(&mut self, job: &PrintJob, e: &TransportError) -> Result<PrintJob> {
        let keep = e.is_transient() && job.attempts < MAX_ATTEMPTS;
        Ok(self.store.fail_print_job(
            &self.actor,
            job.id,
            &crate::i18n::transport_error(e, self.lang),
            keep,
        )?)
    }

    pub fn print_jobs(&self, filter: &JobFilter) -> Result<Vec<PrintJob>> {
        Ok(self.store.list_print_jobs(filter)?)
    }

    pub fn print_job(&self, id: i64) -> Result<PrintJob> {
        Ok(self.store.print_job(id)?)
    }

    /// The preview PNG kept with every job.
    pub fn print_job_preview(&self, id: i64) -> Result<Vec<u8>> {
        Ok(self.store.print_job_preview(id)?)
    }

    /// Puts a failed job back in the queue and tries it once now.
    pub fn retry_print_job(&mut self, id: i64) -> Result<PrintJob> {
        self.store.retry_print_job(&self.actor, id)?;
        self.send_job(id)
    }

    pub fn cancel_print_job(&mut self, id: i64) -> Result<PrintJob> {
        Ok(self.store.cancel_print_job(&self.actor, id)?)
    }
}

fn uuid_like() -> String {
    use rand::Rng;
    let n: u128 = rand::thread_rng().gen();
    format!("{n:032x}")
}

fn test_template() -> LabelTemplate {
    use idstation_labels::{Align, Element, Ink};
    let text = |y: f32, size: f32, t: &str| Element::Text {
        x_mm: 2.0,
        y_mm: y,
        size_mm: size,
        text: t.into(),
        max_width_mm: Some(26.0),
        align: Align::Left,
        ink: Ink::Black,
        only_if: None,
    };
    LabelTemplate {
        name: "test".into(),
        title: "打印测试 Test print".into(),
        width_mm: 50.0,
        height_mm: 30.0,
        dpi: 203,
        accent: None,
        required: vec![],
        qr_ecc: None,
        elements: vec![
            Element::Box {
                x_mm: 0.5,
                y_mm: 0.5,
                width_mm: 49.0,
                height_mm: 29.0,
                thickness_mm: 0.3,
                fill: None,
            },
            text(2.0, 4.0, "打印测试 TEST"),
            text(8.0, 2.6, "{printer}"),
            text(12.0, 2.4, "{spec}"),
            text(16.0, 2.4, "{when}"),
            text(20.0, 2.4, "标识解析 中文字体 OK"),
            Element::Qr {
                x_mm: 29.0,
                y_mm: 5.0,
                size_mm: 20.0,
            },
        ],
    }
}
