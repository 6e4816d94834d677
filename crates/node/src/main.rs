//! `idstation-node`: parses arguments and runs the node library.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use idstation_node::config::{FileConfig, LogFiles, Overrides, ServeConfig};

mod tools;

// mimalloc for the whole process, SQLite's allocations included.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "idstation-node",
    version,
    about = "The IDStation platform server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a node: its database, prefix and admin secret.
    Init {
        #[arg(long, env = "IDSTATION_NODE_DATA_DIR")]
        data_dir: PathBuf,
        /// The node's prefix, e.g. 88.118.
        #[arg(long)]
        prefix: String,
        /// A file holding the secret of the prefix admin `300:0.NA/<prefix>` (also the
        /// operator's first password, which must be changed at the first sign-in). Or set
        /// IDSTATION_NODE_ADMIN_SECRET; never on the command line, where `ps` shows it. `-`
        /// reads it from standard input.
        #[arg(long)]
        admin_secret_file: Option<PathBuf>,
        /// User name of the operator account.
        #[arg(long, default_value = "operator")]
        operator: String,
    },
    /// Bring an existing node's database to this version's schema and exit (`serve` does it
    /// too; package upgrades run it so a failing migration fails the upgrade, not the service).
    Migrate {
        #[arg(long, env = "IDSTATION_NODE_DATA_DIR")]
        data_dir: PathBuf,
    },
    /// Serve the node's API.
    Serve {
        /// A TOML configuration file; flags and environment variables override it.
        #[arg(long, env = "IDSTATION_NODE_CONFIG")]
        config: Option<PathBuf>,
        #[arg(long, env = "IDSTATION_NODE_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// Address to listen on, repeatable; the default `[::]:8088` accepts IPv4 and IPv6.
        #[arg(long, env = "IDSTATION_NODE_LISTEN", value_delimiter = ',')]
        listen: Vec<SocketAddr>,
        /// PEM certificate chain: serve HTTPS.
        #[arg(long, env = "IDSTATION_NODE_TLS_CERT")]
        tls_cert: Option<PathBuf>,
        /// PEM private key for --tls-cert.
        #[arg(long, env = "IDSTATION_NODE_TLS_KEY")]
        tls_key: Option<PathBuf>,
        /// HTTPS address, repeatable; then --listen serves plain HTTP, redirecting to HTTPS.
        #[arg(long, env = "IDSTATION_NODE_TLS_LISTEN", value_delimiter = ',')]
        tls_listen: Vec<SocketAddr>,
    },
    /// Reports to the top-level node: what was sent, when, what failed.
    Uplink {
        #[command(flatten)]
        node: tools::NodeArgs,
        #[command(subcommand)]
        command: tools::UplinkCommand,
    },
    /// The escrow of annex 4: export, verify, import.
    Escrow {
        #[command(flatten)]
        node: tools::NodeArgs,
        #[command(subcommand)]
        command: tools::EscrowCommand,
    },
    /// A verified backup of the node's database, taken while it serves.
    Backup {
        #[command(flatten)]
        node: tools::NodeArgs,
        /// The backup file (default: a new file in the configured backup folder).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Only verify this backup file.
        #[arg(long, conflicts_with = "out")]
        verify: Option<PathBuf>,
    },
    /// Restores a verified backup into the stopped node, starting a restore epoch.
    Restore {
        #[command(flatten)]
        node: tools::NodeArgs,
        #[arg(long)]
        from: PathBuf,
    },
    /// The node's audit trail.
    Audit {
        #[command(flatten)]
        node: tools::NodeArgs,
        #[command(subcommand)]
        command: tools::AuditCommand,
    },
}

fn filter(default: &str) -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_env("IDSTATION_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default))
}

fn init_logging(default: &str) {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter(default))
        .init();
}

