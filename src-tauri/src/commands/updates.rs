//! The app updates itself from the node it syncs with, never from the internet: the node
//! serves the operator's signed release (crates/node/src/http/updates.rs) and tauri-plugin-updater
//! checks its signature against the project's public key (tauri.conf.json, the same as
//! installer/keys/updater.pub) before installing. The window checks when it opens
//! (ui/src/components/UpdateBanner.svelte) and this module after every sync that reached the
//! node (`update-available`), so a field site updates when it next reaches its node; installing
//! waits for any print in progress and refuses while a sync runs (it holds both off while it
//! works). The plugin's own JS commands are not granted: only these commands install.

use std::sync::atomic::Ordering;
use std::sync::Mutex;

use idstation_workstation::view::UiError;
use idstation_workstation::{tr, Workstation};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_updater::{Update, UpdaterExt};

use crate::events;
use crate::state::{lock, AppState, CmdResult};

/// The feed's path on the node; the plugin fills in the placeholders.
const FEED: &str = "/api/v1/updates/{{target}}/{{arch}}/{{current_version}}?bundle={{bundle_type}}";

/// The update found by the last check, kept for `update_install`. Managed only where the
/// plugin is registered (the real app, not `tauri::test`'s mock).
#[derive(Default)]
pub struct Pending(Mutex<Option<Update>>);

/// What the window shows of an available update (also the `update-available` event).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateInfo {
    pub version: String,
    pub current_version: String,
    pub notes: Option<String>,
}

/// Registers the plugin and what the commands need; `run()` calls it.
pub fn register<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(Pending::default())
}

fn fail(code: &str, message: String) -> UiError {
    UiError {
        code: code.into(),
        message,
        fields: vec![],
    }
}

/// The node this workstation syncs with, if it has signed in to one.
fn node_url(state: &AppState) -> Option<String> {
    Workstation::open(&state.data_dir(), &state.actor)
        .and_then(|ws| ws.sync_settings())
        .ok()
        .and_then(|s| s.node_url)
}

async fn check<R: Runtime>(app: &AppHandle<R>, state: &AppState) -> CmdResult<Option<UpdateInfo>> {
    let lang = state.lang();
    let Some(pending) = app.try_state::<Pending>() else {
        return Err(fail("updates_unavailable", tr!(lang, "update-unavailable")));
    };
    let Some(node) = node_url(state) else {
        return Ok(None);
    };
    let update = ask(app, &node).await.map_err(|e| {
        fail(
            "update_check_failed",
            tr!(lang, "update-check-failed", error = e),
        )
    })?;
    let info = update.as_ref().map(|u| UpdateInfo {
        version: u.version.clone(),
        current_version: u.current_version.clone(),
        notes: u.body.clone(),
    });
    *lock(&pending.0) = update;
    Ok(info)
}

/// Asks `node`'s feed; the plugin checks the signature only when installing.
async fn ask<R: Runtime>(app: &AppHandle<R>, node: &str) -> Result<Option<Update>, String> {
    let endpoint = format!("{}{FEED}", node.trim_end_matches('/'));
    let url = endpoint
        .parse::<tauri::Url>()
        .map_err(|e| format!("{endpoint}: {e}"))?;
    app.updater_builder()
        .endpoints(vec![url])
        .and_then(|b| b.timeout(std::time::Duration::from_secs(30)).build())
        .map_err(|e| e.to_string())?
        .check()
        .await
        .map_err(|e| e.to_string())
}

/// Checks the node for a newer release; `None` when there is none or no node is set.
#[tauri::command]
pub async fn update_check<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<Option<UpdateInfo>> {
    check(&app, &state).await
}

/// Installs the update the last check found and restarts the app. Refused while a sync
/// runs; waits for a print in progress to finish; neither can start until it is done.
#[tauri::command]
pub async fn update_install<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<()> {
    let lang = state.lang();
    let update = match app.try_state::<Pending>() {
        Some(p) => lock(&p.0).clone(),
        None => None,
    };
    let Some(update) = update else {
        return Err(fail("no_update", tr!(lang, "update-none")));
    };
    // Holding the sync flag keeps a sync from starting; a running one refuses the install.
    if state.syncing.swap(true, Ordering::SeqCst) {
        return Err(fail("busy_syncing", tr!(lang, "update-busy-syncing")));
    }
    // Prints run under the workstation lock: taking it waits for one in progress and holds
    // off the next until the app restarts. (On a blocking thread: the guard is not Send.)
    let handle = app.clone();
    let result = tauri::async_runtime::spawn_blocking(move || {
        let state = handle.state::<AppState>();
        let _prints_held = state.hold_workstation();
        tauri::async_runtime::block_on(update.download_and_install(|_, _| {}, || {}))
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    state.syncing.store(false, Ordering::SeqCst);
    result.map_err(|e| {
        fail(
            "update_install_failed",
            tr!(lang, "update-install-failed", error = e),
        )
    })?;
    app.restart()
}

/// Checks in the background and tells the window when a newer release is there.
pub fn check_in_background<R: Runtime>(app: &AppHandle<R>) {
    if app.try_state::<Pending>().is_none() {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        match check(&app, &state).await {
            Ok(Some(info)) => events::update_available(&app, info),
            Ok(None) => {}
            Err(e) => eprintln!("IDStation: {}", e.message),
        }
    });
}

#[cfg(test)]
mod tests {
    /// The key the app trusts is the one the project publishes beside its installers.
    #[test]
    fn the_app_trusts_the_committed_public_key() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../../tauri.conf.json")).expect("tauri.conf.json");
        let key = include_str!("../../../installer/keys/updater.pub").trim();
        assert_eq!(conf["plugins"]["updater"]["pubkey"], key);
        assert!(!key.is_empty());
    }
}
