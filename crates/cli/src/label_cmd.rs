//! `idstation label …` and `idstation printer …`: translate arguments to the workstation's label
//! use cases and their results to text or JSON.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use idstation_workstation::idstation_labels::{Ecc, Format, PrinterProfile, PrinterStatus};
use idstation_workstation::{
    i18n, tr, JobState, LabelRequest, NewPrinter, PrintJob, Workstation, WsError,
};

use crate::output::Out;

#[derive(Args, Clone)]
pub struct LabelArgs {
    /// Template: identifier, cal-pass (合格), cal-restricted (准用), cal-fail (停用) or a saved one
    #[arg(long, short = 't', default_value = "identifier")]
    template: String,
    /// The permitted ranges a 准用 label shows
    #[arg(long)]
    restriction: Option<String>,
    /// Any other value the template names, as key=value; repeatable
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    #[arg(long, default_value_t = 1)]
    copies: u32,
}

impl LabelArgs {
    fn request(&self, id: &str) -> LabelRequest {
        let mut req =
            LabelRequest::new(id, &self.template).with_restriction(self.restriction.clone());
        for kv in &self.set {
            if let Some((k, v)) = kv.split_once('=') {
                req.extra.insert(k.trim().to_string(), v.to_string());
            }
        }
        req.copies = self.copies;
        req
    }
}

