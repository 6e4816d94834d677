//! Work `serve` does beside answering requests, each on its own thread so a slow endpoint or a
//! long export never holds a request: the heartbeat and the probe (availability), the uplink
//! (events within seconds, periodic reports on their cadence, delivery of the outbox) and the
//! scheduled backups and escrow exports.
//! [`Background::stop`] ends them at shutdown.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use chrono::Utc;

use crate::availability::{stamp, AvailabilityConfig, Probe};
use crate::config::DockingSettings;
use crate::http::AppState;
use crate::secrets::Keys;
use crate::uplink::generate::Generator;
use crate::uplink::send::Sender;

/// How often the uplink looks for new events and due reports: "within seconds".
const UPLINK_TICK: Duration = Duration::from_secs(1);
/// How often it looks for periods that ended (days, hours, months).
const PERIODIC_EVERY: Duration = Duration::from_secs(30);
/// How often the scheduler looks whether a backup or an export is due.
const JOBS_TICK: Duration = Duration::from_secs(60);

/// A stop flag the threads wait on.
#[derive(Default)]
struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
    flag: AtomicBool,
}

impl Stop {
    /// Waits up to `d`; true when stopping.
    fn wait(&self, d: Duration) -> bool {
        let guard = self.stopped.lock().unwrap_or_else(|p| p.into_inner());
        if *guard {
            return true;
        }
        let (guard, _) = self
            .wake
            .wait_timeout(guard, d)
            .unwrap_or_else(|p| p.into_inner());
        *guard
    }

    fn stop(&self) {
        self.flag.store(true, Ordering::SeqCst);
        *self.stopped.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.wake.notify_all();
    }

