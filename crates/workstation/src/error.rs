//! The workstation's one error type: what went wrong in any use case, typed. People read it
//! through [`WsError::message`] (words from `i18n`); scripts and the UI through [`WsError::code`].

use std::path::PathBuf;

use idstation_model::{FieldError, IdentifierError, ValidationErrors};
use idstation_store::{AuditBreak, StoreError};
use serde::Serialize;

use crate::i18n::{self, Lang};

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
    /// The desktop app prints to network, CUPS and printer-port addresses only, never a file.
    #[error("'{0}' is not a printer port (/dev/usb/lp0, /dev/ttyUSB0, COM3, LPT1)")]
    NotAPrinterPort(String),
    /// The app acts on files and folders only as the person chose them in its file dialog.
    #[error("'{0}' was not chosen in the file dialog")]
    PathNotChosen(String),
    /// A scan that is no identifier and no old barcode of a record here.
    #[error("'{0}' is neither an identifier nor an asset or serial number known here")]
    UnknownScan(String),
    #[error("a reprint needs a reason")]
    ReasonRequired,
    /// A conflict settled with a merged value, and the merged box was left empty.
    #[error("the merged value is empty")]
    MergedValueEmpty,
    #[error("label for {0}: {1}")]
    InBatch(String, Box<WsError>),
    /// A hot folder's settings that cannot work at this workstation.
    #[error("hot folder {}: {problem:?}", path.display())]
    HotFolderSetting {
        path: PathBuf,
        problem: FolderProblem,
    },
    /// A docking form's JSON field (attributes, routing) does not hold JSON.
    #[error("{field}: not JSON ({detail})")]
    NotJson { field: String, detail: String },
    /// A file for an attachment field over the node's limit.
    #[error("the file has {size} bytes; attachments take at most {max}")]
    AttachmentTooLarge { size: u64, max: u64 },
    /// The docking desk acts as a signed-in person, and nobody is.
    #[error("sign in at the docking desk first")]
    DockingSignedOut,
    /// A docking table or field the node's schema does not have.
    #[error("the docking schema has no '{0}'")]
    NotInDockingSchema(String),
    /// The monthly report of a month whose figures were never pulled from the node.
    #[error("no figures for {0}: sync with the node first")]
    NoReportFigures(String),
    /// The report could not be computed, rendered or issued.
    #[error(transparent)]
    Report(#[from] idstation_reports::ReportError),
    /// A hot folder could not be set up or watched (a bad file is a verdict, not this).
    #[error(transparent)]
    HotFolder(#[from] idstation_hotfolder::HotFolderError),
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
            WsError::Store(StoreError::ReportIssued(_)) => "report_issued",
            WsError::Store(_) => "store_error",
            WsError::ImportRejected { .. } => "import_rejected",
            WsError::UnknownField(_) => "unknown_field",
            WsError::NotJson { .. } => "not_json",
            WsError::NotInDockingSchema(_) => "unknown_field",
            WsError::DockingSignedOut => "docking_signed_out",
            WsError::NoReportFigures(_) => "no_report_figures",
            WsError::Report(idstation_reports::ReportError::SectionTooLong { .. }) => "too_long",
            WsError::Report(idstation_reports::ReportError::HashMismatch { .. }) => "hash_mismatch",
            WsError::Report(_) => "report_error",
            WsError::AttachmentTooLarge { .. } => "attachment_too_large",
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
            WsError::NotAPrinterPort(_) => "not_a_printer_port",
            WsError::PathNotChosen(_) => "path_not_chosen",
            WsError::ReasonRequired => "reason_required",
            WsError::MergedValueEmpty => "merged_value_empty",
            WsError::UnknownScan(_) => "unknown_scan",
            WsError::InBatch(_, e) => e.code(),
            WsError::HotFolderSetting { .. } => "hot_folder_settings",
            WsError::HotFolder(e) => {
                use idstation_hotfolder::HotFolderError as H;
                match e {
                    H::Config(_) => "hot_folder_settings",
                    H::NotAFolder(_) => "not_a_folder",
                    H::FolderBusy(_) => "folder_busy",
                    H::Io { .. } => "io_error",
                    H::Watch { .. } => "watch_failed",
                    H::Store(_) => "store_error",
                    H::Contended => "version_conflict",
                    _ => "hot_folder_stopped",
                }
            }
            WsError::Sync(e) => match e {
                idstation_sync::SyncError::Network(_) => "node_unreachable",
                idstation_sync::SyncError::Server { .. } => "node_failed",
                idstation_sync::SyncError::Unauthorized => "node_unauthorized",
                idstation_sync::SyncError::Refused { code, .. } if code == "account_pending" => {
                    "account_pending"
                }
                idstation_sync::SyncError::Refused { .. } => "node_refused",
                idstation_sync::SyncError::Protocol(_) => "node_protocol",
                idstation_sync::SyncError::Redirected { .. } => "node_redirected",
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

/// Why a folder cannot be a hot folder here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FolderProblem {
    /// Given relative to wherever the program happens to run.
    NotAbsolute,
    /// It is, holds or lies inside the workstation's data folder.
    DataFolder,
    /// Listed twice.
    Twice,
    /// Not among this workstation's hot folders.
    NotSet,
    /// No hot folder is set up, so there is nothing to watch.
    NoneSet,
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
    DuplicateInFile {
        first_line: usize,
    },
    AlreadyRegistered(String),
    UnknownColumn(String),
    /// Bytes that are not text in the file's encoding (UTF-8, or GB18030 when the file is not
    /// UTF-8): decoding would have put replacement characters or mojibake into the records.
    BadEncoding {
        encoding: String,
        /// Byte offset of the first bad byte from the start of the file.
        offset: usize,
    },
}
