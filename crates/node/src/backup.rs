//! Node backups as an operator runs them (`idstation-node backup|restore`) and as `serve`
//! schedules them: where a backup goes, its signed sidecar (what was verified, its SHA-256),
//! retention, and the checks around a restore (the node must be stopped; the file must be the
//! one the sidecar names). The copying, verifying and the restore epoch are the storage's
//! (`storage::sqlite::backup`).

use std::path::{Path, PathBuf};

use chrono::{SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Schedule;
use crate::secrets::{self, Keys};
use crate::storage::sqlite::backup::{self as db, BackupInfo, RestoreInfo};
use crate::storage::sqlite::SqliteStore;
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the node is running (pid {0}); stop it before restoring")]
    Running(String),
    #[error("the backup's sidecar does not match the file: {0}")]
    Sidecar(String),
    #[error(transparent)]
    Secret(#[from] secrets::SecretError),
}

/// What the sidecar `<backup>.json` says, signed in `<backup>.json.sig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sidecar {
    pub node_prefix: String,
    #[serde(flatten)]
    pub info: BackupInfo,
    pub signer: String,
}

fn stamp_of(at: &str) -> String {
    at.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// Takes a verified backup of the (possibly serving) node in `data_dir` into `schedule.dir`,
/// writes its signed sidecar and keeps the newest `schedule.keep` backups.
pub fn backup(
    data_dir: &Path,
    schedule: &Schedule,
    keys: &Keys,
    out: Option<&Path>,
) -> Result<Sidecar, BackupError> {
    let store = SqliteStore::open(data_dir)?;
    let prefix = crate::storage::HandleStore::config(&store)?.prefix;
    let at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
    let dest = match out {
        Some(p) => p.to_owned(),
        None => schedule.dir.join(format!("node-{}.sqlite", stamp_of(&at))),
    };
    let info = store.backup_to(&dest, &at)?;
    let sidecar = Sidecar {
        node_prefix: prefix,
        info,
        signer: hex::encode(keys.public_key().as_bytes()),
    };
    let json =
        serde_json::to_vec_pretty(&sidecar).map_err(|e| BackupError::Sidecar(e.to_string()))?;
    let path = sidecar_path(&dest);
    secrets::write_private(&path, &json).map_err(|source| BackupError::Io {
        path: path.clone(),
        source,
    })?;
    let sig = path.with_extension("json.sig");
    secrets::write_private(&sig, keys.sign(&json).as_bytes())
        .map_err(|source| BackupError::Io { path: sig, source })?;
    if out.is_none() {
        prune(&schedule.dir, "node-", ".sqlite", schedule.keep);
    }
    Ok(sidecar)
}

fn sidecar_path(file: &Path) -> PathBuf {
    file.with_extension("json")
}

/// Reads and checks a backup's sidecar against the file (size and SHA-256) and its signature.
pub fn read_sidecar(file: &Path) -> Result<Option<Sidecar>, BackupError> {
    let path = sidecar_path(file);
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(BackupError::Io { path, source }),
    };
    let sidecar: Sidecar =
        serde_json::from_slice(&text).map_err(|e| BackupError::Sidecar(e.to_string()))?;
    let sig = std::fs::read_to_string(path.with_extension("json.sig")).unwrap_or_default();
    secrets::verify_signature(&sidecar.signer, &text, sig.trim())
        .map_err(|_| BackupError::Sidecar("the signature does not verify".into()))?;
    let (bytes, sha) = db::file_sha256(file)?;
    if bytes != sidecar.info.bytes || sha != sidecar.info.sha256 {
        return Err(BackupError::Sidecar(format!(
            "file SHA-256 {sha}, sidecar {}",
            sidecar.info.sha256
        )));
    }
    Ok(Some(sidecar))
}

/// Verifies a backup file: its sidecar (when there is one) and the database inside.
pub fn verify(file: &Path) -> Result<(Option<Sidecar>, BackupInfo), BackupError> {
    let sidecar = read_sidecar(file)?;
    let at = sidecar
        .as_ref()
        .map_or_else(String::new, |s| s.info.taken_at.clone());
    Ok((sidecar, db::verify_file(file, &at)?))
}

/// The pid in the node's running marker when that process is alive.
pub fn running_pid(data_dir: &Path) -> Option<String> {
    let pid = std::fs::read_to_string(data_dir.join("node.running")).ok()?;
    let pid = pid.trim().to_owned();
    Path::new("/proc").join(&pid).exists().then_some(pid)
}

/// Restores a verified backup into the stopped node in `data_dir`, starting a restore epoch.
pub fn restore(
    data_dir: &Path,
    from: &Path,
    lease_reserve: i64,
) -> Result<RestoreInfo, BackupError> {
    if let Some(pid) = running_pid(data_dir) {
        return Err(BackupError::Running(pid));
    }
    let (sidecar, _) = verify(from)?;
    let backup_at = sidecar.map_or_else(|| "unknown".to_owned(), |s| s.info.taken_at);
    let at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    Ok(db::restore(data_dir, from, &backup_at, lease_reserve, &at)?)
}

/// Keeps the newest `keep` entries of `dir` named `<start>…<end>` (names sort by time), with
/// their sidecars; removes the rest.
pub fn prune(dir: &Path, start: &str, end: &str, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(start) && n.ends_with(end))
        .collect();
    names.sort();
    let excess = names.len().saturating_sub(keep);
    for name in names.into_iter().take(excess) {
        let path = dir.join(&name);
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            let _ = std::fs::remove_file(sidecar_path(&path));
            let _ = std::fs::remove_file(sidecar_path(&path).with_extension("json.sig"));
            std::fs::remove_file(&path)
        };
        if let Err(e) = removed {
            tracing::warn!(path = %path.display(), error = %e, "cannot remove an old copy");
        }
    }
}

/// When the newest entry of `dir` named `<start>…` was made (its modification time).
pub fn newest(dir: &Path, start: &str) -> Option<std::time::SystemTime> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(start))
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .max()
}
