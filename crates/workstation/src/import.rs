//! Batch import from CSV (as Excel saves it, UTF-8 or GB18030) or JSON lines. Every row is
//! checked before anything is written; then all rows go in one transaction, or none.

use std::collections::HashMap;
use std::path::Path;

use idstation_model::{Field, Instrument, InstrumentInput};
use idstation_store::StoreError;
use serde::Serialize;

use crate::{ImportProblem, ImportRow, Result, Workstation, WsError};

/// Rows reported at most; the total is still counted.
const MAX_REPORTED_ROWS: usize = 50;

#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub imported: usize,
}

/// Text as Excel in China saves it: UTF-8 (with or without BOM) or GB18030, read as the hot
/// folders read it: strictly, bytes that are neither refused at their line and offset.
fn decode(bytes: &[u8]) -> std::result::Result<String, ImportRow> {
    match idstation_hotfolder::decode(bytes, idstation_hotfolder::TextEncoding::Auto) {
        // (The decoder has already left a UTF-8 BOM out.)
        Ok((text, _)) => Ok(text),
        Err(idstation_hotfolder::Reason::NotText {
            encoding,
            line,
            byte_offset,
        }) => Err(ImportRow {
            line,
            errors: vec![ImportProblem::BadEncoding {
                encoding,
                offset: byte_offset,
            }],
        }),
        Err(other) => Err(ImportRow {
            line: 1,
            errors: vec![ImportProblem::Malformed(format!("{other:?}"))],
        }),
    }
}

/// One row as (line number, column heading, value) cells.
type RawRow = (usize, Vec<(String, String)>);

fn read_csv(text: &str) -> std::result::Result<Vec<RawRow>, ImportRow> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headings: Vec<String> = reader
        .headers()
        .map_err(|e| ImportRow {
            line: 1,
            errors: vec![ImportProblem::Malformed(e.to_string())],
        })?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ImportRow {
            line: e.position().map_or(0, |p| p.line() as usize),
            errors: vec![ImportProblem::Malformed(e.to_string())],
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(str::is_empty) {
            continue;
        }
        rows.push((
            line,
            headings
                .iter()
                .cloned()
                .zip(record.iter().map(str::to_string))
                .collect(),
        ));
    }
    Ok(rows)
}

fn read_jsonl(text: &str) -> std::result::Result<Vec<RawRow>, ImportRow> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let malformed = |m: String| ImportRow {
            line: i + 1,
            errors: vec![ImportProblem::Malformed(m)],
        };
        let value: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(line).map_err(|e| malformed(e.to_string()))?;
        let mut cells = Vec::new();
        for (k, v) in value {
            match v {
                // Template attributes may come nested, as in the record's own JSON.
                serde_json::Value::Object(attrs) if k == "attributes" => {
                    for (ak, av) in attrs {
                        cells.push((format!("attr.{ak}"), scalar(&av)));
                    }
                }
                v => cells.push((k, scalar(&v))),
            }
        }
        rows.push((i + 1, cells));
    }
    Ok(rows)
}

fn scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub(crate) fn import_file(
    ws: &mut Workstation,
    path: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportReport> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let reader: fn(&str) -> std::result::Result<Vec<RawRow>, ImportRow> = match ext.as_deref() {
        Some("csv") => read_csv,
        Some("jsonl" | "ndjson") => read_jsonl,
        _ => return Err(WsError::UnsupportedFile(path.to_path_buf())),
    };
    let bytes = std::fs::read(path).map_err(|source| WsError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let rejected = |rows: Vec<ImportRow>, total: usize| WsError::ImportRejected {
        file: path.to_path_buf(),
        rows,
        total,
    };
    let text = decode(&bytes).map_err(|row| rejected(vec![row], 1))?;
    let raw = reader(&text).map_err(|row| rejected(vec![row], 1))?;

    let template = ws.template().clone();
    let mut columns: HashMap<String, Option<Field>> = HashMap::new();
    let mut bad_rows = Vec::new();
    let mut bad_total = 0;
    let mut instruments: Vec<Instrument> = Vec::with_capacity(raw.len());
    let mut lines: Vec<usize> = Vec::with_capacity(raw.len());
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for (line, cells) in raw {
        let mut input = InstrumentInput::default();
        let mut problems = Vec::new();
        for (heading, value) in cells {
            let field = columns
                .entry(heading.clone())
                .or_insert_with(|| Field::from_heading(&heading, &template));
            match field {
                Some(f) => input.set(f, value),
                None => problems.push(ImportProblem::UnknownColumn(heading)),
            }
        }
        if problems.is_empty() {
            match ws.validate(&input) {
                Ok(inst) => {
                    let id = inst.identifier.to_string();
                    if let Some(first) = first_line.get(&id) {
                        problems.push(ImportProblem::DuplicateInFile { first_line: *first });
                    } else {
                        first_line.insert(id, line);
                        instruments.push(inst);
                        lines.push(line);
                    }
                }
                Err(errors) => problems.extend(errors.0.into_iter().map(ImportProblem::Field)),
            }
        }
        if !problems.is_empty() {
            bad_total += 1;
            if bad_rows.len() < MAX_REPORTED_ROWS {
                bad_rows.push(ImportRow {
                    line,
                    errors: problems,
                });
            }
        }
    }
    if bad_total > 0 {
        return Err(rejected(bad_rows, bad_total));
    }
    match ws.import_instruments(&instruments, progress) {
        Ok(imported) => Ok(ImportReport { imported }),
        Err(WsError::Store(StoreError::AlreadyExists(id) | StoreError::Deleted(id))) => {
            let line = first_line.get(&id).copied().unwrap_or(0);
            Err(rejected(
                vec![ImportRow {
                    line,
                    errors: vec![ImportProblem::AlreadyRegistered(id)],
                }],
                1,
            ))
        }
        Err(e) => Err(e),
    }
}
