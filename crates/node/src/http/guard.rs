//! Password checks, the one place a request makes the node run argon2 (19 MiB and tens of
//! milliseconds each, on purpose): a few hashing threads of their own, sized to the machine,
//! with a short queue beyond which callers are told to come back ([`hashing`]), so memory for
//! hashes is at most threads × 19 MiB however many sign-ins arrive; wrong passwords slow
//! down their address and account ([`crate::throttle`]) and lock an account after repeated
//! failures; refused sign-ins are audited only for accounts that exist, under their (valid)
//! name, so no unauthenticated request writes more than a bounded amount.

use std::net::IpAddr;
use std::sync::mpsc::TrySendError;
use std::time::{Duration, Instant};

use super::guard_state::{Job, MAX_WAIT};
use super::state::AppState;
use super::task::acting;
use crate::accounts::{is_username, Account, AccountStatus, Principal};
use crate::auth::AuthFailure;
use crate::throttle::LOCK_AFTER;

/// Runs argon2 work `f` on a hashing thread; when too many wait already, or the wait is long,
/// the caller is told the node is busy.
pub(crate) async fn hashing<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AuthFailure> {
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(f());
    });
    match state.guard.hashes.try_send(job) {
        Ok(()) => {}
        Err(TrySendError::Full(_)) => return Err(AuthFailure::Busy),
        Err(TrySendError::Disconnected(_)) => {
            return Err(AuthFailure::Internal("no hashing thread".to_owned()))
        }
    }
    match tokio::time::timeout(MAX_WAIT, result).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(_)) => Err(AuthFailure::Internal("a hashing job died".to_owned())),
        Err(_) => Err(AuthFailure::Busy),
    }
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
    let (secret, name) = (password.to_owned(), username.to_owned());
    let right = hashing(state, move || {
        // Checked again with the permit held: requests that queued while others were failing
        // do not each get a guess.
        let wait = st.guard.throttle.wait(ip, &name, Instant::now());
        if !wait.is_zero() {
            return Err(AuthFailure::Throttled(seconds(wait)));
        }
        Ok(st.auth.verify_password(&secret, hash.as_deref()))
    })
    .await??;
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
    let (secret, name) = (secret.to_owned(), user.to_owned());
    let verified = hashing(state, move || {
        let wait = st.guard.throttle.wait(ip, &name, Instant::now());
        if !wait.is_zero() {
            return Err(AuthFailure::Throttled(seconds(wait)));
        }
        st.auth.verify_admin(&secret)
    });
    match verified.await? {
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
