//! The sync protocol between a workstation and the node, and the one merge rule both sides use.
//!
//! - **Push**: the workstation sends its outbox ops in sequence order. The node applies each op
//!   once (by op id), stores the result, and answers a replay with the stored result. It reports
//!   the device's high-water mark: the highest seq up to which every op has a result.
//! - **Pull**: the node's changes to instrument records after a cursor, in pages. A cursor the
//!   node no longer retains answers "must refetch" and the client pulls a snapshot in pages.
//! - **Merge**: an update carries `{field: [before, after]}`. Against the node's current record a
//!   field merges when the node still has `before` (or already has `after`); otherwise it is a
//!   conflict a person resolves. Disjoint fields of the same op still merge.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::instrument::{Field, Instrument, InstrumentInput};
use crate::ops::Operation;
use crate::template::MetadataTemplate;

/// Most ops one push may carry; most changes one pull page may carry.
pub const MAX_PUSH_OPS: usize = 1_000;
pub const MAX_PULL_PAGE: u32 = 1_000;
/// The rejection code of an op whose sequence number the node already holds for another op of
/// the same device: the workstation was restored from an older backup. The node stops the batch
/// there; the workstation moves its ops after the node's high-water mark and sends them again.
pub const SEQUENCE_REUSED: &str = "sequence_reused";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub device_id: Uuid,
    pub ops: Vec<Operation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpOutcome {
    /// The op took effect.
    Applied,
    /// The op's effect was already there (e.g. the same registration from another op).
    Duplicate,
    /// The op can never take effect (invalid, not allowed); it stops nothing behind it.
    Rejected,
    /// Some fields merged, others changed on both sides: a person decides.
    Conflict,
}

/// One field changed on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldConflict {
    /// The field key (`name`, `cal.next_due`, `attr.x`).
    pub field: String,
    /// What the workstation started from.
    pub base: Option<String>,
    /// What the workstation changed it to.
    pub local: Option<String>,
    /// What the node has.
    pub server: Option<String>,
}

/// An instrument record as the node holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerRow {
    pub handle: String,
    /// Grows by one with every change at the node.
    pub version: u64,
    pub deleted: bool,
    pub instrument: Instrument,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpResult {
    pub op_id: Uuid,
    pub seq: u64,
    pub outcome: OpOutcome,
    /// A stable code for rejections (`invalid_record`, `handle_taken`, `not_found`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<FieldConflict>,
    /// The node's record after the op (absent for rejections of unknown records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerRow>,
    /// When the node applied it (RFC 3339): registration-to-resolvable time is measured from it.
    pub applied_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<OpResult>,
    /// Every op of this device up to here has a stored result.
    pub high_water: u64,
}

/// What the node has seen of a device: the witness a workstation consults after restoring an
/// older backup, so it never reuses a sequence number or an identifier it already issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceStatus {
    pub device_id: Uuid,
    /// Every op of the device up to here has a result at the node: the next op the device
    /// writes must carry a higher sequence number.
    pub high_water: u64,
    /// The device's leases, each with the highest number the node has seen registered in it.
    #[serde(default)]
    pub leases: Vec<LeaseUse>,
}

/// A lease and how far into it the node has seen identifiers registered (by any path). Numbers
/// at or below `used_through` are taken; a workstation restored from a backup also treats
/// numbers it may have printed but never synced as taken (the node cannot know those).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseUse {
    #[serde(flatten)]
    pub lease: crate::lease::SuffixLease,
    pub used_through: Option<u64>,
}

/// One change at the node, in cursor order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub cursor: u64,
    pub row: ServerRow,
    /// The device whose op made the change (none for changes made through the Handle API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_device: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<Change>,
    /// Where the next pull starts; store it with the page, in one transaction.
    pub next_cursor: u64,
    pub has_more: bool,
}

/// A snapshot page (after "must refetch"): records in handle order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotPage {
    pub rows: Vec<ServerRow>,
    /// Resume the snapshot after this handle.
    pub next_after: Option<String>,
    /// The change cursor to continue from once the snapshot is complete.
    pub cursor: u64,
}

/// The outcome of merging an update's field changes into a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub instrument: Instrument,
    /// Fields that changed.
    pub applied: Vec<String>,
    /// Fields that already had the op's value.
    pub already: Vec<String>,
    pub conflicts: Vec<FieldConflict>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("the change payload is not {{field: [before, after]}}: {0}")]
    Malformed(String),
    #[error("unknown field {0}")]
    UnknownField(String),
    #[error("the identifier of a record cannot change")]
    IdentifierChange,
    #[error("the merged record is invalid: {0}")]
    Invalid(String),
}

