//! Hot folders at this workstation: the folders' settings kept in the data folder
//! (`hotfolders.toml`), the watcher started on a connection of its own with the labels of
//! imported rows printed through the queue, and the one-shot import of a single file. Reading,
//! validating, importing and moving files is `idstation_hotfolder`'s.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Local};
use idstation_hotfolder::{
    import_bytes, Action, AfterFile, Event, FailureCause, FolderConfig, HotFolders,
    HotFoldersConfig, ImportSettings, Options, Outcome, PrintOnImport, Problem, Reason, Source,
    Stage, Verdict, WatchMode,
};
use idstation_model::FieldError;
use idstation_store::{ImportedFile, Store};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::FolderProblem;
use crate::view::local_time;
use crate::{db_path, i18n, tr, LabelRequest, Lang, Result, Workstation, WsError};

/// The folders' settings, in the data folder.
pub const HOT_FOLDERS_FILE: &str = "hotfolders.toml";

/// What the watcher tells the app and `idstation watch`, as it happens: a folder's own events,
/// and after an imported file the fate of its labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Activity {
    Folder(Event),
    Labels(LabelsEvent),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LabelsEvent {
    /// One label a row was queued; `printed` of them reached the printer, `still_queued` wait
    /// for it to come back (the queue sends them), `failed` were refused by it.
    Labels {
        folder: PathBuf,
        file: String,
        printer: String,
        printed: usize,
        still_queued: usize,
        failed: usize,
    },
    /// No label of the file was queued (a record the template cannot show, the printer or
    /// template removed since the folder was set up); the rows are imported all the same.
    LabelsNotQueued {
        folder: PathBuf,
        file: String,
        message: String,
    },
}

/// What the app's form sets of a hot folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HotFolderForm {
    /// Rows update registered instruments (calibration results) instead of registering.
    pub update: bool,
    /// List the folder every few seconds (network shares send no events).
    pub poll: bool,
    /// Print this label template for each imported row, on `printer`.
    pub label_template: Option<String>,
    pub printer: Option<String>,
    /// Column heading -> field key (`attr.<name>` for template attributes); an empty key
    /// leaves the column out. Headings not listed are recognised by their usual names.
    pub mapping: BTreeMap<String, String>,
}

impl HotFolderForm {
    fn apply(&self, f: &mut FolderConfig) {
        f.import.action = if self.update {
            Action::Update
        } else {
            Action::Register
        };
        f.mode = if self.poll {
            WatchMode::Poll
        } else {
            WatchMode::Event
        };
        f.import.mapping = self.mapping.clone();
        let chosen = |v: &Option<String>| v.as_ref().filter(|s| !s.trim().is_empty()).cloned();
        f.print = chosen(&self.label_template)
            .zip(chosen(&self.printer))
            .map(|(template, printer)| PrintOnImport { template, printer });
    }
}

/// One configured folder, for the app's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HotFolderView {
    pub path: String,
    pub form: HotFolderForm,
    /// What it does, in words (as `idstation hotfolder list` says it).
    pub summary: String,
}

/// How an activity line should look: a warning never looks like a success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    Ok,
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ActivityLine {
    /// Local time, `HH:MM:SS`.
    pub at: String,
    pub tone: Tone,
    pub text: String,
}

/// The Hot folders screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HotFoldersView {
    pub folders: Vec<HotFolderView>,
    pub running: bool,
    /// Why the folders are not watched, when starting them failed (another program watches
    /// one, a folder is gone).
    pub start_error: Option<String>,
    /// Newest first.
    pub activity: Vec<ActivityLine>,
    /// What the activity list holds, counted: files imported and their rows, files refused,
    /// labels printed.
    pub counts: ActivityCounts,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ActivityCounts {
    pub files_imported: u32,
    pub rows_imported: u32,
    pub files_refused: u32,
    pub labels_printed: u32,
}

