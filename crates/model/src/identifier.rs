//! Instrument identifiers as scanned or typed at the bench.
//!
//! Scanners deliver many textual forms of the same identifier (bare handle,
//! `hdl:` URI, resolver URL, upper-cased QR URL, GS1 Digital Link, ...).
//! [`Identifier::parse`] accepts all of them and reduces each to one canonical
//! value, so equality and database keys do not depend on how a code was read.
//! The canonical text form ([`std::fmt::Display`]) always parses back to the
//! same value.

use std::fmt;
use std::str::FromStr;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Upper bound on scanner input; anything longer is not a plausible code and
/// bounds the work done on hostile input.
pub const MAX_INPUT_LEN: usize = 2048;
/// Maximum length of a handle prefix in bytes.
pub const MAX_PREFIX_LEN: usize = 64;
/// Maximum length of a handle suffix in bytes.
pub const MAX_SUFFIX_LEN: usize = 255;
/// Maximum length of a suffix minted by IDStation.
pub const MAX_MINTED_SUFFIX_LEN: usize = 64;
/// GS1 AI 21 (serial number) maximum length.
pub const MAX_GS1_SERIAL_LEN: usize = 20;
/// GS1 AI 8004 (GIAI) maximum length.
pub const MAX_GS1_GIAI_LEN: usize = 30;
/// Maximum length of an Ecode value.
pub const MAX_ECODE_LEN: usize = 32;
/// Maximum length of a BID or VAA value.
pub const MAX_BID_VAA_LEN: usize = 128;

/// Host used in the canonical GS1 Digital Link form (GS1's own resolver).
const GS1_CANONICAL_BASE: &str = "https://id.gs1.org";

/// RFC 3986 unreserved characters stay literal; everything else is encoded.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A URL path's safe characters: the unreserved ones and `/`.
const URL_PATH: &AsciiSet = &URI_COMPONENT.remove(b'/');

/// Kind of identifier, as stored alongside an instrument record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CodeType {
    #[serde(rename = "Handle")]
    Handle,
    #[serde(rename = "OID")]
    Oid,
    #[serde(rename = "DID")]
    Did,
    #[serde(rename = "BID")]
    Bid,
    #[serde(rename = "VAA")]
    Vaa,
    #[serde(rename = "Ecode")]
    Ecode,
    #[serde(rename = "GS1")]
    Gs1,
}

impl CodeType {
    /// All code types, in a stable order (useful for UI pickers).
    pub const ALL: [CodeType; 7] = [
        CodeType::Handle,
        CodeType::Oid,
        CodeType::Did,
        CodeType::Bid,
        CodeType::Vaa,
        CodeType::Ecode,
        CodeType::Gs1,
    ];

    /// The name used in serde and Display.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeType::Handle => "Handle",
            CodeType::Oid => "OID",
            CodeType::Did => "DID",
            CodeType::Bid => "BID",
            CodeType::Vaa => "VAA",
            CodeType::Ecode => "Ecode",
            CodeType::Gs1 => "GS1",
        }
    }
}

impl fmt::Display for CodeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CodeType {
    type Err = IdentifierError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CodeType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| IdentifierError::UnknownCodeType { name: s.to_owned() })
    }
}

/// Why an input is not a valid identifier.
///
/// Variants carry the offending piece so that callers can render localised
/// messages by matching on the variant; the `Display` text is English.
/// Serialisable (tagged by `kind`) so validation errors can cross to the UI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum IdentifierError {
    #[error("identifier is empty")]
    Empty,
    #[error("identifier is {len} bytes long; at most {max} bytes are accepted")]
    TooLong { max: usize, len: usize },
    #[error(
        "unrecognised identifier; accepted forms: handle (88.118.8/ABC-123, hdl:88.118.8/ABC-123 \
         or an http(s) resolver URL), GS1 Digital Link URL (/01/<GTIN>/21/<serial> or \
         /8004/<GIAI>), GS1 element string ((01)<GTIN>(21)<serial> or (8004)<GIAI>), \
         oid:<arcs>, urn:oid:<arcs>, did:<method>:<id>, ecode:<code>, bid:<code>, vaa:<code>"
    )]
    UnrecognisedForm,
    #[error(
        "unknown code type \"{name}\"; expected one of Handle, OID, DID, BID, VAA, Ecode, GS1"
    )]
    UnknownCodeType { name: String },
    #[error("expected a handle but found a {found} identifier")]
    NotAHandle { found: CodeType },
    #[error(
        "invalid handle prefix \"{prefix}\": expected dot-separated digit groups under 88 \
         (e.g. 88.118.8), at most 64 bytes"
    )]
    InvalidPrefix { prefix: String },
    #[error("handle has no suffix; expected <prefix>/<suffix>, e.g. 88.118.8/ABC-123")]
    MissingSuffix,
    #[error("handle suffix is {len} bytes long; at most {max} bytes are allowed")]
    SuffixTooLong { max: usize, len: usize },
    #[error("handle suffix contains the control character {ch:?}")]
    InvalidSuffixCharacter { ch: char },
    #[error("handle suffix must not start or end with whitespace")]
    SuffixSurroundingWhitespace,
    #[error("malformed URL")]
    InvalidUrl,
    #[error("URL path contains neither a handle (88.x/...) nor a GS1 key (/01/... or /8004/...)")]
    UnrecognisedUrlPath,
    #[error("invalid percent-encoding (must be %XX escapes of valid UTF-8)")]
    InvalidPercentEncoding,
    #[error("GTIN has {len} digits; expected 8, 12, 13 or 14 digits")]
    Gs1GtinLength { len: usize },
    #[error("GTIN must consist of digits only")]
    Gs1GtinNotNumeric,
    #[error("GTIN check digit is {found}, expected {expected}")]
    Gs1CheckDigit { expected: u8, found: u8 },
    #[error("GS1 key has a GTIN but no serial number (AI 21); an instrument needs a serial")]
    Gs1MissingSerial,
    #[error("GS1 serial number (AI 21) must be 1 to 20 characters from GS1 character set 82")]
    Gs1InvalidSerial,
    #[error("GIAI (AI 8004) must be 1 to 30 characters from GS1 character set 82")]
    Gs1InvalidGiai,
    #[error("unsupported or misplaced GS1 application identifier ({ai})")]
    Gs1UnsupportedAi { ai: String },
    #[error("GS1 application identifier ({ai}) has no value")]
    Gs1MissingValue { ai: String },
    #[error("GS1 application identifier ({ai}) appears more than once")]
    Gs1DuplicateAi { ai: String },
    #[error(
        "invalid OID: expected dotted decimal arcs starting with 0, 1 or 2, at least two arcs, \
         no leading zeros"
    )]
    InvalidOid,
    #[error("invalid DID: expected did:<method>:<id> with a lower-case method name")]
    InvalidDid,
    #[error("invalid Ecode: expected 1 to 32 characters 0-9 or A-Z")]
    InvalidEcode,
    #[error("invalid BID: expected 1 to 128 printable ASCII characters without spaces")]
    InvalidBid,
    #[error("invalid VAA: expected 1 to 128 printable ASCII characters without spaces")]
    InvalidVaa,
}

