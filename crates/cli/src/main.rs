//! `idstation`: every workstation use case on the command line, for scripts, tests and people
//! at a terminal. It only translates arguments to `idstation_workstation` calls and results to
//! text (zh-CN or English) or JSON.
//!
//! RECIPE (the CLI is the last step of a use case; see crates/workstation/src/lib.rs):
//! - A subcommand: a variant of `Command` (or of an area's enum: `InstrumentCommand` here,
//!   `label_cmd.rs`), whose arm in `run` calls one workstation use case and hands the result to `Out`.
//! - Its output: a method on `Out` in `output.rs`: `--json` prints the value as is, otherwise
//!   words from `tr!(self.lang, "cli-…")` (keys in crates/workstation/locales/*/cli.ftl, both languages).
//! - Every use case the desktop app offers has its subcommand here (`dashboard`, `resolve`, …).
//! - A test: `tests/cli.rs` (or the area's file) runs the real binary on a temporary folder.

/// `println!` that ends the program quietly when its reader has gone (`idstation … | head`), as
/// Unix tools do, where std's panics on the broken pipe. Defined before the modules so that
/// theirs is this one too.
macro_rules! println {
    () => {
        $crate::print_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::print_line(format_args!($($arg)*))
    };
}

mod docking_cmd;
mod label_cmd;
mod output;
mod report_cmd;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{Duration, Local, NaiveDate};
use clap::{Args, Parser, Subcommand};
use idstation_model::{Field, InstrumentInput};
use idstation_workstation::view::{progress_view, ScanOutcome};
use idstation_workstation::{
    conflict_choice, default_data_dir, describe_activity, parse_status, tr, Activity, FolderConfig,
    FolderEvent, ImportSettings, InstrumentQuery, Lang, PrintOnImport, TextEncoding,
    UnknownColumns, Verdict, WatchMode, Workstation, WsError,
};

use output::Out;