    fn is_stopped(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

pub struct Background {
    stop: Arc<Stop>,
    threads: Vec<JoinHandle<()>>,
}

/// This run's heartbeat and the probe of its listener.
pub struct Watch {
    pub run: i64,
    pub config: AvailabilityConfig,
    /// `None` when the node has no listener a probe could reach.
    pub probe: Option<Probe>,
}

impl Background {
    /// Starts the threads for the node in `data_dir`.
    pub fn start(
        state: &AppState,
        data_dir: PathBuf,
        docking: &DockingSettings,
        watch: Watch,
    ) -> std::io::Result<Background> {
        let stop = Arc::new(Stop::default());
        let mut threads = Vec::new();
        let (st, s) = (state.clone(), stop.clone());
        threads.push(
            std::thread::Builder::new()
                .name("availability".into())
                .spawn(move || availability_loop(&st, &watch, &s))?,
        );
        if let Some(keys) = state.keys.clone() {
            let (st, s, d, k) = (state.clone(), stop.clone(), docking.clone(), keys.clone());
            threads.push(
                std::thread::Builder::new()
                    .name("uplink".into())
                    .spawn(move || uplink_loop(&st, &k, &d, &s))?,
            );
            let (st, s, d) = (state.clone(), stop.clone(), docking.clone());
            threads.push(
                std::thread::Builder::new()
                    .name("jobs".into())
                    .spawn(move || jobs_loop(&st, &keys, &data_dir, &d, &s))?,
            );
        }
        Ok(Background { stop, threads })
    }

    /// Stops the threads and waits for them (a report being sent finishes or times out).
    pub fn stop(self) {
        self.stop.stop();
        for t in self.threads {
            let _ = t.join();
        }
    }
}

/// Writes the heartbeat and probes the listener, each on its interval, until the stop.
fn availability_loop(state: &AppState, watch: &Watch, stop: &Stop) {
    let AvailabilityConfig {
        heartbeat_every,
        probe_every,
    } = watch.config;
    let tick = heartbeat_every.min(probe_every);
    let (mut last_beat, mut last_probe) = (Instant::now(), Instant::now());
    while !stop.wait(tick) {
        if last_beat.elapsed() + tick / 2 >= heartbeat_every {
            last_beat = Instant::now();
            if let Err(e) = state.store.heartbeat(watch.run, &stamp(Utc::now())) {
                tracing::error!(error = %e, "cannot write the heartbeat");
            }
        }
        if let Some(probe) = &watch.probe {
            if last_probe.elapsed() + tick / 2 >= probe_every {
                last_probe = Instant::now();
                let (ok, rtt) = probe.once();
                let day = crate::monitor::day_of(Utc::now()).to_string();
                let ms = u64::try_from(rtt.as_millis()).unwrap_or(u64::MAX);
                if !ok {
                    tracing::warn!(rtt_ms = ms, "the probe could not resolve the prefix handle");
                }
                if let Err(e) = state.store.record_probe(&day, ok, ms) {
                    tracing::error!(error = %e, "cannot record the probe");
                }
            }
        }
    }
}

fn uplink_loop(state: &AppState, keys: &Keys, docking: &DockingSettings, stop: &Stop) {
    let sender = match Sender::new(docking.uplink.clone()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "the uplink cannot start; reports wait in the outbox");
            return;
        }
    };
    let store = state.store.clone();
    let generator = Generator {
        store: store.as_ref(),
        keys,
        node: state.prefix(),
        stop: Some(&stop.flag),
    };
    let mut last_periodic: Option<Instant> = None;
    while !stop.is_stopped() {
        let now = Utc::now();
        let (_, today) = state.monitor.today();
        let periodic = last_periodic.is_none_or(|t| t.elapsed() >= PERIODIC_EVERY);
        let made = if periodic {
            last_periodic = Some(Instant::now());
            generator.run_due(now, Some(&today))
        } else {
            generator.realtime(now, &today)
        };
        if let Err(e) = made {
            tracing::error!(error = %e, "cannot generate reports");
        }
        match sender.pass(store.as_ref(), keys) {
            Ok(pass) if pass.acked + pass.failed + pass.filed > 0 => {
                tracing::info!(
                    acked = pass.acked,
                    failed = pass.failed,
                    filed = pass.filed,
                    "uplink pass"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "uplink pass failed"),
        }
        if stop.wait(UPLINK_TICK) {
            break;
        }
    }
}

/// Whether a job made every `every` is due, from the time of its newest result (or, before the
/// first, from when the node started: a start is not a reason for a backup).
fn due(newest: Option<SystemTime>, started: SystemTime, every: Duration) -> bool {
    newest
        .unwrap_or(started)
        .elapsed()
        .is_ok_and(|age| age >= every)
}

fn jobs_loop(
    state: &AppState,
    keys: &Keys,
    data_dir: &std::path::Path,
    docking: &DockingSettings,
    stop: &Stop,
) {
    let started = SystemTime::now();
    loop {
        if let Some(every) = docking.backup.every {
            if due(
                crate::backup::newest(&docking.backup.dir, "node-"),
                started,
                every,
            ) {
                match crate::backup::backup(data_dir, &docking.backup, keys, None) {
                    Ok(s) => {
                        tracing::info!(file = %s.info.file.display(), "scheduled backup verified")
                    }
                    Err(e) => tracing::error!(error = %e, "scheduled backup failed"),
                }
            }
        }
        if let Some(every) = docking.escrow.every {
            if due(
                crate::backup::newest(&docking.escrow.dir, "escrow-"),
                started,
                every,
            ) {
                match crate::escrow::export_to(
                    state.store.as_ref(),
                    keys,
                    state.prefix(),
                    &docking.escrow.dir,
                ) {
                    Ok((dir, m)) => {
                        let handles = m.part("handles").map_or(0, |p| p.rows);
                        tracing::info!(dir = %dir.display(), handles, "scheduled escrow export");
                        crate::backup::prune(
                            &docking.escrow.dir,
                            "escrow-",
                            "",
                            docking.escrow.keep,
                        );
                    }
                    Err(e) => tracing::error!(error = %e, "scheduled escrow export failed"),
                }
            }
        }
        if stop.wait(JOBS_TICK) {
            break;
        }
    }
}
