//! XLSX and XLS through calamine, with the bounds calamine does not keep itself:
//!
//! - an XLSX is decompressed once, counting, before calamine sees it: more than the folder's
//!   `max_unzipped_bytes` is a zip bomb and refused (declared sizes can lie, the count cannot);
//!   a shared-string count far above what its data could hold is refused too (calamine reserves
//!   memory by it);
//! - XLSX cells are streamed, never laid out as calamine's dense range, so one cell at XFD1048576
//!   costs nothing; an XLS (whose reader is dense) is scanned first and refused when its cells,
//!   or its declared dimensions, span more than [`MAX_CELLS`];
//! - formulas are read as the values the file cached, never evaluated;
//! - a panic inside the reader is caught and becomes a refusal.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};

use calamine::{Data, DataRef, ExcelDateTime, Reader, Xls, Xlsx};

use crate::config::ImportSettings;
use crate::problem::{Problem, Reason};
use crate::table::{Row, Table};

/// Most cells a worksheet's bounding box may span (an XLS is read as a dense grid).
pub const MAX_CELLS: u64 = 2_000_000;
/// Columns beyond this are not data anyone typed.
const MAX_COLUMNS: u32 = 1024;
/// Entries in an XLSX's zip (a workbook has a few dozen).
const MAX_ENTRIES: usize = 10_000;

fn unreadable(message: impl ToString) -> Problem {
    Problem::file(Reason::Spreadsheet {
        message: message.to_string(),
    })
}

/// Runs a reader, turning a panic inside it into a refusal of the file.
fn guarded<T>(f: impl FnOnce() -> Result<T, Problem>) -> Result<T, Problem> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(unreadable("the reader failed on this file")))
}

/// Decompresses every entry, counting, and refuses more than `max` bytes in all.
fn check_zip(bytes: &[u8], max: u64) -> Result<(), Problem> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    if zip.len() > MAX_ENTRIES {
        return Err(unreadable(format!("{} entries in the zip", zip.len())));
    }
    let mut total: u64 = 0;
    let mut head = Vec::with_capacity(4096);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(unreadable)?;
        head.clear();
        let left = max - total;
        let mut limited = (&mut entry).take(left + 1);
        (&mut limited)
            .take(4096)
            .read_to_end(&mut head)
            .map_err(unreadable)?;
        let rest = std::io::copy(&mut limited, &mut std::io::sink()).map_err(unreadable)?;
        let size = head.len() as u64 + rest;
        if size > left {
            return Err(Problem::file(Reason::Unzipped { max }));
        }
        total += size;
        if let Some(n) = unique_count(&head) {
            // Each shared string takes at least `<si><t/></si>` (13 bytes) of its entry.
            if n > size / 13 + 1 {
                return Err(unreadable(format!(
                    "{n} shared strings declared in {size} bytes"
                )));
            }
        }
    }
    Ok(())
}

/// The `uniqueCount` of a shared-strings part, from its first bytes.
fn unique_count(head: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(head);
    let sst = text.find("<sst")?;
    let rest = &text[sst..];
    let at = rest.find("uniqueCount=")? + "uniqueCount=".len();
    let digits: String = rest[at..]
        .chars()
        .skip(1)
        .take_while(char::is_ascii_digit)
        .collect();
    // More digits than u64 holds is as absurd as a huge number.
    Some(digits.parse().unwrap_or(u64::MAX))
}

/// Cell text as a person typed it: whole numbers without `.0`, dates as YYYY-MM-DD.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn date_text(d: &ExcelDateTime) -> String {
    if d.is_duration() {
        return number_text(d.as_f64());
    }
    match d.as_datetime() {
        Some(dt) if dt.time() == chrono::NaiveTime::MIN => dt.format("%Y-%m-%d").to_string(),
        Some(dt) => dt.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => number_text(d.as_f64()),
    }
}

/// A cell's text, or the spreadsheet error it holds.
enum Cell {
    Text(String),
    Error(String),
}

fn data_ref(v: &DataRef<'_>) -> Cell {
    Cell::Text(match v {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => date_text(d),
        DataRef::Error(e) => return Cell::Error(e.to_string()),
    })
}

fn data(v: &Data) -> Cell {
    Cell::Text(match v {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => date_text(d),
        Data::Error(e) => return Cell::Error(e.to_string()),
    })
}

