//! Instruments: the dashboard, the table (search and filters), the record screen, the forms
//! (register, edit) and deletion.

use std::collections::BTreeMap;

use idstation_workstation::view::{
    self, Dashboard, FormField, InstrumentPage, InstrumentView, ListFilters, ListQuery,
};
use idstation_workstation::Workstation;
use tauri::State;

use crate::state::{AppState, CmdResult};

#[tauri::command]
pub async fn dashboard(state: State<'_, AppState>) -> CmdResult<Dashboard> {
    state.with(|ws, lang| ws.dashboard(Workstation::today(), lang))
}

#[tauri::command]
pub async fn list_instruments(
    state: State<'_, AppState>,
    query: ListQuery,
) -> CmdResult<InstrumentPage> {
    state.with(|ws, lang| ws.list_page(&query, Workstation::today(), lang))
}

/// The table's filter choices, in the person's language.
#[tauri::command]
pub async fn list_filters(state: State<'_, AppState>) -> CmdResult<ListFilters> {
    Ok(view::list_filters(state.lang()))
}

#[tauri::command]
pub async fn instrument(
    state: State<'_, AppState>,
    identifier: String,
) -> CmdResult<InstrumentView> {
    state.with(|ws, lang| ws.instrument_view(&identifier, Workstation::today(), lang))
}

#[tauri::command]
pub async fn form_fields(state: State<'_, AppState>) -> CmdResult<Vec<FormField>> {
    state.with(|ws, lang| Ok(ws.form_fields(lang)))
}

#[tauri::command]
pub async fn register(
    state: State<'_, AppState>,
    values: BTreeMap<String, String>,
) -> CmdResult<InstrumentView> {
    state.with(|ws, lang| {
        let rec = ws.register_form(&values)?;
        ws.instrument_view(
            &rec.instrument.identifier.to_string(),
            Workstation::today(),
            lang,
        )
    })
}

#[tauri::command]
pub async fn edit(
    state: State<'_, AppState>,
    identifier: String,
    values: BTreeMap<String, String>,
    expected_version: Option<i64>,
) -> CmdResult<InstrumentView> {
    state.with(|ws, lang| {
        ws.edit_form(&identifier, &values, expected_version)?;
        ws.instrument_view(&identifier, Workstation::today(), lang)
    })
}

#[tauri::command]
pub async fn delete(
    state: State<'_, AppState>,
    identifier: String,
    reason: String,
) -> CmdResult<()> {
    state.with(|ws, _| ws.delete(&identifier, &reason).map(|_| ()))
}

/// Whether the text is an identifier, for the form's instant check (the problem in words).
#[tauri::command]
pub async fn check_identifier(
    state: State<'_, AppState>,
    text: String,
) -> CmdResult<Option<String>> {
    Ok(view::check_identifier(&text, state.lang()))
}