impl ActivityCounts {
    fn add(mut self, a: &Activity) -> ActivityCounts {
        match a {
            Activity::Folder(Event::Imported { rows, .. }) => {
                self.files_imported += 1;
                self.rows_imported += u32::try_from(*rows).unwrap_or(u32::MAX);
            }
            Activity::Folder(Event::Refused { .. }) => self.files_refused += 1,
            Activity::Labels(LabelsEvent::Labels { printed, .. }) => {
                self.labels_printed += u32::try_from(*printed).unwrap_or(u32::MAX);
            }
            _ => {}
        }
        self
    }
}

/// The screen from the settings, whether the watcher runs and what it did (oldest first in
/// `log`), in `lang`.
pub fn hot_folders_view(
    config: &HotFoldersConfig,
    running: bool,
    start_error: Option<String>,
    log: &[(DateTime<Local>, Activity)],
    lang: Lang,
) -> HotFoldersView {
    HotFoldersView {
        folders: config
            .folders
            .iter()
            .map(|f| HotFolderView {
                path: f.path.display().to_string(),
                form: HotFolderForm {
                    update: f.import.action == Action::Update,
                    poll: f.mode == WatchMode::Poll,
                    label_template: f.print.as_ref().map(|p| p.template.clone()),
                    printer: f.print.as_ref().map(|p| p.printer.clone()),
                    mapping: f.import.mapping.clone(),
                },
                summary: describe_folder(f, lang),
            })
            .collect(),
        running,
        start_error,
        activity: log
            .iter()
            .rev()
            .filter_map(|(at, a)| activity_line(*at, a, lang))
            .collect(),
        counts: log
            .iter()
            .fold(ActivityCounts::default(), |c, (_, a)| c.add(a)),
    }
}

/// One line of the activity list, `None` for progress.
pub fn activity_line(at: DateTime<Local>, a: &Activity, lang: Lang) -> Option<ActivityLine> {
    let tone = match a {
        Activity::Folder(Event::Imported { .. }) => Tone::Ok,
        Activity::Folder(Event::Refused { .. }) => Tone::Error,
        Activity::Folder(Event::Failed { .. }) => Tone::Warn,
        Activity::Folder(_) => Tone::Info,
        Activity::Labels(LabelsEvent::Labels { failed, .. }) if *failed > 0 => Tone::Error,
        Activity::Labels(LabelsEvent::Labels { still_queued, .. }) if *still_queued > 0 => {
            Tone::Warn
        }
        Activity::Labels(LabelsEvent::Labels { .. }) => Tone::Ok,
        Activity::Labels(LabelsEvent::LabelsNotQueued { .. }) => Tone::Warn,
    };
    Some(ActivityLine {
        at: at.format("%H:%M:%S").to_string(),
        tone,
        text: describe_activity(a, lang)?,
    })
}

/// A folder's settings in one line: what its rows do, how it is watched, its labels.
pub fn describe_folder(f: &FolderConfig, lang: Lang) -> String {
    let action = match f.import.action {
        Action::Register => tr!(lang, "hotfolder-action-register"),
        Action::Update => tr!(lang, "hotfolder-action-update"),
    };
    let mode = match f.mode {
        WatchMode::Event => tr!(lang, "watch-mode-event"),
        WatchMode::Poll => tr!(lang, "watch-mode-poll"),
    };
    let labels = f.print.as_ref().map_or_else(String::new, |p| {
        tr!(
            lang,
            "hotfolder-labels",
            template = p.template,
            printer = p.printer
        )
    });
    tr!(
        lang,
        "hotfolder-line",
        action = action,
        mode = mode,
        labels = labels
    )
}

/// The first rows of a sample file as a folder with these settings would read them: what
/// the mapping editor shows before the folder is saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FilePreview {
    pub file: String,
    pub columns: Vec<PreviewColumn>,
    /// The first rows' cells, in column order.
    pub rows: Vec<Vec<String>>,
    pub total_rows: u32,
    /// What is wrong with the headings or the reading (values are checked at import), in words.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PreviewColumn {
    pub heading: String,
    /// The field key it fills (`None`: no field; the file is refused unless it is mapped or
    /// left out).
    pub field: Option<String>,
    pub field_label: Option<String>,
}

/// Rows a preview shows.
const PREVIEW_ROWS: usize = 5;

