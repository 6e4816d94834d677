//! Measurement points of a line's results: nominal value, reading, unit and maximum permissible
//! error (MPE); the error and the pass/fail verdict are computed from them, never typed.
//!
//! Values are exact decimals (`rust_decimal`), as read from the instrument: in binary floats
//! `10.05 - 10.00` is `0.0500000000000007`, which would fail a point sitting exactly on a
//! `±0.05` limit. A point passes when `|reading - nominal| <= MPE` (simple acceptance, the
//! limit itself included).

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Longest unit text (`mV`, `N·m`, `°C`, `%RH`).
pub const MAX_UNIT_CHARS: usize = 16;
/// Longest description of what a point measures (`DCV 10 V 量程`).
pub const MAX_QUANTITY_CHARS: usize = 64;

/// The maximum permissible error of one point: an absolute value in the point's unit, or a
/// percentage of the nominal value. Written and read as `±0.02` / `0.02` or `±0.5%` / `0.5%`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Mpe {
    Absolute(Decimal),
    PercentOfNominal(Decimal),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum PointError {
    #[error("'{0}' is not a decimal number")]
    NotANumber(String),
    #[error("the maximum permissible error must not be negative")]
    NegativeMpe,
    #[error("the unit is required")]
    MissingUnit,
    #[error("the text is longer than {max} characters")]
    TooLong { max: usize },
    #[error("the values are too large to compute the error")]
    Overflow,
}

fn decimal(s: &str) -> Result<Decimal, PointError> {
    let t = s.trim();
    Decimal::from_str_exact(t).map_err(|_| PointError::NotANumber(t.to_owned()))
}

impl FromStr for Mpe {
    type Err = PointError;

    fn from_str(s: &str) -> Result<Mpe, PointError> {
        let t = s.trim();
        let t = t
            .strip_prefix('±')
            .or_else(|| t.strip_prefix("+/-"))
            .unwrap_or(t)
            .trim();
        let (number, percent) = match t.strip_suffix('%') {
            Some(n) => (n, true),
            None => (t, false),
        };
        let value = decimal(number)?;
        if value.is_sign_negative() && !value.is_zero() {
            return Err(PointError::NegativeMpe);
        }
        Ok(if percent {
            Mpe::PercentOfNominal(value)
        } else {
            Mpe::Absolute(value)
        })
    }
}

impl fmt::Display for Mpe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mpe::Absolute(v) => write!(f, "±{v}"),
            Mpe::PercentOfNominal(v) => write!(f, "±{v}%"),
        }
    }
}

impl From<Mpe> for String {
    fn from(m: Mpe) -> String {
        m.to_string()
    }
}

impl TryFrom<String> for Mpe {
    type Error = PointError;
    fn try_from(s: String) -> Result<Mpe, PointError> {
        s.parse()
    }
}

impl Mpe {
    /// The limit in the point's unit for `nominal`.
    pub fn limit(&self, nominal: Decimal) -> Result<Decimal, PointError> {
        match self {
            Mpe::Absolute(v) => Ok(*v),
            Mpe::PercentOfNominal(p) => nominal
                .abs()
                .checked_mul(*p)
                .and_then(|x| x.checked_div(Decimal::ONE_HUNDRED))
                .ok_or(PointError::Overflow),
        }
    }
}

/// One measured point, as a technician enters it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasurementPoint {
    /// What is measured, e.g. `DCV 10 V 量程` (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<String>,
    pub nominal: Decimal,
    pub reading: Decimal,
    pub unit: String,
    pub mpe: Mpe,
}

/// What a point's numbers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// `reading - nominal`.
    pub error: Decimal,
    /// The MPE as an absolute value in the point's unit.
    pub limit: Decimal,
    pub pass: bool,
}

impl MeasurementPoint {
    /// Builds a point from form text (every field checked, the first problem reported).
    pub fn parse(
        quantity: Option<&str>,
        nominal: &str,
        reading: &str,
        unit: &str,
        mpe: &str,
    ) -> Result<MeasurementPoint, PointError> {
        let p = MeasurementPoint {
            quantity: quantity
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .map(str::to_owned),
            nominal: decimal(nominal)?,
            reading: decimal(reading)?,
            unit: unit.trim().to_owned(),
            mpe: mpe.parse()?,
        };
        p.validate()?;
        Ok(p)
    }

