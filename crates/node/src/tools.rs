//! The operator's commands besides `init` and `serve`: the uplink's outbox, escrow, backups and
//! the audit trail. Each opens the node's data folder directly (they work while the node serves:
//! the database is the interface) and prints what a person reads, or JSON with `--json`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use idstation_node::config::{DockingSettings, FileConfig};
use idstation_node::escrow;
use idstation_node::secrets::Keys;
use idstation_node::storage::{HandleStore, UplinkStore};
use idstation_node::uplink::generate::Generator;
use idstation_node::uplink::send::Sender;
use idstation_node::uplink::{ReportQuery, ReportState};
use idstation_node::SqliteStore;

/// Where the node is: its data folder and, optionally, its configuration file (for the
/// docking settings: keys, backup and escrow folders, the uplink endpoint).
#[derive(Args, Debug)]
pub struct NodeArgs {
    #[arg(long, env = "IDSTATION_NODE_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    #[arg(long, env = "IDSTATION_NODE_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand, Debug)]
pub enum UplinkCommand {
    /// Counts by state, the oldest pending report, the last error.
    Status,
    /// Reports, newest first.
    List {
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        item: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Sends a report again (same key, same body), or every failed or filed one.
    Resend {
        key: Option<String>,
        #[arg(long, conflicts_with = "key")]
        failed: bool,
    },
    /// Makes a periodic item's report for a period now (e.g. `T03 2026-12-05`).
    Generate { item: String, period: String },
    /// Delivers what is due now (what `serve` does every second).
    Send,
}

#[derive(Subcommand, Debug)]
pub enum EscrowCommand {
    /// Exports everything a takeover needs into a new folder.
    Export {
        /// The folder the export's folder is made in (default: the configured escrow folder).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Checks an export against itself, and against a running node with `--node`.
    Verify {
        dir: PathBuf,
        /// A running node's address: its public key must have signed the export, and a
        /// sample of handles must resolve there exactly as exported.
        #[arg(long)]
        node: Option<String>,
        /// Handles compared with the node (0: all).
        #[arg(long, default_value_t = 200)]
        sample: u64,
    },
    /// Merges an export into this node, never overwriting newer local data; audited.
    Import { dir: PathBuf },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Checks the hash chain.
    Verify,
    /// Entries as JSON lines, `--from` inclusive, `--to` exclusive (dates or RFC 3339 times).
    Export {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error(transparent)]
    Node(#[from] idstation_node::NodeError),
    #[error(transparent)]
    Storage(#[from] idstation_node::StorageError),
    #[error(transparent)]
    Config(#[from] idstation_node::config::ConfigError),
    #[error(transparent)]
    Escrow(#[from] escrow::EscrowError),
    #[error(transparent)]
    Backup(#[from] idstation_node::backup::BackupError),
    #[error(transparent)]
    Secret(#[from] idstation_node::secrets::SecretError),
    #[error("{0}")]
    Other(String),
}

/// Runs a command; its error is what `main` prints.
pub fn run(f: impl FnOnce() -> Result<(), ToolError>) -> Result<(), Box<dyn std::error::Error>> {
    f().map_err(Into::into)
}

struct Opened {
    data_dir: PathBuf,
    docking: DockingSettings,
    json: bool,
}

fn open(args: &NodeArgs) -> Result<Opened, ToolError> {
    let file = match &args.config {
        Some(p) => FileConfig::load(p)?,
        None => FileConfig::default(),
    };
    let data_dir = args
        .data_dir
        .clone()
        .or(file.data_dir.clone())
        .ok_or(idstation_node::config::ConfigError::NoDataDir)?;
    let docking = DockingSettings::resolve(&data_dir, &file)?;
    Ok(Opened {
        data_dir,
        docking,
        json: args.json,
    })
}

fn print_json(v: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

pub fn uplink(args: &NodeArgs, command: UplinkCommand) -> Result<(), ToolError> {
    let o = open(args)?;
    let store = SqliteStore::open(&o.data_dir)?;
    match command {
        UplinkCommand::Status => {
            let s = store.uplink_summary()?;
            let mode = o.docking.uplink.endpoint.clone().unwrap_or_else(|| {
                format!(
                    "files for manual upload in {}",
                    o.docking.uplink.outbox_dir.display()
                )
            });
            if o.json {
                print_json(&serde_json::json!({"summary": s, "endpoint": mode}));
            } else {
                println!("endpoint: {mode}");
                println!(
                    "pending {}  acked {}  failed {}  filed {}",
                    s.pending, s.acked, s.failed, s.filed
                );
                if let Some(at) = &s.oldest_pending_at {
                    println!("oldest pending since {at}");
                }
                if let Some(at) = &s.last_acked_at {
                    println!("last acknowledged at {at}");
                }
                if let (Some(e), Some(at)) = (&s.last_error, &s.last_error_at) {
                    println!("last error at {at}: {e}");
                }
            }
        }
        UplinkCommand::List { state, item, limit } => {
            let state = state
                .map(|s| {
                    ReportState::parse(&s).ok_or(ToolError::Other(format!("unknown state {s}")))
                })
                .transpose()?;
            let rows = store.reports(&ReportQuery { state, item, limit })?;
            if o.json {
                print_json(&rows);
            } else {
                for r in rows {
                    println!(
                        "{:<8} {:<6} {:<40} attempts {:<3} {} {}",
                        r.state.as_str(),
                        r.item,
                        r.key,
                        r.attempts,
                        r.acked_at.or(r.last_sent_at).unwrap_or(r.created_at),
                        r.last_error.or(r.file).unwrap_or_default()
                    );
                }
            }
        }
        UplinkCommand::Resend { key, failed } => {
            if key.is_none() && !failed {
                return Err(ToolError::Other("name a report's key, or --failed".into()));
            }
            let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let actor = idstation_node::storage::Actor {
                user: "operator (cli)",
                at: &at,
            };
            let n = store.resend(key.as_deref(), &actor)?;
            println!("{n} report(s) pending again");
        }
        UplinkCommand::Generate { item, period } => {
            let keys = Keys::load_or_create(&o.docking.secrets_dir)?;
            let prefix = store.config()?.prefix;
            let g = Generator {
                store: &store,
                keys: &keys,
                node: &prefix,
                stop: None,
            };
            let code = idstation_node::docking::schema()
                .item(&item)
                .map(|i| i.code.clone())
                .ok_or(ToolError::Other(format!("no item {item}")))?;
            let made = g.on_demand(&code, &period, chrono::Utc::now(), None)?;
            for key in made {
                println!("{key}");
            }
        }
        UplinkCommand::Send => {
            let keys = Keys::load_or_create(&o.docking.secrets_dir)?;
            let sender = Sender::new(o.docking.uplink.clone())
                .map_err(|e| ToolError::Other(e.to_string()))?;
            let pass = sender
                .pass(&store, &keys)
                .map_err(|e| ToolError::Other(e.to_string()))?;
            println!(
                "acknowledged {}, failed {}, filed {}",
                pass.acked, pass.failed, pass.filed
            );
        }
    }
    Ok(())
}

pub fn escrow(args: &NodeArgs, command: EscrowCommand) -> Result<(), ToolError> {
    match command {
        EscrowCommand::Export { out } => {
            let o = open(args)?;
            let store = SqliteStore::open(&o.data_dir)?;
            let keys = Keys::load_or_create(&o.docking.secrets_dir)?;
            let prefix = store.config()?.prefix;
            let parent = out.unwrap_or_else(|| o.docking.escrow.dir.clone());
            let started = std::time::Instant::now();
            let (dir, manifest) = escrow::export_to(&store, &keys, &prefix, &parent)?;
            if o.json {
                print_json(
                    &serde_json::json!({"dir": dir, "manifest": manifest, "seconds": started.elapsed().as_secs_f64()}),
                );
            } else {
                println!("{}", dir.display());
                for p in &manifest.parts {
                    println!(
                        "  {:<15} {:>10} rows {:>14} bytes  {}",
                        p.name, p.rows, p.bytes, p.sha256
                    );
                }
                println!(
                    "audit head {} ({}), signed by {}",
                    manifest.audit_head.seq, manifest.audit_head.hash, manifest.signer
                );
            }
        }
        EscrowCommand::Verify { dir, node, sample } => {
            let json = args.json;
            let expected = match &node {
                Some(url) => Some(node_key(url)?),
                None => None,
            };
            let manifest = escrow::verify(&dir, expected.as_deref())?;
            let mut compared = 0u64;
            if let Some(url) = &node {
                compared = compare_handles(&dir, &manifest, url, sample)?;
            }
            if json {
                print_json(
                    &serde_json::json!({"verified": true, "manifest": manifest, "handles_compared": compared}),
                );
            } else {
                println!(
                    "verified: {} parts, signature by {}",
                    manifest.parts.len(),
                    manifest.signer
                );
                if node.is_some() {
                    println!("{compared} handle(s) resolve at the node exactly as exported");
                }
            }
        }
        EscrowCommand::Import { dir } => {
            let o = open(args)?;
            let store = SqliteStore::open(&o.data_dir)?;
            let manifest = escrow::verify(&dir, None)?;
            let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let actor = idstation_node::storage::Actor {
                user: "escrow import",
                at: &at,
            };
            let mut rows = escrow::read_rows(&dir, &manifest);
            let tally =
                idstation_node::storage::EscrowStore::import_escrow(&store, &mut rows, &actor)?;
            if o.json {
                print_json(&tally);
            } else {
                println!(
                    "added {:?}\nupdated {:?}\nkept (local is as new or newer) {:?}",
                    tally.added, tally.updated, tally.kept
                );
            }
        }
    }
    Ok(())
}

/// A running node's escrow public key.
fn node_key(url: &str) -> Result<String, ToolError> {
    let client = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| ToolError::Other(e.to_string()))?;
    let v: serde_json::Value = client
        .get(format!("{}/api/v1/escrow/key", url.trim_end_matches('/')))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .map_err(|e| ToolError::Other(format!("{url}: {e}")))?;
    v["public_key"]
        .as_str()
        .map(str::to_owned)
        .ok_or(ToolError::Other(format!("{url} names no public key")))
}

/// Compares exported handles with what the node answers for them (every `n`-th, or all):
/// the Handle API's `values` must be the exported values, byte for byte.
fn compare_handles(
    dir: &Path,
    manifest: &escrow::Manifest,
    url: &str,
    sample: u64,
) -> Result<u64, ToolError> {
    use std::io::BufRead as _;
    let Some(part) = manifest.part("handles") else {
        return Ok(0);
    };
    // Every `every`-th handle; all of them for `--sample 0`.
    let every = part.rows.checked_div(sample).unwrap_or(1).max(1);
    let client = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| ToolError::Other(e.to_string()))?;
    let file =
        std::fs::File::open(dir.join(&part.file)).map_err(|e| ToolError::Other(e.to_string()))?;
    let mut compared = 0;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        if !(i as u64).is_multiple_of(every) {
            continue;
        }
        let line = line.map_err(|e| ToolError::Other(e.to_string()))?;
        let row: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| ToolError::Other(e.to_string()))?;
        let handle = row["handle"].as_str().unwrap_or_default();
        let encoded: String = handle
            .split('/')
            .map(|s| {
                percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("/");
        let answer: serde_json::Value = client
            .get(format!(
                "{}/api/handles/{encoded}",
                url.trim_end_matches('/')
            ))
            .send()
            .and_then(|r| r.json())
            .map_err(|e| ToolError::Other(format!("{handle}: {e}")))?;
        if answer["values"] != row["values"] {
            return Err(ToolError::Other(format!(
                "{handle} resolves differently at {url}"
            )));
        }
        compared += 1;
    }
    Ok(compared)
}

pub fn backup(args: &NodeArgs, out: Option<&Path>, verify: Option<&Path>) -> Result<(), ToolError> {
    if let Some(file) = verify {
        let (sidecar, info) = idstation_node::backup::verify(file)?;
        if args.json {
            print_json(
                &serde_json::json!({"verified": true, "info": info, "signed": sidecar.is_some()}),
            );
        } else {
            println!(
                "verified: schema {}, {} audit entries (head {}), {} handles{}",
                info.schema_version,
                info.audit_entries,
                info.audit_head,
                info.handles,
                if sidecar.is_some() {
                    ", sidecar signature and SHA-256 match"
                } else {
                    ""
                }
            );
        }
        return Ok(());
    }
    let o = open(args)?;
    let keys = Keys::load_or_create(&o.docking.secrets_dir)?;
    let sidecar = idstation_node::backup::backup(&o.data_dir, &o.docking.backup, &keys, out)?;
    if o.json {
        print_json(&sidecar);
    } else {
        println!("{}", sidecar.info.file.display());
        println!(
            "verified: integrity ok, schema {}, {} audit entries, {} handles, SHA-256 {}",
            sidecar.info.schema_version,
            sidecar.info.audit_entries,
            sidecar.info.handles,
            sidecar.info.sha256
        );
    }
    Ok(())
}

pub fn restore(args: &NodeArgs, from: &Path) -> Result<(), ToolError> {
    let o = open(args)?;
    let info = idstation_node::backup::restore(&o.data_dir, from, o.docking.lease_reserve)?;
    if o.json {
        print_json(&info);
    } else {
        println!("restored {} as epoch {}", from.display(), info.epoch);
        println!("change cursor {} -> {}", info.last_cursor, info.cursor_base);
        for (c, before, after) in &info.counters {
            println!("lease counter {c}: {before} -> {after}");
        }
        if let Some(r) = &info.replaced {
            println!("the replaced database is kept as {}", r.display());
        }
    }
    Ok(())
}

/// A date (`YYYY-MM-DD`, midnight UTC) or an RFC 3339 time, as stored times compare.
fn bound(s: &str) -> Result<String, ToolError> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(format!("{d}T00:00:00Z"));
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
        .map_err(|_| ToolError::Other(format!("{s}: expected YYYY-MM-DD or an RFC 3339 time")))
}

pub fn audit(args: &NodeArgs, command: AuditCommand) -> Result<(), ToolError> {
    let o = open(args)?;
    let store = SqliteStore::open(&o.data_dir)?;
    match command {
        AuditCommand::Verify => {
            let n = store.verify_audit()?;
            if o.json {
                print_json(&serde_json::json!({"verified": true, "entries": n}));
            } else {
                println!("audit chain intact: {n} entries");
            }
        }
        AuditCommand::Export { from, to, out } => {
            let from = from.as_deref().map(bound).transpose()?.unwrap_or_default();
            let to = to
                .as_deref()
                .map(bound)
                .transpose()?
                .unwrap_or_else(|| "9999".into());
            let n = match out {
                Some(path) => {
                    let mut f = std::io::BufWriter::new(
                        std::fs::File::create(&path)
                            .map_err(|e| ToolError::Other(format!("{}: {e}", path.display())))?,
                    );
                    let n = store.export_audit(&from, &to, &mut f)?;
                    f.flush().map_err(|e| ToolError::Other(e.to_string()))?;
                    n
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut lock = stdout.lock();
                    store.export_audit(&from, &to, &mut lock)?
                }
            };
            eprintln!("{n} entries");
        }
    }
    Ok(())
}
