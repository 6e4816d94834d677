//! The docking schema: what the node keeps and reports to the top-level node, read from data
//! (`docking/schema.toml`: one definition per annex-1 table and annex-2 item; and the
//! GB/T 4754-2017 industry code table), so that correcting a field is a data change. The rules
//! that apply the schema to a record are in [`crate::entities`]; the report records in
//! [`crate::uplink`].

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

const SCHEMA_TOML: &str = include_str!("../docking/schema.toml");
const INDUSTRY_CSV: &str = include_str!("../docking/gbt4754-2017.csv");

/// How often an item is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// Within seconds of the change.
    Realtime,
    Hourly,
    Daily,
    Monthly,
}

impl Cadence {
    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Realtime => "realtime",
            Cadence::Hourly => "hourly",
            Cadence::Daily => "daily",
            Cadence::Monthly => "monthly",
        }
    }
}

/// Who keeps an item's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The node's own: the operator writes them.
    Node,
    /// One enterprise's: its administrator may write them, the operator any.
    Enterprise,
}

/// Where an item's data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// People enter it through the API.
    Entered,
    /// The monitor's figures and events.
    Monitor,
    /// The registered handles.
    Handles,
}

/// What a field holds; see the table in `schema.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Uscc,
    IdNumber,
    Mobile,
    Phone,
    Email,
    Date,
    Datetime,
    Month,
    Int,
    Decimal,
    Enum,
    Industry,
    Prefix,
    Ip,
    Port,
    Url,
    Postcode,
    Attachment,
    Identifier,
    Attributes,
    Json,
}

/// When a field must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Required {
    /// Every write gives it.
    Always,
    /// An applicant's self-registration gives it.
    Apply,
    /// Present before the operator verifies the record.
    Verify,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub code: String,
    pub name: String,
    pub zh: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub len: Option<usize>,
    #[serde(default, rename = "enum", skip_serializing_if = "Option::is_none")]
    pub enumeration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<Required>,
    #[serde(default)]
    pub personal: bool,
    #[serde(default)]
    pub system: bool,
    #[serde(default)]
    pub assumed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// The annex-1 table number, 1–11; 0 for an annex-2 item.
    pub no: u8,
    pub code: String,
    pub zh: String,
    pub en: String,
    pub cadence: Cadence,
    pub scope: Scope,
    pub source: Source,
    pub key: Vec<String>,
    pub fields: Vec<Field>,
}

impl Item {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whether people enter this item's records through the API.
    pub fn is_entered(&self) -> bool {
        self.source == Source::Entered
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    pub code: String,
    pub zh: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enumeration {
    pub zh: String,
    #[serde(default)]
    pub assumed: bool,
    pub values: Vec<EnumValue>,
}

impl Enumeration {
    pub fn label(&self, code: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|v| v.code == code)
            .map(|v| v.zh.as_str())
    }
}

/// One GB/T 4754-2017 class: `C`, `C40`, `C401`, `C4015`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Industry {
    pub code: String,
    /// 1 门类, 2 大类, 3 中类, 4 小类.
    pub level: u8,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    pub enums: BTreeMap<String, Enumeration>,
    pub items: Vec<Item>,
}

impl Schema {
    /// An item by its code (`T01` … `T11`, `A2-1` …) or its annex-1 number (`1` … `11`).
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| {
            i.code.eq_ignore_ascii_case(code) || (i.no > 0 && code.parse::<u8>() == Ok(i.no))
        })
    }

    pub fn enumeration(&self, name: &str) -> Option<&Enumeration> {
        self.enums.get(name)
    }
}

/// The schema, parsed once. The file is compiled in and checked by a test, so a parse failure
/// is a build that never passed its tests.
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| match toml::from_str(SCHEMA_TOML) {
        Ok(s) => s,
        Err(e) => panic!("docking/schema.toml does not parse: {e}"),
    })
}

/// The GB/T 4754-2017 table, by code.
pub fn industries() -> &'static BTreeMap<String, Industry> {
    static TABLE: OnceLock<BTreeMap<String, Industry>> = OnceLock::new();
    TABLE.get_or_init(|| {
        INDUSTRY_CSV
            .lines()
            .skip(1)
            .filter_map(|line| {
                let mut parts = line.splitn(3, ',');
                let code = parts.next()?.to_owned();
                let level = parts.next()?.parse().ok()?;
                let name = parts.next()?.to_owned();
                Some((code.clone(), Industry { code, level, name }))
            })
            .collect()
    })
}

