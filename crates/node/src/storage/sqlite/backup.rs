//! Backup and restore of the embedded database while the node serves, and the restore epoch.
//!
//! A backup is SQLite's online backup of one read snapshot (WAL: writers go on meanwhile), then
//! verified as a copy: `integrity_check`, the schema version, the audit chain. A restore puts a
//! verified backup in place of the database and starts a new restore epoch in it, so the node
//! never hands out anything twice: the change cursor jumps far above what the lost state could
//! have reached (workstations holding a cursor from the lost range are told to refetch), and
//! every lease counter moves above both the lease journal (a file beside the database that a
//! lease is written to before it is given out) and a configured reserve.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::audit::{append_audit, verify_chain};
use super::{corrupt, open_connection, SqliteStore, DB_FILE, MIGRATIONS};
use crate::storage::{Actor, StorageError};

/// How far a restore moves the change cursor: more changes than a node makes between a backup
/// and its restore in any realistic life (2^32).
pub const CURSOR_GAP: i64 = 1 << 32;

/// The lease journal, beside the database (not inside it, so a restore does not roll it back).
pub const LEASE_JOURNAL: &str = "lease-counters.journal";

/// What a verified backup holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupInfo {
    pub file: PathBuf,
    pub taken_at: String,
    pub schema_version: u32,
    pub audit_entries: u64,
    pub audit_head: String,
    pub handles: u64,
    pub last_cursor: i64,
    pub bytes: u64,
    pub sha256: String,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreInfo {
    pub epoch: u64,
    pub last_cursor: i64,
    pub cursor_base: i64,
    pub lease_reserve: i64,
    /// Counters moved: (prefix/series, from, to).
    pub counters: Vec<(String, i64, i64)>,
    /// Where the replaced database was moved.
    pub replaced: Option<PathBuf>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> StorageError + '_ {
    move |e| StorageError::Corrupt(format!("{}: {e}", path.display()))
}

impl SqliteStore {
    /// Copies the live database to `dest` with SQLite's online backup (one snapshot, writers are
    /// not blocked), then verifies the copy.
    pub fn backup_to(&self, dest: &Path, taken_at: &str) -> Result<BackupInfo, StorageError> {
        if dest.exists() {
            return Err(StorageError::Corrupt(format!(
                "{} exists already",
                dest.display()
            )));
        }
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        // A new file of our own beside the destination (never someone's `.part` file): removed
        // if anything below fails, renamed into place, never over an existing file, once verified.
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let partial = tempfile::Builder::new()
            .prefix(".idstation-node-backup-")
            .suffix(".part")
            .tempfile_in(dir)
            .map_err(io(dir))?;
        let tmp = partial.path().to_owned();
        {
            let src = Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            src.busy_timeout(std::time::Duration::from_secs(30))?;
            let mut dst = Connection::open(&tmp)?;
            let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
            // All pages in one step: one read transaction, so the copy is one consistent moment
            // even while writers commit (copying in steps would restart on every commit).
            use rusqlite::backup::StepResult;
            let mut waits = 0;
            loop {
                match backup.step(-1)? {
                    StepResult::Done => break,
                    StepResult::More => {}
                    StepResult::Busy | StepResult::Locked if waits < 600 => {
                        waits += 1;
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                    _ => {
                        return Err(StorageError::Corrupt(
                            "the database stayed locked for the backup".into(),
                        ))
                    }
                }
            }
        }
        restrict(&tmp)?;
        let info = verify_file(&tmp, taken_at)?;
        partial
            .persist_noclobber(dest)
            .map_err(|e| io(dest)(e.error))?;
        Ok(BackupInfo {
            file: dest.to_owned(),
            ..info
        })
    }

    /// The lease journal's high marks: (prefix, series) → the next number never yet leased.
    pub fn lease_journal(data_dir: &Path) -> Result<BTreeMap<(String, String), i64>, StorageError> {
        let path = data_dir.join(LEASE_JOURNAL);
        let mut marks = BTreeMap::new();
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(marks),
            Err(e) => return Err(io(&path)(e)),
        };
        for line in BufReader::new(file).lines() {
            let line = line.map_err(io(&path))?;
            // A torn last line (a crash mid-write) is skipped: its lease was never given out.
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            let (Some(p), Some(s), Some(n)) = (
                v["prefix"].as_str(),
                v["series"].as_str(),
                v["next"].as_i64(),
            ) else {
                continue;
            };
            let e = marks.entry((p.to_owned(), s.to_owned())).or_insert(n);
            *e = (*e).max(n);
        }
        Ok(marks)
    }

