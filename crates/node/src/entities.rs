//! Entity records for the docking tables (annex 1): the rules that hold a record to its item in
//! the [`crate::docking`] schema — field-level validation (统一社会信用代码 with its check
//! character per GB 32100-2015, 居民身份证 numbers per GB 11643, mobile numbers, e-mail, dates,
//! enumerations, GB/T 4754-2017 industry levels), which fields are personal (sealed at rest,
//! masked for roles that do not need them), and a record's key. No HTTP, no SQL.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate};
use idstation_model::identifier::{is_valid_prefix, Identifier};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::accounts::{Principal, Role};
use crate::docking::{industry, schema, FieldType, Item, Required, Scope};

// Defined beside the schema's field types (the account errors carry it too).
pub use crate::docking::FieldProblem;

/// A field and why it is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The field's name as the schema gives it (static: the schema lives for the process).
    pub field: &'static str,
    pub problem: FieldProblem,
}

fn refuse(field: &'static str, problem: FieldProblem) -> Refused {
    Refused { field, problem }
}

/// What a write asks of the record's completeness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Only the fields given are checked (to find the record they name).
    Patch,
    /// A save: fields marked `always` are present.
    Save,
    /// An applicant's self-registration: `always` and `apply`.
    Apply,
    /// The operator verifies: every required field.
    Verify,
}

/// The state of a record. Only table 6 moves through review; other records are `active`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    Active,
    /// An applicant gave what self-registration asks; the operator has not verified it yet.
    Submitted,
    Verified,
    Rejected,
}

impl RecordStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordStatus::Active => "active",
            RecordStatus::Submitted => "submitted",
            RecordStatus::Verified => "verified",
            RecordStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<RecordStatus> {
        [
            RecordStatus::Active,
            RecordStatus::Submitted,
            RecordStatus::Verified,
            RecordStatus::Rejected,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// A stored record as the API answers it (personal fields already unsealed, then masked or
/// not for the caller).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EntityRecord {
    /// The item's code, e.g. `T06`.
    pub item: String,
    pub key: String,
    /// The enterprise the record belongs to (`None`: the node's own).
    pub enterprise_prefix: Option<String>,
    pub status: RecordStatus,
    /// Grows by one with every write.
    pub revision: u64,
    #[schema(value_type = Object)]
    pub fields: Map<String, Value>,
    pub created_at: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// A record as stored: the clear fields, and the personal ones sealed.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEntity {
    pub item: String,
    pub key: String,
    pub enterprise_id: Option<i64>,
    pub enterprise_prefix: Option<String>,
    pub fields: Map<String, Value>,
    pub sealed: Option<Vec<u8>>,
    pub status: RecordStatus,
    pub revision: u64,
    pub created_at: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// A write of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityWrite {
    pub item: String,
    pub key: String,
    pub enterprise_id: Option<i64>,
    /// The clear fields (personal ones are in `sealed`).
    pub fields: Map<String, Value>,
    pub sealed: Option<Vec<u8>>,
    pub personal_names: Vec<String>,
    pub status: RecordStatus,
    /// The revision the writer read (0: it must be new); `None` writes whatever is there.
    pub expect_revision: Option<u64>,
}

/// What seals a record's personal fields: binds them to their record.
pub fn seal_context(item: &str, key: &str) -> String {
    format!("entity|{item}|{key}")
}

/// An uploaded file, content-addressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Attachment {
    pub sha256: String,
    pub size: u64,
    pub mime: String,
    pub name: String,
    pub enterprise_id: Option<i64>,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// Largest attachment (a scanned licence or a contract PDF is a few MiB).
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// The types an attachment may be, told by its first bytes (not by its name or the type the
/// uploader claims): images of certificates, and PDFs.
pub const ATTACHMENT_TYPES: &[&str] = &["image/jpeg", "image/png", "application/pdf"];

/// The attachment's type by its magic bytes, or `None` when it is not one we keep.
pub fn attachment_type(bytes: &[u8]) -> Option<&'static str> {
    let kind = infer::get(bytes)?;
    ATTACHMENT_TYPES
        .iter()
        .find(|t| **t == kind.mime_type())
        .copied()
}

