//! Every event the app sends the window, with its payload type: long work (sync, batch
//! printing, hot folders) reports progress here instead of holding a command open. The UI listens in
//! `ui/src/lib/api.ts` (sync) and `ui/src/lib/labels.ts` (printing).

use idstation_workstation::view::{SyncOutcome, SyncProgressView};
use idstation_workstation::{ActivityLine, PrintProgress};
use tauri::{AppHandle, Emitter, Runtime};

use crate::commands::updates::UpdateInfo;

pub const SYNC_PROGRESS: &str = "sync-progress";
pub const SYNC_FINISHED: &str = "sync-finished";
pub const PRINT_PROGRESS: &str = "print-progress";
pub const UPDATE_AVAILABLE: &str = "update-available";
pub const HOT_FOLDER_ACTIVITY: &str = "hot-folder-activity";

// A window that is gone misses the event; nothing else is to be done about it.

pub fn sync_progress<R: Runtime>(app: &AppHandle<R>, p: SyncProgressView) {
    let _ = app.emit(SYNC_PROGRESS, p);
}

pub fn sync_finished<R: Runtime>(app: &AppHandle<R>, o: SyncOutcome) {
    let _ = app.emit(SYNC_FINISHED, o);
}

pub fn print_progress<R: Runtime>(app: &AppHandle<R>, p: PrintProgress) {
    let _ = app.emit(PRINT_PROGRESS, p);
}

pub fn update_available<R: Runtime>(app: &AppHandle<R>, u: UpdateInfo) {
    let _ = app.emit(UPDATE_AVAILABLE, u);
}

pub fn hot_folder_activity<R: Runtime>(app: &AppHandle<R>, line: ActivityLine) {
    let _ = app.emit(HOT_FOLDER_ACTIVITY, line);
}
