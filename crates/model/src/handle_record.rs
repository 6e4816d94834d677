//! An instrument as a handle record: typed handle values the node stores and resolves, and the
//! way back. Shared by the node (resolver page, GS1 index) and the workstation's sync client.
//!
//! | index      | type                  | data                                              |
//! |------------|-----------------------|---------------------------------------------------|
//! | 1          | `URL`                 | the owner's page for the instrument, when set     |
//! | 1001       | `IDS.TEMPLATE`        | metadata template reference `<code>@<version>`    |
//! | 1002–1021  | `IDS.*` (see below)   | the fixed instrument fields, text                 |
//! | 2000 +  i  | template English name | the `i`-th attribute of the template, text        |
//!
//! IDIS enterprise nodes reserve 1001 for the template reference and put template attributes at
//! 2000 and above; this mapping follows that. The fixed fields use their own clearly named types
//! (`IDS.NAME`, `IDS.MODEL`, `IDS.SERIAL`, `IDS.NEXT_DUE`, `IDS.STATUS`, ...). Every value is a
//! string-format value: dates are `YYYY-MM-DD`, the status and calibration result are their
//! codes (`in_use`, `pass`, ...), integers and booleans their plain text. Reading goes by type
//! name, not index, so a record another client wrote in a different order still reads.
//!
//! GS1 keys: a record carries a GS1 key when its `IDS.IDENTIFIER` is one, or in any value of
//! type `GS1` holding a Digital Link URI or an element string ([`gs1_keys`]).

use chrono::NaiveDate;

use crate::handle_value::{HandleValue, Permissions};
use crate::identifier::{Gs1Key, Identifier};
use crate::instrument::{
    AttributeValue, Calibration, CalibrationResult, Field, Instrument, InstrumentStatus,
};
use crate::template::{DataType, MetadataTemplate};

/// Index of the URL a plain Handle resolver redirects to.
pub const URL_INDEX: u32 = 1;
/// Index of the metadata template reference (IDIS convention).
pub const TEMPLATE_INDEX: u32 = 1001;
/// Template attributes start here (IDIS convention).
pub const ATTRIBUTE_BASE_INDEX: u32 = 2000;

pub const TYPE_URL: &str = "URL";
pub const TYPE_TEMPLATE: &str = "IDS.TEMPLATE";
/// Extra GS1 keys of the item: a Digital Link URI or an element string.
pub const TYPE_GS1: &str = "GS1";
/// Types of the fixed fields all start with this.
pub const IDS_TYPE_PREFIX: &str = "IDS.";

/// The fixed instrument fields: where each goes and under which type.
pub const STANDARD_FIELDS: [(Field, u32, &str); 20] = [
    (Field::Identifier, 1002, "IDS.IDENTIFIER"),
    (Field::Name, 1003, "IDS.NAME"),
    (Field::AssetNo, 1004, "IDS.ASSET_NO"),
    (Field::Category, 1005, "IDS.CATEGORY"),
    (Field::Manufacturer, 1006, "IDS.MANUFACTURER"),
    (Field::Model, 1007, "IDS.MODEL"),
    (Field::SerialNo, 1008, "IDS.SERIAL"),
    (Field::MeasuringRange, 1009, "IDS.RANGE"),
    (Field::Accuracy, 1010, "IDS.ACCURACY"),
    (Field::Resolution, 1011, "IDS.RESOLUTION"),
    (Field::Owner, 1012, "IDS.OWNER"),
    (Field::Location, 1013, "IDS.LOCATION"),
    (Field::Status, 1014, "IDS.STATUS"),
    (Field::CalLastDate, 1015, "IDS.CAL_DATE"),
    (Field::CalIntervalMonths, 1016, "IDS.CAL_INTERVAL_MONTHS"),
    (Field::CalNextDue, 1017, "IDS.NEXT_DUE"),
    (Field::CalCertificateNo, 1018, "IDS.CERTIFICATE_NO"),
    (Field::CalResult, 1019, "IDS.CAL_RESULT"),
    (Field::CalCalibratedBy, 1020, "IDS.CALIBRATED_BY"),
    (Field::CalApprovedBy, 1021, "IDS.APPROVED_BY"),
];

