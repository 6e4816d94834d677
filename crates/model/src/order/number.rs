//! Order and certificate numbers, minted offline without ever colliding.
//!
//! An order number is `WO-{year}-{device tag}-{sequence}`, e.g. `WO-2026-7K3M9QXA-000123`:
//!
//! - the **device tag** is the first 40 bits of the minting device's id (a random UUID) in
//!   Crockford base32 (8 characters, no I/L/O/U, so it reads aloud and types without
//!   confusion). The node, which mints the orders customers submit through its web form, uses
//!   the reserved tag `NODE` (4 characters, and `O` is not in the alphabet: never a device tag);
//! - the **sequence** counts per device and year from 1, at least 6 digits (more when needed).
//!
//! Two devices therefore never mint the same number while their tags differ, offline or not,
//! with no lease to fetch first: a new workstation takes orders from its first minute. Tags of
//! two devices are equal with odds of 1 in 2^40 per pair; the node refuses to register a device
//! whose tag another device of the same enterprise already has, so equal tags never meet. A
//! number parses back into its parts (`parse` is the inverse of `format`), so it is also
//! injective — the property test in this file checks both.
//!
//! A line's certificate (or repair report) number is its order number and its position:
//! `WO-2026-7K3M9QXA-000123-01`; a correction adds `-R1`, `-R2` (phase 2, certificates).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Crockford's base32 alphabet.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// The node's own tag for orders it mints (customer web form, API).
pub const NODE_TAG: &str = "NODE";
/// Digits the sequence is padded to.
pub const SEQUENCE_WIDTH: usize = 6;

/// Who minted a number: a device (8 Crockford characters) or the node.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DeviceTag(String);

impl DeviceTag {
    /// The tag of a device: the first 40 bits of its id.
    pub fn of_device(device_id: Uuid) -> DeviceTag {
        let b = device_id.as_bytes();
        let bits = b[..5]
            .iter()
            .fold(0u64, |acc, &x| (acc << 8) | u64::from(x));
        let tag = (0..8)
            .rev()
            .map(|i| char::from(ALPHABET[((bits >> (i * 5)) & 31) as usize]))
            .collect();
        DeviceTag(tag)
    }

