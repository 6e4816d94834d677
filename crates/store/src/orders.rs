//! Orders on the workstation: creating one (minting its number), adding and editing lines,
//! attaching files, and taking workflow steps — every one validated by the model's one state
//! machine (`idstation_model::order::workflow`) and written by the write rule (`write.rs`): the
//! rows, an outbox op (`EntityKind::Order`, entity id = the order number, payload an
//! `OrderOp`) and the audit entry in ONE transaction. Approving a line writes the instrument's
//! new calibration in that same transaction.
//!
//! Rows: `orders` (header, the sealed contact, the workflow as JSON with its state and stage
//! copied into columns for the inbox), `order_lines` (one per instrument, its state copied
//! from the workflow), `order_points` (as-found/as-left points with error and verdict),
//! `order_attachments` over content-addressed `blobs`. Reads put them back together.

use chrono::{Datelike, NaiveDate};
use idstation_model::order::ops::{line_field_scope, order_field_scope};
use idstation_model::order::Order;
use idstation_model::order::{
    can_edit, can_submit, transition, Actor, AttachmentRef, CalibrationUpdate, Command, Contact,
    Context, DeviceTag, EditScope, LineResults, MeasurementPoint, Mpe, OrderLine, OrderNumber,
    OrderOp, OrderTransitionOp, Phase, Priority, Protected, ResultProblem, ServiceType, Stage,
    Workflow, MAX_ATTACHMENT_BYTES,
};
use idstation_model::{EntityKind, Identifier, OpKind};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::clock::now;
use crate::instruments::update_in_tx;
use crate::personal::Sealer;
use crate::write::Write;
use crate::{audit, Result, Store, StoreError};

/// The header fields a person fills in (the number is minted, the attachments added apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFields {
    pub customer: String,
    pub service: ServiceType,
    pub priority: Priority,
    pub requested_date: Option<NaiveDate>,
    pub promised_date: Option<NaiveDate>,
    pub notes: Option<String>,
}

/// A new order as submitted at the desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub fields: OrderFields,
    pub contact: Option<Contact>,
    pub lines: Vec<OrderLine>,
}

/// An order as stored, put back together, with its contact opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderRecord {
    pub order: Order,
    /// Personal information: mask it (`Contact::for_role`) before showing it.
    pub contact: Option<Contact>,
    pub lines: Vec<OrderLine>,
    pub workflow: Workflow,
    pub stage: Stage,
    /// This device's writes to the order (its outbox ops).
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
}

/// The order row, contact still sealed.
pub(crate) struct OrderRow {
    pub id: i64,
    pub order: Order,
    pub contact: Option<String>,
    pub workflow: Workflow,
    pub remote_workflow: Option<Workflow>,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
}

fn corrupt(what: &str, number: &str) -> StoreError {
    StoreError::Corrupt(format!("order {number}: bad {what}"))
}

fn date_col(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

pub(crate) fn parse_number(number: &str) -> Result<OrderNumber> {
    number
        .parse()
        .map_err(|_| StoreError::OrderNotFound(number.trim().to_owned()))
}

pub(crate) fn load_order(conn: &Connection, number: &OrderNumber) -> Result<Option<OrderRow>> {
    let row = conn
        .prepare_cached(
            "SELECT id, customer, contact, service, priority, requested_date, promised_date, notes,
                    workflow, remote_workflow, version, created_by, created_at, updated_at,
                    closed_at
             FROM orders WHERE number = ?1",
        )?
        .query_row([number.as_str()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, Option<String>>(9)?,
                r.get::<_, i64>(10)?,
                (r.get::<_, String>(11)?, r.get::<_, String>(12)?),
                (r.get::<_, String>(13)?, r.get::<_, Option<String>>(14)?),
            ))
        })
        .optional()?;
    let Some((
        id,
        customer,
        contact,
        service,
        priority,
        requested,
        promised,
        notes,
        workflow,
        remote,
        version,
        (created_by, created_at),
        (updated_at, closed_at),
    )) = row
    else {
        return Ok(None);
    };
    let n = number.as_str();
    let date = |d: Option<String>| -> Result<Option<NaiveDate>> {
        d.map(|d| d.parse().map_err(|_| corrupt("date", n)))
            .transpose()
    };
    let order = Order {
        number: number.clone(),
        customer,
        service: ServiceType::parse(&service).ok_or_else(|| corrupt("service", n))?,
        priority: Priority::parse(&priority).ok_or_else(|| corrupt("priority", n))?,
        requested_date: date(requested)?,
        promised_date: date(promised)?,
        notes,
        attachments: load_attachments(conn, id)?,
    };
    Ok(Some(OrderRow {
        id,
        order,
        contact,
        workflow: serde_json::from_str(&workflow)?,
        remote_workflow: remote.map(|w| serde_json::from_str(&w)).transpose()?,
        version,
        created_by,
        created_at,
        updated_at,
        closed_at,
    }))
}

