//! The workstation's sync client: pushes the outbox to the node, pulls the node's changes, keeps
//! identifier leases topped up. HTTP lives behind [`Transport`], so the loop can run against a
//! fault-injecting transport in tests.
//!
//! One sync is: sign in if needed, push every pending op (in batches, each answer stored with the
//! high-water mark in one transaction), pull changes (each page stored with its cursor in one
//! transaction; a snapshot when the node no longer has the cursor), lease more identifiers when
//! few are left. A sync with nothing to do costs one request: the pull.
//!
//! RECIPE (the store keeps every sync state; this crate only moves it over the wire):
//! - A request to the node: a method on [`Transport`] (one call, one request), its HTTP form in
//!   `http.rs` (`HttpTransport`), and the fault-injecting twin in `crates/node/tests/sync_faults.rs`.
//! - A step of a sync: a method on [`SyncEngine`] called from `sync_inner`, its store writes as one
//!   `Store` call (one transaction), progress as a [`Progress`] variant, counts in [`SyncReport`].
//! - A failure: a [`SyncError`] variant (say if [`SyncError::is_transient`]); its words are
//!   `sync-*` keys in crates/workstation/locales/*/sync.ftl, matched in `workstation::i18n`.
//! - A test: against the real node binary on loopback (`crates/node/tests/sync_*.rs`).

pub mod admin;
mod http;

use std::time::Duration;

use backon::{BlockingRetryable, ExponentialBuilder};
use idstation_model::lease::SuffixLease;
use idstation_model::sync::{
    PullResponse, PushRequest, PushResponse, SnapshotPage, SEQUENCE_REUSED,
};
use idstation_store::sync::PushApplied;
use idstation_store::{Store, StoreError};
use serde::Serialize;

pub use http::HttpTransport;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The node could not be reached, or timed out: try again later.
    #[error("the node cannot be reached: {0}")]
    Network(String),
    /// The node failed (5xx): try again later.
    #[error("the node failed (HTTP {status}): {message}")]
    Server { status: u16, message: String },
    /// The token was refused: sign in again.
    #[error("the node refused the sign-in token")]
    Unauthorized,
    /// The node refused the request itself (4xx): retrying will not help. The node words it in
    /// Chinese (`message`) and English; `field` names the input it refused, when one.
    #[error("the node refused the request ({code}): {message_en}")]
    Refused {
        code: String,
        message: String,
        message_en: String,
        field: Option<String>,
    },
    #[error("the node's answer is not understood: {0}")]
    Protocol(String),
    /// The node's address answered with a redirect. It is not followed: a redirect could carry
    /// a password or device secret to another server. The person checks the new address and
    /// sets it if it is right.
    #[error("the node's address redirects to {location}; nothing was sent there. If that is the node's new address, sign in to it")]
    Redirected { location: String },
    #[error("this workstation is not signed in to a node; run `idstation sync login`")]
    NotConfigured,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// Worth another try after a pause.
    pub fn is_transient(&self) -> bool {
        matches!(self, SyncError::Network(_) | SyncError::Server { .. })
    }
}

/// What a pull got.
#[derive(Debug, Clone, PartialEq)]
pub enum PullReply {
    Page(PullResponse),
    /// Pull a snapshot instead. `high_water`: the node has this device's ops only up to here
    /// (it was restored from a backup): push again from there.
    MustRefetch {
        high_water: Option<u64>,
    },
}

/// Who pulls, so the node can tell a workstation that it lost some of its ops (a restore):
/// the device and the last op it believes the node has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Puller<'a> {
    pub device_id: &'a str,
    pub pushed_through: u64,
}

/// A token and when it stops working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub token: String,
    pub expires_at: String,
}

