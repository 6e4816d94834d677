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
    pub numbering: NumberingAfterRestore,
}

/// How a restore keeps identifiers and order numbers from being issued twice. An older backup
/// holds older counters: numbers issued after it (printed on labels) would be issued again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NumberingAfterRestore {
    /// The replaced database was this workstation's: its counters (lease positions, leases
    /// granted after the backup, order numbers) carry forward. Nothing is lost.
    CarriedForward { leases: usize },
    /// No database of this workstation was replaced (a new computer, another data folder): the
    /// numbers left in the backup's leases may have been used since, so they are set aside. The
    /// next sync leases new ones; until then no identifier is minted here.
    LeasesSetAside { leases: usize },
}

/// What the database being replaced has already issued: the witness a restore keeps.
struct IssuedNumbers {
    device_id: String,
    /// (lease_id, prefix, series, first, last, width, next)
    leases: Vec<(String, String, String, i64, i64, i64, i64)>,
    /// (year, last order number)
    order_sequence: Vec<(i64, i64)>,
}

/// Reads the numbers a database has issued; `None` when it cannot be read (a damaged database
/// is often why a person restores).
fn issued_numbers(path: &Path) -> Option<IssuedNumbers> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    let device = read_device(&conn).ok()??;
    let leases = conn
        .prepare("SELECT lease_id, prefix, series, first, last, width, next FROM leases")
        .ok()?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .ok()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .ok()?;
    // Older databases have no orders yet.
    let order_sequence = conn
        .prepare("SELECT year, last FROM order_sequence")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .unwrap_or_default();
    Some(IssuedNumbers {
        device_id: device.device_id.to_string(),
        leases,
        order_sequence,
    })
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
        // A new file of our own beside the destination: removed if anything below fails, renamed
        // into place (never over an existing file) when the copy is verified.
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let partial = tempfile::Builder::new()
            .prefix(".idstation-backup-")
            .suffix(".partial")
            .tempfile_in(dir)?;
        let pages = {
            let mut out = Connection::open(partial.path())?;
            let pages = copy_pages(&self.conn, &mut out, progress)?;
            // A backup is one self-contained file.
            out.query_row("PRAGMA journal_mode = DELETE", [], |r| {
                r.get::<_, String>(0)
            })?;
            pages
        };
        let (audit_entries, instruments) = verify_file(partial.path())?;
        partial.persist_noclobber(dest).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                StoreError::FileExists(dest.to_path_buf())
            } else {
                e.error.into()
            }
        })?;
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
        actor: &str,
        progress: &mut dyn FnMut(i32, i32),
    ) -> Result<RestoreReport> {
        verify_file(backup)?;
        let issued = if live.exists() {
            issued_numbers(live)
        } else {
            None
        };
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
        let mut store = Store::open(live)?;
        let numbering = store.keep_numbers_unique(issued.as_ref(), backup, actor)?;
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
            numbering,
        })
    }

    /// Right after a restore: carries the replaced database's counters forward when it was this
    /// workstation's, else sets the backup's leases aside; audited either way. Sequence numbers
    /// of ops need nothing here: the node witnesses them at the next push (see
    /// [`Store::renumber_ops_after`]).
    fn keep_numbers_unique(
        &mut self,
        issued: Option<&IssuedNumbers>,
        backup: &Path,
        actor: &str,
    ) -> Result<NumberingAfterRestore> {
        let device_id = self.device().device_id.to_string();
        let tx = Self::write_tx(&mut self.conn)?;
        let numbering = match issued.filter(|i| i.device_id == device_id) {
            Some(issued) => {
                for (id, prefix, series, first, last, width, next) in &issued.leases {
                    tx.execute(
                        "INSERT INTO leases (lease_id, prefix, series, first, last, width, next) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                         ON CONFLICT (lease_id) DO UPDATE SET next = max(next, excluded.next)",
                        rusqlite::params![id, prefix, series, first, last, width, next],
                    )?;
                }
                for (year, last) in &issued.order_sequence {
                    tx.execute(
                        "INSERT INTO order_sequence (year, last) VALUES (?1, ?2) \
                         ON CONFLICT (year) DO UPDATE SET last = max(last, excluded.last)",
                        [year, last],
                    )?;
                }
                NumberingAfterRestore::CarriedForward {
                    leases: issued.leases.len(),
                }
            }
            None => NumberingAfterRestore::LeasesSetAside {
                leases: tx.execute("UPDATE leases SET next = last + 1 WHERE next <= last", [])?,
            },
        };
        let after = serde_json::json!({
            "backup": backup.display().to_string(),
            "numbering": numbering,
        })
        .to_string();
        audit::append_one(
            &tx,
            &audit::NewEntry {
                at: &crate::clock::now(),
                actor,
                action: "restore",
                entity: "device",
                entity_id: &device_id,
                op_id: None,
                payload_sha256: None,
                before: None,
                after: Some(&after),
            },
        )?;
        tx.commit()?;
        Ok(numbering)
    }
}
