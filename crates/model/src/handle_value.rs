//! Handle values as the Handle.net JSON REST API carries them (Handle Technical Manual, ch. 14):
//! the wire type the node serves and the workstation's sync client sends.
//!
//! Responses always use the object form of `data` (`{"format": "string", "value": "..."}`);
//! the node's request parser accepts the lenient forms real clients send and produces these.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Time-to-live given to values that arrive without one (a day, as Handle servers default).
pub const DEFAULT_TTL: i64 = 86_400;

/// One value of a handle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandleValue {
    pub index: u32,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: ValueData,
    pub ttl: i64,
    /// RFC 3339, UTC; set by the node when the value is written.
    pub timestamp: String,
}

impl HandleValue {
    /// A string-format value with the default TTL.
    pub fn string(
        index: u32,
        kind: impl Into<String>,
        value: impl Into<String>,
        timestamp: impl Into<String>,
    ) -> HandleValue {
        HandleValue {
            index,
            kind: kind.into(),
            data: ValueData::string(value),
            ttl: DEFAULT_TTL,
            timestamp: timestamp.into(),
        }
    }

    /// The text of a string-format value; `None` for every other format.
    pub fn as_str(&self) -> Option<&str> {
        self.data.as_str()
    }

    /// Whether the value's type is `wanted`, ASCII case-insensitively (Handle types are).
    pub fn is_type(&self, wanted: &str) -> bool {
        self.kind.eq_ignore_ascii_case(wanted)
    }
}

/// A value's data in object form: `{"format": "...", "value": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueData {
    pub format: String,
    pub value: Value,
}

impl ValueData {
    pub fn string(value: impl Into<String>) -> ValueData {
        ValueData {
            format: "string".to_owned(),
            value: Value::String(value.into()),
        }
    }

    /// An HS_ADMIN value's data: who administers the handle and with which permission bits.
    pub fn admin(handle: &str, index: u32, permissions: &str) -> ValueData {
        ValueData {
            format: "admin".to_owned(),
            value: serde_json::json!({
                "handle": handle,
                "index": index,
                "permissions": permissions,
            }),
        }
    }

    /// The text of string-format data.
    pub fn as_str(&self) -> Option<&str> {
        match (&*self.format, &self.value) {
            ("string", Value::String(s)) => Some(s),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_in_the_handle_rest_shape() {
        let v = HandleValue::string(1, "URL", "https://example.cn/", "2026-01-01T00:00:00Z");
        assert_eq!(
            serde_json::to_value(&v).expect("json"),
            serde_json::json!({
                "index": 1, "type": "URL",
                "data": {"format": "string", "value": "https://example.cn/"},
                "ttl": 86400, "timestamp": "2026-01-01T00:00:00Z"
            })
        );
        assert_eq!(v.as_str(), Some("https://example.cn/"));
        assert!(v.is_type("url"));
        let admin = ValueData::admin("0.NA/88.118", 300, "011111110011");
        assert_eq!(admin.as_str(), None);
    }
}
