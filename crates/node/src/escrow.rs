//! The escrow of annex 4: what the top-level node's disaster-recovery node needs to take over
//! resolution and registration — every handle with all its values, routing, enterprises and
//! their permissions, accounts (password hashes only), devices, leases and counters, templates —
//! exported as a folder of JSON Lines parts with a manifest (counts, SHA-256 per part, the audit
//! chain's head) signed with the node's ed25519 key.
//!
//! Export streams: each row goes from the database cursor through a hashing writer to its file,
//! so memory stays flat whatever the node's size. [`verify`] checks a folder against itself (and,
//! through the CLI, against a running node); [`read_rows`] feeds an import, which merges without
//! overwriting newer local data.
//!
//! Personal fields of the entity records are not part of the escrow: a takeover needs none.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::secrets::{self, Keys};
use crate::storage::StorageError;
// What the storage seam reads into and writes out of; named here too, where exports are made.
pub use crate::storage::escrow::{EscrowSink, ImportRow, ImportTally};

pub const FORMAT: &str = "idstation-escrow/1";
pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.sig";

/// The parts of an export, in the order an import applies them (owners before what they own).
pub const PARTS: &[&str] = &[
    "node",
    "enterprises",
    "accounts",
    "devices",
    "lease_counters",
    "leases",
    "handles",
    "records",
    "entities",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartInfo {
    pub name: String,
    pub file: String,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    pub seq: u64,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub node_prefix: String,
    pub created_at: String,
    pub restore_epoch: u64,
    pub audit_head: AuditHead,
    pub parts: Vec<PartInfo>,
    /// The node's ed25519 public key (hex) that signed `manifest.sig`.
    pub signer: String,
}

impl Manifest {
    pub fn part(&self, name: &str) -> Option<&PartInfo> {
        self.parts.iter().find(|p| p.name == name)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EscrowError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the manifest is not readable: {0}")]
    Manifest(String),
    #[error("the manifest's signature does not verify")]
    Signature,
    #[error("part {part}: {problem}")]
    Part { part: String, problem: String },
    #[error("the export is signed by {found}, not by this node ({expected})")]
    Signer { found: String, expected: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> EscrowError + '_ {
    move |source| EscrowError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A writer that counts and hashes what passes through it.
struct Hashing<W: Write> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes an export into a folder.
pub struct FolderSink {
    dir: PathBuf,
    current: Option<(&'static str, u64, Hashing<BufWriter<File>>)>,
    parts: Vec<PartInfo>,
    audit: AuditHead,
    epoch: u64,
}

impl FolderSink {
    /// A sink into `dir`, which must not exist yet (an export is never written over another).
    pub fn create(dir: &Path) -> Result<FolderSink, EscrowError> {
        std::fs::create_dir_all(dir.parent().unwrap_or(Path::new("."))).map_err(io_err(dir))?;
        std::fs::create_dir(dir).map_err(io_err(dir))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(io_err(dir))?;
        }
        Ok(FolderSink {
            dir: dir.to_owned(),
            current: None,
            parts: Vec::new(),
            audit: AuditHead {
                seq: 0,
                hash: String::new(),
            },
            epoch: 0,
        })
    }

    fn close_part(&mut self) -> Result<(), StorageError> {
        if let Some((name, rows, mut w)) = self.current.take() {
            w.flush().map_err(backend)?;
            let file = w.inner.into_inner().map_err(|e| backend(e.into_error()))?;
            file.sync_all().map_err(backend)?;
            self.parts.push(PartInfo {
                name: name.to_owned(),
                file: format!("{name}.jsonl"),
                rows,
                bytes: w.bytes,
                sha256: hex::encode(w.hash.finalize()),
            });
        }
        Ok(())
    }

    /// Closes the last part, writes the manifest and its signature.
    pub fn finish(
        mut self,
        keys: &Keys,
        node_prefix: &str,
        created_at: &str,
    ) -> Result<Manifest, EscrowError> {
        self.close_part()?;
        let manifest = Manifest {
            format: FORMAT.to_owned(),
            node_prefix: node_prefix.to_owned(),
            created_at: created_at.to_owned(),
            restore_epoch: self.epoch,
            audit_head: self.audit.clone(),
            parts: self.parts.clone(),
            signer: hex::encode(keys.public_key().as_bytes()),
        };
        let text = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| EscrowError::Manifest(e.to_string()))?;
        let path = self.dir.join(MANIFEST);
        secrets::write_private(&path, &text).map_err(io_err(&path))?;
        let sig = self.dir.join(SIGNATURE);
        secrets::write_private(&sig, keys.sign(&text).as_bytes()).map_err(io_err(&sig))?;
        Ok(manifest)
    }
}

fn backend(e: std::io::Error) -> StorageError {
    StorageError::Backend(Box::new(e))
}

impl EscrowSink for FolderSink {
    fn begin(&mut self, part: &'static str) -> Result<(), StorageError> {
        self.close_part()?;
        let path = self.dir.join(format!("{part}.jsonl"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let file = options.open(&path).map_err(backend)?;
        self.current = Some((
            part,
            0,
            Hashing {
                inner: BufWriter::with_capacity(1 << 20, file),
                hash: Sha256::new(),
                bytes: 0,
            },
        ));
        Ok(())
    }

    fn row(&mut self, json: &[u8]) -> Result<(), StorageError> {
        let Some((_, rows, w)) = self.current.as_mut() else {
            return Err(StorageError::Corrupt(
                "an escrow row before its part".into(),
            ));
        };
        w.write_all(json).map_err(backend)?;
        w.write_all(b"\n").map_err(backend)?;
        *rows += 1;
        Ok(())
    }

    fn state(&mut self, audit_seq: u64, audit_hash: &str, epoch: u64) {
        self.audit = AuditHead {
            seq: audit_seq,
            hash: audit_hash.to_owned(),
        };
        self.epoch = epoch;
    }
}

/// Reads and checks an export's manifest: its signature by the key it names, and (when given)
/// that this key is `expected_signer`'s.
pub fn read_manifest(dir: &Path, expected_signer: Option<&str>) -> Result<Manifest, EscrowError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read(&path).map_err(io_err(&path))?;
    let sig_path = dir.join(SIGNATURE);
    let sig = std::fs::read_to_string(&sig_path).map_err(io_err(&sig_path))?;
    let manifest: Manifest =
        serde_json::from_slice(&text).map_err(|e| EscrowError::Manifest(e.to_string()))?;
    if manifest.format != FORMAT {
        return Err(EscrowError::Manifest(format!(
            "unknown format {}",
            manifest.format
        )));
    }
    secrets::verify_signature(&manifest.signer, &text, sig.trim())
        .map_err(|_| EscrowError::Signature)?;
    if let Some(expected) = expected_signer {
        if expected != manifest.signer {
            return Err(EscrowError::Signer {
                found: manifest.signer.clone(),
                expected: expected.to_owned(),
            });
        }
    }
    Ok(manifest)
}

/// Checks an export against itself: the signed manifest, and every part's size, row count and
/// SHA-256 (streamed, so any size checks in flat memory). Returns the manifest.
pub fn verify(dir: &Path, expected_signer: Option<&str>) -> Result<Manifest, EscrowError> {
    let manifest = read_manifest(dir, expected_signer)?;
    for part in &manifest.parts {
        if part.file.contains('/') || part.file.contains("..") {
            return Err(EscrowError::Part {
                part: part.name.clone(),
                problem: "a file outside the export".into(),
            });
        }
        let path = dir.join(&part.file);
        let mut file = BufReader::with_capacity(1 << 20, File::open(&path).map_err(io_err(&path))?);
        let (mut hash, mut bytes, mut rows) = (Sha256::new(), 0u64, 0u64);
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut buf).map_err(io_err(&path))?;
            if n == 0 {
                break;
            }
            hash.update(&buf[..n]);
            bytes += n as u64;
            rows += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        }
        let sha = hex::encode(hash.finalize());
        let problem = if sha != part.sha256 {
            Some(format!("SHA-256 {sha}, the manifest says {}", part.sha256))
        } else if bytes != part.bytes || rows != part.rows {
            Some(format!(
                "{rows} rows in {bytes} bytes, the manifest says {} in {}",
                part.rows, part.bytes
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(EscrowError::Part {
                part: part.name.clone(),
                problem,
            });
        }
    }
    for name in PARTS {
        if manifest.part(name).is_none() {
            return Err(EscrowError::Part {
                part: (*name).to_owned(),
                problem: "missing".into(),
            });
        }
    }
    Ok(manifest)
}

/// The rows of a verified export, part by part in import order, one line at a time.
pub fn read_rows(
    dir: &Path,
    manifest: &Manifest,
) -> impl Iterator<Item = Result<ImportRow, StorageError>> {
    let dir = dir.to_owned();
    let files: Vec<(&'static str, PathBuf)> = PARTS
        .iter()
        .filter_map(|p| manifest.part(p).map(|info| (*p, dir.join(&info.file))))
        .collect();
    files.into_iter().flat_map(|(part, path)| {
        let lines: Box<dyn Iterator<Item = Result<ImportRow, StorageError>>> =
            match File::open(&path) {
                Err(e) => Box::new(std::iter::once(Err(backend(e)))),
                Ok(f) => Box::new(
                    BufReader::with_capacity(1 << 20, f)
                        .lines()
                        .map(move |line| {
                            let line = line.map_err(backend)?;
                            let row = serde_json::from_str(&line)
                                .map_err(|e| StorageError::Corrupt(format!("{part}: {e}")))?;
                            Ok(ImportRow { part, row })
                        }),
                ),
            };
        lines
    })
}

/// Exports everything into a new folder under `parent` (named by time); returns the folder and
/// its manifest.
pub fn export_to(
    store: &dyn crate::storage::EscrowStore,
    keys: &Keys,
    node_prefix: &str,
    parent: &Path,
) -> Result<(PathBuf, Manifest), EscrowError> {
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let dir = parent.join(folder_name(node_prefix, &at));
    let mut sink = FolderSink::create(&dir)?;
    store.export_escrow(&mut sink)?;
    let manifest = sink.finish(keys, node_prefix, &at)?;
    Ok((dir, manifest))
}

/// The folder name of an export made at `at` (RFC 3339): sorts by time.
pub fn folder_name(prefix: &str, at: &str) -> String {
    let stamp: String = at.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    format!("escrow-{prefix}-{stamp}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_verifies_and_a_changed_byte_does_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = Keys::load_or_create(&dir.path().join("keys")).expect("keys");
        let out = dir.path().join("e");
        let mut sink = FolderSink::create(&out).expect("sink");
        for part in PARTS {
            sink.begin(part).expect("begin");
            sink.row(br#"{"a":1}"#).expect("row");
        }
        sink.state(7, "abc", 0);
        let m = sink
            .finish(&keys, "88.118", "2026-12-01T00:00:00Z")
            .expect("finish");
        assert_eq!(m.part("handles").map(|p| p.rows), Some(1));
        verify(&out, None).expect("verifies");
        let rows: Vec<_> = read_rows(&out, &m).collect::<Result<_, _>>().expect("rows");
        assert_eq!(rows.len(), PARTS.len());
        assert_eq!(rows[0].part, "node");

        let other = Keys::load_or_create(&dir.path().join("other")).expect("keys");
        let expected = hex::encode(other.public_key().as_bytes());
        assert!(matches!(
            verify(&out, Some(&expected)),
            Err(EscrowError::Signer { .. })
        ));

        std::fs::write(out.join("handles.jsonl"), b"{\"a\":2}\n").expect("tamper");
        assert!(matches!(verify(&out, None), Err(EscrowError::Part { .. })));
        let manifest = std::fs::read_to_string(out.join(MANIFEST)).expect("read");
        std::fs::write(out.join(MANIFEST), manifest.replace("88.118", "88.119")).expect("tamper");
        assert!(matches!(verify(&out, None), Err(EscrowError::Signature)));
    }
}
