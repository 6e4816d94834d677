//! Instruments: registering (one or a batch), editing, soft-deleting and reading them, and the
//! metadata template they are validated against. Every change goes through the write rule in
//! `write.rs` (row, outbox op and audit entry together) and keeps the search index in step.

use chrono::NaiveDate;
use idstation_model::{
    field_changes, EntityKind, Identifier, Instrument, InstrumentStatus, MetadataTemplate, OpKind,
};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::json;

use crate::clock::{now, Clock};
use crate::search::Indexing;
use crate::write::bulk_write;
use crate::write::Write;
use crate::{audit, Result, Store, StoreError};

/// An instrument as stored, with its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstrumentRecord {
    #[serde(flatten)]
    pub instrument: Instrument,
    pub version: i64,
    pub hlc: String,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstrumentFilter {
    pub status: Option<InstrumentStatus>,
    pub category: Option<String>,
    pub owner: Option<String>,
    /// Due on or before this date (and not yet deleted); with `due_from`, a window.
    pub due_until: Option<NaiveDate>,
    pub due_from: Option<NaiveDate>,
    pub include_deleted: bool,
    pub limit: u32,
    pub offset: u32,
}

/// Which field of a record an old barcode matched (see [`Store::instruments_by_code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeField {
    AssetNo,
    SerialNo,
    /// The identifier's part after the prefix, scanned without it.
    Suffix,
}

/// `cal_next_due` as stored for due-window queries (YYYY-MM-DD sorts as text).
pub(crate) fn due_column(inst: &Instrument) -> Option<String> {
    inst.calibration.next_due.map(|d| d.to_string())
}

pub(crate) const RECORD_COLUMNS: &str = "body, version, hlc, created_at, updated_at, deleted_at";

pub(crate) fn record_from_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(String, InstrumentRecordMeta)> {
    record_at(r, 0)
}

/// The [`RECORD_COLUMNS`] of a row, starting at column `first`.
fn record_at(
    r: &rusqlite::Row<'_>,
    first: usize,
) -> rusqlite::Result<(String, InstrumentRecordMeta)> {
    Ok((
        r.get(first)?,
        InstrumentRecordMeta {
            version: r.get(first + 1)?,
            hlc: r.get(first + 2)?,
            created_at: r.get(first + 3)?,
            updated_at: r.get(first + 4)?,
            deleted_at: r.get(first + 5)?,
        },
    ))
}

pub(crate) struct InstrumentRecordMeta {
    version: i64,
    hlc: String,
    created_at: String,
    updated_at: String,
    deleted_at: Option<String>,
}

pub(crate) fn into_record((body, m): (String, InstrumentRecordMeta)) -> Result<InstrumentRecord> {
    Ok(InstrumentRecord {
        instrument: serde_json::from_str(&body)?,
        version: m.version,
        hlc: m.hlc,
        created_at: m.created_at,
        updated_at: m.updated_at,
        deleted_at: m.deleted_at,
    })
}

/// What an [`InstrumentFilter`] keeps; its values are `?1`..`?6` (see [`filter_values`]).
const FILTER_WHERE: &str = "WHERE (?1 OR deleted_at IS NULL)
               AND (?2 IS NULL OR status = ?2)
               AND (?3 IS NULL OR category = ?3)
               AND (?4 IS NULL OR owner = ?4)
               AND (?5 IS NULL OR cal_next_due <= ?5)
               AND (?6 IS NULL OR cal_next_due >= ?6)";

fn filter_values(f: &InstrumentFilter) -> [Value; 6] {
    [
        f.include_deleted.into(),
        f.status.map(|s| s.as_str().to_owned()).into(),
        f.category.clone().into(),
        f.owner.clone().into(),
        f.due_until.map(|d| d.to_string()).into(),
        f.due_from.map(|d| d.to_string()).into(),
    ]
}