/// A field error in both languages, as a refused file's report writes it.
fn field_words(e: &FieldError) -> [String; 2] {
    [
        i18n::field_error(e, Lang::ZhCn),
        i18n::field_error(e, Lang::En),
    ]
}

impl Workstation {
    /// Where this workstation keeps its folders' settings.
    pub fn hot_folders_file(&self) -> PathBuf {
        self.data_dir.join(HOT_FOLDERS_FILE)
    }

    /// The folders as set at this workstation (none until one is added).
    pub fn hot_folders(&self) -> Result<HotFoldersConfig> {
        let path = self.hot_folders_file();
        if !path.exists() {
            return Ok(HotFoldersConfig::default());
        }
        Ok(HotFoldersConfig::load(&path)?)
    }

    /// Checks every folder's settings against this workstation: mappings name real fields,
    /// labels name a template and a printer that exist, no folder twice, none inside the data
    /// folder, folders given as absolute paths.
    pub fn check_hot_folders(&self, config: &HotFoldersConfig) -> Result<()> {
        for (i, f) in config.folders.iter().enumerate() {
            let problem = if !f.path.is_absolute() {
                Some(FolderProblem::NotAbsolute)
            } else if f.path.starts_with(&self.data_dir) || self.data_dir.starts_with(&f.path) {
                Some(FolderProblem::DataFolder)
            } else if config.folders[..i].iter().any(|o| o.path == f.path) {
                Some(FolderProblem::Twice)
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(WsError::HotFolderSetting {
                    path: f.path.clone(),
                    problem,
                });
            }
            f.import.check(&self.template)?;
            if let Some(print) = &f.print {
                self.label_template(&print.template)?;
                self.printer(&print.printer)?;
            }
        }
        Ok(())
    }

    /// Replaces the folders' settings, checked first; written whole or not at all. A running
    /// watcher goes on with the settings it started with until it is started again.
    pub fn save_hot_folders(&mut self, config: &HotFoldersConfig) -> Result<()> {
        self.check_hot_folders(config)?;
        let text = config.to_toml()?;
        let path = self.hot_folders_file();
        let tmp = path.with_extension("toml.partial");
        let io = |source| WsError::Io {
            path: path.clone(),
            source,
        };
        let mut file = std::fs::File::create(&tmp).map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(())
    }

    /// Adds a folder, or replaces the one at the same path; checked and saved.
    pub fn put_hot_folder(&mut self, folder: FolderConfig) -> Result<HotFoldersConfig> {
        let mut config = self.hot_folders()?;
        match config.folders.iter_mut().find(|f| f.path == folder.path) {
            Some(old) => *old = folder,
            None => config.folders.push(folder),
        }
        self.save_hot_folders(&config)?;
        Ok(config)
    }

