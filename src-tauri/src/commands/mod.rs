//! The app's `#[tauri::command]`s, one file per area. Each translates one workstation use case:
//! arguments in (camelCase from the UI), the result or a `UiError` out; no logic of its own.

pub mod docking;
pub mod hotfolders;
pub mod instruments;
pub mod printing;
pub mod reports;
pub mod scan;
pub mod settings;
pub mod sync;
pub mod updates;
