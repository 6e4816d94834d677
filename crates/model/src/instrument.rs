//! Instrument records and their validation.
//!
//! Raw input (what a form or a command line gives, all text) becomes an [`Instrument`] only through
//! [`InstrumentInput::validate`], which reports every problem at once, field by field, so a person
//! can fix them all in one pass.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::identifier::{Identifier, IdentifierError};
use crate::template::{DataType, MetadataTemplate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstrumentStatus {
    /// 在用
    InUse,
    /// 准用: only some ranges or functions may be used.
    Restricted,
    /// 停用
    Stopped,
    /// 报废
    Scrapped,
}

impl InstrumentStatus {
    pub const ALL: [InstrumentStatus; 4] = [
        InstrumentStatus::InUse,
        InstrumentStatus::Restricted,
        InstrumentStatus::Stopped,
        InstrumentStatus::Scrapped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InstrumentStatus::InUse => "in_use",
            InstrumentStatus::Restricted => "restricted",
            InstrumentStatus::Stopped => "stopped",
            InstrumentStatus::Scrapped => "scrapped",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            InstrumentStatus::InUse => "在用",
            InstrumentStatus::Restricted => "准用",
            InstrumentStatus::Stopped => "停用",
            InstrumentStatus::Scrapped => "报废",
        }
    }

    /// Accepts the code, the Chinese label and a few English spellings.
    pub fn parse(s: &str) -> Option<InstrumentStatus> {
        let t = s.trim();
        InstrumentStatus::ALL.into_iter().find(|st| {
            t.eq_ignore_ascii_case(st.as_str())
                || t == st.label_zh()
                || t.eq_ignore_ascii_case(&st.as_str().replace('_', " "))
                || t.eq_ignore_ascii_case(&st.as_str().replace('_', "-"))
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalibrationResult {
    /// 合格
    Pass,
    /// 准用
    Restricted,
    /// 停用
    Fail,
}

impl CalibrationResult {
    pub const ALL: [CalibrationResult; 3] = [
        CalibrationResult::Pass,
        CalibrationResult::Restricted,
        CalibrationResult::Fail,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CalibrationResult::Pass => "pass",
            CalibrationResult::Restricted => "restricted",
            CalibrationResult::Fail => "fail",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CalibrationResult::Pass => "合格",
            CalibrationResult::Restricted => "准用",
            CalibrationResult::Fail => "停用",
        }
    }

    pub fn parse(s: &str) -> Option<CalibrationResult> {
        let t = s.trim();
        CalibrationResult::ALL
            .into_iter()
            .find(|r| t.eq_ignore_ascii_case(r.as_str()) || t == r.label_zh())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calibration {
    pub last_date: Option<NaiveDate>,
    /// Set only when the owner chose an interval (ISO/IEC 17025 forbids the lab imposing one).
    pub interval_months: Option<u32>,
    pub next_due: Option<NaiveDate>,
    pub certificate_no: Option<String>,
    pub result: Option<CalibrationResult>,
    pub calibrated_by: Option<String>,
    pub approved_by: Option<String>,
}

/// A custom attribute's value, typed by the metadata template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttributeValue {
    Bool(bool),
    Integer(i64),
    Text(String),
}

impl fmt::Display for AttributeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttributeValue::Bool(b) => write!(f, "{b}"),
            AttributeValue::Integer(i) => write!(f, "{i}"),
            AttributeValue::Text(s) => f.write_str(s),
        }
    }
}

// Decimals and dates are kept as their validated text so no precision is lost in floats.
impl Eq for AttributeValue {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instrument {
    pub identifier: Identifier,
    pub asset_no: Option<String>,
    pub name: String,
    pub category: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_no: Option<String>,
    pub measuring_range: Option<String>,
    /// Accuracy class or maximum permissible error (MPE).
    pub accuracy: Option<String>,
    pub resolution: Option<String>,
    /// The customer who owns the instrument.
    pub owner: Option<String>,
    pub location: Option<String>,
    pub status: InstrumentStatus,
    pub calibration: Calibration,
    #[serde(default)]
    pub attributes: BTreeMap<String, AttributeValue>,
}

/// The status a person scanning the label should see today: computed from the record, never
/// copied from the sticker (an overdue instrument is 停用 whatever its label says).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveStatus {
    InUse,
    Restricted,
    Stopped,
    Overdue,
    Scrapped,
}

impl LiveStatus {
    /// The status's name for people, `(zh-CN, English)`.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            LiveStatus::InUse => ("在用", "in use"),
            LiveStatus::Restricted => ("准用", "restricted"),
            LiveStatus::Stopped => ("停用", "stopped"),
            LiveStatus::Overdue => ("停用(已超期)", "stopped (overdue)"),
            LiveStatus::Scrapped => ("报废", "scrapped"),
        }
    }
}