fn load_attachments(conn: &Connection, order_id: i64) -> Result<Vec<AttachmentRef>> {
    let mut stmt = conn.prepare_cached(
        "SELECT sha256, name, mime, size FROM order_attachments WHERE order_id = ?1
         ORDER BY added_at, sha256",
    )?;
    let rows = stmt.query_map([order_id], |r| {
        Ok(AttachmentRef {
            sha256: r.get(0)?,
            name: r.get(1)?,
            mime: r.get(2)?,
            size: r.get::<_, i64>(3)?.max(0) as u64,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The order's lines in position order, each with its row id and its points.
pub(crate) fn load_lines(conn: &Connection, order_id: i64) -> Result<Vec<(i64, OrderLine)>> {
    let mut stmt = conn
        .prepare_cached("SELECT id, body FROM order_lines WHERE order_id = ?1 ORDER BY position")?;
    let rows = stmt.query_map([order_id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, body) = row?;
        let mut line: OrderLine = serde_json::from_str(&body)?;
        load_points(conn, id, &mut line.results)?;
        out.push((id, line));
    }
    Ok(out)
}

fn load_points(conn: &Connection, line_row: i64, results: &mut LineResults) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT phase, quantity, nominal, reading, unit, mpe FROM order_points
         WHERE line_row = ?1 ORDER BY phase, idx",
    )?;
    let mut rows = stmt.query([line_row])?;
    while let Some(r) = rows.next()? {
        let bad = || StoreError::Corrupt(format!("order point of line row {line_row}"));
        let phase: String = r.get(0)?;
        let dec = |i: usize| -> Result<rust_decimal::Decimal> {
            r.get::<_, String>(i)?.parse().map_err(|_| bad())
        };
        let point = MeasurementPoint {
            quantity: r.get(1)?,
            nominal: dec(2)?,
            reading: dec(3)?,
            unit: r.get(4)?,
            mpe: r.get::<_, String>(5)?.parse::<Mpe>().map_err(|_| bad())?,
        };
        match Phase::parse(&phase).ok_or_else(bad)? {
            Phase::AsFound => results.as_found.push(point),
            Phase::AsLeft => results.as_left.push(point),
        }
    }
    Ok(())
}

/// A line's JSON body: everything but its points, which have their own rows.
fn line_body(line: &OrderLine) -> Result<String> {
    let mut stripped = line.clone();
    stripped.results.as_found.clear();
    stripped.results.as_left.clear();
    Ok(serde_json::to_string(&stripped)?)
}

fn write_points(tx: &Transaction<'_>, line_row: i64, results: &LineResults) -> Result<()> {
    tx.prepare_cached("DELETE FROM order_points WHERE line_row = ?1")?
        .execute([line_row])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO order_points (line_row, phase, idx, quantity, nominal, reading, unit, mpe,
                                   error, pass)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for (phase, points) in [
        (Phase::AsFound, &results.as_found),
        (Phase::AsLeft, &results.as_left),
    ] {
        for (idx, p) in points.iter().enumerate() {
            // Checked before any write: a point that cannot be evaluated never gets here.
            let v = p.verdict().map_err(|error| {
                StoreError::LineInvalid(vec![ResultProblem::BadPoint {
                    phase,
                    index: idx,
                    error,
                }])
            })?;
            insert.execute(params![
                line_row,
                phase.as_str(),
                idx as i64,
                p.quantity,
                p.nominal.to_string(),
                p.reading.to_string(),
                p.unit,
                p.mpe.to_string(),
                v.error.to_string(),
                v.pass
            ])?;
        }
    }
    Ok(())
}

/// Inserts or rewrites one line (body, state columns and points).
fn write_line(
    tx: &Transaction<'_>,
    order_id: i64,
    position: usize,
    line: &OrderLine,
    wf: &Workflow,
    at: &str,
) -> Result<()> {
    let work = wf.line(line.line_id);
    let line_row: i64 = tx
        .prepare_cached(
            "INSERT INTO order_lines (order_id, line_id, position, identifier, state, technician,
                                      body, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (line_id) DO UPDATE SET position = excluded.position,
                 identifier = excluded.identifier,
                 state = excluded.state, technician = excluded.technician, body = excluded.body,
                 updated_at = excluded.updated_at
             RETURNING id",
        )?
        .query_row(
            params![
                order_id,
                line.line_id.to_string(),
                position as i64,
                line.instrument.identifier().map(|i| i.to_string()),
                work.map_or("pending", |w| w.state.as_str()),
                work.and_then(|w| w.technician.clone()),
                line_body(line)?,
                at
            ],
            |r| r.get(0),
        )?;
    write_points(tx, line_row, &line.results)
}

/// [`write_line`] for the sync side.
pub(crate) fn write_line_pub(
    tx: &Transaction<'_>,
    order_id: i64,
    position: usize,
    line: &OrderLine,
    wf: &Workflow,
    at: &str,
) -> Result<()> {
    write_line(tx, order_id, position, line, wf, at)
}

/// Copies each line's state and technician from the workflow into its row.
fn write_line_states(tx: &Transaction<'_>, order_id: i64, wf: &Workflow) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "UPDATE order_lines SET state = ?3, technician = ?4
         WHERE order_id = ?1 AND line_id = ?2 AND (state != ?3 OR technician IS NOT ?4)",
    )?;
    for l in &wf.lines {
        stmt.execute(params![
            order_id,
            l.line_id.to_string(),
            l.state.as_str(),
            l.technician
        ])?;
    }
    Ok(())
}

/// The columns that follow from the workflow, written with it.
fn write_workflow(
    tx: &Transaction<'_>,
    order_id: i64,
    wf: &Workflow,
    at: &str,
    hlc: &str,
    bump_version: bool,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE orders SET state = ?2, stage = ?3, open = ?4, workflow = ?5,
                version = version + ?6, hlc = CASE WHEN ?6 THEN ?7 ELSE hlc END, updated_at = ?8,
                closed_at = CASE WHEN ?4 THEN NULL ELSE coalesce(closed_at, ?8) END
         WHERE id = ?1",
    )?
    .execute(params![
        order_id,
        wf.state.as_str(),
        wf.stage().as_str(),
        !wf.state.is_terminal(),
        serde_json::to_string(wf)?,
        bump_version,
        hlc,
        at
    ])?;
    write_line_states(tx, order_id, wf)
}

/// Keeps `customer` among the names a customer search scans.
pub(crate) fn note_customer(tx: &Transaction<'_>, customer: &str) -> Result<()> {
    tx.prepare_cached("INSERT OR IGNORE INTO order_customers (name) VALUES (?1)")?
        .execute([customer])?;
    Ok(())
}

fn write_header(
    tx: &Transaction<'_>,
    order_id: i64,
    order: &Order,
    contact: Option<&str>,
) -> Result<()> {
    note_customer(tx, &order.customer)?;
    tx.prepare_cached(
        "UPDATE orders SET customer = ?2, contact = ?3, service = ?4, priority = ?5,
                requested_date = ?6, promised_date = ?7, notes = ?8
         WHERE id = ?1",
    )?
    .execute(params![
        order_id,
        order.customer,
        contact,
        order.service.as_str(),
        order.priority.as_str(),
        date_col(order.requested_date),
        date_col(order.promised_date),
        order.notes
    ])?;
    Ok(())
}

/// Inserts a whole order (header, lines, points), version `version`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_order(
    tx: &Transaction<'_>,
    order: &Order,
    contact: Option<&str>,
    lines: &[OrderLine],
    wf: &Workflow,
    remote: Option<(&Workflow, u64)>,
    version: i64,
    created_by: &str,
    at: &str,
    hlc: &str,
) -> Result<i64> {
    let inserted = tx
        .prepare_cached(
            "INSERT INTO orders (number, customer, contact, service, priority, requested_date,
                                 promised_date, notes, state, stage, open, workflow,
                                 remote_workflow, remote_version, version, hlc, created_by,
                                 created_at, updated_at, closed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                     ?18, ?18, CASE WHEN ?11 THEN NULL ELSE ?18 END)",
        )?
        .execute(params![
            order.number.as_str(),
            order.customer,
            contact,
            order.service.as_str(),
            order.priority.as_str(),
            date_col(order.requested_date),
            date_col(order.promised_date),
            order.notes,
            wf.state.as_str(),
            wf.stage().as_str(),
            !wf.state.is_terminal(),
            serde_json::to_string(wf)?,
            remote.map(|(w, _)| serde_json::to_string(w)).transpose()?,
            remote.map(|(_, v)| v as i64),
            version,
            hlc,
            created_by,
            at
        ]);
    if let Err(e) = inserted {
        return Err(match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                StoreError::OrderExists(order.number.to_string())
            }
            e => e.into(),
        });
    }
    let order_id = tx.last_insert_rowid();
    note_customer(tx, &order.customer)?;
    for (i, line) in lines.iter().enumerate() {
        write_line(tx, order_id, i + 1, line, wf, at)?;
    }
    for a in &order.attachments {
        // Refs without bytes here (a pulled order): the bytes come by hash when needed.
        tx.prepare_cached(
            "INSERT OR IGNORE INTO order_attachments (order_id, sha256, name, mime, size,
                                                     added_by, added_at)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM blobs WHERE sha256 = ?2)",
        )?
        .execute(params![order_id, a.sha256, a.name, a.mime, a.size as i64, created_by, at])?;
    }
    Ok(order_id)
}

