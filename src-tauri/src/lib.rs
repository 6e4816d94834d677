//! The desktop shell: each `#[tauri::command]` translates one workstation use case, as the CLI
//! does; the words, the logic and the database stay in `idstation-workstation`. Work that talks
//! to the node runs on its own database connection, so the window never waits for the network;
//! long work reports through events (`events.rs`).
//!
//! RECIPE (the shell is one step of a use case; see crates/workstation/src/lib.rs):
//! - A command: `#[tauri::command] pub async fn` in `commands/<area>.rs` calling one use case
//!   through `state.with(|ws, lang| …)` (or `state.detached` if it waits on the node); list it in
//!   `generate_handler!` below; its call goes in `ui/src/lib/api.ts` (or `labels.ts`).
//! - Its types: shapes the UI reads come from `workstation::view` (ts-rs generates their
//!   TypeScript twins); messages are `tr!` keys in the workstation's `locales/`, never strings here.
//! - An event: a name and a typed emitter in `events.rs`, its listener beside the call in `ui/src/lib`.
//! - A test: `tests/commands.rs` calls the command through Tauri's IPC path (mock runtime).

mod commands;
mod events;
mod state;

use commands::{
    docking, hotfolders, instruments, printing, reports, scan, settings, sync, updates,
};
use idstation_workstation::tr;
pub use state::{AppState, PathPurpose};
use tauri::{Manager as _, Runtime};

/// The app's commands and state on any runtime (the real one, or `tauri::test`'s mock).
pub fn builder<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        // A station's hot folders are watched from the moment the app starts.
        .setup(|app| {
            let _ = hotfolders::restart(app.handle(), &app.state::<AppState>());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            settings::app_info,
            settings::set_lang,
            settings::choose_path,
            settings::set_data_dir,
            settings::backup,
            settings::restore,
            instruments::dashboard,
            instruments::list_instruments,
            instruments::list_filters,
            instruments::instrument,
            instruments::form_fields,
            instruments::register,
            instruments::edit,
            instruments::delete,
            instruments::check_identifier,
            scan::resolve_scan,
            sync::sync_status,
            sync::sync_now,
            sync::sync_login,
            sync::conflicts,
            sync::resolve_conflict,
            printing::label_templates,
            printing::label_preview,
            printing::print_label,
            printing::process_print_queue,
            printing::print_batch,
            printing::printers,
            printing::add_printer,
            printing::remove_printer,
            printing::printer_status,
            printing::test_print,
            printing::print_jobs,
            printing::print_job_preview,
            printing::retry_print_job,
            printing::cancel_print_job,
            printing::reprint,
            hotfolders::hot_folders,
            hotfolders::add_hot_folder,
            hotfolders::update_hot_folder,
            hotfolders::remove_hot_folder,
            hotfolders::start_hot_folders,
            hotfolders::stop_hot_folders,
            hotfolders::preview_hot_file,
            docking::docking_sign_in,
            docking::docking_sign_out,
            docking::docking_session,
            docking::docking_tables,
            docking::docking_records,
            docking::docking_save,
            docking::docking_verify,
            docking::docking_upload,
            docking::uplink_view,
            docking::uplink_resend,
            docking::maintenance_view,
            docking::maintenance_start,
            docking::maintenance_end,
            reports::report_view,
            reports::report_refresh,
            reports::report_set_section,
            reports::report_set_language,
            reports::report_issue,
            reports::report_save_draft,
            reports::report_export,
            reports::dashboard_charts,
            updates::update_check,
            updates::update_install,
        ])
}

pub fn run() {
    let state = AppState::from_env();
    let lang = state.lang();
    let result = updates::register(builder(tauri::Builder::default(), state))
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("{}", tr!(lang, "app-cannot-start", error = e));
        std::process::exit(1);
    }
}