    /// Notes a lease counter's new value in the journal, synced, before the lease is given out.
    pub(super) fn journal_lease(
        &self,
        prefix: &str,
        series: &str,
        next: i64,
    ) -> Result<(), StorageError> {
        let path = self.path.with_file_name(LEASE_JOURNAL);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io(&path))?;
        let line = json!({"prefix": prefix, "series": series, "next": next}).to_string();
        file.write_all(format!("{line}\n").as_bytes())
            .map_err(io(&path))?;
        file.sync_data().map_err(io(&path))
    }

    /// Audit entries with `from <= at < to` as JSON lines.
    pub fn export_audit(
        &self,
        from: &str,
        to: &str,
        out: &mut dyn std::io::Write,
    ) -> Result<u64, StorageError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log \
                 WHERE at >= ?1 AND at < ?2 ORDER BY seq",
            )?;
            let mut rows = stmt.query(params![from, to])?;
            let mut n = 0;
            while let Some(r) = rows.next()? {
                let detail: String = r.get(5)?;
                let line = json!({
                    "seq": r.get::<_, i64>(0)?, "at": r.get::<_, String>(1)?,
                    "actor": r.get::<_, String>(2)?, "action": r.get::<_, String>(3)?,
                    "subject": r.get::<_, String>(4)?,
                    "detail": serde_json::from_str::<serde_json::Value>(&detail).unwrap_or(serde_json::Value::String(detail)),
                    "prev_hash": r.get::<_, String>(6)?, "hash": r.get::<_, String>(7)?,
                });
                writeln!(out, "{line}").map_err(|e| StorageError::Backend(Box::new(e)))?;
                n += 1;
            }
            Ok(n)
        })
    }
}

/// Checks a database file as a backup: integrity, a schema this node knows, the audit chain.
pub fn verify_file(file: &Path, taken_at: &str) -> Result<BackupInfo, StorageError> {
    let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(StorageError::Corrupt(format!("integrity_check: {check}")));
    }
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version == 0 || version as usize > MIGRATIONS.len() {
        return Err(StorageError::Corrupt(format!(
            "schema version {version}; this node knows 1 to {}",
            MIGRATIONS.len()
        )));
    }
    let (audit_entries, audit_head) = verify_chain(&conn)?;
    let handles: i64 = conn.query_row("SELECT count(*) FROM handles", [], |r| r.get(0))?;
    let last_cursor = last_cursor(&conn)?;
    drop(conn);
    let (bytes, sha256) = file_sha256(file)?;
    Ok(BackupInfo {
        file: file.to_owned(),
        taken_at: taken_at.to_owned(),
        schema_version: version,
        audit_entries,
        audit_head,
        handles: u64::try_from(handles).unwrap_or(0),
        last_cursor,
        bytes,
        sha256,
    })
}

fn last_cursor(conn: &Connection) -> Result<i64, StorageError> {
    Ok(conn
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'changes'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

pub fn file_sha256(file: &Path) -> Result<(u64, String), StorageError> {
    use sha2::{Digest, Sha256};
    let mut f = std::fs::File::open(file).map_err(io(file))?;
    let mut h = Sha256::new();
    let bytes = std::io::copy(&mut f, &mut h).map_err(io(file))?;
    Ok((bytes, hex::encode(h.finalize())))
}

#[cfg(unix)]
fn restrict(file: &Path) -> Result<(), StorageError> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)).map_err(io(file))
}

#[cfg(not(unix))]
fn restrict(_file: &Path) -> Result<(), StorageError> {
    Ok(())
}

