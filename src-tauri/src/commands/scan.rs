//! The always-ready scan box: what a barcode scanner typed, opened.

use idstation_workstation::view::ScanOutcome;
use idstation_workstation::Workstation;
use tauri::State;

use crate::state::{AppState, CmdResult};

/// This workstation first (on the shared connection), then the node on a connection of its
/// own, so a slow node holds up nothing else.
#[tauri::command]
pub async fn resolve_scan(state: State<'_, AppState>, text: String) -> CmdResult<ScanOutcome> {
    if let Some(local) = state.with(|ws, lang| ws.scan_here(&text, lang))? {
        return Ok(local);
    }
    state
        .detached(move |ws, lang| ws.resolve_scan(&text, Workstation::today(), lang))
        .await
}
