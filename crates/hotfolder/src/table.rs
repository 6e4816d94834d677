//! Every accepted file becomes one [`Table`]: a heading row and data rows of text cells, each row
//! numbered as a person finds it in the file. CSV, JSON and JSON lines are read here; XLSX and
//! XLS in `spreadsheet.rs`.

use serde::Serialize;
use serde_json::Value;

use crate::config::ImportSettings;
use crate::decode::decode;
use crate::problem::{Problem, Reason};
use crate::spreadsheet;

/// The kinds of file a hot folder takes, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    Xlsx,
    Xls,
    Json,
    JsonLines,
}

impl Format {
    /// From a file name's extension (any case).
    pub fn from_name(name: &str) -> Option<Format> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" => Format::Csv,
            "xlsx" | "xlsm" => Format::Xlsx,
            "xls" => Format::Xls,
            "json" => Format::Json,
            "jsonl" | "ndjson" => Format::JsonLines,
            _ => return None,
        })
    }
}

/// One data row: its number in the file and one cell per heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Table {
    pub headings: Vec<String>,
    /// Where the headings are (line or spreadsheet row), for problems about a column.
    pub heading_row: usize,
    pub rows: Vec<Row>,
    /// Single rows or cells that could not be read; the rest of the file could.
    pub problems: Vec<Problem>,
    /// The text encoding a CSV was read as.
    pub encoding: Option<&'static str>,
}

/// Reads a whole file; `Err` when it cannot be read at all.
pub fn read_table(
    bytes: &[u8],
    format: Format,
    settings: &ImportSettings,
) -> Result<Table, Problem> {
    match format {
        Format::Csv => {
            let (text, encoding) = decode(bytes, settings.encoding).map_err(Problem::file)?;
            let mut t = read_csv(&text, settings.max_rows)?;
            t.encoding = Some(encoding);
            Ok(t)
        }
        Format::Json | Format::JsonLines => {
            let (text, _) = decode(bytes, settings.encoding).map_err(Problem::file)?;
            if format == Format::Json {
                read_json(&text, settings.max_rows)
            } else {
                read_json_lines(&text, settings.max_rows)
            }
        }
        Format::Xlsx => spreadsheet::read_xlsx(bytes, settings),
        Format::Xls => spreadsheet::read_xls(bytes, settings),
    }
}

/// The separator of a CSV: a comma unless the heading line has none and has tabs or semicolons
/// (Excel's "text" export and some European locales).
fn delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let count = |c: char| first.chars().filter(|&x| x == c).count();
    if count(',') > 0 {
        b','
    } else if count('\t') > 0 {
        b'\t'
    } else if count(';') > 0 {
        b';'
    } else {
        b','
    }
}

/// Line numbers from byte offsets, counted once through the text. The csv reader's own line
/// count points at the blank lines it skipped before a record. A line ends where the csv reader
/// ends a record: at `\n`, `\r\n` or a lone `\r` (what older Mac spreadsheets save), so every row
/// of a file with `\r` line ends is not "line 1".
struct LineCounter<'a> {
    text: &'a [u8],
    at: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    /// The line of the first character at or after `byte` that is not a line break.
    fn line_at(&mut self, byte: usize) -> usize {
        let mut start = byte.min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\n' | b'\r') {
            start += 1;
        }
        if start < self.at {
            self.at = 0;
            self.line = 1;
        }
        let run = &self.text[self.at..start];
        self.line += run
            .iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && run.get(i + 1) != Some(&b'\n')))
            .count();
        self.at = start;
        self.line
    }
}

fn read_csv(text: &str, max_rows: usize) -> Result<Table, Problem> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let malformed = |line: usize, e: csv::Error| {
        Problem::at(
            line,
            Reason::Malformed {
                message: e.to_string(),
            },
        )
    };
    let headings: Vec<String> = reader
        .headers()
        .map_err(|e| malformed(1, e))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut table = Table {
        heading_row: 1,
        ..Table::default()
    };
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::new(text);
    loop {
        let before = reader.position().byte() as usize;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let at = e.position().map_or(before, |p| p.byte() as usize);
                return Err(malformed(lines.line_at(at), e));
            }
        }
        let line = lines.line_at(record.position().map_or(before, |p| p.byte() as usize));
        if record.iter().all(str::is_empty) {
            continue;
        }
        if table.rows.len() == max_rows {
            return Err(Problem::file(Reason::TooManyRows { max: max_rows }));
        }
        // Excel pads rows with empty cells past the last heading; anything else is a broken row.
        let extra_filled = record.iter().skip(headings.len()).any(|c| !c.is_empty());
        if record.len() < headings.len() || extra_filled {
            table.problems.push(Problem::at(
                line,
                Reason::ColumnCount {
                    expected: headings.len(),
                    found: record.len(),
                },
            ));
            continue;
        }
        table.rows.push(Row {
            number: line,
            cells: record
                .iter()
                .take(headings.len())
                .map(str::to_string)
                .collect(),
        });
    }
    table.headings = headings;
    Ok(table)
}

/// Collects object rows whose keys become the headings, in order of first appearance.
#[derive(Default)]
struct ObjectRows {
    table: Table,
}

impl ObjectRows {
    fn column(&mut self, key: &str) -> usize {
        match self.table.headings.iter().position(|h| h == key) {
            Some(i) => i,
            None => {
                self.table.headings.push(key.to_string());
                self.table.headings.len() - 1
            }
        }
    }