    pub fn node() -> DeviceTag {
        DeviceTag(NODE_TAG.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DeviceTag {
    type Error = NumberError;
    fn try_from(s: String) -> Result<DeviceTag, NumberError> {
        let device = s.len() == 8 && s.bytes().all(|b| ALPHABET.contains(&b));
        if device || s == NODE_TAG {
            Ok(DeviceTag(s))
        } else {
            Err(NumberError::BadTag(s))
        }
    }
}

impl From<DeviceTag> for String {
    fn from(t: DeviceTag) -> String {
        t.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("'{0}' is not an order number (WO-2026-XXXXXXXX-000123)")]
    Malformed(String),
    #[error("'{0}' is not a device tag")]
    BadTag(String),
}

/// An order number, always in its canonical (upper-case) form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrderNumber {
    text: String,
    year: i32,
    tag: DeviceTag,
    sequence: u64,
}

impl OrderNumber {
    pub fn new(year: i32, tag: DeviceTag, sequence: u64) -> OrderNumber {
        let text = format!(
            "WO-{year:04}-{}-{sequence:0width$}",
            tag.as_str(),
            width = SEQUENCE_WIDTH
        );
        OrderNumber {
            text,
            year,
            tag,
            sequence,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn tag(&self) -> &DeviceTag {
        &self.tag
    }

    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// The number of the certificate (or report) of the line at `position` (1-based).
    pub fn certificate_number(&self, position: usize) -> String {
        format!("{}-{position:02}", self.text)
    }
}

impl FromStr for OrderNumber {
    type Err = NumberError;

    /// Accepts any case and surrounding spaces (numbers are read aloud and typed).
    fn from_str(s: &str) -> Result<OrderNumber, NumberError> {
        let bad = || NumberError::Malformed(s.to_owned());
        let upper = s.trim().to_ascii_uppercase();
        let mut parts = upper.split('-');
        let (Some("WO"), Some(year), Some(tag), Some(seq), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad());
        };
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if year.len() != 4 || !digits(year) || seq.len() < SEQUENCE_WIDTH || !digits(seq) {
            return Err(bad());
        }
        // A longer sequence than the width never starts with 0: one number, one spelling.
        if seq.len() > SEQUENCE_WIDTH && seq.starts_with('0') || seq.len() > 18 {
            return Err(bad());
        }
        let tag = DeviceTag::try_from(tag.to_owned()).map_err(|_| bad())?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let sequence: u64 = seq.parse().map_err(|_| bad())?;
        if sequence == 0 {
            return Err(bad());
        }
        Ok(OrderNumber::new(year, tag, sequence))
    }
}

impl TryFrom<String> for OrderNumber {
    type Error = NumberError;
    fn try_from(s: String) -> Result<OrderNumber, NumberError> {
        s.parse()
    }
}

impl From<OrderNumber> for String {
    fn from(n: OrderNumber) -> String {
        n.text
    }
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn formats_parses_and_names_certificates() {
        let tag = DeviceTag::of_device(Uuid::from_u128(0xFFFF_FFFF_FF00_0000_0000_0000_0000_0000));
        assert_eq!(tag.as_str(), "ZZZZZZZZ");
        let n = OrderNumber::new(2026, tag, 123);
        assert_eq!(n.as_str(), "WO-2026-ZZZZZZZZ-000123");
        assert_eq!(
            " wo-2026-zzzzzzzz-000123 ".parse::<OrderNumber>(),
            Ok(n.clone())
        );
        assert_eq!(n.certificate_number(1), "WO-2026-ZZZZZZZZ-000123-01");
        let big = OrderNumber::new(2026, DeviceTag::node(), 1_234_567);
        assert_eq!(big.as_str(), "WO-2026-NODE-1234567");
        assert_eq!(big.as_str().parse::<OrderNumber>(), Ok(big));
        for bad in [
            "WO-2026-ZZZZZZZZ-123",
            "WO-2026-ZZZZZZZZ-0001234",
            "WO-2026-ZZZZZZZZ-000000",
            "WO-26-ZZZZZZZZ-000123",
            "WO-2026-ZZZZZZZI-000123",
            "WO-2026-NODEX-000123",
            "XO-2026-ZZZZZZZZ-000123",
            "WO-2026-ZZZZZZZZ-000123-01",
            "",
        ] {
            assert!(bad.parse::<OrderNumber>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_node_tag_is_never_a_device_tag() {
        for i in 0..2000u128 {
            let tag = DeviceTag::of_device(Uuid::from_u128(i << 88 | i));
            assert_ne!(tag.as_str(), NODE_TAG);
            assert_eq!(tag.as_str().len(), 8);
        }
    }

    proptest! {
        /// Devices with different tags (and the node) mint disjoint sets of numbers, and every
        /// number parses back to the year, tag and sequence it was made from.
        #[test]
        fn two_minters_never_collide(
            a in any::<u128>(),
            b in any::<u128>(),
            years in proptest::collection::btree_set(2020i32..2100, 1..4),
            counts in proptest::collection::vec(1u64..300, 3),
            start in prop_oneof![Just(1u64), 999_990u64..1_000_010],
        ) {
            let ta = DeviceTag::of_device(Uuid::from_u128(a));
            let tb = DeviceTag::of_device(Uuid::from_u128(b));
            prop_assume!(ta != tb);
            let mut seen = HashSet::new();
            for (tag, count) in [(ta, counts[0]), (tb, counts[1]), (DeviceTag::node(), counts[2])] {
                for &year in &years {
                    for seq in start..start + count {
                        let n = OrderNumber::new(year, tag.clone(), seq);
                        let back: OrderNumber = n.as_str().parse().expect("parses back");
                        prop_assert_eq!(back.year(), year);
                        prop_assert_eq!(back.tag(), &tag);
                        prop_assert_eq!(back.sequence(), seq);
                        prop_assert!(seen.insert(n.as_str().to_owned()), "collision: {}", n);
                    }
                }
            }
        }
    }
}
