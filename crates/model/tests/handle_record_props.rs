//! Property tests: every instrument survives the trip to handle values (and their JSON) and back.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::NaiveDate;
use idstation_model::handle_record::{from_values, gs1_keys, to_values, ATTRIBUTE_BASE_INDEX};
use idstation_model::identifier::{gs1_check_digit, Gs1Key, Handle, Identifier};
use idstation_model::instrument::{
    AttributeValue, Calibration, CalibrationResult, Instrument, InstrumentStatus,
};
use idstation_model::template::{DataType, MetadataTemplate};
use idstation_model::HandleValue;
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        3 => prop::char::range('\u{4e00}', '\u{9fff}'),
        3 => prop::char::range(' ', '~'),
        1 => any::<char>(),
    ];
    prop::collection::vec(ch, 0..40).prop_map(|cs| cs.into_iter().collect())
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(text())
}

fn identifier() -> impl Strategy<Value = Identifier> {
    let prefix =
        prop::collection::vec("[0-9]{1,5}", 1..4).prop_map(|segs| format!("88.{}", segs.join(".")));
    let suffix = prop_oneof![
        "[A-Za-z0-9.-]{1,40}",
        "[\u{4e00}-\u{9fff}A-Za-z0-9_/]{1,20}".prop_filter("no edge space", |s| s.trim() == s),
    ];
    let handle =
        (prefix, suffix).prop_map(|(p, s)| Identifier::Handle(Handle::new(&p, &s).unwrap()));
    let sgtin = ("[0-9]{13}", "[A-Za-z0-9]{1,20}").prop_map(|(body, serial)| {
        let gtin = format!("{body}{}", gs1_check_digit(&body).unwrap());
        Identifier::Gs1(Gs1Key::Sgtin { gtin, serial })
    });
    let giai = "[0-9]{7}[A-Z0-9-]{1,20}".prop_map(|giai| Identifier::Gs1(Gs1Key::Giai { giai }));
    prop_oneof![4 => handle, 1 => sgtin, 1 => giai]
}

fn date() -> impl Strategy<Value = Option<NaiveDate>> {
    prop::option::of(
        (1i32..3_652_059).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).unwrap()),
    )
}

/// Attributes as validation leaves them: typed by the template, any subset of its fields.
fn attributes(
    template: &MetadataTemplate,
) -> impl Strategy<Value = BTreeMap<String, AttributeValue>> {
    let per_field: Vec<_> = template
        .fields
        .iter()
        .map(|f| {
            let name = f.name.clone();
            let value = match f.data_type {
                DataType::Integer => any::<i64>().prop_map(AttributeValue::Integer).boxed(),
                DataType::Boolean => any::<bool>().prop_map(AttributeValue::Bool).boxed(),
                _ => text().prop_map(AttributeValue::Text).boxed(),
            };
            prop::option::of(value).prop_map(move |v| v.map(|v| (name.clone(), v)))
        })
        .collect();
    per_field.prop_map(|pairs| pairs.into_iter().flatten().collect())
}

fn instrument(template: &MetadataTemplate) -> impl Strategy<Value = Instrument> {
    let fixed = (
        identifier(),
        text(),
        [opt_text(), opt_text(), opt_text(), opt_text(), opt_text()],
        [opt_text(), opt_text(), opt_text(), opt_text(), opt_text()],
        prop::sample::select(InstrumentStatus::ALL.to_vec()),
    );
    let calibration = (
        date(),
        prop::option::of(any::<u32>()),
        date(),
        opt_text(),
        prop::option::of(prop::sample::select(CalibrationResult::ALL.to_vec())),
        opt_text(),
        opt_text(),
    )
        .prop_map(
            |(
                last_date,
                interval_months,
                next_due,
                certificate_no,
                result,
                calibrated_by,
                approved_by,
            )| {
                Calibration {
                    last_date,
                    interval_months,
                    next_due,
                    certificate_no,
                    result,
                    calibrated_by,
                    approved_by,
                }
            },
        );
    (fixed, calibration, attributes(template)).prop_map(
        |((identifier, name, a, b, status), calibration, attributes)| {
            let [asset_no, category, manufacturer, model, serial_no] = a;
            let [measuring_range, accuracy, resolution, owner, location] = b;
            Instrument {
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
                calibration,
                attributes,
            }
        },
    )
}

proptest! {
    #[test]
    fn instruments_round_trip_through_values_and_json(
        inst in instrument(&MetadataTemplate::builtin_instrument()),
        url in prop::option::of("https://[a-z]{1,10}\\.cn/[a-z0-9/]{0,20}"),
    ) {
        let template = MetadataTemplate::builtin_instrument();
        let values = to_values(&inst, url.as_deref(), &template, "2026-01-01T00:00:00Z");

        // Indexes are unique and sorted; attributes sit at 2000 and above, nothing else does.
        prop_assert!(values.windows(2).all(|w| w[0].index < w[1].index));
        for v in &values {
            let is_attribute = inst.attributes.contains_key(&v.kind);
            prop_assert_eq!(v.index >= ATTRIBUTE_BASE_INDEX, is_attribute, "{:?}", v);
        }

        prop_assert_eq!(from_values(&values, &template), Ok(inst.clone()));
        let json = serde_json::to_string(&values).unwrap();
        let back: Vec<HandleValue> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(from_values(&back, &template), Ok(inst.clone()));
        prop_assert_eq!(idstation_model::handle_record::url(&back), url.as_deref());

        // A GS1-identified instrument's record carries exactly that key.
        let expected: Vec<Gs1Key> = match &inst.identifier {
            Identifier::Gs1(k) => vec![k.clone()],
            _ => vec![],
        };
        prop_assert_eq!(gs1_keys(&values), expected);
    }

    /// Arbitrary values never make reading panic.
    #[test]
    fn reading_arbitrary_values_never_panics(
        values in prop::collection::vec(
            (1u32..3000, prop_oneof![Just("IDS.NAME".to_owned()), Just("IDS.IDENTIFIER".to_owned()),
                Just("IDS.NEXT_DUE".to_owned()), Just("quantity".to_owned()), Just("GS1".to_owned()), text()],
             text()),
            0..12,
        )
    ) {
        let values: Vec<HandleValue> = values
            .into_iter()
            .map(|(i, k, t)| HandleValue::string(i, k, t, "2026-01-01T00:00:00Z"))
            .collect();
        let _ = from_values(&values, &MetadataTemplate::builtin_instrument());
        let _ = gs1_keys(&values);
    }
}
