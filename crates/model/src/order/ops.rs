//! What crosses the outbox and the wire for orders: one payload type, [`OrderOp`], carried as
//! `model::Payload` JSON text under `EntityKind::Order` with the order number as entity id, and
//! the node's side of a pull, [`OrderChange`].
//!
//! A transition travels as `{order, line, action, from, to, actor, date}` (the op id is the
//! envelope's). Whoever applies it — the node on push, a workstation replaying its own pending
//! ops over a pulled state — runs the same machine ([`OrderTransitionOp::apply`]): the target
//! must still be in `from` (else the op lost a race: [`ApplyError::Stale`]) and the machine
//! must allow the action for that actor (else [`ApplyError::Refused`]). Either way nothing
//! changes and a person sees a conflict; no illegal state is ever stored.
//!
//! Personal data (the contact) is [`Protected`]: sealed with the writing device's key while it
//! sits in an outbox, clear only on the wire to the node, which needs TLS and reads it for the
//! lab's own roles (and encrypts it at rest with its own key).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::order::workflow::{
    transition, Action, Actor, Command, Context, EditScope, TransitionError, Transitioned, Workflow,
};
use crate::order::{AttachmentRef, Contact, Order, OrderLine, OrderNumber};
use crate::sync::FieldConflict;

/// A value that is personal information: sealed (`{"sealed": "v1...."}`, only the sealing
/// device can open it) or clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Protected<T> {
    Sealed { sealed: String },
    Clear(T),
}

/// Every order change a device makes, as its outbox op's payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OrderOp {
    /// A new order with its first lines (workflow: submitted, lines pending).
    Create {
        order: Box<Order>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contact: Option<Protected<Contact>>,
        lines: Vec<OrderLine>,
        actor: Actor,
    },
    AddLine {
        order: OrderNumber,
        line: Box<OrderLine>,
        actor: Actor,
    },
    /// Field edits `{field: [before, after]}` of the header (`line: None`) or of one line;
    /// the fields are [`order_field_scope`]'s and [`line_field_scope`]'s.
    Edit {
        order: OrderNumber,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        line: Option<Uuid>,
        changes: Map<String, Value>,
        actor: Actor,
    },
    Transition(OrderTransitionOp),
    Attach {
        order: OrderNumber,
        attachment: AttachmentRef,
        actor: Actor,
    },
}

impl OrderOp {
    pub fn order_number(&self) -> &OrderNumber {
        match self {
            OrderOp::Create { order, .. } => &order.number,
            OrderOp::AddLine { order, .. }
            | OrderOp::Edit { order, .. }
            | OrderOp::Attach { order, .. } => order,
            OrderOp::Transition(t) => &t.order,
        }
    }

    pub fn actor(&self) -> &Actor {
        match self {
            OrderOp::Create { actor, .. }
            | OrderOp::AddLine { actor, .. }
            | OrderOp::Edit { actor, .. }
            | OrderOp::Attach { actor, .. } => actor,
            OrderOp::Transition(t) => &t.actor,
        }
    }
}

/// One workflow step, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderTransitionOp {
    pub order: OrderNumber,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<Uuid>,
    pub action: Action,
    /// The target's state code before and after, where the action was taken.
    pub from: String,
    pub to: String,
    pub actor: Actor,
    /// The local date the action was taken (results are checked against it).
    pub date: NaiveDate,
}

/// Why a transition op does not apply to a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ApplyError {
    /// The target moved meanwhile (another device or the node took another step first).
    #[error("the {target} is {found}, not {expected}: another change came first")]
    Stale {
        target: String,
        expected: String,
        found: String,
    },
    #[error(transparent)]
    Refused(TransitionError),
    /// The machine took the action but ended elsewhere than the op says (a different
    /// version of the rules): never stored.
    #[error("the action leads to {actual}, not {claimed}")]
    Diverged { claimed: String, actual: String },
}

impl OrderTransitionOp {
    pub fn command(&self) -> Command {
        Command {
            line: self.line,
            action: self.action.clone(),
        }
    }

    /// Applies the op to `wf` through the machine, if the target is still where it was.
    pub fn apply(&self, wf: &Workflow, ctx: &Context<'_>) -> Result<Transitioned, ApplyError> {
        let (target, found) = match self.line {
            None => ("order".to_owned(), wf.state.as_str()),
            Some(id) => (
                format!("line {id}"),
                wf.line(id)
                    .map(|l| l.state.as_str())
                    .ok_or(ApplyError::Refused(TransitionError::UnknownLine {
                        line: id,
                    }))?,
            ),
        };
        if found != self.from {
            return Err(ApplyError::Stale {
                target,
                expected: self.from.clone(),
                found: found.to_owned(),
            });
        }
        let done =
            transition(wf, &self.command(), &self.actor, ctx).map_err(ApplyError::Refused)?;
        if done.to != self.to {
            return Err(ApplyError::Diverged {
                claimed: self.to.clone(),
                actual: done.to.to_owned(),
            });
        }
        Ok(done)
    }
}

/// The header fields an edit may carry, and what each touches.
pub fn order_field_scope(field: &str) -> Option<EditScope> {
    Some(match field {
        "customer" | "priority" | "requested_date" | "promised_date" | "notes" => EditScope::Header,
        "contact" => EditScope::Contact,
        "service" => EditScope::Service,
        _ => return None,
    })
}

/// The line fields an edit may carry, and what each touches.
pub fn line_field_scope(field: &str) -> Option<EditScope> {
    Some(match field {
        "instrument" => EditScope::LineInstrument,
        "intake" => EditScope::LineIntake,
        "results" => EditScope::LineResults,
        _ => return None,
    })
}