fn check_lines(lines: &[OrderLine]) -> Result<()> {
    let problems: Vec<ResultProblem> = lines
        .iter()
        .filter_map(|l| l.check().err())
        .flatten()
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::LineInvalid(problems))
    }
}

/// The editable header fields as JSON values, for diffs and merges (the contact as its sealed
/// text).
pub(crate) fn header_values(order: &Order, contact: Option<&str>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("customer".into(), json!(order.customer));
    m.insert("service".into(), json!(order.service.as_str()));
    m.insert("priority".into(), json!(order.priority.as_str()));
    m.insert(
        "requested_date".into(),
        json!(date_col(order.requested_date)),
    );
    m.insert("promised_date".into(), json!(date_col(order.promised_date)));
    m.insert("notes".into(), json!(order.notes));
    m.insert(
        "contact".into(),
        contact.map_or(Value::Null, |s| json!({ "sealed": s })),
    );
    m
}

/// The editable line fields as JSON values.
pub(crate) fn line_values(line: &OrderLine) -> Result<Map<String, Value>> {
    let mut m = Map::new();
    m.insert("instrument".into(), serde_json::to_value(&line.instrument)?);
    m.insert("intake".into(), serde_json::to_value(&line.intake)?);
    m.insert("results".into(), serde_json::to_value(&line.results)?);
    Ok(m)
}

