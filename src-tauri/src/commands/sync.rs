//! Sync with the node: its state, "sync now" (in the background, reported through events),
//! signing in, and settling conflicts.

use std::sync::atomic::Ordering;

use idstation_workstation::view::{ConflictView, SyncView};
use idstation_workstation::{conflict_choice, sync_folder};
use tauri::{AppHandle, Runtime, State};

use crate::events;
use crate::state::{AppState, CmdResult};

#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> CmdResult<SyncView> {
    let syncing = state.syncing.load(Ordering::SeqCst);
    state.with(|ws, lang| {
        let v = ws.sync_view(lang)?;
        Ok(if syncing { v.syncing(lang) } else { v })
    })
}

/// Starts a sync on a thread of its own and returns at once (false if one is already
/// running). Progress arrives as `sync-progress` events, the end as `sync-finished`.
#[tauri::command]
pub async fn sync_now<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<bool> {
    let syncing = state.syncing.clone();
    if syncing.swap(true, Ordering::SeqCst) {
        return Ok(false);
    }
    let (dir, actor, lang) = (state.data_dir(), state.actor.clone(), state.lang());
    std::thread::spawn(move || {
        let outcome = sync_folder(&dir, &actor, lang, &mut |p| events::sync_progress(&app, p));
        syncing.store(false, Ordering::SeqCst);
        // A sync that reached the node is the moment to ask it for a newer release.
        if outcome.ok {
            super::updates::check_in_background(&app);
        }
        events::sync_finished(&app, outcome);
    });
    Ok(true)
}

/// Signs in to a node (on a connection of its own: the node may be slow or away).
#[tauri::command]
pub async fn sync_login(
    state: State<'_, AppState>,
    node_url: String,
    username: String,
    password: String,
    device_name: String,
) -> CmdResult<SyncView> {
    state
        .detached(move |ws, lang| {
            ws.sync_login(&node_url, &username, &password, &device_name)?;
            ws.sync_view(lang)
        })
        .await
}

#[tauri::command]
pub async fn conflicts(state: State<'_, AppState>) -> CmdResult<Vec<ConflictView>> {
    state.with(|ws, lang| ws.conflict_views(lang))
}

/// `take` is `local` or `server`; or give a merged `value`.
#[tauri::command]
pub async fn resolve_conflict(
    state: State<'_, AppState>,
    id: i64,
    take: Option<String>,
    value: Option<String>,
) -> CmdResult<Vec<ConflictView>> {
    let choice = conflict_choice(take.as_deref(), value).map_err(|e| state.err(e))?;
    state.with(|ws, lang| {
        ws.resolve_conflict(id, &choice)?;
        ws.conflict_views(lang)
    })
}
