//! What the commands share: the data folder, the language, one open workstation (the window's
//! database connection), and whether a sync runs. Commands reach the workstation only through
//! [`AppState::with`] (the shared connection) or [`AppState::detached`] (a connection of its
//! own, for work that waits on the network).

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Local};
use idstation_workstation::docking::DockingDesk;
use idstation_workstation::view::UiError;
use idstation_workstation::{default_data_dir, Activity, HotFolders, Lang, Workstation, WsError};

pub type CmdResult<T> = Result<T, UiError>;

pub struct AppState {
    data_dir: Mutex<PathBuf>,
    pub(crate) actor: String,
    prefix: String,
    lang: Mutex<Lang>,
    ws: Mutex<Option<Workstation>>,
    pub(crate) syncing: Arc<AtomicBool>,
    /// A run of the print queue is under way (the timer and the button never run two at once).
    pub(crate) sending_queue: Arc<AtomicBool>,
    /// Paths the person chose in the app's file dialog, each for one purpose and used once.
    chosen: Mutex<Vec<(PathPurpose, PathBuf)>>,
    /// The hot folders while they are watched (on a database connection of their own).
    pub(crate) hot_folders: Mutex<Option<HotFolders>>,
    /// What the hot folders did, oldest first, the last [`ACTIVITY_KEPT`] things.
    pub(crate) hot_activity: ActivityLog,
    /// Why the hot folders could not be watched at the last start, in words.
    pub(crate) hot_start_error: Mutex<Option<String>>,
    /// The sample file the mapping editor previews (chosen in the dialog, kept while the
    /// person tries mappings on it).
    pub(crate) hot_sample: Mutex<Option<PathBuf>>,
    /// The person signed in at the docking desk (operator), for the app's run only.
    pub(crate) docking: Mutex<Option<Arc<DockingDesk>>>,
}

/// What the hot folders did and when, shared with their worker thread.
pub(crate) type ActivityLog = Arc<Mutex<VecDeque<(DateTime<Local>, Activity)>>>;

/// Lines of hot folder activity the screen can show.
pub(crate) const ACTIVITY_KEPT: usize = 200;

/// What a chosen path is for: a path chosen to save a backup to is not one to restore from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathPurpose {
    /// A new file to write a backup to.
    Backup,
    /// A backup file to restore from.
    Restore,
    /// A folder to keep the data in.
    DataDir,
    /// A folder to watch for files to import.
    HotFolder,
    /// A sample of the files a hot folder will get, to check its columns.
    HotSample,
    /// A file for a docking record's attachment field, uploaded to the node.
    Attachment,
    /// A folder to write a monthly report's PDF and CSV into.
    ReportFolder,
}

/// A poisoned lock still holds good data here (every write to it is one assignment).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A failure of the app itself (a background task that could not finish), not of the data.
pub(crate) fn internal(e: &dyn std::fmt::Display) -> UiError {
    UiError {
        code: "internal".into(),
        message: e.to_string(),
        fields: vec![],
    }
}

