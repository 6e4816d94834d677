//! What a hot folder refuses to read, checked on the directory entry and again on the opened
//! file (so a file swapped for a link between the two is caught): names with `..` or control
//! characters, symbolic links (never followed), files with other names (hard links, possibly
//! outside the folder), devices, pipes and sockets (never opened: a FIFO would block), and files
//! over the folder's size limit.

use std::fs::{File, Metadata};
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use crate::problem::Reason;

/// The outcome of taking a file's bytes.
pub(crate) enum Taken {
    Bytes(Vec<u8>),
    Refused(Reason),
    /// The entry changed between looking at it and opening it: look again later.
    Changed,
}

/// A name the folder may hold: UTF-8, no `..`, no control characters, no separator.
pub(crate) fn name_is_safe(name: &str) -> bool {
    !name.is_empty()
        && !name.contains("..")
        && !name.contains('/')
        && !name.contains('\\')
        && !name.chars().any(char::is_control)
}

/// Refusals that need only the entry's own metadata (`lstat`).
pub(crate) fn check_entry(meta: &Metadata, max_bytes: u64) -> Option<Reason> {
    let ft = meta.file_type();
    if ft.is_symlink() {
        return Some(Reason::Symlink);
    }
    if !ft.is_file() {
        return Some(Reason::NotRegular);
    }
    if meta.nlink() > 1 {
        return Some(Reason::HardLinked {
            links: meta.nlink(),
        });
    }
    if meta.len() > max_bytes {
        return Some(Reason::TooLarge {
            bytes: meta.len(),
            max: max_bytes,
        });
    }
    None
}

/// Opens `path` without following a link and without blocking on a FIFO, checks the opened
/// file is the entry that was looked at, and reads at most `max_bytes`.
pub(crate) fn take(path: &Path, max_bytes: u64) -> std::io::Result<Taken> {
    let before = std::fs::symlink_metadata(path)?;
    if let Some(reason) = check_entry(&before, max_bytes) {
        return Ok(Taken::Refused(reason));
    }
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
    {
        Ok(f) => f,
        // ELOOP: the entry became a symbolic link since it was looked at.
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Ok(Taken::Changed),
        Err(e) => return Err(e),
    };
    let opened = file.metadata()?;
    if opened.dev() != before.dev() || opened.ino() != before.ino() {
        return Ok(Taken::Changed);
    }
    if let Some(reason) = check_entry(&opened, max_bytes) {
        return Ok(Taken::Refused(reason));
    }
    read_bounded(file, max_bytes)
}

fn read_bounded(file: File, max_bytes: u64) -> std::io::Result<Taken> {
    let mut bytes = Vec::new();
    file.take(max_bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Ok(Taken::Refused(Reason::TooLarge {
            bytes: bytes.len() as u64,
            max: max_bytes,
        }));
    }
    Ok(Taken::Bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_names_are_recognised() {
        for bad in ["..", "a..csv", "../x.csv", "a\nb.csv", "", "a\\b.csv"] {
            assert!(!name_is_safe(bad), "{bad:?}");
        }
        for good in ["仪器 2026.csv", "a.b.xlsx", "LIMS_export(1).json"] {
            assert!(name_is_safe(good), "{good:?}");
        }
    }
}