    pub fn validate(&self) -> Result<(), PointError> {
        if self.unit.is_empty() {
            return Err(PointError::MissingUnit);
        }
        if self.unit.chars().count() > MAX_UNIT_CHARS {
            return Err(PointError::TooLong {
                max: MAX_UNIT_CHARS,
            });
        }
        if self
            .quantity
            .as_ref()
            .is_some_and(|q| q.chars().count() > MAX_QUANTITY_CHARS)
        {
            return Err(PointError::TooLong {
                max: MAX_QUANTITY_CHARS,
            });
        }
        let negative = match self.mpe {
            Mpe::Absolute(v) | Mpe::PercentOfNominal(v) => v.is_sign_negative() && !v.is_zero(),
        };
        if negative {
            return Err(PointError::NegativeMpe);
        }
        self.verdict().map(|_| ())
    }

    /// The error, the limit and whether the point passes: `|error| <= limit`.
    pub fn verdict(&self) -> Result<Verdict, PointError> {
        let error = self
            .reading
            .checked_sub(self.nominal)
            .ok_or(PointError::Overflow)?;
        let limit = self.mpe.limit(self.nominal)?;
        Ok(Verdict {
            error,
            limit,
            pass: error.abs() <= limit,
        })
    }

    /// Whether the point passes; a point whose error cannot be computed does not.
    pub fn passes(&self) -> bool {
        self.verdict().is_ok_and(|v| v.pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(nominal: &str, reading: &str, mpe: &str) -> MeasurementPoint {
        MeasurementPoint::parse(None, nominal, reading, "mm", mpe).expect("valid point")
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).expect("decimal")
    }

    #[test]
    fn a_point_exactly_on_the_limit_passes_and_one_digit_beyond_fails() {
        // In f64, 10.05 - 10.00 > 0.05: exact decimals keep the limit a pass.
        assert!(point("10.00", "10.05", "±0.05").passes());
        assert!(point("10.00", "9.95", "±0.05").passes());
        assert!(!point("10.00", "10.051", "±0.05").passes());
        assert!(!point("10.00", "9.949", "0.05").passes());
        let v = point("10.00", "9.95", "±0.05").verdict().expect("verdict");
        assert_eq!(v.error, d("-0.05"));
        assert_eq!(v.limit, d("0.05"));
    }

    #[test]
    fn percent_mpe_is_of_the_nominal_magnitude() {
        // ±0.5% of 200 = ±1.0; of -200 too.
        assert!(point("200", "201.0", "±0.5%").passes());
        assert!(!point("200", "201.01", "0.5%").passes());
        assert!(point("-200", "-199.0", "0.5%").passes());
        assert_eq!(
            point("-200", "-199", "0.5%").verdict().expect("v").limit,
            d("1.000")
        );
        // At a zero nominal a percentage allows no error at all.
        assert!(point("0", "0.000", "1%").passes());
        assert!(!point("0", "0.001", "1%").passes());
    }

    #[test]
    fn zero_mpe_passes_only_an_exact_reading() {
        assert!(point("5", "5.000", "0").passes());
        assert!(!point("5", "5.0001", "±0").passes());
    }

    #[test]
    fn bad_text_is_refused_with_its_reason() {
        let e = |n: &str, r: &str, u: &str, m: &str| {
            MeasurementPoint::parse(None, n, r, u, m).expect_err("refused")
        };
        assert_eq!(e("1", "1", "mm", "-0.1"), PointError::NegativeMpe);
        assert_eq!(e("1", "1", "mm", "±-0.1"), PointError::NegativeMpe);
        assert_eq!(e("1", "1", " ", "0.1"), PointError::MissingUnit);
        assert!(matches!(
            e("1e3", "1", "mm", "0.1"),
            PointError::NotANumber(_)
        ));
        assert!(matches!(
            e("1", "NaN", "mm", "0.1"),
            PointError::NotANumber(_)
        ));
        assert!(matches!(
            e("1", "1", "mm", "abc%"),
            PointError::NotANumber(_)
        ));
        assert_eq!(
            e("1", "1", &"m".repeat(17), "0.1"),
            PointError::TooLong { max: 16 }
        );
        // The largest decimals overflow a subtraction: refused, never a panic.
        let max = Decimal::MAX.to_string();
        let min = Decimal::MIN.to_string();
        assert_eq!(e(&min, &max, "mm", "1"), PointError::Overflow);
    }

    #[test]
    fn mpe_text_round_trips_through_serde() {
        for (text, shown) in [("0.02", "±0.02"), ("±0.5%", "±0.5%"), ("+/- 1", "±1")] {
            let m: Mpe = text.parse().expect("mpe");
            assert_eq!(m.to_string(), shown);
            let json = serde_json::to_string(&m).expect("json");
            assert_eq!(serde_json::from_str::<Mpe>(&json).expect("back"), m);
        }
        let p = point("1.000", "1.002", "0.005");
        let json = serde_json::to_string(&p).expect("json");
        assert_eq!(
            serde_json::from_str::<MeasurementPoint>(&json).expect("back"),
            p
        );
    }
}
