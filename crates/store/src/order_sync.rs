//! Orders and sync, the workstation's side: the ops a push sends (personal data opened for
//! the TLS connection to the node), and applying an order the node sends on pull — validated
//! by the same state machine, with this device's unconfirmed changes replayed over it. A local
//! step that lost a race (the node cancelled while this device accepted offline) becomes an
//! `order_conflicts` row for a person; the stored workflow is always one the machine produced.

use idstation_model::order::ops::{merge_edit, ApplyError};
use idstation_model::order::{
    can_edit, Context, EditScope, Order, OrderChange, OrderLine, OrderOp, Protected, Workflow,
};
use idstation_model::{EntityKind, Operation, Payload};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::clock::now;
use crate::orders::{header_values, insert_order, line_values, load_lines, load_order, seal_opt};
use crate::personal::Sealer;
use crate::{audit, Result, Store, StoreError};

/// What applying one pulled order change did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrderChangeApplied {
    pub inserted: bool,
    /// This device's unconfirmed changes that still apply over the node's order.
    pub replayed: usize,
    /// Those that no longer do: each is now an open conflict.
    pub conflicts: usize,
}

/// A local order change the node's state overtook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderConflict {
    pub id: i64,
    pub number: String,
    pub op_id: String,
    pub line_id: Option<String>,
    /// The audit action of the lost change (`accept`, `edit`, …).
    pub action: String,
    pub reason: String,
    pub created_at: String,
    pub resolved_at: Option<String>,
}

/// This device's ops on `number` the node has not confirmed, oldest first.
fn pending_order_ops(tx: &Transaction<'_>, number: &str) -> Result<Vec<(String, OrderOp)>> {
    let mut stmt = tx.prepare_cached(
        "SELECT op_id, payload FROM outbox WHERE entity = 'order' AND entity_id = ?1
           AND seq > (SELECT pushed_through_seq FROM sync_state) ORDER BY seq",
    )?;
    let rows = stmt.query_map([number], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (op_id, payload) = row?;
        out.push((op_id, serde_json::from_str(&payload)?));
    }
    Ok(out)
}