/// `{field: [before, after]}` for the fields that differ.
fn diff(before: &Map<String, Value>, after: &Map<String, Value>) -> Map<String, Value> {
    after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, v)| {
            (
                k.clone(),
                json!([before.get(k).cloned().unwrap_or(Value::Null), v]),
            )
        })
        .collect()
}

impl OrderFields {
    fn into_order(self, number: OrderNumber, attachments: Vec<AttachmentRef>) -> Order {
        Order {
            number,
            customer: self.customer.trim().to_owned(),
            service: self.service,
            priority: self.priority,
            requested_date: self.requested_date,
            promised_date: self.promised_date,
            notes: self.notes.filter(|n| !n.trim().is_empty()),
            attachments,
        }
    }
}

fn check_contact(contact: Option<&Contact>) -> Result<()> {
    match contact.map(Contact::check) {
        Some(Err(p)) => Err(StoreError::ContactInvalid(p)),
        _ => Ok(()),
    }
}

fn check_order(order: &Order) -> Result<()> {
    order.check().map_err(StoreError::OrderInvalid)
}

/// Writes an order op with its audit entry in the open transaction and commits.
/// `stamp` is the row change's wall time and HLC stamp.
fn record_order_op(
    tx: Transaction<'_>,
    chain: &mut audit::Chain,
    actor: &Actor,
    action: &str,
    kind: OpKind,
    op: &OrderOp,
    (at, hlc): (&str, &str),
) -> Result<()> {
    let payload = serde_json::to_string(op)?;
    let number = op.order_number();
    Store::record(
        &tx,
        chain,
        &Write {
            entity: EntityKind::Order,
            actor: &actor.id,
            action,
            entity_id: number.as_str(),
            kind,
            payload: &payload,
            at,
            hlc,
        },
    )?;
    chain.save(&tx)?;
    tx.commit()?;
    Ok(())
}

