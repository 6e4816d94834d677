//! Serving: the listening sockets (plain HTTP and HTTPS side by side), one single-threaded
//! runtime per core over them, the connection limit ([`gate`]), each connection's timeouts
//! ([`conn`]), the monitor's flush and a graceful stop.

mod conn;
pub mod forwarded;
mod gate;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::config::{Limits, TlsFiles};
use crate::http::updates::Scheme;
use crate::http::{monitor, router, AppState};
use crate::node::NodeError;
use conn::{Listener, Serves};
use gate::Gate;

/// Descriptors kept free of connections: SQLite's files (a reader per busy blocking thread),
/// the log, the listening sockets.
const RESERVED_FDS: u64 = 512;
/// Blocking threads per runtime (storage calls, big records): enough for every core to wait on
/// the disk. Each idle thread keeps some memory (its allocator's cache, a SQLite reader), so
/// this bounds the node's memory under a flood as much as its files (measured: 200 parallel
/// sign-ins grew 128 threads to 300 MB; 16 per runtime keep it near 80 MB).
const BLOCKING_THREADS: usize = 16;

/// Asked of `listen`; Linux caps it at `net.core.somaxconn` (4,096 by default since 5.4).
const LISTEN_BACKLOG: i32 = 65_535;

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
    // The longest accept queue the system allows (it caps this at net.core.somaxconn): when a
    // flood fills a short queue the kernel drops new SYNs, and a phone's request then waits for
    // TCP's retransmission (1 s, 3 s …) instead of its turn (measured in tests/abuse.rs: the
    // probe took 2-2.5 s behind 2,000 reconnecting idle sockets with 1,024).
    socket.listen(LISTEN_BACKLOG)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// One worker's handles on the listening sockets.
pub struct Listeners {
    pub http: Vec<std::net::TcpListener>,
    pub https: Vec<std::net::TcpListener>,
}

impl Listeners {
    /// The addresses, plain HTTP first.
    pub fn addrs(&self) -> std::io::Result<(Vec<SocketAddr>, Vec<SocketAddr>)> {
        let addrs = |ls: &[std::net::TcpListener]| -> std::io::Result<Vec<SocketAddr>> {
            ls.iter().map(|l| l.local_addr()).collect()
        };
        Ok((addrs(&self.http)?, addrs(&self.https)?))
    }

    fn try_clone(&self) -> std::io::Result<Listeners> {
        let clone = |ls: &[std::net::TcpListener]| -> std::io::Result<Vec<_>> {
            ls.iter().map(|l| l.try_clone()).collect()
        };
        Ok(Listeners {
            http: clone(&self.http)?,
            https: clone(&self.https)?,
        })
    }
}

/// The listening sockets, handed to `workers` threads: each thread gets its own handle on the
/// same sockets and accepts from them when it is free. (Not `SO_REUSEPORT`: that would also
/// let a second node on the same port start and silently take half the connections.)
pub fn bind_all(
    http: &[SocketAddr],
    https: &[SocketAddr],
    workers: usize,
) -> std::io::Result<Vec<Listeners>> {
    let first = Listeners {
        http: http.iter().map(|a| bind(*a)).collect::<Result<_, _>>()?,
        https: https.iter().map(|a| bind(*a)).collect::<Result<_, _>>()?,
    };
    let mut groups = Vec::with_capacity(workers.max(1));
    for _ in 1..workers.max(1) {
        groups.push(first.try_clone()?);
    }
    groups.insert(0, first);
    Ok(groups)
}

/// Raises the soft limit on open files to the hard limit (systemd starts services at 1,024,
/// which ~1,000 idle sockets would exhaust); returns the limit now in force.
pub fn raise_fd_limit() -> std::io::Result<u64> {
    rlimit::increase_nofile_limit(u64::MAX)
}

