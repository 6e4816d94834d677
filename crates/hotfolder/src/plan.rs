//! A file is validated as a whole before anything is written: every row becomes either an
//! instrument to register, a new version of a registered one, or problems. One problem anywhere
//! and the file is refused with all of them listed, so a person fixes the file in one pass.

use std::collections::HashMap;

use idstation_model::{
    Field, FieldError, Identifier, Instrument, InstrumentInput, MetadataTemplate,
};
use idstation_store::{InstrumentRecord, Store};

use crate::config::{Action, ImportSettings, MatchBy};
use crate::mapping::{map_columns, Columns};
use crate::problem::{field_heading, Problem, Reason};
use crate::table::{Row, Table};
use crate::HotFolderError;

/// The rows of a valid file, ready for one transaction.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub register: Vec<Instrument>,
    /// New versions of registered instruments, with the version they were read at.
    pub update: Vec<(Instrument, i64)>,
}

impl Plan {
    pub fn rows(&self) -> usize {
        self.register.len() + self.update.len()
    }

    /// The identifiers of every planned row, in order.
    pub fn identifiers(&self) -> Vec<Identifier> {
        self.register
            .iter()
            .chain(self.update.iter().map(|(i, _)| i))
            .map(|i| i.identifier.clone())
            .collect()
    }
}

pub enum Planned {
    Ready(Plan),
    Refused(Vec<Problem>),
}

/// What checking a row on its own needs: no store, no other row. Shared by the threads that
/// check a big register file's rows in parallel.
struct Checker<'a> {
    settings: &'a ImportSettings,
    template: &'a MetadataTemplate,
    headings: &'a [String],
    columns: Columns,
    /// The device's own prefix: registered identifiers must be under it.
    prefix: &'a str,
}

impl Checker<'_> {
    /// Reports field errors at the column holding the field (or under the field's key).
    fn field_errors(&self, row: &Row, errors: Vec<FieldError>, out: &mut Vec<Problem>) {
        for e in errors {
            let (column, value) = match self.columns.position(&e.field) {
                Some(i) => (self.headings[i].trim().to_string(), row.cells[i].as_str()),
                None => (field_heading(&e.field), ""),
            };
            out.push(Problem::cell(row.number, &column, value, Reason::Field(e)));
        }
    }

    /// The row's cells as input; values under a column without a heading are problems.
    fn input(&self, row: &Row, into: &mut InstrumentInput, out: &mut Vec<Problem>) -> bool {
        let mut ok = true;
        for (i, value) in row.cells.iter().enumerate() {
            match &self.columns.fields[i] {
                Some(f) if !value.trim().is_empty() => into.set(f, value.trim()),
                None if self.headings[i].trim().is_empty() && !value.trim().is_empty() => {
                    out.push(Problem::cell(
                        row.number,
                        &format!("#{}", i + 1),
                        value,
                        Reason::NoHeading,
                    ));
                    ok = false;
                }
                _ => {}
            }
        }
        ok
    }

    /// A register row's instrument as its cells give it, or its problems in `out`.
    fn new_instrument(&self, row: &Row, out: &mut Vec<Problem>) -> Option<Instrument> {
        let mut input = InstrumentInput::default();
        if !self.input(row, &mut input, out) {
            return None;
        }
        match input.validate_for(self.template, self.prefix) {
            Ok(inst) => Some(inst),
            Err(errors) => {
                self.field_errors(row, errors.0, out);
                None
            }
        }
    }
}

struct Planner<'a> {
    store: &'a Store,
    check: Checker<'a>,
    problems: Vec<Problem>,
    /// Instrument (identifier) -> the row that first named it.
    seen: HashMap<String, usize>,
    plan: Plan,
}