/// How the client reaches the node. Every call is one request.
pub trait Transport {
    fn login_device(&self, device_id: &str, secret: &str) -> Result<Token, SyncError>;
    fn push(&self, token: &str, request: &PushRequest) -> Result<PushResponse, SyncError>;
    fn pull(
        &self,
        token: &str,
        cursor: u64,
        limit: u32,
        puller: Puller<'_>,
    ) -> Result<PullReply, SyncError>;
    fn snapshot(
        &self,
        token: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<SnapshotPage, SyncError>;
    fn lease(&self, token: &str, device_id: &str, count: u64) -> Result<SuffixLease, SyncError>;
    /// The monthly report's figures for `month` (`YYYY-MM`) and the caller's scope, as the
    /// node's JSON text (`reports::ReportInput`; kept as sent, read where it is used).
    fn report_input(&self, token: &str, month: &str) -> Result<String, SyncError>;
}

/// How long pulled report figures stay fresh enough for a background sync.
const REPORT_FIGURES_FRESH: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

#[derive(Debug, Clone)]
pub struct SyncConfig {
    pub push_batch: u32,
    pub pull_page: u32,
    /// Lease more identifiers when fewer than this are left.
    pub lease_low_water: u64,
    pub lease_count: u64,
    /// Tries per request for transient failures, with jittered exponential backoff.
    pub attempts: usize,
    pub first_backoff: Duration,
}

impl Default for SyncConfig {
    fn default() -> SyncConfig {
        SyncConfig {
            push_batch: 500,
            pull_page: 500,
            lease_low_water: 50,
            lease_count: 200,
            attempts: 4,
            first_backoff: Duration::from_millis(200),
        }
    }
}

/// Progress of a long sync, for the UI and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Progress {
    Pushing { sent: u64, pending: u64 },
    Pulling { received: u64 },
    Refetching { received: u64 },
    Leasing,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub pushed: PushApplied,
    pub pulled: u64,
    pub refetched: bool,
    pub leased: u64,
    pub requests: u64,
    /// Months whose report figures were pulled (this one and the one before).
    pub report_months: u64,
}

pub struct SyncEngine<T: Transport> {
    transport: T,
    config: SyncConfig,
}