/// Mints this device's next order number for `year` (inside the caller's transaction).
fn mint_order_number(
    tx: &Transaction<'_>,
    device_id: uuid::Uuid,
    year: i32,
) -> Result<OrderNumber> {
    let seq: i64 = tx
        .prepare_cached(
            "INSERT INTO order_sequence (year, last) VALUES (?1, 1)
             ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last",
        )?
        .query_row([year], |r| r.get(0))?;
    Ok(OrderNumber::new(
        year,
        DeviceTag::of_device(device_id),
        seq as u64,
    ))
}

/// Applies an approval's calibration to the instrument record in the same transaction.
pub(crate) fn apply_calibration(
    store_clock: &crate::clock::Clock,
    tx: &Transaction<'_>,
    chain: &mut audit::Chain,
    actor: &str,
    update: &CalibrationUpdate,
) -> Result<()> {
    let id = update.identifier.to_string();
    let (_, current) = Store::load_row(tx, &id)?.ok_or_else(|| StoreError::NotFound(id.clone()))?;
    let next = update.apply(&current.instrument);
    update_in_tx(store_clock, tx, chain, actor, "calibrate", &next, None)?;
    Ok(())
}

impl Store {
    /// Submits a new order at the desk: number minted here, state submitted, lines pending.
    pub fn create_order(
        &mut self,
        actor: &Actor,
        new: &NewOrder,
        today: NaiveDate,
    ) -> Result<OrderRecord> {
        can_submit(actor).map_err(StoreError::OrderRefused)?;
        check_contact(new.contact.as_ref())?;
        check_lines(&new.lines)?;
        let placeholder = OrderNumber::new(today.year(), DeviceTag::node(), 1);
        check_order(&new.fields.clone().into_order(placeholder, vec![]))?;
        if new.contact.is_some() {
            self.sealer_for_write()?;
        }
        let tx = Self::write_tx(&mut self.conn)?;
        let number = mint_order_number(&tx, self.device.device_id, today.year())?;
        let order = new.fields.clone().into_order(number.clone(), vec![]);
        let sealer = self.personal.get();
        let contact = seal_opt(sealer, &number, new.contact.as_ref())?;
        let wf = Workflow::submitted(new.lines.iter().map(|l| l.line_id));
        let (at, hlc) = (now(), self.clock.now());
        insert_order(
            &tx,
            &order,
            contact.as_deref(),
            &new.lines,
            &wf,
            None,
            1,
            &actor.id,
            &at,
            &hlc,
        )?;
        let op = OrderOp::Create {
            order: Box::new(order),
            contact: contact.map(|sealed| Protected::Sealed { sealed }),
            lines: new.lines.clone(),
            actor: actor.clone(),
        };
        let mut chain = audit::Chain::load(&tx)?;
        record_order_op(
            tx,
            &mut chain,
            actor,
            "create",
            OpKind::Create,
            &op,
            (&at, &hlc),
        )?;
        self.order_by_number(&number)
    }