impl Planner<'_> {
    fn field_errors(&mut self, row: &Row, errors: Vec<FieldError>) {
        self.check.field_errors(row, errors, &mut self.problems);
    }

    fn cell(&self, row: &Row, field: &Field) -> Option<(usize, String)> {
        let i = self.check.columns.position(field)?;
        let v = row.cells[i].trim();
        (!v.is_empty()).then(|| (i, v.to_string()))
    }

    fn problem_at(&mut self, row: &Row, column: usize, reason: Reason) {
        let heading = self.check.headings[column].trim().to_string();
        self.problems.push(Problem::cell(
            row.number,
            &heading,
            &row.cells[column],
            reason,
        ));
    }

    fn input(&mut self, row: &Row, into: &mut InstrumentInput) -> bool {
        self.check.input(row, into, &mut self.problems)
    }

    /// Counts a row's instrument once per file.
    fn first_time(&mut self, row: &Row, id: &Identifier, column: Option<usize>) -> bool {
        let key = id.to_string();
        if let Some(&first_row) = self.seen.get(&key) {
            let reason = Reason::DuplicateInFile { first_row };
            match column {
                Some(c) => self.problem_at(row, c, reason),
                None => self.problems.push(Problem::at(row.number, reason)),
            }
            return false;
        }
        self.seen.insert(key, row.number);
        true
    }

    fn register(&mut self, row: &Row) -> Result<(), HotFolderError> {
        let mut problems = Vec::new();
        let inst = self.check.new_instrument(row, &mut problems);
        self.problems.append(&mut problems);
        match inst {
            Some(inst) => self.register_checked(row, inst),
            None => Ok(()),
        }
    }

    /// A register row whose cells hold: is it new, in this file and in the store?
    fn register_checked(&mut self, row: &Row, inst: Instrument) -> Result<(), HotFolderError> {
        let id_col = self.check.columns.position(&Field::Identifier);
        if !self.first_time(row, &inst.identifier, id_col) {
            return Ok(());
        }
        if let Some(existing) = self.store.get_instrument(&inst.identifier)? {
            let identifier = inst.identifier.to_string();
            let reason = if existing.deleted_at.is_some() {
                Reason::Deleted { identifier }
            } else {
                Reason::AlreadyRegistered { identifier }
            };
            match id_col {
                Some(c) => self.problem_at(row, c, reason),
                None => self.problems.push(Problem::at(row.number, reason)),
            }
            return Ok(());
        }
        self.plan.register.push(inst);
        Ok(())
    }

    /// The registered instrument an update row names, or its problem.
    fn target(&mut self, row: &Row) -> Result<Option<(InstrumentRecord, usize)>, HotFolderError> {
        let by_id = self.cell(row, &Field::Identifier);
        let by_asset = self.cell(row, &Field::AssetNo);
        let use_id = match self.check.settings.match_by {
            MatchBy::Identifier => true,
            MatchBy::AssetNo => false,
            MatchBy::Auto => by_id.is_some(),
        };
        let found = if use_id {
            let Some((col, text)) = by_id else {
                self.problems.push(Problem::at(row.number, Reason::NoKey));
                return Ok(None);
            };
            let id = match Identifier::parse(&text) {
                Ok(id) => id,
                Err(error) => {
                    let e = FieldError {
                        field: Field::Identifier,
                        kind: idstation_model::FieldErrorKind::InvalidIdentifier { error },
                    };
                    self.field_errors(row, vec![e]);
                    return Ok(None);
                }
            };
            match self.store.get_instrument(&id)? {
                None => {
                    self.problem_at(row, col, Reason::NotFound);
                    return Ok(None);
                }
                Some(rec) => (rec, col),
            }
        } else {
            let Some((col, asset)) = by_asset else {
                self.problems.push(Problem::at(row.number, Reason::NoKey));
                return Ok(None);
            };
            let mut found = self.store.instruments_by_asset_no(&asset)?;
            match found.len() {
                0 => {
                    self.problem_at(row, col, Reason::NotFound);
                    return Ok(None);
                }
                1 => {}
                count => {
                    self.problem_at(row, col, Reason::Ambiguous { count });
                    return Ok(None);
                }
            }
            let rec = found.remove(0);
            // An identifier beside the asset number must name the same instrument.
            if let Some((id_col, text)) = by_id {
                let same = Identifier::parse(&text).is_ok_and(|id| id == rec.instrument.identifier);
                if !same {
                    let found = rec.instrument.identifier.to_string();
                    self.problem_at(row, id_col, Reason::IdentifierMismatch { found });
                    return Ok(None);
                }
            }
            (rec, col)
        };
        let (rec, col) = found;
        if rec.deleted_at.is_some() {
            let identifier = rec.instrument.identifier.to_string();
            self.problem_at(row, col, Reason::Deleted { identifier });
            return Ok(None);
        }
        Ok(Some((rec, col)))
    }

    fn update(&mut self, row: &Row) -> Result<(), HotFolderError> {
        let Some((rec, key_col)) = self.target(row)? else {
            return Ok(());
        };
        if !self.first_time(row, &rec.instrument.identifier, Some(key_col)) {
            return Ok(());
        }
        let mut input = rec.instrument.to_input();
        let mut changes = InstrumentInput::default();
        if !self.input(row, &mut changes) {
            return Ok(());
        }
        // The identifier names the instrument; it is never changed by an update.
        for i in 0..self.check.columns.fields.len() {
            if let Some(f) = &self.check.columns.fields[i] {
                if *f != Field::Identifier {
                    if let Some(v) = changes.get(f) {
                        input.set(f, v.to_string());
                    }
                }
            }
        }
        // A new calibration date without a next due date: the owner's interval gives it.
        if changes.get(&Field::CalLastDate).is_some() && changes.get(&Field::CalNextDue).is_none() {
            input.cal_next_due = None;
        }
        match input.validate(self.check.template) {
            Ok(inst) => self.plan.update.push((inst, rec.version)),
            Err(errors) => self.field_errors(row, errors.0),
        }
        Ok(())
    }
}

