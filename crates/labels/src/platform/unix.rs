//! Named print queues on Unix: CUPS's `lp` sends a job (`-o raw` for label languages),
//! `lpstat -p` says whether the queue is enabled. Both run with a timeout: a CUPS server that
//! does not answer must not hold up the print queue.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::status::{PrinterState, PrinterStatus};
use crate::transport::TransportError;

pub(super) fn spool(
    queue: &str,
    server: Option<&str>,
    bytes: &[u8],
    raw: bool,
    title: &str,
    timeout: Duration,
    options: &[String],
) -> Result<(), TransportError> {
    let mut cmd = Command::new("lp");
    if let Some(sv) = server {
        cmd.arg("-h").arg(sv);
    }
    cmd.arg("-d").arg(queue).arg("-t").arg(title);
    if raw {
        cmd.arg("-o").arg("raw");
    }
    for o in options {
        cmd.arg("-o").arg(o);
    }
    cmd.arg("--").arg("-");
    run_with_input(cmd, bytes, timeout)
}

pub(super) fn queue_status(queue: &str, server: Option<&str>, timeout: Duration) -> PrinterStatus {
    let mut cmd = Command::new("lpstat");
    if let Some(sv) = server {
        cmd.arg("-h").arg(sv);
    }
    cmd.arg("-p").arg(queue);
    match output_with_timeout(cmd, timeout) {
        Some((true, out)) if out.contains("disabled") => PrinterStatus {
            state: PrinterState::Error,
            flags: vec!["queue_disabled".into()],
            raw: out.trim().to_string(),
        },
        Some((true, out)) => PrinterStatus::assumed_ready(out.trim()),
        _ => PrinterStatus::offline(),
    }
}

fn run_with_input(mut cmd: Command, input: &[u8], timeout: Duration) -> Result<(), TransportError> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| TransportError::NoCups(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        let data = input.to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
        });
    }
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(st)) => {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                return if st.success() {
                    Ok(())
                } else if err.contains("connect") || err.contains("not exist") {
                    Err(TransportError::Offline(err.trim().to_string()))
                } else {
                    Err(TransportError::Refused(err.trim().to_string()))
                };
            }
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(TransportError::Offline("lp did not finish in time".into()));
            }
        }
    }
}

fn output_with_timeout(mut cmd: Command, timeout: Duration) -> Option<(bool, String)> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(st)) => {
                let mut out = String::new();
                if let Some(mut o) = child.stdout.take() {
                    let _ = o.read_to_string(&mut out);
                }
                return Some((st.success(), out));
            }
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}