impl AppState {
    /// From the environment, as the CLI reads it: `IDSTATION_DATA_DIR`, `IDSTATION_LANG`,
    /// `IDSTATION_USER`, and `IDSTATION_PREFIX` for a data folder that is still empty.
    pub fn from_env() -> AppState {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        AppState::new(
            var("IDSTATION_DATA_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(default_data_dir),
            var("IDSTATION_LANG")
                .and_then(|l| Lang::parse(&l))
                .unwrap_or_else(Lang::from_env),
            var("IDSTATION_USER")
                .or_else(|| var("USER"))
                .unwrap_or_else(|| "operator".into()),
            var("IDSTATION_PREFIX").unwrap_or_else(|| "88.118.8".into()),
        )
    }

    pub fn new(data_dir: PathBuf, lang: Lang, actor: String, prefix: String) -> AppState {
        AppState {
            data_dir: Mutex::new(data_dir),
            actor,
            prefix,
            lang: Mutex::new(lang),
            ws: Mutex::new(None),
            syncing: Arc::new(AtomicBool::new(false)),
            sending_queue: Arc::new(AtomicBool::new(false)),
            chosen: Mutex::new(Vec::new()),
            hot_folders: Mutex::new(None),
            hot_activity: Arc::new(Mutex::new(VecDeque::new())),
            hot_start_error: Mutex::new(None),
            hot_sample: Mutex::new(None),
            docking: Mutex::new(None),
        }
    }

    /// Notes a path the person chose in the file dialog (the dialog command does this; tests
    /// stand in for the person). The last few choices are kept.
    pub fn chose_path(&self, purpose: PathPurpose, path: PathBuf) {
        let mut chosen = lock(&self.chosen);
        chosen.retain(|(p, _)| *p != purpose);
        chosen.push((purpose, path));
    }

    /// The path, if the person chose exactly it for this purpose; the choice is used up. A path
    /// from anywhere else (a script in the window, a typed string) is refused.
    pub(crate) fn take_chosen(&self, purpose: PathPurpose, path: &str) -> CmdResult<PathBuf> {
        let mut chosen = lock(&self.chosen);
        let at = chosen
            .iter()
            .position(|(p, c)| *p == purpose && c.as_os_str() == path);
        match at {
            Some(i) => Ok(chosen.remove(i).1),
            None => Err(self.err(WsError::PathNotChosen(path.to_owned()))),
        }
    }

    pub fn lang(&self) -> Lang {
        *lock(&self.lang)
    }

    pub(crate) fn set_lang(&self, lang: Lang) {
        *lock(&self.lang) = lang;
    }

    pub(crate) fn data_dir(&self) -> PathBuf {
        lock(&self.data_dir).clone()
    }

    /// Closes the shared connection (the next command opens the folder again), and points
    /// the app at `dir` when given. The hot folders stop first, after the file they are
    /// taking: their connection must not outlive the database it was opened on.
    pub(crate) fn close(&self, dir: Option<PathBuf>) {
        self.stop_hot_folders();
        let mut guard = lock(&self.ws);
        *guard = None;
        if let Some(dir) = dir {
            *lock(&self.data_dir) = dir;
        }
    }

    /// Holds the shared connection: prints run under it, so this waits for one in progress and
    /// keeps the next from starting while the guard lives (an update installing).
    pub(crate) fn hold_workstation(&self) -> MutexGuard<'_, Option<Workstation>> {
        lock(&self.ws)
    }

    /// Stops the hot folders (if watched), waiting for the file being taken.
    pub(crate) fn stop_hot_folders(&self) {
        if let Some(running) = lock(&self.hot_folders).take() {
            let _ = running.stop();
        }
    }

    pub(crate) fn err(&self, e: WsError) -> UiError {
        UiError::new(&e, self.lang())
    }

    /// Runs `f` on the open workstation (the data folder's, set up when the folder is empty).
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut Workstation, Lang) -> Result<T, WsError>,
    ) -> CmdResult<T> {
        let lang = self.lang();
        let mut guard = lock(&self.ws);
        if guard.is_none() {
            let mut ws = Workstation::open_or_init(&self.data_dir(), &self.prefix, &self.actor)
                .map_err(|e| UiError::new(&e, lang))?;
            // Labels a crash cut off mid-send wait for the person's check, in their language.
            ws.set_lang(lang);
            ws.recover_interrupted_print_jobs()
                .map_err(|e| UiError::new(&e, lang))?;
            *guard = Some(ws);
        }
        let ws = guard
            .as_mut()
            .ok_or_else(|| internal(&"no workstation open"))?;
        ws.set_lang(lang);
        f(ws, lang).map_err(|e| UiError::new(&e, lang))
    }

    /// Runs `f` on a workstation of its own (its own database connection) on a blocking
    /// thread: for work that waits on the node, so the window's connection is never held.
    pub(crate) async fn detached<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Workstation, Lang) -> Result<T, WsError> + Send + 'static,
    ) -> CmdResult<T> {
        let (dir, actor, lang) = (self.data_dir(), self.actor.clone(), self.lang());
        tauri::async_runtime::spawn_blocking(move || {
            let mut ws = Workstation::open(&dir, &actor)?;
            ws.set_lang(lang);
            f(&mut ws, lang)
        })
        .await
        .map_err(|e| internal(&e))?
        .map_err(|e| UiError::new(&e, lang))
    }
}
