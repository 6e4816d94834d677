//! Instrument use cases: register (from fields or a form), find, show, edit, delete and undo,
//! import, and the one way to list instruments (search text and filters together, in windows)
//! that the app's table and the CLI's `list`/`search` both use.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use idstation_model::{
    Field, FieldError, FieldErrorKind, Identifier, Instrument, InstrumentInput, InstrumentStatus,
    ValidationErrors,
};
use idstation_store::{InstrumentFilter, InstrumentRecord, StoreError};

use crate::{import, ImportReport, InstrumentDetails, Result, Workstation, WsError};

/// Which instruments to list: search text (Chinese substrings of any length, model and serial
/// numbers) and filters, any of them, one window at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstrumentQuery {
    /// Empty lists every instrument that passes the filters.
    pub text: String,
    pub status: Option<InstrumentStatus>,
    pub category: Option<String>,
    pub owner: Option<String>,
    /// Next due on or after this date.
    pub due_from: Option<NaiveDate>,
    /// Next due on or before this date.
    pub due_until: Option<NaiveDate>,
    /// Deleted instruments too (lists without search text only: the index leaves them out).
    pub include_deleted: bool,
    pub offset: u32,
    /// At most this many (0: the store's default of 100).
    pub limit: u32,
}

/// A window of a list: `total` match, `records` start at the query's offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentList {
    pub total: u32,
    pub records: Vec<InstrumentRecord>,
    /// A search found more than it read: `total` is a lower bound that grows as later windows
    /// are asked for.
    pub truncated: bool,
}

/// Hits read at most when search text comes with filters (they apply to the hits).
const FILTERED_SEARCH_CAP: u32 = 1000;

impl InstrumentQuery {
    fn filter(&self) -> InstrumentFilter {
        InstrumentFilter {
            status: self.status,
            category: self.category.clone(),
            owner: self.owner.clone(),
            due_until: self.due_until,
            due_from: self.due_from,
            include_deleted: self.include_deleted,
            limit: self.limit,
            offset: self.offset,
        }
    }

    fn has_filters(&self) -> bool {
        self.status.is_some()
            || self.category.is_some()
            || self.owner.is_some()
            || self.due_until.is_some()
            || self.due_from.is_some()
    }

    fn admits(&self, r: &InstrumentRecord) -> bool {
        let i = &r.instrument;
        self.status.is_none_or(|s| i.status == s)
            && self
                .category
                .as_ref()
                .is_none_or(|c| i.category.as_ref() == Some(c))
            && self
                .owner
                .as_ref()
                .is_none_or(|o| i.owner.as_ref() == Some(o))
            && self
                .due_until
                .is_none_or(|d| i.calibration.next_due.is_some_and(|n| n <= d))
            && self
                .due_from
                .is_none_or(|d| i.calibration.next_due.is_some_and(|n| n >= d))
    }
}

/// A status as typed (`in_use`, `准用`, …), or the field error a form shows for it.
pub fn parse_status(text: &str) -> Result<InstrumentStatus> {
    InstrumentStatus::parse(text).ok_or_else(|| {
        WsError::Invalid(ValidationErrors(vec![FieldError {
            field: Field::Status,
            kind: FieldErrorKind::UnknownStatus {
                value: text.to_string(),
            },
        }]))
    })
}

/// Every field's key and current text (template fields as `attr.<name>`), as forms hold them.
pub(crate) fn field_values(input: &InstrumentInput) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for f in Field::FIXED {
        if let Some(v) = input.get(&f) {
            out.insert(f.key(), v.to_string());
        }
    }
    for (k, v) in &input.attributes {
        out.insert(Field::Attribute(k.clone()).key(), v.clone());
    }
    out
}

impl Workstation {
    pub fn register(&mut self, input: &InstrumentInput) -> Result<InstrumentRecord> {
        let inst = self.validate(input).map_err(WsError::Invalid)?;
        Ok(self.store.insert_instrument(&self.actor, &inst)?)
    }

    /// Registers what a form holds (field key → text; empty ones left out). Without an
    /// identifier one is minted from this workstation's lease.
    pub fn register_form(&mut self, values: &BTreeMap<String, String>) -> Result<InstrumentRecord> {
        let mut input = InstrumentInput::default();
        for (key, value) in values {
            let f = Field::from_key(key).ok_or_else(|| WsError::UnknownField(key.clone()))?;
            if !value.trim().is_empty() {
                input.set(&f, value.clone());
            }
        }
        self.register_minted(&input)
    }

    /// Accepts what a scanner types: bare handle, `hdl:`, resolver URL, GS1 Digital Link.
    pub fn parse_identifier(text: &str) -> Result<Identifier> {
        Ok(Identifier::parse(text)?)
    }

    pub fn find(&self, identifier: &str) -> Result<InstrumentRecord> {
        let id = Self::parse_identifier(identifier)?;
        self.store
            .get_instrument(&id)?
            .ok_or_else(|| StoreError::NotFound(id.to_string()).into())
    }