/// Fields that name or place people: who calibrated and approved an instrument, and where it is
/// kept. Their values are readable by the owning enterprise and the operator only (Handle
/// permissions `1100`), never by a phone that scans the label (GB/T 35273).
pub const PERSONAL_FIELDS: [Field; 3] = [
    Field::Location,
    Field::CalCalibratedBy,
    Field::CalApprovedBy,
];

/// The handle type of a fixed field; `None` for template attributes.
pub fn type_of(field: &Field) -> Option<&'static str> {
    STANDARD_FIELDS
        .iter()
        .find(|(f, _, _)| f == field)
        .map(|(_, _, t)| *t)
}

/// Why a record's values are not an instrument.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("the record has no {0} value")]
    Missing(&'static str),
    #[error("{kind} holds {format} data, expected a string")]
    NotText { kind: String, format: String },
    #[error("{kind}: \"{value}\" is not valid ({reason})")]
    Invalid {
        kind: String,
        value: String,
        reason: String,
    },
}

fn date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// The text a fixed field is stored as; `None` when the instrument has no value for it.
fn field_text(inst: &Instrument, field: &Field) -> Option<String> {
    let c = &inst.calibration;
    match field {
        Field::Identifier => Some(inst.identifier.to_string()),
        Field::Name => Some(inst.name.clone()),
        Field::AssetNo => inst.asset_no.clone(),
        Field::Category => inst.category.clone(),
        Field::Manufacturer => inst.manufacturer.clone(),
        Field::Model => inst.model.clone(),
        Field::SerialNo => inst.serial_no.clone(),
        Field::MeasuringRange => inst.measuring_range.clone(),
        Field::Accuracy => inst.accuracy.clone(),
        Field::Resolution => inst.resolution.clone(),
        Field::Owner => inst.owner.clone(),
        Field::Location => inst.location.clone(),
        Field::Status => Some(inst.status.as_str().to_owned()),
        Field::CalLastDate => date_text(c.last_date),
        Field::CalIntervalMonths => c.interval_months.map(|m| m.to_string()),
        Field::CalNextDue => date_text(c.next_due),
        Field::CalCertificateNo => c.certificate_no.clone(),
        Field::CalResult => c.result.map(|r| r.as_str().to_owned()),
        Field::CalCalibratedBy => c.calibrated_by.clone(),
        Field::CalApprovedBy => c.approved_by.clone(),
        Field::Attribute(_) => None,
    }
}

/// The index each attribute goes to: its position in the template after
/// [`ATTRIBUTE_BASE_INDEX`]; attributes the template does not name follow, in name order.
fn attribute_indexes<'a>(
    inst: &'a Instrument,
    template: &MetadataTemplate,
) -> Vec<(u32, &'a String, &'a AttributeValue)> {
    let mut extra = template.fields.len() as u32;
    inst.attributes
        .iter()
        .map(|(name, value)| {
            let index = match template.fields.iter().position(|f| &f.name == name) {
                Some(i) => ATTRIBUTE_BASE_INDEX + i as u32,
                None => {
                    extra += 1;
                    ATTRIBUTE_BASE_INDEX + extra - 1
                }
            };
            (index, name, value)
        })
        .collect()
}

/// The instrument as handle values, sorted by index: the URL at 1 when given, the template
/// reference, the fixed fields that have a value and the attributes.
pub fn to_values(
    inst: &Instrument,
    url: Option<&str>,
    template: &MetadataTemplate,
    timestamp: &str,
) -> Vec<HandleValue> {
    let mut values = Vec::with_capacity(STANDARD_FIELDS.len() + inst.attributes.len() + 2);
    if let Some(url) = url {
        values.push(HandleValue::string(URL_INDEX, TYPE_URL, url, timestamp));
    }
    values.push(HandleValue::string(
        TEMPLATE_INDEX,
        TYPE_TEMPLATE,
        format!("{}@{}", template.code, template.version),
        timestamp,
    ));
    for (field, index, kind) in &STANDARD_FIELDS {
        if let Some(text) = field_text(inst, field) {
            let value = HandleValue::string(*index, *kind, text, timestamp);
            values.push(if PERSONAL_FIELDS.contains(field) {
                value.with_permissions(Permissions::ADMIN_ONLY)
            } else {
                value
            });
        }
    }
    for (index, name, value) in attribute_indexes(inst, template) {
        values.push(HandleValue::string(
            index,
            name.as_str(),
            value.to_string(),
            timestamp,
        ));
    }
    values.sort_by_key(|v| v.index);
    values
}

