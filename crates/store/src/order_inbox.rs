//! Reading orders the way a lab works them: the inbox (counts per stage, late and due-this-week,
//! filters, search by order number, customer or instrument identifier, paged) and an order's
//! timeline from the audit trail. Indexes for these live in `0004_orders.sql`; `bench/`'s
//! `order_bench` times the inbox over 10k orders × 5 lines.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use idstation_model::order::{
    LineState, OrderNumber, OrderOp, OrderState, Priority, ServiceType, Stage,
};
use idstation_model::Identifier;
use rusqlite::params_from_iter;
use rusqlite::types::Value;
use serde::Serialize;

use crate::{Result, Store};

/// What the inbox shows. `today` decides what is late.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxQuery {
    pub today: NaiveDate,
    pub stage: Option<Stage>,
    /// Orders with at least one line in this state (e.g. awaiting review, for a reviewer).
    pub line_state: Option<LineState>,
    pub service: Option<ServiceType>,
    pub priority: Option<Priority>,
    /// Orders with a line assigned to this person.
    pub technician: Option<String>,
    /// Only open orders whose promised date has passed.
    pub late_only: bool,
    /// Order number (or its start), customer (any part), or instrument identifier (or its start).
    pub search: Option<String>,
    /// Whether rejected, cancelled and returned orders are listed (they are always counted).
    pub include_closed: bool,
    pub limit: u32,
    pub offset: u32,
}

impl InboxQuery {
    pub fn new(today: NaiveDate) -> InboxQuery {
        InboxQuery {
            today,
            stage: None,
            line_state: None,
            service: None,
            priority: None,
            technician: None,
            late_only: false,
            search: None,
            include_closed: false,
            limit: 50,
            offset: 0,
        }
    }
}

/// One order in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxItem {
    pub number: String,
    pub customer: String,
    pub service: String,
    pub priority: String,
    pub state: String,
    pub stage: String,
    pub promised_date: Option<String>,
    /// Open and past its promised date.
    pub late: bool,
    pub lines: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Inbox {
    /// Orders per stage (every stage named, zero included), whatever the filters.
    pub counts: BTreeMap<String, i64>,
    /// Open orders past their promised date.
    pub late: i64,
    /// Open orders promised from today through six days on.
    pub due_this_week: i64,
    /// Lines waiting for a reviewer.
    pub lines_awaiting_review: i64,
    /// Orders the filters match (for paging).
    pub total: i64,
    pub items: Vec<InboxItem>,
}

/// One step in an order's history, read from the audit trail (no personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEntry {
    /// Wall time (UTC, RFC 3339); the edge shows it in local time.
    pub at: String,
    pub actor: String,
    /// The audit action: `create`, `add_line`, `edit`, `edit_line`, `attach`, a workflow
    /// action (`accept`, `approve`, …), or `remote_change` / `conflict` from sync.
    pub action: String,
    pub line: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// A reason, the fields an edit changed (by name), an attachment's name.
    pub detail: Option<String>,
}

impl Store {
    /// The inbox: counts, then one page of the orders `q` selects, newest first.
    pub fn order_inbox(&self, q: &InboxQuery) -> Result<Inbox> {
        let c = &self.conn;
        let mut inbox = Inbox::default();
        for s in Stage::ALL {
            inbox.counts.insert(s.as_str().to_owned(), 0);
        }
        {
            let mut stmt = c.prepare_cached("SELECT stage, count(*) FROM orders GROUP BY stage")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                inbox.counts.insert(r.get(0)?, r.get(1)?);
            }
        }
        let today = q.today.to_string();
        let week_end = q
            .today
            .checked_add_days(Days::new(6))
            .unwrap_or(q.today)
            .to_string();
        (inbox.late, inbox.due_this_week) = c
            .prepare_cached(
                "SELECT count(*) FILTER (WHERE promised_date < ?1),
                    count(*) FILTER (WHERE promised_date >= ?1 AND promised_date <= ?2)
             FROM orders WHERE open = 1 AND promised_date IS NOT NULL",
            )?
            .query_row([&today, &week_end], |r| Ok((r.get(0)?, r.get(1)?)))?;
        inbox.lines_awaiting_review = c
            .prepare_cached("SELECT count(*) FROM order_lines WHERE state = 'awaiting_review'")?
            .query_row([], |r| r.get(0))?;

