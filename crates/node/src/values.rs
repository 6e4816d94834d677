//! Handle values as the Handle.net JSON REST API shows them, and the parsing of request bodies.
//!
//! Requests are lenient the way real clients need (bare-string `data`, `index` as a string,
//! three body shapes); responses always use the canonical object form. Every check here is
//! linear in the request (sets, not nested scans), so a large body or a long query costs the
//! node no more than reading it.

use std::collections::HashSet;

use base64::Engine as _;
use serde_json::{Map, Value};

// The wire type is the model's, shared with the workstation's sync client.
pub use idstation_model::handle_value::{HandleValue, Permissions, ValueData, DEFAULT_TTL};

/// Most values one handle holds (an instrument record has a few dozen): what a request may
/// make the node parse, store, filter and send is bounded by it.
pub const MAX_VALUES: usize = 1_000;

/// Why a request body is not an acceptable list of values (responseCode 202).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    #[error("expected an array of values, {{\"values\": [...]}} or a single value object")]
    UnexpectedShape,
    #[error("at least one value is required")]
    NoValues,
    #[error("value {position}: {reason}")]
    Invalid { position: usize, reason: String },
    #[error("index {0} appears more than once")]
    DuplicateIndex(u32),
    #[error("the body has no value with index {0}, which the index parameter names")]
    MissingSelectedIndex(u32),
    #[error("a handle holds at most {MAX_VALUES} values")]
    TooMany,
}

/// Parses a PUT body: an array of values, `{"values": [...]}` (other keys ignored) or one value.
/// Every value gets `timestamp`; the result is sorted by index.
pub fn parse_values(body: &[u8], timestamp: &str) -> Result<Vec<HandleValue>, ValueError> {
    let json: Value =
        serde_json::from_slice(body).map_err(|e| ValueError::MalformedJson(e.to_string()))?;
    let items = match json {
        Value::Array(items) => items,
        Value::Object(mut obj) => match obj.remove("values") {
            Some(Value::Array(items)) => items,
            Some(_) => return Err(ValueError::UnexpectedShape),
            None => vec![Value::Object(obj)],
        },
        _ => return Err(ValueError::UnexpectedShape),
    };
    if items.is_empty() {
        return Err(ValueError::NoValues);
    }
    if items.len() > MAX_VALUES {
        return Err(ValueError::TooMany);
    }
    let mut values = Vec::with_capacity(items.len());
    let mut seen = HashSet::with_capacity(items.len());
    for (position, item) in items.into_iter().enumerate() {
        let value = parse_value(item, timestamp)
            .map_err(|reason| ValueError::Invalid { position, reason })?;
        if !seen.insert(value.index) {
            return Err(ValueError::DuplicateIndex(value.index));
        }
        values.push(value);
    }
    values.sort_by_key(|v| v.index);
    Ok(values)
}

fn parse_value(item: Value, timestamp: &str) -> Result<HandleValue, String> {
    let Value::Object(mut obj) = item else {
        return Err("a value must be a JSON object".to_owned());
    };
    let index = parse_index(obj.get("index").ok_or("missing \"index\"")?)?;
    let kind = match obj.remove("type") {
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        _ => return Err("\"type\" must be a non-empty string".to_owned()),
    };
    let data = parse_data(obj.remove("data").ok_or("missing \"data\"")?)?;
    let ttl = match obj.get("ttl") {
        None | Some(Value::Null) => DEFAULT_TTL,
        Some(v) => parse_int(v)
            .filter(|t| i32::try_from(*t).is_ok())
            .ok_or("\"ttl\" must be a 32-bit integer")?,
    };
    let permissions = match obj.get("permissions") {
        None | Some(Value::Null) => Permissions::default(),
        Some(Value::String(p)) => {
            Permissions::parse(p).ok_or("\"permissions\" must be four of 0 and 1, e.g. 1110")?
        }
        Some(_) => return Err("\"permissions\" must be a string like 1110".to_owned()),
    };
    Ok(HandleValue {
        index,
        kind,
        data,
        ttl,
        timestamp: timestamp.to_owned(),
        permissions,
    })
}

/// Handle indexes are positive 32-bit integers; pyhandle sends them as strings ("200").
fn parse_index(v: &Value) -> Result<u32, String> {
    parse_int(v)
        .and_then(|i| u32::try_from(i).ok())
        .filter(|i| (1..=i32::MAX as u32).contains(i))
        .ok_or_else(|| format!("\"index\" must be an integer from 1 to {}", i32::MAX))
}