    /// Adds a line (an instrument brought in, or registered from a draft later).
    pub fn add_order_line(
        &mut self,
        actor: &Actor,
        number: &str,
        line: &OrderLine,
    ) -> Result<OrderRecord> {
        let number = parse_number(number)?;
        check_lines(std::slice::from_ref(line))?;
        let tx = Self::write_tx(&mut self.conn)?;
        let row = load_order(&tx, &number)?
            .ok_or_else(|| StoreError::OrderNotFound(number.to_string()))?;
        can_edit(&row.workflow, EditScope::AddLine, None, actor)
            .map_err(StoreError::OrderRefused)?;
        if row.workflow.line(line.line_id).is_some() {
            return Err(StoreError::LineExists(line.line_id.to_string()));
        }
        let mut wf = row.workflow.clone();
        wf.add_line(line.line_id);
        let (at, hlc) = (now(), self.clock.now());
        write_line(&tx, row.id, wf.lines.len(), line, &wf, &at)?;
        write_workflow(&tx, row.id, &wf, &at, &hlc, true)?;
        let op = OrderOp::AddLine {
            order: number.clone(),
            line: Box::new(line.clone()),
            actor: actor.clone(),
        };
        let mut chain = audit::Chain::load(&tx)?;
        record_order_op(
            tx,
            &mut chain,
            actor,
            "add_line",
            OpKind::Update,
            &op,
            (&at, &hlc),
        )?;
        self.order_by_number(&number)
    }

    /// Replaces the header fields and the contact. Each changed field must be editable now by
    /// this actor; nothing changed writes nothing (`None`).
    pub fn edit_order(
        &mut self,
        actor: &Actor,
        number: &str,
        fields: &OrderFields,
        contact: Option<&Contact>,
        expected_version: Option<i64>,
    ) -> Result<Option<OrderRecord>> {
        let number = parse_number(number)?;
        check_contact(contact)?;
        self.sealer_for_write()?;
        let tx = Self::write_tx(&mut self.conn)?;
        let row = load_order(&tx, &number)?
            .ok_or_else(|| StoreError::OrderNotFound(number.to_string()))?;
        if let Some(expected) = expected_version.filter(|v| *v != row.version) {
            return Err(StoreError::VersionConflict {
                id: number.to_string(),
                expected,
                actual: row.version,
            });
        }
        let new = fields
            .clone()
            .into_order(number.clone(), row.order.attachments.clone());
        check_order(&new)?;
        let sealer = self.personal.get();
        let old_contact = open_opt(sealer, &number, row.contact.as_deref())?;
        // An unchanged contact keeps its sealed text (a new nonce would look like a change).
        let new_token = if old_contact.as_ref() == contact {
            row.contact.clone()
        } else {
            seal_opt(sealer, &number, contact)?
        };
        let changes = diff(
            &header_values(&row.order, row.contact.as_deref()),
            &header_values(&new, new_token.as_deref()),
        );
        if changes.is_empty() {
            return Ok(None);
        }
        for field in changes.keys() {
            let scope = order_field_scope(field).unwrap_or(EditScope::Header);
            can_edit(&row.workflow, scope, None, actor).map_err(StoreError::OrderRefused)?;
        }
        let (at, hlc) = (now(), self.clock.now());
        write_header(&tx, row.id, &new, new_token.as_deref())?;
        write_workflow(&tx, row.id, &row.workflow, &at, &hlc, true)?;
        let op = OrderOp::Edit {
            order: number.clone(),
            line: None,
            changes,
            actor: actor.clone(),
        };
        let mut chain = audit::Chain::load(&tx)?;
        record_order_op(
            tx,
            &mut chain,
            actor,
            "edit",
            OpKind::Update,
            &op,
            (&at, &hlc),
        )?;
        self.order_by_number(&number).map(Some)
    }

