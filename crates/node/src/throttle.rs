//! Sign-in throttling: wrong passwords slow down the address that sends them and the account
//! they are tried on, exponentially, so guessing costs an attacker time and the node little.
//! After [`LOCK_AFTER`] wrong passwords in a row an account is locked (the caller stores and
//! audits the lock; the operator lifts it).
//!
//! Both tables are bounded ([`MAX_ENTRIES`]): a flood of invented names or addresses forgets
//! the quietest entries rather than growing. Time is passed in, so the rules are tested without
//! waiting.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Wrong passwords for one account before waiting starts.
pub const FREE_FAILURES: u32 = 5;
/// Wrong passwords from one address before waiting starts: more than for an account, since a
/// lab's staff share their office's address.
pub const FREE_FROM_ADDRESS: u32 = 20;
/// Wrong passwords in a row that lock an account: with the waits in between, a guesser gets
/// there after about seven seconds and eight guesses.
pub const LOCK_AFTER: u32 = 8;
/// The longest wait between attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);
/// Failures are forgotten after this long without one.
const FORGET_AFTER: Duration = Duration::from_secs(3600);
/// Addresses, and account names, remembered at once.
pub const MAX_ENTRIES: usize = 10_000;

/// How long to wait after `failures` wrong passwords: nothing for the first few, then 1 s,
/// 2 s, 4 s … up to [`MAX_BACKOFF`].
pub fn backoff(failures: u32) -> Duration {
    backoff_after(failures, FREE_FAILURES)
}

fn backoff_after(failures: u32, free: u32) -> Duration {
    if failures < free {
        return Duration::ZERO;
    }
    let doublings = (failures - free).min(20);
    Duration::from_secs(1u64 << doublings).min(MAX_BACKOFF)
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
}

impl Entry {
    fn current(&self, now: Instant) -> u32 {
        if now.saturating_duration_since(self.last) > FORGET_AFTER {
            0
        } else {
            self.failures
        }
    }

    fn wait(&self, now: Instant, free: u32) -> Duration {
        let until = self.last + backoff_after(self.current(now), free);
        until.saturating_duration_since(now)
    }
}

struct Table<K> {
    entries: HashMap<K, Entry>,
    free: u32,
}

impl<K: Hash + Eq + Clone> Table<K> {
    fn new(free: u32) -> Table<K> {
        Table {
            entries: HashMap::new(),
            free,
        }
    }

    fn wait(&self, key: &K, now: Instant) -> Duration {
        self.entries
            .get(key)
            .map_or(Duration::ZERO, |e| e.wait(now, self.free))
    }

    fn fail(&mut self, key: &K, now: Instant) -> u32 {
        if !self.entries.contains_key(key) && self.entries.len() >= MAX_ENTRIES {
            self.make_room(now);
        }
        let entry = self.entries.entry(key.clone()).or_insert(Entry {
            failures: 0,
            last: now,
        });
        entry.failures = entry.current(now) + 1;
        entry.last = now;
        entry.failures
    }

    /// Forgets entries whose failures have expired; when none has, the quietest one.
    fn make_room(&mut self, now: Instant) {
        self.entries
            .retain(|_, e| now.saturating_duration_since(e.last) <= FORGET_AFTER);
        if self.entries.len() >= MAX_ENTRIES {
            let quietest = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.last)
                .map(|(k, _)| k.clone());
            if let Some(k) = quietest {
                self.entries.remove(&k);
            }
        }
    }
}

/// The throttle the node keeps in memory (a restart forgets it; a lock is stored).
pub struct Throttle {
    addresses: Mutex<Table<IpAddr>>,
    accounts: Mutex<Table<String>>,
}

impl Default for Throttle {
    /// The sign-in throttle: [`FREE_FROM_ADDRESS`] free wrong passwords per address,
    /// [`FREE_FAILURES`] per account.
    fn default() -> Throttle {
        Throttle::with_free(FREE_FROM_ADDRESS, FREE_FAILURES)
    }
}

impl Throttle {
    /// A throttle that lets `by_address` attempts from one address and `by_account` for one
    /// account through before waiting starts.
    pub fn with_free(by_address: u32, by_account: u32) -> Throttle {
        Throttle {
            addresses: Mutex::new(Table::new(by_address)),
            accounts: Mutex::new(Table::new(by_account)),
        }
    }
}