/// A handle in canonical form. Construct via [`Handle::new`] or parsing, so
/// the invariants (valid prefix, valid suffix, minted suffixes upper-cased)
/// always hold.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Handle {
    prefix: String,
    suffix: String,
}

impl Handle {
    /// Validates both parts; upper-cases minted-form suffixes because those
    /// match case-insensitively and must compare equal.
    pub fn new(prefix: &str, suffix: &str) -> Result<Handle, IdentifierError> {
        if !is_valid_prefix(prefix) {
            return Err(IdentifierError::InvalidPrefix {
                prefix: prefix.to_owned(),
            });
        }
        validate_suffix(suffix)?;
        let suffix = if is_minted_suffix(suffix) {
            suffix.to_ascii_uppercase()
        } else {
            suffix.to_owned()
        };
        Ok(Handle {
            prefix: prefix.to_owned(),
            suffix,
        })
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn suffix(&self) -> &str {
        &self.suffix
    }

    /// Whether the suffix has the shape IDStation mints (`[A-Z0-9.-]{1,64}`).
    pub fn is_minted_form(&self) -> bool {
        is_minted_suffix(&self.suffix)
    }

    /// `prefix/suffix` as the path of a resolver URL: every character a URL would read
    /// otherwise (`%`, `?`, `#`, a space, anything beyond ASCII) percent-encoded, the suffix's
    /// own `/` kept. A phone scanning `https://<resolver>/<this>` reaches this handle, and
    /// [`Identifier::parse`] reads the URL back to it. Minted suffixes come out unchanged.
    pub fn url_path(&self) -> String {
        format!(
            "{}/{}",
            utf8_percent_encode(&self.prefix, URL_PATH),
            utf8_percent_encode(&self.suffix, URL_PATH)
        )
    }
}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.prefix, self.suffix)
    }
}

impl FromStr for Handle {
    type Err = IdentifierError;

    /// Accepts every handle form that [`Identifier::parse`] accepts.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match Identifier::parse(s)? {
            Identifier::Handle(h) => Ok(h),
            other => Err(IdentifierError::NotAHandle {
                found: other.code_type(),
            }),
        }
    }
}

impl Serialize for Handle {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Handle {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Prefix under the industrial-internet root: `88` plus at least one more
/// dot-separated group of digits, at most 64 bytes.
pub fn is_valid_prefix(prefix: &str) -> bool {
    if prefix.is_empty() || prefix.len() > MAX_PREFIX_LEN {
        return false;
    }
    let mut segments = prefix.split('.');
    if segments.next() != Some("88") {
        return false;
    }
    let mut rest = 0usize;
    for seg in segments {
        if seg.is_empty() || !seg.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        rest += 1;
    }
    rest >= 1
}

/// Shape of suffixes minted by IDStation, matched ASCII case-insensitively.
pub fn is_minted_suffix(s: &str) -> bool {
    (1..=MAX_MINTED_SUFFIX_LEN).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

fn validate_suffix(suffix: &str) -> Result<(), IdentifierError> {
    if suffix.is_empty() {
        return Err(IdentifierError::MissingSuffix);
    }
    if suffix.len() > MAX_SUFFIX_LEN {
        return Err(IdentifierError::SuffixTooLong {
            max: MAX_SUFFIX_LEN,
            len: suffix.len(),
        });
    }
    // C1 controls are rejected too: they are invisible and never intended.
    if let Some(ch) = suffix.chars().find(|c| c.is_control()) {
        return Err(IdentifierError::InvalidSuffixCharacter { ch });
    }
    if suffix.trim() != suffix {
        return Err(IdentifierError::SuffixSurroundingWhitespace);
    }
    Ok(())
}

/// A GS1 key identifying one physical item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Gs1Key {
    /// GTIN (always 14 digits, check digit verified) + serial (AI 21).
    Sgtin { gtin: String, serial: String },
    /// Global Individual Asset Identifier (AI 8004).
    Giai { giai: String },
}

impl Gs1Key {
    /// The digits a GS1 company prefix is matched against: a GTIN's 13 digits after its
    /// indicator digit (so a GTIN-13's company prefix, e.g. `6901234`, starts them), or a
    /// GIAI, which starts with its company prefix.
    pub fn company_digits(&self) -> &str {
        match self {
            Gs1Key::Sgtin { gtin, .. } => gtin.get(1..).unwrap_or(""),
            Gs1Key::Giai { giai } => giai,
        }
    }

    /// Whether the key lies under the GS1 company prefix `company_prefix`.
    pub fn has_company_prefix(&self, company_prefix: &str) -> bool {
        !company_prefix.is_empty() && self.company_digits().starts_with(company_prefix)
    }

    /// The Digital Link path without a host (`01/{gtin}/21/{serial}`, `8004/{giai}`): any
    /// resolver serves it, ours included, so a label's QR code can name our resolver.
    pub fn url_path(&self) -> String {
        match self {
            Gs1Key::Sgtin { gtin, serial } => {
                format!(
                    "01/{gtin}/21/{}",
                    utf8_percent_encode(serial, URI_COMPONENT)
                )
            }
            Gs1Key::Giai { giai } => format!("8004/{}", utf8_percent_encode(giai, URI_COMPONENT)),
        }
    }
}

impl fmt::Display for Gs1Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{GS1_CANONICAL_BASE}/{}", self.url_path())
    }
}

