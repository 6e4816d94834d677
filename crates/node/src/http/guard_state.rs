//! The password guard's state, which every handler shares through `AppState`: a few hashing
//! threads of their own with a bounded queue, and the throttles for wrong passwords and
//! registrations. The checks that use it are in `guard.rs`.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::throttle::Throttle;

/// Memory one argon2 hash takes (the argon2 crate's default parameters).
const HASH_BYTES: u64 = 19 * 1024 * 1024;
/// Requests waiting for a hash at most; more are told to come back.
const MAX_WAITING: usize = 64;
/// Registrations from one address before each next one waits (1 s, 2 s, 4 s …; forgotten after
/// an hour without one).
const REGISTRATIONS_PER_ADDRESS: u32 = 20;
/// How long a request waits for a hash before it is told to come back.
pub(super) const MAX_WAIT: Duration = Duration::from_secs(10);

/// A hash to compute on a hashing thread.
pub(super) type Job = Box<dyn FnOnce() + Send>;

pub(crate) struct Guard {
    /// The queue of the hashing threads (bounded: a full queue is a busy node).
    pub(super) hashes: SyncSender<Job>,
    /// Wrong passwords by address and by account.
    pub(crate) throttle: Throttle,
    /// Registrations by address (each slows the next ones from the same address).
    pub(crate) registrations: Throttle,
}

impl Guard {
    /// `permits`: hashes at once; `None` sizes them to the machine ([`hash_permits`]).
    pub(crate) fn new(permits: Option<usize>) -> Guard {
        let (hashes, jobs) = sync_channel::<Job>(MAX_WAITING);
        let jobs = Arc::new(Mutex::new(jobs));
        for i in 0..permits.unwrap_or_else(hash_permits).max(1) {
            let jobs = jobs.clone();
            // Threads of their own, always the same few: each reuses its one argon2 buffer,
            // where the blocking pool's many threads would each keep one.
            let spawned = std::thread::Builder::new()
                .name(format!("node-hasher-{i}"))
                .spawn(move || hash_jobs(&jobs));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a hashing thread");
            }
        }
        Guard {
            hashes,
            throttle: Throttle::default(),
            registrations: Throttle::with_free(REGISTRATIONS_PER_ADDRESS, 0),
        }
    }
}

/// Runs jobs until the node drops its queue.
fn hash_jobs(jobs: &Mutex<Receiver<Job>>) {
    loop {
        let job = match jobs.lock() {
            Ok(jobs) => jobs.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// Hashes at once: one per core (hashing is all CPU), fewer when a quarter of the memory would
/// not hold them.
pub(crate) fn hash_permits() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let by_memory = total_memory().map_or(cores, |bytes| {
        usize::try_from(bytes / 4 / HASH_BYTES).unwrap_or(cores)
    });
    cores.min(by_memory).max(1)
}

/// The machine's memory (Linux: `/proc/meminfo`).
fn total_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
