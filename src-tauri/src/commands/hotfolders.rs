//! Hot folders: the screen (folders, whether they are watched, what happened), adding a folder
//! the person chose in the file dialog, changing and removing one, starting and stopping. The
//! app watches its folders from start-up; every change of the settings starts them again.

use std::path::Path;

use idstation_workstation::{
    activity_line, hot_folders_view, Activity, FilePreview, HotFolderForm, HotFoldersView, WsError,
};
use tauri::{AppHandle, Runtime, State};

use crate::events;
use crate::state::{lock, AppState, CmdResult, PathPurpose, ACTIVITY_KEPT};

#[tauri::command]
pub async fn hot_folders(state: State<'_, AppState>) -> CmdResult<HotFoldersView> {
    view(&state)
}

/// Adds a folder the person chose in the file dialog (created archive/ and error/ in it once
/// it is watched), then watches the folders again.
#[tauri::command]
pub async fn add_hot_folder<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    folder: String,
    form: HotFolderForm,
) -> CmdResult<HotFoldersView> {
    let path = state.take_chosen(PathPurpose::HotFolder, &folder)?;
    state.with(|ws, _| ws.put_hot_folder_form(&path, &form))?;
    restart(&app, &state)
}

/// Changes what a configured folder does.
#[tauri::command]
pub async fn update_hot_folder<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    folder: String,
    form: HotFolderForm,
) -> CmdResult<HotFoldersView> {
    // Only a folder that is configured already (a new one comes from the dialog).
    state.with(|ws, _| ws.change_hot_folder(Path::new(&folder), &form))?;
    restart(&app, &state)
}

/// Stops watching a folder; its files, archive/ and error/ stay where they are.
#[tauri::command]
pub async fn remove_hot_folder<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    folder: String,
) -> CmdResult<HotFoldersView> {
    state.with(|ws, _| ws.remove_hot_folder(Path::new(&folder)))?;
    restart(&app, &state)
}

#[tauri::command]
pub async fn start_hot_folders<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<HotFoldersView> {
    restart(&app, &state)
}

#[tauri::command]
pub async fn stop_hot_folders(state: State<'_, AppState>) -> CmdResult<HotFoldersView> {
    state.stop_hot_folders();
    view(&state)
}

fn view(state: &AppState) -> CmdResult<HotFoldersView> {
    let config = state.with(|ws, _| ws.hot_folders())?;
    let running = lock(&state.hot_folders)
        .as_ref()
        .is_some_and(|h| h.is_running());
    let log: Vec<_> = lock(&state.hot_activity).iter().cloned().collect();
    let start_error = lock(&state.hot_start_error).clone();
    Ok(hot_folders_view(
        &config,
        running,
        start_error,
        &log,
        state.lang(),
    ))
}

/// Watches the configured folders afresh (none configured: nothing runs). Each thing the
/// watcher does is kept for the screen and sent to the window as it happens. A start that
/// fails is shown on the screen, not thrown: the settings were saved all the same.
pub(crate) fn restart<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
) -> CmdResult<HotFoldersView> {
    state.stop_hot_folders();
    *lock(&state.hot_start_error) = None;
    let folders = state.with(|ws, _| ws.hot_folders())?.folders;
    if !folders.is_empty() {
        let (log, app, lang) = (state.hot_activity.clone(), app.clone(), state.lang());
        let started = state.with(|ws, _| {
            ws.watch_hot_folders(folders, move |a: Activity| {
                let now = chrono::Local::now();
                // Progress is for the moment only; the list keeps what happened.
                let Some(line) = activity_line(now, &a, lang) else {
                    return;
                };
                events::hot_folder_activity(&app, line);
                let mut log = lock(&log);
                if log.len() == ACTIVITY_KEPT {
                    log.pop_front();
                }
                log.push_back((now, a));
            })
        });
        match started {
            Ok(running) => *lock(&state.hot_folders) = Some(running),
            Err(e) => *lock(&state.hot_start_error) = Some(e.message),
        }
    }
    view(state)
}

/// A sample file read with the form's settings, for the mapping editor: `file` as the dialog
/// returned it the first time, then `None` to read the same sample with a changed mapping.
#[tauri::command]
pub async fn preview_hot_file(
    state: State<'_, AppState>,
    file: Option<String>,
    form: HotFolderForm,
) -> CmdResult<FilePreview> {
    if let Some(file) = file {
        let path = state.take_chosen(PathPurpose::HotSample, &file)?;
        *lock(&state.hot_sample) = Some(path);
    }
    let Some(path) = lock(&state.hot_sample).clone() else {
        return Err(state.err(WsError::PathNotChosen(String::new())));
    };
    state.with(|ws, lang| ws.preview_hot_file(&path, &form, lang))
}
