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

pub(crate) fn io_at(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> HotFolderError {
    let path = path.into();
    move |source| HotFolderError::Io { path, source }
}