// SQLite's page cache and FTS5 allocate heavily; mimalloc replaces malloc for the whole process
// (C code included): a 100k-row import takes ~10% less time than with glibc's malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "idstation",
    version,
    about = "IDStation 工作站命令行 — register, find and keep instruments under industrial-internet identifiers"
)]
struct Cli {
    /// Data folder holding workstation.sqlite
    #[arg(long, global = true, env = "IDSTATION_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Language of messages: zh-CN or en (default: from the locale)
    #[arg(long, global = true, env = "IDSTATION_LANG")]
    lang: Option<String>,
    /// Print results as JSON (errors too, on stderr)
    #[arg(long, global = true)]
    json: bool,
    /// Who is acting, for the audit trail (default: the login name)
    #[arg(long, global = true, env = "IDSTATION_USER")]
    user: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Set up this workstation for an enterprise prefix, e.g. 88.118.8
    Init {
        #[arg(long)]
        prefix: String,
    },
    /// Device, counts and pending sync operations
    Status,
    /// Register, edit, find and delete instruments
    #[command(subcommand)]
    Instrument(Box<InstrumentCommand>),
    /// Check or read the audit trail
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Copy the database to a file while it stays in use, then verify the copy
    Backup { file: PathBuf },
    /// Replace the database with a verified backup (the current one is kept beside it)
    Restore {
        file: PathBuf,
        /// Confirm replacing the current database
        #[arg(long)]
        yes: bool,
    },
    /// Create a demo workstation with realistic instruments (if the data folder is empty)
    Demo {
        #[arg(long, default_value_t = 300)]
        count: usize,
    },
    /// Sync with the node now; `sync login` and `sync status` for the rest
    Sync {
        #[command(subcommand)]
        command: Option<SyncCommand>,
    },
    /// Labels: render to a file, print, the print queue and history, templates
    #[command(subcommand)]
    Label(Box<label_cmd::LabelCommand>),
    /// Printer profiles: add, list, status, test print, remove
    #[command(subcommand)]
    Printer(Box<label_cmd::PrinterCommand>),
    /// Counts: due within 30 days, overdue, restricted, stopped; sync state and conflicts
    Dashboard,
    /// Open what a scanner typed: this workstation's record, else the node's, else say unknown
    Resolve {
        /// A handle, hdl:, resolver URL or GS1 Digital Link, as scanned
        text: String,
    },
    /// Fields changed here and at the node: list them, or settle one
    Conflicts {
        #[command(subcommand)]
        command: Option<ConflictCommand>,
    },
    /// Import one file as a hot folder would (CSV in UTF-8 or GB18030, XLSX, XLS, JSON,
    /// JSON lines): all rows or none, never the same content twice; the file stays where it is
    Import {
        file: PathBuf,
        #[command(flatten)]
        settings: ImportArgs,
    },
    /// Watch the hot folders until stopped (Ctrl+C, or the service manager): files dropped in
    /// them are imported, then moved to archive/ or, refused with a report, to error/
    Watch {
        /// Folder settings to use instead of this workstation's (TOML or JSON, `[[folder]]`)
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Hot folders of this workstation: list, add, remove
    #[command(subcommand)]
    Hotfolder(HotFolderCommand),
    /// The platform operator's docking with the top-level node: tables, records, reports
    Docking(Box<docking_cmd::DockingArgs>),
    /// The monthly operating report: draft, preview, issue, export, list, refresh
    Report(report_cmd::ReportArgs),
}

/// How the rows of a file are read (a hot folder's settings, or a one-shot import's).
#[derive(Args)]
struct ImportArgs {
    /// Rows update registered instruments (calibration results) instead of registering new ones
    #[arg(long)]
    update: bool,
    /// Text encoding of CSV files: auto, utf8 or gb18030
    #[arg(long, default_value = "auto")]
    encoding: String,
    /// The worksheet of an XLSX/XLS file (default: the first)
    #[arg(long)]
    sheet: Option<String>,
    /// A column's field: HEADING=field_key (e.g. 出厂编号=serial_no, Umgebung=attr.environment)
    #[arg(long = "map", value_name = "HEADING=FIELD")]
    map: Vec<String>,
    /// Columns no field is known by are left out instead of refusing the file
    #[arg(long)]
    ignore_unknown_columns: bool,
}

impl ImportArgs {
    fn settings(&self) -> Result<ImportSettings, WsError> {
        let mut s = ImportSettings::default();
        if self.update {
            s.action = idstation_workstation::ImportAction::Update;
        }
        s.encoding = match self.encoding.trim().to_ascii_lowercase().as_str() {
            "auto" => TextEncoding::Auto,
            "utf8" | "utf-8" => TextEncoding::Utf8,
            "gb18030" | "gbk" | "gb2312" => TextEncoding::Gb18030,
            other => return Err(WsError::InvalidSetting("--encoding", other.to_string())),
        };
        s.sheet = self.sheet.clone();
        for pair in &self.map {
            let (heading, key) = pair
                .split_once('=')
                .ok_or_else(|| WsError::InvalidSetting("--map", pair.clone()))?;
            s.mapping
                .insert(heading.trim().to_string(), key.trim().to_string());
        }
        if self.ignore_unknown_columns {
            s.unknown_columns = UnknownColumns::Ignore;
        }
        Ok(s)
    }
}

#[derive(Subcommand)]
enum HotFolderCommand {
    /// The folders this workstation watches, with their settings
    List,
    /// Watch a folder (created when missing): files dropped in it are imported
    Add {
        folder: PathBuf,
        #[command(flatten)]
        settings: ImportArgs,
        /// List the folder every few seconds instead of waiting for events (network shares)
        #[arg(long)]
        poll: bool,
        /// Print this label template for every imported row (needs --printer)
        #[arg(long, requires = "printer")]
        label: Option<String>,
        /// The printer for --label
        #[arg(long, requires = "label")]
        printer: Option<String>,
    },
    /// Stop watching a folder (its files, archive/ and error/ stay)
    Remove { folder: PathBuf },
}

#[derive(Subcommand)]
enum SyncCommand {
    /// Sign in to a node and register this workstation as a device of your enterprise
    Login {
        /// The node's address, e.g. https://node.example.cn:8088
        #[arg(long)]
        node: String,
        #[arg(long)]
        username: String,
        /// The password (or set IDSTATION_PASSWORD; asked for when neither is given)
        #[arg(long, env = "IDSTATION_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// A name for this workstation, as the node lists it
        #[arg(long, default_value = "IDStation 工作站")]
        device_name: String,
    },
    /// Pending operations, last success or error, open conflicts
    Status,
}

#[derive(Subcommand)]
enum ConflictCommand {
    /// List conflicts (open ones unless --all)
    List {
        #[arg(long)]
        all: bool,
    },
    /// Settle a conflict: keep the local value, take the node's, or give a merged value
    Resolve {
        id: i64,
        /// local or server
        #[arg(long, conflicts_with = "value")]
        take: Option<String>,
        /// A merged value
        #[arg(long)]
        value: Option<String>,
    },
}

#[derive(Subcommand)]
enum InstrumentCommand {
    /// Register a new instrument
    Add(FieldArgs),
    /// Change fields of an instrument
    Edit {
        /// Identifier in any form a scanner types
        id: String,
        #[command(flatten)]
        fields: FieldArgs,
        /// Clear a field (its key, e.g. location or attr.environment); repeatable
        #[arg(long = "clear", value_name = "KEY")]
        clear: Vec<String>,
        /// Refuse if the record's version is no longer this one
        #[arg(long)]
        expect_version: Option<i64>,
    },
    /// Show one instrument with its live status and history
    Show { id: String },
    /// List instruments, newest first; with --query only those the search finds
    List {
        /// Search text, as `search` takes it (Chinese substrings, model numbers)
        #[arg(long, short = 'q')]
        query: Option<String>,
        #[command(flatten)]
        filters: FilterArgs,
        /// Include deleted instruments (lists without --query)
        #[arg(long)]
        deleted: bool,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
    },
    /// Find instruments by any part of any field (Chinese substrings too), filters optional
    Search {
        #[arg(required = true)]
        query: Vec<String>,
        #[command(flatten)]
        filters: FilterArgs,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Delete an instrument (it is kept and can be undeleted)
    Delete {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Undo a delete
    Undelete { id: String },
    /// Register every row of a .csv or .jsonl file, or none if any row is wrong
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain and that rows, outbox and audit trail agree
    Verify,
    /// Show audit entries, newest first
    Log {
        id: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

/// What `list` and `search` narrow instruments to (the app's table filters).
#[derive(Args, Default)]
struct FilterArgs {
    /// in_use | restricted | stopped | scrapped (or 在用/准用/停用/报废)
    #[arg(long)]
    status: Option<String>,
    #[arg(long)]
    category: Option<String>,
    #[arg(long)]
    owner: Option<String>,
    /// Due within this many days (overdue ones included)
    #[arg(long, value_name = "DAYS")]
    due_within: Option<i64>,
    /// Only overdue instruments
    #[arg(long)]
    overdue: bool,
}

impl FilterArgs {
    /// The one instrument query the app's table also uses.
    fn query(self, text: String, today: NaiveDate) -> Result<InstrumentQuery, WsError> {
        let due_until = if self.overdue {
            Some(today - Duration::days(1))
        } else {
            self.due_within.map(|d| today + Duration::days(d))
        };
        Ok(InstrumentQuery {
            text,
            status: self.status.as_deref().map(parse_status).transpose()?,
            category: self.category,
            owner: self.owner,
            due_until,
            ..InstrumentQuery::default()
        })
    }
}

/// Instrument fields as options. Any field, template attributes included, can also be given as
/// `--set key=value`.
#[derive(Args, Default)]
struct FieldArgs {
    #[arg(long = "id")]
    identifier: Option<String>,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    asset_no: Option<String>,
    #[arg(long)]
    category: Option<String>,
    #[arg(long)]
    manufacturer: Option<String>,
    #[arg(long)]
    model: Option<String>,
    #[arg(long)]
    serial_no: Option<String>,
    #[arg(long = "range")]
    measuring_range: Option<String>,
    #[arg(long)]
    accuracy: Option<String>,
    #[arg(long)]
    resolution: Option<String>,
    #[arg(long)]
    owner: Option<String>,
    #[arg(long)]
    location: Option<String>,
    /// in_use | restricted | stopped | scrapped (or 在用/准用/停用/报废)
    #[arg(long)]
    status: Option<String>,
    /// Date of the last calibration, YYYY-MM-DD
    #[arg(long = "cal-date")]
    cal_last_date: Option<String>,
    /// Interval in months, only if the owner set one
    #[arg(long = "cal-interval")]
    cal_interval_months: Option<String>,
    /// Next due date, YYYY-MM-DD (computed from date + interval when absent)
    #[arg(long = "cal-due")]
    cal_next_due: Option<String>,
    #[arg(long = "cal-cert")]
    cal_certificate_no: Option<String>,
    /// pass | restricted | fail (or 合格/准用/停用)
    #[arg(long = "cal-result")]
    cal_result: Option<String>,
    #[arg(long = "cal-by")]
    cal_calibrated_by: Option<String>,
    #[arg(long = "cal-approver")]
    cal_approved_by: Option<String>,
    /// Any field by key, e.g. --set attr.environment=恒温室; repeatable
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

impl FieldArgs {
    fn changes(&self) -> Result<Vec<(Field, String)>, WsError> {
        let named = [
            (Field::Identifier, &self.identifier),
            (Field::Name, &self.name),
            (Field::AssetNo, &self.asset_no),
            (Field::Category, &self.category),
            (Field::Manufacturer, &self.manufacturer),
            (Field::Model, &self.model),
            (Field::SerialNo, &self.serial_no),
            (Field::MeasuringRange, &self.measuring_range),
            (Field::Accuracy, &self.accuracy),
            (Field::Resolution, &self.resolution),
            (Field::Owner, &self.owner),
            (Field::Location, &self.location),
            (Field::Status, &self.status),
            (Field::CalLastDate, &self.cal_last_date),
            (Field::CalIntervalMonths, &self.cal_interval_months),
            (Field::CalNextDue, &self.cal_next_due),
            (Field::CalCertificateNo, &self.cal_certificate_no),
            (Field::CalResult, &self.cal_result),
            (Field::CalCalibratedBy, &self.cal_calibrated_by),
            (Field::CalApprovedBy, &self.cal_approved_by),
        ];
        let mut changes: Vec<(Field, String)> = named
            .into_iter()
            .filter_map(|(f, v)| v.clone().map(|v| (f, v)))
            .collect();
        for pair in &self.set {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| WsError::UnknownField(pair.clone()))?;
            let field = Field::from_key(key.trim())
                .ok_or_else(|| WsError::UnknownField(key.to_string()))?;
            changes.push((field, value.to_string()));
        }
        Ok(changes)
    }
}

/// One line to stdout (see `println!` above). A closed pipe ends the program with success: the
/// reader took what it wanted. Any other failure to write is an error.
fn print_line(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("stdout: {e}");
        std::process::exit(1);
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = match cli.lang.as_deref() {
        None => Lang::from_env(),
        Some(s) => match Lang::parse(s) {
            Some(l) => l,
            None => {
                // Said in every language: the one asked for is not known.
                let said: Vec<String> = Lang::ALL
                    .iter()
                    .map(|l| tr!(*l, "cli-unsupported-language", lang = s))
                    .collect();
                eprintln!("{}", said.join(" / "));
                return ExitCode::from(2);
            }
        },
    };
    let out = Out {
        lang,
        json: cli.json,
    };
    match run(cli, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Ws(e)) => {
            out.error(&e);
            ExitCode::FAILURE
        }
        Err(Failure::NotPrinted) => ExitCode::from(3),
        Err(Failure::Refused) => ExitCode::from(4),
        Err(Failure::NotConfirmed) => {
            eprintln!("{}", tr!(lang, "restore-not-confirmed"));
            ExitCode::FAILURE
        }
    }
}

fn actor(cli: &Cli) -> String {
    cli.user
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "operator".to_string())
}

/// Progress on stderr, only for a person watching a terminal.
fn progress_printer(out: &Out, what: String) -> impl FnMut(usize, usize) {
    let show = std::io::stderr().is_terminal() && !out.json;
    move |done, total| {
        if show {
            eprint!("\r{what} {done}/{total}");
            if done == total {
                eprintln!();
            }
            let _ = std::io::stderr().flush();
        }
    }
}

/// Why a command did not complete.
enum Failure {
    Ws(WsError),
    /// A destructive command was not confirmed; nothing changed.
    NotConfirmed,
    /// Labels were queued but not printed (printer offline or refused); the output says which.
    NotPrinted,
    /// The file was refused (nothing imported); the output lists its problems.
    Refused,
}

impl From<WsError> for Failure {
    fn from(e: WsError) -> Self {
        Failure::Ws(e)
    }
}

fn run(cli: Cli, out: &Out) -> Result<(), Failure> {
    let data_dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
    let actor = actor(&cli);
    let today = Local::now().date_naive();
    let lang = out.lang;
    let open = || {
        Workstation::open(&data_dir, &actor).map(|mut ws| {
            ws.set_lang(lang);
            ws
        })
    };
    match cli.command {
        Command::Init { prefix } => {
            let ws = Workstation::init(&data_dir, &prefix, &actor)?;
            out.status(&ws.status()?);
        }
        Command::Status => out.status(&open()?.status()?),
        Command::Label(cmd) => {
            if label_cmd::label(*cmd, out, open()?)?.is_some() {
                return Err(Failure::NotPrinted);
            }
        }
        Command::Printer(cmd) => label_cmd::printer(*cmd, out, open()?)?,
        Command::Instrument(cmd) => instrument(*cmd, out, open()?, today)?,
        Command::Audit(AuditCommand::Verify) => {
            let report = open()?.verify()?;
            out.verify(&report);
            if let Some(failure) = report.failure() {
                return Err(failure.into());
            }
        }
        Command::Audit(AuditCommand::Log { id, limit }) => {
            out.audit_log(&open()?.audit_log(id.as_deref(), limit)?)
        }
        Command::Backup { file } => {
            let ws = open()?;
            let mut p = progress_printer(out, tr!(lang, "cli-progress-backup"));
            let report = ws.backup(&file, &mut |d, t| p(d.max(0) as usize, t.max(0) as usize))?;
            out.backup(&report);
        }
        Command::Restore { file, yes } => {
            if !yes && !out.confirm_restore(&data_dir, &file) {
                return Err(Failure::NotConfirmed);
            }
            let mut p = progress_printer(out, tr!(lang, "cli-progress-restore"));
            let report = Workstation::restore(&data_dir, &file, &actor, &mut |d, t| {
                p(d.max(0) as usize, t.max(0) as usize)
            })?;
            out.restore(&report);
        }
        Command::Demo { count } => {
            let mut ws = Workstation::open_or_init(&data_dir, "88.118.8", &actor)?;
            let mut p = progress_printer(out, tr!(lang, "cli-progress-demo"));
            ws.seed_demo(count, &mut p)?;
            out.status(&ws.status()?);
        }
        Command::Dashboard => out.dashboard(&open()?.dashboard(today, lang)?),
        Command::Resolve { text } => {
            let ws = open()?;
            match ws.resolve_scan(&text, today, lang)? {
                ScanOutcome::Local { identifier } => {
                    out.details(&ws.details(&identifier, today)?, ws.template())
                }
                other => out.scan_outcome(&other),
            }
        }
        Command::Sync { command: None } => {
            let mut ws = open()?;
            let show = std::io::stderr().is_terminal() && !out.json;
            let report = ws.sync_now(&mut |p| {
                if show {
                    eprint!("\r{}", progress_view(&p, lang).message);
                    let _ = std::io::stderr().flush();
                }
            });
            if show {
                eprintln!();
            }
            out.sync_report(&report?);
        }
        Command::Sync {
            command:
                Some(SyncCommand::Login {
                    node,
                    username,
                    password,
                    device_name,
                }),
        } => {
            let mut ws = open()?;
            let password = match password {
                Some(p) => p,
                None => out.ask_password(),
            };
            ws.sync_login(&node, &username, &password, &device_name)?;
            out.sync_status(&ws.sync_status()?);
        }
        Command::Sync {
            command: Some(SyncCommand::Status),
        } => out.sync_status(&open()?.sync_status()?),
        Command::Conflicts {
            command: None | Some(ConflictCommand::List { all: false }),
        } => out.conflicts(&open()?.conflicts(true)?),
        Command::Conflicts {
            command: Some(ConflictCommand::List { all: true }),
        } => out.conflicts(&open()?.conflicts(false)?),
        Command::Conflicts {
            command: Some(ConflictCommand::Resolve { id, take, value }),
        } => {
            let choice = conflict_choice(take.as_deref(), value)?;
            let mut ws = open()?;
            ws.resolve_conflict(id, &choice)?;
            out.conflicts(&ws.conflicts(true)?);
        }
        Command::Import { file, settings } => {
            let mut ws = open()?;
            let mut p = progress_printer(out, tr!(lang, "cli-progress-import"));
            let verdict =
                ws.import_file_once(&file, &settings.settings()?, &mut |_, d, t| p(d, t))?;
            out.verdict(&file, &verdict);
            if matches!(verdict, Verdict::Refused { .. }) {
                return Err(Failure::Refused);
            }
        }
        Command::Watch { config } => watch(out, open()?, config)?,
        Command::Hotfolder(cmd) => hot_folder(cmd, out, open()?)?,
        Command::Docking(args) => docking_cmd::docking(*args, out, open()?)?,
        Command::Report(args) => report_cmd::report(args, out, open()?)?,
    }
    Ok(())
}

/// Runs the hot folders until the process is stopped; a file being imported when it is killed
/// is imported whole or not at all, and taken again at the next start.
fn watch(out: &Out, ws: Workstation, config: Option<PathBuf>) -> Result<(), WsError> {
    let folders = match config {
        Some(path) => idstation_workstation::HotFoldersConfig::load(&path)?.folders,
        None => ws.hot_folders()?.folders,
    };
    if folders.is_empty() {
        return Err(WsError::HotFolderSetting {
            path: ws.hot_folders_file(),
            problem: idstation_workstation::FolderProblem::NoneSet,
        });
    }
    let (lang, json, count) = (out.lang, out.json, folders.len());
    let running = ws.watch_hot_folders(folders, move |a: Activity| {
        if json {
            if !matches!(a, Activity::Folder(FolderEvent::Progress { .. })) {
                println!("{}", serde_json::to_string(&a).unwrap_or_default());
            }
        } else if let Some(line) = describe_activity(&a, lang) {
            println!("{line}");
        }
        let _ = std::io::stdout().flush();
    })?;
    eprintln!("{}", tr!(lang, "watch-started", count = count));
    while running.is_running() {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    Err(idstation_workstation::HotFolderError::WorkerGone.into())
}

fn hot_folder(cmd: HotFolderCommand, out: &Out, mut ws: Workstation) -> Result<(), WsError> {
    let config = match cmd {
        HotFolderCommand::List => {
            out.hot_folders(&ws.hot_folders()?);
            return Ok(());
        }
        HotFolderCommand::Add {
            folder,
            settings,
            poll,
            label,
            printer,
        } => {
            let path = absolute(&folder)?;
            std::fs::create_dir_all(&path).map_err(|source| WsError::Io {
                path: path.clone(),
                source,
            })?;
            let mut f = FolderConfig::new(path);
            f.import = settings.settings()?;
            if poll {
                f.mode = WatchMode::Poll;
            }
            f.print = label
                .zip(printer)
                .map(|(template, printer)| PrintOnImport { template, printer });
            ws.put_hot_folder(f)?
        }
        HotFolderCommand::Remove { folder } => ws.remove_hot_folder(&absolute(&folder)?)?,
    };
    out.hot_folders_saved(&config);
    Ok(())
}

/// A folder as typed, made absolute against where the command runs.
fn absolute(path: &std::path::Path) -> Result<PathBuf, WsError> {
    std::path::absolute(path).map_err(|source| WsError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn instrument(
    cmd: InstrumentCommand,
    out: &Out,
    mut ws: Workstation,
    today: NaiveDate,
) -> Result<(), WsError> {
    match cmd {
        InstrumentCommand::Add(fields) => {
            let mut input = InstrumentInput::default();
            for (f, v) in fields.changes()? {
                input.set(&f, v);
            }
            // Without --id the identifier comes from this workstation's lease.
            let rec = ws.register_minted(&input)?;
            out.registered(&rec);
        }
        InstrumentCommand::Edit {
            id,
            fields,
            clear,
            expect_version,
        } => {
            let mut changes = fields.changes()?;
            for key in clear {
                let f = Field::from_key(&key).ok_or(WsError::UnknownField(key))?;
                changes.push((f, String::new()));
            }
            match ws.edit(&id, &changes, expect_version)? {
                Some(rec) => out.edited(&rec),
                None => out.unchanged(&id),
            }
        }
        InstrumentCommand::Show { id } => out.details(&ws.details(&id, today)?, ws.template()),
        InstrumentCommand::List {
            query,
            filters,
            deleted,
            limit,
            offset,
        } => {
            let q = InstrumentQuery {
                include_deleted: deleted,
                limit,
                offset,
                ..filters.query(query.unwrap_or_default(), today)?
            };
            out.table(&ws.find_instruments(&q)?.records, today);
        }
        InstrumentCommand::Search {
            query,
            filters,
            limit,
        } => {
            let q = InstrumentQuery {
                limit,
                ..filters.query(query.join(" "), today)?
            };
            out.search(&ws.find_instruments(&q)?, today);
        }
        InstrumentCommand::Delete { id, reason } => {
            let rec = ws.delete(&id, &reason)?;
            out.deleted(&rec);
        }
        InstrumentCommand::Undelete { id } => {
            let rec = ws.undelete(&id)?;
            out.edited(&rec);
        }
        InstrumentCommand::Import { file } => {
            let mut p = progress_printer(out, tr!(out.lang, "cli-progress-import"));
            let report = ws.import_file(&file, &mut p)?;
            out.imported(&report);
        }
    }
    Ok(())
}
