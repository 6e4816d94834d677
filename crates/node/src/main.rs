//! `idstation-node`: parses arguments and runs the node library.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use idstation_node::config::{FileConfig, Overrides, ServeConfig};

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
        /// Secret of the prefix admin `300:0.NA/<prefix>`, also the operator's password.
        /// Prefer --admin-secret-file or the environment: other users can read a command line.
        #[arg(
            long,
            env = "IDSTATION_NODE_ADMIN_SECRET",
            hide_env_values = true,
            required_unless_present = "admin_secret_file"
        )]
        admin_secret: Option<String>,
        /// Read the admin secret from this file's first line (`-`: standard input).
        #[arg(
            long,
            env = "IDSTATION_NODE_ADMIN_SECRET_FILE",
            conflicts_with = "admin_secret"
        )]
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
    },
}

fn init_logging(default: &str) {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("IDSTATION_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default)),
        )
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Init {
            data_dir,
            prefix,
            admin_secret,
            admin_secret_file,
            operator,
        } => {
            init_logging("info");
            let secret = match (admin_secret, admin_secret_file) {
                (Some(s), _) => Ok(s),
                (None, Some(path)) => read_secret(&path),
                (None, None) => Err(idstation_node::NodeError::EmptySecret),
            };
            secret
                .and_then(|secret| idstation_node::init(&data_dir, &prefix, &operator, &secret))
                .map(|config| {
                    println!(
                        "initialised node {} in {} (operator account: {operator})",
                        config.prefix,
                        data_dir.display()
                    );
                })
        }
        Command::Migrate { data_dir } => {
            init_logging("info");
            idstation_node::open(&data_dir, Default::default()).map(|state| {
                println!(
                    "node {} in {} is up to date",
                    state.prefix(),
                    data_dir.display()
                );
            })
        }
        Command::Serve {
            config,
            data_dir,
            listen,
            tls_cert,
            tls_key,
        } => {
            let overrides = Overrides {
                data_dir,
                listen,
                tls_cert,
                tls_key,
            };
            match load_config(config, overrides) {
                Ok(config) => {
                    init_logging(&config.log);
                    serve(config)
                }
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The first line of a secret file (`-`: standard input), without its line ending.
fn read_secret(path: &std::path::Path) -> Result<String, idstation_node::NodeError> {
    // Standard input is read as it is: reopening /dev/stdin would check the file's owner,
    // and a root-only file handed to a service user must stay readable only through the fd.
    let text = if path == std::path::Path::new("-") {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(path)?
    };
    Ok(text.lines().next().unwrap_or_default().to_owned())
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
    let state = idstation_node::open(&config.data_dir, config.settings.clone())?;
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let groups = idstation_node::bind_all(&config.listen, workers)?;
    for listener in &groups[0] {
        let addr = listener.local_addr()?;
        // Scripts and tests read the port from this line, one per address.
        println!("listening on {scheme}://{addr}");
        tracing::info!(prefix = state.prefix(), %addr, scheme, workers, "node listening");
    }
    std::io::stdout().flush()?;
    // Under systemd (Type=notify): ready now that the sockets listen; watchdog pings while
    // healthy, on the first runtime (the closure runs there).
    idstation_node::systemd::ready();
    let watched = state.clone();
    idstation_node::run(groups, config.tls.as_ref(), state, move || {
        tokio::spawn(idstation_node::systemd::watchdog(watched));
        let signal = idstation_node::shutdown_signal()?;
        Ok(async move {
            signal.await;
            idstation_node::systemd::stopping();
        })
    })?;
    tracing::info!("node stopped");
    Ok(())
}
