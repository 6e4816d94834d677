//! China time (UTC+8, no daylight saving): the report's months and days begin at midnight in
//! Beijing, not in UTC, and every time printed in the report is Beijing time.

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::ReportError;

/// UTC+8.
pub fn china() -> FixedOffset {
    // 8 h is always a valid offset.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero"))
}

/// The calendar day in China on which an instant falls.
pub fn china_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&china()).date_naive()
}

/// Midnight at the start of a China calendar day, as an instant.
pub fn day_start(d: NaiveDate) -> DateTime<Utc> {
    let local = d.and_time(NaiveTime::MIN);
    match china().from_local_datetime(&local).single() {
        Some(t) => t.with_timezone(&Utc),
        // A fixed offset has exactly one mapping; keep the arithmetic total anyway.
        None => Utc.from_utc_datetime(&local) - chrono::Duration::hours(8),
    }
}

/// `2026-03-14 02:13:05` in China time.
pub fn fmt_china(t: DateTime<Utc>) -> String {
    t.with_timezone(&china())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// A calendar month (in China).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct YearMonth {
    pub year: i32,
    /// 1..=12
    pub month: u32,
}

impl YearMonth {
    pub fn new(year: i32, month: u32) -> Result<YearMonth, ReportError> {
        if (1..=12).contains(&month) && (2000..=9999).contains(&year) {
            Ok(YearMonth { year, month })
        } else {
            Err(ReportError::InvalidMonth(format!("{year}-{month}")))
        }
    }

    /// `2026-03`.
    pub fn parse(s: &str) -> Result<YearMonth, ReportError> {
        let bad = || ReportError::InvalidMonth(s.to_string());
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        YearMonth::new(y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?)
    }

    pub fn containing(d: NaiveDate) -> YearMonth {
        YearMonth {
            year: d.year(),
            month: d.month(),
        }
    }

    /// The month `n` months earlier.
    pub fn minus(self, n: u32) -> YearMonth {
        let idx = self.year * 12 + self.month as i32 - 1 - n as i32;
        YearMonth {
            year: idx.div_euclid(12),
            month: idx.rem_euclid(12) as u32 + 1,
        }
    }

    pub fn next(self) -> YearMonth {
        let idx = self.year * 12 + self.month as i32;
        YearMonth {
            year: idx.div_euclid(12),
            month: idx.rem_euclid(12) as u32 + 1,
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The days of the month, in order.
    pub fn days(self) -> impl Iterator<Item = NaiveDate> {
        let end = self.next().first_day();
        self.first_day().iter_days().take_while(move |d| *d < end)
    }

    pub fn contains(self, d: NaiveDate) -> bool {
        YearMonth::containing(d) == self
    }

    /// Midnight (China) at the start of the month, as an instant.
    pub fn start(self) -> DateTime<Utc> {
        day_start(self.first_day())
    }

    /// Midnight (China) at the start of the next month.
    pub fn end(self) -> DateTime<Utc> {
        day_start(self.next().first_day())
    }

    /// `2026年3月`
    pub fn zh(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }

    /// `March 2026`
    pub fn en(self) -> String {
        const NAMES: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        format!("{} {}", NAMES[(self.month as usize - 1) % 12], self.year)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().expect("rfc3339")
    }

    #[test]
    fn a_china_month_starts_at_16_00_utc_the_day_before() {
        let m = YearMonth::new(2026, 3).expect("month");
        assert_eq!(m.start(), utc("2026-02-28T16:00:00Z"));
        assert_eq!(m.end(), utc("2026-03-31T16:00:00Z"));
        assert_eq!(m.days().count(), 31);
        assert_eq!(YearMonth::new(2024, 2).expect("m").days().count(), 29);
    }

    #[test]
    fn china_date_turns_at_beijing_midnight() {
        assert_eq!(
            china_date(utc("2026-03-31T15:59:59Z")),
            NaiveDate::from_ymd_opt(2026, 3, 31).expect("d")
        );
        assert_eq!(
            china_date(utc("2026-03-31T16:00:00Z")),
            NaiveDate::from_ymd_opt(2026, 4, 1).expect("d")
        );
        assert_eq!(
            fmt_china(utc("2026-03-31T16:00:05Z")),
            "2026-04-01 00:00:05"
        );
    }

    #[test]
    fn months_count_back_across_years() {
        let m = YearMonth::parse("2026-03").expect("parse");
        assert_eq!(
            m.minus(5),
            YearMonth {
                year: 2025,
                month: 10
            }
        );
        assert_eq!(
            m.minus(3),
            YearMonth {
                year: 2025,
                month: 12
            }
        );
        assert_eq!(
            YearMonth::parse("2025-12").expect("p").next(),
            YearMonth {
                year: 2026,
                month: 1
            }
        );
        assert!(YearMonth::parse("2026-13").is_err() && YearMonth::parse("march").is_err());
        assert_eq!(m.to_string(), "2026-03");
        assert_eq!(
            (m.zh(), m.en()),
            ("2026年3月".to_string(), "March 2026".to_string())
        );
    }
}