    /// Replaces one line's instrument, intake and results (matched by `line.line_id`). Each
    /// changed part must be editable now by this actor (results: only the assigned technician
    /// while the line is worked); nothing changed writes nothing (`None`).
    pub fn edit_order_line(
        &mut self,
        actor: &Actor,
        number: &str,
        line: &OrderLine,
    ) -> Result<Option<OrderRecord>> {
        let number = parse_number(number)?;
        check_lines(std::slice::from_ref(line))?;
        let tx = Self::write_tx(&mut self.conn)?;
        let row = load_order(&tx, &number)?
            .ok_or_else(|| StoreError::OrderNotFound(number.to_string()))?;
        let lines = load_lines(&tx, row.id)?;
        let (position, current) = lines
            .iter()
            .enumerate()
            .find(|(_, (_, l))| l.line_id == line.line_id)
            .map(|(i, (_, l))| (i + 1, l))
            .ok_or_else(|| StoreError::LineNotFound(line.line_id.to_string()))?;
        let changes = diff(&line_values(current)?, &line_values(line)?);
        if changes.is_empty() {
            return Ok(None);
        }
        for field in changes.keys() {
            let scope = line_field_scope(field).unwrap_or(EditScope::LineResults);
            can_edit(&row.workflow, scope, Some(line.line_id), actor)
                .map_err(StoreError::OrderRefused)?;
        }
        let (at, hlc) = (now(), self.clock.now());
        write_line(&tx, row.id, position, line, &row.workflow, &at)?;
        write_workflow(&tx, row.id, &row.workflow, &at, &hlc, true)?;
        let op = OrderOp::Edit {
            order: number.clone(),
            line: Some(line.line_id),
            changes,
            actor: actor.clone(),
        };
        let mut chain = audit::Chain::load(&tx)?;
        record_order_op(
            tx,
            &mut chain,
            actor,
            "edit_line",
            OpKind::Update,
            &op,
            (&at, &hlc),
        )?;
        self.order_by_number(&number).map(Some)
    }

    /// Takes one workflow step, checked by the model's state machine. The row, the outbox op,
    /// the audit entry and — for an approval of a calibration or verification — the
    /// instrument's new calibration are one transaction; a refused step writes nothing.
    pub fn order_transition(
        &mut self,
        actor: &Actor,
        number: &str,
        cmd: &Command,
        today: NaiveDate,
    ) -> Result<OrderRecord> {
        let number = parse_number(number)?;
        let tx = Self::write_tx(&mut self.conn)?;
        let row = load_order(&tx, &number)?
            .ok_or_else(|| StoreError::OrderNotFound(number.to_string()))?;
        let lines: Vec<OrderLine> = load_lines(&tx, row.id)?
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        let ctx = Context {
            number: &number,
            service: row.order.service,
            today,
            lines: &lines,
        };
        let done = transition(&row.workflow, cmd, actor, &ctx).map_err(StoreError::OrderRefused)?;
        let mut chain = audit::Chain::load(&tx)?;
        if let Some(update) = &done.calibration {
            apply_calibration(&self.clock, &tx, &mut chain, &actor.id, update)?;
        }
        let (at, hlc) = (now(), self.clock.now());
        write_workflow(&tx, row.id, &done.workflow, &at, &hlc, true)?;
        let op = OrderOp::Transition(OrderTransitionOp {
            order: number.clone(),
            line: cmd.line,
            action: cmd.action.clone(),
            from: done.from.to_owned(),
            to: done.to.to_owned(),
            actor: actor.clone(),
            date: today,
        });
        record_order_op(
            tx,
            &mut chain,
            actor,
            cmd.action.kind().as_str(),
            OpKind::Update,
            &op,
            (&at, &hlc),
        )?;
        self.order_by_number(&number)
    }