impl Instrument {
    pub fn live_status(&self, today: NaiveDate) -> LiveStatus {
        match self.status {
            InstrumentStatus::Scrapped => LiveStatus::Scrapped,
            InstrumentStatus::Stopped => LiveStatus::Stopped,
            _ if self.calibration.next_due.is_some_and(|d| d < today) => LiveStatus::Overdue,
            InstrumentStatus::Restricted => LiveStatus::Restricted,
            InstrumentStatus::InUse => LiveStatus::InUse,
        }
    }

    /// The text a person might search for, one field a line (so substring matches never span
    /// two fields).
    pub fn search_text(&self) -> String {
        let id = self.identifier.to_string();
        let mut parts: Vec<&str> = vec![&id, &self.name];
        for s in [
            &self.asset_no,
            &self.category,
            &self.manufacturer,
            &self.model,
            &self.serial_no,
            &self.measuring_range,
            &self.accuracy,
            &self.owner,
            &self.location,
            &self.calibration.certificate_no,
        ]
        .into_iter()
        .flatten()
        {
            parts.push(s);
        }
        let attrs: Vec<String> = self
            .attributes
            .values()
            .filter_map(|v| match v {
                AttributeValue::Text(t) => Some(t.clone()),
                _ => None,
            })
            .collect();
        parts.extend(attrs.iter().map(String::as_str));
        parts.join("\n")
    }

    /// Back to raw input, for edits: apply a patch to this, then validate again.
    pub fn to_input(&self) -> InstrumentInput {
        let c = &self.calibration;
        let d = |d: &Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
        let mut input = InstrumentInput {
            identifier: Some(self.identifier.to_string()),
            asset_no: self.asset_no.clone(),
            name: Some(self.name.clone()),
            category: self.category.clone(),
            manufacturer: self.manufacturer.clone(),
            model: self.model.clone(),
            serial_no: self.serial_no.clone(),
            measuring_range: self.measuring_range.clone(),
            accuracy: self.accuracy.clone(),
            resolution: self.resolution.clone(),
            owner: self.owner.clone(),
            location: self.location.clone(),
            status: Some(self.status.as_str().to_string()),
            cal_last_date: d(&c.last_date),
            cal_interval_months: c.interval_months.map(|m| m.to_string()),
            cal_next_due: d(&c.next_due),
            cal_certificate_no: c.certificate_no.clone(),
            cal_result: c.result.map(|r| r.as_str().to_string()),
            cal_calibrated_by: c.calibrated_by.clone(),
            cal_approved_by: c.approved_by.clone(),
            attributes: BTreeMap::new(),
        };
        for (k, v) in &self.attributes {
            input.attributes.insert(k.clone(), v.to_string());
        }
        input
    }
}

/// The changed fields of an edit, as `{field: [before, after]}` in form-text terms, so the node can
/// merge them field by field against its own copy.
pub fn field_changes(
    before: &Instrument,
    after: &Instrument,
) -> serde_json::Map<String, serde_json::Value> {
    let (a, b) = (before.to_input(), after.to_input());
    let attr_names: BTreeSet<&String> = a.attributes.keys().chain(b.attributes.keys()).collect();
    let fields = Field::FIXED
        .into_iter()
        .chain(attr_names.into_iter().map(|n| Field::Attribute(n.clone())));
    let mut changes = serde_json::Map::new();
    for f in fields {
        let (x, y) = (a.get(&f), b.get(&f));
        if x != y {
            changes.insert(f.key(), serde_json::json!([x, y]));
        }
    }
    changes
}