    fn push(&mut self, number: usize, object: serde_json::Map<String, Value>) {
        let mut cells: Vec<(usize, String)> = Vec::with_capacity(object.len());
        for (key, value) in object {
            match value {
                // Template attributes may come nested, as in the record's own JSON.
                Value::Object(attrs) if key == "attributes" => {
                    for (name, v) in attrs {
                        let heading = format!("attr.{name}");
                        let col = self.column(&heading);
                        cells.push((col, self.scalar(number, &heading, v)));
                    }
                }
                v => {
                    let col = self.column(&key);
                    cells.push((col, self.scalar(number, &key, v)));
                }
            }
        }
        let mut row = vec![String::new(); self.table.headings.len()];
        for (col, text) in cells {
            row[col] = text;
        }
        self.table.rows.push(Row { number, cells: row });
    }

    fn scalar(&mut self, number: usize, key: &str, v: Value) -> String {
        match v {
            Value::String(s) => s.trim().to_string(),
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            other @ (Value::Array(_) | Value::Object(_)) => {
                let text = other.to_string();
                self.table
                    .problems
                    .push(Problem::cell(number, key, &text, Reason::NotAValue));
                text
            }
        }
    }

    /// Rows read before a later one added a key get an empty cell for it.
    fn finish(mut self) -> Table {
        let width = self.table.headings.len();
        for row in &mut self.table.rows {
            row.cells.resize(width, String::new());
        }
        self.table
    }
}

fn not_an_object(row: usize) -> Problem {
    Problem::at(
        row,
        Reason::Malformed {
            message: "expected an object of column: value".into(),
        },
    )
}

fn read_json_lines(text: &str, max_rows: usize) -> Result<Table, Problem> {
    let mut rows = ObjectRows::default();
    rows.table.heading_row = 1;
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        if rows.table.rows.len() == max_rows {
            return Err(Problem::file(Reason::TooManyRows { max: max_rows }));
        }
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(o)) => rows.push(number, o),
            Ok(_) => return Err(not_an_object(number)),
            Err(e) => {
                return Err(Problem::at(
                    number,
                    Reason::Malformed {
                        message: e.to_string(),
                    },
                ))
            }
        }
    }
    Ok(rows.finish())
}

/// A JSON array of objects; rows are numbered by element, from 1.
fn read_json(text: &str, max_rows: usize) -> Result<Table, Problem> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Problem::at(
            e.line(),
            Reason::Malformed {
                message: e.to_string(),
            },
        )
    })?;
    let Value::Array(items) = value else {
        return Err(Problem::file(Reason::Malformed {
            message: "expected an array of objects".into(),
        }));
    };
    if items.len() > max_rows {
        return Err(Problem::file(Reason::TooManyRows { max: max_rows }));
    }
    let mut rows = ObjectRows::default();
    for (i, item) in items.into_iter().enumerate() {
        match item {
            Value::Object(o) => rows.push(i + 1, o),
            _ => return Err(not_an_object(i + 1)),
        }
    }
    Ok(rows.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_keep_their_line_numbers_and_broken_rows_are_problems() {
        let text = "标识,名称\n88.118.8/A,卡尺\n\n\"88.118.8/B\",\"多行\n名称\"\n88.118.8/C\n88.118.8/D,天平,,\n";
        let t = read_csv(text, 10).expect("read");
        assert_eq!(t.headings, ["标识", "名称"]);
        let numbers: Vec<usize> = t.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [2, 4, 7]);
        assert_eq!(t.rows[1].cells[1], "多行\n名称");
        assert_eq!(
            t.problems,
            vec![Problem::at(
                6,
                Reason::ColumnCount {
                    expected: 2,
                    found: 1
                }
            )]
        );
        assert_eq!(delimiter("a\tb\n"), b'\t');
        assert!(matches!(
            read_csv("a\n1\n2\n3\n", 2),
            Err(Problem {
                reason: Reason::TooManyRows { max: 2 },
                ..
            })
        ));
    }

    #[test]
    fn csv_rows_with_carriage_return_line_ends_are_numbered_by_line() {
        // Found by fuzz/fuzz_targets/import_table.rs: every row of a file with `\r` line ends
        // (and a `\r` alone between `\n` lines) was numbered line 1, after its heading line.
        let t = read_csv(
            "名称,型号\r卡尺,500-196\r\r天平,XS205\r\n电表,DMM\n\r量块,\"a\rb\"\r",
            10,
        )
        .expect("read");
        let numbers: Vec<usize> = t.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [2, 4, 5, 7]);
        assert_eq!(t.rows[3].cells[1], "a\rb");
    }

    #[test]
    fn json_and_json_lines_flatten_attributes_and_refuse_nested_values() {
        let lines = "{\"identifier\":\"88.118.8/A\",\"attributes\":{\"quantity\":2}}\n\n{\"name\":\"卡尺\",\"x\":[1]}\n";
        let t = read_json_lines(lines, 10).expect("read");
        // Keys come in JSON object order (sorted); later rows add theirs.
        assert_eq!(t.headings, ["attr.quantity", "identifier", "name", "x"]);
        assert_eq!(t.rows[0].cells, ["2", "88.118.8/A", "", ""]);
        assert_eq!(t.rows[1].number, 3);
        assert_eq!(
            t.problems,
            vec![Problem::cell(3, "x", "[1]", Reason::NotAValue)]
        );
        assert!(matches!(
            read_json_lines("{\"a\":1}\n{oops\n", 10),
            Err(Problem { row: 2, .. })
        ));
        let t = read_json("[{\"name\":\"卡尺\",\"ok\":true}]", 10).expect("array");
        assert_eq!(t.rows[0].cells, ["卡尺", "true"]);
        assert!(read_json("{\"name\":1}", 10).is_err());
    }
}