/// Checks `input` against `item` at `stage` and returns the fields in canonical form (codes
/// for enumerations, `C4015` for industries, numbers as numbers). `existing` are the record's
/// current fields: a write changes only what it names, and completeness is judged on the
/// result. A `null` removes an optional field.
pub fn validate(
    item: &'static Item,
    input: &Map<String, Value>,
    existing: Option<&Map<String, Value>>,
    stage: Stage,
) -> Result<Map<String, Value>, Refused> {
    let mut out = existing.cloned().unwrap_or_default();
    for (name, value) in input {
        let Some(field) = item.field(name) else {
            return Err(refuse(static_name(name), FieldProblem::Unknown));
        };
        let fname = field.name.as_str();
        if field.system {
            return Err(refuse(fname, FieldProblem::System));
        }
        if value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty()) {
            out.remove(fname);
            continue;
        }
        out.insert(fname.to_owned(), check_value(item, fname, value)?);
    }
    cross_check(item, &out)?;
    for f in &item.fields {
        let needed = matches!(
            (f.required, stage),
            (
                Some(Required::Always),
                Stage::Save | Stage::Apply | Stage::Verify
            ) | (Some(Required::Apply), Stage::Apply | Stage::Verify)
                | (Some(Required::Verify), Stage::Verify)
        );
        if needed && !f.system && !out.contains_key(&f.name) {
            return Err(refuse(f.name.as_str(), FieldProblem::Missing));
        }
    }
    Ok(out)
}

/// A name the request used that is no field: kept for the message without leaking memory per
/// request (the first 32 characters of any name are a bounded set only in theory, so unknown
/// names share one static label).
fn static_name(_name: &str) -> &'static str {
    "fields"
}

