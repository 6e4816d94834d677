//! The running hot folders: one worker thread owns the store connection and takes files one at
//! a time; file-system events (notify's debouncer) or polling only tell it where to look.
//!
//! A file is taken when it is complete: its size, modification time and inode stayed the same
//! for the folder's `settle_ms`. Temporary names (`.x`, `~$x`, `x.tmp`, `x.part`, ..) are never
//! taken, so a writer that renames a finished file into place is taken once, whole. Files that
//! arrived while nothing ran are found by the scan at start; an event folder is also rescanned
//! now and then, and at once when the kernel says it dropped events. Each folder is locked
//! (`.idstation-hotfolder.lock`) so two watchers never take the same file.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use idstation_store::Store;
use notify_debouncer_full::notify::RecursiveMode;
use notify_debouncer_full::{new_debouncer, DebounceEventResult};
use serde::Serialize;

use crate::config::{FolderConfig, WatchMode};
use crate::error::{io_at, FailureCause};
use crate::folder::{real_dir, Outcome, Taker};
use crate::import::Stage;
use crate::problem::{plain_field_words, FieldWords, Problem};
use crate::HotFolderError;

/// The lock file each watched folder holds while watched.
pub const LOCK_FILE: &str = ".idstation-hotfolder.lock";
/// Problems carried in a [`Event::Refused`] (the report has them all).
const EVENT_PROBLEMS: usize = 20;

/// What happens, as it happens: for the app's activity list and the CLI's log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Watching {
        folder: PathBuf,
        mode: WatchMode,
    },
    /// A file appeared; it is taken once it stops changing.
    Waiting {
        folder: PathBuf,
        file: String,
    },
    Taken {
        folder: PathBuf,
        file: String,
        bytes: u64,
    },
    Progress {
        folder: PathBuf,
        file: String,
        stage: Stage,
        done: usize,
        total: usize,
    },
    Imported {
        folder: PathBuf,
        file: String,
        archived_to: PathBuf,
        rows: i64,
        registered: i64,
        updated: i64,
        unchanged: i64,
    },
    AlreadyImported {
        folder: PathBuf,
        file: String,
        archived_to: PathBuf,
        first_name: String,
        first_imported_at: String,
    },
    Refused {
        folder: PathBuf,
        file: String,
        /// `None`: the file could not be moved and stays in the folder (it is not retried until
        /// it changes).
        moved_to: Option<PathBuf>,
        report: PathBuf,
        rows: usize,
        problems: usize,
        /// The first problems (all of them are in the report).
        first_problems: Vec<Problem>,
    },
    /// Taking a file failed for a reason not of the file (the database, the disk); it is tried
    /// again after `retry_ms`.
    Failed {
        folder: PathBuf,
        file: Option<String>,
        cause: FailureCause,
        message: String,
        /// 0: not retried on a timer (the next file or start tries again).
        retry_ms: u64,
    },
    Stopped,
}

/// Called after each file's event with the store and the outcome (the workstation queues the
/// labels of its rows).
pub type AfterFile = Box<dyn FnMut(&mut Store, &FolderConfig, &Outcome) + Send>;

/// How the worker runs.
pub struct Options {
    /// Who the audit trail names for imported rows.
    pub actor: String,
    pub field_words: FieldWords,
    pub after_file: Option<AfterFile>,
}

impl Options {
    pub fn new(actor: impl Into<String>) -> Options {
        Options {
            actor: actor.into(),
            field_words: plain_field_words,
            after_file: None,
        }
    }
}

enum Msg {
    /// Something happened to this entry of folder `usize`.
    Hint(usize, OsString),
    Rescan(usize),
    WatchError(usize, String),
    Stop,
}

type Watcher = notify_debouncer_full::Debouncer<
    notify_debouncer_full::notify::RecommendedWatcher,
    notify_debouncer_full::RecommendedCache,
>;