impl<T: Transport> SyncEngine<T> {
    pub fn new(transport: T, config: SyncConfig) -> SyncEngine<T> {
        SyncEngine { transport, config }
    }

    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// One full sync. Its outcome is noted for the status line either way.
    pub fn sync(
        &self,
        store: &mut Store,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<SyncReport, SyncError> {
        let result = self.sync_inner(store, progress);
        let note = result.as_ref().err().map(ToString::to_string);
        store.record_sync_attempt(note.as_deref())?;
        result
    }

    fn retry<R>(&self, f: impl FnMut() -> Result<R, SyncError>) -> Result<R, SyncError> {
        f.retry(
            ExponentialBuilder::default()
                .with_jitter()
                .with_min_delay(self.config.first_backoff)
                .with_max_times(self.config.attempts.saturating_sub(1)),
        )
        .sleep(std::thread::sleep)
        .when(SyncError::is_transient)
        .call()
    }

    /// Runs `call` with a token; a refused token is replaced once by signing in again.
    fn authed<R>(
        &self,
        store: &mut Store,
        report: &mut SyncReport,
        mut call: impl FnMut(&str) -> Result<R, SyncError>,
    ) -> Result<R, SyncError> {
        let token = self.token(store, report, false)?;
        report.requests += 1;
        match self.retry(|| call(&token)) {
            Err(SyncError::Unauthorized) => {
                let token = self.token(store, report, true)?;
                report.requests += 1;
                self.retry(|| call(&token))
            }
            other => other,
        }
    }

    fn token(
        &self,
        store: &mut Store,
        report: &mut SyncReport,
        renew: bool,
    ) -> Result<String, SyncError> {
        let mut settings = store.sync_settings()?;
        if let (Some(token), false) = (&settings.token, renew) {
            return Ok(token.clone());
        }
        let secret = settings
            .device_secret
            .clone()
            .ok_or(SyncError::NotConfigured)?;
        let device_id = store.device().device_id.to_string();
        report.requests += 1;
        let token = self.retry(|| self.transport.login_device(&device_id, &secret))?;
        settings.token = Some(token.token.clone());
        settings.token_expires_at = Some(token.expires_at);
        store.save_sync_settings(&settings)?;
        Ok(token.token)
    }

    fn sync_inner(
        &self,
        store: &mut Store,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        self.push_all(store, &mut report, progress)?;
        if self.pull_all(store, &mut report, progress)? {
            // The node was restored and lost some of our ops: the outbox keeps them all, so
            // they go again, then the changes that follow from them come back.
            self.push_all(store, &mut report, progress)?;
            self.pull_all(store, &mut report, progress)?;
        }
        self.pull_report_figures(store, &mut report)?;
        if store.lease_numbers_left()? < self.config.lease_low_water {
            progress(Progress::Leasing);
            let device_id = store.device().device_id.to_string();
            let count = self.config.lease_count;
            let lease = self.authed(store, &mut report, |t| {
                self.transport.lease(t, &device_id, count)
            })?;
            if !lease.is_well_formed() {
                return Err(SyncError::Protocol(format!(
                    "the node leased numbers no station can use: {lease:?}"
                )));
            }
            store.add_lease(&lease)?;
            report.leased = lease.len();
        }
        Ok(report)
    }

    /// The monthly report's figures for this month and the last (China time: the report's
    /// months), so the report can be drafted offline from what was pulled last.
    fn pull_report_figures(
        &self,
        store: &mut Store,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        use chrono::Datelike as _;
        let china = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is an offset");
        let today = chrono::Utc::now().with_timezone(&china).date_naive();
        let this = today.format("%Y-%m").to_string();
        let last = (today.with_day0(0).unwrap_or(today) - chrono::Days::new(1))
            .format("%Y-%m")
            .to_string();
        for month in [last, this] {
            // Figures change slowly: a background sync every few minutes need not fetch six
            // months of them each time (a person refreshes on the Reports screen).
            let fresh = store.report_input(None, &month)?.is_some_and(|stored| {
                chrono::DateTime::parse_from_rfc3339(&stored.pulled_at).is_ok_and(|at| {
                    chrono::Utc::now().signed_duration_since(at) < REPORT_FIGURES_FRESH
                })
            });
            if !fresh {
                self.pull_report_month(store, report, &month)?;
            }
        }
        Ok(())
    }

    /// Pulls and keeps the report figures of one month now (`YYYY-MM`).
    pub fn pull_report_month(
        &self,
        store: &mut Store,
        report: &mut SyncReport,
        month: &str,
    ) -> Result<(), SyncError> {
        let text = self.authed(store, report, |t| self.transport.report_input(t, month))?;
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| SyncError::Protocol(e.to_string()))?;
        let prefix = v["scope"]["prefix"]
            .as_str()
            .ok_or_else(|| SyncError::Protocol("report figures without a scope".into()))?;
        store.save_report_input(prefix, month, &text)?;
        report.report_months += 1;
        Ok(())
    }

