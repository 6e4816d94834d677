//! The names of things: fields, statuses, calibration results, audit actions, sync states
//! (`locales/<lang>/instruments.ftl` and `sync.ftl`; field and live-status names from
//! `idstation_model`, which reads them too).

use idstation_model::{CalibrationResult, Field, InstrumentStatus, LiveStatus};

use super::Lang;
use crate::sync::SyncState;
use crate::tr;

pub fn field_label(field: &Field, lang: Lang) -> String {
    let (zh, en) = field.labels();
    lang.pick(zh, en).to_string()
}

pub fn live_status_label(s: LiveStatus, lang: Lang) -> String {
    let (zh, en) = s.labels();
    lang.pick(zh, en).to_string()
}

pub fn status_label(s: InstrumentStatus, lang: Lang) -> String {
    match s {
        InstrumentStatus::InUse => tr!(lang, "status-in-use"),
        InstrumentStatus::Restricted => tr!(lang, "status-restricted"),
        InstrumentStatus::Stopped => tr!(lang, "status-stopped"),
        InstrumentStatus::Scrapped => tr!(lang, "status-scrapped"),
    }
}

pub fn result_label(r: CalibrationResult, lang: Lang) -> String {
    match r {
        CalibrationResult::Pass => tr!(lang, "result-pass"),
        CalibrationResult::Restricted => tr!(lang, "result-restricted"),
        CalibrationResult::Fail => tr!(lang, "result-fail"),
    }
}

/// What an audit entry's action did to a record; unknown actions as they are.
pub fn action_label(action: &str, lang: Lang) -> String {
    match action {
        "register" | "insert" | "create" => tr!(lang, "action-register"),
        "update" | "edit" => tr!(lang, "action-edit"),
        "delete" => tr!(lang, "action-delete"),
        "undelete" => tr!(lang, "action-undelete"),
        "import" => tr!(lang, "action-import"),
        "resolve_conflict" => tr!(lang, "action-resolve-conflict"),
        "init" => tr!(lang, "action-init"),
        "restore" => tr!(lang, "action-restore"),
        "sign_in_elsewhere" => tr!(lang, "action-sign-in-elsewhere"),
        other => other.to_string(),
    }
}

pub fn sync_state_label(s: SyncState, lang: Lang) -> String {
    match s {
        SyncState::Offline => tr!(lang, "sync-state-offline"),
        SyncState::Conflicts => tr!(lang, "sync-state-conflicts"),
        SyncState::Error => tr!(lang, "sync-state-error"),
        SyncState::Pending => tr!(lang, "sync-state-pending"),
        SyncState::NeverSynced => tr!(lang, "sync-state-never"),
        SyncState::Clean => tr!(lang, "sync-state-clean"),
        SyncState::Syncing => tr!(lang, "sync-state-syncing"),
    }
}

/// What a restore did to keep numbers from being issued twice, for the person who restored.
pub fn restore_numbering(n: &idstation_store::NumberingAfterRestore, lang: Lang) -> String {
    use idstation_store::NumberingAfterRestore as N;
    match n {
        N::CarriedForward { .. } => tr!(lang, "restore-numbers-carried"),
        N::LeasesSetAside { leases } => tr!(lang, "restore-leases-set-aside", leases = leases),
    }
}