/// Puts the verified backup `from` in place of the node's database in `data_dir` (the node must
/// be stopped) and starts a restore epoch in it. The replaced database is kept beside it.
pub fn restore(
    data_dir: &Path,
    from: &Path,
    backup_at: &str,
    lease_reserve: i64,
    at: &str,
) -> Result<RestoreInfo, StorageError> {
    let info = verify_file(from, backup_at)?;
    let live = data_dir.join(DB_FILE);
    let staging = data_dir.join(format!("{DB_FILE}.restoring"));
    let _ = std::fs::remove_file(&staging);
    std::fs::copy(from, &staging).map_err(io(&staging))?;
    restrict(&staging)?;
    let journal = SqliteStore::lease_journal(data_dir)?;
    let result = {
        let mut conn = open_connection(&staging)?;
        let r = start_epoch(&mut conn, from, &info, &journal, lease_reserve, at);
        // Fold the WAL into the file before it moves.
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        r?
    };
    let replaced = if live.exists() {
        let aside = data_dir.join(format!(
            "{DB_FILE}.replaced-{}",
            at.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        ));
        std::fs::rename(&live, &aside).map_err(io(&live))?;
        for ext in ["-wal", "-shm"] {
            let side = data_dir.join(format!("{DB_FILE}{ext}"));
            if side.exists() {
                let _ = std::fs::rename(
                    &side,
                    aside.with_file_name(format!(
                        "{}{ext}",
                        aside
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default()
                    )),
                );
            }
        }
        Some(aside)
    } else {
        None
    };
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(data_dir.join(format!("{DB_FILE}.restoring{ext}")));
    }
    std::fs::rename(&staging, &live).map_err(io(&live))?;
    if let Ok(dir) = std::fs::File::open(data_dir) {
        let _ = dir.sync_all();
    }
    Ok(RestoreInfo { replaced, ..result })
}

fn start_epoch(
    conn: &mut Connection,
    from: &Path,
    info: &BackupInfo,
    journal: &BTreeMap<(String, String), i64>,
    lease_reserve: i64,
    at: &str,
) -> Result<RestoreInfo, StorageError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let epoch: i64 = tx.query_row(
        "SELECT coalesce(max(epoch), 0) + 1 FROM restore_epochs",
        [],
        |r| r.get(0),
    )?;
    let last = last_cursor(&tx)?;
    let base = last + CURSOR_GAP;
    // AUTOINCREMENT takes the next cursor above sqlite_sequence's value.
    let moved = tx.execute(
        "UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'changes'",
        [base],
    )?;
    if moved == 0 {
        tx.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES ('changes', ?1)",
            [base],
        )?;
    }
    let mut counters = Vec::new();
    let mut current: BTreeMap<(String, String), i64> = BTreeMap::new();
    {
        let mut stmt = tx.prepare("SELECT prefix, series, next FROM lease_counters")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            current.insert((r.get(0)?, r.get(1)?), r.get(2)?);
        }
    }
    for k in journal.keys() {
        current.entry(k.clone()).or_insert(1);
    }
    for ((prefix, series), next) in &current {
        let journaled = journal
            .get(&(prefix.clone(), series.clone()))
            .copied()
            .unwrap_or(0);
        let moved_to = (*next).max(journaled) + lease_reserve;
        tx.execute(
            "INSERT INTO lease_counters (prefix, series, next) VALUES (?1, ?2, ?3) \
             ON CONFLICT (prefix, series) DO UPDATE SET next = excluded.next",
            params![prefix, series, moved_to],
        )?;
        counters.push((format!("{prefix}/{series}"), *next, moved_to));
    }
    tx.execute(
        "INSERT INTO restore_epochs (epoch, restored_at, backup_file, backup_at, last_cursor, \
         cursor_base, lease_reserve) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            epoch,
            at,
            from.display().to_string(),
            info.taken_at,
            last,
            base,
            lease_reserve
        ],
    )?;
    let detail = json!({
        "epoch": epoch, "backup": from.display().to_string(), "backup_sha256": info.sha256,
        "last_cursor": last, "cursor_base": base, "lease_reserve": lease_reserve,
        "counters": counters,
    });
    append_audit(
        &tx,
        &Actor {
            user: "restore",
            at,
        },
        "restore",
        &format!("epoch {epoch}"),
        &detail.to_string(),
    )?;
    tx.commit()?;
    Ok(RestoreInfo {
        epoch: u64::try_from(epoch).map_err(corrupt)?,
        last_cursor: last,
        cursor_base: base,
        lease_reserve,
        counters,
        replaced: None,
    })
}
