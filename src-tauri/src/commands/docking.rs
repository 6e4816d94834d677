//! The operator's docking desk: sign in as a person, the docking tables' records, the uplink's
//! reports. Every call waits on the node, so it runs on a blocking thread with the desk shared
//! (never the window's database connection).

use std::collections::BTreeMap;
use std::sync::Arc;

use idstation_workstation::docking::{
    DockingDesk, DockingRecord, DockingTable, MaintenanceView, OperatorView, UplinkView,
};
use idstation_workstation::{Lang, WsError};
use tauri::State;

use crate::state::{internal, lock, AppState, CmdResult, PathPurpose};

/// Runs `f` with the signed-in desk on a blocking thread (the HTTP client blocks).
async fn with_desk<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&DockingDesk, Lang) -> Result<T, WsError> + Send + 'static,
) -> CmdResult<T> {
    let lang = state.lang();
    let desk = lock(&state.docking)
        .clone()
        .ok_or_else(|| state.err(WsError::DockingSignedOut))?;
    tauri::async_runtime::spawn_blocking(move || f(&desk, lang))
        .await
        .map_err(|e| internal(&e))?
        .map_err(|e| idstation_workstation::view::UiError::new(&e, lang))
}

/// Signs in at the node this station syncs with, as the person (operator or enterprise
/// administrator). The password is not kept; the sign-in lasts while the app runs.
#[tauri::command]
pub async fn docking_sign_in(
    state: State<'_, AppState>,
    username: String,
    password: String,
) -> CmdResult<OperatorView> {
    let desk = state
        .detached(move |ws, _| ws.docking_sign_in(&username, &password))
        .await?;
    let view = desk.view(state.lang());
    let old = lock(&state.docking).replace(Arc::new(desk));
    drop_off_runtime(old);
    Ok(view)
}

#[tauri::command]
pub async fn docking_sign_out(state: State<'_, AppState>) -> CmdResult<()> {
    let old = lock(&state.docking).take();
    drop_off_runtime(old);
    Ok(())
}

/// A blocking HTTP client may not be dropped on the async runtime's threads.
fn drop_off_runtime(desk: Option<Arc<DockingDesk>>) {
    if let Some(desk) = desk {
        std::thread::spawn(move || drop(desk));
    }
}

/// Who is signed in at the desk, if anyone.
#[tauri::command]
pub async fn docking_session(state: State<'_, AppState>) -> CmdResult<Option<OperatorView>> {
    Ok(lock(&state.docking).as_ref().map(|d| d.view(state.lang())))
}

#[tauri::command]
pub async fn docking_tables(state: State<'_, AppState>) -> CmdResult<Vec<DockingTable>> {
    with_desk(&state, |desk, lang| Ok(desk.tables(lang))).await
}

#[tauri::command]
pub async fn docking_records(
    state: State<'_, AppState>,
    item: String,
) -> CmdResult<Vec<DockingRecord>> {
    with_desk(&state, move |desk, lang| desk.records(&item, lang)).await
}

/// Saves a record from the form; `revision` is the one the person edited (None: a new one).
#[tauri::command]
pub async fn docking_save(
    state: State<'_, AppState>,
    item: String,
    values: BTreeMap<String, String>,
    revision: Option<u64>,
) -> CmdResult<DockingRecord> {
    with_desk(&state, move |desk, lang| {
        desk.save_record(&item, &values, revision, lang)
    })
    .await
}

#[tauri::command]
pub async fn docking_verify(
    state: State<'_, AppState>,
    key: String,
    passed: bool,
    opinion: String,
) -> CmdResult<DockingRecord> {
    with_desk(&state, move |desk, lang| {
        desk.verify_enterprise(&key, passed, &opinion, lang)
    })
    .await
}

/// The uplink's counts and newest reports, of one state (`failed` …) when given.
#[tauri::command]
pub async fn uplink_view(
    state: State<'_, AppState>,
    filter: Option<String>,
) -> CmdResult<UplinkView> {
    with_desk(&state, move |desk, lang| {
        desk.uplink(filter.as_deref(), lang)
    })
    .await
}

/// Sends one report again (by key) or every failed and filed one; how many became pending.
#[tauri::command]
pub async fn uplink_resend(state: State<'_, AppState>, key: Option<String>) -> CmdResult<u64> {
    with_desk(&state, move |desk, _| desk.resend(key.as_deref())).await
}

/// Uploads the file the person chose in the file dialog for an attachment field; the field's
/// new value (the file's SHA-256).
#[tauri::command]
pub async fn docking_upload(
    state: State<'_, AppState>,
    file: String,
    enterprise_prefix: Option<String>,
) -> CmdResult<String> {
    let file = state.take_chosen(PathPurpose::Attachment, &file)?;
    with_desk(&state, move |desk, _| {
        desk.upload_attachment(&file, enterprise_prefix.as_deref())
    })
    .await
}

/// The operator's maintenance mode and this month's windows.
#[tauri::command]
pub async fn maintenance_view(state: State<'_, AppState>) -> CmdResult<MaintenanceView> {
    with_desk(&state, |desk, lang| desk.maintenance(lang)).await
}

/// Maintenance mode on, with what is being done.
#[tauri::command]
pub async fn maintenance_start(
    state: State<'_, AppState>,
    description: String,
) -> CmdResult<MaintenanceView> {
    with_desk(&state, move |desk, lang| {
        desk.start_maintenance(&description, lang)
    })
    .await
}

#[tauri::command]
pub async fn maintenance_end(state: State<'_, AppState>) -> CmdResult<MaintenanceView> {
    with_desk(&state, |desk, lang| desk.end_maintenance(lang)).await
}