/// Every field a person can fill in, named for error messages and patches.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Identifier,
    AssetNo,
    Name,
    Category,
    Manufacturer,
    Model,
    SerialNo,
    MeasuringRange,
    Accuracy,
    Resolution,
    Owner,
    Location,
    Status,
    CalLastDate,
    CalIntervalMonths,
    CalNextDue,
    CalCertificateNo,
    CalResult,
    CalCalibratedBy,
    CalApprovedBy,
    /// A custom attribute from the metadata template.
    Attribute(String),
}

impl Field {
    pub const FIXED: [Field; 20] = [
        Field::Identifier,
        Field::AssetNo,
        Field::Name,
        Field::Category,
        Field::Manufacturer,
        Field::Model,
        Field::SerialNo,
        Field::MeasuringRange,
        Field::Accuracy,
        Field::Resolution,
        Field::Owner,
        Field::Location,
        Field::Status,
        Field::CalLastDate,
        Field::CalIntervalMonths,
        Field::CalNextDue,
        Field::CalCertificateNo,
        Field::CalResult,
        Field::CalCalibratedBy,
        Field::CalApprovedBy,
    ];

    /// The key used on command lines, in JSON and in update payloads.
    pub fn key(&self) -> String {
        match self {
            Field::Attribute(name) => format!("attr.{name}"),
            other => serde_json::to_value(other)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        }
    }

    pub fn from_key(key: &str) -> Option<Field> {
        if let Some(name) = key.strip_prefix("attr.") {
            return (!name.is_empty()).then(|| Field::Attribute(name.to_string()));
        }
        Field::FIXED.into_iter().find(|f| f.key() == key)
    }

    /// The field a column heading names, as every import reads headings: the field key
    /// (`name`, `attr.quantity`), its Chinese or English label (English in any case), or a
    /// template field's name or Chinese alias.
    pub fn from_heading(heading: &str, template: &MetadataTemplate) -> Option<Field> {
        let h = heading.trim();
        if let Some(f) = Field::from_key(h) {
            return Some(f);
        }
        if let Some(f) = Field::FIXED.into_iter().find(|f| {
            let (zh, en) = f.labels();
            zh == h || en.eq_ignore_ascii_case(h)
        }) {
            return Some(f);
        }
        template
            .fields
            .iter()
            .find(|t| t.name == h || t.alias_zh == h)
            .map(|t| Field::Attribute(t.name.clone()))
    }

    /// The field's name for people, `(zh-CN, English)`; an attribute is named by its key (the
    /// template's alias is the caller's to look up).
    pub fn labels(&self) -> (&str, &str) {
        match self {
            Field::Identifier => ("标识", "identifier"),
            Field::AssetNo => ("资产编号", "asset number"),
            Field::Name => ("名称", "name"),
            Field::Category => ("类别", "category"),
            Field::Manufacturer => ("制造商", "manufacturer"),
            Field::Model => ("型号", "model"),
            Field::SerialNo => ("出厂编号", "serial number"),
            Field::MeasuringRange => ("测量范围", "measuring range"),
            Field::Accuracy => ("准确度等级/最大允许误差", "accuracy class / MPE"),
            Field::Resolution => ("分辨力", "resolution"),
            Field::Owner => ("所属单位", "owner"),
            Field::Location => ("存放地点", "location"),
            Field::Status => ("状态", "status"),
            Field::CalLastDate => ("校准日期", "calibration date"),
            Field::CalIntervalMonths => ("校准周期(月)", "calibration interval (months)"),
            Field::CalNextDue => ("下次校准日期", "next due date"),
            Field::CalCertificateNo => ("证书编号", "certificate number"),
            Field::CalResult => ("校准结论", "calibration result"),
            Field::CalCalibratedBy => ("校准员", "calibrated by"),
            Field::CalApprovedBy => ("批准人", "approved by"),
            Field::Attribute(name) => (name, name),
        }
    }