/// `A`, `B`, .., `Z`, `AA`: how a person names a spreadsheet column.
pub(crate) fn column_name(mut col: u32) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// Gathers cells (0-based row and column, any order) into a [`Table`]: the first non-empty row
/// holds the headings.
#[derive(Default)]
struct Sheet {
    rows: BTreeMap<u32, Vec<(u32, Cell)>>,
    max_rows: usize,
}

impl Sheet {
    fn push(&mut self, row: u32, col: u32, cell: Cell) -> Result<(), Problem> {
        if matches!(&cell, Cell::Text(t) if t.trim().is_empty()) {
            return Ok(());
        }
        if col >= MAX_COLUMNS {
            return Err(Problem::file(Reason::TooManyCells {
                cells: u64::from(col) + 1,
                max: u64::from(MAX_COLUMNS),
            }));
        }
        // The heading row is one more than the data rows.
        if !self.rows.contains_key(&row) && self.rows.len() > self.max_rows {
            return Err(Problem::file(Reason::TooManyRows { max: self.max_rows }));
        }
        self.rows.entry(row).or_default().push((col, cell));
        Ok(())
    }

    fn finish(self) -> Table {
        let mut table = Table::default();
        let mut rows = self.rows.into_iter();
        let Some((heading_row, heading_cells)) = rows.next() else {
            return table;
        };
        table.heading_row = heading_row as usize + 1;
        let width = heading_cells.iter().map(|(c, _)| *c + 1).max().unwrap_or(0);
        table.headings = vec![String::new(); width as usize];
        for (col, cell) in heading_cells {
            let text = match cell {
                Cell::Text(t) | Cell::Error(t) => t,
            };
            table.headings[col as usize] = text.trim().to_string();
        }
        for (row, cells) in rows {
            let number = row as usize + 1;
            let mut out = vec![String::new(); width as usize];
            for (col, cell) in cells {
                let heading = table
                    .headings
                    .get(col as usize)
                    .filter(|h| !h.is_empty())
                    .cloned();
                match (heading, cell) {
                    (None, Cell::Text(t) | Cell::Error(t)) => table.problems.push(Problem::cell(
                        number,
                        &column_name(col),
                        &t,
                        Reason::NoHeading,
                    )),
                    (Some(h), Cell::Error(e)) => table.problems.push(Problem::cell(
                        number,
                        &h,
                        &e,
                        Reason::CellError { error: e.clone() },
                    )),
                    (Some(_), Cell::Text(t)) => out[col as usize] = t.trim().to_string(),
                }
            }
            table.rows.push(Row { number, cells: out });
        }
        table
    }
}

fn sheet_name(names: &[String], wanted: Option<&str>) -> Result<String, Problem> {
    match wanted {
        Some(w) => names
            .iter()
            .find(|n| n.as_str() == w)
            .cloned()
            .ok_or_else(|| {
                Problem::file(Reason::NoSheet {
                    name: w.to_string(),
                })
            }),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| Problem::file(Reason::Empty)),
    }
}

pub(crate) fn read_xlsx(bytes: &[u8], settings: &ImportSettings) -> Result<Table, Problem> {
    check_zip(bytes, settings.max_unzipped_bytes)?;
    guarded(|| {
        let mut book = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
        let name = sheet_name(&book.sheet_names(), settings.sheet.as_deref())?;
        let mut cells = book.worksheet_cells_reader(&name).map_err(unreadable)?;
        let mut sheet = Sheet {
            max_rows: settings.max_rows,
            ..Sheet::default()
        };
        while let Some(cell) = cells.next_cell().map_err(unreadable)? {
            let (row, col) = cell.get_position();
            sheet.push(row, col, data_ref(cell.get_value()))?;
        }
        Ok(sheet.finish())
    })
}

/// BIFF records that become cells in calamine's XLS reader: each starts with row and column.
const CELL_RECORDS: [u16; 10] = [
    0x0006, 0x00BD, 0x00BE, 0x00D6, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E,
];

