//! Suffix leases: blocks of identifiers the node reserves for one device, so a workstation can
//! register offline and two sites never mint the same handle.
//!
//! A lease covers `{series}-{n}` for `first..=last`, with `n` zero-padded to `width` digits, under
//! one enterprise prefix. The node's counter per (prefix, series) only moves forward, so no
//! number is ever leased twice, even after a handle is deleted.

use serde::{Deserialize, Serialize};

use crate::identifier::{is_valid_prefix, Handle, IdentifierError};

/// Most numbers one lease request may ask for.
pub const MAX_LEASE_COUNT: u64 = 10_000;

/// Width of the number in a minted suffix (`CAL-2026-000123`).
pub const DEFAULT_WIDTH: u32 = 6;

/// The widest number a lease may carry (the node grants 1 to 12 digits).
pub const MAX_WIDTH: u32 = 12;

/// A block of suffixes leased to one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuffixLease {
    pub lease_id: String,
    pub device_id: String,
    /// The enterprise prefix the handles live under, e.g. `88.118.8`.
    pub prefix: String,
    /// The part before the number, e.g. `CAL-2026`.
    pub series: String,
    pub first: u64,
    pub last: u64,
    pub width: u32,
}

impl SuffixLease {
    /// How many numbers the lease covers.
    pub fn len(&self) -> u64 {
        self.last.saturating_sub(self.first).saturating_add(1)
    }

    /// Whether this is a lease a node grants: a valid prefix and series, at most
    /// [`MAX_LEASE_COUNT`] numbers `first..=last` that a station's counters hold (an `i64`, one
    /// past the last included), and a width of 1 to [`MAX_WIDTH`] digits. A station takes no
    /// other: one from something else at the node's address could stop it naming instruments (a
    /// width past 65535 made minting panic, numbers up to `i64::MAX` made counting what is left
    /// fail for good; found by `fuzz/fuzz_targets/sync_pull.rs`).
    pub fn is_well_formed(&self) -> bool {
        is_valid_prefix(&self.prefix)
            && is_valid_series(&self.series)
            && self.first <= self.last
            && self.last < i64::MAX as u64
            && self.len() <= MAX_LEASE_COUNT
            && (1..=MAX_WIDTH).contains(&self.width)
    }

    pub fn is_empty(&self) -> bool {
        self.last < self.first
    }

    /// The handle for number `n`, which must lie in the lease.
    pub fn handle(&self, n: u64) -> Option<Result<Handle, IdentifierError>> {
        (self.first..=self.last).contains(&n).then(|| {
            Handle::new(
                &self.prefix,
                &format!("{}-{:0width$}", self.series, n, width = self.width as usize),
            )
        })
    }

    /// The number a handle carries when it belongs to this lease.
    pub fn number_of(&self, handle: &Handle) -> Option<u64> {
        if handle.prefix() != self.prefix {
            return None;
        }
        let n = series_number(handle.suffix(), &self.series)?;
        (self.first..=self.last).contains(&n).then_some(n)
    }
}

/// Splits `{series}-{digits}` (case-insensitively for the series) and returns the number.
pub fn series_number(suffix: &str, series: &str) -> Option<u64> {
    let head = suffix.get(..series.len())?;
    if !head.eq_ignore_ascii_case(series) {
        return None;
    }
    let digits = suffix[series.len()..].strip_prefix('-')?;
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A series name: upper-case letters, digits and inner dashes, 1..=32 characters, so minted
/// suffixes stay in QR alphanumeric mode.
pub fn is_valid_series(series: &str) -> bool {
    (1..=32).contains(&series.len())
        && !series.starts_with('-')
        && !series.ends_with('-')
        && series
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

/// The default series for calibration records minted in `year`: `CAL-2026`.
pub fn default_series(year: i32) -> String {
    format!("CAL-{year}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease() -> SuffixLease {
        SuffixLease {
            lease_id: "l1".into(),
            device_id: "d1".into(),
            prefix: "88.118.8".into(),
            series: "CAL-2026".into(),
            first: 123,
            last: 222,
            width: 6,
        }
    }

    #[test]
    fn mints_and_recognises_its_handles() {
        let l = lease();
        assert_eq!(l.len(), 100);
        let h = l.handle(123).expect("in lease").expect("valid handle");
        assert_eq!(h.to_string(), "88.118.8/CAL-2026-000123");
        assert_eq!(l.number_of(&h), Some(123));
        assert!(l.handle(122).is_none());
        assert!(l.handle(223).is_none());
        let lower: Handle = "88.118.8/cal-2026-000222".parse().expect("parse");
        assert_eq!(l.number_of(&lower), Some(222));
        let other: Handle = "88.118.9/CAL-2026-000150".parse().expect("parse");
        assert_eq!(l.number_of(&other), None);
        let outside: Handle = "88.118.8/CAL-2026-000300".parse().expect("parse");
        assert_eq!(l.number_of(&outside), None);
    }

    #[test]
    fn only_leases_a_node_grants_are_well_formed() {
        assert!(lease().is_well_formed());
        let bad = [
            SuffixLease {
                width: 70_000,
                ..lease()
            },
            SuffixLease {
                width: 0,
                ..lease()
            },
            SuffixLease {
                first: 300,
                ..lease()
            },
            SuffixLease {
                last: u64::MAX,
                ..lease()
            },
            SuffixLease {
                first: i64::MAX as u64 - 10,
                last: i64::MAX as u64,
                ..lease()
            },
            SuffixLease {
                first: 1,
                last: MAX_LEASE_COUNT + 1,
                ..lease()
            },
            SuffixLease {
                prefix: "99.1".into(),
                ..lease()
            },
            SuffixLease {
                series: "cal 2026".into(),
                ..lease()
            },
        ];
        for l in bad {
            assert!(!l.is_well_formed(), "{l:?}");
        }
        // The count of a lease from 0 to the largest number saturates instead of overflowing.
        let whole = SuffixLease {
            first: 0,
            last: u64::MAX,
            ..lease()
        };
        assert_eq!(whole.len(), u64::MAX);
    }

    #[test]
    fn validates_series() {
        assert!(is_valid_series("CAL-2026"));
        assert!(is_valid_series(&default_series(2027)));
        for bad in ["", "cal", "-A", "A-", "A B", &"A".repeat(33)] {
            assert!(!is_valid_series(bad), "{bad}");
        }
        assert_eq!(series_number("CAL-2026-7", "CAL-2026"), Some(7));
        assert_eq!(series_number("CAL-2026-", "CAL-2026"), None);
        assert_eq!(series_number("CAL-20267", "CAL-2026"), None);
    }
}