fn text(v: &Value) -> Result<Option<String>, MergeError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        other => Err(MergeError::Malformed(format!("{other} is not text"))),
    }
}

/// Merges `{field: [before, after]}` into `current`, three ways: the node's value, the op's
/// base (`before`) and the op's change (`after`).
pub fn merge_changes(
    current: &Instrument,
    changes: &Map<String, Value>,
    template: &MetadataTemplate,
) -> Result<Merged, MergeError> {
    let mut input: InstrumentInput = current.to_input();
    let mut applied = Vec::new();
    let mut already = Vec::new();
    let mut conflicts = Vec::new();
    for (key, pair) in changes {
        let field = Field::from_key(key).ok_or_else(|| MergeError::UnknownField(key.clone()))?;
        if field == Field::Identifier {
            return Err(MergeError::IdentifierChange);
        }
        let (before, after) = match pair.as_array().map(Vec::as_slice) {
            Some([b, a]) => (text(b)?, text(a)?),
            _ => return Err(MergeError::Malformed(format!("{key}: {pair}"))),
        };
        let server = input.get(&field).map(str::to_owned);
        if server == after {
            already.push(key.clone());
        } else if server == before {
            input.set(&field, after.unwrap_or_default());
            applied.push(key.clone());
        } else {
            conflicts.push(FieldConflict {
                field: key.clone(),
                base: before,
                local: after,
                server,
            });
        }
    }
    let instrument = input.validate(template).map_err(|e| {
        MergeError::Invalid(
            e.0.iter()
                .map(|f| format!("{}: {:?}", f.field.key(), f.kind))
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    Ok(Merged {
        instrument,
        applied,
        already,
        conflicts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::InstrumentInput;
    use serde_json::json;

    fn template() -> MetadataTemplate {
        MetadataTemplate::builtin_instrument()
    }

    fn record() -> Instrument {
        let mut input = InstrumentInput::default();
        input.set(&Field::Identifier, "88.118.8/CAL-2026-000001");
        input.set(&Field::Name, "数字万用表");
        input.set(&Field::Location, "一楼");
        input.set(&Field::Owner, "华东计量");
        input.validate(&template()).expect("valid")
    }

    fn changes(v: Value) -> Map<String, Value> {
        v.as_object().expect("object").clone()
    }

    #[test]
    fn disjoint_fields_merge_and_same_field_conflicts() {
        let mut server = record().to_input();
        server.set(&Field::Location, "二楼");
        let server = server.validate(&template()).expect("valid");
        let m = merge_changes(
            &server,
            &changes(json!({
                "owner": ["华东计量", "华南计量"],
                "location": ["一楼", "三楼"],
                "name": ["数字万用表", "数字万用表"],
            })),
            &template(),
        )
        .expect("merge");
        assert_eq!(m.applied, vec!["owner"]);
        assert_eq!(m.already, vec!["name"]);
        assert_eq!(
            m.conflicts,
            vec![FieldConflict {
                field: "location".into(),
                base: Some("一楼".into()),
                local: Some("三楼".into()),
                server: Some("二楼".into()),
            }]
        );
        assert_eq!(m.instrument.owner.as_deref(), Some("华南计量"));
        assert_eq!(
            m.instrument.location.as_deref(),
            Some("二楼"),
            "the node's value stays"
        );
    }

    #[test]
    fn clearing_a_field_and_replaying_are_merges() {
        let m = merge_changes(
            &record(),
            &changes(json!({"location": ["一楼", null]})),
            &template(),
        )
        .expect("merge");
        assert_eq!(m.instrument.location, None);
        let again = merge_changes(
            &m.instrument,
            &changes(json!({"location": ["一楼", null]})),
            &template(),
        )
        .expect("merge");
        assert_eq!(again.already, vec!["location"]);
        assert!(again.conflicts.is_empty());
    }

    #[test]
    fn bad_changes_are_errors_not_merges() {
        let r = record();
        let t = template();
        for bad in [
            json!({"nope": ["a", "b"]}),
            json!({"identifier": ["88.118.8/CAL-2026-000001", "88.118.8/X"]}),
            json!({"name": "x"}),
            json!({"name": [1, 2]}),
            json!({"name": ["数字万用表", null]}),
        ] {
            assert!(
                merge_changes(&r, &changes(bad.clone()), &t).is_err(),
                "{bad}"
            );
        }
    }
}