    /// A folder as the app's form sets it; what the form does not show (mapping, encoding,
    /// limits) stays as the folder had it.
    pub fn put_hot_folder_form(
        &mut self,
        path: &Path,
        form: &HotFolderForm,
    ) -> Result<HotFoldersConfig> {
        let mut folder = self
            .hot_folders()?
            .folders
            .into_iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| FolderConfig::new(path));
        form.apply(&mut folder);
        self.put_hot_folder(folder)
    }

    /// Changes what a configured folder does (see [`Workstation::put_hot_folder_form`]).
    pub fn change_hot_folder(
        &mut self,
        path: &Path,
        form: &HotFolderForm,
    ) -> Result<HotFoldersConfig> {
        if !self.hot_folders()?.folders.iter().any(|f| f.path == path) {
            return Err(WsError::HotFolderSetting {
                path: path.to_path_buf(),
                problem: FolderProblem::NotSet,
            });
        }
        self.put_hot_folder_form(path, form)
    }

    /// Stops watching a folder from the next start (its files, archive/ and error/ stay).
    pub fn remove_hot_folder(&mut self, path: &Path) -> Result<HotFoldersConfig> {
        let mut config = self.hot_folders()?;
        let before = config.folders.len();
        config.folders.retain(|f| f.path != path);
        if config.folders.len() == before {
            return Err(WsError::HotFolderSetting {
                path: path.to_path_buf(),
                problem: FolderProblem::NotSet,
            });
        }
        self.save_hot_folders(&config)?;
        Ok(config)
    }

    /// Starts watching `folders` (checked first) on a connection of its own; files already in
    /// them are taken first. Imported rows get their labels when the folder says so, through
    /// the print queue (an offline printer keeps them queued). Runs until stopped or dropped.
    pub fn watch_hot_folders(
        &self,
        folders: Vec<FolderConfig>,
        on_activity: impl FnMut(Activity) + Send + 'static,
    ) -> Result<HotFolders> {
        self.check_hot_folders(&HotFoldersConfig {
            folders: folders.clone(),
        })?;
        let sink = Arc::new(Mutex::new(on_activity));
        let mut options = Options::new(self.actor.clone());
        options.field_words = field_words;
        if folders.iter().any(|f| f.print.is_some()) {
            let mut printing = Workstation::open(&self.data_dir, &self.actor)?;
            printing.set_lang(self.lang);
            printing.queue_owed_labels(&folders, &sink)?;
            options.after_file = Some(print_imported(printing, sink.clone()));
        }
        let store = Store::open(&db_path(&self.data_dir))?;
        let events = sink;
        Ok(HotFolders::start(store, folders, options, move |e| {
            if let Ok(mut f) = events.lock() {
                f(Activity::Folder(e));
            }
        })?)
    }

    /// A sample file read as a folder set by `form` would read it (nothing is imported).
    pub fn preview_hot_file(
        &self,
        path: &Path,
        form: &HotFolderForm,
        lang: Lang,
    ) -> Result<FilePreview> {
        let mut folder = FolderConfig::new(path.parent().unwrap_or(path));
        form.apply(&mut folder);
        let settings = folder.import;
        let file = file_name(path);
        let refused = |problems: Vec<Problem>| FilePreview {
            file: file.clone(),
            columns: vec![],
            rows: vec![],
            total_rows: 0,
            problems: problems.iter().map(|p| describe_problem(p, lang)).collect(),
        };
        let bytes = match read_bounded(path, settings.max_file_bytes)? {
            Ok(bytes) => bytes,
            Err(too_large) => return Ok(refused(vec![too_large])),
        };
        let p = match idstation_hotfolder::preview(
            &bytes,
            &file,
            &settings,
            &self.template,
            PREVIEW_ROWS,
        ) {
            Ok(p) => p,
            Err(problem) => return Ok(refused(vec![problem])),
        };
        Ok(FilePreview {
            file: file.clone(),
            columns: p
                .headings
                .iter()
                .zip(&p.fields)
                .map(|(heading, field)| PreviewColumn {
                    heading: heading.clone(),
                    field: field.as_ref().map(|f| f.key()),
                    field_label: field
                        .as_ref()
                        .map(|f| crate::view::field_label_in(f, &self.template, lang)),
                })
                .collect(),
            rows: p.rows.into_iter().map(|r| r.cells).collect(),
            total_rows: p.total_rows as u32,
            problems: p
                .problems
                .iter()
                .map(|pr| describe_problem(pr, lang))
                .collect(),
        })
    }

    /// Imports one file the way a folder with `settings` would, without moving it: all rows or
    /// none, and never the same content twice. A file that is merely bad is a
    /// [`Verdict::Refused`] with every problem, not an error.
    pub fn import_file_once(
        &mut self,
        path: &Path,
        settings: &ImportSettings,
        progress: &mut dyn FnMut(Stage, usize, usize),
    ) -> Result<Verdict> {
        settings.check(&self.template)?;
        let bytes = match read_bounded(path, settings.max_file_bytes)? {
            Ok(bytes) => bytes,
            Err(too_large) => {
                return Ok(Verdict::Refused {
                    problems: vec![too_large],
                    rows: 0,
                })
            }
        };
        let file_name = file_name(path);
        let folder = path
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let source = Source {
            file_name: &file_name,
            folder: &folder,
            owe_labels: false,
        };
        let verdict = import_bytes(
            &mut self.store,
            &self.actor,
            settings,
            source,
            &bytes,
            progress,
        )?;
        self.store.index_all_pending()?;
        Ok(verdict)
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A file a person named, read whole, or the problem that it is over `max` bytes. Read through
/// the bound, so a file that grows after its size was looked at is refused all the same.
fn read_bounded(path: &Path, max: u64) -> Result<std::result::Result<Vec<u8>, Problem>> {
    let io = |source| WsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let mut bytes = Vec::new();
    if size <= max {
        file.take(max.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(io)?;
    }
    let seen = size.max(bytes.len() as u64);
    if seen > max {
        return Ok(Err(Problem {
            row: 0,
            column: None,
            value: None,
            reason: Reason::TooLarge { bytes: seen, max },
        }));
    }
    Ok(Ok(bytes))
}

/// After an imported file: one label a row on the folder's printer, in file order.
fn print_imported<F>(mut ws: Workstation, sink: Arc<Mutex<F>>) -> AfterFile
where
    F: FnMut(Activity) + Send + 'static,
{
    Box::new(move |_store, folder, outcome| {
        let (
            Some(print),
            Outcome::Imported {
                record,
                identifiers,
                ..
            },
        ) = (&folder.print, outcome)
        else {
            return;
        };
        let identifiers: Vec<String> = identifiers.iter().map(|id| id.to_string()).collect();
        let event = ws.queue_file_labels(&folder.path, print, record, &identifiers);
        if let (Some(event), Ok(mut f)) = (event, sink.lock()) {
            f(Activity::Labels(event));
        }
    })
}

impl Workstation {
    /// Queues one label per row of an imported file and settles what the file owed; `None` when
    /// it had no rows. A refusal (printer or template gone) settles it too: the person is told,
    /// and retrying at every start would only tell them again.
    fn queue_file_labels(
        &mut self,
        folder: &Path,
        print: &PrintOnImport,
        record: &ImportedFile,
        identifiers: &[String],
    ) -> Option<LabelsEvent> {
        let event = (!identifiers.is_empty()).then(|| {
            let requests: Vec<LabelRequest> = identifiers
                .iter()
                .map(|id| LabelRequest::new(id, &print.template))
                .collect();
            match self.print_batch(&print.printer, &requests, &mut |_| {}) {
                Ok(report) => LabelsEvent::Labels {
                    folder: folder.to_path_buf(),
                    file: record.file_name.clone(),
                    printer: print.printer.clone(),
                    printed: report.printed.len(),
                    still_queued: report.still_queued.len(),
                    failed: report.failed.len(),
                },
                Err(e) => LabelsEvent::LabelsNotQueued {
                    folder: folder.to_path_buf(),
                    file: record.file_name.clone(),
                    message: e.message(self.lang),
                },
            }
        });
        // Not settled (a failing database): owed still, and queued at the next start.
        let _ = self.store.labels_settled(&record.sha256);
        event
    }

    /// Labels a crash kept from the queue (the file was committed, its labels not yet queued):
    /// queued now, before the watcher starts. A file whose folder no longer prints owes nothing.
    fn queue_owed_labels<F>(&mut self, folders: &[FolderConfig], sink: &Arc<Mutex<F>>) -> Result<()>
    where
        F: FnMut(Activity) + Send + 'static,
    {
        for owed in self.store.owed_labels()? {
            let printing = folders
                .iter()
                .find(|f| f.path.to_string_lossy() == owed.file.folder)
                .and_then(|f| f.print.as_ref().map(|p| (f.path.clone(), p.clone())));
            let Some((path, print)) = printing else {
                self.store.labels_settled(&owed.file.sha256)?;
                continue;
            };
            let event = self.queue_file_labels(&path, &print, &owed.file, &owed.identifiers);
            if let (Some(event), Ok(mut f)) = (event, sink.lock()) {
                f(Activity::Labels(event));
            }
        }
        Ok(())
    }
}

/// One problem of a refused file for a person: where it is, then why.
pub fn describe_problem(p: &Problem, lang: Lang) -> String {
    let [zh, en] = p.reason.words(field_words);
    let why = if lang == Lang::ZhCn { zh } else { en };
    let column = p.column.as_deref().unwrap_or("");
    let value = p.value.as_deref().unwrap_or("");
    match (p.row, column.is_empty(), value.is_empty()) {
        (0, true, _) => tr!(lang, "file-problem-file", why = why),
        (row, true, _) => tr!(lang, "file-problem-row", row = row, why = why),
        (row, false, true) => tr!(
            lang,
            "file-problem-cell",
            row = row,
            column = column,
            why = why
        ),
        (row, false, false) => tr!(
            lang,
            "file-problem-value",
            row = row,
            column = column,
            value = value,
            why = why
        ),
    }
}

/// Why taking or watching failed, in `lang` (the system's own text follows it).
fn failure_words(cause: FailureCause, lang: Lang) -> String {
    match cause {
        FailureCause::NotFound => tr!(lang, "failure-not-found"),
        FailureCause::PermissionDenied => tr!(lang, "failure-permission"),
        FailureCause::Disk => tr!(lang, "failure-disk"),
        FailureCause::Watch => tr!(lang, "failure-watch"),
        FailureCause::Database => tr!(lang, "failure-database"),
        FailureCause::Contended => tr!(lang, "failure-contended"),
        _ => tr!(lang, "failure-other"),
    }
}

/// What the watcher did, in one line for a person (the CLI's log, the app's activity list).
/// `None` for progress, which a line per step would drown.
pub fn describe_activity(a: &Activity, lang: Lang) -> Option<String> {
    let shown = |p: &Path| p.display().to_string();
    Some(match a {
        Activity::Folder(e) => match e {
            Event::Watching { folder, mode } => {
                let mode = match mode {
                    WatchMode::Event => tr!(lang, "watch-mode-event"),
                    WatchMode::Poll => tr!(lang, "watch-mode-poll"),
                };
                tr!(lang, "watch-watching", folder = shown(folder), mode = mode)
            }
            Event::Waiting { file, .. } => tr!(lang, "watch-waiting", file = file),
            Event::Taken { .. } | Event::Progress { .. } => return None,
            Event::Imported {
                file,
                archived_to,
                rows,
                registered,
                updated,
                unchanged,
                ..
            } => tr!(
                lang,
                "watch-imported",
                file = file,
                rows = rows,
                registered = registered,
                updated = updated,
                unchanged = unchanged,
                archived = shown(archived_to)
            ),
            Event::AlreadyImported {
                file,
                archived_to,
                first_name,
                first_imported_at,
                ..
            } => tr!(
                lang,
                "watch-already-imported",
                file = file,
                when = local_time(first_imported_at),
                first = first_name,
                archived = shown(archived_to)
            ),
            Event::Refused {
                file,
                moved_to,
                report,
                rows,
                problems,
                first_problems,
                ..
            } => {
                let mut lines = vec![tr!(
                    lang,
                    "watch-refused",
                    file = file,
                    problems = problems,
                    rows = rows,
                    report = shown(report)
                )];
                if moved_to.is_none() {
                    lines.push(tr!(lang, "watch-refused-stays", file = file));
                }
                lines.extend(
                    first_problems
                        .iter()
                        .map(|p| format!("  - {}", describe_problem(p, lang))),
                );
                lines.join("\n")
            }
            Event::Failed {
                file,
                cause,
                message,
                retry_ms,
                folder,
            } => {
                let why = failure_words(*cause, lang);
                let file = file.clone().unwrap_or_else(|| shown(folder));
                if *retry_ms == 0 {
                    tr!(
                        lang,
                        "watch-failed-later",
                        file = file,
                        why = why,
                        message = message
                    )
                } else {
                    tr!(
                        lang,
                        "watch-failed",
                        file = file,
                        why = why,
                        message = message,
                        seconds = retry_ms.div_ceil(1000)
                    )
                }
            }
            Event::Stopped => tr!(lang, "watch-stopped"),
        },
        Activity::Labels(LabelsEvent::Labels {
            file,
            printer,
            printed,
            still_queued,
            failed,
            ..
        }) => tr!(
            lang,
            "watch-labels",
            file = file,
            printer = printer,
            printed = printed,
            queued = still_queued,
            failed = failed
        ),
        Activity::Labels(LabelsEvent::LabelsNotQueued { file, message, .. }) => {
            tr!(
                lang,
                "watch-labels-not-queued",
                file = file,
                message = message
            )
        }
    })
}
