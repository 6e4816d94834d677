//! Labels and printing: templates, the on-screen preview, printing one label or a batch,
//! printers (add, remove, status, test print) and the print queue and history.

use idstation_workstation::idstation_labels::{Format, PrinterProfile, PrinterStatus};
use idstation_workstation::{
    LabelRequest, NewPrinter, PrintJob, QueueReport, TemplateInfo, WsError,
};
use tauri::{AppHandle, Runtime, State};

use crate::events;
use crate::state::{AppState, CmdResult};

fn request(identifier: &str, template: &str, restriction: Option<String>) -> LabelRequest {
    LabelRequest::new(identifier, template).with_restriction(restriction)
}

#[tauri::command]
pub async fn label_templates(state: State<'_, AppState>) -> CmdResult<Vec<TemplateInfo>> {
    state.with(|ws, _| ws.list_label_templates())
}

/// The label as a PNG (the on-screen preview before printing).
#[tauri::command]
pub async fn label_preview(
    state: State<'_, AppState>,
    identifier: String,
    template: String,
    restriction: Option<String>,
) -> CmdResult<Vec<u8>> {
    let req = request(&identifier, &template, restriction);
    state.with(|ws, _| Ok(ws.render_label(&req, Format::Png, None, None)?.preview_png))
}

/// Queues one label and sends it now; the job's state says whether it printed.
#[tauri::command]
pub async fn print_label(
    state: State<'_, AppState>,
    printer: String,
    identifier: String,
    template: String,
    restriction: Option<String>,
) -> CmdResult<PrintJob> {
    let req = request(&identifier, &template, restriction);
    state.with(|ws, _| ws.print_label(&printer, &req))
}

/// Prints one label per identifier (all rendered first: one bad record queues nothing), and
/// reports each job as a `print-progress` event.
#[tauri::command]
pub async fn print_batch<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    printer: String,
    identifiers: Vec<String>,
    template: String,
    restriction: Option<String>,
) -> CmdResult<QueueReport> {
    let reqs: Vec<LabelRequest> = identifiers
        .iter()
        .map(|i| request(i, &template, restriction.clone()))
        .collect();
    state.with(|ws, _| ws.print_batch(&printer, &reqs, &mut |p| events::print_progress(&app, p)))
}

/// Sends the labels waiting in the queue, oldest first, on a connection of its own (a printer
/// that does not answer holds it up to its timeout, not the window), each job reported as a
/// `print-progress` event. The window calls it on a timer and from the queue's button; a run
/// already under way makes this one return an empty report.
#[tauri::command]
pub async fn process_print_queue<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<QueueReport> {
    use std::sync::atomic::Ordering;
    let running = state.sending_queue.clone();
    if running.swap(true, Ordering::SeqCst) {
        return Ok(QueueReport::default());
    }
    let report = state
        .detached(move |ws, _| ws.process_print_queue(&mut |p| events::print_progress(&app, p)))
        .await;
    running.store(false, Ordering::SeqCst);
    report
}

#[tauri::command]
pub async fn printers(state: State<'_, AppState>) -> CmdResult<Vec<PrinterProfile>> {
    state.with(|ws, _| ws.list_printers())
}

/// Adds a printer as `idstation printer add` does: `uri` is `tcp://host:9100`,
/// `cups://queue` or a device path; `media` is `WxH` in millimetres.
#[allow(clippy::too_many_arguments)]
#[tauri::command]
pub async fn add_printer(
    state: State<'_, AppState>,
    name: String,
    language: String,
    uri: String,
    dpi: u32,
    darkness: Option<u8>,
    offset_x_mm: Option<f32>,
    offset_y_mm: Option<f32>,
    media: Option<String>,
) -> CmdResult<Vec<PrinterProfile>> {
    let p = NewPrinter {
        darkness,
        offset_x_mm: offset_x_mm.unwrap_or(0.0),
        offset_y_mm: offset_y_mm.unwrap_or(0.0),
        media,
        ..NewPrinter::new(&name, &language, &uri, dpi)
    };
    state.with(|ws, _| {
        // Only a printer port, never a file path: nothing the window is told can make the app
        // write label bytes over a file (the CLI, run by the person, may name a file).
        if !p.profile()?.transport.is_printer_port() {
            return Err(WsError::NotAPrinterPort(p.uri.clone()));
        }
        ws.add_new_printer(&p, false)?;
        ws.list_printers()
    })
}

#[tauri::command]
pub async fn remove_printer(
    state: State<'_, AppState>,
    name: String,
) -> CmdResult<Vec<PrinterProfile>> {
    state.with(|ws, _| {
        ws.remove_printer(&name)?;
        ws.list_printers()
    })
}

#[tauri::command]
pub async fn printer_status(state: State<'_, AppState>, name: String) -> CmdResult<PrinterStatus> {
    state.with(|ws, _| ws.printer_status(&name))
}

#[tauri::command]
pub async fn test_print(state: State<'_, AppState>, name: String) -> CmdResult<PrinterStatus> {
    state.with(|ws, _| ws.test_print(&name))
}

/// The print queue and history, newest first (`jobState`: queued, done, failed, …).
#[tauri::command]
pub async fn print_jobs(
    state: State<'_, AppState>,
    job_state: Option<String>,
    identifier: Option<String>,
    limit: Option<u32>,
) -> CmdResult<Vec<PrintJob>> {
    state.with(|ws, _| {
        ws.find_print_jobs(
            job_state.as_deref(),
            identifier.as_deref(),
            limit.unwrap_or(200),
        )
    })
}

/// The PNG a job's label looks like.
#[tauri::command]
pub async fn print_job_preview(state: State<'_, AppState>, id: i64) -> CmdResult<Vec<u8>> {
    state.with(|ws, _| ws.print_job_preview(id))
}

#[tauri::command]
pub async fn retry_print_job(state: State<'_, AppState>, id: i64) -> CmdResult<PrintJob> {
    state.with(|ws, _| ws.retry_print_job(id))
}

#[tauri::command]
pub async fn cancel_print_job(state: State<'_, AppState>, id: i64) -> CmdResult<PrintJob> {
    state.with(|ws, _| ws.cancel_print_job(id))
}

/// The same bytes again; the reason is required and audited.
#[tauri::command]
pub async fn reprint(state: State<'_, AppState>, id: i64, reason: String) -> CmdResult<PrintJob> {
    state.with(|ws, _| ws.reprint(id, &reason))
}
