//! The cross-check between instruments, orders, outbox and audit trail: what a crash must never
//! break (see the write rule in `write.rs`). `idstation audit verify` and the crash tests run it.

use std::collections::BTreeMap;

use idstation_model::order::Workflow;
use serde::Serialize;

use crate::{Result, Store};

/// Cross-checks between instruments, outbox and audit trail (what a crash must never break).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConsistencyReport {
    pub instruments: i64,
    pub outbox_ops: i64,
    pub audit_entries: i64,
    /// Outbox sequence numbers are 1..=n with no hole.
    pub outbox_contiguous: bool,
    /// Outbox ops naming an instrument that has no row.
    pub ops_without_row: Vec<String>,
    /// Instruments whose version is not their number of outbox ops.
    pub rows_without_ops: Vec<String>,
    /// Outbox ops without their audit entry, or the reverse.
    pub ops_without_audit: i64,
    pub audit_without_op: i64,
    pub orders: i64,
    /// Order ops naming an order that has no row.
    pub order_ops_without_row: Vec<String>,
    /// Orders whose version is not their number of outbox ops.
    pub orders_without_ops: Vec<String>,
    /// Orders whose workflow breaks the state machine's invariants, or whose state, stage or
    /// line-state columns disagree with it.
    pub orders_out_of_step: Vec<String>,
}

impl ConsistencyReport {
    pub fn is_consistent(&self) -> bool {
        self.outbox_contiguous
            && self.ops_without_row.is_empty()
            && self.rows_without_ops.is_empty()
            && self.ops_without_audit == 0
            && self.audit_without_op == 0
            && self.order_ops_without_row.is_empty()
            && self.orders_without_ops.is_empty()
            && self.orders_out_of_step.is_empty()
    }
}

impl Store {
    pub fn check_consistency(&self) -> Result<ConsistencyReport> {
        let c = &self.conn;
        let one = |sql: &str| -> Result<i64> { Ok(c.query_row(sql, [], |r| r.get(0))?) };
        let strings = |sql: &str| -> Result<Vec<String>> {
            let mut stmt = c.prepare(sql)?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        let outbox_ops = one("SELECT count(*) FROM outbox")?;
        Ok(ConsistencyReport {
            instruments: one("SELECT count(*) FROM instruments")?,
            outbox_ops,
            audit_entries: one("SELECT count(*) FROM audit_log")?,
            outbox_contiguous: one("SELECT coalesce(max(seq), 0) FROM outbox")? == outbox_ops
                && one("SELECT coalesce(min(seq), 1) FROM outbox")? == 1,
            ops_without_row: strings(
                "SELECT DISTINCT entity_id FROM outbox
                 WHERE entity = 'instrument'
                   AND entity_id NOT IN (SELECT identifier FROM instruments)",
            )?,
            rows_without_ops: strings(
                "SELECT i.identifier FROM instruments i
                 WHERE i.version != (SELECT count(*) FROM outbox o
                                     WHERE o.entity = 'instrument' AND o.entity_id = i.identifier)",
            )?,
            // Set differences sort once instead of probing an unindexed column per row.
            ops_without_audit: one("SELECT count(*) FROM (SELECT op_id FROM outbox
                                       EXCEPT SELECT op_id FROM audit_log)")?,
            audit_without_op: one(
                "SELECT count(*) FROM (SELECT op_id FROM audit_log WHERE op_id IS NOT NULL
                                       EXCEPT SELECT op_id FROM outbox)",
            )?,
            orders: one("SELECT count(*) FROM orders")?,
            order_ops_without_row: strings(
                "SELECT DISTINCT entity_id FROM outbox
                 WHERE entity = 'order' AND entity_id NOT IN (SELECT number FROM orders)",
            )?,
            orders_without_ops: strings(
                "SELECT o.number FROM orders o
                 WHERE o.version != (SELECT count(*) FROM outbox x
                                     WHERE x.entity = 'order' AND x.entity_id = o.number)",
            )?,
            orders_out_of_step: self.orders_out_of_step()?,
        })
    }

    fn orders_out_of_step(&self) -> Result<Vec<String>> {
        let mut lines: BTreeMap<i64, Vec<(String, String)>> = BTreeMap::new();
        let mut stmt = self.conn.prepare(
            "SELECT order_id, line_id, state FROM order_lines ORDER BY order_id, position",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            lines
                .entry(r.get(0)?)
                .or_default()
                .push((r.get(1)?, r.get(2)?));
        }
        let mut stmt = self
            .conn
            .prepare("SELECT id, number, state, stage, workflow FROM orders ORDER BY id")?;
        let mut rows = stmt.query([])?;
        let mut bad = Vec::new();
        while let Some(r) = rows.next()? {
            let (id, number, state, stage, workflow): (i64, String, String, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            let ok = serde_json::from_str::<Workflow>(&workflow).is_ok_and(|wf| {
                let mut want: Vec<(String, String)> = wf
                    .lines
                    .iter()
                    .map(|l| (l.line_id.to_string(), l.state.as_str().to_owned()))
                    .collect();
                let mut have = lines.remove(&id).unwrap_or_default();
                want.sort();
                have.sort();
                wf.check().is_ok()
                    && wf.state.as_str() == state
                    && wf.stage().as_str() == stage
                    && want == have
            });
            if !ok {
                bad.push(number);
            }
        }
        Ok(bad)
    }
}