    /// Pushes the outbox in batches. One batch is in flight at a time (the node applies them in
    /// order), but while the node works on it the store records the answer to the batch before
    /// and reads the batch after: client and node work side by side instead of taking turns.
    fn push_all(
        &self,
        store: &mut Store,
        report: &mut SyncReport,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), SyncError> {
        let device_id = store.device().device_id;
        let limit = self.config.push_batch;
        let mut sent = 0u64;
        let mut ops = store.pending_ops(limit)?;
        let mut pending = u64::try_from(store.outbox_stats()?.pending).unwrap_or(0);
        // The node's answer to the last batch, not yet stored.
        let mut unrecorded: Option<PushResponse> = None;
        let mut renumbered = false;
        loop {
            let (Some(first), Some(last)) = (ops.first().map(|o| o.seq), ops.last().map(|o| o.seq))
            else {
                if let Some(response) = unrecorded.take() {
                    report.pushed.add(store.record_push(&response)?);
                }
                return Ok(());
            };
            progress(Progress::Pushing { sent, pending });
            let request = PushRequest { device_id, ops };
            let token = self.token(store, report, false)?;
            report.requests += 1;
            let (response, store_work) = std::thread::scope(|s| {
                let previous = unrecorded.take();
                let store = &mut *store;
                let store_work = s.spawn(move || -> Result<_, StoreError> {
                    let applied = match previous {
                        Some(response) => store.record_push(&response)?,
                        None => PushApplied::default(),
                    };
                    let next = store.pending_ops_after(last, limit)?;
                    let pending = store.outbox_stats()?.pending;
                    Ok((applied, next, pending))
                });
                let response = self.retry(|| self.transport.push(&token, &request));
                (
                    response,
                    store_work.join().expect("the store thread panicked"),
                )
            });
            let (applied, next, still_pending) = store_work?;
            report.pushed.add(applied);
            let response = match response {
                Err(SyncError::Unauthorized) => {
                    let token = self.token(store, report, true)?;
                    report.requests += 1;
                    self.retry(|| self.transport.push(&token, &request))?
                }
                other => other?,
            };
            if let Some(from) = response
                .results
                .iter()
                .find(|r| r.reason_code.as_deref() == Some(SEQUENCE_REUSED))
                .map(|r| r.seq)
            {
                // This database was restored from an older backup: the node holds other ops of
                // ours under these numbers. Keep the answers before that op, move ours after the
                // node's mark (once), and go on.
                if renumbered {
                    return Err(SyncError::Protocol(format!(
                        "the node refuses sequence number {from} again after renumbering"
                    )));
                }
                let before = PushResponse {
                    results: response
                        .results
                        .iter()
                        .take_while(|r| r.seq < from)
                        .cloned()
                        .collect(),
                    high_water: response.high_water,
                };
                if !before.results.is_empty() {
                    report.pushed.add(store.record_push(&before)?);
                }
                sent += before.results.len() as u64;
                store.renumber_ops_after(from, response.high_water)?;
                renumbered = true;
                ops = store.pending_ops(limit)?;
                pending = u64::try_from(store.outbox_stats()?.pending).unwrap_or(0);
                continue;
            }
            sent += response.results.len() as u64;
            if response.high_water == last {
                // The node took the whole batch: the one read meanwhile is next.
                unrecorded = Some(response);
                ops = next;
                pending = u64::try_from(still_pending)
                    .unwrap_or(0)
                    .saturating_sub(u64::try_from(request.ops.len()).unwrap_or(0));
                continue;
            }
            report.pushed.add(store.record_push(&response)?);
            if response.high_water < first {
                // The node has fewer of our ops than we thought (it was restored from a backup):
                // send again from its mark; the outbox keeps every op.
                if response.high_water + 1 < first {
                    store.rewind_pushed_through(response.high_water)?;
                } else {
                    return Err(SyncError::Protocol(format!(
                        "the node accepted none of ops {first}..={last}"
                    )));
                }
            }
            // Part of the batch, or a different mark: carry on from where the node stands.
            ops = store.pending_ops(limit)?;
            pending = u64::try_from(store.outbox_stats()?.pending).unwrap_or(0);
        }
    }

