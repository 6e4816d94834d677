//! The IDStation node: the platform server that registers and resolves handles under its
//! prefix through a Handle.net-compatible JSON REST API.
//!
//! The `idstation-node` binary only parses arguments and calls [`init`], [`bind`] and [`serve`].

pub mod accounts;
pub mod accounts_api;
pub mod api;
pub mod auth;
pub mod config;
pub mod error;
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
pub fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() && addr.ip().is_unspecified() {
        socket.set_only_v6(false)?;
    }
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    tokio::net::TcpListener::from_std(socket.into())
}

/// Serves the API on every listener (over TLS when `tls` is given) until `shutdown` completes,
/// then finishes the requests in flight (their writes included) before returning.
pub async fn serve(
    listeners: Vec<tokio::net::TcpListener>,
    tls: Option<&config::TlsConfig>,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), NodeError> {
    if let Some(marker) = state.running_marker.clone() {
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
    }
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
    let app = router(state.clone());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    let rustls = match tls {
        Some(tls) => {
            // Several crates may link a rustls provider; pick ring explicitly. An error only
            // means a provider was installed already.
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
        let mut stop = stop_rx.clone();
        let stopped = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        match &rustls {
            None => {
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
                let server = axum_server::from_tcp_rustls(listener.into_std()?, config.clone())?
                    .handle(handle.clone());
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
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let mut result = Ok(());
    while let Some(done) = tasks.join_next().await {
        if let Err(e) = done
            .map_err(|e| std::io::Error::other(e.to_string()))
            .and_then(|r| r)
        {
            result = Err(NodeError::Io(e));
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
}

/// Registers for Ctrl-C and SIGTERM now (so a signal that arrives before serving starts is not
/// fatal) and returns a future that completes when one arrives.
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
