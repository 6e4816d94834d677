//! The IDStation node: the platform server that registers and resolves handles under its
//! prefix through a Handle.net-compatible JSON REST API.
//!
//! The `idstation-node` binary only parses arguments and calls [`init`], [`bind_all`] and [`run`].

pub mod accounts;
pub mod accounts_api;
pub mod api;
pub mod auth;
pub mod config;
pub mod error;
pub mod favicon;
pub mod monitor;
pub mod monitor_api;
pub mod openapi;
pub mod resolver;
mod sqlite_accounts;
mod sqlite_monitor;
mod sqlite_sync;
pub mod store;
pub mod sync;
pub mod sync_api;
pub mod systemd;
pub mod updates;
pub mod values;

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use chrono::{SecondsFormat, Utc};
use idstation_model::identifier::is_valid_prefix;

pub use accounts::{AccountStore, Role};
pub use api::{router, AppState, NodeStore};
pub use config::{ServeConfig, Settings};
pub use store::{HandleStore, NodeConfig, SqliteStore, StoreError};

use values::{HandleValue, ValueData};

/// Index of the public HS_ADMIN value on the prefix handle `0.NA/<prefix>`.
pub const PREFIX_ADMIN_INDEX: u32 = 100;
/// All permissions except adding/removing naming authorities (Handle's usual prefix admin).
pub const PREFIX_ADMIN_PERMISSIONS: &str = "011111110011";

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("invalid prefix \"{0}\": expected dot-separated digit groups under 88, e.g. 88.118")]
    InvalidPrefix(String),
    #[error("the admin secret must not be empty")]
    EmptySecret,
    #[error("cannot hash the admin secret: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Account(#[from] accounts::AccountError),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("TLS certificate or key: {0}")]
    Tls(String),
    #[error("network error: {0}")]
    Io(#[from] std::io::Error),
}

/// Creates a node in `data_dir`: its database, its prefix, the argon2 hash of the admin secret,
/// the prefix handle `0.NA/<prefix>` with a public HS_ADMIN value (clients such as pyhandle
/// resolve it before writing), and the operator account `operator` signing in with the same
/// secret.
pub fn init(
    data_dir: &Path,
    prefix: &str,
    operator: &str,
    admin_secret: &str,
) -> Result<NodeConfig, NodeError> {
    if !is_valid_prefix(prefix) {
        return Err(NodeError::InvalidPrefix(prefix.to_owned()));
    }
    if admin_secret.is_empty() {
        return Err(NodeError::EmptySecret);
    }
    let config = NodeConfig {
        prefix: prefix.to_owned(),
        admin_secret_hash: auth::hash_secret(admin_secret)
            .map_err(|e| NodeError::Hash(e.to_string()))?,
    };
    let at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let prefix_handle = format!("0.NA/{prefix}");
    let hs_admin = HandleValue {
        index: PREFIX_ADMIN_INDEX,
        kind: "HS_ADMIN".to_owned(),
        data: ValueData::admin(&prefix_handle, auth::ADMIN_INDEX, PREFIX_ADMIN_PERMISSIONS),
        ttl: values::DEFAULT_TTL,
        timestamp: at.clone(),
    };
    let actor = store::Actor {
        user: "init",
        at: &at,
    };
    let store = SqliteStore::create(data_dir, &config, vec![hs_admin], &actor)?;
    store.create_operator(operator, &config.admin_secret_hash, &actor)?;
    Ok(config)
}

/// Opens the node in `data_dir` and builds the state its router needs.
pub fn open(data_dir: &Path, settings: Settings) -> Result<AppState, NodeError> {
    let store: Arc<dyn NodeStore> = Arc::new(SqliteStore::open(data_dir)?);
    Ok(AppState::new(store, settings)?.with_data_dir(data_dir))
}