    /// Pulls until the node has nothing newer. True when the node said it has fewer of our ops
    /// than we pushed (and the outbox was rewound to its mark).
    fn pull_all(
        &self,
        store: &mut Store,
        report: &mut SyncReport,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<bool, SyncError> {
        let limit = self.config.pull_page;
        let mut refetches = 0;
        let mut rewound = false;
        let device_id = store.device().device_id.to_string();
        let mut pushed_through =
            u64::try_from(store.sync_status()?.pushed_through_seq).unwrap_or(0);
        loop {
            let (cursor, refetch) = store.pull_position()?;
            if let Some(after) = refetch {
                report.refetched = true;
                let page = self.authed(store, report, |t| {
                    self.transport.snapshot(t, after.as_deref(), limit)
                })?;
                report.pulled += store.apply_snapshot_page(&page)? as u64;
                progress(Progress::Refetching {
                    received: report.pulled,
                });
                continue;
            }
            let puller = Puller {
                device_id: &device_id,
                pushed_through,
            };
            match self.authed(store, report, |t| {
                self.transport.pull(t, cursor, limit, puller)
            })? {
                PullReply::MustRefetch { high_water } => {
                    if let Some(h) = high_water.filter(|h| *h < pushed_through) {
                        store.rewind_pushed_through(h)?;
                        pushed_through = h;
                        rewound = true;
                    }
                    // A snapshot ends at a cursor the node keeps; a second demand is a node bug,
                    // not a reason to loop.
                    refetches += 1;
                    if refetches > 1 {
                        return Err(SyncError::Protocol(
                            "the node asks for a refetch again right after one".into(),
                        ));
                    }
                    store.begin_refetch()?
                }
                PullReply::Page(page) => {
                    report.pulled += store.apply_pull_page(&page)? as u64;
                    progress(Progress::Pulling {
                        received: report.pulled,
                    });
                    if !page.has_more {
                        return Ok(rewound);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use idstation_store::sync::SyncSettings;

    /// A node that has nothing for an idle station but a lease.
    struct Node {
        lease: SuffixLease,
    }

    impl Transport for Node {
        fn login_device(&self, _: &str, _: &str) -> Result<Token, SyncError> {
            Ok(Token {
                token: "t".into(),
                expires_at: String::new(),
            })
        }
        fn push(&self, _: &str, _: &PushRequest) -> Result<PushResponse, SyncError> {
            Ok(PushResponse {
                results: Vec::new(),
                high_water: 0,
            })
        }
        fn pull(&self, _: &str, _: u64, _: u32, _: Puller<'_>) -> Result<PullReply, SyncError> {
            Ok(PullReply::Page(PullResponse {
                changes: Vec::new(),
                next_cursor: 0,
                has_more: false,
            }))
        }
        fn snapshot(&self, _: &str, _: Option<&str>, _: u32) -> Result<SnapshotPage, SyncError> {
            Ok(SnapshotPage {
                rows: Vec::new(),
                next_after: None,
                cursor: 0,
            })
        }
        fn lease(&self, _: &str, _: &str, _: u64) -> Result<SuffixLease, SyncError> {
            Ok(self.lease.clone())
        }
        fn report_input(&self, _: &str, _: &str) -> Result<String, SyncError> {
            Ok(r#"{"scope":{"prefix":"88.118.8"}}"#.into())
        }
    }

    #[test]
    fn a_lease_no_station_can_use_is_refused_and_not_kept() {
        // Found by fuzz/fuzz_targets/sync_pull.rs: a lease 70000 digits wide was kept, and
        // naming the next instrument then panicked; one numbered up to i64::MAX was kept, and
        // counting the numbers left (the status line, every sync) then failed for good.
        for (first, last, width) in [(1, 200, 70_000), (1, i64::MAX as u64, 6)] {
            let dir = tempfile::tempdir().expect("tempdir");
            let mut store =
                Store::create(&dir.path().join("ws.sqlite"), "88.118.8", "t").expect("db");
            store
                .save_sync_settings(&SyncSettings {
                    device_secret: Some("secret".into()),
                    token: Some("t".into()),
                    ..SyncSettings::default()
                })
                .expect("settings");
            let lease = SuffixLease {
                lease_id: "l1".into(),
                device_id: store.device().device_id.to_string(),
                prefix: "88.118.8".into(),
                series: "CAL-2026".into(),
                first,
                last,
                width,
            };
            let engine = SyncEngine::new(
                Node { lease },
                SyncConfig {
                    attempts: 1,
                    ..SyncConfig::default()
                },
            );
            let refused = engine.sync(&mut store, &mut |_| {}).expect_err("refused");
            assert!(matches!(refused, SyncError::Protocol(_)), "{refused}");
            assert_eq!(store.lease_numbers_left().expect("leases"), 0);
            assert!(store.sync_status().is_ok());
            assert!(matches!(store.mint_identifier(), Err(StoreError::NoLease)));
        }
    }
}