        let (where_sql, values) = filter(q);
        inbox.total = c
            .prepare_cached(&format!("SELECT count(*) FROM orders o {where_sql}"))?
            .query_row(params_from_iter(values.iter()), |r| r.get(0))?;
        let limit = if q.limit == 0 { 50 } else { q.limit.min(500) };
        let mut page_values = values;
        page_values.push(Value::from(today));
        page_values.push(Value::from(limit));
        page_values.push(Value::from(q.offset));
        let n = page_values.len();
        let sql = format!(
            "SELECT o.number, o.customer, o.service, o.priority, o.state, o.stage,
                    o.promised_date, o.open AND o.promised_date < ?{today_at},
                    (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id),
                    o.created_at, o.updated_at
             FROM orders o {where_sql}
             ORDER BY o.id DESC LIMIT ?{limit_at} OFFSET ?{offset_at}",
            today_at = n - 2,
            limit_at = n - 1,
            offset_at = n,
        );
        let mut stmt = c.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(page_values.iter()), |r| {
            Ok(InboxItem {
                number: r.get(0)?,
                customer: r.get(1)?,
                service: r.get(2)?,
                priority: r.get(3)?,
                state: r.get(4)?,
                stage: r.get(5)?,
                promised_date: r.get(6)?,
                late: r.get::<_, Option<bool>>(7)?.unwrap_or(false),
                lines: r.get(8)?,
                created_at: r.get(9)?,
                updated_at: r.get(10)?,
            })
        })?;
        inbox.items = rows.collect::<rusqlite::Result<_>>()?;
        Ok(inbox)
    }

    /// An order's history, oldest first: each audited write with who, when and what moved.
    pub fn order_timeline(&self, number: &str) -> Result<Vec<TimelineEntry>> {
        let number = crate::orders::parse_number(number)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.at, a.actor, a.action, o.payload, a.after
             FROM audit_log a LEFT JOIN outbox o ON o.op_id = a.op_id
             WHERE a.entity = 'order' AND a.entity_id = ?1 ORDER BY a.seq",
        )?;
        let rows = stmt.query_map([number.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (at, actor, action, payload, after) = row?;
            let mut e = TimelineEntry {
                at,
                actor,
                action,
                line: None,
                from: None,
                to: None,
                detail: None,
            };
            match payload.as_deref().map(serde_json::from_str::<OrderOp>) {
                Some(Ok(OrderOp::Transition(t))) => {
                    e.line = t.line.map(|l| l.to_string());
                    e.from = Some(t.from);
                    e.to = Some(t.to);
                    e.detail = match t.action {
                        idstation_model::order::Action::Reject { reason }
                        | idstation_model::order::Action::Cancel { reason }
                        | idstation_model::order::Action::SendBack { reason } => Some(reason),
                        idstation_model::order::Action::Assign { technician } => Some(technician),
                        _ => None,
                    };
                }
                Some(Ok(OrderOp::Edit { line, changes, .. })) => {
                    e.line = line.map(|l| l.to_string());
                    // Field names only: values may be personal (the contact) or long (results).
                    e.detail = Some(changes.keys().cloned().collect::<Vec<_>>().join(", "));
                }
                Some(Ok(OrderOp::AddLine { line, .. })) => {
                    e.line = Some(line.line_id.to_string());
                }
                Some(Ok(OrderOp::Attach { attachment, .. })) => {
                    e.detail = Some(attachment.name);
                }
                Some(Ok(OrderOp::Create { .. })) => {
                    e.to = Some(OrderState::Submitted.as_str().to_owned());
                }
                // Entries without an op (from sync) keep their own small JSON.
                _ => e.detail = after,
            }
            out.push(e);
        }
        Ok(out)
    }
}

/// The WHERE clause and its values for the list (the counts ignore it).
fn filter(q: &InboxQuery) -> (String, Vec<Value>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut add = |sql: &str, v: Vec<Value>| {
        let mut sql = sql.to_owned();
        for (i, value) in v.into_iter().enumerate() {
            values.push(value);
            sql = sql.replace(&format!("${}", i + 1), &format!("?{}", values.len()));
        }
        clauses.push(sql);
    };
    if let Some(s) = q.stage {
        add("o.stage = $1", vec![s.as_str().to_owned().into()]);
    } else if !q.include_closed {
        add("o.open = 1", vec![]);
    }
    if let Some(s) = q.line_state {
        add(
            "o.id IN (SELECT order_id FROM order_lines WHERE state = $1)",
            vec![s.as_str().to_owned().into()],
        );
    }
    if let Some(s) = q.service {
        add("o.service = $1", vec![s.as_str().to_owned().into()]);
    }
    if let Some(p) = q.priority {
        add("o.priority = $1", vec![p.as_str().to_owned().into()]);
    }
    if let Some(t) = &q.technician {
        add(
            "o.id IN (SELECT order_id FROM order_lines WHERE technician = $1)",
            vec![t.clone().into()],
        );
    }
    if q.late_only {
        // `+` keeps the planner on orders_open (newest first, stop at the page) instead of
        // sorting every late order found through orders_promised.
        add(
            "o.open = 1 AND +o.promised_date < $1",
            vec![q.today.to_string().into()],
        );
    }
    if let Some(text) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if let Ok(number) = text.parse::<OrderNumber>() {
            // A whole order number names one order.
            add("o.number = $1", vec![number.to_string().into()]);
        } else if let Ok(identifier) = Identifier::parse(text) {
            // An identifier (scanned or typed): the orders of that instrument, or of those
            // whose identifiers start so.
            add(
                "o.id IN (SELECT order_id FROM order_lines
                          WHERE identifier >= $1 AND identifier < $1 || char(1114111))",
                vec![identifier.to_string().into()],
            );
        } else {
            // Free text: one id set per index (a UNION, not an OR, so each part keeps its
            // index): number and identifier by prefix, a customer name anywhere (matched
            // among the distinct names, then found through orders_customer).
            add(
                "o.id IN (SELECT id FROM orders WHERE number >= $1 AND number < $1 || char(1114111)
                          UNION SELECT id FROM orders WHERE customer IN
                                (SELECT name FROM order_customers
                                 WHERE name LIKE '%' || $2 || '%' ESCAPE '\\')
                          UNION SELECT order_id FROM order_lines
                                WHERE identifier >= $3 AND identifier < $3 || char(1114111))",
                vec![
                    text.to_uppercase().into(),
                    escape_like(text).into(),
                    text.to_owned().into(),
                ],
            );
        }
    }
    if clauses.is_empty() {
        (String::new(), values)
    } else {
        (format!("WHERE {}", clauses.join(" AND ")), values)
    }
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