/// Running hot folders; [`HotFolders::stop`] ends them (dropping does too, without waiting).
pub struct HotFolders {
    tx: Sender<Msg>,
    stop: Arc<AtomicBool>,
    worker: Option<JoinHandle<()>>,
    watchers: Vec<Watcher>,
}

impl HotFolders {
    /// Checks and locks every folder, then starts watching. The store is the worker's own
    /// connection. Files already in the folders are taken first.
    pub fn start(
        store: Store,
        folders: Vec<FolderConfig>,
        options: Options,
        on_event: impl FnMut(Event) + Send + 'static,
    ) -> Result<HotFolders, HotFolderError> {
        let template = store.active_template()?;
        let mut locks = Vec::new();
        for (i, f) in folders.iter().enumerate() {
            f.import.check(&template)?;
            if folders[..i].iter().any(|o| o.path == f.path) {
                return Err(HotFolderError::Config(format!(
                    "{} is configured twice",
                    f.path.display()
                )));
            }
            match std::fs::metadata(&f.path) {
                Ok(m) if m.is_dir() => {}
                _ => return Err(HotFolderError::NotAFolder(f.path.clone())),
            }
            locks.push(lock(&f.path)?);
            real_dir(&f.archive_dir())?;
            real_dir(&f.error_dir())?;
        }
        let (tx, rx) = mpsc::channel();
        let mut watchers = Vec::new();
        for (i, f) in folders.iter().enumerate() {
            if f.mode == WatchMode::Event {
                watchers.push(watch(i, &f.path, tx.clone())?);
            }
        }
        let stop = Arc::new(AtomicBool::new(false));
        let worker = Worker {
            store,
            folders,
            options,
            on_event: Box::new(on_event),
            rx,
            stop: stop.clone(),
            pending: HashMap::new(),
            stuck: HashMap::new(),
            next_scan: Vec::new(),
            index_backlog: false,
            _locks: locks,
        };
        let handle = std::thread::Builder::new()
            .name("hot-folders".into())
            .spawn(move || worker.run())
            .map_err(io_at("hot folder worker"))?;
        Ok(HotFolders {
            tx,
            stop,
            worker: Some(handle),
            watchers,
        })
    }

    /// Stops after the file being taken (if any) and waits for the worker.
    pub fn stop(mut self) -> Result<(), HotFolderError> {
        self.halt();
        match self.worker.take().map(JoinHandle::join) {
            Some(Err(_)) => Err(HotFolderError::WorkerGone),
            _ => Ok(()),
        }
    }

    /// Whether the worker is still running (it ends only when stopped, or if it panicked).
    pub fn is_running(&self) -> bool {
        self.worker.as_ref().is_some_and(|w| !w.is_finished())
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.tx.send(Msg::Stop);
        for w in self.watchers.drain(..) {
            w.stop_nonblocking();
        }
    }
}

impl Drop for HotFolders {
    fn drop(&mut self) {
        self.halt();
    }
}

fn lock(folder: &Path) -> Result<File, HotFolderError> {
    let path = folder.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_at(&path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(HotFolderError::FolderBusy(folder.to_path_buf()))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(io_at(&path)(e)),
    }
}

fn watch(index: usize, folder: &Path, tx: Sender<Msg>) -> Result<Watcher, HotFolderError> {
    let watched = folder.to_path_buf();
    let mut w = new_debouncer(
        Duration::from_millis(100),
        None,
        move |res: DebounceEventResult| match res {
            Ok(events) => {
                for e in events {
                    if e.event.need_rescan() {
                        let _ = tx.send(Msg::Rescan(index));
                    }
                    for p in &e.event.paths {
                        if p.parent() == Some(watched.as_path()) {
                            if let Some(name) = p.file_name() {
                                let _ = tx.send(Msg::Hint(index, name.to_os_string()));
                            }
                        }
                    }
                }
            }
            Err(errors) => {
                let message = errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                let _ = tx.send(Msg::WatchError(index, message));
                let _ = tx.send(Msg::Rescan(index));
            }
        },
    )
    .map_err(|e| HotFolderError::Watch {
        path: folder.to_path_buf(),
        message: e.to_string(),
    })?;
    w.watch(folder, RecursiveMode::NonRecursive)
        .map_err(|e| HotFolderError::Watch {
            path: folder.to_path_buf(),
            message: e.to_string(),
        })?;
    Ok(w)
}

