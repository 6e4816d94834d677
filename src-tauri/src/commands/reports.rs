//! The monthly operating report: the Reports screen's draft (figures pulled through sync, text
//! sections), issuing, history and files written into a folder the person chose.

use std::path::{Path, PathBuf};

use idstation_workstation::reports::ReportView;
use idstation_workstation::{tr, Workstation, WsError};
use tauri::State;

use crate::state::{AppState, CmdResult, PathPurpose};

#[tauri::command]
pub async fn report_view(
    state: State<'_, AppState>,
    month: Option<String>,
) -> CmdResult<ReportView> {
    state.with(|ws, lang| ws.report_view(month.as_deref(), lang))
}

/// Pulls the month's figures from the node now (waits on the network: its own connection).
#[tauri::command]
pub async fn report_refresh(state: State<'_, AppState>, month: String) -> CmdResult<ReportView> {
    let m = month.clone();
    state
        .detached(move |ws, _| ws.report_refresh(&m).map(|_| ()))
        .await?;
    state.with(|ws, lang| ws.report_view(Some(&month), lang))
}

#[tauri::command]
pub async fn report_set_section(
    state: State<'_, AppState>,
    month: String,
    key: String,
    text: String,
) -> CmdResult<ReportView> {
    state.with(|ws, lang| {
        ws.report_set_section(&month, &key, &text)?;
        ws.report_view(Some(&month), lang)
    })
}

#[tauri::command]
pub async fn report_set_language(
    state: State<'_, AppState>,
    month: String,
    language: String,
) -> CmdResult<ReportView> {
    state.with(|ws, lang| {
        ws.report_set_language(&month, &language)?;
        ws.report_view(Some(&month), lang)
    })
}

/// Issues the month's report (the next version when one is issued already).
#[tauri::command]
pub async fn report_issue(state: State<'_, AppState>, month: String) -> CmdResult<ReportView> {
    state.with(|ws, lang| {
        ws.report_issue(&month)?;
        ws.report_view(Some(&month), lang)
    })
}

/// Writes the draft's PDF and CSV (marked 草稿) into the folder the person chose.
#[tauri::command]
pub async fn report_save_draft(
    state: State<'_, AppState>,
    month: String,
    dir: String,
) -> CmdResult<String> {
    into_chosen_folder(&state, &dir, |ws, dir| ws.report_preview_to(&month, dir))
}

/// Writes an issued report's PDF and CSV, as issued, into the folder the person chose.
#[tauri::command]
pub async fn report_export(
    state: State<'_, AppState>,
    number: String,
    dir: String,
) -> CmdResult<String> {
    into_chosen_folder(&state, &dir, |ws, dir| ws.report_export(&number, dir))
}

/// Writes report files into the folder the person chose in the file dialog; says how many.
fn into_chosen_folder(
    state: &AppState,
    dir: &str,
    write: impl FnOnce(&mut Workstation, &Path) -> Result<Vec<PathBuf>, WsError>,
) -> CmdResult<String> {
    let dir = state.take_chosen(PathPurpose::ReportFolder, dir)?;
    state.with(|ws, lang| {
        let written = write(ws, &dir)?;
        Ok(tr!(
            lang,
            "report-exported",
            count = written.len(),
            dir = dir.display()
        ))
    })
}

/// The dashboard's charts (due calibrations ahead, the last 30 days' figures).
#[tauri::command]
pub async fn dashboard_charts(
    state: State<'_, AppState>,
) -> CmdResult<idstation_workstation::reports::DashboardCharts> {
    state.with(|ws, lang| ws.dashboard_charts(idstation_workstation::Workstation::today(), lang))
}