/// An industry code in its canonical form (`C4015`), accepting the bare digits (`4015`), which
/// belong to exactly one 门类.
pub fn industry(code: &str) -> Option<&'static Industry> {
    let code = code.trim().to_ascii_uppercase();
    let table = industries();
    if let Some(i) = table.get(&code) {
        return Some(i);
    }
    if code.chars().all(|c| c.is_ascii_digit()) && (2..=4).contains(&code.len()) {
        return table
            .values()
            .find(|i| i.code.len() == code.len() + 1 && i.code[1..] == code);
    }
    None
}

/// The Chinese label of an entity field, for messages (the first item that has the field).
pub fn label_zh(name: &str) -> Option<&'static str> {
    schema()
        .items
        .iter()
        .find_map(|i| i.field(name))
        .map(|f| f.zh.as_str())
}

/// Why a field's value is refused. Its words are in [`crate::words`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldProblem {
    Missing,
    /// The item has no such field.
    Unknown,
    /// Set by the node, never by a request.
    System,
    WrongJsonType,
    TooLong {
        max: usize,
    },
    NotInEnum {
        allowed: Vec<String>,
    },
    Uscc,
    UsccCheck {
        expected: char,
    },
    IdNumber,
    Mobile,
    Phone,
    Email,
    Date,
    Datetime,
    Month,
    Int,
    Decimal,
    Industry,
    IndustryLevel {
        level: u8,
    },
    /// The class is not under the one given at the level above it.
    IndustryParent {
        parent: String,
    },
    Prefix,
    Ip,
    /// The address is not of the IP type given.
    IpType,
    Port,
    Url,
    Postcode,
    Attachment,
    Identifier,
    Attributes(String),
    /// The attachment named is not stored.
    AttachmentUnknown,
    /// An uploaded file is not of a kept type (by its magic bytes).
    FileType,
    FileTooLarge {
        max: usize,
    },
    /// A record verified as passing must be complete.
    NotComplete,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn the_schema_holds_eleven_tables_and_the_annex_2_items() {
        let s = schema();
        let tables: Vec<u8> = s.items.iter().map(|i| i.no).filter(|n| *n > 0).collect();
        assert_eq!(tables, (1..=11).collect::<Vec<u8>>());
        assert_eq!(s.items.iter().filter(|i| i.no == 0).count(), 3);
        // Table 1 has the annex's 45 fields, table 6 its 43 plus the verification result.
        assert_eq!(s.item("T01").expect("T01").fields.len(), 45);
        let t6 = s.item("6").expect("T06");
        assert_eq!(
            t6.fields.iter().filter(|f| !f.code.contains('V')).count(),
            43
        );
        let mut codes = BTreeSet::new();
        for item in &s.items {
            let mut names = BTreeSet::new();
            for f in &item.fields {
                assert!(codes.insert(f.code.clone()), "code {} twice", f.code);
                assert!(
                    names.insert(f.name.clone()),
                    "{} twice in {}",
                    f.name,
                    item.code
                );
                assert!(
                    f.code.starts_with(&item.code),
                    "{} in {}",
                    f.code,
                    item.code
                );
                if f.kind == FieldType::Enum {
                    let e = f.enumeration.as_deref().expect("an enum names its values");
                    assert!(s.enumeration(e).is_some(), "no enum {e}");
                }
                if f.kind == FieldType::Industry {
                    assert!(f.level.is_some_and(|l| l <= 4), "{}", f.code);
                }
            }
            for k in &item.key {
                assert!(
                    item.field(k).is_some(),
                    "{}: key {k} is no field",
                    item.code
                );
            }
        }
    }

    #[test]
    fn the_industry_table_has_every_level() {
        let t = industries();
        let count = |l: u8| t.values().filter(|i| i.level == l).count();
        assert_eq!(count(1), 20);
        assert_eq!(count(2), 97);
        assert!(
            count(3) > 460 && count(4) > 1370,
            "{} {}",
            count(3),
            count(4)
        );
        assert_eq!(industry("C4015").map(|i| i.level), Some(4));
        assert_eq!(industry("4015").map(|i| i.code.as_str()), Some("C4015"));
        assert_eq!(
            industry("i65").map(|i| i.name.as_str()),
            Some("软件和信息技术服务业")
        );
        assert!(industry("Z99").is_none());
        for i in t.values().filter(|i| i.level > 1) {
            let parent = &i.code[..i.code.len() - if i.level == 2 { 2 } else { 1 }];
            assert!(t.contains_key(parent), "{} has no parent {parent}", i.code);
        }
    }
}