/// The outcome of merging `{field: [before, after]}` into current values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EditMerge {
    pub values: Map<String, Value>,
    pub applied: Vec<String>,
    pub already: Vec<String>,
    pub conflicts: Vec<FieldConflict>,
}

/// Three-way merge of an edit, field by field, the rule instruments follow: a field whose
/// current value is still `before` takes `after`; one that already has `after` is left; any
/// other is a conflict a person settles. `None` when the changes are not `{field: [b, a]}`.
pub fn merge_edit(current: &Map<String, Value>, changes: &Map<String, Value>) -> Option<EditMerge> {
    let mut out = EditMerge {
        values: current.clone(),
        ..Default::default()
    };
    for (key, pair) in changes {
        let [before, after] = pair.as_array()?.as_slice() else {
            return None;
        };
        let now = current.get(key).unwrap_or(&Value::Null);
        if now == after {
            out.already.push(key.clone());
        } else if now == before {
            out.values.insert(key.clone(), after.clone());
            out.applied.push(key.clone());
        } else {
            let text = |v: &Value| (!v.is_null()).then(|| v.to_string());
            out.conflicts.push(FieldConflict {
                field: key.clone(),
                base: text(before),
                local: text(after),
                server: text(now),
            });
        }
    }
    Some(out)
}

/// An order as the node holds it, sent whole on pull (the contact in clear: the pull runs
/// over TLS and the workstation seals it again at rest).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderSnapshot {
    pub order: Order,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    pub lines: Vec<OrderLine>,
    pub workflow: Workflow,
    /// Grows by one with every change at the node.
    pub version: u64,
}

/// Why a snapshot from the node cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("the order is not valid: {0}")]
    Invalid(String),
    #[error("the workflow's lines are not the order's lines")]
    LinesDisagree,
    #[error(transparent)]
    Workflow(#[from] crate::order::workflow::InvariantError),
}

impl OrderSnapshot {
    /// The snapshot is one the machine could have produced: valid parts, one workflow entry
    /// per line, and the workflow's invariants.
    pub fn check(&self) -> Result<(), SnapshotError> {
        self.order
            .check()
            .map_err(|p| SnapshotError::Invalid(format!("{p:?}")))?;
        for l in &self.lines {
            l.check()
                .map_err(|p| SnapshotError::Invalid(format!("{p:?}")))?;
        }
        let ids = |it: &mut dyn Iterator<Item = Uuid>| {
            let mut v: Vec<Uuid> = it.collect();
            v.sort();
            v
        };
        if ids(&mut self.lines.iter().map(|l| l.line_id))
            != ids(&mut self.workflow.lines.iter().map(|l| l.line_id))
        {
            return Err(SnapshotError::LinesDisagree);
        }
        self.workflow.check()?;
        Ok(())
    }
}

/// One change at the node, in cursor order: the order after it, and the transition that made
/// it when it was one (so a workstation can check it against its last copy by the machine).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderChange {
    pub cursor: u64,
    pub snapshot: OrderSnapshot,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transition: Option<OrderTransitionOp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_device: Option<Uuid>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::workflow::Role;
    use serde_json::json;

    #[test]
    fn ops_round_trip_as_tagged_json() {
        let number: OrderNumber = "WO-2026-NODE-000001".parse().expect("n");
        let op = OrderOp::Transition(OrderTransitionOp {
            order: number.clone(),
            line: None,
            action: Action::Reject {
                reason: "超出能力范围".into(),
            },
            from: "submitted".into(),
            to: "rejected".into(),
            actor: Actor::new("admin", Role::EnterpriseAdmin),
            date: "2026-03-01".parse().expect("d"),
        });
        let text = serde_json::to_string(&op).expect("json");
        assert!(
            text.starts_with(r#"{"type":"transition","order":"WO-2026-NODE-000001""#),
            "{text}"
        );
        assert!(
            text.contains(r#""action":{"type":"reject","reason":"超出能力范围"}"#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<OrderOp>(&text).expect("back"), op);
        assert_eq!(op.order_number(), &number);

        let sealed: Protected<Contact> =
            serde_json::from_value(json!({"sealed": "v1.abc"})).expect("sealed");
        assert_eq!(
            sealed,
            Protected::Sealed {
                sealed: "v1.abc".into()
            }
        );
        let clear: Protected<Contact> =
            serde_json::from_value(json!({"name": "张三", "phone": "13812341234"})).expect("clear");
        assert!(matches!(clear, Protected::Clear(_)));
    }

    #[test]
    fn edits_merge_three_ways() {
        let current = json!({"notes": "急", "priority": "urgent", "customer": "甲厂"});
        let current = current.as_object().expect("obj");
        let changes = json!({
            "notes": ["急", "很急"],
            "priority": ["normal", "express"],
            "customer": ["乙厂", "甲厂"],
        });
        let m = merge_edit(current, changes.as_object().expect("obj")).expect("merge");
        assert_eq!(m.applied, vec!["notes"]);
        assert_eq!(m.already, vec!["customer"]);
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.conflicts[0].field, "priority");
        assert_eq!(m.values["notes"], json!("很急"));
        assert_eq!(m.values["priority"], json!("urgent"));
        assert!(merge_edit(current, json!({"notes": "x"}).as_object().expect("o")).is_none());
    }

    #[test]
    fn every_edit_field_has_a_scope() {
        for f in [
            "customer",
            "priority",
            "requested_date",
            "promised_date",
            "notes",
        ] {
            assert_eq!(order_field_scope(f), Some(EditScope::Header));
        }
        assert_eq!(order_field_scope("contact"), Some(EditScope::Contact));
        assert_eq!(order_field_scope("number"), None);
        assert_eq!(line_field_scope("results"), Some(EditScope::LineResults));
        assert_eq!(line_field_scope("line_id"), None);
    }
}