    /// Longest accepted value, in characters.
    pub fn max_chars(&self) -> usize {
        match self {
            Field::Name => 100,
            Field::MeasuringRange | Field::Accuracy | Field::Location => 200,
            _ => 64,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldErrorKind {
    Required,
    TooLong {
        max: usize,
        actual: usize,
    },
    InvalidIdentifier {
        error: IdentifierError,
    },
    InvalidDate {
        value: String,
    },
    InvalidNumber {
        value: String,
    },
    InvalidBoolean {
        value: String,
    },
    UnknownStatus {
        value: String,
    },
    UnknownResult {
        value: String,
    },
    /// Next due date earlier than the last calibration.
    DueBeforeLast,
    UnknownTemplateField {
        template: String,
    },
    ControlCharacter,
    /// A handle under another enterprise's prefix: only the owner of a prefix registers under it.
    ForeignPrefix {
        expected: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: Field,
    #[serde(flatten)]
    pub kind: FieldErrorKind,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = self.field.key();
        match &self.kind {
            FieldErrorKind::Required => write!(f, "{key}: required"),
            FieldErrorKind::TooLong { max, actual } => {
                write!(f, "{key}: {actual} characters, at most {max} allowed")
            }
            FieldErrorKind::InvalidIdentifier { error } => write!(f, "{key}: {error}"),
            FieldErrorKind::InvalidDate { value } => {
                write!(f, "{key}: '{value}' is not a valid date (YYYY-MM-DD)")
            }
            FieldErrorKind::InvalidNumber { value } => {
                write!(f, "{key}: '{value}' is not a number")
            }
            FieldErrorKind::InvalidBoolean { value } => {
                write!(f, "{key}: '{value}' is not yes/no")
            }
            FieldErrorKind::UnknownStatus { value } => write!(f, "{key}: unknown status '{value}'"),
            FieldErrorKind::UnknownResult { value } => write!(f, "{key}: unknown result '{value}'"),
            FieldErrorKind::DueBeforeLast => {
                write!(f, "{key}: next due date is before the last calibration")
            }
            FieldErrorKind::UnknownTemplateField { template } => {
                write!(f, "{key}: not a field of template {template}")
            }
            FieldErrorKind::ControlCharacter => write!(f, "{key}: contains control characters"),
            FieldErrorKind::ForeignPrefix { expected } => {
                write!(f, "{key}: not under this enterprise's prefix {expected}")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("; "))
    }
}

impl std::error::Error for ValidationErrors {}

/// Raw, unvalidated input: every value as the person typed it. `None` or blank means "not given".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstrumentInput {
    pub identifier: Option<String>,
    pub asset_no: Option<String>,
    pub name: Option<String>,
    pub category: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_no: Option<String>,
    pub measuring_range: Option<String>,
    pub accuracy: Option<String>,
    pub resolution: Option<String>,
    pub owner: Option<String>,
    pub location: Option<String>,
    pub status: Option<String>,
    pub cal_last_date: Option<String>,
    pub cal_interval_months: Option<String>,
    pub cal_next_due: Option<String>,
    pub cal_certificate_no: Option<String>,
    pub cal_result: Option<String>,
    pub cal_calibrated_by: Option<String>,
    pub cal_approved_by: Option<String>,
    pub attributes: BTreeMap<String, String>,
}

/// Accepts `YYYY-MM-DD`, `YYYY/MM/DD` and `YYYY.MM.DD`; rejects impossible dates such as 02-30.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
        .iter()
        .find_map(|fmt| NaiveDate::parse_from_str(t, fmt).ok())
        .filter(|d| (1900..=9999).contains(&d.year()))
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl InstrumentInput {
    pub fn get(&self, field: &Field) -> Option<&str> {
        given(match field {
            Field::Identifier => &self.identifier,
            Field::AssetNo => &self.asset_no,
            Field::Name => &self.name,
            Field::Category => &self.category,
            Field::Manufacturer => &self.manufacturer,
            Field::Model => &self.model,
            Field::SerialNo => &self.serial_no,
            Field::MeasuringRange => &self.measuring_range,
            Field::Accuracy => &self.accuracy,
            Field::Resolution => &self.resolution,
            Field::Owner => &self.owner,
            Field::Location => &self.location,
            Field::Status => &self.status,
            Field::CalLastDate => &self.cal_last_date,
            Field::CalIntervalMonths => &self.cal_interval_months,
            Field::CalNextDue => &self.cal_next_due,
            Field::CalCertificateNo => &self.cal_certificate_no,
            Field::CalResult => &self.cal_result,
            Field::CalCalibratedBy => &self.cal_calibrated_by,
            Field::CalApprovedBy => &self.cal_approved_by,
            Field::Attribute(name) => {
                return self
                    .attributes
                    .get(name)
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
            }
        })
    }

    /// Sets (or, with an empty value, clears) one field.
    pub fn set(&mut self, field: &Field, value: impl Into<String>) {
        let value: String = value.into();
        let slot = match field {
            Field::Identifier => &mut self.identifier,
            Field::AssetNo => &mut self.asset_no,
            Field::Name => &mut self.name,
            Field::Category => &mut self.category,
            Field::Manufacturer => &mut self.manufacturer,
            Field::Model => &mut self.model,
            Field::SerialNo => &mut self.serial_no,
            Field::MeasuringRange => &mut self.measuring_range,
            Field::Accuracy => &mut self.accuracy,
            Field::Resolution => &mut self.resolution,
            Field::Owner => &mut self.owner,
            Field::Location => &mut self.location,
            Field::Status => &mut self.status,
            Field::CalLastDate => &mut self.cal_last_date,
            Field::CalIntervalMonths => &mut self.cal_interval_months,
            Field::CalNextDue => &mut self.cal_next_due,
            Field::CalCertificateNo => &mut self.cal_certificate_no,
            Field::CalResult => &mut self.cal_result,
            Field::CalCalibratedBy => &mut self.cal_calibrated_by,
            Field::CalApprovedBy => &mut self.cal_approved_by,
            Field::Attribute(name) => {
                self.attributes.insert(name.clone(), value);
                return;
            }
        };
        *slot = Some(value);
    }

    /// [`InstrumentInput::validate`], and then refuses a handle outside the enterprise's own
    /// prefix `own` (or a prefix under it): only the owner of a prefix registers under it.
    pub fn validate_for(
        &self,
        template: &MetadataTemplate,
        own: &str,
    ) -> Result<Instrument, ValidationErrors> {
        let inst = self.validate(template)?;
        if let Some(h) = inst.identifier.as_handle() {
            let p = h.prefix();
            let under_own = p == own || p.strip_prefix(own).is_some_and(|r| r.starts_with('.'));
            if !under_own {
                return Err(ValidationErrors(vec![FieldError {
                    field: Field::Identifier,
                    kind: FieldErrorKind::ForeignPrefix {
                        expected: own.to_string(),
                    },
                }]));
            }
        }
        Ok(inst)
    }

    /// Checks every field against the rules and the template; all problems are reported together.
    pub fn validate(&self, template: &MetadataTemplate) -> Result<Instrument, ValidationErrors> {
        let mut errors = Vec::new();
        let mut err = |field: Field, kind| errors.push(FieldError { field, kind });

        // Text fields: length and control characters first, as they apply to all.
        let mut text = |field: Field| -> Option<String> {
            let v = self.get(&field)?;
            let n = v.chars().count();
            let max = field.max_chars();
            if n > max {
                err(field, FieldErrorKind::TooLong { max, actual: n });
                None
            } else if v.chars().any(char::is_control) {
                err(field, FieldErrorKind::ControlCharacter);
                None
            } else {
                Some(v.to_string())
            }
        };
        let asset_no = text(Field::AssetNo);
        let name = text(Field::Name);
        let category = text(Field::Category);
        let manufacturer = text(Field::Manufacturer);
        let model = text(Field::Model);
        let serial_no = text(Field::SerialNo);
        let measuring_range = text(Field::MeasuringRange);
        let accuracy = text(Field::Accuracy);
        let resolution = text(Field::Resolution);
        let owner = text(Field::Owner);
        let location = text(Field::Location);
        let certificate_no = text(Field::CalCertificateNo);
        let calibrated_by = text(Field::CalCalibratedBy);
        let approved_by = text(Field::CalApprovedBy);

        let identifier = match self.get(&Field::Identifier) {
            None => {
                err(Field::Identifier, FieldErrorKind::Required);
                None
            }
            Some(raw) => match Identifier::parse(raw) {
                Ok(id) => Some(id),
                Err(error) => {
                    err(
                        Field::Identifier,
                        FieldErrorKind::InvalidIdentifier { error },
                    );
                    None
                }
            },
        };
        if self.get(&Field::Name).is_none() {
            err(Field::Name, FieldErrorKind::Required);
        }
        let status = match self.get(&Field::Status) {
            None => Some(InstrumentStatus::InUse),
            Some(v) => InstrumentStatus::parse(v).or_else(|| {
                err(
                    Field::Status,
                    FieldErrorKind::UnknownStatus {
                        value: v.to_string(),
                    },
                );
                None
            }),
        };
        let result = self
            .get(&Field::CalResult)
            .and_then(|v| match CalibrationResult::parse(v) {
                Some(r) => Some(r),
                None => {
                    err(
                        Field::CalResult,
                        FieldErrorKind::UnknownResult {
                            value: v.to_string(),
                        },
                    );
                    None
                }
            });
        let mut date = |field: Field| -> Option<NaiveDate> {
            let v = self.get(&field)?;
            parse_date(v).or_else(|| {
                err(
                    field,
                    FieldErrorKind::InvalidDate {
                        value: v.to_string(),
                    },
                );
                None
            })
        };
        let last_date = date(Field::CalLastDate);
        let mut next_due = date(Field::CalNextDue);
        let interval_months =
            self.get(&Field::CalIntervalMonths)
                .and_then(|v| match v.parse::<u32>() {
                    Ok(m) if (1..=240).contains(&m) => Some(m),
                    _ => {
                        err(
                            Field::CalIntervalMonths,
                            FieldErrorKind::InvalidNumber {
                                value: v.to_string(),
                            },
                        );
                        None
                    }
                });
        // The owner's interval gives the next due date when none was typed.
        if next_due.is_none() && self.get(&Field::CalNextDue).is_none() {
            if let (Some(last), Some(m)) = (last_date, interval_months) {
                next_due = last.checked_add_months(Months::new(m));
            }
        }
        if let (Some(last), Some(due)) = (last_date, next_due) {
            if due < last {
                err(Field::CalNextDue, FieldErrorKind::DueBeforeLast);
            }
        }

        let mut attributes = BTreeMap::new();
        for (name, raw) in &self.attributes {
            let field = Field::Attribute(name.clone());
            let raw = raw.trim();
            let Some(def) = template.field(name) else {
                err(
                    field,
                    FieldErrorKind::UnknownTemplateField {
                        template: template.code.clone(),
                    },
                );
                continue;
            };
            if raw.is_empty() {
                continue;
            }
            let n = raw.chars().count();
            if n > def.length as usize {
                err(
                    field,
                    FieldErrorKind::TooLong {
                        max: def.length as usize,
                        actual: n,
                    },
                );
                continue;
            }
            if raw.chars().any(char::is_control) {
                err(field, FieldErrorKind::ControlCharacter);
                continue;
            }
            let value = match def.data_type {
                DataType::String => Some(AttributeValue::Text(raw.to_string())),
                DataType::Integer => raw.parse::<i64>().ok().map(AttributeValue::Integer),
                DataType::Decimal => is_decimal(raw).then(|| AttributeValue::Text(raw.to_string())),
                DataType::Date => {
                    parse_date(raw).map(|d| AttributeValue::Text(d.format("%Y-%m-%d").to_string()))
                }
                DataType::Boolean => parse_bool(raw).map(AttributeValue::Bool),
            };
            match value {
                Some(v) => {
                    attributes.insert(name.clone(), v);
                }
                None => {
                    let value = raw.to_string();
                    let kind = match def.data_type {
                        DataType::Date => FieldErrorKind::InvalidDate { value },
                        DataType::Boolean => FieldErrorKind::InvalidBoolean { value },
                        _ => FieldErrorKind::InvalidNumber { value },
                    };
                    err(field, kind);
                }
            }
        }
        for def in template.fields.iter().filter(|f| f.required) {
            if self.get(&Field::Attribute(def.name.clone())).is_none() {
                err(Field::Attribute(def.name.clone()), FieldErrorKind::Required);
            }
        }

        match (identifier, name, status) {
            (Some(identifier), Some(name), Some(status)) if errors.is_empty() => Ok(Instrument {
                identifier,
                asset_no,
                name,
                category,
                manufacturer,
                model,
                serial_no,
                measuring_range,
                accuracy,
                resolution,
                owner,
                location,
                status,
                calibration: Calibration {
                    last_date,
                    interval_months,
                    next_due,
                    certificate_no,
                    result,
                    calibrated_by,
                    approved_by,
                },
                attributes,
            }),
            _ => {
                errors.sort_by(|a, b| a.field.cmp(&b.field));
                Err(ValidationErrors(errors))
            }
        }
    }
}

fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "是" => Some(true),
        "false" | "no" | "n" | "0" | "否" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> MetadataTemplate {
        MetadataTemplate::builtin_instrument()
    }

    fn valid() -> InstrumentInput {
        InstrumentInput {
            identifier: Some("88.118.8/CAL-2026-000123".into()),
            name: Some("数显卡尺".into()),
            model: Some("500-196-30".into()),
            cal_last_date: Some("2026-03-01".into()),
            cal_interval_months: Some("12".into()),
            ..Default::default()
        }
    }

    fn kinds(input: &InstrumentInput) -> Vec<(Field, FieldErrorKind)> {
        match input.validate(&template()) {
            Ok(_) => vec![],
            Err(e) => e.0.into_iter().map(|e| (e.field, e.kind)).collect(),
        }
    }

    #[test]
    fn field_changes_lists_only_changed_fields_and_attributes_as_before_and_after() {
        let before = valid().validate(&template()).expect("valid");
        assert!(field_changes(&before, &before).is_empty());
        let mut input = valid();
        input.location = Some("天平室".into());
        input.name = Some("游标卡尺".into());
        input
            .attributes
            .insert("environment".into(), "恒温室".into());
        let after = input.validate(&template()).expect("valid");
        assert_eq!(
            serde_json::Value::Object(field_changes(&before, &after)),
            serde_json::json!({
                "name": ["数显卡尺", "游标卡尺"],
                "location": [null, "天平室"],
                "attr.environment": [null, "恒温室"],
            })
        );
        // The reverse edit names the same fields with the values swapped.
        assert_eq!(
            serde_json::Value::Object(field_changes(&after, &before)),
            serde_json::json!({
                "name": ["游标卡尺", "数显卡尺"],
                "location": ["天平室", null],
                "attr.environment": ["恒温室", null],
            })
        );
    }

    #[test]
    fn valid_input_computes_next_due_from_the_owners_interval() {
        let inst = valid().validate(&template()).expect("valid");
        assert_eq!(inst.status, InstrumentStatus::InUse);
        assert_eq!(
            inst.calibration.next_due,
            NaiveDate::from_ymd_opt(2027, 3, 1)
        );
    }

    #[test]
    fn missing_required_fields_are_all_reported() {
        let got = kinds(&InstrumentInput::default());
        assert_eq!(
            got,
            vec![
                (Field::Identifier, FieldErrorKind::Required),
                (Field::Name, FieldErrorKind::Required)
            ]
        );
    }

    #[test]
    fn impossible_dates_and_due_before_last_are_rejected() {
        let mut input = valid();
        input.cal_last_date = Some("2026-02-30".into());
        assert_eq!(
            kinds(&input),
            vec![(
                Field::CalLastDate,
                FieldErrorKind::InvalidDate {
                    value: "2026-02-30".into()
                }
            )]
        );
        let mut input = valid();
        input.cal_next_due = Some("2025-01-01".into());
        assert_eq!(
            kinds(&input),
            vec![(Field::CalNextDue, FieldErrorKind::DueBeforeLast)]
        );
    }

    #[test]
    fn over_long_values_report_their_length() {
        let mut input = valid();
        input.name = Some("表".repeat(101));
        assert_eq!(
            kinds(&input),
            vec![(
                Field::Name,
                FieldErrorKind::TooLong {
                    max: 100,
                    actual: 101
                }
            )]
        );
    }

    #[test]
    fn template_attributes_are_typed_and_unknown_ones_rejected() {
        let mut input = valid();
        input
            .attributes
            .insert("purchaseDate".into(), "2024/5/6".into());
        input
            .attributes
            .insert("originalValue".into(), "1234.50".into());
        input
            .attributes
            .insert("isReferenceStandard".into(), "是".into());
        let inst = input.validate(&template()).expect("valid");
        assert_eq!(
            inst.attributes.get("purchaseDate"),
            Some(&AttributeValue::Text("2024-05-06".into()))
        );
        assert_eq!(
            inst.attributes.get("isReferenceStandard"),
            Some(&AttributeValue::Bool(true))
        );

        input.attributes.insert("colour".into(), "red".into());
        input.attributes.insert("quantity".into(), "two".into());
        let got = kinds(&input);
        assert!(got.contains(&(
            Field::Attribute("colour".into()),
            FieldErrorKind::UnknownTemplateField {
                template: "IDS-MI-CAL".into()
            }
        )));
        assert!(got.contains(&(
            Field::Attribute("quantity".into()),
            FieldErrorKind::InvalidNumber {
                value: "two".into()
            }
        )));
    }

    #[test]
    fn live_status_turns_overdue_instruments_to_stopped() {
        let inst = valid().validate(&template()).expect("valid");
        let before = NaiveDate::from_ymd_opt(2027, 2, 28).expect("date");
        let after = NaiveDate::from_ymd_opt(2027, 3, 2).expect("date");
        assert_eq!(inst.live_status(before), LiveStatus::InUse);
        assert_eq!(inst.live_status(after), LiveStatus::Overdue);
    }

    #[test]
    fn to_input_round_trips() {
        let mut input = valid();
        input.attributes.insert("quantity".into(), "3".into());
        input.cal_result = Some("合格".into());
        input.status = Some("准用".into());
        let inst = input.validate(&template()).expect("valid");
        assert_eq!(inst.to_input().validate(&template()), Ok(inst));
    }

    #[test]
    fn field_keys_round_trip() {
        for f in Field::FIXED {
            assert_eq!(Field::from_key(&f.key()), Some(f.clone()));
        }
        assert_eq!(
            Field::from_key("attr.purchaseDate"),
            Some(Field::Attribute("purchaseDate".into()))
        );
        assert_eq!(Field::from_key("nonsense"), None);
    }

    #[test]
    fn headings_name_fields_by_key_label_or_template_alias() {
        let t = template();
        let cases = [
            ("cal_last_date", Some(Field::CalLastDate)),
            (" 校准日期 ", Some(Field::CalLastDate)),
            ("Certificate Number", Some(Field::CalCertificateNo)),
            ("资产编号", Some(Field::AssetNo)),
            ("使用环境", Some(Field::Attribute("environment".into()))),
            ("quantity", Some(Field::Attribute("quantity".into()))),
            ("attr.quantity", Some(Field::Attribute("quantity".into()))),
            ("备注", None),
        ];
        for (heading, field) in cases {
            assert_eq!(Field::from_heading(heading, &t), field, "{heading}");
        }
    }

    #[test]
    fn validate_for_refuses_handles_outside_the_own_prefix() {
        let t = template();
        assert!(valid().validate_for(&t, "88.118.8").is_ok());
        assert!(
            valid().validate_for(&t, "88.118").is_ok(),
            "a sub-prefix is ours"
        );
        let foreign = valid().validate_for(&t, "88.118.80").expect_err("foreign");
        assert_eq!(
            foreign.0,
            vec![FieldError {
                field: Field::Identifier,
                kind: FieldErrorKind::ForeignPrefix {
                    expected: "88.118.80".into()
                }
            }]
        );
    }
}