fn parse_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn parse_data(data: Value) -> Result<ValueData, String> {
    let mut obj = match data {
        // A bare string means string format (pyhandle sends this).
        Value::String(s) => return Ok(ValueData::string(s)),
        Value::Object(obj) => obj,
        _ => return Err("\"data\" must be a string or {\"format\", \"value\"}".to_owned()),
    };
    let format = match obj.remove("format") {
        Some(Value::String(f)) => f.to_ascii_lowercase(),
        _ => return Err("\"data.format\" must be a string".to_owned()),
    };
    let value = obj.remove("value").ok_or("missing \"data.value\"")?;
    let value = match format.as_str() {
        "string" => match value {
            Value::String(_) => value,
            _ => return Err("string data must be a JSON string".to_owned()),
        },
        "base64" => {
            let s = value.as_str().ok_or("base64 data must be a JSON string")?;
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|_| "data is not valid base64")?;
            value
        }
        "hex" => {
            let s = value.as_str().ok_or("hex data must be a JSON string")?;
            hex::decode(s).map_err(|_| "data is not valid hex")?;
            value
        }
        "admin" => Value::Object(parse_admin(value)?),
        "vlist" => {
            let Value::Array(refs) = value else {
                return Err("vlist data must be an array of {handle, index}".to_owned());
            };
            let refs = refs
                .into_iter()
                .map(parse_reference)
                .collect::<Result<Vec<_>, _>>()?;
            Value::Array(refs.into_iter().map(Value::Object).collect())
        }
        // Site and key records have rich structures this slice stores as given.
        "site" | "key" => value,
        other => return Err(format!("unknown data format \"{other}\"")),
    };
    Ok(ValueData { format, value })
}

fn parse_reference(v: Value) -> Result<Map<String, Value>, String> {
    let Value::Object(obj) = v else {
        return Err("a reference must be {handle, index}".to_owned());
    };
    let handle = match obj.get("handle") {
        Some(Value::String(h)) if !h.is_empty() => h.clone(),
        _ => return Err("a reference needs a non-empty \"handle\"".to_owned()),
    };
    let index = parse_index(obj.get("index").ok_or("a reference needs an \"index\"")?)?;
    let mut out = Map::new();
    out.insert("handle".to_owned(), Value::String(handle));
    out.insert("index".to_owned(), Value::from(index));
    Ok(out)
}

fn parse_admin(v: Value) -> Result<Map<String, Value>, String> {
    let permissions = v
        .get("permissions")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or("admin data needs \"permissions\"")?;
    if permissions.len() != 12 || !permissions.bytes().all(|b| b == b'0' || b == b'1') {
        return Err("admin permissions must be 12 characters of 0 and 1".to_owned());
    }
    let mut out = parse_reference(v)?;
    out.insert("permissions".to_owned(), Value::String(permissions));
    Ok(out)
}

/// The values a PUT leaves on the handle. With no `selected` indexes the body replaces every
/// value; otherwise only the selected indexes are added or replaced and the rest are kept.
pub fn merge(
    existing: &[HandleValue],
    incoming: Vec<HandleValue>,
    selected: &[u32],
) -> Result<Vec<HandleValue>, ValueError> {
    if selected.is_empty() {
        return Ok(incoming);
    }
    let selected: HashSet<u32> = selected.iter().copied().collect();
    let sent: HashSet<u32> = incoming.iter().map(|v| v.index).collect();
    if let Some(missing) = selected.iter().filter(|i| !sent.contains(i)).min() {
        return Err(ValueError::MissingSelectedIndex(*missing));
    }
    let mut out: Vec<HandleValue> = existing
        .iter()
        .filter(|v| !selected.contains(&v.index))
        .cloned()
        .collect();
    out.extend(incoming.into_iter().filter(|v| selected.contains(&v.index)));
    if out.len() > MAX_VALUES {
        return Err(ValueError::TooMany);
    }
    out.sort_by_key(|v| v.index);
    Ok(out)
}

/// The values a GET shows: those matching any `index` or any `type` (a type ending in `.` also
/// matches its subtypes); everything when both lists are empty.
pub fn filter<'a>(
    values: &'a [HandleValue],
    indexes: &[u32],
    types: &[String],
) -> Vec<&'a HandleValue> {
    if indexes.is_empty() && types.is_empty() {
        return values.iter().collect();
    }
    let indexes: HashSet<u32> = indexes.iter().copied().collect();
    let types = TypeFilter::new(types);
    values
        .iter()
        .filter(|v| indexes.contains(&v.index) || types.matches(&v.kind))
        .collect()
}

/// The `type=` parameters as sets, so a value's type is checked in time linear in its own
/// length, however many types the query names. `URL` matches `URL`; `URL.` matches `URL` and
/// its subtypes `URL.…`; all without regard to ASCII case.
struct TypeFilter {
    exact: HashSet<String>,
    with_subtypes: HashSet<String>,
}