/// Names a writer uses while a file is not finished, and our own lock file.
pub fn is_temporary(name: &OsStr) -> bool {
    let Some(n) = name.to_str() else {
        return false;
    };
    let lower = n.to_ascii_lowercase();
    n.starts_with('.')
        || n.starts_with('~')
        || n.ends_with('~')
        || [
            ".tmp",
            ".temp",
            ".part",
            ".partial",
            ".crdownload",
            ".download",
            ".swp",
        ]
        .iter()
        .any(|s| lower.ends_with(s))
}

/// What identifies a file's state: changed means not finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    mtime: (i64, i64),
    ino: u64,
}

fn stamp(path: &Path) -> Option<(Stamp, bool)> {
    let m = std::fs::symlink_metadata(path).ok()?;
    Some((
        Stamp {
            len: m.len(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ino: m.ino(),
        },
        m.is_dir(),
    ))
}

struct Pending {
    stamp: Stamp,
    /// When the stamp was last seen to change.
    since: Instant,
    failures: u32,
    retry_at: Option<Instant>,
}

struct Worker {
    store: Store,
    folders: Vec<FolderConfig>,
    options: Options,
    on_event: Box<dyn FnMut(Event) + Send>,
    rx: Receiver<Msg>,
    stop: Arc<AtomicBool>,
    pending: HashMap<(usize, OsString), Pending>,
    /// Refused files that could not be moved: left alone while their stamp stays the same.
    stuck: HashMap<(usize, OsString), Stamp>,
    next_scan: Vec<Instant>,
    /// A bulk file's rows still wait for the search index (`Store::index_pending`).
    index_backlog: bool,
    _locks: Vec<File>,
}

/// Rows moved into the search index between two looks at the folders (about 80 ms).
const INDEX_CHUNK_ROWS: usize = 5000;

impl Worker {
    fn tick(&self) -> Duration {
        let shortest = self
            .folders
            .iter()
            .map(|f| f.settle_ms)
            .min()
            .unwrap_or(1000);
        Duration::from_millis((shortest / 4).clamp(20, 500))
    }

    fn rescan_every(f: &FolderConfig) -> Duration {
        match f.mode {
            WatchMode::Poll => Duration::from_millis(f.poll_ms.max(50)),
            // Events are the news; the scan only catches what the kernel dropped.
            WatchMode::Event => Duration::from_millis(f.poll_ms.max(1000).saturating_mul(30)),
        }
    }

    fn run(mut self) {
        let now = Instant::now();
        for i in 0..self.folders.len() {
            (self.on_event)(Event::Watching {
                folder: self.folders[i].path.clone(),
                mode: self.folders[i].mode,
            });
            self.scan(i);
            self.next_scan
                .push(now + Self::rescan_every(&self.folders[i]));
        }
        let tick = self.tick();
        self.index_backlog = self.store.pending_index_rows().is_ok_and(|n| n > 0);
        while !self.stop.load(Ordering::SeqCst) {
            // With index work left, look at the folders and go straight back to it.
            let wait = if self.index_backlog {
                Duration::ZERO
            } else {
                tick
            };
            match self.rx.recv_timeout(wait) {
                Ok(msg) => {
                    if !self.handle(msg) {
                        break;
                    }
                    // Take everything queued before looking at files.
                    while let Ok(msg) = self.rx.try_recv() {
                        if !self.handle(msg) {
                            break;
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            let now = Instant::now();
            for i in 0..self.folders.len() {
                if now >= self.next_scan[i] {
                    self.scan(i);
                    self.next_scan[i] = now + Self::rescan_every(&self.folders[i]);
                }
            }
            self.take_ready();
            if self.index_backlog {
                self.index_chunk();
            }
        }
        (self.on_event)(Event::Stopped);
    }

    /// Moves one chunk of a bulk file's rows into the search index, between files: the file was
    /// reported imported at its commit, and search finds its rows meanwhile, only more slowly.
    fn index_chunk(&mut self) {
        match self.store.index_pending(INDEX_CHUNK_ROWS) {
            Ok(left) => self.index_backlog = left > 0,
            Err(e) => {
                // Left for the next imported file, or the next start, to try again.
                self.index_backlog = false;
                (self.on_event)(Event::Failed {
                    folder: self
                        .folders
                        .first()
                        .map(|f| f.path.clone())
                        .unwrap_or_default(),
                    file: None,
                    cause: FailureCause::Database,
                    message: e.to_string(),
                    retry_ms: 0,
                });
            }
        }
    }

    fn handle(&mut self, msg: Msg) -> bool {
        match msg {
            Msg::Hint(i, name) => self.note(i, name),
            Msg::Rescan(i) => self.scan(i),
            Msg::WatchError(i, message) => (self.on_event)(Event::Failed {
                folder: self.folders[i].path.clone(),
                file: None,
                cause: FailureCause::Watch,
                message,
                retry_ms: 0,
            }),
            Msg::Stop => return false,
        }
        !self.stop.load(Ordering::SeqCst)
    }

    /// Lists a folder: every entry that may be a file to take becomes pending.
    fn scan(&mut self, i: usize) {
        let entries = match std::fs::read_dir(&self.folders[i].path) {
            Ok(e) => e,
            Err(e) => {
                (self.on_event)(Event::Failed {
                    folder: self.folders[i].path.clone(),
                    file: None,
                    cause: FailureCause::of_io(&e),
                    message: e.to_string(),
                    retry_ms: Self::rescan_every(&self.folders[i]).as_millis() as u64,
                });
                return;
            }
        };
        for entry in entries.flatten() {
            self.note(i, entry.file_name());
        }
    }

    /// Notes an entry: a file (not a temporary name) becomes pending; folders, `archive/` and
    /// `error/` among them, are never taken.
    fn note(&mut self, i: usize, name: OsString) {
        if is_temporary(&name) {
            return;
        }
        let path = self.folders[i].path.join(&name);
        let key = (i, name);
        match stamp(&path) {
            None => {
                self.pending.remove(&key);
                self.stuck.remove(&key);
            }
            Some((_, true)) => {}
            Some((s, false)) => {
                if self.stuck.get(&key) == Some(&s) || self.pending.contains_key(&key) {
                    return;
                }
                self.stuck.remove(&key);
                (self.on_event)(Event::Waiting {
                    folder: self.folders[i].path.clone(),
                    file: key.1.to_string_lossy().into_owned(),
                });
                self.pending.insert(
                    key,
                    Pending {
                        stamp: s,
                        since: Instant::now(),
                        failures: 0,
                        retry_at: None,
                    },
                );
            }
        }
    }

    /// Takes, oldest first, every pending file that stayed unchanged for its folder's settle time.
    fn take_ready(&mut self) {
        let now = Instant::now();
        let mut ready: Vec<((usize, OsString), Instant)> = Vec::new();
        let mut gone = Vec::new();
        for (key, p) in &mut self.pending {
            let path = self.folders[key.0].path.join(&key.1);
            match stamp(&path) {
                None | Some((_, true)) => gone.push(key.clone()),
                Some((s, false)) if s != p.stamp => {
                    p.stamp = s;
                    p.since = now;
                }
                Some(_) => {
                    let settle = Duration::from_millis(self.folders[key.0].settle_ms);
                    let due = p.retry_at.is_none_or(|t| now >= t);
                    if due && now.duration_since(p.since) >= settle {
                        ready.push((key.clone(), p.since));
                    }
                }
            }
        }
        for key in gone {
            self.pending.remove(&key);
        }
        ready.sort_by_key(|(_, since)| *since);
        for (key, _) in ready {
            if self.stop.load(Ordering::SeqCst) {
                return;
            }
            self.take(key);
        }
    }

    fn take(&mut self, key: (usize, OsString)) {
        let folder = self.folders[key.0].clone();
        let file = key.1.to_string_lossy().into_owned();
        let bytes = self.pending.get(&key).map_or(0, |p| p.stamp.len);
        (self.on_event)(Event::Taken {
            folder: folder.path.clone(),
            file: file.clone(),
            bytes,
        });
        let on_event = &mut self.on_event;
        let mut taker = Taker {
            store: &mut self.store,
            actor: &self.options.actor,
            field_words: self.options.field_words,
        };
        let mut progress = |stage, done, total| {
            on_event(Event::Progress {
                folder: folder.path.clone(),
                file: file.clone(),
                stage,
                done,
                total,
            })
        };
        match taker.take(&folder, &key.1, &mut progress) {
            Ok(None) => {
                // Changed or gone while being taken: the next look decides.
                if let Some(p) = self.pending.get_mut(&key) {
                    p.since = Instant::now();
                }
            }
            Ok(Some(outcome)) => {
                let p = self.pending.remove(&key);
                if let Outcome::Refused { moved_to: None, .. } = &outcome {
                    if let Some(p) = p {
                        self.stuck.insert(key.clone(), p.stamp);
                    }
                }
                self.index_backlog |= matches!(outcome, Outcome::Imported { .. });
                // The file's own event first, then what follows from it (its labels).
                (self.on_event)(outcome_event(&folder.path, file, &outcome));
                if let Some(after) = &mut self.options.after_file {
                    after(&mut self.store, &folder, &outcome);
                }
            }
            Err(e) => {
                let retry = self.pending.get_mut(&key).map_or(0, |p| {
                    p.failures += 1;
                    let wait = Duration::from_millis(500 << p.failures.min(7));
                    p.retry_at = Some(Instant::now() + wait);
                    wait.as_millis() as u64
                });
                (self.on_event)(Event::Failed {
                    folder: folder.path.clone(),
                    file: Some(file),
                    cause: e.cause(),
                    message: e.to_string(),
                    retry_ms: retry,
                });
            }
        }
    }
}

fn outcome_event(folder: &Path, file: String, outcome: &Outcome) -> Event {
    let folder = folder.to_path_buf();
    match outcome {
        Outcome::Imported {
            record,
            archived_to,
            ..
        } => Event::Imported {
            folder,
            file,
            archived_to: archived_to.clone(),
            rows: record.rows,
            registered: record.registered,
            updated: record.updated,
            unchanged: record.unchanged,
        },
        Outcome::AlreadyImported { first, archived_to } => Event::AlreadyImported {
            folder,
            file,
            archived_to: archived_to.clone(),
            first_name: first.file_name.clone(),
            first_imported_at: first.imported_at.clone(),
        },
        Outcome::Refused {
            problems,
            rows,
            moved_to,
            report,
        } => Event::Refused {
            folder,
            file,
            moved_to: moved_to.clone(),
            report: report.clone(),
            rows: *rows,
            problems: problems.len(),
            first_problems: problems.iter().take(EVENT_PROBLEMS).cloned().collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_folders_can_live_in_another_thread_s_state() {
        fn send<T: Send>() {}
        send::<HotFolders>();
        send::<Options>();
    }

    #[test]
    fn temporary_names_are_left_alone() {
        for t in [
            ".~lock.a.csv#",
            "~$仪器.xlsx",
            "a.csv.tmp",
            "a.CSV.PART",
            "a.csv~",
            ".hidden.csv",
        ] {
            assert!(is_temporary(OsStr::new(t)), "{t}");
        }
        for f in ["仪器.csv", "a.xlsx", "tmp.csv"] {
            assert!(!is_temporary(OsStr::new(f)), "{f}");
        }
    }
}