/// One value in canonical form.
pub fn check_value(item: &'static Item, name: &str, value: &Value) -> Result<Value, Refused> {
    let field = item
        .field(name)
        .ok_or(refuse(static_name(name), FieldProblem::Unknown))?;
    let fname = field.name.as_str();
    let bad = |p| Err(refuse(fname, p));
    // Text forms of numbers are accepted (forms send strings).
    let text = match value {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let needs_text = !matches!(
        field.kind,
        FieldType::Attributes | FieldType::Json | FieldType::Int | FieldType::Port
    );
    let t = match (&text, needs_text) {
        (Some(t), _) => t.as_str(),
        (None, true) => return bad(FieldProblem::WrongJsonType),
        (None, false) => "",
    };
    if let Some(max) = field.len {
        if t.chars().count() > max {
            return bad(FieldProblem::TooLong { max });
        }
    }
    if needs_text && t.chars().any(|c| c.is_control() && c != '\n') {
        return bad(FieldProblem::WrongJsonType);
    }
    let s = |v: &str| Ok(Value::String(v.to_owned()));
    match field.kind {
        FieldType::Text => s(t),
        FieldType::Uscc => {
            let t = t.to_ascii_uppercase();
            match check_uscc(&t) {
                Ok(()) => s(&t),
                Err(p) => bad(p),
            }
        }
        // The ID type decides the rule; `cross_check` applies it once both are known.
        FieldType::IdNumber => {
            let t = t.to_ascii_uppercase();
            if (5..=30).contains(&t.len())
                && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                s(&t)
            } else {
                bad(FieldProblem::IdNumber)
            }
        }
        FieldType::Mobile => match mobile(t) {
            Some(m) => s(&m),
            None => bad(FieldProblem::Mobile),
        },
        FieldType::Phone => {
            if mobile(t).is_some() || landline(t) {
                s(t)
            } else {
                bad(FieldProblem::Phone)
            }
        }
        FieldType::Email => {
            if email(t) {
                s(t)
            } else {
                bad(FieldProblem::Email)
            }
        }
        FieldType::Date => match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            Ok(d) => s(&d.to_string()),
            Err(_) => bad(FieldProblem::Date),
        },
        FieldType::Datetime => match DateTime::parse_from_rfc3339(t) {
            Ok(_) => s(t),
            Err(_) => bad(FieldProblem::Datetime),
        },
        FieldType::Month => match NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d") {
            Ok(d) if t.len() == 7 => s(&d.format("%Y-%m").to_string()),
            _ => bad(FieldProblem::Month),
        },
        FieldType::Int => match value
            .as_i64()
            .or_else(|| value.as_str().and_then(|v| v.trim().parse().ok()))
        {
            Some(n) if n >= 0 => Ok(Value::from(n)),
            _ => bad(FieldProblem::Int),
        },
        FieldType::Decimal => {
            let ok = t.parse::<f64>().is_ok_and(|f| f.is_finite() && f >= 0.0)
                && t.bytes().all(|b| b.is_ascii_digit() || b == b'.');
            if ok {
                s(t)
            } else {
                bad(FieldProblem::Decimal)
            }
        }
        FieldType::Enum => {
            let e = field
                .enumeration
                .as_deref()
                .and_then(|e| schema().enumeration(e));
            let allowed = || {
                e.map(|e| e.values.iter().map(|v| v.code.clone()).collect())
                    .unwrap_or_default()
            };
            // The code, or its Chinese label as a form shows it.
            match e.and_then(|e| e.values.iter().find(|v| v.code == t || v.zh == t)) {
                Some(v) => s(&v.code),
                None => bad(FieldProblem::NotInEnum { allowed: allowed() }),
            }
        }
        FieldType::Industry => match industry(t) {
            None => bad(FieldProblem::Industry),
            Some(i) => match field.level {
                Some(l) if l > 0 && i.level != l => bad(FieldProblem::IndustryLevel { level: l }),
                _ => s(&i.code),
            },
        },
        FieldType::Prefix => {
            if is_valid_prefix(t) {
                s(t)
            } else {
                bad(FieldProblem::Prefix)
            }
        }
        FieldType::Ip => match t.parse::<std::net::IpAddr>() {
            Ok(ip) => s(&ip.to_string()),
            Err(_) => bad(FieldProblem::Ip),
        },
        FieldType::Port => match value
            .as_u64()
            .or_else(|| value.as_str().and_then(|v| v.trim().parse().ok()))
        {
            Some(p) if (1..=65535).contains(&p) => Ok(Value::from(p)),
            _ => bad(FieldProblem::Port),
        },
        FieldType::Url => {
            let lower = t.to_ascii_lowercase();
            let rest = lower
                .strip_prefix("https://")
                .or_else(|| lower.strip_prefix("http://"));
            let ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
                && t.len() <= 500
                && !t.chars().any(char::is_whitespace);
            if ok {
                s(t)
            } else {
                bad(FieldProblem::Url)
            }
        }
        FieldType::Postcode => {
            if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
                s(t)
            } else {
                bad(FieldProblem::Postcode)
            }
        }
        FieldType::Attachment => {
            let t = t.to_ascii_lowercase();
            if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
                s(&t)
            } else {
                bad(FieldProblem::Attachment)
            }
        }
        FieldType::Identifier => match Identifier::parse(t) {
            Ok(Identifier::Handle(h)) => s(&h.to_string()),
            _ => bad(FieldProblem::Identifier),
        },
        FieldType::Attributes => check_attributes(value).map_err(|p| refuse(fname, p)),
        FieldType::Json => Ok(value.clone()),
    }
}

