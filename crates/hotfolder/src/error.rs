//! The crate's one error type: what stops a hot folder or a one-shot import from working at all.
//! A file that is merely bad is not an error here but a rejection with its problems
//! ([`crate::Rejection`]), reported beside the file.

use std::path::PathBuf;

use idstation_store::StoreError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HotFolderError {
    #[error("hot folder settings: {0}")]
    Config(String),
    #[error("{} is not a folder", .0.display())]
    NotAFolder(PathBuf),
    #[error("{} is watched by another process already", .0.display())]
    FolderBusy(PathBuf),
    #[error("cannot access {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot watch {}: {message}", path.display())]
    Watch { path: PathBuf, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the instruments a file names kept changing while it was imported; try it again")]
    Contended,
    #[error("the hot folder worker stopped unexpectedly")]
    WorkerGone,
}

/// Why taking or watching failed, for the person's words; the details stay in the event's
/// `message` (the system's own text, often English).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureCause {
    NotFound,
    PermissionDenied,
    /// Reading or writing a file or folder failed otherwise (disk full, I/O error, ...).
    Disk,
    /// The folder's change notifications stopped.
    Watch,
    Database,
    /// The file's instruments kept changing while it was imported.
    Contended,
    Other,
}

impl FailureCause {
    pub fn of_io(e: &std::io::Error) -> FailureCause {
        match e.kind() {
            std::io::ErrorKind::NotFound => FailureCause::NotFound,
            std::io::ErrorKind::PermissionDenied => FailureCause::PermissionDenied,
            _ => FailureCause::Disk,
        }
    }
}

impl HotFolderError {
    pub fn cause(&self) -> FailureCause {
        match self {
            HotFolderError::Io { source, .. } => FailureCause::of_io(source),
            HotFolderError::NotAFolder(_) => FailureCause::NotFound,
            HotFolderError::Watch { .. } => FailureCause::Watch,
            HotFolderError::Store(_) => FailureCause::Database,
            HotFolderError::Contended => FailureCause::Contended,
            HotFolderError::Config(_)
            | HotFolderError::FolderBusy(_)
            | HotFolderError::WorkerGone => FailureCause::Other,
        }
    }
}

pub(crate) fn io_at(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> HotFolderError {
    let path = path.into();
    move |source| HotFolderError::Io { path, source }
}