/// The parts of a new row that do not depend on its place in a batch (its text, its search
/// text, its payload's hash). A bulk batch makes them on a second thread while the rows before
/// are written: they were a tenth of a 100k-row import.
pub(crate) struct RowText {
    id: String,
    body: String,
    body_sha256: String,
    uni: String,
    bi: String,
}

impl RowText {
    pub(crate) fn of(inst: &Instrument) -> Result<RowText> {
        let body = serde_json::to_string(inst)?;
        let (uni, bi) = crate::search::ngram_columns(&inst.search_text());
        Ok(RowText {
            id: inst.identifier.to_string(),
            body_sha256: audit::sha256_hex(&body),
            body,
            uni,
            bi,
        })
    }
}

/// Rows a bulk batch's second thread hands over at a time.
const TEXT_CHUNK_ROWS: usize = 512;

/// Inserts a batch of new instruments (see [`insert_row`]); `each(done)` after every row. A
/// bulk batch prepares each row's [`RowText`] on a second thread.
pub(crate) fn insert_rows(
    clock: &Clock,
    tx: &Transaction<'_>,
    chain: &mut audit::Chain,
    actor: &str,
    instruments: &[Instrument],
    indexing: Indexing,
    each: &mut dyn FnMut(usize),
) -> Result<()> {
    if indexing != Indexing::Defer {
        for (i, inst) in instruments.iter().enumerate() {
            insert_row(clock, tx, chain, actor, inst, indexing)?;
            each(i + 1);
        }
        return Ok(());
    }
    std::thread::scope(|scope| {
        let (send, texts) = std::sync::mpsc::sync_channel::<Result<Vec<RowText>>>(4);
        scope.spawn(move || {
            for chunk in instruments.chunks(TEXT_CHUNK_ROWS) {
                let made = chunk.iter().map(RowText::of).collect();
                // A closed channel: the writer stopped at an error.
                if send.send(made).is_err() {
                    break;
                }
            }
        });
        let mut done = 0;
        for chunk in instruments.chunks(TEXT_CHUNK_ROWS) {
            let made = texts
                .recv()
                .map_err(|_| StoreError::Corrupt("the row preparing thread stopped".into()))??;
            for (inst, text) in chunk.iter().zip(&made) {
                insert_text(clock, tx, chain, actor, inst, text, indexing)?;
                done += 1;
                each(done);
            }
        }
        Ok(())
    })
}

/// Inserts one new instrument with its index entries, outbox op and audit entry. Takes only the
/// clock, so a batch can run it while its transaction borrows the connection.
pub(crate) fn insert_row(
    clock: &Clock,
    tx: &Transaction<'_>,
    chain: &mut audit::Chain,
    actor: &str,
    inst: &Instrument,
    indexing: Indexing,
) -> Result<(String, String)> {
    insert_text(clock, tx, chain, actor, inst, &RowText::of(inst)?, indexing)
}

fn insert_text(
    clock: &Clock,
    tx: &Transaction<'_>,
    chain: &mut audit::Chain,
    actor: &str,
    inst: &Instrument,
    text: &RowText,
    indexing: Indexing,
) -> Result<(String, String)> {
    let RowText { id, body, .. } = text;
    let at = now();
    let hlc = clock.now();
    let inserted = tx
        .prepare_cached(
            "INSERT INTO instruments (identifier, name, status, category, owner, cal_next_due,
                                      body, version, hlc, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9, ?9)",
        )?
        .execute(params![
            id,
            inst.name,
            inst.status.as_str(),
            inst.category,
            inst.owner,
            due_column(inst),
            body,
            hlc,
            at
        ]);
    // The unique index spots a duplicate; only then is it worth asking whether it was deleted.
    if let Err(e) = inserted {
        let deleted: Option<Option<String>> = tx
            .prepare_cached("SELECT deleted_at FROM instruments WHERE identifier = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        return Err(match deleted {
            Some(None) => StoreError::AlreadyExists(id.clone()),
            Some(Some(_)) => StoreError::Deleted(id.clone()),
            None => e.into(),
        });
    }
    Store::index_text(tx, tx.last_insert_rowid(), &text.uni, &text.bi, indexing)?;
    Store::record_hashed(
        tx,
        chain,
        &Write {
            entity: EntityKind::Instrument,
            actor,
            action: "register",
            entity_id: id,
            kind: OpKind::Create,
            payload: body,
            at: &at,
            hlc: &hlc,
        },
        &text.body_sha256,
    )?;
    Ok((hlc, at))
}

