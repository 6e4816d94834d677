//! Settings: what the app shows about itself, its language, its data folder, backup and restore.

use std::path::PathBuf;

use idstation_workstation::view::AppInfo;
use idstation_workstation::{i18n, tr, Lang, Workstation, WsError};
use tauri::{AppHandle, Runtime, State};

use crate::state::{internal, AppState, CmdResult, PathPurpose};

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

/// Shows the system's file dialog for one purpose and notes the path the person chose (the
/// commands below take only such paths). `None` when the person cancelled.
#[tauri::command]
pub async fn choose_path<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    purpose: PathPurpose,
) -> CmdResult<Option<String>> {
    use tauri_plugin_dialog::DialogExt as _;
    let lang = state.lang();
    let data_dir = state.data_dir();
    let dialog = app.dialog().file().set_directory(&data_dir);
    // Files to import are where the person keeps theirs, never in the data folder.
    let home = std::env::var_os("HOME").map_or(data_dir, PathBuf::from);
    let picked = tauri::async_runtime::spawn_blocking(move || match purpose {
        PathPurpose::Backup => dialog
            .set_title(tr!(lang, "dialog-backup-title"))
            .set_file_name(format!(
                "idstation-{}.sqlite",
                chrono::Local::now().format("%Y%m%d-%H%M")
            ))
            .add_filter(tr!(lang, "dialog-backup-filter"), &["sqlite"])
            .blocking_save_file(),
        PathPurpose::Restore => dialog
            .set_title(tr!(lang, "dialog-restore-title"))
            .add_filter(tr!(lang, "dialog-backup-filter"), &["sqlite"])
            .blocking_pick_file(),
        PathPurpose::DataDir => dialog
            .set_title(tr!(lang, "dialog-data-dir-title"))
            .blocking_pick_folder(),
        // Not the data folder, which can hold no hot folder: where the person's files are.
        PathPurpose::HotFolder => dialog
            .set_directory(home)
            .set_title(tr!(lang, "dialog-hot-folder-title"))
            .blocking_pick_folder(),
        PathPurpose::HotSample => dialog
            .set_directory(home)
            .set_title(tr!(lang, "dialog-hot-sample-title"))
            .add_filter(
                tr!(lang, "dialog-hot-sample-filter"),
                &["csv", "xlsx", "xls", "json", "jsonl"],
            )
            .blocking_pick_file(),
        PathPurpose::Attachment => dialog
            .set_directory(home)
            .set_title(tr!(lang, "dialog-attachment-title"))
            .add_filter(
                tr!(lang, "dialog-attachment-filter"),
                &["jpg", "jpeg", "png", "pdf"],
            )
            .blocking_pick_file(),
        PathPurpose::ReportFolder => dialog
            .set_directory(home)
            .set_title(tr!(lang, "dialog-report-folder-title"))
            .blocking_pick_folder(),
    })
    .await
    .map_err(|e| internal(&e))?;
    let Some(path) = picked.and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    let shown = path.display().to_string();
    state.chose_path(purpose, path);
    Ok(Some(shown))
}

/// Points the app at another data folder (created and set up when empty): one the person
/// chose in the file dialog.
#[tauri::command]
pub async fn set_data_dir<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    dir: String,
) -> CmdResult<AppInfo> {
    let dir = state.take_chosen(PathPurpose::DataDir, &dir)?;
    state.close(Some(dir));
    // That folder's hot folders, if it has any.
    crate::commands::hotfolders::restart(&app, &state)?;
    app_info(state).await
}

#[tauri::command]
pub async fn backup(state: State<'_, AppState>, file: String) -> CmdResult<String> {
    let file = state.take_chosen(PathPurpose::Backup, &file)?;
    state.with(|ws, lang| {
        let r = ws.backup(&file, &mut |_, _| {})?;
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
pub async fn restore<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    file: String,
) -> CmdResult<String> {
    let file = state.take_chosen(PathPurpose::Restore, &file)?;
    let lang = state.lang();
    // Close our connection first; the next command opens the restored database.
    state.close(None);
    let restored = Workstation::restore(&state.data_dir(), &file, &state.actor, &mut |_, _| {});
    // Watched again on the database now in place (restored, or the old one kept).
    crate::commands::hotfolders::restart(&app, &state)?;
    let r = restored.map_err(|e| state.err(e))?;
    Ok(format!(
        "{} {}",
        tr!(
            lang,
            "restore-done",
            path = r.restored_from.display(),
            instruments = r.instruments
        ),
        i18n::restore_numbering(&r.numbering, lang)
    ))
}
