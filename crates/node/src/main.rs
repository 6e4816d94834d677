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
        #[arg(long, env = "IDSTATION_NODE_ADMIN_SECRET", hide_env_values = true)]
        admin_secret: String,
        /// User name of the operator account.
        #[arg(long, default_value = "operator")]
        operator: String,
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
            operator,
        } => {
            init_logging("info");
            idstation_node::init(&data_dir, &prefix, &operator, &admin_secret).map(|config| {
                println!(
                    "initialised node {} in {} (operator account: {operator})",
                    config.prefix,
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
    let addrs: Vec<SocketAddr> = groups[0]
        .iter()
        .map(|l| l.local_addr())
        .collect::<Result<_, _>>()?;
    let prefix = state.prefix().to_owned();
    // Announced once the stop signal is handled: a script that reads the line and sends
    // SIGTERM at once must get a graceful stop, not the signal's default (an abrupt exit).
    let shutdown = move || {
        let stopped = idstation_node::shutdown_signal()?;
        for addr in &addrs {
            // Scripts and tests read the port from this line, one per address.
            println!("listening on {scheme}://{addr}");
            tracing::info!(%prefix, %addr, scheme, workers, "node listening");
        }
        std::io::stdout().flush()?;
        Ok(stopped)
    };
    idstation_node::run(groups, config.tls.as_ref(), state, shutdown)?;
    tracing::info!("node stopped");
    Ok(())
}