/// Replaces an instrument's fields inside a caller's transaction (an edit, or an order's
/// approval writing the new calibration): row, search index, outbox op and audit entry under
/// `action`. Returns whether anything changed (nothing is written when not).
pub(crate) fn update_in_tx(
    clock: &Clock,
    tx: &Transaction<'_>,
    chain: &mut audit::Chain,
    actor: &str,
    action: &str,
    new: &Instrument,
    expected_version: Option<i64>,
) -> Result<bool> {
    let id = new.identifier.to_string();
    let (row_id, current) =
        Store::load_row(tx, &id)?.ok_or_else(|| StoreError::NotFound(id.clone()))?;
    if current.deleted_at.is_some() {
        return Err(StoreError::Deleted(id));
    }
    if let Some(expected) = expected_version {
        if expected != current.version {
            return Err(StoreError::VersionConflict {
                id,
                expected,
                actual: current.version,
            });
        }
    }
    let changes = field_changes(&current.instrument, new);
    if changes.is_empty() {
        return Ok(false);
    }
    let after = serde_json::to_string(new)?;
    let payload = serde_json::Value::Object(changes).to_string();
    let at = now();
    let hlc = clock.now();
    tx.prepare_cached(
        "UPDATE instruments SET name = ?2, status = ?3, category = ?4, owner = ?5,
                cal_next_due = ?6, body = ?7, version = version + 1, hlc = ?8, updated_at = ?9
         WHERE id = ?1",
    )?
    .execute(params![
        row_id,
        new.name,
        new.status.as_str(),
        new.category,
        new.owner,
        due_column(new),
        after,
        hlc,
        at
    ])?;
    Store::unindex(tx, row_id)?;
    Store::index(tx, row_id, new)?;
    Store::record(
        tx,
        chain,
        &Write {
            entity: EntityKind::Instrument,
            actor,
            action,
            entity_id: &id,
            kind: OpKind::Update,
            payload: &payload,
            at: &at,
            hlc: &hlc,
        },
    )?;
    Ok(true)
}

impl Store {
    pub fn active_template(&self) -> Result<MetadataTemplate> {
        let body: String = self.conn.query_row(
            "SELECT body FROM metadata_templates WHERE active = 1 ORDER BY version DESC LIMIT 1",
            [],
            |r| r.get(0),
        )?;
        Ok(serde_json::from_str(&body)?)
    }

    /// Registers one instrument: row, search index, outbox op and audit entry in one transaction.
    pub fn insert_instrument(
        &mut self,
        actor: &str,
        inst: &Instrument,
    ) -> Result<InstrumentRecord> {
        let tx = Self::write_tx(&mut self.conn)?;
        let mut chain = audit::Chain::load(&tx)?;
        let (hlc, at) = insert_row(&self.clock, &tx, &mut chain, actor, inst, Indexing::Queue)?;
        chain.save(&tx)?;
        tx.commit()?;
        Ok(InstrumentRecord {
            instrument: inst.clone(),
            version: 1,
            hlc,
            created_at: at.clone(),
            updated_at: at,
            deleted_at: None,
        })
    }

