//! Password checks, the one place a request makes the node run argon2 (19 MiB and tens of
//! milliseconds each, on purpose): at most a few hashes at once, sized to the machine, with a
//! short queue beyond which callers are told to come back ([`hashing`]); wrong passwords slow
//! down their address and account ([`crate::throttle`]) and lock an account after repeated
//! failures; refused sign-ins are audited only for accounts that exist, under their (valid)
//! name, so no unauthenticated request writes more than a bounded amount.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::state::AppState;
use super::task::{acting, blocking};
use crate::accounts::{is_username, Account, AccountStatus, Principal};
use crate::auth::AuthFailure;
use crate::throttle::{Throttle, LOCK_AFTER};

/// Memory one argon2 hash takes (the argon2 crate's default parameters).
const HASH_BYTES: u64 = 19 * 1024 * 1024;
/// Requests waiting for a hash at most; more are told to come back.
const MAX_WAITING: usize = 64;
/// Registrations from one address before each next one waits (1 s, 2 s, 4 s …; forgotten after
/// an hour without one).
const REGISTRATIONS_PER_ADDRESS: u32 = 20;
/// How long a request waits for a hash before it is told to come back.
const MAX_WAIT: Duration = Duration::from_secs(10);

pub(crate) struct Guard {
    hashes: Semaphore,
    waiting: AtomicUsize,
    /// Wrong passwords by address and by account.
    pub(crate) throttle: Throttle,
    /// Registrations by address (each slows the next ones from the same address).
    pub(crate) registrations: Throttle,
}

impl Guard {
    /// `permits`: hashes at once; `None` sizes them to the machine ([`hash_permits`]).
    pub(crate) fn new(permits: Option<usize>) -> Guard {
        Guard {
            hashes: Semaphore::new(permits.unwrap_or_else(hash_permits).max(1)),
            waiting: AtomicUsize::new(0),
            throttle: Throttle::default(),
            registrations: Throttle::with_free(REGISTRATIONS_PER_ADDRESS),
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

/// Runs argon2 work `f` on the blocking pool once a hashing permit is free; when too many wait
/// already, or the wait is long, the caller is told the node is busy.
pub(crate) async fn hashing<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AuthFailure> {
    let guard = &state.guard;
    if guard.waiting.fetch_add(1, Ordering::AcqRel) >= MAX_WAITING {
        guard.waiting.fetch_sub(1, Ordering::AcqRel);
        return Err(AuthFailure::Busy);
    }
    let permit = tokio::time::timeout(MAX_WAIT, guard.hashes.acquire()).await;
    guard.waiting.fetch_sub(1, Ordering::AcqRel);
    let _permit = match permit {
        Ok(Ok(permit)) => permit,
        _ => return Err(AuthFailure::Busy),
    };
    blocking(f)
        .await
        .map_err(|e| AuthFailure::Internal(e.to_string()))
}

/// Seconds to wait, rounded up, as a `Retry-After` gives them.
fn seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// Checks an account's user name and password for a sign-in: a name that cannot be a user
/// name is refused before anything is looked up or recorded; a throttled address or account
/// waits; a locked account is refused without hashing.
pub(crate) async fn check_password(
    state: &AppState,
    ip: IpAddr,
    username: &str,
    password: &str,
) -> Result<Account, AuthFailure> {
    if !is_username(username) {
        state.guard.throttle.note_address(ip, Instant::now());
        return Err(AuthFailure::Rejected);
    }
    let wait = state.guard.throttle.wait(ip, username, Instant::now());
    if !wait.is_zero() {
        return Err(AuthFailure::Throttled(seconds(wait)));
    }
    let name = username.to_owned();
    let found = state
        .with_store(move |store| store.account_for_login(&name))
        .await
        .map_err(|e| AuthFailure::Internal(e.to_string()))??;
    if found.as_ref().is_some_and(|(a, _)| a.locked_at.is_some()) {
        return Err(AuthFailure::Locked);
    }
    let hash = found.as_ref().map(|(_, h)| h.clone());
    let st = state.clone();
    let secret = password.to_owned();
    let right = hashing(state, move || {
        st.auth.verify_password(&secret, hash.as_deref())
    })
    .await?;
    let account = found.map(|(a, _)| a);
    match account {
        Some(account) if right => {
            state.guard.throttle.succeeded(username);
            if account.status != AccountStatus::Active {
                refused(state, &account, account.status.as_str(), false).await?;
                return Err(AuthFailure::Inactive(account.status));
            }
            Ok(account)
        }
        Some(account) => {
            let in_a_row = state.guard.throttle.failed(ip, username, Instant::now());
            refused(state, &account, "wrong_password", in_a_row >= LOCK_AFTER).await?;
            Err(AuthFailure::Rejected)
        }
        None => {
            // Unknown names are counted (throttle, monitor), not written anywhere.
            state.guard.throttle.failed(ip, username, Instant::now());
            Err(AuthFailure::Rejected)
        }
    }
}

/// Audits a refused sign-in of an existing account, and locks it when `lock`.
async fn refused(
    state: &AppState,
    account: &Account,
    reason: &'static str,
    lock: bool,
) -> Result<(), AuthFailure> {
    let (id, name) = (account.id, account.username.clone());
    state
        .with_store(move |store| {
            acting(&name, |actor| {
                store.record_login_refused(&name, reason, actor)?;
                if lock {
                    store.lock_account(id, actor)?;
                }
                Ok::<_, crate::storage::StorageError>(())
            })
        })
        .await
        .map_err(|e| AuthFailure::Internal(e.to_string()))??;
    if lock {
        tracing::warn!(username = %account.username, "account locked after wrong passwords");
    }
    Ok(())
}

/// Checks HTTP Basic credentials: the prefix administrator's secret (throttled, never locked:
/// it is how the operator gets back in) or an account's password.
pub(crate) async fn check_basic(
    state: &AppState,
    ip: IpAddr,
    user: &str,
    secret: &str,
) -> Result<Principal, AuthFailure> {
    if !state.auth.is_admin_user(user) {
        return check_password(state, ip, user, secret)
            .await
            .map(|a| Principal::of_account(&a));
    }
    let wait = state.guard.throttle.wait(ip, user, Instant::now());
    if !wait.is_zero() {
        return Err(AuthFailure::Throttled(seconds(wait)));
    }
    let st = state.clone();
    let secret = secret.to_owned();
    match hashing(state, move || st.auth.verify_admin(&secret)).await? {
        Ok(()) => {
            state.guard.throttle.succeeded(user);
            Ok(state.auth.admin_principal())
        }
        Err(AuthFailure::Rejected) => {
            state.guard.throttle.failed(ip, user, Instant::now());
            Err(AuthFailure::Rejected)
        }
        Err(other) => Err(other),
    }
}

/// Whether `ip` may register an account now: each registration slows the next ones from the
/// same address, so nobody fills the pending list quickly.
pub(crate) fn registration_wait(state: &AppState, ip: IpAddr) -> Option<u64> {
    let wait = state.guard.registrations.wait_address(ip, Instant::now());
    (!wait.is_zero()).then(|| seconds(wait))
}

pub(crate) fn registered(state: &AppState, ip: IpAddr) {
    state.guard.registrations.note_address(ip, Instant::now());
}
