//! One file's bytes through the whole road: recognised by content hash, read, validated as a
//! whole, then imported in one store transaction together with its ledger row. Used by the hot
//! folders and by the one-shot `idstation import FILE`; moving files is `folder.rs`'s.

use idstation_model::{Identifier, MetadataTemplate};
use idstation_store::{FileImport, ImportedFile, Store, StoreError};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::ImportSettings;
use crate::plan::{plan, Planned};
use crate::problem::{Problem, Reason};
use crate::table::{read_table, Format};
use crate::HotFolderError;

/// Where a long file is, for progress events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Reading,
    Validating,
    Importing,
}

/// What became of a file's content.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Every row written, with the file's ledger row.
    Imported {
        record: ImportedFile,
        /// The instruments registered or updated, in file order (for labels).
        identifiers: Vec<Identifier>,
    },
    /// The same bytes were imported before (this is that earlier ledger row); nothing written.
    AlreadyImported { first: ImportedFile },
    /// Nothing written; every problem found.
    Refused {
        problems: Vec<Problem>,
        /// Data rows read (0 when the file could not be read at all).
        rows: usize,
    },
}

/// The lower-case hex SHA-256 of a file's bytes: its identity in the ledger.
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Where a file came from, as the ledger records it.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub file_name: &'a str,
    pub folder: &'a str,
    /// The folder prints a label for every imported row (see `FileImport::owe_labels`).
    pub owe_labels: bool,
}

/// Imports one file's bytes, all rows or none. `progress(stage, done, total)` reports long files.
pub fn import_bytes(
    store: &mut Store,
    actor: &str,
    settings: &ImportSettings,
    source: Source<'_>,
    bytes: &[u8],
    progress: &mut dyn FnMut(Stage, usize, usize),
) -> Result<Verdict, HotFolderError> {
    let sha256 = content_hash(bytes);
    if let Some(first) = store.imported_file(&sha256)? {
        return Ok(Verdict::AlreadyImported { first });
    }
    let refused = |problems: Vec<Problem>, rows: usize| Ok(Verdict::Refused { problems, rows });
    let Some(format) = Format::from_name(source.file_name) else {
        let extension = source
            .file_name
            .rsplit_once('.')
            .map_or("", |(_, e)| e)
            .to_string();
        return refused(vec![Problem::file(Reason::Unsupported { extension })], 0);
    };
    progress(Stage::Reading, 0, bytes.len());
    let table = match read_table(bytes, format, settings) {
        Ok(t) => t,
        Err(problem) => return refused(vec![problem], 0),
    };
    progress(Stage::Reading, bytes.len(), bytes.len());
    let template: MetadataTemplate = store.active_template()?;
    // A row someone changed or registered meanwhile is found when the file is validated again.
    for _ in 0..3 {
        let planned = store.read_snapshot(|store| {
            plan(store, &table, settings, &template, &mut |d, t| {
                progress(Stage::Validating, d, t)
            })
        })?;
        let plan = match planned {
            Planned::Refused(problems) => return refused(problems, table.rows.len()),
            Planned::Ready(plan) => plan,
        };
        let file = FileImport {
            sha256: &sha256,
            file_name: source.file_name,
            folder: source.folder,
            action: settings.action.as_str(),
            register: &plan.register,
            update: &plan.update,
            owe_labels: source.owe_labels,
        };
        match store.import_file(actor, &file, &mut |d, t| progress(Stage::Importing, d, t)) {
            Ok(record) => {
                return Ok(Verdict::Imported {
                    identifiers: plan.identifiers(),
                    record,
                })
            }
            Err(StoreError::AlreadyImported(_)) => {
                if let Some(first) = store.imported_file(&sha256)? {
                    return Ok(Verdict::AlreadyImported { first });
                }
            }
            Err(
                StoreError::VersionConflict { .. }
                | StoreError::AlreadyExists(_)
                | StoreError::Deleted(_)
                | StoreError::NotFound(_),
            ) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(HotFolderError::Contended)
}

/// The first rows of a file as the folder would read them, with each column's field: what the
/// mapping editor shows before a folder is saved. Nothing is validated against the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    pub format: Format,
    pub encoding: Option<&'static str>,
    pub headings: Vec<String>,
    pub fields: Vec<Option<idstation_model::Field>>,
    pub rows: Vec<crate::table::Row>,
    pub total_rows: usize,
    /// Problems of the heading row and of reading (not of the values).
    pub problems: Vec<Problem>,
}

pub fn preview(
    bytes: &[u8],
    file_name: &str,
    settings: &ImportSettings,
    template: &MetadataTemplate,
    limit: usize,
) -> Result<Preview, Problem> {
    let format = Format::from_name(file_name).ok_or_else(|| {
        Problem::file(Reason::Unsupported {
            extension: file_name
                .rsplit_once('.')
                .map_or("", |(_, e)| e)
                .to_string(),
        })
    })?;
    let mut table = read_table(bytes, format, settings)?;
    let columns =
        crate::mapping::map_columns(&table.headings, table.heading_row, settings, template);
    let total_rows = table.rows.len();
    table.rows.truncate(limit);
    let mut problems = table.problems;
    problems.extend(columns.problems);
    Ok(Preview {
        format,
        encoding: table.encoding,
        headings: table.headings,
        fields: columns.fields,
        rows: table.rows,
        total_rows,
        problems,
    })
}
