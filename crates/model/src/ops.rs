//! Outbox operations: the unit the workstation records locally and the sync protocol sends.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Instrument,
    /// An order and its lines; the entity id is the order number, the payload an
    /// `order::OrderOp`.
    Order,
    /// A monthly operating report issued at the workstation: the entity id is its number, the
    /// payload the issued report and its bytes (`reports::Submission`). Create only.
    Report,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Instrument => "instrument",
            EntityKind::Order => "order",
            EntityKind::Report => "report",
        }
    }

    pub fn parse(s: &str) -> Option<EntityKind> {
        match s {
            "instrument" => Some(EntityKind::Instrument),
            "order" => Some(EntityKind::Order),
            "report" => Some(EntityKind::Report),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    /// Payload: the whole new record.
    Create,
    /// Payload: `{field: [before, after]}` for each changed field, so the node can merge three ways.
    /// For an order, every change after its creation (line added, edit, attachment, workflow
    /// step); its `order::OrderOp` payload says which.
    Update,
    /// Soft delete. Payload: `{"reason": ...}`.
    Delete,
    /// Reverses a soft delete. Payload: `{}`.
    Undelete,
}

impl OpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Create => "create",
            OpKind::Update => "update",
            OpKind::Delete => "delete",
            OpKind::Undelete => "undelete",
        }
    }

    pub fn parse(s: &str) -> Option<OpKind> {
        match s {
            "create" => Some(OpKind::Create),
            "update" => Some(OpKind::Update),
            "delete" => Some(OpKind::Delete),
            "undelete" => Some(OpKind::Undelete),
            _ => None,
        }
    }
}

/// One local write, as queued for the node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// UUIDv7: unique everywhere, roughly time-ordered.
    pub op_id: Uuid,
    pub device_id: Uuid,
    /// Per-device contiguous sequence, starting at 1: lets the node spot holes and resume.
    pub seq: u64,
    /// Hybrid-logical-clock stamp, orders ops across devices despite skewed clocks.
    pub hlc: String,
    pub entity: EntityKind,
    pub entity_id: String,
    pub kind: OpKind,
    pub payload: Payload,
}

impl Operation {
    /// When the op was written at its device, from its hybrid-logical-clock stamp
    /// (`{ntp64 as 16 hex digits}-{id}`: seconds since 1970 in the high 32 bits, the fraction in
    /// the low). `None` for a stamp in another form.
    pub fn written_at_unix_millis(&self) -> Option<i64> {
        let (time, _) = self.hlc.split_once('-')?;
        if time.len() != 16 {
            return None;
        }
        let ntp = u64::from_str_radix(time, 16).ok()?;
        let secs = i64::try_from(ntp >> 32).ok()?;
        let frac = i64::try_from(((ntp & 0xffff_ffff) * 1000) >> 32).ok()?;
        Some(secs * 1000 + frac)
    }
}

/// An op's payload as the JSON text it was written as. It crosses the outbox, the wire and the
/// node's audit log as text, and is parsed once, into the type its op needs (the node spent a
/// fifth of a push building and walking a generic JSON tree per op before).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Payload(Box<serde_json::value::RawValue>);

impl Payload {
    /// Checks that `json` is one JSON value and keeps it as written.
    pub fn from_json(json: String) -> Result<Payload, serde_json::Error> {
        serde_json::value::RawValue::from_string(json).map(Payload)
    }

    pub fn from_value(value: &serde_json::Value) -> Payload {
        Payload::from_json(value.to_string()).expect("a serialised Value is valid JSON")
    }

    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    pub fn parse<'a, T: Deserialize<'a>>(&'a self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }

    pub fn raw(&self) -> &serde_json::value::RawValue {
        &self.0
    }
}

/// Equal when they hold the same JSON value, however it is spaced.
impl PartialEq for Payload {
    fn eq(&self, other: &Payload) -> bool {
        self.as_str() == other.as_str()
            || self.parse::<serde_json::Value>().ok() == other.parse::<serde_json::Value>().ok()
    }
}
