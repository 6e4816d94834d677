//! The values a label shows, taken from an instrument record, and the QR payload.

use std::collections::BTreeMap;

use idstation_model::{Field, Identifier, Instrument};

/// Field values by key (`name`, `cal_last_date`, `attr.environment`, plus extras such as
/// `restriction`), and the QR payload.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelData {
    pub fields: BTreeMap<String, String>,
    pub qr_payload: String,
}

impl LabelData {
    /// The instrument's fields in their form-text form, with `extra` values (e.g. the permitted
    /// ranges of a 准用 label) added or overriding.
    pub fn from_instrument(
        inst: &Instrument,
        resolver_host: &str,
        extra: &BTreeMap<String, String>,
    ) -> LabelData {
        let input = inst.to_input();
        let mut fields = BTreeMap::new();
        for f in Field::FIXED {
            if let Some(v) = input.get(&f) {
                fields.insert(f.key(), v.to_string());
            }
        }
        for (k, v) in &input.attributes {
            if !v.trim().is_empty() {
                fields.insert(format!("attr.{k}"), v.clone());
            }
        }
        for (k, v) in extra {
            if !v.trim().is_empty() {
                fields.insert(k.clone(), v.trim().to_string());
            }
        }
        let qr_payload = qr_payload(&inst.identifier, resolver_host);
        fields.insert("qr".into(), qr_payload.clone());
        LabelData { fields, qr_payload }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .get(key)
            .map(String::as_str)
            .filter(|s| !s.trim().is_empty())
    }

    /// Replaces each `{key}` by its value (empty when unset). `{{` and `}}` are literal braces.
    pub fn fill(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(i) = rest.find(['{', '}']) {
            out.push_str(&rest[..i]);
            let tail = &rest[i..];
            if tail.starts_with("{{") || tail.starts_with("}}") {
                out.push_str(&tail[..1]);
                rest = &tail[2..];
            } else if let Some(end) = tail.strip_prefix('{').and_then(|t| t.find('}')) {
                let key = &tail[1..1 + end];
                out.push_str(self.get(key).unwrap_or(""));
                rest = &tail[end + 2..];
            } else {
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
        out.push_str(rest);
        out
    }
}

/// The resolver URL `https://<host>/<identifier>`. Upper-cased when the upper-cased URL still
/// names the same identifier (handles are case-insensitive), so the QR uses alphanumeric mode
/// and comes out a version or two smaller.
pub fn qr_payload(id: &Identifier, resolver_host: &str) -> String {
    let host = resolver_host
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let path = match id {
        Identifier::Handle(h) => h.url_path(),
        // A Digital Link on our resolver, which serves GS1 paths, not one URL inside another.
        Identifier::Gs1(key) => key.url_path(),
        other => other.to_string(),
    };
    let url = format!("https://{host}/{path}");
    let upper = url.to_ascii_uppercase();
    if crate::qr::is_alphanumeric_mode(&upper)
        && Identifier::parse(&upper).ok().as_ref() == Some(id)
    {
        upper
    } else {
        url
    }
}
