//! Online backup with the SQLite backup API, and restore that checks a backup before it replaces
//! anything and keeps the replaced database beside it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use crate::connection::{read_device, MIGRATIONS};
use crate::{audit, migrations, Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupReport {
    pub path: PathBuf,
    pub pages: i32,
    pub audit_entries: i64,
    pub instruments: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    pub restored_from: PathBuf,
    /// The database as it was before the restore, kept so the restore can be undone.
    pub previous_saved_as: Option<PathBuf>,
    pub audit_entries: i64,
    pub instruments: i64,
}

fn copy_pages(
    src: &Connection,
    dst: &mut Connection,
    progress: &mut dyn FnMut(i32, i32),
) -> Result<i32> {
    let backup = Backup::new(src, dst)?;
    loop {
        let step = backup.step(256)?;
        let p = backup.progress();
        progress(p.pagecount - p.remaining, p.pagecount);
        match step {
            StepResult::Done => return Ok(p.pagecount),
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked => std::thread::sleep(Duration::from_millis(10)),
            _ => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Checks that a file is a whole, intact workstation database. Returns (audit entries, instruments).
pub fn verify_file(path: &Path) -> Result<(i64, i64)> {
    let invalid = |reason: String| StoreError::BackupInvalid {
        path: path.to_path_buf(),
        reason,
    };
    if !path.is_file() {
        return Err(invalid("no such file".into()));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| invalid(e.to_string()))?;
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| invalid(format!("not a database ({e})")))?;
    if check != "ok" {
        return Err(invalid(format!("integrity check failed: {check}")));
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = migrations_len();
    if version < 1 || version > known {
        return Err(invalid(format!(
            "schema version {version} is not one this program knows (1..={known})"
        )));
    }
    if read_device(&conn)
        .map_err(|e| invalid(e.to_string()))?
        .is_none()
    {
        return Err(invalid("it holds no workstation".into()));
    }
    let report = audit::verify(&conn)?;
    if let Some(problem) = report.problem {
        return Err(invalid(format!("its audit trail is broken: {problem:?}")));
    }
    let instruments: i64 = conn.query_row("SELECT count(*) FROM instruments", [], |r| r.get(0))?;
    Ok((report.entries, instruments))
}

fn migrations_len() -> i64 {
    MIGRATIONS.len() as i64
}

impl Store {
    /// Copies the live database to `dest` while it stays in use, then verifies the copy. The copy
    /// appears under its name only once complete, so a crash never leaves a half backup.
    pub fn backup_to(
        &self,
        dest: &Path,
        progress: &mut dyn FnMut(i32, i32),
    ) -> Result<BackupReport> {
        if dest.exists() {
            return Err(StoreError::FileExists(dest.to_path_buf()));
        }
        let partial = dest.with_extension("partial");
        let _ = std::fs::remove_file(&partial);
        let pages = {
            let mut out = Connection::open(&partial)?;
            let pages = copy_pages(&self.conn, &mut out, progress)?;
            // A backup is one self-contained file.
            out.query_row("PRAGMA journal_mode = DELETE", [], |r| {
                r.get::<_, String>(0)
            })?;
            pages
        };
        let checked = verify_file(&partial);
        let (audit_entries, instruments) = match checked {
            Ok(v) => v,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        std::fs::rename(&partial, dest)?;
        Ok(BackupReport {
            path: dest.to_path_buf(),
            pages,
            audit_entries,
            instruments,
        })
    }

    /// Replaces the database at `live` with the backup at `backup`. The backup is verified first
    /// (nothing changes if it is bad); the current database is saved beside it first.
    pub fn restore(
        live: &Path,
        backup: &Path,
        progress: &mut dyn FnMut(i32, i32),
    ) -> Result<RestoreReport> {
        verify_file(backup)?;
        let previous_saved_as = if live.exists() {
            let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
            let saved = live.with_extension(format!("before-restore-{stamp}.sqlite"));
            let current = Connection::open(live)?;
            let mut out = Connection::open(&saved)?;
            copy_pages(&current, &mut out, &mut |_, _| {})?;
            out.query_row("PRAGMA journal_mode = DELETE", [], |r| {
                r.get::<_, String>(0)
            })?;
            Some(saved)
        } else {
            None
        };
        {
            let mut conn = Connection::open(live)?;
            conn.busy_timeout(Duration::from_secs(5))?;
            let src = Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            copy_pages(&src, &mut conn, progress)?;
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
            // An older backup is brought up to the current schema.
            migrations().to_latest(&mut conn)?;
        }
        let store = Store::open(live)?;
        let report = store.audit_verify()?;
        if let Some(problem) = report.problem {
            return Err(StoreError::Corrupt(format!(
                "audit trail broken after restore: {problem:?}"
            )));
        }
        Ok(RestoreReport {
            restored_from: backup.to_path_buf(),
            previous_saved_as,
            audit_entries: report.entries,
            instruments: store.count_instruments()?,
        })
    }
}
