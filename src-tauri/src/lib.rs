//! The desktop shell: each `#[tauri::command]` translates one workstation use case, as the CLI
//! does. Work that talks to the node runs on its own thread with its own connection to the
//! database, so the window never waits for the network; it reports through events
//! (`sync-progress`, `sync-finished`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use idstation_store::sync::Resolution;
use idstation_store::StoreError;
use idstation_store::{JobFilter, JobState, PrintJob};
use idstation_workstation::idstation_labels::{
    Format, Language, PrinterProfile, PrinterStatus, Transport,
};
use idstation_workstation::view::{
    self, AppInfo, ConflictView, Dashboard, FormField, InstrumentPage, InstrumentView, ListQuery,
    ScanOutcome, SyncOutcome, SyncView, UiError,
};
use idstation_workstation::{
    default_data_dir, LabelRequest, Lang, QueueReport, TemplateInfo, Workstation, WsError,
};
use tauri::{AppHandle, Emitter, Runtime, State};

mod updater;

type CmdResult<T> = Result<T, UiError>;

/// What the commands share: the data folder and one open workstation.
pub struct AppState {
    data_dir: Mutex<PathBuf>,
    actor: String,
    prefix: String,
    lang: Mutex<Lang>,
    ws: Mutex<Option<Workstation>>,
    syncing: Arc<AtomicBool>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

impl AppState {
    /// From the environment, as the CLI reads it: `IDSTATION_DATA_DIR`, `IDSTATION_LANG`,
    /// `IDSTATION_USER`, and `IDSTATION_PREFIX` for a data folder that is still empty.
    pub fn from_env() -> AppState {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        AppState::new(
            var("IDSTATION_DATA_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(default_data_dir),
            var("IDSTATION_LANG")
                .and_then(|l| Lang::parse(&l))
                .unwrap_or_else(Lang::from_env),
            var("IDSTATION_USER")
                .or_else(|| var("USER"))
                .unwrap_or_else(|| "operator".into()),
            var("IDSTATION_PREFIX").unwrap_or_else(|| "88.118.8".into()),
        )
    }

    pub fn new(data_dir: PathBuf, lang: Lang, actor: String, prefix: String) -> AppState {
        AppState {
            data_dir: Mutex::new(data_dir),
            actor,
            prefix,
            lang: Mutex::new(lang),
            ws: Mutex::new(None),
            syncing: Arc::new(AtomicBool::new(false)),
        }
    }

    fn lang(&self) -> Lang {
        *lock(&self.lang)
    }

    fn data_dir(&self) -> PathBuf {
        lock(&self.data_dir).clone()
    }

    fn err(&self, e: WsError) -> UiError {
        UiError::new(&e, self.lang())
    }

    /// Opens this data folder's workstation (setting one up when the folder is empty).
    fn open(&self) -> Result<Workstation, WsError> {
        let dir = self.data_dir();
        match Workstation::open(&dir, &self.actor) {
            Err(WsError::Store(StoreError::NotInitialised(_))) => {
                Workstation::init(&dir, &self.prefix, &self.actor)
            }
            other => other,
        }
    }

    /// Runs `f` on the open workstation.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut Workstation, Lang) -> Result<T, WsError>,
    ) -> CmdResult<T> {
        let lang = self.lang();
        let mut guard = lock(&self.ws);
        if guard.is_none() {
            *guard = Some(self.open().map_err(|e| UiError::new(&e, lang))?);
        }
        let ws = guard
            .as_mut()
            .ok_or_else(|| internal(&"no workstation open"))?;
        ws.set_lang(lang);
        f(ws, lang).map_err(|e| UiError::new(&e, lang))
    }
}

#[tauri::command]
async fn app_info(state: State<'_, AppState>) -> CmdResult<AppInfo> {
    let dir = state.data_dir();
    state.with(|ws, lang| {
        let status = ws.status()?;
        Ok(AppInfo {
            lang: match lang {
                Lang::ZhCn => "zh-CN".into(),
                Lang::En => "en".into(),
            },
            data_dir: dir.display().to_string(),
            prefix: status.device.prefix,
            device_id: status.device.device_id.to_string(),
            instruments: status.instruments as u32,
            version: env!("CARGO_PKG_VERSION").into(),
        })
    })
}

#[tauri::command]
async fn set_lang(state: State<'_, AppState>, lang: String) -> CmdResult<()> {
    let l = Lang::parse(&lang).ok_or_else(|| state.err(WsError::UnknownField(lang.clone())))?;
    *lock(&state.lang) = l;
    Ok(())
}

#[tauri::command]
async fn dashboard(state: State<'_, AppState>) -> CmdResult<Dashboard> {
    state.with(|ws, lang| ws.dashboard(today(), lang))
}

#[tauri::command]
async fn list_instruments(
    state: State<'_, AppState>,
    query: ListQuery,
) -> CmdResult<InstrumentPage> {
    state.with(|ws, lang| ws.list_page(&query, today(), lang))
}

#[tauri::command]
async fn instrument(state: State<'_, AppState>, identifier: String) -> CmdResult<InstrumentView> {
    state.with(|ws, lang| ws.instrument_view(&identifier, today(), lang))
}

#[tauri::command]
async fn form_fields(state: State<'_, AppState>) -> CmdResult<Vec<FormField>> {
    state.with(|ws, lang| Ok(ws.form_fields(lang)))
}

#[tauri::command]
async fn register(
    state: State<'_, AppState>,
    values: BTreeMap<String, String>,
) -> CmdResult<InstrumentView> {
    state.with(|ws, lang| {
        let rec = ws.register_form(&values)?;
        ws.instrument_view(&rec.instrument.identifier.to_string(), today(), lang)
    })
}

#[tauri::command]
async fn edit(
    state: State<'_, AppState>,
    identifier: String,
    values: BTreeMap<String, String>,
    expected_version: Option<i64>,
) -> CmdResult<InstrumentView> {
    state.with(|ws, lang| {
        ws.edit_form(&identifier, &values, expected_version)?;
        ws.instrument_view(&identifier, today(), lang)
    })
}

#[tauri::command]
async fn delete(state: State<'_, AppState>, identifier: String, reason: String) -> CmdResult<()> {
    state.with(|ws, _| ws.delete(&identifier, &reason).map(|_| ()))
}

#[tauri::command]
async fn check_identifier(state: State<'_, AppState>, text: String) -> CmdResult<Option<String>> {
    Ok(view::check_identifier(&text, state.lang()))
}

/// Local cache first (under the shared connection), then the node on a connection of its own
/// so a slow node holds up nothing else.
#[tauri::command]
async fn resolve_scan(state: State<'_, AppState>, text: String) -> CmdResult<ScanOutcome> {
    let local = state.with(|ws, _| {
        let id = Workstation::parse_identifier(&text)?;
        Ok(ws.store().get_instrument(&id)?.map(|_| id.to_string()))
    })?;
    if let Some(identifier) = local {
        return Ok(ScanOutcome::Local { identifier });
    }
    let (dir, actor, lang) = (state.data_dir(), state.actor.clone(), state.lang());
    tauri::async_runtime::spawn_blocking(move || {
        Workstation::open(&dir, &actor)?.resolve_scan(&text, today(), lang)
    })
    .await
    .map_err(|e| internal(&e))?
    .map_err(|e| state.err(e))
}

/// A failure of the app itself (a background task that could not finish), not of the data.
fn internal(e: &dyn std::fmt::Display) -> UiError {
    UiError {
        code: "internal".into(),
        message: e.to_string(),
        fields: vec![],
    }
}

#[tauri::command]
async fn sync_status(state: State<'_, AppState>) -> CmdResult<SyncView> {
    let syncing = state.syncing.load(Ordering::SeqCst);
    state.with(|ws, lang| {
        let mut v = ws.sync_view(lang)?;
        if syncing {
            v.state = "syncing".into();
            v.state_label = match lang {
                Lang::ZhCn => "正在同步".into(),
                Lang::En => "syncing".into(),
            };
        }
        Ok(v)
    })
}

/// Starts a sync in the background and returns at once (false if one is already running).
/// Progress arrives as `sync-progress` events, the end as `sync-finished`.
#[tauri::command]
async fn sync_now<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> CmdResult<bool> {
    Ok(start_sync(
        app,
        state.data_dir(),
        state.actor.clone(),
        state.lang(),
        state.syncing.clone(),
    ))
}

fn start_sync<R: Runtime>(
    app: AppHandle<R>,
    dir: PathBuf,
    actor: String,
    lang: Lang,
    syncing: Arc<AtomicBool>,
) -> bool {
    if syncing.swap(true, Ordering::SeqCst) {
        return false;
    }
    std::thread::spawn(move || {
        let outcome = run_sync(&app, &dir, &actor, lang);
        syncing.store(false, Ordering::SeqCst);
        if outcome.ok {
            updater::check_in_background(&app);
        }
        let _ = app.emit("sync-finished", outcome);
    });
    true
}

fn run_sync<R: Runtime>(app: &AppHandle<R>, dir: &Path, actor: &str, lang: Lang) -> SyncOutcome {
    let result = Workstation::open(dir, actor).and_then(|mut ws| {
        let report = ws.sync_now(&mut |p| {
            let _ = app.emit("sync-progress", view::progress_view(&p, lang));
        });
        let sync = ws.sync_view(lang).ok();
        report.map(|r| (r, sync))
    });
    match result {
        Ok((r, sync)) => SyncOutcome {
            ok: true,
            message: match lang {
                Lang::ZhCn => format!(
                    "同步完成：上传 {} 项，下载 {} 项",
                    r.pushed.applied, r.pulled
                ),
                Lang::En => format!("Synced: {} sent, {} received", r.pushed.applied, r.pulled),
            },
            error: None,
            sync,
        },
        Err(e) => SyncOutcome {
            ok: false,
            message: e.message(lang),
            error: Some(UiError::new(&e, lang)),
            sync: Workstation::open(dir, actor)
                .and_then(|ws| ws.sync_view(lang))
                .ok(),
        },
    }
}

/// Signs in to a node (on a thread of its own: the node may be slow or away).
#[tauri::command]
async fn sync_login(
    state: State<'_, AppState>,
    node_url: String,
    username: String,
    password: String,
    device_name: String,
) -> CmdResult<SyncView> {
    let (dir, actor, lang) = (state.data_dir(), state.actor.clone(), state.lang());
    tauri::async_runtime::spawn_blocking(move || {
        let mut ws = Workstation::open(&dir, &actor)?;
        ws.sync_login(&node_url, &username, &password, &device_name)?;
        ws.sync_view(lang)
    })
    .await
    .map_err(|e| internal(&e))?
    .map_err(|e| state.err(e))
}

#[tauri::command]
async fn conflicts(state: State<'_, AppState>) -> CmdResult<Vec<ConflictView>> {
    state.with(|ws, lang| ws.conflict_views(lang))
}

/// `take` is `local` or `server`; or give a merged `value`.
#[tauri::command]
async fn resolve_conflict(
    state: State<'_, AppState>,
    id: i64,
    take: Option<String>,
    value: Option<String>,
) -> CmdResult<Vec<ConflictView>> {
    let choice = match (take.as_deref(), value) {
        (_, Some(v)) => Resolution::Value(v),
        (Some("local"), None) => Resolution::Local,
        (Some("server"), None) => Resolution::Server,
        (other, None) => {
            return Err(state.err(WsError::UnknownField(format!(
                "take={}",
                other.unwrap_or("")
            ))))
        }
    };
    state.with(|ws, lang| {
        ws.resolve_conflict(id, &choice)?;
        ws.conflict_views(lang)
    })
}

#[tauri::command]
async fn backup(state: State<'_, AppState>, file: String) -> CmdResult<String> {
    state.with(|ws, lang| {
        let r = ws.backup(Path::new(&file), &mut |_, _| {})?;
        Ok(match lang {
            Lang::ZhCn => format!("已备份到 {}（{} 台仪器）", file, r.instruments),
            Lang::En => format!("Backed up to {} ({} instruments)", file, r.instruments),
        })
    })
}

#[tauri::command]
async fn restore(state: State<'_, AppState>, file: String) -> CmdResult<String> {
    let lang = state.lang();
    let dir = state.data_dir();
    // Close our connection first; the next command opens the restored database.
    let mut guard = lock(&state.ws);
    *guard = None;
    let r = Workstation::restore(&dir, Path::new(&file), &mut |_, _| {})
        .map_err(|e| UiError::new(&e, lang))?;
    Ok(match lang {
        Lang::ZhCn => format!("已从 {} 恢复（{} 台仪器）", file, r.instruments),
        Lang::En => format!("Restored from {} ({} instruments)", file, r.instruments),
    })
}

/// Points the app at another data folder (created and set up when empty).
#[tauri::command]
async fn set_data_dir(state: State<'_, AppState>, dir: String) -> CmdResult<AppInfo> {
    {
        let mut guard = lock(&state.ws);
        *guard = None;
        *lock(&state.data_dir) = PathBuf::from(&dir);
    }
    app_info(state).await
}

/// A label request as the CLI builds one: `restriction` is what a 准用 label shows.
fn label_request(identifier: &str, template: &str, restriction: Option<String>) -> LabelRequest {
    let mut req = LabelRequest::new(identifier, template);
    if let Some(r) = restriction.filter(|r| !r.trim().is_empty()) {
        req.extra.insert("restriction".to_string(), r);
    }
    req
}

#[tauri::command]
async fn label_templates(state: State<'_, AppState>) -> CmdResult<Vec<TemplateInfo>> {
    state.with(|ws, _| ws.list_label_templates())
}

/// The label as a PNG (the on-screen preview before printing).
#[tauri::command]
async fn label_preview(
    state: State<'_, AppState>,
    identifier: String,
    template: String,
    restriction: Option<String>,
) -> CmdResult<Vec<u8>> {
    let req = label_request(&identifier, &template, restriction);
    state.with(|ws, _| Ok(ws.render_label(&req, Format::Png, None, None)?.preview_png))
}

/// Queues one label and sends it now; the job's state says whether it printed.
#[tauri::command]
async fn print_label(
    state: State<'_, AppState>,
    printer: String,
    identifier: String,
    template: String,
    restriction: Option<String>,
) -> CmdResult<PrintJob> {
    let req = label_request(&identifier, &template, restriction);
    state.with(|ws, _| ws.print_label(&printer, &req))
}

#[tauri::command]
async fn printers(state: State<'_, AppState>) -> CmdResult<Vec<PrinterProfile>> {
    state.with(|ws, _| ws.list_printers())
}

fn bad(field: &'static str, value: &str) -> WsError {
    WsError::InvalidSetting(field, value.to_string())
}

/// Adds a printer as `idstation label printer add` does: `uri` is `tcp://host:9100`,
/// `cups://queue` or a device path; `media` is `WxH` in millimetres.
#[allow(clippy::too_many_arguments)]
#[tauri::command]
async fn add_printer(
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
    let lang = Language::parse(&language).ok_or_else(|| state.err(bad("language", &language)))?;
    let transport = Transport::parse(&uri).ok_or_else(|| state.err(bad("uri", &uri)))?;
    let (mw, mh) = match media.filter(|m| !m.trim().is_empty()) {
        None => (None, None),
        Some(m) => m
            .to_ascii_lowercase()
            .split_once(['x', '×'])
            .and_then(|(w, h)| Some((Some(w.trim().parse().ok()?), Some(h.trim().parse().ok()?))))
            .ok_or_else(|| state.err(bad("media", &m)))?,
    };
    let p = PrinterProfile {
        name,
        language: lang,
        dpi,
        media_width_mm: mw,
        media_height_mm: mh,
        gap_mm: 2.0,
        darkness,
        offset_x_mm: offset_x_mm.unwrap_or(0.0),
        offset_y_mm: offset_y_mm.unwrap_or(0.0),
        native_qr: false,
        cups_options: vec![],
        transport,
        timeout_ms: 3000,
    };
    state.with(|ws, _| {
        ws.add_printer(&p, false)?;
        ws.list_printers()
    })
}

#[tauri::command]
async fn remove_printer(
    state: State<'_, AppState>,
    name: String,
) -> CmdResult<Vec<PrinterProfile>> {
    state.with(|ws, _| {
        ws.remove_printer(&name)?;
        ws.list_printers()
    })
}

#[tauri::command]
async fn printer_status(state: State<'_, AppState>, name: String) -> CmdResult<PrinterStatus> {
    state.with(|ws, _| ws.printer_status(&name))
}

#[tauri::command]
async fn test_print(state: State<'_, AppState>, name: String) -> CmdResult<PrinterStatus> {
    state.with(|ws, _| ws.test_print(&name))
}

/// The print queue and history, newest first (`state`: queued, done, failed, …).
#[tauri::command]
async fn print_jobs(
    state: State<'_, AppState>,
    job_state: Option<String>,
    identifier: Option<String>,
    limit: Option<u32>,
) -> CmdResult<Vec<PrintJob>> {
    let job_state = match job_state.filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(JobState::parse(&s).ok_or_else(|| state.err(bad("state", &s)))?),
    };
    let filter = JobFilter {
        state: job_state,
        identifier: identifier.filter(|s| !s.is_empty()),
        limit: limit.unwrap_or(200),
        ..Default::default()
    };
    state.with(|ws, _| ws.print_jobs(&filter))
}

