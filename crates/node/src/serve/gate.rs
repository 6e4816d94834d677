//! The connection limit: at most `max` connections are open; the accept loops wait for a free
//! place before they accept (back-pressure: the kernel's queue holds the rest). When every
//! place is taken, the connections that have sat idle longest (no request being answered, no
//! byte received for a moment) are closed to make room, as nginx reuses its idle keep-alive
//! connections: a flood of idle or trickling sockets cannot keep a phone's one short request
//! out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// A connection idle for less than this is never closed to make room: a client that has just
/// connected (or is in its TLS handshake) gets to send its request. Short, because the kernel
/// queues new connections in order: the faster idle ones go, the sooner a phone behind a flood
/// of them is accepted.
const IDLE_GRACE: Duration = Duration::from_millis(100);
/// Connections closed at once when the gate is full.
const EVICT_BATCH: usize = 64;
/// How often a full gate looks again for connections that have become idle.
const RECHECK: Duration = Duration::from_millis(20);

pub(crate) struct Gate {
    max: usize,
    epoch: Instant,
    open: Mutex<Open>,
    freed: Notify,
}

#[derive(Default)]
struct Open {
    next_id: u64,
    conns: HashMap<u64, Arc<Tracker>>,
}

/// What the gate knows of one connection: whether it is answering a request and when it last
/// received a byte.
pub(crate) struct Tracker {
    epoch: Instant,
    busy: AtomicU32,
    last_read_ms: AtomicU64,
    evicted: AtomicBool,
    evict: Notify,
}

impl Tracker {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// A byte arrived.
    pub(crate) fn touch(&self) {
        self.last_read_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    /// A request is being answered until the guard drops.
    pub(crate) fn busy(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Ordering::Relaxed);
        Busy(self.clone())
    }

    /// Resolves when the gate closes this connection to make room.
    pub(crate) async fn evicted(&self) {
        self.evict.notified().await;
    }

    fn idle_since(&self) -> Option<u64> {
        (self.busy.load(Ordering::Relaxed) == 0 && !self.evicted.load(Ordering::Relaxed))
            .then(|| self.last_read_ms.load(Ordering::Relaxed))
    }
}

pub(crate) struct Busy(Arc<Tracker>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.touch();
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A connection's place; dropping it frees the place.
pub(crate) struct Permit {
    gate: Arc<Gate>,
    id: u64,
    tracker: Arc<Tracker>,
}

impl Permit {
    pub(crate) fn tracker(&self) -> Arc<Tracker> {
        self.tracker.clone()
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.gate.lock().conns.remove(&self.id);
        self.gate.freed.notify_waiters();
    }
}

impl Gate {
    pub(crate) fn new(max: usize) -> Arc<Gate> {
        Arc::new(Gate {
            max: max.max(1),
            epoch: Instant::now(),
            open: Mutex::new(Open::default()),
            freed: Notify::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Open connections now.
    pub(crate) fn open(&self) -> usize {
        self.lock().conns.len()
    }

    pub(crate) fn max(&self) -> usize {
        self.max
    }

    fn try_open(self: &Arc<Self>) -> Option<Permit> {
        let mut open = self.lock();
        if open.conns.len() >= self.max {
            return None;
        }
        open.next_id += 1;
        let id = open.next_id;
        let tracker = Arc::new(Tracker {
            epoch: self.epoch,
            busy: AtomicU32::new(0),
            last_read_ms: AtomicU64::new(0),
            evicted: AtomicBool::new(false),
            evict: Notify::new(),
        });
        tracker.touch();
        open.conns.insert(id, tracker.clone());
        Some(Permit {
            gate: self.clone(),
            id,
            tracker,
        })
    }

    /// A place for the next connection: at once when there is one; otherwise after the
    /// longest-idle connections are closed, or after one closes by itself.
    pub(crate) async fn admit(self: &Arc<Self>) -> Permit {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if let Some(permit) = self.try_open() {
                return permit;
            }
            self.evict_idle();
            let _ = tokio::time::timeout(RECHECK, freed).await;
        }
    }

    /// Closes up to [`EVICT_BATCH`] connections that have been idle longest (at least
    /// [`IDLE_GRACE`]).
    fn evict_idle(&self) {
        let now = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        let grace = u64::try_from(IDLE_GRACE.as_millis()).unwrap_or(0);
        let mut idle: Vec<(u64, Arc<Tracker>)> = self
            .lock()
            .conns
            .values()
            .filter_map(|t| {
                t.idle_since()
                    .filter(|since| now.saturating_sub(*since) >= grace)
                    .map(|since| (since, t.clone()))
            })
            .collect();
        if idle.len() > EVICT_BATCH {
            idle.select_nth_unstable_by_key(EVICT_BATCH, |(since, _)| *since);
            idle.truncate(EVICT_BATCH);
        }
        for (_, tracker) in idle {
            tracker.evicted.store(true, Ordering::Relaxed);
            // `notify_one` keeps the wake-up for a connection task not yet waiting.
            tracker.evict.notify_one();
        }
    }

    /// Resolves once every connection has closed.
    pub(crate) async fn drained(&self) {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if self.open() == 0 {
                return;
            }
            freed.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_full_gate_closes_the_longest_idle_connection_and_spares_busy_ones() {
        let gate = Gate::new(2);
        let busy = gate.admit().await;
        let idle = gate.admit().await;
        let _answering = busy.tracker().busy();
        assert_eq!(gate.open(), 2);
        // The third waits: nothing is idle long enough yet.
        let third = tokio::spawn({
            let gate = gate.clone();
            async move { gate.admit().await }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!third.is_finished());
        // Once idle past the grace, the idle one is told to go; dropping it lets the third in.
        let tracker = idle.tracker();
        tokio::time::timeout(Duration::from_secs(5), tracker.evicted())
            .await
            .expect("the idle connection is evicted");
        assert!(!busy.tracker().evicted.load(Ordering::Relaxed));
        drop(idle);
        let third = third.await.expect("admitted");
        assert_eq!(gate.open(), 2);
        drop((third, busy));
        gate.drained().await;
    }
}