#[derive(Subcommand)]
pub enum LabelCommand {
    /// Render a label to a file: png (preview), zpl, tspl or pdf
    Render {
        /// Identifier in any form a scanner types
        id: String,
        #[command(flatten)]
        label: LabelArgs,
        /// png, zpl, tspl or pdf (default: from the file's extension)
        #[arg(long, short = 'f')]
        format: Option<String>,
        /// 203, 300 or 600 (default: the template's)
        #[arg(long)]
        dpi: Option<u32>,
        /// QR error correction: M (default) or Q
        #[arg(long)]
        ecc: Option<String>,
        #[arg(long, short = 'o')]
        out: PathBuf,
    },
    /// Print labels on a named printer (several identifiers: a batch, with progress)
    Print {
        #[arg(required = true)]
        ids: Vec<String>,
        #[arg(long, short = 'p')]
        printer: String,
        #[command(flatten)]
        label: LabelArgs,
    },
    /// The print queue and history, newest first
    Jobs {
        /// queued, sending, done, failed or cancelled
        #[arg(long)]
        state: Option<String>,
        /// Only this instrument's labels
        #[arg(long)]
        id: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Send every queued job now (jobs for printers that were offline)
    Process,
    /// Queue a failed job again and try it now
    Retry { job: i64 },
    /// Cancel a queued or failed job
    Cancel { job: i64 },
    /// Print a job's label again (same bytes); the reason is kept in the audit trail
    Reprint {
        job: i64,
        #[arg(long)]
        reason: String,
    },
    /// Save the preview image kept with a job
    Preview {
        job: i64,
        #[arg(long, short = 'o')]
        out: PathBuf,
    },
    /// List label templates (built in and saved)
    Templates,
    /// Save a label template from a JSON file (or replace one of the same name)
    TemplateSave { file: PathBuf },
    /// Show the JSON of a template (to copy and change)
    TemplateShow { name: String },
    /// QR settings: the resolver host in the URL and the default error correction
    Settings {
        #[arg(long)]
        resolver_host: Option<String>,
        #[arg(long)]
        qr_ecc: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum PrinterCommand {
    /// Add a printer profile
    Add {
        name: String,
        /// zpl (Zebra), tspl (TSC and most Chinese label printers) or pdf (office printer)
        #[arg(long, short = 'l')]
        language: String,
        /// tcp://host:9100, cups://queue, cups://server:631/queue, or a device like /dev/usb/lp0
        #[arg(long)]
        uri: String,
        #[arg(long, default_value_t = 203)]
        dpi: u32,
        /// ZPL 0-30, TSPL 0-15
        #[arg(long)]
        darkness: Option<u8>,
        #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
        offset_x_mm: f32,
        #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
        offset_y_mm: f32,
        #[arg(long, default_value_t = 2.0)]
        gap_mm: f32,
        /// Media size, e.g. 50x30 (mm)
        #[arg(long)]
        media: Option<String>,
        /// ZPL: let the printer draw QR codes (^BQ) instead of sending them as dots
        #[arg(long)]
        native_qr: bool,
        #[arg(long, default_value_t = 3000)]
        timeout_ms: u64,
        /// Extra CUPS `lp -o` option, e.g. fit-to-page; repeatable
        #[arg(long = "cups-option", value_name = "OPTION")]
        cups_options: Vec<String>,
        /// Replace a printer of the same name
        #[arg(long)]
        replace: bool,
    },
    /// List printer profiles
    List,
    /// Ask a printer how it is (Zebra ~HS, TSC ESC!?; no answer = offline)
    Status { name: String },
    /// Print a test label now
    Test { name: String },
    /// Remove a printer profile (its queued jobs are cancelled; the history stays)
    Remove { name: String },
}

/// Jobs that did not print (queued for an offline printer, or failed): exit code 3.
pub struct NotPrinted;

fn bad(field: &'static str, value: &str) -> WsError {
    WsError::InvalidSetting(field, value.to_string())
}

pub fn label(
    cmd: LabelCommand,
    out: &Out,
    mut ws: Workstation,
) -> Result<Option<NotPrinted>, WsError> {
    let lang = out.lang;
    match cmd {
        LabelCommand::Render {
            id,
            label,
            format,
            dpi,
            ecc,
            out: file,
        } => {
            let fmt = match format {
                Some(f) => Format::parse(&f).ok_or_else(|| bad("format", &f))?,
                None => file
                    .extension()
                    .and_then(|e| Format::parse(&e.to_string_lossy()))
                    .unwrap_or(Format::Png),
            };
            let ecc = ecc
                .map(|e| Ecc::parse(&e).ok_or_else(|| bad("ecc", &e)))
                .transpose()?;
            let r = ws.render_label(&label.request(&id), fmt, dpi, ecc)?;
            std::fs::write(&file, &r.bytes).map_err(|source| WsError::Io {
                path: file.clone(),
                source,
            })?;
            if out.json {
                out.json_value(&serde_json::json!({
                    "file": file, "format": fmt.as_str(), "bytes": r.bytes.len(), "qr": r.qr_payload
                }));
            } else {
                println!(
                    "{}",
                    tr!(
                        lang,
                        "cli-label-rendered",
                        file = file.display(),
                        format = fmt.as_str(),
                        bytes = r.bytes.len(),
                        qr = r.qr_payload
                    )
                );
            }
        }
        LabelCommand::Print {
            ids,
            printer,
            label,
        } => {
            let jobs = if ids.len() == 1 {
                vec![ws.print_label(&printer, &label.request(&ids[0]))?]
            } else {
                let reqs: Vec<LabelRequest> = ids.iter().map(|i| label.request(i)).collect();
                let show = std::io::stderr().is_terminal() && !out.json;
                let what = tr!(lang, "cli-progress-printing");
                let report = ws.print_batch(&printer, &reqs, &mut |p| {
                    if show {
                        eprint!("\r{what} {}/{}", p.done, p.total);
                        if p.done == p.total {
                            eprintln!();
                        }
                    }
                })?;
                let mut ids: Vec<i64> = report
                    .printed
                    .iter()
                    .chain(&report.still_queued)
                    .chain(&report.failed)
                    .copied()
                    .collect();
                ids.sort_unstable();
                ids.into_iter()
                    .map(|id| ws.print_job(id))
                    .collect::<Result<Vec<_>, _>>()?
            };
            jobs_out(out, &jobs);
            if jobs.iter().any(|j| j.state != JobState::Done) {
                return Ok(Some(NotPrinted));
            }
        }
        LabelCommand::Jobs { state, id, limit } => {
            let jobs = ws.find_print_jobs(state.as_deref(), id.as_deref(), limit)?;
            jobs_out(out, &jobs);
        }
        LabelCommand::Process => {
            let report = ws.process_print_queue(&mut |_| {})?;
            if out.json {
                out.json_value(&report);
            } else {
                println!(
                    "{}",
                    tr!(
                        lang,
                        "cli-queue-processed",
                        printed = report.printed.len(),
                        queued = report.still_queued.len(),
                        failed = report.failed.len()
                    )
                );
            }
            if !report.still_queued.is_empty() || !report.failed.is_empty() {
                return Ok(Some(NotPrinted));
            }
        }
        LabelCommand::Retry { job } => {
            let j = ws.retry_print_job(job)?;
            jobs_out(out, std::slice::from_ref(&j));
            if j.state != JobState::Done {
                return Ok(Some(NotPrinted));
            }
        }
        LabelCommand::Cancel { job } => jobs_out(out, &[ws.cancel_print_job(job)?]),
        LabelCommand::Reprint { job, reason } => {
            let j = ws.reprint(job, &reason)?;
            jobs_out(out, std::slice::from_ref(&j));
            if j.state != JobState::Done {
                return Ok(Some(NotPrinted));
            }
        }
        LabelCommand::Preview { job, out: file } => {
            let png = ws.print_job_preview(job)?;
            std::fs::write(&file, png).map_err(|source| WsError::Io {
                path: file.clone(),
                source,
            })?;
            if !out.json {
                println!("{}", tr!(lang, "cli-file-saved", file = file.display()));
            }
        }
        LabelCommand::Templates => {
            let list = ws.list_label_templates()?;
            if out.json {
                out.json_value(&list);
            } else {
                for t in list {
                    println!(
                        "{:<16} {:>4}×{:<4} mm  {}{}",
                        t.name,
                        t.width_mm,
                        t.height_mm,
                        t.title,
                        if t.builtin {
                            tr!(lang, "cli-template-builtin")
                        } else {
                            String::new()
                        }
                    );
                }
            }
        }
        LabelCommand::TemplateSave { file } => {
            let json = std::fs::read_to_string(&file).map_err(|source| WsError::Io {
                path: file.clone(),
                source,
            })?;
            let t = ws.save_label_template(&json)?;
            if !out.json {
                println!("{}", tr!(lang, "cli-template-saved", name = t.name));
            }
        }
        LabelCommand::TemplateShow { name } => println!("{}", ws.label_template(&name)?.to_json()),
        LabelCommand::Settings {
            resolver_host,
            qr_ecc,
        } => {
            let s = if resolver_host.is_some() || qr_ecc.is_some() {
                ws.set_label_settings(resolver_host.as_deref(), qr_ecc.as_deref())?
            } else {
                ws.label_settings()?
            };
            if out.json {
                out.json_value(&s);
            } else {
                println!("{}", tr!(lang, "cli-qr-payload", host = s.resolver_host));
                println!("{}", tr!(lang, "cli-qr-ecc", ecc = s.qr_ecc));
            }
        }
    }
    Ok(None)
}

pub fn printer(cmd: PrinterCommand, out: &Out, mut ws: Workstation) -> Result<(), WsError> {
    match cmd {
        PrinterCommand::Add {
            name,
            language,
            uri,
            dpi,
            darkness,
            offset_x_mm,
            offset_y_mm,
            gap_mm,
            media,
            native_qr,
            timeout_ms,
            cups_options,
            replace,
        } => {
            let p = ws.add_new_printer(
                &NewPrinter {
                    name,
                    language,
                    uri,
                    dpi,
                    darkness,
                    offset_x_mm,
                    offset_y_mm,
                    gap_mm,
                    media,
                    native_qr,
                    timeout_ms,
                    cups_options,
                },
                replace,
            )?;
            printers_out(out, &[p]);
        }
        PrinterCommand::List => printers_out(out, &ws.list_printers()?),
        PrinterCommand::Status { name } => {
            let st = ws.printer_status(&name)?;
            status_out(out, &name, &st);
        }
        PrinterCommand::Test { name } => {
            let st = ws.test_print(&name)?;
            if out.json {
                out.json_value(&st);
            } else {
                println!("{}", tr!(out.lang, "cli-test-sent", name = name));
            }
        }
        PrinterCommand::Remove { name } => {
            ws.remove_printer(&name)?;
            if !out.json {
                println!("{}", tr!(out.lang, "cli-printer-removed", name = name));
            }
        }
    }
    Ok(())
}

fn status_out(out: &Out, name: &str, st: &PrinterStatus) {
    if out.json {
        return out.json_value(st);
    }
    println!("{name}: {}", i18n::printer_status_text(st, out.lang));
}

fn printers_out(out: &Out, list: &[PrinterProfile]) {
    if out.json {
        return out.json_value(&list);
    }
    for p in list {
        println!(
            "{:<16} {:<5} {} dpi  {}{}",
            p.name,
            p.language.as_str(),
            p.dpi,
            p.transport.describe(),
            p.darkness
                .map(|d| format!("  {}", tr!(out.lang, "cli-darkness", darkness = d)))
                .unwrap_or_default()
        );
    }
}

fn jobs_out(out: &Out, jobs: &[PrintJob]) {
    if out.json {
        return out.json_value(&jobs);
    }
    if jobs.is_empty() {
        println!("{}", tr!(out.lang, "cli-no-jobs"));
    }
    for j in jobs {
        let state = i18n::job_state_label(j.state, out.lang);
        let mut line = format!(
            "#{:<5} {:<8} {:<12} {:<14} {} ×{}",
            j.id, state, j.printer, j.template, j.identifier, j.copies
        );
        if let Some(r) = &j.reason {
            line.push_str(&format!(
                "  {}",
                tr!(out.lang, "cli-reprint-reason", reason = r)
            ));
        }
        if let (Some(e), false) = (&j.last_error, j.state == JobState::Done) {
            line.push_str(&format!("  ({e})"));
        }
        println!("{line}");
    }
}