/// The PNG a job's label looks like.
#[tauri::command]
async fn print_job_preview(state: State<'_, AppState>, id: i64) -> CmdResult<Vec<u8>> {
    state.with(|ws, _| ws.print_job_preview(id))
}

#[tauri::command]
async fn retry_print_job(state: State<'_, AppState>, id: i64) -> CmdResult<PrintJob> {
    state.with(|ws, _| ws.retry_print_job(id))
}

#[tauri::command]
async fn cancel_print_job(state: State<'_, AppState>, id: i64) -> CmdResult<PrintJob> {
    state.with(|ws, _| ws.cancel_print_job(id))
}

/// The same bytes again; the reason is required and audited.
#[tauri::command]
async fn reprint(state: State<'_, AppState>, id: i64, reason: String) -> CmdResult<PrintJob> {
    state.with(|ws, _| ws.reprint(id, &reason))
}

/// Prints one label per identifier (all rendered first: one bad record queues nothing), and
/// reports each job as a `print-progress` event.
#[tauri::command]
async fn print_batch<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    printer: String,
    identifiers: Vec<String>,
    template: String,
    restriction: Option<String>,
) -> CmdResult<QueueReport> {
    let reqs: Vec<LabelRequest> = identifiers
        .iter()
        .map(|i| label_request(i, &template, restriction.clone()))
        .collect();
    state.with(|ws, _| {
        ws.print_batch(&printer, &reqs, &mut |p| {
            let _ = app.emit("print-progress", p);
        })
    })
}

/// The app's commands and state on any runtime (the real one, or `tauri::test`'s mock).
pub fn builder<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    builder
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            app_info,
            set_lang,
            dashboard,
            list_instruments,
            instrument,
            form_fields,
            register,
            edit,
            delete,
            check_identifier,
            resolve_scan,
            sync_status,
            sync_now,
            sync_login,
            conflicts,
            resolve_conflict,
            backup,
            restore,
            set_data_dir,
            label_templates,
            label_preview,
            print_label,
            printers,
            add_printer,
            remove_printer,
            printer_status,
            test_print,
            print_jobs,
            print_job_preview,
            retry_print_job,
            cancel_print_job,
            reprint,
            print_batch,
            updater::update_check,
            updater::update_install,
        ])
}

pub fn run() {
    let result = updater::register(builder(tauri::Builder::default(), AppState::from_env()))
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("IDStation 无法启动 / cannot start: {e}");
        std::process::exit(1);
    }
}
