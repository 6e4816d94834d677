//! Taking one file from a hot folder: refuse it if unsafe, import its bytes, then move it to
//! `archive/YYYY-MM-DD/` (imported, or imported before) or to `error/` beside its report.
//!
//! Crash safety rests on order: the rows and the ledger row commit together, the move comes
//! after. Killed before the commit: nothing was written and the file is still there, so it is
//! taken again. Killed between commit and move: the file is still there, its hash is in the
//! ledger, so it is recognised and moved to the archive with nothing written twice. A refused
//! file's report is written (whole, by rename) before the file moves, so a file in `error/`
//! always has its report; killed in between, the file is refused again with the same report.

use std::ffi::OsStr;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use idstation_model::Identifier;
use idstation_store::{ImportedFile, Store};
use serde::Serialize;

use crate::config::FolderConfig;
use crate::error::io_at;
use crate::import::{import_bytes, Source, Stage, Verdict};
use crate::problem::{FieldWords, Problem, Reason};
use crate::safety::{name_is_safe, take, Taken};
use crate::{report, HotFolderError};

/// What became of a file taken from a hot folder.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Imported {
        record: ImportedFile,
        archived_to: PathBuf,
        identifiers: Vec<Identifier>,
    },
    /// The same content was imported before: archived, nothing written.
    AlreadyImported {
        first: ImportedFile,
        archived_to: PathBuf,
    },
    Refused {
        problems: Vec<Problem>,
        rows: usize,
        /// `None` when the file could not be moved and stays where it is.
        moved_to: Option<PathBuf>,
        report: PathBuf,
    },
}

/// A folder that is a folder: not a link to somewhere else. Created when missing.
pub(crate) fn real_dir(path: &Path) -> Result<(), HotFolderError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(HotFolderError::NotAFolder(path.to_path_buf())),
        Err(e) if e.kind() == ErrorKind::NotFound => match std::fs::create_dir(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => real_dir(path),
            Err(e) => Err(io_at(path)(e)),
        },
        Err(e) => Err(io_at(path)(e)),
    }
}

/// `name`, or `stem (2).ext`, `stem (3).ext`, .. : the first that `dir` does not hold.
fn free_name(dir: &Path, name: &str) -> String {
    let taken = |n: &str| std::fs::symlink_metadata(dir.join(n)).is_ok();
    if !taken(name) {
        return name.to_string();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, format!(".{e}")),
        _ => (name, String::new()),
    };
    (2..)
        .map(|n| format!("{stem} ({n}){ext}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| name.to_string())
}

/// Today's archive folder, `archive/YYYY-MM-DD`.
fn archive_today(folder: &FolderConfig) -> Result<PathBuf, HotFolderError> {
    let archive = folder.archive_dir();
    real_dir(&archive)?;
    let today = archive.join(chrono::Local::now().format("%Y-%m-%d").to_string());
    real_dir(&today)?;
    Ok(today)
}

/// Moves a file into `dir` under a free name. Rename within one file system: the file is
/// either here or there, never both and never half. The folder is the only writer of `dir`.
fn move_into(from: &Path, dir: &Path, name: &str) -> Result<PathBuf, HotFolderError> {
    let to = dir.join(free_name(dir, name));
    std::fs::rename(from, &to).map_err(io_at(from))?;
    Ok(to)
}

/// What the worker needs to take files.
pub(crate) struct Taker<'a> {
    pub store: &'a mut Store,
    pub actor: &'a str,
    pub field_words: FieldWords,
}

impl Taker<'_> {
    fn refuse(
        &self,
        folder: &FolderConfig,
        from: &Path,
        name: &str,
        problems: Vec<Problem>,
        rows: usize,
    ) -> Result<Outcome, HotFolderError> {
        let error_dir = folder.error_dir();
        real_dir(&error_dir)?;
        let dest = free_name(&error_dir, name);
        let report = report::write(&error_dir, &dest, name, &problems, self.field_words)
            .map_err(io_at(&error_dir))?;
        // A file that cannot be moved stays, with its report in error/; the worker leaves it
        // alone until it changes.
        let moved_to = std::fs::rename(from, error_dir.join(&dest))
            .ok()
            .map(|()| error_dir.join(&dest));
        Ok(Outcome::Refused {
            problems,
            rows,
            moved_to,
            report,
        })
    }

    /// Takes the entry `name` of `folder`. `Ok(None)`: it vanished or changed while being
    /// taken; look again later.
    pub fn take(
        &mut self,
        folder: &FolderConfig,
        name: &OsStr,
        progress: &mut dyn FnMut(Stage, usize, usize),
    ) -> Result<Option<Outcome>, HotFolderError> {
        let from = folder.path.join(name);
        let shown = name.to_string_lossy().into_owned();
        if name.to_str().is_none_or(|n| !name_is_safe(n)) {
            let problems = vec![Problem::file(Reason::NameRefused)];
            return self.refuse(folder, &from, &shown, problems, 0).map(Some);
        }
        let bytes = match take(&from, folder.import.max_file_bytes) {
            Ok(Taken::Bytes(b)) => b,
            Ok(Taken::Refused(reason)) => {
                let problems = vec![Problem::file(reason)];
                return self.refuse(folder, &from, &shown, problems, 0).map(Some);
            }
            Ok(Taken::Changed) => return Ok(None),
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_at(&from)(e)),
        };
        let source = Source {
            file_name: &shown,
            folder: &folder.path.to_string_lossy(),
            owe_labels: folder.print.is_some(),
        };
        let verdict = import_bytes(
            self.store,
            self.actor,
            &folder.import,
            source,
            &bytes,
            progress,
        )?;
        Ok(Some(match verdict {
            Verdict::Imported {
                record,
                identifiers,
            } => Outcome::Imported {
                archived_to: move_into(&from, &archive_today(folder)?, &shown)?,
                record,
                identifiers,
            },
            Verdict::AlreadyImported { first } => Outcome::AlreadyImported {
                archived_to: move_into(&from, &archive_today(folder)?, &shown)?,
                first,
            },
            Verdict::Refused { problems, rows } => {
                self.refuse(folder, &from, &shown, problems, rows)?
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_name_gets_a_number_before_its_extension() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(free_name(dir.path(), "仪器.csv"), "仪器.csv");
        std::fs::write(dir.path().join("仪器.csv"), "x").expect("write");
        assert_eq!(free_name(dir.path(), "仪器.csv"), "仪器 (2).csv");
        std::fs::write(dir.path().join("仪器 (2).csv"), "x").expect("write");
        assert_eq!(free_name(dir.path(), "仪器.csv"), "仪器 (3).csv");
        std::fs::write(dir.path().join("README"), "x").expect("write");
        assert_eq!(free_name(dir.path(), "README"), "README (2)");
    }
}