/// Whether a value is one [`to_values`] writes for an instrument (the template reference, an
/// `IDS.` field or an attribute), as opposed to a value a Handle client added beside them (a
/// `URL`, an `EMAIL`, a `GS1` key, `HS_ADMIN`), which a record's changes leave alone.
pub fn is_instrument_value(v: &HandleValue) -> bool {
    !is_handle_type(v)
        && (v.index == TEMPLATE_INDEX || v.index >= ATTRIBUTE_BASE_INDEX || is_ids_type(&v.kind))
}

/// Whether a type starts with `IDS.` (any case). A type is any text a Handle client sends: its
/// fourth byte may lie inside a character (`名称`), so it is not sliced there (that panicked;
/// found by `fuzz/fuzz_targets/node_http.rs`).
fn is_ids_type(kind: &str) -> bool {
    kind.get(..IDS_TYPE_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(IDS_TYPE_PREFIX))
}

/// Types a handle carries beside an instrument's data, at whatever index: never read as a
/// template attribute.
fn is_handle_type(v: &HandleValue) -> bool {
    v.is_type(TYPE_URL) || v.is_type(TYPE_GS1) || v.is_type("HS_ADMIN")
}

/// An instrument's values (from [`to_values`]) together with the values of `existing` that are
/// not instrument values and whose index is free: what a handle holds after its record
/// changes, whichever API changed it.
pub fn with_other_values(
    mut values: Vec<HandleValue>,
    existing: &[HandleValue],
) -> Vec<HandleValue> {
    let taken: std::collections::HashSet<u32> = values.iter().map(|v| v.index).collect();
    values.extend(
        existing
            .iter()
            .filter(|v| !is_instrument_value(v) && !taken.contains(&v.index))
            .cloned(),
    );
    values.sort_by_key(|v| v.index);
    values
}

/// The first string value of type `kind` (values are kept sorted by index, so the lowest).
fn text_of<'a>(values: &'a [HandleValue], kind: &str) -> Result<Option<&'a str>, RecordError> {
    match values.iter().find(|v| v.is_type(kind)) {
        None => Ok(None),
        Some(v) => v.as_str().map(Some).ok_or_else(|| RecordError::NotText {
            kind: v.kind.clone(),
            format: v.data.format.clone(),
        }),
    }
}

fn invalid(kind: &str, value: &str, reason: impl Into<String>) -> RecordError {
    RecordError::Invalid {
        kind: kind.to_owned(),
        value: value.to_owned(),
        reason: reason.into(),
    }
}

/// The URL a plain Handle resolver would redirect to.
pub fn url(values: &[HandleValue]) -> Option<&str> {
    values
        .iter()
        .find(|v| v.is_type(TYPE_URL))
        .and_then(HandleValue::as_str)
}

/// Whether the record describes an instrument (rather than only pointing somewhere).
pub fn has_instrument_data(values: &[HandleValue]) -> bool {
    values
        .iter()
        .any(|v| v.is_type("IDS.NAME") || v.is_type("IDS.IDENTIFIER"))
}

/// The metadata template the record names: `(code, version)`.
pub fn template_ref(values: &[HandleValue]) -> Option<(&str, u32)> {
    let text = text_of(values, TYPE_TEMPLATE).ok().flatten()?;
    let (code, version) = text.rsplit_once('@')?;
    Some((code, version.parse().ok()?))
}

