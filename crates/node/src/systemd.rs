//! Tells systemd how the node is doing when it runs as a `Type=notify` service
//! (installer/node/idstation-node.service): `READY=1` once its sockets listen, `WATCHDOG=1`
//! pings while its database still answers, `STOPPING=1` on the way out. A hung node stops
//! pinging and systemd restarts it (`WatchdogSec=`). Outside systemd (no `NOTIFY_SOCKET`, no
//! `WATCHDOG_USEC`: a terminal, a test, Windows) every call does nothing.

use std::time::Duration;

use crate::http::AppState;

/// The node listens: systemd may start what comes after it and count it as started.
pub fn ready() {
    #[cfg(unix)]
    notify(&[sd_notify::NotifyState::Ready]);
}

/// The node is shutting down on purpose (not a crash).
pub fn stopping() {
    #[cfg(unix)]
    notify(&[sd_notify::NotifyState::Stopping]);
}

#[cfg(unix)]
fn notify(states: &[sd_notify::NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

/// The watchdog interval systemd asked for (`WatchdogSec=`), if any.
#[cfg(unix)]
pub fn watchdog_interval() -> Option<Duration> {
    sd_notify::watchdog_enabled().filter(|d| !d.is_zero())
}

#[cfg(not(unix))]
pub fn watchdog_interval() -> Option<Duration> {
    None
}

/// Pings the watchdog at half its interval for as long as the node is healthy: its database
/// answers a read on the blocking pool within that half interval. Spawn it on the runtime
/// that also accepts connections, so a stuck runtime stops the pings too. Returns at once
/// when systemd asked for no watchdog.
pub async fn watchdog(state: AppState) {
    let Some(interval) = watchdog_interval() else {
        return;
    };
    let period = interval / 2;
    tracing::info!(?interval, "systemd watchdog enabled");
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if healthy(&state, period).await {
            #[cfg(unix)]
            notify(&[sd_notify::NotifyState::Watchdog]);
        } else {
            tracing::warn!("health check failed: not pinging the systemd watchdog");
        }
    }
}

/// The database answers a read within `limit`.
async fn healthy(state: &AppState, limit: Duration) -> bool {
    let store = state.store.clone();
    let check = tokio::task::spawn_blocking(move || store.config().is_ok());
    matches!(tokio::time::timeout(limit, check).await, Ok(Ok(true)))
}