/// The console log, and JSON lines in rotated files (the oldest removed beyond `keep`). The
/// guard flushes the file writer when dropped, at exit.
fn init_logging_with_files(
    default: &str,
    files: &LogFiles,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    use tracing_subscriber::Layer as _;
    let rotation = if files.hourly {
        tracing_appender::rolling::Rotation::HOURLY
    } else {
        tracing_appender::rolling::Rotation::DAILY
    };
    let _ = std::fs::create_dir_all(&files.dir);
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(rotation)
        .filename_prefix("node")
        .filename_suffix("log")
        .max_log_files(files.keep)
        .build(&files.dir);
    let console = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter(default));
    match appender {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let json = tracing_subscriber::fmt::layer()
                .json()
                .with_writer(writer)
                .with_filter(filter(default));
            tracing_subscriber::registry()
                .with(console)
                .with(json)
                .init();
            Some(guard)
        }
        Err(e) => {
            tracing_subscriber::registry().with(console).init();
            tracing::warn!(dir = %files.dir.display(), error = %e, "no log files");
            None
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<(), Box<dyn std::error::Error>> = match cli.command {
        Command::Init {
            data_dir,
            prefix,
            admin_secret_file,
            operator,
        } => {
            init_logging("info");
            admin_secret(admin_secret_file.as_deref())
                .and_then(|secret| idstation_node::init(&data_dir, &prefix, &operator, &secret))
                .map(|config| {
                    println!(
                        "initialised node {} in {} (operator account: {operator}; its first \
                         sign-in must set a new password)",
                        config.prefix,
                        data_dir.display()
                    );
                })
                .map_err(Into::into)
        }
        Command::Migrate { data_dir } => {
            init_logging("info");
            idstation_node::open(&data_dir, Default::default())
                .map(|state| {
                    println!(
                        "node {} in {} is up to date",
                        state.prefix(),
                        data_dir.display()
                    );
                })
                .map_err(Into::into)
        }
        Command::Serve {
            config,
            data_dir,
            listen,
            tls_cert,
            tls_key,
            tls_listen,
        } => {
            let overrides = Overrides {
                data_dir,
                listen,
                tls_cert,
                tls_key,
                tls_listen,
            };
            match load_config(config, overrides) {
                Ok(config) => {
                    let _guard = init_logging_with_files(&config.log, &config.log_files);
                    serve(config).map_err(Into::into)
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Uplink { node, command } => tools::run(|| tools::uplink(&node, command)),
        Command::Escrow { node, command } => tools::run(|| tools::escrow(&node, command)),
        Command::Backup { node, out, verify } => {
            tools::run(|| tools::backup(&node, out.as_deref(), verify.as_deref()))
        }
        Command::Restore { node, from } => tools::run(|| tools::restore(&node, &from)),
        Command::Audit { node, command } => tools::run(|| tools::audit(&node, command)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The admin secret from `--admin-secret-file` (its first line; `-`: standard input) or the
/// environment.
fn admin_secret(file: Option<&std::path::Path>) -> Result<String, idstation_node::NodeError> {
    use idstation_node::NodeError;
    let unreadable = |path: &std::path::Path, e: std::io::Error| {
        NodeError::SecretFile(format!("{}: {e}", path.display()))
    };
    let secret = match file {
        // Standard input is read as it is: reopening /dev/stdin would check the file's owner,
        // and a root-only file handed to a service user must stay readable only through the fd.
        Some(path) if path == std::path::Path::new("-") => {
            std::io::read_to_string(std::io::stdin()).map_err(|e| unreadable(path, e))?
        }
        Some(path) => std::fs::read_to_string(path).map_err(|e| unreadable(path, e))?,
        None => std::env::var("IDSTATION_NODE_ADMIN_SECRET").map_err(|_| {
            NodeError::SecretFile(
                "give --admin-secret-file FILE or set IDSTATION_NODE_ADMIN_SECRET".to_owned(),
            )
        })?,
    };
    Ok(secret.lines().next().unwrap_or_default().to_owned())
}

fn load_config(
    file: Option<PathBuf>,
    overrides: Overrides,
) -> Result<ServeConfig, idstation_node::NodeError> {
    let file = match file {
        Some(path) => FileConfig::load(&path)?,
        None => FileConfig::default(),
    };
    Ok(ServeConfig::merge(file, overrides)?)
}

fn serve(config: ServeConfig) -> Result<(), idstation_node::NodeError> {
    let fd_limit = idstation_node::raise_fd_limit()?;
    let state = idstation_node::open_with_keys(
        &config.data_dir,
        config.settings.clone(),
        &config.docking.secrets_dir,
    )?;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let groups = idstation_node::bind_all(&config.http, &config.https, workers)?;
    let (http, https) = groups[0].addrs()?;
    let serving = idstation_node::Serving {
        tls: config.tls.clone(),
        redirect_http: config.redirect_http,
        limits: config.limits.clone(),
        trusted_proxies: config.trusted_proxies.clone(),
        fd_limit,
    };
    let state = state.with_availability(config.availability);
    // This run opens now; one left open by a crash ends at its last heartbeat.
    let run = state.begin_run()?;
    let probe = match (https.first(), http.first()) {
        (Some(a), _) => Some((*a, true)),
        (None, Some(a)) => Some((*a, false)),
        (None, None) => None,
    }
    .map(|(addr, secure)| {
        idstation_node::availability::Probe::new(addr, secure, state.prefix(), state.probe_token())
    })
    .transpose()
    .map_err(|e| std::io::Error::other(e.to_string()))?;
    let background = idstation_node::background::Background::start(
        &state,
        config.data_dir.clone(),
        &config.docking,
        idstation_node::background::Watch {
            run,
            config: config.availability,
            probe,
        },
    )?;
    let stopped_cleanly = state.clone();
    let prefix = state.prefix().to_owned();
    let watched = state.clone();
    // Announced once the stop signal is handled: a script that reads the line and sends
    // SIGTERM at once must get a graceful stop, not the signal's default (an abrupt exit).
    let shutdown = move || {
        let stopped = idstation_node::shutdown_signal()?;
        let listening = https
            .iter()
            .map(|a| ("https", a))
            .chain(http.iter().map(|a| ("http", a)));
        for (scheme, addr) in listening {
            // Scripts and tests read the port from this line, one per address, HTTPS first.
            println!("listening on {scheme}://{addr}");
            tracing::info!(%prefix, %addr, scheme, workers, "node listening");
        }
        std::io::stdout().flush()?;
        // Under systemd (Type=notify): ready now that the sockets listen and the stop signal
        // is handled; watchdog pings while healthy, on the first runtime (this closure runs
        // there).
        idstation_node::systemd::ready();
        tokio::spawn(idstation_node::systemd::watchdog(watched));
        Ok(async move {
            stopped.await;
            idstation_node::systemd::stopping();
        })
    };
    let served = idstation_node::run(groups, &serving, state, shutdown);
    background.stop();
    served?;
    stopped_cleanly.end_run(run);
    tracing::info!("node stopped");
    Ok(())
}
