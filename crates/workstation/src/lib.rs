//! The workstation's use cases: what lab staff do, whether through the desktop app or the
//! `idstation` command line. Both only translate to and from these calls.

pub mod demo;
pub mod i18n;
mod import;
pub mod labels;
mod sync;
pub mod view;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use idstation_model::{
    Field, FieldError, Identifier, IdentifierError, Instrument, InstrumentInput, LiveStatus,
    MetadataTemplate, ValidationErrors,
};
use idstation_store::{
    AuditBreak, AuditEntry, AuditReport, BackupReport, ConsistencyReport, Device, InstrumentFilter,
    InstrumentRecord, OutboxStats, RestoreReport, SearchResults, Store, StoreError,
};
use serde::Serialize;

pub use i18n::Lang;
pub use idstation_labels;
pub use import::ImportReport;
pub use labels::{LabelRequest, PrintProgress, QueueReport, RenderedFile, TemplateInfo};

/// The database's file name inside the data folder.
pub const DB_FILE: &str = "workstation.sqlite";

/// Where data lives unless told otherwise: the platform's data folder.
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .map(|d| d.join("idstation"))
        .unwrap_or_else(|| PathBuf::from("idstation-data"))
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WsError {
    #[error("invalid input: {0}")]
    Invalid(ValidationErrors),
    #[error("invalid identifier: {0}")]
    Identifier(#[from] IdentifierError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{total} invalid rows in {}", file.display())]
    ImportRejected {
        file: PathBuf,
        rows: Vec<ImportRow>,
        total: usize,
    },
    #[error("unknown field '{0}'")]
    UnknownField(String),
    #[error("unsupported file type: {}", .0.display())]
    UnsupportedFile(PathBuf),
    #[error("cannot access {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("audit trail broken: {0:?}")]
    AuditBroken(AuditBreak),
    #[error("invalid enterprise prefix '{0}'")]
    InvalidPrefix(String),
    #[error(transparent)]
    Sync(#[from] idstation_sync::SyncError),
    #[error(transparent)]
    Label(#[from] idstation_labels::LabelError),
    #[error(transparent)]
    Printer(#[from] idstation_labels::TransportError),
    #[error("printer {0} is not ready: {1:?}")]
    PrinterNotReady(String, idstation_labels::PrinterStatus),
    #[error("invalid printer profile: {0:?}")]
    InvalidPrinter(Vec<(String, String)>),
    #[error("no label template named '{0}'")]
    UnknownTemplate(String),
    #[error("invalid {0}: '{1}'")]
    InvalidSetting(&'static str, String),
    #[error("a reprint needs a reason")]
    ReasonRequired,
    #[error("label for {0}: {1}")]
    InBatch(String, Box<WsError>),
}

impl WsError {
    /// The message for a person, in their language.
    pub fn message(&self, lang: Lang) -> String {
        i18n::error_message(self, lang)
    }

    /// A stable code for scripts and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            WsError::Invalid(_) => "invalid_input",
            WsError::Identifier(_) => "invalid_identifier",
            WsError::Store(StoreError::NotFound(_)) => "not_found",
            WsError::Store(StoreError::AlreadyExists(_)) => "already_exists",
            WsError::Store(StoreError::Deleted(_)) => "deleted",
            WsError::Store(StoreError::VersionConflict { .. }) => "version_conflict",
            WsError::Store(StoreError::NotInitialised(_)) => "not_initialised",
            WsError::Store(StoreError::BackupInvalid { .. }) => "backup_invalid",
            WsError::Store(StoreError::NoLease) => "no_lease",
            WsError::Store(StoreError::ConflictResolved(_)) => "conflict_resolved",
            WsError::Store(StoreError::LabelNotFound(..)) => "not_found",
            WsError::Store(StoreError::PrinterExists(_)) => "already_exists",
            WsError::Store(StoreError::JobState { .. }) => "job_state",
            WsError::Store(_) => "store_error",
            WsError::ImportRejected { .. } => "import_rejected",
            WsError::UnknownField(_) => "unknown_field",
            WsError::UnsupportedFile(_) => "unsupported_file",
            WsError::Io { .. } => "io_error",
            WsError::AuditBroken(_) => "audit_broken",
            WsError::InvalidPrefix(_) => "invalid_prefix",
            WsError::Label(idstation_labels::LabelError::MissingFields(_)) => {
                "label_missing_fields"
            }
            WsError::Label(_) => "label_error",
            WsError::Printer(idstation_labels::TransportError::Offline(_)) => "printer_offline",
            WsError::Printer(_) => "printer_error",
            WsError::PrinterNotReady(..) => "printer_not_ready",
            WsError::InvalidPrinter(_) => "invalid_printer",
            WsError::UnknownTemplate(_) => "unknown_template",
            WsError::InvalidSetting(..) => "invalid_setting",
            WsError::ReasonRequired => "reason_required",
            WsError::InBatch(_, e) => e.code(),
            WsError::Sync(e) => match e {
                idstation_sync::SyncError::Network(_) => "node_unreachable",
                idstation_sync::SyncError::Server { .. } => "node_failed",
                idstation_sync::SyncError::Unauthorized => "node_unauthorized",
                idstation_sync::SyncError::Refused { code, .. } if code == "account_pending" => {
                    "account_pending"
                }
                idstation_sync::SyncError::Refused { .. } => "node_refused",
                idstation_sync::SyncError::Protocol(_) => "node_protocol",
                idstation_sync::SyncError::NotConfigured => "sync_not_configured",
                idstation_sync::SyncError::Store(_) => "store_error",
            },
        }
    }

    /// Field-level problems, for forms that mark each field.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            WsError::Invalid(e) => &e.0,
            _ => &[],
        }
    }
}

pub type Result<T, E = WsError> = std::result::Result<T, E>;

/// One rejected row of an import file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportRow {
    pub line: usize,
    pub errors: Vec<ImportProblem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImportProblem {
    Field(FieldError),
    Malformed(String),
    DuplicateInFile { first_line: usize },
    AlreadyRegistered(String),
    UnknownColumn(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct InstrumentDetails {
    pub record: InstrumentRecord,
    pub live_status: LiveStatus,
    pub history: Vec<AuditEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub audit: AuditReport,
    pub consistency: ConsistencyReport,
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub device: Device,
    pub data_dir: PathBuf,
    pub instruments: i64,
    pub outbox: OutboxStats,
}

pub struct Workstation {
    store: Store,
    data_dir: PathBuf,
    actor: String,
    template: MetadataTemplate,
    renderer: std::sync::OnceLock<idstation_labels::Renderer>,
    /// The language of messages this workstation stores for people to read later (a print
    /// job's error); zh-CN unless the app or the CLI says otherwise.
    lang: Lang,
}

pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join(DB_FILE)
}

impl Workstation {
    /// Sets up a new workstation for the enterprise that owns `prefix` (e.g. `88.118.8`).
    pub fn init(data_dir: &Path, prefix: &str, actor: &str) -> Result<Workstation> {
        let prefix = prefix.trim();
        if !idstation_model::identifier::is_valid_prefix(prefix) {
            return Err(WsError::InvalidPrefix(prefix.to_string()));
        }
        std::fs::create_dir_all(data_dir).map_err(|source| WsError::Io {
            path: data_dir.to_path_buf(),
            source,
        })?;
        Store::create(&db_path(data_dir), prefix, actor)?;
        Workstation::open(data_dir, actor)
    }

    pub fn open(data_dir: &Path, actor: &str) -> Result<Workstation> {
        let store = Store::open(&db_path(data_dir))?;
        let template = store.active_template()?;
        Ok(Workstation {
            store,
            data_dir: data_dir.to_path_buf(),
            actor: actor.to_string(),
            template,
            renderer: std::sync::OnceLock::new(),
            lang: Lang::ZhCn,
        })
    }

    /// Sets the language of the messages it stores from now on (see the `lang` field).
    pub fn set_lang(&mut self, lang: Lang) {
        self.lang = lang;
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn template(&self) -> &MetadataTemplate {
        &self.template
    }

    /// Validates input against the rules, the template and this enterprise's prefix.
    pub fn validate(&self, input: &InstrumentInput) -> Result<Instrument, ValidationErrors> {
        input.validate_for(&self.template, &self.store.device().prefix)
    }

    pub fn register(&mut self, input: &InstrumentInput) -> Result<InstrumentRecord> {
        let inst = self.validate(input).map_err(WsError::Invalid)?;
        Ok(self.store.insert_instrument(&self.actor, &inst)?)
    }

    /// Accepts what a scanner types: bare handle, `hdl:`, resolver URL, GS1 Digital Link.
    pub fn parse_identifier(text: &str) -> Result<Identifier> {
        Ok(Identifier::parse(text)?)
    }

    pub fn find(&self, identifier: &str) -> Result<InstrumentRecord> {
        let id = Self::parse_identifier(identifier)?;
        self.store
            .get_instrument(&id)?
            .ok_or_else(|| StoreError::NotFound(id.to_string()).into())
    }

    pub fn details(&self, identifier: &str, today: NaiveDate) -> Result<InstrumentDetails> {
        let record = self.find(identifier)?;
        let history = self
            .store
            .audit_entries(Some(&record.instrument.identifier.to_string()), 200)?;
        Ok(InstrumentDetails {
            live_status: record.instrument.live_status(today),
            record,
            history,
        })
    }

    /// Changes some fields (an empty value clears one). Returns `None` when nothing changed.
    pub fn edit(
        &mut self,
        identifier: &str,
        changes: &[(Field, String)],
        expected_version: Option<i64>,
    ) -> Result<Option<InstrumentRecord>> {
        let current = self.find(identifier)?;
        if current.deleted_at.is_some() {
            return Err(StoreError::Deleted(current.instrument.identifier.to_string()).into());
        }
        let mut input = current.instrument.to_input();
        for (field, value) in changes {
            if *field == Field::Identifier {
                return Err(StoreError::IdentifierImmutable(
                    current.instrument.identifier.to_string(),
                )
                .into());
            }
            input.set(field, value.clone());
        }
        // A changed calibration date or interval recomputes the due date unless one was typed.
        let touches_schedule = changes
            .iter()
            .any(|(f, _)| matches!(f, Field::CalLastDate | Field::CalIntervalMonths));
        if touches_schedule && !changes.iter().any(|(f, _)| *f == Field::CalNextDue) {
            input.cal_next_due = None;
        }
        let inst = self.validate(&input).map_err(WsError::Invalid)?;
        Ok(self
            .store
            .update_instrument(&self.actor, &inst, expected_version)?)
    }

    pub fn delete(&mut self, identifier: &str, reason: &str) -> Result<InstrumentRecord> {
        let id = Self::parse_identifier(identifier)?;
        Ok(self.store.set_deleted(&self.actor, &id, true, reason)?)
    }

    pub fn undelete(&mut self, identifier: &str) -> Result<InstrumentRecord> {
        let id = Self::parse_identifier(identifier)?;
        Ok(self.store.set_deleted(&self.actor, &id, false, "")?)
    }

    pub fn list(&self, filter: &InstrumentFilter) -> Result<Vec<InstrumentRecord>> {
        Ok(self.store.list_instruments(filter)?)
    }

    pub fn search(&self, query: &str, limit: u32) -> Result<SearchResults> {
        Ok(self.store.search(query, limit)?)
    }

    /// Imports a `.csv` (UTF-8 or GB18030, as Excel saves it) or `.jsonl` file: every row is
    /// checked first, and either all rows are registered or none.
    pub fn import_file(
        &mut self,
        path: &Path,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportReport> {
        import::import_file(self, path, progress)
    }

    /// Registers already-validated instruments in one transaction.
    pub fn import_instruments(
        &mut self,
        instruments: &[Instrument],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<usize> {
        Ok(self
            .store
            .import_instruments(&self.actor, instruments, progress)?)
    }

    pub fn verify(&self) -> Result<VerifyReport> {
        Ok(VerifyReport {
            audit: self.store.audit_verify()?,
            consistency: self.store.check_consistency()?,
        })
    }

    pub fn audit_log(&self, identifier: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>> {
        let id = identifier
            .map(Self::parse_identifier)
            .transpose()?
            .map(|i| i.to_string());
        Ok(self.store.audit_entries(id.as_deref(), limit)?)
    }

    pub fn backup(&self, dest: &Path, progress: &mut dyn FnMut(i32, i32)) -> Result<BackupReport> {
        Ok(self.store.backup_to(dest, progress)?)
    }

    /// Replaces this data folder's database with a verified backup; the replaced one is kept.
    pub fn restore(
        data_dir: &Path,
        backup: &Path,
        progress: &mut dyn FnMut(i32, i32),
    ) -> Result<RestoreReport> {
        Ok(Store::restore(&db_path(data_dir), backup, progress)?)
    }

    pub fn status(&self) -> Result<Status> {
        Ok(Status {
            device: self.store.device().clone(),
            data_dir: self.data_dir.clone(),
            instruments: self.store.count_instruments()?,
            outbox: self.store.outbox_stats()?,
        })
    }
}
