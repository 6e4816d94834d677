//! Settings: what the app shows about itself, its language, its data folder, backup and restore.

use std::path::{Path, PathBuf};

use idstation_workstation::view::AppInfo;
use idstation_workstation::{tr, Lang, Workstation, WsError};
use tauri::State;

use crate::state::{AppState, CmdResult};

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> CmdResult<AppInfo> {
    state.with(|ws, lang| ws.app_info(lang))
}

#[tauri::command]
pub async fn set_lang(state: State<'_, AppState>, lang: String) -> CmdResult<()> {
    let l = Lang::parse(&lang).ok_or_else(|| state.err(WsError::UnknownField(lang.clone())))?;
    state.set_lang(l);
    Ok(())
}

/// Points the app at another data folder (created and set up when empty).
#[tauri::command]
pub async fn set_data_dir(state: State<'_, AppState>, dir: String) -> CmdResult<AppInfo> {
    state.close(Some(PathBuf::from(&dir)));
    app_info(state).await
}

#[tauri::command]
pub async fn backup(state: State<'_, AppState>, file: String) -> CmdResult<String> {
    state.with(|ws, lang| {
        let r = ws.backup(Path::new(&file), &mut |_, _| {})?;
        Ok(tr!(
            lang,
            "backup-done",
            path = r.path.display(),
            instruments = r.instruments,
            entries = r.audit_entries
        ))
    })
}

#[tauri::command]
pub async fn restore(state: State<'_, AppState>, file: String) -> CmdResult<String> {
    let lang = state.lang();
    // Close our connection first; the next command opens the restored database.
    state.close(None);
    let r = Workstation::restore(&state.data_dir(), Path::new(&file), &mut |_, _| {})
        .map_err(|e| state.err(e))?;
    Ok(tr!(
        lang,
        "restore-done",
        path = r.restored_from.display(),
        instruments = r.instruments
    ))
}