/// Register files from this many rows check their rows' cells on every core.
const PARALLEL_ROWS: usize = 2000;

/// Rows checked in parallel between two progress reports.
const BLOCK_ROWS: usize = 1000;

/// Each row's instrument (or problems) as its cells alone give it, checked by as many threads
/// as there are cores: on a 100k-row file that was a third of the validation.
fn check_in_parallel(check: &Checker<'_>, rows: &[Row]) -> Vec<(Option<Instrument>, Vec<Problem>)> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let share = rows.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = rows
            .chunks(share)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|row| {
                            let mut problems = Vec::new();
                            let inst = check.new_instrument(row, &mut problems);
                            (inst, problems)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|part| part.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Validates every row of `table`; `Refused` lists every problem when any row has one.
pub fn plan(
    store: &Store,
    table: &Table,
    settings: &ImportSettings,
    template: &MetadataTemplate,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Planned, HotFolderError> {
    let columns = map_columns(&table.headings, table.heading_row, settings, template);
    let mut problems = table.problems.clone();
    problems.extend(columns.problems.iter().cloned());
    if table.headings.is_empty() || (table.rows.is_empty() && table.problems.is_empty()) {
        problems.push(Problem::file(Reason::Empty));
    }
    let prefix = store.device().prefix.clone();
    let mut p = Planner {
        store,
        check: Checker {
            settings,
            template,
            headings: &table.headings,
            columns,
            prefix: &prefix,
        },
        problems,
        seen: HashMap::new(),
        plan: Plan::default(),
    };
    let total = table.rows.len();
    match settings.action {
        Action::Register if total >= PARALLEL_ROWS => {
            for (i, block) in table.rows.chunks(BLOCK_ROWS).enumerate() {
                for (row, (inst, mut problems)) in
                    block.iter().zip(check_in_parallel(&p.check, block))
                {
                    p.problems.append(&mut problems);
                    if let Some(inst) = inst {
                        p.register_checked(row, inst)?;
                    }
                }
                progress((i * BLOCK_ROWS + block.len()).min(total), total);
            }
        }
        action => {
            for (i, row) in table.rows.iter().enumerate() {
                match action {
                    Action::Register => p.register(row)?,
                    Action::Update => p.update(row)?,
                }
                if (i + 1) % 1000 == 0 {
                    progress(i + 1, total);
                }
            }
        }
    }
    progress(total, total);
    if p.problems.is_empty() {
        Ok(Planned::Ready(p.plan))
    } else {
        let mut problems = p.problems;
        problems.sort_by_key(|pr| pr.row);
        Ok(Planned::Refused(problems))
    }
}