/// GS1 mod-10 check digit for the given digits (the check digit itself
/// excluded). `None` if the input is empty or not all ASCII digits.
pub fn gs1_check_digit(digits_without_check: &str) -> Option<u8> {
    if digits_without_check.is_empty() {
        return None;
    }
    let mut sum: u32 = 0;
    for (i, b) in digits_without_check.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        let d = u32::from(b - b'0');
        let weight = if i % 2 == 0 { 3 } else { 1 };
        sum = (sum + d * weight) % 10;
    }
    // sum < 10, so the result fits in u8.
    Some(((10 - sum) % 10) as u8)
}

/// Validates a GTIN-8/12/13/14 and returns it as GTIN-14.
fn normalise_gtin(raw: &str) -> Result<String, IdentifierError> {
    if !raw.bytes().all(|b| b.is_ascii_digit()) || raw.is_empty() {
        return Err(IdentifierError::Gs1GtinNotNumeric);
    }
    if ![8, 12, 13, 14].contains(&raw.len()) {
        return Err(IdentifierError::Gs1GtinLength { len: raw.len() });
    }
    let gtin = format!("{raw:0>14}");
    let (body, check) = gtin
        .split_at_checked(13)
        .ok_or(IdentifierError::Gs1GtinNotNumeric)?;
    let found = check
        .bytes()
        .next()
        .map(|b| b - b'0')
        .ok_or(IdentifierError::Gs1GtinNotNumeric)?;
    let expected = gs1_check_digit(body).ok_or(IdentifierError::Gs1GtinNotNumeric)?;
    if expected != found {
        return Err(IdentifierError::Gs1CheckDigit { expected, found });
    }
    Ok(gtin)
}

/// GS1 character set 82 (printable ASCII minus space and `#$@[\]^`{|}~`).
fn is_cset82(s: &str) -> bool {
    s.bytes().all(|b| {
        matches!(b,
            b'!' | b'"' | b'%'..=b'?' | b'A'..=b'Z' | b'_' | b'a'..=b'z')
    })
}

fn validate_serial(serial: &str) -> Result<(), IdentifierError> {
    if (1..=MAX_GS1_SERIAL_LEN).contains(&serial.len()) && is_cset82(serial) {
        Ok(())
    } else {
        Err(IdentifierError::Gs1InvalidSerial)
    }
}

fn validate_giai(giai: &str) -> Result<(), IdentifierError> {
    if (1..=MAX_GS1_GIAI_LEN).contains(&giai.len()) && is_cset82(giai) {
        Ok(())
    } else {
        Err(IdentifierError::Gs1InvalidGiai)
    }
}

/// Builds a GS1 key from (AI, value) pairs whose values are already decoded.
/// The first pair must be the primary key; qualifiers other than the serial
/// (CPV, lot, dates) do not contribute to identity and are dropped.
fn gs1_from_pairs(
    pairs: Vec<(String, String)>,
    extra_allowed: &[&str],
) -> Result<Gs1Key, IdentifierError> {
    let mut iter = pairs.into_iter();
    let Some((primary_ai, primary_value)) = iter.next() else {
        return Err(IdentifierError::UnrecognisedForm);
    };
    match primary_ai.as_str() {
        "01" => {
            let gtin = normalise_gtin(&primary_value)?;
            let mut serial: Option<String> = None;
            let mut seen: Vec<String> = Vec::new();
            for (ai, value) in iter {
                if !extra_allowed.contains(&ai.as_str()) {
                    return Err(IdentifierError::Gs1UnsupportedAi { ai });
                }
                if seen.contains(&ai) {
                    return Err(IdentifierError::Gs1DuplicateAi { ai });
                }
                if value.is_empty() {
                    return Err(IdentifierError::Gs1MissingValue { ai });
                }
                if ai == "21" {
                    validate_serial(&value)?;
                    serial = Some(value);
                }
                seen.push(ai);
            }
            let serial = serial.ok_or(IdentifierError::Gs1MissingSerial)?;
            Ok(Gs1Key::Sgtin { gtin, serial })
        }
        "8004" => {
            if let Some((ai, _)) = iter.next() {
                return Err(IdentifierError::Gs1UnsupportedAi { ai });
            }
            validate_giai(&primary_value)?;
            Ok(Gs1Key::Giai {
                giai: primary_value,
            })
        }
        _ => Err(IdentifierError::Gs1UnsupportedAi { ai: primary_ai }),
    }
}

/// AIs accepted after (01) in a Digital Link path (key qualifiers).
const DL_QUALIFIERS: &[&str] = &["22", "10", "21"];
/// AIs accepted after (01) in an element string (qualifiers and dates).
const ELEMENT_QUALIFIERS: &[&str] = &["22", "10", "21", "11", "17"];

/// An identifier in canonical form.
///
/// Construct via [`Identifier::parse`]; the string payloads are documented per
/// variant and are only guaranteed canonical when produced by the parser.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Identifier {
    Handle(Handle),
    Gs1(Gs1Key),
    /// Dotted decimal arcs without scheme, e.g. `1.2.156.1`.
    Oid(String),
    /// The full DID including `did:`, e.g. `did:web:example.cn`.
    Did(String),
    /// Value without the `bid:` scheme.
    Bid(String),
    /// Value without the `vaa:` scheme.
    Vaa(String),
    /// Upper-case value without the `ecode:` scheme.
    Ecode(String),
}