/// User names compare without case, as the accounts table does.
fn key(account: &str) -> String {
    account.to_ascii_lowercase()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Throttle {
    /// How long `ip` must still wait before trying a password for `account` (zero: go ahead).
    pub fn wait(&self, ip: IpAddr, account: &str, now: Instant) -> Duration {
        let by_address = lock(&self.addresses).wait(&ip, now);
        let by_account = lock(&self.accounts).wait(&key(account), now);
        by_address.max(by_account)
    }

    /// Records a wrong password; returns the account's wrong passwords in a row.
    pub fn failed(&self, ip: IpAddr, account: &str, now: Instant) -> u32 {
        lock(&self.addresses).fail(&ip, now);
        lock(&self.accounts).fail(&key(account), now)
    }

    /// How long `ip` must still wait, counting its address only.
    pub fn wait_address(&self, ip: IpAddr, now: Instant) -> Duration {
        lock(&self.addresses).wait(&ip, now)
    }

    /// Counts a failure (or any attempt worth slowing) against the address only.
    pub fn note_address(&self, ip: IpAddr, now: Instant) -> u32 {
        lock(&self.addresses).fail(&ip, now)
    }

    /// A right password clears the account's count (the address's decays by itself, so a
    /// guesser cannot clear it by signing in to an account of its own now and then).
    pub fn succeeded(&self, account: &str) {
        lock(&self.accounts).entries.remove(&key(account));
    }

    /// Clears the account's count (the operator lifted its lock).
    pub fn forget_account(&self, account: &str) {
        self.succeeded(account);
    }

    /// Entries remembered now: (addresses, accounts).
    pub fn sizes(&self) -> (usize, usize) {
        (
            lock(&self.addresses).entries.len(),
            lock(&self.accounts).entries.len(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_doubles_after_the_free_failures_and_is_capped() {
        let waits: Vec<u64> = (0..9).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, vec![0, 0, 0, 0, 0, 1, 2, 4, 8]);
        assert_eq!(backoff(40), MAX_BACKOFF);
    }

    #[test]
    fn an_address_and_an_account_are_slowed_separately() {
        let t = Throttle::with_free(FREE_FAILURES, FREE_FAILURES);
        let now = Instant::now();
        let (guesser, other): (IpAddr, IpAddr) = (
            "203.0.113.9".parse().expect("ip"),
            "198.51.100.1".parse().expect("ip"),
        );
        for _ in 0..FREE_FAILURES {
            assert_eq!(t.wait(guesser, "li.wei", now), Duration::ZERO);
            t.failed(guesser, "li.wei", now);
        }
        assert_eq!(t.wait(guesser, "li.wei", now), Duration::from_secs(1));
        // The same account from elsewhere waits too; another account from elsewhere does not.
        assert_eq!(t.wait(other, "LI.WEI", now), Duration::from_secs(1));
        assert_eq!(t.wait(other, "wang.fang", now), Duration::ZERO);
        // The guesser's address waits whatever name it tries next.
        assert_eq!(t.wait(guesser, "wang.fang", now), Duration::from_secs(1));
        let later = now + Duration::from_secs(2);
        assert_eq!(t.wait(guesser, "li.wei", later), Duration::ZERO);
        assert_eq!(t.failed(guesser, "li.wei", later), FREE_FAILURES + 1);
        t.succeeded("li.wei");
        assert_eq!(t.wait(other, "li.wei", later), Duration::ZERO);
        // An hour without failures forgets them.
        let much_later = later + FORGET_AFTER + Duration::from_secs(1);
        assert_eq!(t.failed(guesser, "x.y", much_later), 1);
        assert_eq!(t.wait(guesser, "x.y", much_later), Duration::ZERO);
    }

    #[test]
    fn an_office_address_gets_more_tries_than_one_account() {
        let t = Throttle::default();
        let now = Instant::now();
        let office: IpAddr = "203.0.113.9".parse().expect("ip");
        for i in 0..FREE_FROM_ADDRESS {
            assert_eq!(t.wait(office, &format!("user{i}"), now), Duration::ZERO);
            t.failed(office, &format!("user{i}"), now);
        }
        assert_eq!(t.wait_address(office, now), Duration::from_secs(1));
    }

    #[test]
    fn invented_names_and_addresses_do_not_grow_the_tables() {
        let t = Throttle::default();
        let now = Instant::now();
        for i in 0..(MAX_ENTRIES as u32 + 500) {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            t.failed(
                ip,
                &format!("nobody{i}"),
                now + Duration::from_millis(u64::from(i)),
            );
        }
        let (addresses, accounts) = t.sizes();
        assert!(addresses <= MAX_ENTRIES && accounts <= MAX_ENTRIES);
    }
}
