//! Getting bytes to a printer: raw TCP (port 9100) with status queries, a named print queue
//! (CUPS through `lp`; the Windows spooler: `platform`), or a device file such as
//! `/dev/usb/lp0`.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::printer::Language;
use crate::status::{self, PrinterStatus};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Transport {
    /// Raw socket, two-way: the label bytes, and status queries on their own connection.
    Tcp { host: String, port: u16 },
    /// A CUPS queue; `server` is `host:port` when not the default (`lp -h`). Label languages go
    /// raw (`-o raw`), PDFs through the queue's driver.
    Cups {
        queue: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        server: Option<String>,
    },
    /// A character device (USB printer class) or any file.
    Device { path: PathBuf },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No connection, or no answer within the timeout.
    #[error("printer {0} is offline or in error (no answer)")]
    Offline(String),
    /// The printer answered that it cannot print (paper out, head open, ...).
    #[error("printer reports: {}", .0.join(", "))]
    NotReady(Vec<String>),
    #[error("the print queue refused the job: {0}")]
    Refused(String),
    #[error("printer I/O failed: {0}")]
    Io(String),
    #[error("CUPS tools are missing (lp): {0}")]
    NoCups(String),
}

impl TransportError {
    /// Worth trying again later (the printer may come back).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            TransportError::Offline(_) | TransportError::NotReady(_) | TransportError::Io(_)
        )
    }
}

fn valid_queue(q: &str) -> bool {
    !q.is_empty()
        && q.len() <= 127
        && q.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c))
}

impl Transport {
    /// What is wrong with it, if anything.
    pub fn problem(&self) -> Option<String> {
        match self {
            Transport::Tcp { host, port } => (host.trim().is_empty()
                || host.len() > 253
                || host.chars().any(|c| c.is_whitespace() || c.is_control())
                || *port == 0)
                .then(|| format!("{host}:{port}")),
            Transport::Cups { queue, server } => (!valid_queue(queue)
                || server.as_ref().is_some_and(|s| {
                    s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control())
                }))
            .then(|| queue.clone()),
            Transport::Device { path } => {
                (path.as_os_str().is_empty()).then(|| path.display().to_string())
            }
        }
    }

    /// Parses `tcp://host:9100`, `host:port`, `cups://queue`, `cups://server:631/queue`,
    /// `/dev/usb/lp0` or `file:///path`.
    pub fn parse(s: &str) -> Option<Transport> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("cups://") {
            return match rest.rsplit_once('/') {
                Some((server, queue)) => Some(Transport::Cups {
                    queue: queue.to_string(),
                    server: Some(server.to_string()),
                }),
                None => Some(Transport::Cups {
                    queue: rest.to_string(),
                    server: None,
                }),
            }
            .filter(|t| t.problem().is_none());
        }
        if let Some(rest) = s.strip_prefix("file://") {
            return Some(Transport::Device {
                path: PathBuf::from(rest),
            });
        }
        if crate::platform::is_device_path(s) {
            return Some(Transport::Device {
                path: PathBuf::from(s),
            });
        }
        let rest = s
            .strip_prefix("tcp://")
            .or_else(|| s.strip_prefix("socket://"))
            .unwrap_or(s);
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(':') => (h, p.parse().ok()?),
            _ => (rest, 9100),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let t = Transport::Tcp {
            host: host.to_string(),
            port,
        };
        t.problem().is_none().then_some(t)
    }

    /// False for a device address that names an ordinary file rather than a printer port
    /// (`/dev/usb/lp0`, `/dev/ttyUSB0`, `COM3`, `LPT1`, `\\.\USB001`): the desktop app accepts
    /// only printer ports, so nothing it is told can make it write label bytes over a file.
    pub fn is_printer_port(&self) -> bool {
        match self {
            Transport::Device { path } => crate::platform::is_printer_port(&path.to_string_lossy()),
            Transport::Tcp { .. } | Transport::Cups { .. } => true,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Transport::Tcp { host, port } => format!("tcp://{host}:{port}"),
            Transport::Cups {
                queue,
                server: Some(s),
            } => format!("cups://{s}/{queue}"),
            Transport::Cups {
                queue,
                server: None,
            } => format!("cups://{queue}"),
            Transport::Device { path } => path.display().to_string(),
        }
    }

    /// Sends one job's bytes. `raw` for label languages (CUPS `-o raw`); `cups_options` are
    /// passed to `lp` as `-o` each (e.g. `media=Custom.50x30mm`), and ignored elsewhere.
    pub fn send(
        &self,
        bytes: &[u8],
        raw: bool,
        title: &str,
        timeout: Duration,
    ) -> Result<(), TransportError> {
        self.send_with(bytes, raw, title, timeout, &[])
    }

    pub fn send_with(
        &self,
        bytes: &[u8],
        raw: bool,
        title: &str,
        timeout: Duration,
        cups_options: &[String],
    ) -> Result<(), TransportError> {
        match self {
            Transport::Tcp { host, port } => {
                let mut s = connect(host, *port, timeout)?;
                s.write_all(bytes)
                    .and_then(|_| s.flush())
                    .map_err(|e| TransportError::Io(e.to_string()))?;
                let _ = s.shutdown(std::net::Shutdown::Write);
                Ok(())
            }
            Transport::Cups { queue, server } => crate::platform::spool(
                queue,
                server.as_deref(),
                bytes,
                raw,
                title,
                timeout,
                cups_options,
            ),
            Transport::Device { path } => {
                let path = path.clone();
                let data = bytes.to_vec();
                let (tx, rx) = std::sync::mpsc::channel();
                // A stalled USB printer blocks write(2); the thread is left behind on timeout.
                std::thread::spawn(move || {
                    let r = std::fs::OpenOptions::new()
                        .write(true)
                        .open(&path)
                        .and_then(|mut f| f.write_all(&data).and_then(|_| f.flush()));
                    let _ = tx.send(r);
                });
                match rx.recv_timeout(timeout) {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                        Err(TransportError::Offline(self.describe()))
                    }
                    Ok(Err(e)) => Err(TransportError::Io(e.to_string())),
                    Err(_) => Err(TransportError::Offline(self.describe())),
                }
            }
        }
    }

    /// Asks the printer how it is. TCP: `~HS` (ZPL) or `<ESC>!?` (TSPL) on a connection of its
    /// own; no complete answer within the timeout is [`PrinterState::Offline`](crate::PrinterState).
    pub fn status(&self, language: Language, timeout: Duration) -> PrinterStatus {
        match self {
            Transport::Tcp { host, port } => match language {
                Language::Zpl => query(host, *port, b"~HS\r\n", timeout, |buf| {
                    (status::count_zebra_strings(buf) >= 3)
                        .then(|| status::parse_zebra_hs(buf))
                        .flatten()
                }),
                Language::Tspl => query(host, *port, b"\x1b!?", timeout, |buf| {
                    buf.first().map(|b| status::parse_tsc_status(*b))
                }),
                // Office printers on a raw socket have no status language we speak.
                Language::Pdf => match connect(host, *port, timeout) {
                    Ok(_) => PrinterStatus::assumed_ready("connected"),
                    Err(_) => PrinterStatus::offline(),
                },
            },
            Transport::Cups { queue, server } => {
                crate::platform::queue_status(queue, server.as_deref(), timeout)
            }
            Transport::Device { path } => {
                match std::fs::OpenOptions::new().write(true).open(path) {
                    Ok(_) => PrinterStatus::assumed_ready("device writable"),
                    Err(_) => PrinterStatus::offline(),
                }
            }
        }
    }
}