impl Identifier {
    /// Parses any accepted scanner/typed form into canonical form.
    pub fn parse(input: &str) -> Result<Identifier, IdentifierError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(IdentifierError::Empty);
        }
        if s.len() > MAX_INPUT_LEN {
            return Err(IdentifierError::TooLong {
                max: MAX_INPUT_LEN,
                len: s.len(),
            });
        }
        if let Some(rest) = strip_prefix_ci(s, "hdl:") {
            return parse_bare_handle(rest).map(Identifier::Handle);
        }
        if let Some(rest) = strip_prefix_ci(s, "https://").or_else(|| strip_prefix_ci(s, "http://"))
        {
            return parse_url(rest);
        }
        if let Some(rest) = strip_prefix_ci(s, "urn:oid:").or_else(|| strip_prefix_ci(s, "oid:")) {
            return parse_oid(rest).map(Identifier::Oid);
        }
        if let Some(rest) = strip_prefix_ci(s, "did:") {
            return parse_did(rest).map(Identifier::Did);
        }
        if let Some(rest) = strip_prefix_ci(s, "ecode:") {
            return parse_ecode(rest).map(Identifier::Ecode);
        }
        if let Some(rest) = strip_prefix_ci(s, "bid:") {
            return parse_printable(rest)
                .map(Identifier::Bid)
                .ok_or(IdentifierError::InvalidBid);
        }
        if let Some(rest) = strip_prefix_ci(s, "vaa:") {
            return parse_printable(rest)
                .map(Identifier::Vaa)
                .ok_or(IdentifierError::InvalidVaa);
        }
        if s.starts_with('(') {
            return parse_element_string(s).map(Identifier::Gs1);
        }
        if s.starts_with(|c: char| c.is_ascii_digit()) {
            return parse_bare_handle(s).map(Identifier::Handle);
        }
        Err(IdentifierError::UnrecognisedForm)
    }

    pub fn code_type(&self) -> CodeType {
        match self {
            Identifier::Handle(_) => CodeType::Handle,
            Identifier::Gs1(_) => CodeType::Gs1,
            Identifier::Oid(_) => CodeType::Oid,
            Identifier::Did(_) => CodeType::Did,
            Identifier::Bid(_) => CodeType::Bid,
            Identifier::Vaa(_) => CodeType::Vaa,
            Identifier::Ecode(_) => CodeType::Ecode,
        }
    }

    pub fn as_handle(&self) -> Option<&Handle> {
        match self {
            Identifier::Handle(h) => Some(h),
            _ => None,
        }
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identifier::Handle(h) => h.fmt(f),
            Identifier::Gs1(k) => k.fmt(f),
            Identifier::Oid(v) => write!(f, "oid:{v}"),
            Identifier::Did(v) => f.write_str(v),
            Identifier::Bid(v) => write!(f, "bid:{v}"),
            Identifier::Vaa(v) => write!(f, "vaa:{v}"),
            Identifier::Ecode(v) => write!(f, "ecode:{v}"),
        }
    }
}

impl FromStr for Identifier {
    type Err = IdentifierError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Identifier::parse(s)
    }
}

impl From<Handle> for Identifier {
    fn from(h: Handle) -> Self {
        Identifier::Handle(h)
    }
}

impl From<Gs1Key> for Identifier {
    fn from(k: Gs1Key) -> Self {
        Identifier::Gs1(k)
    }
}

impl Serialize for Identifier {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Identifier {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Identifier::parse(&s).map_err(serde::de::Error::custom)
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// `prefix/suffix`, split at the first `/`; no percent-decoding.
fn parse_bare_handle(s: &str) -> Result<Handle, IdentifierError> {
    match s.split_once('/') {
        Some((prefix, suffix)) => Handle::new(prefix, suffix),
        None if is_valid_prefix(s) => Err(IdentifierError::MissingSuffix),
        None => Err(IdentifierError::UnrecognisedForm),
    }
}

/// Strict percent-decoding: stray `%` and invalid UTF-8 are errors rather
/// than passed through, so a damaged scan is not silently accepted.
fn percent_decode(s: &str) -> Result<String, IdentifierError> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let ok = matches!(
                (bytes.get(i + 1), bytes.get(i + 2)),
                (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit()
            );
            if !ok {
                return Err(IdentifierError::InvalidPercentEncoding);
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| IdentifierError::InvalidPercentEncoding)
}

/// `rest` is everything after `http(s)://`.
fn parse_url(rest: &str) -> Result<Identifier, IdentifierError> {
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest
        .split_at_checked(authority_end)
        .ok_or(IdentifierError::InvalidUrl)?;
    if authority.is_empty()
        || authority
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(IdentifierError::InvalidUrl);
    }
    let path = tail.split(['?', '#']).next().unwrap_or_default();
    let Some(path) = path.strip_prefix('/') else {
        return Err(IdentifierError::UnrecognisedUrlPath);
    };

    let segments: Vec<&str> = path.split('/').collect();
    let mut offset = 0usize;
    for (i, seg) in segments.iter().enumerate() {
        if seg.starts_with("88.") {
            let prefix = percent_decode(seg)?;
            let after = path.get(offset + seg.len()..).unwrap_or_default();
            let Some(raw_suffix) = after.strip_prefix('/') else {
                if !is_valid_prefix(&prefix) {
                    return Err(IdentifierError::InvalidPrefix { prefix });
                }
                return Err(IdentifierError::MissingSuffix);
            };
            let suffix = percent_decode(raw_suffix)?;
            return Handle::new(&prefix, &suffix).map(Identifier::Handle);
        }
        let next = segments.get(i + 1).copied();
        let is_gtin_key = *seg == "01"
            && next.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        let is_giai_key = *seg == "8004" && next.is_some_and(|n| !n.is_empty());
        if is_gtin_key || is_giai_key {
            let rest = segments.get(i..).unwrap_or_default();
            return parse_digital_link(rest).map(Identifier::Gs1);
        }
        offset += seg.len() + 1;
    }
    Err(IdentifierError::UnrecognisedUrlPath)
}

/// `segments` starts at the primary-key AI.
fn parse_digital_link(segments: &[&str]) -> Result<Gs1Key, IdentifierError> {
    // Tolerate one trailing slash.
    let segments = match segments.split_last() {
        Some((&"", init)) => init,
        _ => segments,
    };
    let mut pairs = Vec::with_capacity(segments.len() / 2 + 1);
    for chunk in segments.chunks(2) {
        match chunk {
            [ai, value] => pairs.push(((*ai).to_owned(), percent_decode(value)?)),
            [ai] => {
                return Err(IdentifierError::Gs1MissingValue {
                    ai: (*ai).to_owned(),
                })
            }
            _ => return Err(IdentifierError::UnrecognisedUrlPath),
        }
    }
    for (ai, _) in &pairs {
        if ai.is_empty() || !ai.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdentifierError::Gs1UnsupportedAi { ai: ai.clone() });
        }
    }
    gs1_from_pairs(pairs, DL_QUALIFIERS)
}

/// Reads `(NN)` / `(NNNN)` at the start of `s`, returning the AI and the rest.
fn read_ai(s: &str) -> Option<(&str, &str)> {
    let inner = s.strip_prefix('(')?;
    let close = inner.find(')')?;
    let (ai, rest) = inner.split_at_checked(close)?;
    if (2..=4).contains(&ai.len()) && ai.bytes().all(|b| b.is_ascii_digit()) {
        Some((ai, rest.get(1..)?))
    } else {
        None
    }
}

