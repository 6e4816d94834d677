//! `idstation-node`: parses arguments and runs the node library.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
        /// Secret of the prefix admin `300:0.NA/<prefix>`.
        #[arg(long, env = "IDSTATION_NODE_ADMIN_SECRET", hide_env_values = true)]
        admin_secret: String,
    },
    /// Serve the node's API.
    Serve {
        #[arg(long, env = "IDSTATION_NODE_DATA_DIR")]
        data_dir: PathBuf,
        /// Address to listen on; the default `[::]` accepts IPv4 and IPv6.
        #[arg(long, env = "IDSTATION_NODE_LISTEN", default_value = "[::]:8088")]
        listen: SocketAddr,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("IDSTATION_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let result = match cli.command {
        Command::Init {
            data_dir,
            prefix,
            admin_secret,
        } => idstation_node::init(&data_dir, &prefix, &admin_secret).map(|config| {
            println!(
                "initialised node {} in {}",
                config.prefix,
                data_dir.display()
            );
        }),
        Command::Serve { data_dir, listen } => serve(data_dir, listen),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(data_dir: PathBuf, listen: SocketAddr) -> Result<(), idstation_node::NodeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let state = idstation_node::open(&data_dir)?;
        let listener = idstation_node::bind(listen)?;
        let addr = listener.local_addr()?;
        // Scripts and tests read the port from this line.
        println!("listening on http://{addr}");
        std::io::stdout().flush()?;
        tracing::info!(prefix = state.prefix(), %addr, "node started");
        idstation_node::serve(listener, state, idstation_node::shutdown_signal()).await?;
        tracing::info!("node stopped");
        Ok(())
    })
}