    /// Keeps a file with the order: its bytes once by SHA-256 (at most
    /// `MAX_ATTACHMENT_BYTES`), its reference with the order, and an op carrying the reference
    /// (the bytes travel apart, by hash). Attaching the same bytes again changes nothing.
    pub fn add_order_attachment(
        &mut self,
        actor: &Actor,
        number: &str,
        name: &str,
        mime: &str,
        bytes: &[u8],
    ) -> Result<AttachmentRef> {
        let number = parse_number(number)?;
        let size = bytes.len() as u64;
        if size > MAX_ATTACHMENT_BYTES {
            return Err(StoreError::AttachmentTooLarge {
                size,
                max: MAX_ATTACHMENT_BYTES,
            });
        }
        let attachment = AttachmentRef {
            sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes)),
            name: name.trim().to_owned(),
            mime: mime.trim().to_ascii_lowercase(),
            size,
        };
        attachment
            .check()
            .map_err(|p| StoreError::OrderInvalid(vec![p]))?;
        let tx = Self::write_tx(&mut self.conn)?;
        let row = load_order(&tx, &number)?
            .ok_or_else(|| StoreError::OrderNotFound(number.to_string()))?;
        if let Some(a) = row
            .order
            .attachments
            .iter()
            .find(|a| a.sha256 == attachment.sha256)
        {
            return Ok(a.clone());
        }
        can_edit(&row.workflow, EditScope::Attachments, None, actor)
            .map_err(StoreError::OrderRefused)?;
        let (at, hlc) = (now(), self.clock.now());
        tx.prepare_cached(
            "INSERT OR IGNORE INTO blobs (sha256, size, data, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![attachment.sha256, size as i64, bytes, at])?;
        tx.prepare_cached(
            "INSERT INTO order_attachments (order_id, sha256, name, mime, size, added_by, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            row.id,
            attachment.sha256,
            attachment.name,
            attachment.mime,
            size as i64,
            actor.id,
            at
        ])?;
        write_workflow(&tx, row.id, &row.workflow, &at, &hlc, true)?;
        let op = OrderOp::Attach {
            order: number.clone(),
            attachment: attachment.clone(),
            actor: actor.clone(),
        };
        let mut chain = audit::Chain::load(&tx)?;
        record_order_op(
            tx,
            &mut chain,
            actor,
            "attach",
            OpKind::Update,
            &op,
            (&at, &hlc),
        )?;
        Ok(attachment)
    }

    /// An attachment's bytes by their SHA-256.
    pub fn attachment_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT data FROM blobs WHERE sha256 = ?1")?
            .query_row([sha256], |r| r.get(0))
            .optional()?)
    }

    /// An order put back together, its contact opened (needs the personal-data key when it
    /// has one). `None` when there is no such order.
    pub fn get_order(&self, number: &str) -> Result<Option<OrderRecord>> {
        let Ok(number) = number.parse::<OrderNumber>() else {
            return Ok(None);
        };
        let Some(row) = load_order(&self.conn, &number)? else {
            return Ok(None);
        };
        let lines = load_lines(&self.conn, row.id)?
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        let contact = match row.contact.as_deref() {
            None => None,
            Some(sealed) => Some(self.sealer()?.open_contact(number.as_str(), sealed)?),
        };
        Ok(Some(OrderRecord {
            stage: row.workflow.stage(),
            order: row.order,
            contact,
            lines,
            workflow: row.workflow,
            version: row.version,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
            closed_at: row.closed_at,
        }))
    }

    fn order_by_number(&self, number: &OrderNumber) -> Result<OrderRecord> {
        self.get_order(number.as_str())?
            .ok_or_else(|| StoreError::OrderNotFound(number.to_string()))
    }

    /// The orders whose lines name `identifier`, newest first (an instrument's order history).
    pub fn orders_for_instrument(&self, identifier: &Identifier) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT o.number, o.id FROM order_lines l JOIN orders o ON o.id = l.order_id
             WHERE l.identifier = ?1 ORDER BY o.id DESC",
        )?;
        let rows = stmt.query_map([identifier.to_string()], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

pub(crate) fn seal_opt(
    sealer: Option<&Sealer>,
    number: &OrderNumber,
    contact: Option<&Contact>,
) -> Result<Option<String>> {
    contact
        .map(|c| {
            sealer
                .ok_or_else(|| StoreError::Personal("no personal-data key".into()))?
                .seal_contact(number.as_str(), c)
        })
        .transpose()
}

pub(crate) fn open_opt(
    sealer: Option<&Sealer>,
    number: &OrderNumber,
    sealed: Option<&str>,
) -> Result<Option<Contact>> {
    sealed
        .map(|s| {
            sealer
                .ok_or_else(|| StoreError::Personal("no personal-data key".into()))?
                .open_contact(number.as_str(), s)
        })
        .transpose()
}