/// Human-readable element string, e.g. `(01)09506000134352(21)ABC123`.
/// A value ends where the next `(digits)` AI begins.
fn parse_element_string(s: &str) -> Result<Gs1Key, IdentifierError> {
    let mut pairs = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let Some((ai, after)) = read_ai(rest) else {
            return Err(if pairs.is_empty() {
                IdentifierError::UnrecognisedForm
            } else {
                IdentifierError::Gs1UnsupportedAi {
                    ai: rest.chars().take(8).collect(),
                }
            });
        };
        let end = after
            .match_indices('(')
            .map(|(i, _)| i)
            .find(|&i| after.get(i..).and_then(read_ai).is_some())
            .unwrap_or(after.len());
        let (value, next) = after
            .split_at_checked(end)
            .ok_or(IdentifierError::UnrecognisedForm)?;
        pairs.push((ai.to_owned(), value.to_owned()));
        rest = next;
    }
    gs1_from_pairs(pairs, ELEMENT_QUALIFIERS)
}

fn parse_oid(s: &str) -> Result<String, IdentifierError> {
    let mut arcs = s.split('.');
    let first = arcs.next().unwrap_or_default();
    let second = arcs.next().ok_or(IdentifierError::InvalidOid)?;
    let valid_arc = |a: &str| {
        !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()) && (a == "0" || !a.starts_with('0'))
    };
    if !matches!(first, "0" | "1" | "2") || !valid_arc(second) || !arcs.all(valid_arc) {
        return Err(IdentifierError::InvalidOid);
    }
    // Under roots 0 and 1 the second arc is limited to 0..=39 (X.660).
    if first != "2" && second.parse::<u8>().map_or(true, |n| n > 39) {
        return Err(IdentifierError::InvalidOid);
    }
    Ok(s.to_owned())
}

/// `rest` is after `did:`; returns the full DID with a lower-case scheme.
fn parse_did(rest: &str) -> Result<String, IdentifierError> {
    let (method, id) = rest.split_once(':').ok_or(IdentifierError::InvalidDid)?;
    if method.is_empty()
        || !method
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Err(IdentifierError::InvalidDid);
    }
    if id.is_empty() || id.ends_with(':') {
        return Err(IdentifierError::InvalidDid);
    }
    let bytes = id.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let ok = matches!(
                    (bytes.get(i + 1), bytes.get(i + 2)),
                    (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit()
                );
                if !ok {
                    return Err(IdentifierError::InvalidDid);
                }
                i += 3;
            }
            b if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':') => i += 1,
            _ => return Err(IdentifierError::InvalidDid),
        }
    }
    Ok(format!("did:{method}:{id}"))
}

fn parse_ecode(s: &str) -> Result<String, IdentifierError> {
    if (1..=MAX_ECODE_LEN).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(s.to_ascii_uppercase())
    } else {
        Err(IdentifierError::InvalidEcode)
    }
}