    /// Registers many instruments in one transaction: all or none. `progress(done, total)` is
    /// called every 1,000 rows.
    pub fn import_instruments(
        &mut self,
        actor: &str,
        instruments: &[Instrument],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<usize> {
        let clock = &self.clock;
        bulk_write(&mut self.conn, instruments.len(), |conn| {
            let tx = Self::write_tx(conn)?;
            let mut chain = audit::Chain::load(&tx)?;
            let total = instruments.len();
            // A bulk batch leaves its index text queued for `index_pending` (see `search`).
            let indexing = Indexing::for_batch(total);
            insert_rows(
                clock,
                &tx,
                &mut chain,
                actor,
                instruments,
                indexing,
                &mut |done| {
                    if done % 1000 == 0 {
                        progress(done, total);
                    }
                },
            )?;
            chain.save(&tx)?;
            tx.commit()?;
            progress(total, total);
            Ok(total)
        })
    }

    pub(crate) fn load_row(tx: &Connection, id: &str) -> Result<Option<(i64, InstrumentRecord)>> {
        let row = tx
            .prepare_cached(&format!(
                "SELECT id, {RECORD_COLUMNS} FROM instruments WHERE identifier = ?1"
            ))?
            .query_row([id], |r| Ok((r.get::<_, i64>(0)?, record_at(r, 1)?)))
            .optional()?;
        row.map(|(row_id, parts)| Ok((row_id, into_record(parts)?)))
            .transpose()
    }

    /// Replaces an instrument's fields. With `expected_version`, refuses if someone else wrote
    /// meanwhile. Returns `None` when nothing changed (and then nothing is written).
    pub fn update_instrument(
        &mut self,
        actor: &str,
        new: &Instrument,
        expected_version: Option<i64>,
    ) -> Result<Option<InstrumentRecord>> {
        let tx = Self::write_tx(&mut self.conn)?;
        let mut chain = audit::Chain::load(&tx)?;
        let changed = update_in_tx(
            &self.clock,
            &tx,
            &mut chain,
            actor,
            "edit",
            new,
            expected_version,
        )?;
        if !changed {
            return Ok(None);
        }
        chain.save(&tx)?;
        tx.commit()?;
        self.get_instrument(&new.identifier)
    }

    /// Soft delete (`deleted = true`) or its undo; the record stays, with its history.
    pub fn set_deleted(
        &mut self,
        actor: &str,
        identifier: &Identifier,
        deleted: bool,
        reason: &str,
    ) -> Result<InstrumentRecord> {
        let id = identifier.to_string();
        let tx = Self::write_tx(&mut self.conn)?;
        let (row_id, current) =
            Self::load_row(&tx, &id)?.ok_or_else(|| StoreError::NotFound(id.clone()))?;
        match (deleted, current.deleted_at.is_some()) {
            (true, true) => return Err(StoreError::Deleted(id)),
            (false, false) => return Err(StoreError::NotDeleted(id)),
            _ => {}
        }
        let at = now();
        let hlc = self.clock.now();
        tx.prepare_cached(
            "UPDATE instruments SET deleted_at = ?2, version = version + 1, hlc = ?3, updated_at = ?4
             WHERE id = ?1",
        )?
        .execute(params![row_id, deleted.then_some(&at), hlc, at])?;
        if deleted {
            Self::unindex(&tx, row_id)?;
        } else {
            Self::index(&tx, row_id, &current.instrument)?;
        }
        let payload = json!({ "reason": reason }).to_string();
        Self::record_and_commit(
            tx,
            &Write {
                entity: EntityKind::Instrument,
                actor,
                action: if deleted { "delete" } else { "undelete" },
                entity_id: &id,
                kind: if deleted {
                    OpKind::Delete
                } else {
                    OpKind::Undelete
                },
                payload: &payload,
                at: &at,
                hlc: &hlc,
            },
        )?;
        self.get_instrument(identifier)?
            .ok_or_else(|| StoreError::NotFound(id.clone()))
    }

    /// The live instruments carrying this asset number: one names an instrument, more than one
    /// means the number is ambiguous (asset numbers are the owner's, not unique here).
    pub fn instruments_by_asset_no(&self, asset_no: &str) -> Result<Vec<InstrumentRecord>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS} FROM instruments
             WHERE json_extract(body, '$.asset_no') = ?1 AND deleted_at IS NULL
             ORDER BY id"
        ))?;
        let rows = stmt.query_map([asset_no], record_from_row)?;
        rows.map(|r| into_record(r?)).collect()
    }

    /// The live instruments an old barcode names: its asset number, serial number or the bare
    /// suffix of its identifier (case-insensitive, as minted suffixes are upper-cased), each
    /// with the field that matched. At most `limit`, in registration order.
    pub fn instruments_by_code(
        &self,
        code: &str,
        limit: u32,
    ) -> Result<Vec<(InstrumentRecord, CodeField)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS},
                    CASE WHEN json_extract(body, '$.asset_no') = ?1 THEN 'asset_no'
                         WHEN json_extract(body, '$.serial_no') = ?1 THEN 'serial_no'
                         ELSE 'suffix' END
             FROM instruments
             WHERE deleted_at IS NULL AND id IN (
                 SELECT id FROM instruments
                  WHERE json_extract(body, '$.asset_no') = ?1 AND deleted_at IS NULL
                 UNION SELECT id FROM instruments
                  WHERE json_extract(body, '$.serial_no') = ?1 AND deleted_at IS NULL
                 UNION SELECT id FROM instruments
                  WHERE upper(substr(identifier, instr(identifier, '/') + 1)) = upper(?1)
                    AND deleted_at IS NULL)
             ORDER BY id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![code, limit], |r| {
            let field = match r.get_ref(6)?.as_str()? {
                "asset_no" => CodeField::AssetNo,
                "serial_no" => CodeField::SerialNo,
                _ => CodeField::Suffix,
            };
            Ok((record_from_row(r)?, field))
        })?;
        rows.map(|r| {
            let (row, field) = r?;
            Ok((into_record(row)?, field))
        })
        .collect()
    }

    /// Finds an instrument by identifier, deleted ones included (see `deleted_at`).
    pub fn get_instrument(&self, identifier: &Identifier) -> Result<Option<InstrumentRecord>> {
        Ok(Self::load_row(&self.conn, &identifier.to_string())?.map(|(_, r)| r))
    }

    pub fn list_instruments(&self, f: &InstrumentFilter) -> Result<Vec<InstrumentRecord>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS} FROM instruments
             {FILTER_WHERE}
             ORDER BY id DESC LIMIT ?7 OFFSET ?8"
        ))?;
        let limit = if f.limit == 0 { 100 } else { f.limit };
        let values = filter_values(f)
            .into_iter()
            .chain([Value::from(limit), Value::from(f.offset)]);
        let rows = stmt.query_map(params_from_iter(values), record_from_row)?;
        rows.map(|r| into_record(r?)).collect()
    }

    /// How many instruments `f` matches (its limit and offset aside).
    pub fn count_filtered(&self, f: &InstrumentFilter) -> Result<i64> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT count(*) FROM instruments
             {FILTER_WHERE}"
        ))?;
        Ok(stmt.query_row(params_from_iter(filter_values(f)), |r| r.get(0))?)
    }

    pub fn count_instruments(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM instruments WHERE deleted_at IS NULL",
            [],
            |r| r.get(0),
        )?)
    }

    /// Calibrations due per month from `from` (inclusive, `YYYY-MM-DD`) to `until` (exclusive):
    /// `(YYYY-MM, count)` for the months that have any; and how many are overdue before `from`.
    pub fn due_by_month(&self, from: &str, until: &str) -> Result<(Vec<(String, u64)>, u64)> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT substr(cal_next_due, 1, 7) AS m, count(*) FROM instruments \
             WHERE deleted_at IS NULL AND cal_next_due >= ?1 AND cal_next_due < ?2 \
             GROUP BY m ORDER BY m",
        )?;
        let months = stmt
            .query_map([from, until], |r| {
                Ok((r.get(0)?, u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0)))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let overdue: i64 = self.conn.query_row(
            "SELECT count(*) FROM instruments \
             WHERE deleted_at IS NULL AND cal_next_due IS NOT NULL AND cal_next_due < ?1",
            [from],
            |r| r.get(0),
        )?;
        Ok((months, u64::try_from(overdue).unwrap_or(0)))
    }
}