/// The largest bounding box (in cells) of any substream's cells or declared dimensions.
fn xls_extent(bytes: &[u8], max_stream: u64) -> Result<u64, Problem> {
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(unreadable)?;
    let name = ["/Workbook", "/Book"]
        .into_iter()
        .find(|n| cfb.is_stream(n))
        .ok_or_else(|| unreadable("no workbook stream"))?;
    let mut stream = Vec::new();
    cfb.open_stream(name)
        .map_err(unreadable)?
        .take(max_stream)
        .read_to_end(&mut stream)
        .map_err(unreadable)?;
    let u16_at = |d: &[u8], i: usize| d.get(i..i + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |d: &[u8], i: usize| {
        d.get(i..i + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    // (min row, max row, min col, max col) of each open substream.
    let mut boxes: Vec<Option<(u32, u32, u32, u32)>> = Vec::new();
    let mut largest: u64 = 0;
    let area = |b: (u32, u32, u32, u32)| {
        (u64::from(b.1.saturating_sub(b.0)) + 1) * (u64::from(b.3.saturating_sub(b.2)) + 1)
    };
    let mut at = 0;
    while at + 4 <= stream.len() {
        let typ = u16_at(&stream, at).unwrap_or(0);
        let len = u16_at(&stream, at + 2).unwrap_or(0) as usize;
        let data = stream.get(at + 4..at + 4 + len).unwrap_or(&[]);
        at += 4 + len;
        match typ {
            0x0809 => boxes.push(None),
            0x000A => {
                if let Some(Some(b)) = boxes.pop() {
                    largest = largest.max(area(b));
                }
            }
            0x0200 => {
                // Dimensions: calamine reserves rows x columns of them.
                let (rows, cols) = match data.len() {
                    10 => (
                        u64::from(u16_at(data, 2).unwrap_or(0)),
                        u64::from(u16_at(data, 6).unwrap_or(0)),
                    ),
                    14 | 16 => (
                        u64::from(u32_at(data, 4).unwrap_or(0)),
                        u64::from(u16_at(data, 10).unwrap_or(0)),
                    ),
                    _ => (0, 0),
                };
                largest = largest.max(rows.saturating_mul(cols));
            }
            t if CELL_RECORDS.contains(&t) && data.len() >= 4 => {
                let row = u32::from(u16_at(data, 0).unwrap_or(0));
                let first = u32::from(u16_at(data, 2).unwrap_or(0));
                // MulRk and MulBlank name their last column in their last two bytes.
                let last = if matches!(t, 0x00BD | 0x00BE) {
                    u32::from(u16_at(data, data.len() - 2).unwrap_or(0)).max(first)
                } else {
                    first
                };
                if let Some(slot) = boxes.last_mut() {
                    let b = slot.get_or_insert((row, row, first, last));
                    *b = (b.0.min(row), b.1.max(row), b.2.min(first), b.3.max(last));
                }
            }
            _ => {}
        }
    }
    for b in boxes.into_iter().flatten() {
        largest = largest.max(area(b));
    }
    Ok(largest)
}

pub(crate) fn read_xls(bytes: &[u8], settings: &ImportSettings) -> Result<Table, Problem> {
    let cells = guarded(|| xls_extent(bytes, settings.max_file_bytes.saturating_mul(2)))?;
    if cells > MAX_CELLS {
        return Err(Problem::file(Reason::TooManyCells {
            cells,
            max: MAX_CELLS,
        }));
    }
    guarded(|| {
        let mut book = Xls::new(Cursor::new(bytes)).map_err(unreadable)?;
        let name = sheet_name(&book.sheet_names(), settings.sheet.as_deref())?;
        let range = book.worksheet_range(&name).map_err(unreadable)?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut sheet = Sheet {
            max_rows: settings.max_rows,
            ..Sheet::default()
        };
        for (r, c, v) in range.used_cells() {
            sheet.push(r0 + r as u32, c0 + c as u32, data(v))?;
        }
        Ok(sheet.finish())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_and_numbers_read_as_people_write_them() {
        let names: Vec<String> = [0, 25, 26, 27, 701, 702].map(column_name).to_vec();
        assert_eq!(names, ["A", "Z", "AA", "AB", "ZZ", "AAA"]);
        assert_eq!(number_text(1001.0), "1001");
        assert_eq!(number_text(0.25), "0.25");
        assert_eq!(
            unique_count(b"<?xml?><sst xmlns=\"x\" count=\"3\" uniqueCount=\"2\">"),
            Some(2)
        );
        assert_eq!(
            unique_count(b"<sst uniqueCount=\"99999999999999999999999\">"),
            Some(u64::MAX)
        );
    }
}
