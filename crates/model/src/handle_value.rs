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
    /// Who may read and write the value; left out of the JSON when it is the default
    /// (`1110`: the administrator reads and writes, anyone reads), as Handle.Net does.
    #[serde(default, skip_serializing_if = "Permissions::is_default")]
    pub permissions: Permissions,
}

/// A value's four permission bits as Handle.Net writes them: administrator read, administrator
/// write, public read, public write (`"1110"` by default). A value without public read is
/// shown only to the handle's administrators: here, the enterprise that owns the prefix and the
/// operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Permissions {
    pub admin_read: bool,
    pub admin_write: bool,
    pub public_read: bool,
    pub public_write: bool,
}

impl Default for Permissions {
    fn default() -> Permissions {
        Permissions::PUBLIC
    }
}

impl Permissions {
    /// `1110`: anyone reads, the administrator writes.
    pub const PUBLIC: Permissions = Permissions {
        admin_read: true,
        admin_write: true,
        public_read: true,
        public_write: false,
    };
    /// `1100`: only the administrator reads (personal data).
    pub const ADMIN_ONLY: Permissions = Permissions {
        public_read: false,
        ..Permissions::PUBLIC
    };

    pub fn is_default(&self) -> bool {
        *self == Permissions::PUBLIC
    }

    /// The four bits as text, e.g. `1110`.
    pub fn as_text(&self) -> String {
        [
            self.admin_read,
            self.admin_write,
            self.public_read,
            self.public_write,
        ]
        .iter()
        .map(|b| if *b { '1' } else { '0' })
        .collect()
    }

    /// Four characters of `0` and `1`.
    pub fn parse(text: &str) -> Option<Permissions> {
        let bits: Vec<bool> = text
            .chars()
            .map(|c| match c {
                '0' => Some(false),
                '1' => Some(true),
                _ => None,
            })
            .collect::<Option<_>>()?;
        match bits[..] {
            [admin_read, admin_write, public_read, public_write] => Some(Permissions {
                admin_read,
                admin_write,
                public_read,
                public_write,
            }),
            _ => None,
        }
    }
}

impl Serialize for Permissions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_text())
    }
}

impl<'de> Deserialize<'de> for Permissions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Permissions, D::Error> {
        let text = String::deserialize(d)?;
        Permissions::parse(&text)
            .ok_or_else(|| serde::de::Error::custom("permissions must be four of 0 and 1"))
    }
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
            permissions: Permissions::PUBLIC,
        }
    }

    /// The same value with other permissions.
    pub fn with_permissions(mut self, permissions: Permissions) -> HandleValue {
        self.permissions = permissions;
        self
    }

    /// Whether anyone may read the value.
    pub fn is_public(&self) -> bool {
        self.permissions.public_read
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

    #[test]
    fn permissions_appear_only_when_they_differ_from_the_default() {
        let private =
            HandleValue::string(1020, "IDS.CALIBRATED_BY", "王工", "2026-01-01T00:00:00Z")
                .with_permissions(Permissions::ADMIN_ONLY);
        let json = serde_json::to_value(&private).expect("json");
        assert_eq!(json["permissions"], "1100");
        let back: HandleValue = serde_json::from_value(json).expect("parse");
        assert_eq!((back.is_public(), back), (false, private));
        let public = HandleValue::string(1, "URL", "https://x.cn/", "2026-01-01T00:00:00Z");
        assert!(serde_json::to_value(&public)
            .expect("json")
            .get("permissions")
            .is_none());
        assert_eq!(
            Permissions::parse("1101").map(|p| p.public_write),
            Some(true)
        );
        for bad in ["111", "11101", "11a0", ""] {
            assert_eq!(Permissions::parse(bad), None, "{bad}");
        }
    }
}