fn parse_printable(s: &str) -> Option<String> {
    ((1..=MAX_BID_VAA_LEN).contains(&s.len()) && s.bytes().all(|b| (0x21..=0x7e).contains(&b)))
        .then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn h(p: &str, s: &str) -> Identifier {
        Identifier::Handle(Handle::new(p, s).unwrap())
    }

    fn sgtin(gtin: &str, serial: &str) -> Identifier {
        Identifier::Gs1(Gs1Key::Sgtin {
            gtin: gtin.into(),
            serial: serial.into(),
        })
    }

    fn err(s: &str) -> IdentifierError {
        Identifier::parse(s).unwrap_err()
    }

    fn roundtrip(id: &Identifier) {
        assert_eq!(&Identifier::parse(&id.to_string()).unwrap(), id, "{id}");
    }

    #[test]
    fn bare_handle() {
        let id = Identifier::parse("88.118.8/CAL-2026-000123").unwrap();
        assert_eq!(id, h("88.118.8", "CAL-2026-000123"));
        assert_eq!(id.to_string(), "88.118.8/CAL-2026-000123");
        assert_eq!(id.code_type(), CodeType::Handle);
        let handle = id.as_handle().unwrap();
        assert_eq!(handle.prefix(), "88.118.8");
        assert_eq!(handle.suffix(), "CAL-2026-000123");
        assert!(handle.is_minted_form());
    }

    #[test]
    fn surrounding_whitespace_trimmed() {
        assert_eq!(
            Identifier::parse("  88.118.8/CAL-1\r\n").unwrap(),
            h("88.118.8", "CAL-1")
        );
    }

    #[test]
    fn hdl_scheme() {
        for s in [
            "hdl:88.118.8/CAL-1",
            "HDL:88.118.8/cal-1",
            "Hdl:88.118.8/CAL-1",
        ] {
            assert_eq!(Identifier::parse(s).unwrap(), h("88.118.8", "CAL-1"), "{s}");
        }
    }

    #[test]
    fn lowercase_minted_suffix_canonicalised() {
        let id = Identifier::parse("88.118.8/cal-2026-000123").unwrap();
        assert_eq!(id.to_string(), "88.118.8/CAL-2026-000123");
    }

    #[test]
    fn non_minted_suffix_kept_verbatim() {
        for s in ["温度计-01", "cal_2026", "a b", "x/y/z", "abc%20", "Ünit"] {
            let id = Identifier::parse(&format!("88.118.8/{s}")).unwrap();
            assert_eq!(id.as_handle().unwrap().suffix(), s);
            assert!(!id.as_handle().unwrap().is_minted_form());
            roundtrip(&id);
        }
    }

    #[test]
    fn slash_in_suffix() {
        let id = Identifier::parse("88.118.8/a/b").unwrap();
        assert_eq!(id.as_handle().unwrap().prefix(), "88.118.8");
        assert_eq!(id.as_handle().unwrap().suffix(), "a/b");
    }

    #[test]
    fn url_forms() {
        let want = h("88.118.8", "CAL-2026-000123");
        for s in [
            "https://id.example.cn/88.118.8/CAL-2026-000123",
            "http://id.example.cn/88.118.8/CAL-2026-000123",
            "HTTPS://ID.EXAMPLE.CN/88.118.8/CAL-2026-000123",
            "https://hdl.handle.net/88.118.8/CAL-2026-000123",
            "https://resolver.example:8443/r/88.118.8/CAL-2026-000123",
            "https://id.example.cn/88.118.8/cal-2026-000123?noredirect#x",
            "https://id.example.cn/88.118.8/CAL-2026-000123#frag",
        ] {
            assert_eq!(Identifier::parse(s).unwrap(), want, "{s}");
        }
    }

    #[test]
    fn url_percent_encoded_cjk_suffix() {
        let id =
            Identifier::parse("https://id.example.cn/88.118.8/%E6%B8%A9%E5%BA%A6%E8%AE%A1-01?x=1")
                .unwrap();
        assert_eq!(id, h("88.118.8", "温度计-01"));
        // Upper-case QR keeps escapes valid (hex digits are case-insensitive).
        let id2 =
            Identifier::parse("HTTPS://ID.EXAMPLE.CN/88.118.8/%E6%B8%A9%E5%BA%A6%E8%AE%A1-01")
                .unwrap();
        assert_eq!(id2, id);
    }

    #[test]
    fn url_encoded_query_char_stays_in_suffix() {
        let id = Identifier::parse("https://x.cn/88.1/a%3Fb?q").unwrap();
        assert_eq!(id, h("88.1", "a?b"));
    }

    #[test]
    fn url_errors() {
        assert_eq!(
            err("https://x.cn/88.1/%E6%B8"),
            IdentifierError::InvalidPercentEncoding
        );
        assert_eq!(
            err("https://x.cn/88.1/%zz"),
            IdentifierError::InvalidPercentEncoding
        );
        assert_eq!(
            err("https://x.cn/88.1/a%"),
            IdentifierError::InvalidPercentEncoding
        );
        assert_eq!(err("https:///88.1/a"), IdentifierError::InvalidUrl);
        assert_eq!(err("https://"), IdentifierError::InvalidUrl);
        assert_eq!(err("https://x.cn"), IdentifierError::UnrecognisedUrlPath);
        assert_eq!(
            err("https://x.cn/foo/bar"),
            IdentifierError::UnrecognisedUrlPath
        );
        assert_eq!(err("https://x.cn/88.1"), IdentifierError::MissingSuffix);
        assert_eq!(err("https://x.cn/88.1/"), IdentifierError::MissingSuffix);
        assert_eq!(err("https://x.cn/88.1?a/b"), IdentifierError::MissingSuffix);
        assert_eq!(
            err("https://x.cn/88.x/a"),
            IdentifierError::InvalidPrefix {
                prefix: "88.x".into()
            }
        );
        assert_eq!(
            err("https://x.cn/88.1/a%0Ab"),
            IdentifierError::InvalidSuffixCharacter { ch: '\n' }
        );
    }

    #[test]
    fn handle_errors() {
        assert_eq!(
            err("86.1000/abc"),
            IdentifierError::InvalidPrefix {
                prefix: "86.1000".into()
            }
        );
        assert_eq!(
            err("88/abc"),
            IdentifierError::InvalidPrefix {
                prefix: "88".into()
            }
        );
        assert_eq!(
            err("88..1/abc"),
            IdentifierError::InvalidPrefix {
                prefix: "88..1".into()
            }
        );
        assert_eq!(err("88.118.8"), IdentifierError::MissingSuffix);
        assert_eq!(err("88.118.8/"), IdentifierError::MissingSuffix);
        assert_eq!(err("12345"), IdentifierError::UnrecognisedForm);
        assert_eq!(
            err("88.1/a\u{7}b"),
            IdentifierError::InvalidSuffixCharacter { ch: '\u{7}' }
        );
        assert_eq!(
            err("88.1/a\nb"),
            IdentifierError::InvalidSuffixCharacter { ch: '\n' }
        );
        assert_eq!(
            err("88.1/a\u{85}b"),
            IdentifierError::InvalidSuffixCharacter { ch: '\u{85}' }
        );
        assert_eq!(err("88.1/ a"), IdentifierError::SuffixSurroundingWhitespace);
        assert_eq!(
            Handle::new("88.1", "a "),
            Err(IdentifierError::SuffixSurroundingWhitespace)
        );
        assert_eq!(
            Handle::new("88.1", "a\u{3000}"),
            Err(IdentifierError::SuffixSurroundingWhitespace)
        );
        let long = "温".repeat(86); // 258 bytes
        assert_eq!(
            err(&format!("88.1/{long}")),
            IdentifierError::SuffixTooLong { max: 255, len: 258 }
        );
        let long_prefix = format!("88.{}", "1".repeat(62)); // 65 bytes
        assert!(matches!(
            err(&format!("{long_prefix}/A")),
            IdentifierError::InvalidPrefix { .. }
        ));
        assert!(Handle::new(&format!("88.{}", "1".repeat(61)), "A").is_ok());
        assert_eq!(Handle::new("88.1", ""), Err(IdentifierError::MissingSuffix));
    }

    #[test]
    fn prefix_and_minted_predicates() {
        assert!(is_valid_prefix("88.118.8"));
        assert!(is_valid_prefix("88.0"));
        assert!(!is_valid_prefix("88"));
        assert!(!is_valid_prefix("88."));
        assert!(!is_valid_prefix("89.1"));
        assert!(!is_valid_prefix("88.1a"));
        assert!(!is_valid_prefix(""));
        assert!(!is_valid_prefix("88.１")); // full-width digit
        assert!(is_minted_suffix("CAL-2026-000123"));
        assert!(is_minted_suffix("cal.1"));
        assert!(is_minted_suffix(&"A".repeat(64)));
        assert!(!is_minted_suffix(&"A".repeat(65)));
        assert!(!is_minted_suffix(""));
        assert!(!is_minted_suffix("CAL_1"));
        assert!(!is_minted_suffix("温度计"));
        // Long non-minted-length ASCII suffix is kept as typed.
        let long = "a".repeat(65);
        assert_eq!(Handle::new("88.1", &long).unwrap().suffix(), long);
    }

    #[test]
    fn empty_and_too_long() {
        assert_eq!(err(""), IdentifierError::Empty);
        assert_eq!(err(" \r\n\t"), IdentifierError::Empty);
        let long = format!("88.1/{}", "a".repeat(2044));
        assert_eq!(
            err(&long),
            IdentifierError::TooLong {
                max: 2048,
                len: 2049
            }
        );
    }

    #[test]
    fn unrecognised() {
        for s in ["foo", "urn:isbn:123", "ftp://x/88.1/a", "/88.1/a", "温度计"] {
            assert_eq!(err(s), IdentifierError::UnrecognisedForm, "{s}");
        }
        assert!(IdentifierError::UnrecognisedForm
            .to_string()
            .contains("hdl:"));
    }

    #[test]
    fn check_digit() {
        assert_eq!(gs1_check_digit("0950600013435"), Some(2));
        assert_eq!(gs1_check_digit("629104150021"), Some(3));
        assert_eq!(gs1_check_digit("9638507"), Some(4));
        assert_eq!(gs1_check_digit(""), None);
        assert_eq!(gs1_check_digit("12a"), None);
        assert_eq!(gs1_check_digit("１２"), None);
    }

    #[test]
    fn digital_link_sgtin() {
        let want = sgtin("09506000134352", "ABC123");
        for s in [
            "https://id.gs1.org/01/09506000134352/21/ABC123",
            "http://example.com/01/09506000134352/21/ABC123",
            "https://brand.example.com/some/prefix/01/09506000134352/21/ABC123?17=270101",
            "https://example.com/01/09506000134352/10/LOT1/21/ABC123",
            "https://example.com/01/09506000134352/22/V1/10/LOT1/21/ABC123/",
            "HTTPS://ID.GS1.ORG/01/09506000134352/21/ABC123",
        ] {
            assert_eq!(Identifier::parse(s).unwrap(), want, "{s}");
        }
        assert_eq!(want.code_type(), CodeType::Gs1);
        assert_eq!(
            want.to_string(),
            "https://id.gs1.org/01/09506000134352/21/ABC123"
        );
    }

    #[test]
    fn digital_link_serial_case_preserved_and_encoded() {
        let id = Identifier::parse("https://id.gs1.org/01/09506000134352/21/aB%2F1%25x").unwrap();
        assert_eq!(id, sgtin("09506000134352", "aB/1%x"));
        assert_eq!(
            id.to_string(),
            "https://id.gs1.org/01/09506000134352/21/aB%2F1%25x"
        );
        roundtrip(&id);
        // Every CSET82 character survives the canonical form.
        let id = sgtin("09506000134352", "!\"%&'()*+,-./:;<=>?_");
        roundtrip(&id);
    }

    #[test]
    fn gtin_padding() {
        // GTIN-13 (EAN-13) 9506000134352 -> GTIN-14 09506000134352
        assert_eq!(
            Identifier::parse("https://x/01/9506000134352/21/S1").unwrap(),
            sgtin("09506000134352", "S1")
        );
        // GTIN-12 (UPC-A) 614141000036
        assert_eq!(
            Identifier::parse("https://x/01/614141000036/21/S1").unwrap(),
            sgtin("00614141000036", "S1")
        );
        // GTIN-8 96385074
        assert_eq!(
            Identifier::parse("https://x/01/96385074/21/S1").unwrap(),
            sgtin("00000096385074", "S1")
        );
    }

    #[test]
    fn gs1_errors() {
        assert_eq!(
            err("https://x/01/09506000134353/21/S1"),
            IdentifierError::Gs1CheckDigit {
                expected: 2,
                found: 3
            }
        );
        assert_eq!(
            err("https://x/01/0950600013435/21/S1"),
            IdentifierError::Gs1CheckDigit {
                expected: 9,
                found: 5
            }
        );
        assert_eq!(
            err("https://x/01/123456789/21/S1"),
            IdentifierError::Gs1GtinLength { len: 9 }
        );
        assert_eq!(
            err("https://x/01/09506000134352"),
            IdentifierError::Gs1MissingSerial
        );
        assert_eq!(
            err("https://x/01/09506000134352/10/LOT"),
            IdentifierError::Gs1MissingSerial
        );
        assert_eq!(
            err("https://x/01/09506000134352/21"),
            IdentifierError::Gs1MissingValue { ai: "21".into() }
        );
        assert_eq!(
            err("https://x/01/09506000134352/21/"),
            IdentifierError::Gs1MissingValue { ai: "21".into() }
        );
        assert_eq!(
            err("https://x/01/09506000134352/99/x"),
            IdentifierError::Gs1UnsupportedAi { ai: "99".into() }
        );
        assert_eq!(
            err("https://x/01/09506000134352/21/A/21/B"),
            IdentifierError::Gs1DuplicateAi { ai: "21".into() }
        );
        assert_eq!(
            err("https://x/01/09506000134352/21/ABCDEFGHIJKLMNOPQRSTU"),
            IdentifierError::Gs1InvalidSerial
        );
        assert_eq!(
            err("https://x/01/09506000134352/21/A%20B"),
            IdentifierError::Gs1InvalidSerial
        );
        assert_eq!(
            err("https://x/01/09506000134352/21/A%40B"),
            IdentifierError::Gs1InvalidSerial
        );
        assert_eq!(
            err("https://x/01/09506000134352/21/%E6%B8%A9"),
            IdentifierError::Gs1InvalidSerial
        );
        assert_eq!(
            err("https://x/8004/0950600013ABC/21/x"),
            IdentifierError::Gs1UnsupportedAi { ai: "21".into() }
        );
        assert_eq!(
            err(&format!("https://x/8004/{}", "1".repeat(31))),
            IdentifierError::Gs1InvalidGiai
        );
        assert_eq!(err("https://x/8004/a~b"), IdentifierError::Gs1InvalidGiai);
        assert_eq!(
            err("(01)0950600013435A(21)X"),
            IdentifierError::Gs1GtinNotNumeric
        );
    }

    #[test]
    fn digital_link_giai() {
        let id = Identifier::parse("https://example.com/8004/0950600013ABC%2F1").unwrap();
        assert_eq!(
            id,
            Identifier::Gs1(Gs1Key::Giai {
                giai: "0950600013ABC/1".into()
            })
        );
        assert_eq!(id.to_string(), "https://id.gs1.org/8004/0950600013ABC%2F1");
        roundtrip(&id);
    }

    #[test]
    fn element_strings() {
        assert_eq!(
            Identifier::parse("(01)09506000134352(21)ABC123").unwrap(),
            sgtin("09506000134352", "ABC123")
        );
        assert_eq!(
            Identifier::parse("(01)09506000134352(17)270101(10)L1(21)A(B)").unwrap(),
            sgtin("09506000134352", "A(B)")
        );
        assert_eq!(
            Identifier::parse("(8004)0950600013ABC").unwrap(),
            Identifier::Gs1(Gs1Key::Giai {
                giai: "0950600013ABC".into()
            })
        );
        assert_eq!(err("(01)09506000134352"), IdentifierError::Gs1MissingSerial);
        assert_eq!(
            err("(10)LOT(21)X"),
            IdentifierError::Gs1UnsupportedAi { ai: "10".into() }
        );
        assert_eq!(err("(abc)"), IdentifierError::UnrecognisedForm);
        assert_eq!(err("("), IdentifierError::UnrecognisedForm);
    }

    #[test]
    fn oid() {
        for (input, canon) in [
            ("oid:1.2.156.10197.1", "oid:1.2.156.10197.1"),
            ("urn:oid:1.2.156.10197.1", "oid:1.2.156.10197.1"),
            (
                "URN:OID:2.25.1234567890123456789012345678901234567",
                "oid:2.25.1234567890123456789012345678901234567",
            ),
            ("OID:0.0", "oid:0.0"),
        ] {
            let id = Identifier::parse(input).unwrap();
            assert_eq!(id.to_string(), canon);
            assert_eq!(id.code_type(), CodeType::Oid);
            roundtrip(&id);
        }
        for bad in [
            "oid:", "oid:1", "oid:3.1", "oid:1.", "oid:1..2", "oid:1.02", "oid:1.40", "oid:a.b",
            "oid:01.2",
        ] {
            assert_eq!(err(bad), IdentifierError::InvalidOid, "{bad}");
        }
        assert!(Identifier::parse("oid:2.999").is_ok());
    }

    #[test]
    fn did() {
        for input in [
            "did:web:example.cn",
            "did:example:123456789abcdefghi",
            "did:key:z6Mk:a%20b_c-d.e",
            "DID:web:example.cn%3A8443",
        ] {
            let id = Identifier::parse(input).unwrap();
            assert_eq!(id.code_type(), CodeType::Did);
            assert!(id.to_string().starts_with("did:"));
            roundtrip(&id);
        }
        for bad in [
            "did:",
            "did:web",
            "did:web:",
            "did:Web:x",
            "did::x",
            "did:web:a:",
            "did:web:a b",
            "did:web:%zz",
            "did:web:%4",
        ] {
            assert_eq!(err(bad), IdentifierError::InvalidDid, "{bad}");
        }
    }

    #[test]
    fn ecode_bid_vaa() {
        let id = Identifier::parse("ecode:10012ab").unwrap();
        assert_eq!(id, Identifier::Ecode("10012AB".into()));
        assert_eq!(id.to_string(), "ecode:10012AB");
        assert_eq!(
            Identifier::parse("ECODE:ABC").unwrap().code_type(),
            CodeType::Ecode
        );
        assert_eq!(err("ecode:"), IdentifierError::InvalidEcode);
        assert_eq!(err("ecode:A-B"), IdentifierError::InvalidEcode);
        assert_eq!(
            err(&format!("ecode:{}", "1".repeat(33))),
            IdentifierError::InvalidEcode
        );

        let id = Identifier::parse("bid:Ab/1-x").unwrap();
        assert_eq!(id, Identifier::Bid("Ab/1-x".into()));
        assert_eq!(id.to_string(), "bid:Ab/1-x");
        assert_eq!(err("bid:"), IdentifierError::InvalidBid);
        assert_eq!(err("bid:a b"), IdentifierError::InvalidBid);
        assert_eq!(err("bid:温"), IdentifierError::InvalidBid);
        assert_eq!(
            err(&format!("bid:{}", "x".repeat(129))),
            IdentifierError::InvalidBid
        );

        let id = Identifier::parse("VAA:Xy.1").unwrap();
        assert_eq!(id, Identifier::Vaa("Xy.1".into()));
        assert_eq!(id.to_string(), "vaa:Xy.1");
        assert_eq!(id.code_type(), CodeType::Vaa);
        assert_eq!(err("vaa:"), IdentifierError::InvalidVaa);
        roundtrip(&id);
    }

    #[test]
    fn code_type_names() {
        for t in CodeType::ALL {
            assert_eq!(t.to_string().parse::<CodeType>().unwrap(), t);
            assert_eq!(t.to_string().to_lowercase().parse::<CodeType>().unwrap(), t);
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{t}\""));
            assert_eq!(serde_json::from_str::<CodeType>(&json).unwrap(), t);
        }
        assert_eq!(
            "isbn".parse::<CodeType>(),
            Err(IdentifierError::UnknownCodeType {
                name: "isbn".into()
            })
        );
    }

    #[test]
    fn serde_as_canonical_string() {
        let id = Identifier::parse("hdl:88.118.8/cal-1").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"88.118.8/CAL-1\"");
        assert_eq!(serde_json::from_str::<Identifier>(&json).unwrap(), id);
        assert!(serde_json::from_str::<Identifier>("\"nope\"").is_err());
        assert!(serde_json::from_str::<Identifier>("42").is_err());

        let handle = id.as_handle().unwrap().clone();
        assert_eq!(serde_json::to_string(&handle).unwrap(), json);
        assert_eq!(serde_json::from_str::<Handle>(&json).unwrap(), handle);
        assert!(serde_json::from_str::<Handle>("\"oid:1.2\"").is_err());
        assert_eq!(
            "oid:1.2".parse::<Handle>(),
            Err(IdentifierError::NotAHandle {
                found: CodeType::Oid
            })
        );
    }

    #[test]
    fn ordering_and_hash_derive() {
        use std::collections::BTreeSet;
        let set: BTreeSet<Identifier> = ["88.1/B", "88.1/a", "oid:1.2"]
            .iter()
            .map(|s| Identifier::parse(s).unwrap())
            .collect();
        assert_eq!(set.len(), 3);
    }

    #[test]
    fn error_serde() {
        let e = IdentifierError::Gs1CheckDigit {
            expected: 2,
            found: 3,
        };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, r#"{"kind":"gs1_check_digit","expected":2,"found":3}"#);
        assert_eq!(serde_json::from_str::<IdentifierError>(&json).unwrap(), e);
        let json = serde_json::to_string(&IdentifierError::Empty).unwrap();
        assert_eq!(json, r#"{"kind":"empty"}"#);
        let e = IdentifierError::NotAHandle {
            found: CodeType::Gs1,
        };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<IdentifierError>(&json).unwrap(), e);
    }

    #[test]
    fn error_messages_are_english() {
        assert_eq!(
            IdentifierError::Gs1CheckDigit {
                expected: 2,
                found: 3
            }
            .to_string(),
            "GTIN check digit is 3, expected 2"
        );
        assert!(IdentifierError::InvalidSuffixCharacter { ch: '\u{7}' }
            .to_string()
            .contains("\\u{7}"));
    }
}
