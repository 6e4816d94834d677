//! Outbox operations: the unit the workstation records locally and the sync protocol sends.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Instrument,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Instrument => "instrument",
        }
    }

    pub fn parse(s: &str) -> Option<EntityKind> {
        match s {
            "instrument" => Some(EntityKind::Instrument),
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
    pub payload: serde_json::Value,
}