/// Binds a listening socket. `[::]` is made dual-stack explicitly (IPv4 clients arrive as
/// v4-mapped addresses) instead of relying on the system's `bindv6only` default.
pub fn bind(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() && addr.ip().is_unspecified() {
        socket.set_only_v6(false)?;
    }
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// The listening sockets of `addrs`, handed to `workers` threads: each thread gets its own
/// handle on the same sockets and accepts from them when it is free. (Not `SO_REUSEPORT`:
/// that would also let a second node on the same port start and silently take half the
/// connections.)
pub fn bind_all(
    addrs: &[SocketAddr],
    workers: usize,
) -> std::io::Result<Vec<Vec<std::net::TcpListener>>> {
    let first: Vec<std::net::TcpListener> =
        addrs.iter().map(|a| bind(*a)).collect::<Result<_, _>>()?;
    let mut groups = Vec::with_capacity(workers.max(1));
    for _ in 1..workers.max(1) {
        groups.push(
            first
                .iter()
                .map(|l| l.try_clone())
                .collect::<Result<_, _>>()?,
        );
    }
    groups.insert(0, first);
    Ok(groups)
}

/// Runs the node until `shutdown` resolves: one thread per listener group, each with its own
/// single-threaded runtime, like nginx's workers. A connection stays on the thread that
/// accepted it, so a request never hops between threads: on two cores the work-stealing
/// runtime's cross-thread wake-ups cost a quarter of the throughput at 5,000 connections and
/// tripled the p99 (bench/run-node-load.sh). The first group's thread also keeps the monitor
/// and the shutdown.
/// `shutdown` is called on that thread's runtime (signal handlers need one).
pub fn run<F: Future<Output = ()> + Send + 'static>(
    groups: Vec<Vec<std::net::TcpListener>>,
    tls: Option<&config::TlsConfig>,
    state: AppState,
    shutdown: impl FnOnce() -> std::io::Result<F>,
) -> Result<(), NodeError> {
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut groups = groups.into_iter();
    let own = groups.next().unwrap_or_default();
    let workers: Vec<std::thread::JoinHandle<Result<(), NodeError>>> = groups
        .enumerate()
        .map(|(i, listeners)| {
            let (state, stop, tls) = (state.clone(), stop_rx.clone(), tls.cloned());
            std::thread::Builder::new()
                .name(format!("node-worker-{}", i + 1))
                .spawn(move || runtime()?.block_on(accept(listeners, tls.as_ref(), state, stop)))
        })
        .collect::<Result<_, _>>()?;
    runtime()?.block_on(async move {
        let shutdown = shutdown()?;
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        });
        note_start(&state)?;
        let flusher = {
            let state = state.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
                loop {
                    tick.tick().await;
                    let state = state.clone();
                    let _ = tokio::task::spawn_blocking(move || monitor_api::flush(&state)).await;
                }
            })
        };
        let mut result = accept(own, tls, state.clone(), stop_rx).await;
        // Every worker finishes its requests before the node calls its stop clean.
        for worker in workers {
            let done = tokio::task::spawn_blocking(move || worker.join())
                .await
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            match done {
                Ok(Ok(())) => {}
                Ok(Err(e)) => result = Err(e),
                Err(_) => {
                    result = Err(NodeError::Io(std::io::Error::other(
                        "a worker thread panicked",
                    )))
                }
            }
        }
        flusher.abort();
        let last = state.clone();
        let _ = tokio::task::spawn_blocking(move || monitor_api::flush(&last)).await;
        if result.is_ok() {
            if let Some(marker) = &state.running_marker {
                let _ = std::fs::remove_file(marker);
            }
        }
        result
    })
}

/// Leaves a marker in the data folder while the node runs; one found at start means the last
/// run did not stop cleanly, which the monitor records as an abnormal event and a recovery.
fn note_start(state: &AppState) -> Result<(), NodeError> {
    let Some(marker) = state.running_marker.clone() else {
        return Ok(());
    };
    if marker.exists() {
        let now = Utc::now();
        state.monitor.event(
            now,
            "abnormal",
            "system",
            "the node stopped without a clean shutdown",
        );
        state
            .monitor
            .event(now, "recovered", "system", "the node restarted");
        tracing::warn!("the last run ended without a clean shutdown");
    }
    std::fs::write(&marker, std::process::id().to_string())?;
    Ok(())
}

/// Serves `listeners` on the current runtime until `stop` turns true, then lets open requests
/// finish.
async fn accept(
    listeners: Vec<std::net::TcpListener>,
    tls: Option<&config::TlsConfig>,
    state: AppState,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(), NodeError> {
    // The update feed names its downloads with this listener's scheme.
    let scheme = updates::Scheme(if tls.is_some() { "https" } else { "http" });
    let app = router(state).layer(axum::Extension(scheme));
    let mut tasks = tokio::task::JoinSet::new();
    let rustls = match tls {
        Some(tls) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            Some(
                axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
                    .await
                    .map_err(|e| NodeError::Tls(e.to_string()))?,
            )
        }
        None => None,
    };
    for listener in listeners {
        let app = app.clone();
        let mut stop = stop.clone();
        let stopped = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        match &rustls {
            None => {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                tasks.spawn(async move {
                    axum::serve(
                        listener,
                        app.into_make_service_with_connect_info::<SocketAddr>(),
                    )
                    .with_graceful_shutdown(stopped)
                    .await
                });
            }
            Some(config) => {
                let handle = axum_server::Handle::new();
                let server =
                    axum_server::from_tcp_rustls(listener, config.clone())?.handle(handle.clone());
                tasks.spawn(async move {
                    tokio::spawn(async move {
                        stopped.await;
                        handle.graceful_shutdown(None);
                    });
                    server
                        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
                        .await
                });
            }
        }
    }
    let mut result = Ok(());
    while let Some(done) = tasks.join_next().await {
        if let Err(e) = done
            .map_err(|e| std::io::Error::other(e.to_string()))
            .and_then(|r| r)
        {
            result = Err(NodeError::Io(e));
        }
    }
    result
}

pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
