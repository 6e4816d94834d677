//! Serving: the listening sockets, one single-threaded runtime per core over them, HTTPS, the
//! monitor's flush and a graceful stop.

use std::future::Future;
use std::net::SocketAddr;

use chrono::Utc;

use crate::config::TlsConfig;
use crate::http::{monitor, router, AppState};
use crate::node::NodeError;

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
    tls: Option<&TlsConfig>,
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
                    let _ = tokio::task::spawn_blocking(move || monitor::flush(&state)).await;
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
        let _ = tokio::task::spawn_blocking(move || monitor::flush(&last)).await;
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
    tls: Option<&TlsConfig>,
    state: AppState,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(), NodeError> {
    let app = router(state);
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