/// Every GS1 key the record carries, canonical and without repeats: its `IDS.IDENTIFIER` when
/// that is a GS1 key, and each `GS1` value that parses as a Digital Link URI or element string.
/// Values that are not GS1 keys are ignored here (the record may still be valid).
pub fn gs1_keys(values: &[HandleValue]) -> Vec<Gs1Key> {
    let mut keys: Vec<Gs1Key> = Vec::new();
    for v in values {
        if !(v.is_type(TYPE_GS1) || v.is_type("IDS.IDENTIFIER")) {
            continue;
        }
        if let Some(Ok(Identifier::Gs1(key))) = v.as_str().map(Identifier::parse) {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

fn parse_date(kind: &str, text: &str) -> Result<NaiveDate, RecordError> {
    text.parse::<NaiveDate>()
        .map_err(|_| invalid(kind, text, "expected YYYY-MM-DD"))
}

/// Reads an instrument back from its values. Attributes (index ≥ 2000, any type outside `IDS.`)
/// are typed by `template`: integers and booleans become numbers and flags, everything else
/// text; an attribute the template does not name stays text.
pub fn from_values(
    values: &[HandleValue],
    template: &MetadataTemplate,
) -> Result<Instrument, RecordError> {
    let text = |field: Field| -> Result<Option<String>, RecordError> {
        let kind = type_of(&field).unwrap_or_default();
        Ok(text_of(values, kind)?.map(str::to_owned))
    };
    let id_text =
        text_of(values, "IDS.IDENTIFIER")?.ok_or(RecordError::Missing("IDS.IDENTIFIER"))?;
    let identifier = Identifier::parse(id_text)
        .map_err(|e| invalid("IDS.IDENTIFIER", id_text, e.to_string()))?;
    let name = text(Field::Name)?.ok_or(RecordError::Missing("IDS.NAME"))?;
    let status = match text_of(values, "IDS.STATUS")? {
        None => InstrumentStatus::InUse,
        Some(s) => {
            InstrumentStatus::parse(s).ok_or_else(|| invalid("IDS.STATUS", s, "unknown status"))?
        }
    };
    let date = |kind: &str| -> Result<Option<NaiveDate>, RecordError> {
        text_of(values, kind)?
            .map(|t| parse_date(kind, t))
            .transpose()
    };
    let interval_months = text_of(values, "IDS.CAL_INTERVAL_MONTHS")?
        .map(|t| {
            t.parse::<u32>().map_err(|_| {
                invalid(
                    "IDS.CAL_INTERVAL_MONTHS",
                    t,
                    "expected a whole number of months",
                )
            })
        })
        .transpose()?;
    let result = text_of(values, "IDS.CAL_RESULT")?
        .map(|t| {
            CalibrationResult::parse(t)
                .ok_or_else(|| invalid("IDS.CAL_RESULT", t, "unknown result"))
        })
        .transpose()?;

    let mut attributes = std::collections::BTreeMap::new();
    for v in values.iter().filter(|v| v.index >= ATTRIBUTE_BASE_INDEX) {
        if is_ids_type(&v.kind) || is_handle_type(v) {
            continue;
        }
        if attributes.contains_key(&v.kind) {
            continue;
        }
        let raw = v.as_str().ok_or_else(|| RecordError::NotText {
            kind: v.kind.clone(),
            format: v.data.format.clone(),
        })?;
        let value = match template.field(&v.kind).map(|f| f.data_type) {
            Some(DataType::Integer) => AttributeValue::Integer(
                raw.parse()
                    .map_err(|_| invalid(&v.kind, raw, "expected an integer"))?,
            ),
            Some(DataType::Boolean) => AttributeValue::Bool(match raw {
                "true" => true,
                "false" => false,
                _ => return Err(invalid(&v.kind, raw, "expected true or false")),
            }),
            _ => AttributeValue::Text(raw.to_owned()),
        };
        attributes.insert(v.kind.clone(), value);
    }

    Ok(Instrument {
        identifier,
        asset_no: text(Field::AssetNo)?,
        name,
        category: text(Field::Category)?,
        manufacturer: text(Field::Manufacturer)?,
        model: text(Field::Model)?,
        serial_no: text(Field::SerialNo)?,
        measuring_range: text(Field::MeasuringRange)?,
        accuracy: text(Field::Accuracy)?,
        resolution: text(Field::Resolution)?,
        owner: text(Field::Owner)?,
        location: text(Field::Location)?,
        status,
        calibration: Calibration {
            last_date: date("IDS.CAL_DATE")?,
            interval_months,
            next_due: date("IDS.NEXT_DUE")?,
            certificate_no: text(Field::CalCertificateNo)?,
            result,
            calibrated_by: text(Field::CalCalibratedBy)?,
            approved_by: text(Field::CalApprovedBy)?,
        },
        attributes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::InstrumentInput;

    const TS: &str = "2026-01-01T00:00:00Z";

    #[test]
    fn personal_fields_are_readable_by_the_owner_only_and_other_values_stay() {
        let mut input = InstrumentInput::default();
        input.set(&Field::Identifier, "88.118.8/CAL-1");
        input.set(&Field::Name, "数字万用表");
        input.set(&Field::Location, "二楼计量室");
        input.set(&Field::CalCalibratedBy, "王工");
        input.set(&Field::CalApprovedBy, "李工");
        let inst = input
            .validate(&MetadataTemplate::builtin_instrument())
            .expect("valid");
        let values = to_values(&inst, None, &MetadataTemplate::builtin_instrument(), TS);
        let private: Vec<&str> = values
            .iter()
            .filter(|v| !v.is_public())
            .map(|v| v.kind.as_str())
            .collect();
        assert_eq!(
            private,
            vec!["IDS.LOCATION", "IDS.CALIBRATED_BY", "IDS.APPROVED_BY"]
        );
        let existing = vec![
            HandleValue::string(1, "URL", "https://lab.example.cn/1", TS),
            HandleValue::string(1003, "EMAIL", "collides with IDS.NAME", TS),
            HandleValue::string(1007, "IDS.MODEL", "an old model", TS),
        ];
        let kept = with_other_values(values.clone(), &existing);
        assert_eq!(
            kept.len(),
            values.len() + 1,
            "the URL stays, the rest do not"
        );
        assert_eq!(kept[0].kind, "URL");
        assert!(is_instrument_value(&existing[2]) && !is_instrument_value(&existing[0]));
    }

    fn instrument() -> Instrument {
        let mut input = InstrumentInput {
            identifier: Some("88.118.8/cal-2026-000123".into()),
            name: Some("数显卡尺".into()),
            model: Some("500-196-30".into()),
            serial_no: Some("A12345".into()),
            cal_last_date: Some("2026-03-01".into()),
            cal_interval_months: Some("12".into()),
            cal_result: Some("合格".into()),
            ..Default::default()
        };
        input.attributes.insert("quantity".into(), "3".into());
        input
            .attributes
            .insert("isReferenceStandard".into(), "否".into());
        input
            .attributes
            .insert("environment".into(), "恒温室".into());
        input
            .validate(&MetadataTemplate::builtin_instrument())
            .expect("valid")
    }

    #[test]
    fn fixed_fields_and_attributes_get_their_indexes_and_types() {
        let t = MetadataTemplate::builtin_instrument();
        let values = to_values(&instrument(), Some("https://example.cn/i/1"), &t, TS);
        let find = |kind: &str| values.iter().find(|v| v.kind == kind).expect(kind);
        assert_eq!(values[0].index, URL_INDEX);
        assert_eq!(find("IDS.TEMPLATE").as_str(), Some("IDS-MI-CAL@1"));
        assert_eq!(find("IDS.TEMPLATE").index, TEMPLATE_INDEX);
        assert_eq!(
            find("IDS.IDENTIFIER").as_str(),
            Some("88.118.8/CAL-2026-000123")
        );
        assert_eq!(find("IDS.NAME").index, 1003);
        assert_eq!(find("IDS.NEXT_DUE").as_str(), Some("2027-03-01"));
        assert_eq!(find("IDS.STATUS").as_str(), Some("in_use"));
        assert_eq!(find("IDS.CAL_RESULT").as_str(), Some("pass"));
        // Template order: environment is the 3rd field, quantity the 6th, the flag the 7th.
        assert_eq!(find("environment").index, 2002);
        assert_eq!(find("quantity").index, 2005);
        assert_eq!(find("isReferenceStandard").as_str(), Some("false"));
        assert!(values.windows(2).all(|w| w[0].index < w[1].index));
        assert!(values.iter().all(|v| v.index != 100), "no HS_ADMIN");
        assert_eq!(url(&values), Some("https://example.cn/i/1"));
        assert!(has_instrument_data(&values));
        assert_eq!(template_ref(&values), Some(("IDS-MI-CAL", 1)));
        assert_eq!(from_values(&values, &t), Ok(instrument()));
    }

    #[test]
    fn types_whose_fourth_byte_is_inside_a_character_are_attributes_not_panics() {
        // Found by fuzz/fuzz_targets/node_http.rs: a PUT of a record with a value typed
        // "eq\u{fffd}…" at an attribute index made the node's worker panic reading the record.
        let template = MetadataTemplate::builtin_instrument();
        let mut values = to_values(&instrument(), None, &template, TS);
        values.push(HandleValue::string(
            ATTRIBUTE_BASE_INDEX + 50,
            "eq\u{fffd}x",
            "v",
            TS,
        ));
        values.push(HandleValue::string(7, "名称", "v", TS));
        let read = from_values(&values, &template).expect("a record");
        assert_eq!(
            read.attributes.get("eq\u{fffd}x"),
            Some(&AttributeValue::Text("v".into()))
        );
        assert!(!is_instrument_value(&values[values.len() - 1]));
        assert!(is_instrument_value(&HandleValue::string(
            7, "ids.name", "v", TS
        )));
    }

    #[test]
    fn reads_by_type_whatever_the_index_and_case() {
        let t = MetadataTemplate::builtin_instrument();
        let values = vec![
            HandleValue::string(3, "ids.identifier", "88.118/X-1", TS),
            HandleValue::string(4, "IDS.Name", "天平", TS),
            HandleValue::string(5, "IDS.NEXT_DUE", "2026-05-01", TS),
        ];
        let inst = from_values(&values, &t).expect("instrument");
        assert_eq!(inst.name, "天平");
        assert_eq!(inst.status, InstrumentStatus::InUse);
        assert_eq!(
            inst.calibration.next_due,
            NaiveDate::from_ymd_opt(2026, 5, 1)
        );
    }

    #[test]
    fn bad_records_are_reported_not_guessed() {
        let t = MetadataTemplate::builtin_instrument();
        let id = HandleValue::string(1002, "IDS.IDENTIFIER", "88.118/X-1", TS);
        let name = HandleValue::string(1003, "IDS.NAME", "天平", TS);
        assert_eq!(
            from_values(std::slice::from_ref(&name), &t),
            Err(RecordError::Missing("IDS.IDENTIFIER"))
        );
        assert_eq!(
            from_values(std::slice::from_ref(&id), &t),
            Err(RecordError::Missing("IDS.NAME"))
        );
        for (kind, text) in [
            ("IDS.NEXT_DUE", "2026-02-30"),
            ("IDS.STATUS", "broken"),
            ("IDS.CAL_INTERVAL_MONTHS", "-1"),
            ("quantity", "two"),
            ("isReferenceStandard", "maybe"),
        ] {
            let values = vec![
                id.clone(),
                name.clone(),
                HandleValue::string(2100, kind, text, TS),
            ];
            assert!(
                matches!(from_values(&values, &t), Err(RecordError::Invalid { .. })),
                "{kind}={text}"
            );
        }
        let mut hex = name.clone();
        hex.data = crate::handle_value::ValueData {
            format: "hex".into(),
            value: "00".into(),
        };
        assert!(matches!(
            from_values(&[id, hex], &t),
            Err(RecordError::NotText { .. })
        ));
    }

    #[test]
    fn gs1_keys_come_from_the_identifier_and_gs1_values() {
        let values = vec![
            HandleValue::string(1002, "IDS.IDENTIFIER", "88.118/X-1", TS),
            HandleValue::string(10, "GS1", "https://example.cn/01/09506000134352/21/ABC", TS),
            HandleValue::string(11, "gs1", "(01)09506000134352(21)ABC", TS),
            HandleValue::string(12, "GS1", "(8004)0950600013435212", TS),
            HandleValue::string(13, "GS1", "not a key", TS),
            HandleValue::string(14, "NOTE", "(8004)123", TS),
        ];
        let keys: Vec<String> = gs1_keys(&values).iter().map(ToString::to_string).collect();
        assert_eq!(
            keys,
            vec![
                "https://id.gs1.org/01/09506000134352/21/ABC",
                "https://id.gs1.org/8004/0950600013435212"
            ]
        );
        let gs1_identified = vec![HandleValue::string(
            1002,
            "IDS.IDENTIFIER",
            "https://id.gs1.org/8004/0950600013435212",
            TS,
        )];
        assert_eq!(gs1_keys(&gs1_identified).len(), 1);
    }
}