impl TypeFilter {
    fn new(types: &[String]) -> TypeFilter {
        let mut filter = TypeFilter {
            exact: HashSet::new(),
            with_subtypes: HashSet::new(),
        };
        for t in types {
            let t = t.to_ascii_lowercase();
            match t.strip_suffix('.') {
                Some(base) => filter.with_subtypes.insert(base.to_owned()),
                None => filter.exact.insert(t),
            };
        }
        filter
    }

    fn matches(&self, kind: &str) -> bool {
        let kind = kind.to_ascii_lowercase();
        if self.exact.contains(&kind) || self.with_subtypes.contains(&kind) {
            return true;
        }
        !self.with_subtypes.is_empty()
            && kind
                .match_indices('.')
                .any(|(dot, _)| self.with_subtypes.contains(&kind[..dot]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TS: &str = "2026-01-01T00:00:00Z";

    #[test]
    fn accepts_the_three_body_shapes_and_normalises_data() {
        let single = br#"{"index":"1","type":"URL","data":"https://x.cn/a"}"#;
        let array = br#"[{"index":1,"type":"URL","data":"https://x.cn/a"}]"#;
        let wrapped = br#"{"handle":"88.118/A","values":[{"index":1,"type":"URL","data":{"format":"string","value":"https://x.cn/a"}}]}"#;
        let expected = vec![HandleValue::string(1, "URL", "https://x.cn/a", TS)];
        for body in [&single[..], &array[..], &wrapped[..]] {
            assert_eq!(parse_values(body, TS).expect("valid"), expected);
        }
    }

    #[test]
    fn rejects_bad_values() {
        for body in [
            &b"{"[..],
            b"[]",
            b"42",
            br#"[{"index":0,"type":"URL","data":"x"}]"#,
            br#"[{"index":1,"type":"","data":"x"}]"#,
            br#"[{"index":1,"type":"URL"}]"#,
            br#"[{"index":1,"type":"URL","data":{"format":"hex","value":"zz"}}]"#,
            br#"[{"index":1,"type":"URL","data":{"format":"nope","value":"x"}}]"#,
            br#"[{"index":1,"type":"A","data":"x"},{"index":1,"type":"B","data":"y"}]"#,
            br#"[{"index":100,"type":"HS_ADMIN","data":{"format":"admin","value":{"handle":"0.NA/88.118","index":300,"permissions":"01"}}}]"#,
        ] {
            assert!(parse_values(body, TS).is_err(), "{}", String::from_utf8_lossy(body));
        }
    }

    fn value(index: u32, kind: &str) -> HandleValue {
        HandleValue::string(index, kind, kind, TS)
    }

    #[test]
    fn merge_replaces_all_or_only_the_selected_indexes() {
        let existing = vec![value(1, "URL"), value(2, "EMAIL")];
        let incoming = vec![value(2, "NEW"), value(3, "OTHER")];
        assert_eq!(
            merge(&existing, incoming.clone(), &[]).expect("merge"),
            incoming
        );
        assert_eq!(
            merge(&existing, incoming.clone(), &[2]).expect("merge"),
            vec![value(1, "URL"), value(2, "NEW")]
        );
        assert_eq!(
            merge(&existing, incoming, &[5]),
            Err(ValueError::MissingSelectedIndex(5))
        );
    }

    #[test]
    fn filter_ors_indexes_and_types_with_subtypes() {
        let values = vec![value(1, "URL"), value(2, "URL.alt"), value(3, "EMAIL")];
        let idx = |v: Vec<&HandleValue>| v.iter().map(|v| v.index).collect::<Vec<_>>();
        assert_eq!(idx(filter(&values, &[], &[])), vec![1, 2, 3]);
        assert_eq!(idx(filter(&values, &[3], &["url".to_owned()])), vec![1, 3]);
        assert_eq!(idx(filter(&values, &[], &["URL.".to_owned()])), vec![1, 2]);
        assert_eq!(idx(filter(&values, &[], &["url.ALT".to_owned()])), vec![2]);
        assert!(filter(&values, &[], &["URL.alt.".to_owned()]).len() == 1);
        assert!(filter(&values, &[], &["UR.".to_owned()]).is_empty());
        assert!(filter(&values, &[9], &[]).is_empty());
    }

    #[test]
    fn permissions_are_read_from_the_body() {
        let body =
            br#"[{"index":1020,"type":"IDS.CALIBRATED_BY","data":"Wang","permissions":"1100"},
                        {"index":1,"type":"URL","data":"https://x.cn/a"}]"#;
        let values = parse_values(body, TS).expect("valid");
        assert_eq!(
            values.iter().map(|v| v.is_public()).collect::<Vec<_>>(),
            vec![true, false]
        );
        let bad = br#"[{"index":1,"type":"URL","data":"x","permissions":"11"}]"#;
        assert!(parse_values(bad, TS).is_err());
    }
}