/// Rules between fields: an ID number by its ID type, industry levels under each other, an
/// address of its IP type.
fn cross_check(item: &'static Item, fields: &Map<String, Value>) -> Result<(), Refused> {
    let get = |n: &str| fields.get(n).and_then(Value::as_str);
    for f in &item.fields {
        match f.kind {
            FieldType::IdNumber => {
                // `legalRepIdNumber` goes with `legalRepIdType`.
                let Some(number) = get(&f.name) else { continue };
                let ty = f.name.strip_suffix("Number").map(|b| format!("{b}Type"));
                let resident = ty.as_deref().and_then(get) == Some("1");
                if resident && !resident_id(number) {
                    return Err(refuse(f.name.as_str(), FieldProblem::IdNumber));
                }
            }
            FieldType::Industry if f.level.is_some_and(|l| l > 1) => {
                let Some(code) = get(&f.name) else { continue };
                let above = item.fields.iter().find(|g| {
                    g.kind == FieldType::Industry
                        && g.level.zip(f.level).is_some_and(|(a, b)| a + 1 == b)
                });
                if let Some(parent) = above.and_then(|g| get(&g.name)) {
                    if !code.starts_with(parent) {
                        let parent = parent.to_owned();
                        return Err(refuse(
                            f.name.as_str(),
                            FieldProblem::IndustryParent { parent },
                        ));
                    }
                }
            }
            FieldType::Ip => {
                let Some(ip) = get(&f.name).and_then(|a| a.parse::<std::net::IpAddr>().ok()) else {
                    continue;
                };
                let wanted = get("ipType");
                if (wanted == Some("4") && !ip.is_ipv4()) || (wanted == Some("6") && !ip.is_ipv6())
                {
                    return Err(refuse(f.name.as_str(), FieldProblem::IpType));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The characters of a 统一社会信用代码 and their values (GB 32100-2015: digits and capital
/// letters without I, O, Z, S, V).
const USCC_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The check character a 17-character 统一社会信用代码 body needs.
pub fn uscc_check_char(body: &str) -> Option<char> {
    if body.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in body.chars().zip(USCC_WEIGHTS) {
        sum += u32::try_from(USCC_CHARS.find(c)?).ok()? * w;
    }
    let check = (31 - sum % 31) % 31;
    USCC_CHARS.chars().nth(check as usize)
}

/// A 统一社会信用代码: 18 characters of the code set, an administrative-division code in
/// places 3–8, and the right check character.
pub fn check_uscc(code: &str) -> Result<(), FieldProblem> {
    if code.len() != 18 || !code.chars().all(|c| USCC_CHARS.contains(c)) {
        return Err(FieldProblem::Uscc);
    }
    if !code[2..8].bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldProblem::Uscc);
    }
    let expected = uscc_check_char(&code[..17]).ok_or(FieldProblem::Uscc)?;
    if code.ends_with(expected) {
        Ok(())
    } else {
        Err(FieldProblem::UsccCheck { expected })
    }
}

/// A 居民身份证 number (GB 11643-1999): 17 digits, a real birth date, and the check character.
pub fn resident_id(number: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = number.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    if NaiveDate::parse_from_str(&number[6..14], "%Y%m%d").is_err() {
        return false;
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize] == b[17].to_ascii_uppercase()
}

/// A mainland mobile number, without `+86`.
fn mobile(t: &str) -> Option<String> {
    let t = t
        .strip_prefix("+86")
        .or_else(|| t.strip_prefix("86-"))
        .unwrap_or(t)
        .trim()
        .replace([' ', '-'], "");
    let b = t.as_bytes();
    (b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit))
    .then_some(t)
}

/// A landline: area code 0xx(x), 7–8 digits, an optional extension.
fn landline(t: &str) -> bool {
    let mut parts = t.split('-');
    let (Some(area), Some(number)) = (parts.next(), parts.next()) else {
        let digits = t.len();
        return (10..=12).contains(&digits)
            && t.starts_with('0')
            && t.bytes().all(|b| b.is_ascii_digit());
    };
    let ext_ok = parts
        .next()
        .is_none_or(|e| (1..=6).contains(&e.len()) && e.bytes().all(|b| b.is_ascii_digit()));
    parts.next().is_none()
        && ext_ok
        && (3..=4).contains(&area.len())
        && area.starts_with('0')
        && area.bytes().all(|b| b.is_ascii_digit())
        && (7..=8).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
}

fn email(t: &str) -> bool {
    let Some((local, domain)) = t.split_once('@') else {
        return false;
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    (1..=64).contains(&local.len())
        && t.len() <= 254
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && domain.contains('.')
        && domain.split('.').all(label_ok)
}

/// A metadata template's attributes: 1–500 of `{enName, zhAlias, dataType, length}`.
fn check_attributes(value: &Value) -> Result<Value, FieldProblem> {
    let bad = |m: String| FieldProblem::Attributes(m);
    let list = value
        .as_array()
        .ok_or_else(|| bad("expected a list".into()))?;
    if list.is_empty() || list.len() > 500 {
        return Err(bad("1 to 500 attributes".into()));
    }
    let types = schema()
        .enumeration("data_type")
        .map(|e| e.values.clone())
        .unwrap_or_default();
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(list.len());
    for (i, a) in list.iter().enumerate() {
        let n = i + 1;
        let get = |k: &str| a.get(k).and_then(Value::as_str).map(str::trim);
        let en = get("enName").ok_or_else(|| bad(format!("#{n}: enName")))?;
        let en_ok = (1..=64).contains(&en.len())
            && en.starts_with(|c: char| c.is_ascii_alphabetic())
            && en.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !en_ok || !seen.insert(en.to_owned()) {
            return Err(bad(format!("#{n}: enName {en}")));
        }
        let zh = get("zhAlias").ok_or_else(|| bad(format!("#{n}: zhAlias")))?;
        if zh.is_empty() || zh.chars().count() > 50 {
            return Err(bad(format!("#{n}: zhAlias")));
        }
        let dt = get("dataType").ok_or_else(|| bad(format!("#{n}: dataType")))?;
        let dt = types
            .iter()
            .find(|v| v.code == dt || v.zh == dt)
            .ok_or_else(|| bad(format!("#{n}: dataType {dt}")))?;
        let length = match a.get("length") {
            None | Some(Value::Null) => None,
            Some(l) => Some(
                l.as_u64()
                    .or_else(|| l.as_str().and_then(|s| s.parse().ok()))
                    .filter(|l| (1..=65_535).contains(l))
                    .ok_or_else(|| bad(format!("#{n}: length")))?,
            ),
        };
        let mut attr = serde_json::json!({"enName": en, "zhAlias": zh, "dataType": dt.code});
        if let Some(l) = length {
            attr["length"] = Value::from(l);
        }
        if let Some(r) = a.get("required").and_then(Value::as_bool) {
            attr["required"] = Value::from(r);
        }
        out.push(attr);
    }
    Ok(Value::Array(out))
}

/// A record's key: its key fields' values joined by `|`, or the missing key field.
pub fn record_key(item: &'static Item, fields: &Map<String, Value>) -> Result<String, Refused> {
    let mut parts = Vec::with_capacity(item.key.len());
    for k in &item.key {
        let v = fields.get(k).ok_or_else(|| {
            let f = item.field(k).map_or("fields", |f| f.name.as_str());
            refuse(f, FieldProblem::Missing)
        })?;
        parts.push(match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    }
    Ok(parts.join("|"))
}

/// The enterprise prefix an enterprise-scoped record belongs to (`enterprisePrefix`, else
/// `prefix`).
pub fn owner_prefix(item: &Item, fields: &Map<String, Value>) -> Option<String> {
    if item.scope != Scope::Enterprise {
        return None;
    }
    ["enterprisePrefix", "prefix"]
        .iter()
        .find_map(|k| fields.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
}

/// The record's fields split in two: what is stored in the clear, and the personal fields that
/// are sealed.
pub fn split_personal(
    item: &Item,
    fields: Map<String, Value>,
) -> (Map<String, Value>, Map<String, Value>) {
    fields
        .into_iter()
        .partition(|(name, _)| !item.field(name).is_some_and(|f| f.personal))
}

/// Whether `principal` sees the personal fields of a record of `enterprise_prefix` unmasked:
/// the operator, and the administrator of that enterprise. Technicians and reviewers never need
/// a legal representative's ID number.
pub fn sees_personal(principal: &Principal, enterprise_prefix: Option<&str>) -> bool {
    principal.is_operator()
        || (principal.role == Role::EnterpriseAdmin
            && enterprise_prefix.is_some()
            && principal.enterprise_prefix.as_deref() == enterprise_prefix)
}

/// The fields with every personal value masked: `138****5678`, `1101**********1234`; a personal
/// attachment is withheld.
pub fn mask(item: &Item, fields: &mut Map<String, Value>) {
    for f in item.fields.iter().filter(|f| f.personal) {
        let Some(v) = fields.get_mut(&f.name) else {
            continue;
        };
        let text = v.as_str().unwrap_or_default().to_owned();
        let chars: Vec<char> = text.chars().collect();
        let keep = |head: usize, tail: usize| -> String {
            if chars.len() <= head + tail {
                return "*".repeat(chars.len());
            }
            let mut s: String = chars[..head].iter().collect();
            s.push_str(&"*".repeat(chars.len() - head - tail));
            s.extend(&chars[chars.len() - tail..]);
            s
        };
        *v = match f.kind {
            FieldType::Attachment => Value::String("masked".to_owned()),
            FieldType::Mobile | FieldType::Phone => Value::String(keep(3, 4)),
            FieldType::IdNumber => Value::String(keep(4, 4)),
            _ => Value::String(keep(1, 0)),
        };
    }
}

/// Enumerations and labels of the schema as the app shows them, with the industry table.
pub fn schema_document() -> Value {
    let industries: BTreeMap<&str, Value> = crate::docking::industries()
        .values()
        .map(|i| {
            (
                i.code.as_str(),
                serde_json::json!({"level": i.level, "name": i.name}),
            )
        })
        .collect();
    serde_json::json!({
        "enums": schema().enums,
        "items": schema().items,
        "industries": industries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(code: &str) -> &'static Item {
        schema().item(code).expect("item")
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().expect("object").clone()
    }

    /// A 统一社会信用代码 with the right check character, made from a body.
    fn uscc(body: &str) -> String {
        format!("{body}{}", uscc_check_char(body).expect("body"))
    }

    #[test]
    fn the_uscc_check_character_follows_gb_32100() {
        // Published examples of real codes.
        assert_eq!(check_uscc("91350100M000100Y43"), Ok(()));
        let good = uscc("91310115MA1K3YJ2X");
        assert_eq!(check_uscc(&good), Ok(()));
        let mut wrong = good.clone();
        let last = wrong.pop().expect("char");
        wrong.push(if last == '0' { '1' } else { '0' });
        assert!(matches!(
            check_uscc(&wrong),
            Err(FieldProblem::UsccCheck { .. })
        ));
        assert_eq!(
            check_uscc("91350100M000100I43"),
            Err(FieldProblem::Uscc),
            "I is no code character"
        );
        assert_eq!(check_uscc("9135010"), Err(FieldProblem::Uscc));
        assert_eq!(
            check_uscc("91ABCDEFM000100Y43"),
            Err(FieldProblem::Uscc),
            "places 3-8 are a division code"
        );
    }

    #[test]
    fn resident_ids_have_a_birth_date_and_a_check_character() {
        assert!(resident_id("11010519491231002X"));
        assert!(resident_id("440524188001010014"));
        assert!(!resident_id("110105194912310021"), "wrong check character");
        assert!(!resident_id("11010519491331002X"), "no 13th month");
        assert!(!resident_id("1101051949123100"));
    }

    #[test]
    fn fields_are_checked_and_put_in_canonical_form() {
        let t6 = item("T06");
        let apply = obj(json!({
            "enterpriseName": "华东计量测试有限公司",
            "creditCode": uscc("91310115MA1K3YJ2X").to_lowercase(),
            "orgNature": "民营企业",
            "industryCategory": "M",
            "industryDivision": "74",
            "regProvince": "上海市", "regCity": "上海市", "regAddress": "浦东新区张江路 1 号",
            "legalRepName": "张三",
            "contactName": "李四", "contactMobile": "+86 138 0013 8000",
            "contactEmail": "li.si@example.cn",
            "enterprisePrefix": "88.118.8",
            "codeType": "Handle",
        }));
        let out = validate(t6, &apply, None, Stage::Apply).expect("valid application");
        assert_eq!(out["orgNature"], "3");
        assert_eq!(out["industryDivision"], "M74");
        assert_eq!(out["contactMobile"], "13800138000");
        assert!(out["creditCode"]
            .as_str()
            .is_some_and(|c| c.ends_with(|c: char| !c.is_lowercase())));
        assert_eq!(record_key(t6, &out).expect("key"), "88.118.8");
        // Not yet complete for verification.
        assert_eq!(
            validate(t6, &Map::new(), Some(&out), Stage::Verify).map(|_| ()),
            Err(refuse("registeredCapital", FieldProblem::Missing))
        );

        type Case = (&'static str, Value, FieldProblem);
        let cases: Vec<Case> = vec![
            (
                "creditCode",
                json!("91350100M000100Y44"),
                FieldProblem::UsccCheck { expected: '3' },
            ),
            ("contactMobile", json!("12345678901"), FieldProblem::Mobile),
            (
                "contactEmail",
                json!("li.si@localhost"),
                FieldProblem::Email,
            ),
            ("establishedDate", json!("2026-02-30"), FieldProblem::Date),
            (
                "orgNature",
                json!("个体户"),
                FieldProblem::NotInEnum { allowed: vec![] },
            ),
            (
                "industryDivision",
                json!("M"),
                FieldProblem::IndustryLevel { level: 2 },
            ),
            (
                "industryDivision",
                json!("C40"),
                FieldProblem::IndustryParent { parent: "M".into() },
            ),
            (
                "enterpriseName",
                json!("x".repeat(101)),
                FieldProblem::TooLong { max: 100 },
            ),
            ("verifyResult", json!("1"), FieldProblem::System),
            ("nonsense", json!("1"), FieldProblem::Unknown),
            ("legalRepIdType", json!("1"), FieldProblem::IdNumber),
            ("website", json!("ftp://x"), FieldProblem::Url),
            ("postcode", json!("20000"), FieldProblem::Postcode),
        ];
        for (field, value, problem) in cases {
            let mut input = apply.clone();
            input.insert(field.into(), value);
            if field == "legalRepIdType" {
                input.insert("legalRepIdNumber".into(), json!("110105194912310021"));
            }
            let got = validate(t6, &input, None, Stage::Apply).expect_err(field);
            match (&got.problem, &problem) {
                (FieldProblem::NotInEnum { .. }, FieldProblem::NotInEnum { .. }) => {}
                _ => assert_eq!(got.problem, problem, "{field}"),
            }
            let named = if field == "legalRepIdType" {
                "legalRepIdNumber"
            } else {
                field
            };
            if field != "nonsense" {
                assert_eq!(got.field, named);
            }
        }
    }

    #[test]
    fn routing_checks_the_address_against_its_ip_type() {
        let t7 = item("T07");
        let row = obj(
            json!({"codeType": "Handle", "prefix": "88.118.8", "ipType": "6",
                             "address": "192.0.2.10", "protocol": "TCP", "port": 2641}),
        );
        assert_eq!(
            validate(t7, &row, None, Stage::Save)
                .expect_err("v4 as v6")
                .problem,
            FieldProblem::IpType
        );
        let mut ok = row.clone();
        ok.insert("address".into(), json!("2001:db8::10"));
        let out = validate(t7, &ok, None, Stage::Save).expect("valid");
        assert_eq!(
            record_key(t7, &out).expect("key"),
            "88.118.8|2001:db8::10|TCP|2641"
        );
        let mut port = ok.clone();
        port.insert("port".into(), json!(70000));
        assert_eq!(
            validate(t7, &port, None, Stage::Save)
                .expect_err("port")
                .problem,
            FieldProblem::Port
        );
    }

    #[test]
    fn templates_list_their_attributes() {
        let t11 = item("T11");
        let row = obj(
            json!({"enterprisePrefix": "88.118.8", "templateCode": "CAL-INSTR",
            "industryClass": "M7452", "version": "1.0", "objectType": "计量器具",
            "attributes": [{"enName": "serialNo", "zhAlias": "出厂编号", "dataType": "字符串", "length": 64},
                           {"enName": "calDate", "zhAlias": "校准日期", "dataType": "date"}]}),
        );
        let out = validate(t11, &row, None, Stage::Save).expect("valid");
        assert_eq!(out["attributes"][0]["dataType"], "string");
        let mut dup = row.clone();
        dup.insert("attributes".into(), json!([{"enName": "a", "zhAlias": "甲", "dataType": "int"},
                                                {"enName": "a", "zhAlias": "乙", "dataType": "int"}]));
        assert!(matches!(
            validate(t11, &dup, None, Stage::Save)
                .expect_err("dup")
                .problem,
            FieldProblem::Attributes(_)
        ));
    }

    #[test]
    fn personal_fields_are_split_off_and_masked() {
        let t6 = item("T06");
        let fields = obj(
            json!({"enterpriseName": "甲", "contactMobile": "13800138000",
                                "legalRepIdNumber": "11010519491231002X", "contactIdPhoto": "ab"}),
        );
        let (plain, personal) = split_personal(t6, fields.clone());
        assert!(plain.contains_key("enterpriseName") && !plain.contains_key("contactMobile"));
        assert_eq!(personal.len(), 3);
        let mut masked = fields;
        mask(t6, &mut masked);
        assert_eq!(masked["contactMobile"], "138****8000");
        assert_eq!(masked["legalRepIdNumber"], "1101**********002X");
        assert_eq!(masked["contactIdPhoto"], "masked");
        assert_eq!(masked["enterpriseName"], "甲");
    }
}