/// How the node serves, besides its state: HTTPS files, redirects and limits.
#[derive(Debug, Clone)]
pub struct Serving {
    pub tls: Option<TlsFiles>,
    pub redirect_http: bool,
    pub limits: Limits,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` name the client (none: the peer
    /// is the client).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The file-descriptor limit in force (from [`raise_fd_limit`]); connections stay below it.
    pub fd_limit: u64,
}

impl Serving {
    /// The connection limit: the configured one, within the file descriptors there are.
    pub fn max_connections(&self) -> usize {
        let by_fds = usize::try_from(self.fd_limit.saturating_sub(RESERVED_FDS).max(16))
            .unwrap_or(usize::MAX);
        self.limits.max_connections.min(by_fds)
    }
}

/// Runs the node until `shutdown` resolves: one thread per listener group, each with its own
/// single-threaded runtime, like nginx's workers. A connection stays on the thread that
/// accepted it, so a request never hops between threads: on two cores the work-stealing
/// runtime's cross-thread wake-ups cost a quarter of the throughput at 5,000 connections and
/// tripled the p99 (bench/run-node-load.sh). The first group's thread also keeps the monitor
/// and the shutdown. The connection limit is shared by every thread.
/// `shutdown` is called on that thread's runtime (signal handlers need one).
pub fn run<F: Future<Output = ()> + Send + 'static>(
    groups: Vec<Listeners>,
    serving: &Serving,
    state: AppState,
    shutdown: impl FnOnce() -> std::io::Result<F>,
) -> Result<(), NodeError> {
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .max_blocking_threads(BLOCKING_THREADS)
            .build()
    };
    let tls = serving.tls.as_ref().map(acceptor).transpose()?;
    let https_port = groups
        .first()
        .and_then(|g| g.https.first())
        .map(|l| l.local_addr())
        .transpose()?
        .map(|a| a.port());
    // The update feed names its downloads with the listener's scheme.
    let app = |scheme| router(state.clone()).layer(axum::Extension(Scheme(scheme)));
    let plain = Arc::new(Listener {
        serves: match https_port {
            Some(port) if serving.redirect_http => Serves::RedirectTo(port),
            _ => Serves::App(app("http")),
        },
        tls: None,
        limits: serving.limits.clone(),
        trusted_proxies: serving.trusted_proxies.clone().into(),
    });
    let secure = Arc::new(Listener {
        serves: Serves::App(app("https")),
        tls,
        limits: serving.limits.clone(),
        trusted_proxies: serving.trusted_proxies.clone().into(),
    });
    let gate = Gate::new(serving.max_connections());
    tracing::info!(
        max_connections = gate.max(),
        fd_limit = serving.fd_limit,
        "connection limit"
    );
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut groups = groups.into_iter();
    let own = groups.next().unwrap_or(Listeners {
        http: Vec::new(),
        https: Vec::new(),
    });
    let spawn_group = |listeners: Listeners| Group {
        listeners,
        plain: plain.clone(),
        secure: secure.clone(),
        gate: gate.clone(),
        stop: stop_rx.clone(),
    };
    let workers: Vec<std::thread::JoinHandle<Result<(), NodeError>>> = groups
        .enumerate()
        .map(|(i, listeners)| {
            let group = spawn_group(listeners);
            std::thread::Builder::new()
                .name(format!("node-worker-{}", i + 1))
                .spawn(move || runtime()?.block_on(group.accept()))
        })
        .collect::<Result<_, _>>()?;
    let own = spawn_group(own);
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
        let mut result = own.accept().await;
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

/// The TLS side of HTTPS listeners: the certificate chain and key, HTTP/1.1 by ALPN.
fn acceptor(files: &TlsFiles) -> Result<tokio_rustls::TlsAcceptor, NodeError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tls_error = |what: &str, e: &dyn std::fmt::Display| {
        NodeError::Tls(format!("{what} {}: {e}", files.cert.display()))
    };
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| tls_error("certificate", &e))?;
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| NodeError::Tls(format!("private key {}: {e}", files.key.display())))?;
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| tls_error("certificate", &e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Leaves a marker in the data folder while the node runs (a backup reads the running node's
/// pid from it). Whether the last run crashed is the run log's to say (`availability::begin`).
fn note_start(state: &AppState) -> Result<(), NodeError> {
    let Some(marker) = state.running_marker.clone() else {
        return Ok(());
    };
    std::fs::write(&marker, std::process::id().to_string())?;
    Ok(())
}

/// One worker's listeners and what they share with every worker.
struct Group {
    listeners: Listeners,
    plain: Arc<Listener>,
    secure: Arc<Listener>,
    gate: Arc<Gate>,
    stop: tokio::sync::watch::Receiver<bool>,
}

impl Group {
    /// Accepts on every listener of the group until the stop, then lets open requests finish.
    async fn accept(self) -> Result<(), NodeError> {
        let mut loops = tokio::task::JoinSet::new();
        let kinds = self
            .listeners
            .http
            .into_iter()
            .map(|l| (l, self.plain.clone()))
            .chain(
                self.listeners
                    .https
                    .into_iter()
                    .map(|l| (l, self.secure.clone())),
            );
        for (listener, serves) in kinds {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            loops.spawn(accept_loop(
                listener,
                serves,
                self.gate.clone(),
                self.stop.clone(),
            ));
        }
        while loops.join_next().await.is_some() {}
        // Connections end by themselves once told to stop (see `conn::serve`).
        self.gate.drained().await;
        Ok(())
    }
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    serves: Arc<Listener>,
    gate: Arc<Gate>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        // A place first, then the connection: when every place is taken, new connections
        // wait in the kernel's queue instead of costing the node memory.
        let permit = tokio::select! {
            permit = gate.admit() => permit,
            _ = stop.wait_for(|s| *s) => return,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|s| *s) => return,
        };
        match accepted {
            Ok((stream, peer)) => {
                tokio::spawn(conn::serve(
                    stream,
                    peer,
                    permit,
                    serves.clone(),
                    stop.clone(),
                ));
            }
            Err(e) => {
                // Out of descriptors or memory for a moment: let connections close first.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
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
