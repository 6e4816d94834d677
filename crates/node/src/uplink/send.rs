//! Delivering the outbox: each due report is POSTed to the configured endpoint over HTTPS
//! (reqwest, rustls) with its idempotency key, exactly as stored; 2xx (or 409, "have it
//! already") acknowledges it, anything else or a timeout retries it later with exponential,
//! jittered backoff, until the configured number of attempts. With no endpoint configured, each
//! report is written as a file for manual upload instead.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rand::Rng as _;
use sha2::{Digest, Sha256};

use super::{report_context, DueReport, SendOutcome};
use crate::secrets::{write_private, Keys};
use crate::storage::{NodeStore, StorageError};

/// Where and how reports go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UplinkConfig {
    /// The top-level node's endpoint (`https://…`); `None`: files for manual upload.
    pub endpoint: Option<String>,
    /// Sent as `Authorization: Bearer …`.
    pub token: Option<String>,
    /// Sent as HTTP Basic when no token is set.
    pub username: Option<String>,
    pub password: Option<String>,
    /// A PEM certificate to trust besides the system's (a test or private CA).
    pub ca_cert: Option<PathBuf>,
    pub timeout: Duration,
    /// Where reports are written when no endpoint is set.
    pub outbox_dir: PathBuf,
    pub max_attempts: u32,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
}

impl UplinkConfig {
    pub fn files_in(dir: PathBuf) -> UplinkConfig {
        UplinkConfig {
            endpoint: None,
            token: None,
            username: None,
            password: None,
            ca_cert: None,
            timeout: Duration::from_secs(30),
            outbox_dir: dir,
            max_attempts: 50,
            first_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(3600),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("uplink client: {0}")]
    Client(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Sends due reports.
pub struct Sender {
    config: UplinkConfig,
    client: Option<reqwest::blocking::Client>,
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub acked: u32,
    pub failed: u32,
    pub filed: u32,
}

impl Sender {
    pub fn new(config: UplinkConfig) -> Result<Sender, SendError> {
        let client = match &config.endpoint {
            None => None,
            Some(_) => {
                let mut b = reqwest::blocking::Client::builder()
                    .timeout(config.timeout)
                    .connect_timeout(config.timeout.min(Duration::from_secs(10)))
                    .use_rustls_tls();
                if let Some(ca) = &config.ca_cert {
                    let pem = std::fs::read(ca)
                        .map_err(|e| SendError::Client(format!("{}: {e}", ca.display())))?;
                    let cert = reqwest::Certificate::from_pem(&pem)
                        .map_err(|e| SendError::Client(e.to_string()))?;
                    b = b.add_root_certificate(cert);
                }
                Some(b.build().map_err(|e| SendError::Client(e.to_string()))?)
            }
        };
        Ok(Sender { config, client })
    }

    /// Sends what is due now, oldest first, until nothing is due or the endpoint fails (the
    /// rest waits for the next pass: a failing endpoint is not hammered).
    pub fn pass(&self, store: &dyn NodeStore, keys: &Keys) -> Result<Pass, SendError> {
        let mut pass = Pass::default();
        loop {
            let now = Utc::now();
            let due = store.due_reports(&stamp(now), 50)?;
            if due.is_empty() {
                return Ok(pass);
            }
            for report in due {
                let outcome = self.deliver(keys, &report, now);
                let at = stamp(Utc::now());
                store.report_sent(report.id, &outcome, &at)?;
                match outcome {
                    SendOutcome::Acked => pass.acked += 1,
                    SendOutcome::Filed { .. } => pass.filed += 1,
                    SendOutcome::Failed { error, .. } => {
                        tracing::warn!(key = %report.key, %error, "report not acknowledged");
                        pass.failed += 1;
                        return Ok(pass);
                    }
                }
            }
        }
    }

    fn deliver(&self, keys: &Keys, report: &DueReport, now: DateTime<Utc>) -> SendOutcome {
        let body = match keys.unseal(&report_context(&report.key), &report.body) {
            Ok(b) if hex::encode(Sha256::digest(&b)) == report.sha256 => b,
            // A stored body that does not open (another node's key, a damaged row) is never
            // sent as something else: it fails and waits for the operator.
            _ => {
                return self.failed(
                    report,
                    "the stored report does not open with this node's key",
                    now,
                    true,
                )
            }
        };
        let (Some(endpoint), Some(client)) = (&self.config.endpoint, &self.client) else {
            return self.file(report, &body, now);
        };
        let mut req = client
            .post(endpoint)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", &report.key)
            .header("X-Report-Item", &report.item)
            .header("X-Report-Sha256", &report.sha256)
            .body(body);
        if let Some(token) = &self.config.token {
            req = req.bearer_auth(token);
        } else if let Some(user) = &self.config.username {
            req = req.basic_auth(user, self.config.password.as_deref());
        }
        match req.send() {
            Ok(resp) if resp.status().is_success() || resp.status().as_u16() == 409 => {
                SendOutcome::Acked
            }
            Ok(resp) => {
                let status = resp.status();
                let text: String = resp.text().unwrap_or_default().chars().take(200).collect();
                self.failed(report, &format!("HTTP {status}: {text}"), now, false)
            }
            Err(e) => {
                let what = if e.is_timeout() {
                    "timed out"
                } else {
                    "not reached"
                };
                self.failed(report, &format!("{what}: {e}"), now, false)
            }
        }
    }

    fn failed(
        &self,
        report: &DueReport,
        error: &str,
        now: DateTime<Utc>,
        give_up: bool,
    ) -> SendOutcome {
        let attempts = report.attempts + 1;
        let give_up = give_up || attempts >= self.config.max_attempts;
        SendOutcome::Failed {
            error: error.to_owned(),
            next_attempt_at: stamp(now + backoff(&self.config, attempts)),
            give_up,
        }
    }

    fn file(&self, report: &DueReport, body: &[u8], now: DateTime<Utc>) -> SendOutcome {
        let name: String = report
            .key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let dir = &self.config.outbox_dir;
        let path = dir.join(format!("{name}.json"));
        let written = std::fs::create_dir_all(dir).and_then(|()| write_private(&path, body));
        match written {
            Ok(()) => SendOutcome::Filed {
                file: path.display().to_string(),
            },
            Err(e) => self.failed(
                report,
                &format!("cannot write {}: {e}", path.display()),
                now,
                false,
            ),
        }
    }
}

/// Time before attempt `attempts + 1`: doubling from the first backoff, capped, with ±25 %
/// jitter so many nodes recovering together do not retry in step.
pub fn backoff(config: &UplinkConfig, attempts: u32) -> chrono::Duration {
    let base =
        config.first_backoff.as_secs_f64() * 2f64.powi(attempts.saturating_sub(1).min(30) as i32);
    let capped = base.min(config.max_backoff.as_secs_f64());
    let jitter = rand::thread_rng().gen_range(0.75..=1.25);
    chrono::Duration::milliseconds((capped * jitter * 1000.0) as i64)
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stays_under_its_cap() {
        let c = UplinkConfig::files_in("x".into());
        let secs = |n| backoff(&c, n).num_milliseconds() as f64 / 1000.0;
        assert!((1.5..=2.5).contains(&secs(1)));
        assert!((6.0..=10.0).contains(&secs(3)));
        assert!(secs(40) <= 3600.0 * 1.25);
    }
}