    pub fn details(&self, identifier: &str, today: NaiveDate) -> Result<InstrumentDetails> {
        let record = self.find(identifier)?;
        let history = self
            .store
            .audit_entries(Some(&record.instrument.identifier.to_string()), 200)?;
        Ok(InstrumentDetails {
            live_status: record.instrument.live_status(today),
            record,
            history,
        })
    }

    /// Changes some fields (an empty value clears one). Returns `None` when nothing changed.
    pub fn edit(
        &mut self,
        identifier: &str,
        changes: &[(Field, String)],
        expected_version: Option<i64>,
    ) -> Result<Option<InstrumentRecord>> {
        let current = self.find(identifier)?;
        if current.deleted_at.is_some() {
            return Err(StoreError::Deleted(current.instrument.identifier.to_string()).into());
        }
        let mut input = current.instrument.to_input();
        for (field, value) in changes {
            if *field == Field::Identifier {
                return Err(StoreError::IdentifierImmutable(
                    current.instrument.identifier.to_string(),
                )
                .into());
            }
            input.set(field, value.clone());
        }
        // A changed calibration date or interval recomputes the due date unless one was typed.
        let touches_schedule = changes
            .iter()
            .any(|(f, _)| matches!(f, Field::CalLastDate | Field::CalIntervalMonths));
        if touches_schedule && !changes.iter().any(|(f, _)| *f == Field::CalNextDue) {
            input.cal_next_due = None;
        }
        let inst = self.validate(&input).map_err(WsError::Invalid)?;
        Ok(self
            .store
            .update_instrument(&self.actor, &inst, expected_version)?)
    }

    /// Saves an edit form: only the fields whose text differs from the record change (the
    /// identifier never does). Returns `None` when nothing changed.
    pub fn edit_form(
        &mut self,
        identifier: &str,
        values: &BTreeMap<String, String>,
        expected_version: Option<i64>,
    ) -> Result<Option<InstrumentRecord>> {
        let current = self.find(identifier)?;
        let before = field_values(&current.instrument.to_input());
        let mut changes = Vec::new();
        for (key, value) in values {
            let f = Field::from_key(key).ok_or_else(|| WsError::UnknownField(key.clone()))?;
            if f == Field::Identifier {
                continue;
            }
            let old = before.get(key).map(String::as_str).unwrap_or("");
            if old.trim() != value.trim() {
                changes.push((f, value.trim().to_string()));
            }
        }
        if changes.is_empty() {
            return Ok(None);
        }
        self.edit(identifier, &changes, expected_version)
    }

    pub fn delete(&mut self, identifier: &str, reason: &str) -> Result<InstrumentRecord> {
        let id = Self::parse_identifier(identifier)?;
        Ok(self.store.set_deleted(&self.actor, &id, true, reason)?)
    }

    pub fn undelete(&mut self, identifier: &str) -> Result<InstrumentRecord> {
        let id = Self::parse_identifier(identifier)?;
        Ok(self.store.set_deleted(&self.actor, &id, false, "")?)
    }

    /// The instruments matching `q`, one window at a time. Without search text: the filtered
    /// list, newest first, with its exact total. With search text: the hits newest first, the
    /// filters applied to them. Without filters only the hits up to this window and one more
    /// are read, so typing stays fast (the total grows as later windows are asked for;
    /// `truncated` says there are more); with filters up to 1,000 hits are read and filtered.
    pub fn find_instruments(&self, q: &InstrumentQuery) -> Result<InstrumentList> {
        if q.text.trim().is_empty() {
            let filter = q.filter();
            return Ok(InstrumentList {
                total: u32::try_from(self.store.count_filtered(&filter)?).unwrap_or(u32::MAX),
                records: self.store.list_instruments(&filter)?,
                truncated: false,
            });
        }
        let limit = if q.limit == 0 { 100 } else { q.limit };
        let cap = if q.has_filters() {
            FILTERED_SEARCH_CAP
        } else {
            q.offset
                .saturating_add(limit.saturating_mul(2))
                .min(100_000)
        };
        let found = self.store.search(&q.text, cap)?;
        let matching: Vec<InstrumentRecord> =
            found.hits.into_iter().filter(|r| q.admits(r)).collect();
        Ok(InstrumentList {
            total: u32::try_from(matching.len()).unwrap_or(u32::MAX),
            records: matching
                .into_iter()
                .skip(q.offset as usize)
                .take(limit as usize)
                .collect(),
            truncated: found.truncated,
        })
    }

    /// Imports a `.csv` (UTF-8 or GB18030, as Excel saves it) or `.jsonl` file: every row is
    /// checked first, and either all rows are registered or none.
    pub fn import_file(
        &mut self,
        path: &Path,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportReport> {
        import::import_file(self, path, progress)
    }

    /// Registers already-validated instruments in one transaction, then indexes them for
    /// search before returning (the person searches for them next).
    pub fn import_instruments(
        &mut self,
        instruments: &[Instrument],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<usize> {
        let imported = self
            .store
            .import_instruments(&self.actor, instruments, progress)?;
        self.store.index_all_pending()?;
        Ok(imported)
    }
}