fn connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, TransportError> {
    let where_ = format!("{host}:{port}");
    let addrs = (host, port)
        .to_socket_addrs()
        .map_err(|_| TransportError::Offline(where_.clone()))?;
    for a in addrs {
        if let Ok(s) = TcpStream::connect_timeout(&a, timeout) {
            let _ = s.set_write_timeout(Some(timeout));
            let _ = s.set_read_timeout(Some(timeout));
            let _ = s.set_nodelay(true);
            return Ok(s);
        }
    }
    Err(TransportError::Offline(where_))
}

/// Sends a query and reads until `done` recognises a complete answer or the time is up.
fn query(
    host: &str,
    port: u16,
    q: &[u8],
    timeout: Duration,
    done: impl Fn(&[u8]) -> Option<PrinterStatus>,
) -> PrinterStatus {
    let Ok(mut s) = connect(host, port, timeout) else {
        return PrinterStatus::offline();
    };
    if s.write_all(q).and_then(|_| s.flush()).is_err() {
        return PrinterStatus::offline();
    }
    let deadline = Instant::now() + timeout;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 512];
    loop {
        if let Some(st) = done(&buf) {
            return st;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || buf.len() > 4096 {
            return PrinterStatus::offline();
        }
        let _ = s.set_read_timeout(Some(left.max(Duration::from_millis(1))));
        match s.read(&mut chunk) {
            Ok(0) => return done(&buf).unwrap_or_else(PrinterStatus::offline),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => return PrinterStatus::offline(),
        }
    }
}