/// Opens every sealed value of an order op's payload (for the node, over TLS).
fn reveal(sealer: Option<&Sealer>, op: &mut OrderOp) -> Result<()> {
    let number = op.order_number().to_string();
    let open = |sealed: &str| -> Result<Value> {
        let s = sealer.ok_or_else(|| StoreError::Personal("no personal-data key".into()))?;
        Ok(serde_json::to_value(s.open_contact(&number, sealed)?)?)
    };
    match op {
        OrderOp::Create { contact, .. } => {
            if let Some(Protected::Sealed { sealed }) = contact {
                let clear = open(sealed)?;
                *contact = Some(Protected::Clear(serde_json::from_value(clear)?));
            }
        }
        OrderOp::Edit { changes, .. } => {
            if let Some(Value::Array(pair)) = changes.get_mut("contact") {
                for v in pair.iter_mut() {
                    if let Some(sealed) = v.get("sealed").and_then(Value::as_str) {
                        *v = open(sealed)?;
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

impl Store {
    /// [`Store::pending_ops_after`] as the node must receive them: order ops with their
    /// personal data opened. Send them over TLS only; the outbox itself stays sealed.
    pub fn ops_for_push(&self, after: u64, limit: u32) -> Result<Vec<Operation>> {
        let mut ops = self.pending_ops_after(after, limit)?;
        for op in ops.iter_mut().filter(|o| o.entity == EntityKind::Order) {
            if !op.payload.as_str().contains("\"sealed\"") {
                continue;
            }
            let mut parsed: OrderOp = op.payload.parse()?;
            reveal(self.sealer().ok(), &mut parsed)?;
            op.payload = Payload::from_json(serde_json::to_string(&parsed)?)?;
        }
        Ok(ops)
    }

    /// Applies an order as the node sent it, in one transaction: checked (a snapshot the
    /// machine could have produced, and, when it carries the transition that made it, that
    /// transition legal from the node's state this device last saw), then this device's
    /// unconfirmed changes replayed over it through the same machine. Each local change that
    /// no longer applies becomes an open conflict; nothing illegal is ever stored.
    pub fn apply_order_change(&mut self, change: &OrderChange) -> Result<OrderChangeApplied> {
        let snap = &change.snapshot;
        snap.check()
            .map_err(|e| StoreError::RemoteOrderInvalid(e.to_string()))?;
        if snap.contact.is_some() {
            self.sealer_for_write()?;
        }
        let tx = Self::write_tx(&mut self.conn)?;
        let number = snap.order.number.clone();
        let sealer = self.personal.get();
        let local = load_order(&tx, &number)?;
        let mut applied = OrderChangeApplied::default();
        let at = now();
        let Some(local) = local else {
            let contact = seal_opt(sealer, &number, snap.contact.as_ref())?;
            insert_order(
                &tx,
                &snap.order,
                contact.as_deref(),
                &snap.lines,
                &snap.workflow,
                Some((&snap.workflow, snap.version)),
                0,
                "node",
                &at,
                "",
            )?;
            audit_remote(&tx, number.as_str(), None, &snap.workflow, &[], &at)?;
            tx.commit()?;
            applied.inserted = true;
            return Ok(applied);
        };
        // The pulled transition, checked by the machine against what we last had from the node.
        if let (Some(t), Some(base)) = (&change.transition, &local.remote_workflow) {
            let base_lines: Vec<OrderLine> = snap.lines.clone();
            let ctx = Context {
                number: &number,
                service: snap.order.service,
                today: t.date,
                lines: &base_lines,
            };
            match t.apply(base, &ctx) {
                Ok(done) if done.workflow == snap.workflow => {}
                // A stale base means we missed a change: the snapshot, checked above, stands.
                Err(ApplyError::Stale { .. }) => {}
                Ok(_) | Err(_) => {
                    return Err(StoreError::RemoteOrderInvalid(format!(
                        "the node's {} on {number} is not a step the workflow allows",
                        t.action.kind().as_str()
                    )))
                }
            }
        }
        // Start from the node's order and replay our pending changes over it.
        let mut order: Order = snap.order.clone();
        let mut contact = match (&snap.contact, &local.contact) {
            // Keep our sealed text when the node has the same contact.
            (Some(c), Some(sealed))
                if sealer
                    .and_then(|s| s.open_contact(number.as_str(), sealed).ok())
                    .as_ref()
                    == Some(c) =>
            {
                Some(sealed.clone())
            }
            (c, _) => seal_opt(sealer, &number, c.as_ref())?,
        };
        let mut lines = snap.lines.clone();
        let mut wf = snap.workflow.clone();
        let mut conflicts: Vec<(String, Option<Uuid>, String, String)> = Vec::new();
        for (op_id, op) in pending_order_ops(&tx, number.as_str())? {
            let outcome: std::result::Result<(), String> = match &op {
                OrderOp::Create { .. } => Ok(()), // the node has it: this is it
                OrderOp::Transition(t) => {
                    let ctx = Context {
                        number: &number,
                        service: order.service,
                        today: t.date,
                        lines: &lines,
                    };
                    t.apply(&wf, &ctx)
                        .map(|done| wf = done.workflow)
                        .map_err(|e| e.to_string())
                }
                OrderOp::AddLine { line, actor, .. } => {
                    if wf.line(line.line_id).is_some() {
                        Ok(())
                    } else {
                        can_edit(&wf, EditScope::AddLine, None, actor)
                            .map(|()| {
                                wf.add_line(line.line_id);
                                lines.push((**line).clone());
                            })
                            .map_err(|e| e.to_string())
                    }
                }
                OrderOp::Edit {
                    line: None,
                    changes,
                    actor,
                    ..
                } => replay_header_edit(&wf, &mut order, &mut contact, changes, actor),
                OrderOp::Edit {
                    line: Some(id),
                    changes,
                    actor,
                    ..
                } => replay_line_edit(&wf, &mut lines, *id, changes, actor),
                OrderOp::Attach { attachment, .. } => {
                    if !order
                        .attachments
                        .iter()
                        .any(|a| a.sha256 == attachment.sha256)
                    {
                        order.attachments.push(attachment.clone());
                    }
                    Ok(())
                }
            };
            match outcome {
                Ok(()) => applied.replayed += 1,
                Err(reason) => {
                    let line = match &op {
                        OrderOp::Transition(t) => t.line,
                        OrderOp::Edit { line, .. } => *line,
                        OrderOp::AddLine { line, .. } => Some(line.line_id),
                        _ => None,
                    };
                    let action = match &op {
                        OrderOp::Transition(t) => t.action.kind().as_str().to_owned(),
                        OrderOp::Edit { .. } => "edit".to_owned(),
                        OrderOp::AddLine { .. } => "add_line".to_owned(),
                        OrderOp::Attach { .. } => "attach".to_owned(),
                        OrderOp::Create { .. } => "create".to_owned(),
                    };
                    conflicts.push((op_id, line, action, reason));
                }
            }
        }
        wf.check()
            .map_err(|e| StoreError::Corrupt(format!("replayed workflow of {number}: {e}")))?;
        // Write the result: header, lines (positions follow the node's order, then ours).
        crate::orders::note_customer(&tx, &order.customer)?;
        tx.prepare_cached(
            "UPDATE orders SET customer = ?2, contact = ?3, service = ?4, priority = ?5,
                    requested_date = ?6, promised_date = ?7, notes = ?8, state = ?9, stage = ?10,
                    open = ?11, workflow = ?12, remote_workflow = ?13, remote_version = ?14,
                    updated_at = ?15,
                    closed_at = CASE WHEN ?11 THEN NULL ELSE coalesce(closed_at, ?15) END
             WHERE id = ?1",
        )?
        .execute(params![
            local.id,
            order.customer,
            contact,
            order.service.as_str(),
            order.priority.as_str(),
            order.requested_date.map(|d| d.to_string()),
            order.promised_date.map(|d| d.to_string()),
            order.notes,
            wf.state.as_str(),
            wf.stage().as_str(),
            !wf.state.is_terminal(),
            serde_json::to_string(&wf)?,
            serde_json::to_string(&snap.workflow)?,
            snap.version as i64,
            at
        ])?;
        let existing = load_lines(&tx, local.id)?;
        // Move positions out of the way first (positions are unique per order).
        tx.execute(
            "UPDATE order_lines SET position = -position WHERE order_id = ?1",
            [local.id],
        )?;
        for (i, l) in lines.iter().enumerate() {
            rewrite_line(&tx, local.id, i + 1, l, &wf, &at)?;
        }
        // A line the node does not have and no pending op adds (the node refused its
        // addition, which the push result shows) goes: the stored lines are the workflow's.
        let mut dropped = Vec::new();
        for (row, l) in existing {
            if !lines.iter().any(|x| x.line_id == l.line_id) {
                tx.execute("DELETE FROM order_points WHERE line_row = ?1", [row])?;
                tx.execute("DELETE FROM order_lines WHERE id = ?1", [row])?;
                dropped.push(l.line_id.to_string());
            }
        }
        for (op_id, line, action, reason) in &conflicts {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO order_conflicts (number, op_id, line_id, action, reason,
                                                        created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                number.as_str(),
                op_id,
                line.map(|l| l.to_string()),
                action,
                reason,
                at
            ])?;
        }
        applied.conflicts = conflicts.len();
        audit_remote(
            &tx,
            number.as_str(),
            Some(&local.workflow),
            &wf,
            &dropped,
            &at,
        )?;
        tx.commit()?;
        Ok(applied)
    }

    pub fn order_conflicts(&self, open_only: bool) -> Result<Vec<OrderConflict>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, number, op_id, line_id, action, reason, created_at, resolved_at
             FROM order_conflicts WHERE (?1 = 0 OR resolved_at IS NULL) ORDER BY id",
        )?;
        let rows = stmt.query_map([open_only], |r| {
            Ok(OrderConflict {
                id: r.get(0)?,
                number: r.get(1)?,
                op_id: r.get(2)?,
                line_id: r.get(3)?,
                action: r.get(4)?,
                reason: r.get(5)?,
                created_at: r.get(6)?,
                resolved_at: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A person has seen a lost change (and redone it, if still wanted, as a new step).
    pub fn resolve_order_conflict(&mut self, actor: &str, id: i64) -> Result<()> {
        let tx = Self::write_tx(&mut self.conn)?;
        let row: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT number, resolved_at FROM order_conflicts WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (number, resolved) =
            row.ok_or_else(|| StoreError::NotFound(format!("order conflict {id}")))?;
        if resolved.is_some() {
            return Err(StoreError::ConflictResolved(id));
        }
        let at = now();
        tx.execute(
            "UPDATE order_conflicts SET resolved_at = ?2, resolved_by = ?3 WHERE id = ?1",
            params![id, at, actor],
        )?;
        audit::append_one(
            &tx,
            &audit::NewEntry {
                at: &at,
                actor,
                action: "resolve_conflict",
                entity: "order",
                entity_id: &number,
                op_id: None,
                payload_sha256: None,
                before: None,
                after: Some(&json!({ "conflict": id }).to_string()),
            },
        )?;
        tx.commit()?;
        Ok(())
    }
}

fn rewrite_line(
    tx: &Transaction<'_>,
    order_id: i64,
    position: usize,
    line: &OrderLine,
    wf: &Workflow,
    at: &str,
) -> Result<()> {
    crate::orders::write_line_pub(tx, order_id, position, line, wf, at)
}

fn replay_header_edit(
    wf: &Workflow,
    order: &mut Order,
    contact: &mut Option<String>,
    changes: &Map<String, Value>,
    actor: &idstation_model::order::Actor,
) -> std::result::Result<(), String> {
    for field in changes.keys() {
        let scope = idstation_model::order::ops::order_field_scope(field)
            .ok_or_else(|| format!("unknown field {field}"))?;
        can_edit(wf, scope, None, actor).map_err(|e| e.to_string())?;
    }
    // The contact's sealed text differs per sealing: compare it as the row stores it.
    let current = header_values(order, contact.as_deref());
    let merged = merge_edit(&current, changes).ok_or("malformed edit")?;
    if let Some(c) = merged.conflicts.first() {
        return Err(format!("{} changed at the node too", c.field));
    }
    let v = &merged.values;
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let date = |k: &str| text(k).and_then(|d| d.parse().ok());
    order.customer = text("customer").unwrap_or_default();
    order.service = text("service")
        .and_then(|s| idstation_model::order::ServiceType::parse(&s))
        .unwrap_or(order.service);
    order.priority = text("priority")
        .and_then(|s| idstation_model::order::Priority::parse(&s))
        .unwrap_or(order.priority);
    order.requested_date = date("requested_date");
    order.promised_date = date("promised_date");
    order.notes = text("notes");
    *contact = v
        .get("contact")
        .and_then(|c| c.get("sealed"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(())
}

fn replay_line_edit(
    wf: &Workflow,
    lines: &mut [OrderLine],
    id: Uuid,
    changes: &Map<String, Value>,
    actor: &idstation_model::order::Actor,
) -> std::result::Result<(), String> {
    for field in changes.keys() {
        let scope = idstation_model::order::ops::line_field_scope(field)
            .ok_or_else(|| format!("unknown field {field}"))?;
        can_edit(wf, scope, Some(id), actor).map_err(|e| e.to_string())?;
    }
    let line = lines
        .iter_mut()
        .find(|l| l.line_id == id)
        .ok_or_else(|| format!("no line {id}"))?;
    let current = line_values(line).map_err(|e| e.to_string())?;
    let merged = merge_edit(&current, changes).ok_or("malformed edit")?;
    if let Some(c) = merged.conflicts.first() {
        return Err(format!("{} changed at the node too", c.field));
    }
    let mut value = serde_json::to_value(&*line).map_err(|e| e.to_string())?;
    if let Some(obj) = value.as_object_mut() {
        for (k, v) in merged.values {
            obj.insert(k, v);
        }
    }
    *line = serde_json::from_value(value).map_err(|e| e.to_string())?;
    line.check().map_err(|p| format!("{p:?}"))?;
    Ok(())
}

/// Audits a pulled change (no op: it came from the node), states only, no personal data.
fn audit_remote(
    tx: &Transaction<'_>,
    number: &str,
    before: Option<&Workflow>,
    after: &Workflow,
    dropped_lines: &[String],
    at: &str,
) -> Result<()> {
    let state = |w: &Workflow| json!({ "state": w.state.as_str(), "stage": w.stage().as_str() });
    let mut after_json = state(after);
    if !dropped_lines.is_empty() {
        after_json["dropped_lines"] = json!(dropped_lines);
    }
    audit::append_one(
        tx,
        &audit::NewEntry {
            at,
            actor: "node",
            action: "remote_change",
            entity: "order",
            entity_id: number,
            op_id: None,
            payload_sha256: None,
            before: before.map(|w| state(w).to_string()).as_deref(),
            after: Some(&after_json.to_string()),
        },
    )
}
