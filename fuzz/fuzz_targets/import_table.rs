//! Any file dropped into a hot folder or given to `idstation import` (CSV in UTF-8 or GB18030,
//! JSON, JSON lines, XLSX, XLS), read with any folder settings: reading, previewing, validating
//! against a station's records and importing never panic; every refusal says where (a text
//! decoding failure names the line and byte offset of the first bad byte, a problem names a row
//! the file has); an accepted file comes back cell for cell as it was written (the rows, their
//! line numbers, the headings), a valid one plans one instrument per row, and importing it
//! writes exactly those instruments, which read back as planned.
#![no_main]

use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

use idstation_fuzz::{copy_db, scratch, station, STATION_PREFIX};
use idstation_hotfolder::{
    decode, import_bytes, plan, preview, read_table, Action, Format, ImportSettings, MatchBy,
    Planned, Problem, Reason, Source, Table, TextEncoding, UnknownColumns, Verdict,
};
use idstation_model::MetadataTemplate;
use idstation_store::Store;
use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    dir: PathBuf,
    /// The station as it is before any file (closed; copied for each import).
    template: PathBuf,
    /// A copy of it that files are validated against (validation only reads).
    reader: Mutex<Store>,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let dir = scratch("import");
    let template = dir.join("template.sqlite");
    drop(station(&template));
    let reader = dir.join("reader.sqlite");
    copy_db(&template, &reader);
    Fixture {
        reader: Mutex::new(Store::open(&reader).expect("open the station")),
        template,
        dir,
    }
});

const HEADINGS: [&str; 24] = [
    "identifier",
    "name",
    "model",
    "serial_no",
    "asset_no",
    "manufacturer",
    "status",
    "cal_last_date",
    "cal_next_due",
    "cal_interval_months",
    "cal_result",
    "cal_certificate_no",
    "location",
    "owner",
    "category",
    "attr.quantity",
    "标识",
    "名称",
    "型号",
    "出厂编号",
    "资产编号",
    "Name",
    "Serial No.",
    "",
];

const VALUES: [&str; 22] = [
    "88.118.8/CAL-2026-000001",
    "88.118.8/FUZZ-1",
    "88.118.8/fuzz-2",
    "88.118.8/FUZZ-4",
    "88.118.9/X-1",
    "01/09506000134352/21/ABC",
    "数显卡尺",
    "DMM6500",
    "2026-01-15",
    "2026/02/30",
    "2027.01.15",
    "12",
    "-1",
    "在用",
    "合格",
    "in_use",
    "pass",
    "A-001",
    "A-002",
    "true",
    " padded ",
    "",
];

#[derive(Arbitrary, Debug)]
enum Text {
    Known(u8),
    Any(String),
}

impl Text {
    fn heading(&self) -> String {
        match self {
            Text::Known(i) => HEADINGS[*i as usize % HEADINGS.len()].to_string(),
            // Headings a delimiter sniffer cannot mistake: no separators or line breaks in them.
            Text::Any(s) => s
                .chars()
                .filter(|c| !c.is_control() && !matches!(c, ',' | ';' | '\t' | '"'))
                .collect(),
        }
    }

    fn value(&self) -> String {
        match self {
            Text::Known(i) => VALUES[*i as usize % VALUES.len()].to_string(),
            Text::Any(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum JsonValue {
    Text(Text),
    Integer(i64),
    Bool(bool),
    Null,
}

impl JsonValue {
    fn json(&self) -> serde_json::Value {
        match self {
            JsonValue::Text(t) => t.value().into(),
            JsonValue::Integer(i) => (*i).into(),
            JsonValue::Bool(b) => (*b).into(),
            JsonValue::Null => serde_json::Value::Null,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum File {
    Raw(Vec<u8>),
    Csv {
        headings: Vec<Text>,
        rows: Vec<Vec<Text>>,
        delimiter: u8,
        bom: bool,
        gb18030: bool,
        crlf: bool,
    },
    JsonLines {
        rows: Vec<Vec<(Text, JsonValue)>>,
        blank_before: Vec<bool>,
    },
    JsonArray {
        rows: Vec<Vec<(Text, JsonValue)>>,
    },
}

#[derive(Arbitrary, Debug)]
struct Input {
    file: File,
    /// The format of a raw file.
    format: u8,
    encoding: u8,
    update: bool,
    match_by: u8,
    ignore_unknown: bool,
    max_rows: Option<u8>,
    mapping: Vec<(Text, u8)>,
}

/// The table a written file must read back as, when it reads at all.
struct Expected {
    headings: Vec<String>,
    /// (line or element number, cells)
    rows: Vec<(usize, Vec<String>)>,
    /// Refused as too long (`max_rows`) is the one refusal a written file may get.
    too_many: bool,
    /// The reader may read the bytes in another encoding than they were written in (GB18030
    /// text that is valid UTF-8, read with `auto`): the cells are then not compared.
    compare: bool,
}

fn format_of(n: u8) -> Format {
    [
        Format::Csv,
        Format::Json,
        Format::JsonLines,
        Format::Xlsx,
        Format::Xls,
    ][n as usize % 5]
}

fn file_name(format: Format) -> &'static str {
    match format {
        Format::Csv => "in.csv",
        Format::Json => "in.json",
        Format::JsonLines => "in.jsonl",
        Format::Xlsx => "in.xlsx",
        Format::Xls => "in.xls",
    }
}

fn csv_field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Writes a structured file the way a spreadsheet or LIMS would, and what reading it must give.
fn write(input: &Input, settings: &mut ImportSettings) -> (Vec<u8>, Format, Option<Expected>) {
    let max_rows = settings.max_rows;
    match &input.file {
        File::Raw(bytes) => (bytes.clone(), format_of(input.format), None),
        File::Csv {
            headings,
            rows,
            delimiter,
            bom,
            gb18030,
            crlf,
        } => {
            let sep = [',', ';', '\t'][*delimiter as usize % 3];
            let eol = if *crlf { "\r\n" } else { "\n" };
            let mut headings: Vec<String> = headings.iter().take(8).map(Text::heading).collect();
            if headings.is_empty() {
                headings.push("name".into());
            }
            let n = headings.len();
            let mut text = headings
                .iter()
                .map(|h| csv_field(h))
                .collect::<Vec<_>>()
                .join(&sep.to_string());
            text.push_str(eol);
            let mut line = 2;
            let mut expected = Vec::new();
            for row in rows.iter().take(32) {
                let mut cells: Vec<String> = row.iter().take(n).map(Text::value).collect();
                cells.resize(n, String::new());
                let written = cells
                    .iter()
                    .map(|c| csv_field(c))
                    .collect::<Vec<_>>()
                    .join(&sep.to_string());
                let trimmed: Vec<String> = cells.iter().map(|c| c.trim().to_string()).collect();
                if trimmed.iter().any(|c| !c.is_empty()) {
                    expected.push((line, trimmed));
                }
                line += breaks(written.as_bytes()) + 1;
                text.push_str(&written);
                text.push_str(eol);
            }
            // The separator is sniffed from the first line: a comma wins, then a tab.
            let sniffed = if text.lines().next().unwrap_or("").contains(',') {
                ','
            } else if text.lines().next().unwrap_or("").contains('\t') {
                '\t'
            } else if text.lines().next().unwrap_or("").contains(';') {
                ';'
            } else {
                ','
            };
            let (bytes, compare) = if *gb18030 {
                let (bytes, _, lossy) = encoding_rs::GB18030.encode(&text);
                let bytes = bytes.into_owned();
                let as_utf8 = std::str::from_utf8(&bytes).is_ok_and(|s| !s.is_ascii());
                match settings.encoding {
                    TextEncoding::Utf8 => (bytes, false),
                    TextEncoding::Gb18030 => (bytes, !lossy),
                    // Auto reads valid UTF-8 as UTF-8: its documented guess.
                    TextEncoding::Auto => (bytes, !lossy && !as_utf8),
                }
            } else {
                let mut bytes = if *bom {
                    b"\xEF\xBB\xBF".to_vec()
                } else {
                    Vec::new()
                };
                bytes.extend_from_slice(text.as_bytes());
                (bytes, settings.encoding != TextEncoding::Gb18030)
            };
            let expected = Expected {
                headings: headings.iter().map(|h| h.trim().to_string()).collect(),
                too_many: expected.len() > max_rows,
                rows: expected,
                compare: compare && sniffed == sep,
            };
            (bytes, Format::Csv, Some(expected))
        }
        File::JsonLines { rows, blank_before } => {
            let mut text = String::new();
            let mut objects = Vec::new();
            let mut line = 1;
            for (i, row) in rows.iter().take(32).enumerate() {
                if blank_before.get(i).copied().unwrap_or(false) {
                    text.push_str("  \n");
                    line += 1;
                }
                let object = object(row);
                text.push_str(&serde_json::to_string(&object).expect("JSON"));
                text.push('\n');
                objects.push((line, object));
                line += 1;
            }
            settings.encoding = TextEncoding::Utf8;
            let expected = expected_objects(objects, max_rows);
            (text.into_bytes(), Format::JsonLines, Some(expected))
        }
        File::JsonArray { rows } => {
            let objects: Vec<(usize, serde_json::Map<String, serde_json::Value>)> = rows
                .iter()
                .take(32)
                .enumerate()
                .map(|(i, row)| (i + 1, object(row)))
                .collect();
            let array: Vec<&serde_json::Map<String, serde_json::Value>> =
                objects.iter().map(|(_, o)| o).collect();
            let text = serde_json::to_string_pretty(&array).expect("JSON");
            settings.encoding = TextEncoding::Utf8;
            let expected = expected_objects(objects, max_rows);
            (text.into_bytes(), Format::Json, Some(expected))
        }
    }
}

fn object(row: &[(Text, JsonValue)]) -> serde_json::Map<String, serde_json::Value> {
    let mut o = serde_json::Map::new();
    for (k, v) in row.iter().take(8) {
        let key = k.value();
        // `attributes` holds nested attributes: the reader flattens it (tested in the crate).
        if key != "attributes" {
            o.insert(key, v.json());
        }
    }
    o
}

fn expected_objects(
    objects: Vec<(usize, serde_json::Map<String, serde_json::Value>)>,
    max_rows: usize,
) -> Expected {
    let mut headings: Vec<String> = Vec::new();
    for (_, o) in &objects {
        for k in o.keys() {
            if !headings.contains(k) {
                headings.push(k.clone());
            }
        }
    }
    let rows = objects
        .iter()
        .map(|(n, o)| {
            let cells = headings
                .iter()
                .map(|h| match o.get(h) {
                    None | Some(serde_json::Value::Null) => String::new(),
                    Some(serde_json::Value::String(s)) => s.trim().to_string(),
                    Some(v) => v.to_string(),
                })
                .collect();
            (*n, cells)
        })
        .collect::<Vec<_>>();
    Expected {
        headings,
        too_many: rows.len() > max_rows,
        rows,
        compare: true,
    }
}

/// Line breaks as a CSV reader ends records at them: `\n`, `\r\n`, a lone `\r`.
fn breaks(text: &[u8]) -> usize {
    text.iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && text.get(i + 1) != Some(&b'\n')))
        .count()
}

/// A problem points at the file (row 0) or at a row the file has.
fn check_problem(p: &Problem, bytes: &[u8], last_row: usize) {
    if let Reason::NotText {
        line, byte_offset, ..
    } = &p.reason
    {
        assert!(*byte_offset < bytes.len(), "{p:?} past the end");
        let lines = 1 + bytes[..*byte_offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        assert_eq!(*line, lines, "{p:?}: the line of byte {byte_offset}");
    }
    assert!(
        p.row <= last_row,
        "{p:?} names a row past the file's {last_row}"
    );
}

/// The last row number a problem may name: a line of a text file, an element of a JSON array,
/// a row of a spreadsheet (any, within the sheet's bounds).
fn last_row(bytes: &[u8], format: Format) -> usize {
    match format {
        Format::Csv => 1 + breaks(bytes),
        Format::JsonLines => 1 + bytes.iter().filter(|&&b| b == b'\n').count(),
        // Elements of an array (any number on a line), rows of a sheet.
        Format::Json | Format::Xlsx | Format::Xls => usize::MAX,
    }
}

fn check_table(t: &Table, bytes: &[u8], format: Format, settings: &ImportSettings) {
    assert!(t.rows.len() <= settings.max_rows);
    let last = last_row(bytes, format);
    // JSON lines number their rows from the first line, the heading row's number too.
    let mut previous = if format == Format::JsonLines {
        0
    } else {
        t.heading_row
    };
    for row in &t.rows {
        assert_eq!(row.cells.len(), t.headings.len(), "{row:?}");
        assert!(row.number > previous, "row {} after {previous}", row.number);
        assert!(row.number <= last);
        previous = row.number;
    }
    for p in &t.problems {
        check_problem(p, bytes, last);
    }
}

fn check(input: Input) {
    if std::env::var_os("IDSTATION_FUZZ_DEBUG").is_some() {
        eprintln!("{input:#?}");
    }
    let mut settings = ImportSettings {
        action: if input.update {
            Action::Update
        } else {
            Action::Register
        },
        match_by: [MatchBy::Auto, MatchBy::Identifier, MatchBy::AssetNo]
            [input.match_by as usize % 3],
        encoding: [
            TextEncoding::Auto,
            TextEncoding::Utf8,
            TextEncoding::Gb18030,
        ][input.encoding as usize % 3],
        unknown_columns: if input.ignore_unknown {
            UnknownColumns::Ignore
        } else {
            UnknownColumns::Reject
        },
        max_rows: input.max_rows.map_or(1_000_000, |n| n as usize),
        // Small, so a zip bomb costs the fuzzer little; the bound itself is what is tested.
        max_unzipped_bytes: 4 << 20,
        ..ImportSettings::default()
    };
    for (heading, field) in input.mapping.iter().take(4) {
        let key = [
            "name",
            "identifier",
            "asset_no",
            "attr.quantity",
            "nonsense",
            "",
        ][*field as usize % 6];
        settings.mapping.insert(heading.heading(), key.to_string());
    }
    let (bytes, format, expected) = write(&input, &mut settings);

    // Text decoding on its own.
    match decode(&bytes, settings.encoding) {
        Ok((text, "UTF-8")) => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            assert_eq!(text.as_bytes(), body);
        }
        Ok(_) => {}
        Err(reason) => check_problem(
            &Problem {
                row: 0,
                column: None,
                value: None,
                reason,
            },
            &bytes,
            0,
        ),
    }

    let read = read_table(&bytes, format, &settings);
    let template = MetadataTemplate::builtin_instrument();
    let previewed = preview(&bytes, file_name(format), &settings, &template, 5);
    assert_eq!(
        read.as_ref().map(|t| t.rows.len()).map_err(Clone::clone),
        previewed
            .as_ref()
            .map(|p| p.total_rows)
            .map_err(Clone::clone),
        "preview and import read the file alike"
    );
    let table = match read {
        Err(problem) => {
            check_problem(&problem, &bytes, last_row(&bytes, format));
            if let Some(e) = &expected {
                if e.compare {
                    assert!(
                        e.too_many
                            && matches!(problem.reason, Reason::TooManyRows { max } if max == settings.max_rows),
                        "a well-formed file is refused: {problem:?}"
                    );
                }
            }
            return;
        }
        Ok(t) => t,
    };
    check_table(&table, &bytes, format, &settings);
    if let Some(e) = &expected {
        if e.compare {
            assert!(!e.too_many, "more rows than max_rows were read");
            assert_eq!(table.headings, e.headings);
            let got: Vec<(usize, Vec<String>)> = table
                .rows
                .iter()
                .map(|r| (r.number, r.cells.clone()))
                .collect();
            assert_eq!(got, e.rows, "the rows as written");
            assert!(table.problems.is_empty(), "{:?}", table.problems);
        }
    }

    // Validation against the station.
    let planned = {
        let store = FIXTURE.reader.lock().expect("the station");
        plan(&store, &table, &settings, &template, &mut |_, _| {}).expect("validation runs")
    };
    let last = last_row(&bytes, format);
    let plan = match planned {
        Planned::Refused(problems) => {
            assert!(!problems.is_empty(), "refused without a problem");
            for p in &problems {
                check_problem(p, &bytes, last);
                assert!(
                    p.row == 0
                        || p.row == table.heading_row
                        || table.rows.iter().any(|r| r.number == p.row)
                        || table.problems.iter().any(|q| q.row == p.row),
                    "{p:?} names no row of the file"
                );
            }
            return;
        }
        Planned::Ready(plan) => plan,
    };
    assert!(table.problems.is_empty());
    assert_eq!(plan.rows(), table.rows.len(), "one instrument per row");
    let ids = plan.identifiers();
    let unique: std::collections::BTreeSet<String> = ids.iter().map(|i| i.to_string()).collect();
    assert_eq!(unique.len(), ids.len(), "an instrument twice in one plan");
    for inst in &plan.register {
        let h = inst.identifier.as_handle();
        assert!(
            h.is_none_or(|h| h.prefix() == STATION_PREFIX
                || h.prefix().starts_with(&format!("{STATION_PREFIX}."))),
            "{} is not this station's to register",
            inst.identifier
        );
    }
    if plan.rows() == 0 {
        return;
    }

    // Importing it: exactly the planned instruments, in one transaction.
    let live = FIXTURE.dir.join("import.sqlite");
    copy_db(&FIXTURE.template, &live);
    let mut store = Store::open(&live).expect("open the station");
    let before = store.count_instruments().expect("count");
    let source = Source {
        file_name: file_name(format),
        folder: "fuzz",
        owe_labels: false,
    };
    let verdict = import_bytes(
        &mut store,
        "fuzz",
        &settings,
        source,
        &bytes,
        &mut |_, _, _| {},
    )
    .expect("the import runs");
    let Verdict::Imported { identifiers, .. } = verdict else {
        panic!("a file that validated is not imported: {verdict:?}");
    };
    assert_eq!(identifiers, ids);
    assert_eq!(
        store.count_instruments().expect("count"),
        before + plan.register.len() as i64
    );
    for inst in plan
        .register
        .iter()
        .chain(plan.update.iter().map(|(i, _)| i))
    {
        let stored = store
            .get_instrument(&inst.identifier)
            .expect("read")
            .expect("imported");
        assert_eq!(&stored.instrument, inst);
    }
    let report = store.check_consistency().expect("consistency");
    assert!(report.is_consistent(), "{report:?}");
}

// A first byte under 32 takes the rest as a file as it is: its format (csv, json, jsonl, xlsx,
// xls), a byte of settings, then the file's bytes (the seeds are real files); any other first
// byte builds the file and the settings from their parts.
fuzz_target!(|data: &[u8]| {
    match data {
        [mode, format, flags, file @ ..] if *mode < 32 => check(Input {
            file: File::Raw(file.to_vec()),
            format: *format,
            encoding: flags % 3,
            update: flags & 4 != 0,
            match_by: (flags >> 3) % 3,
            ignore_unknown: flags & 32 != 0,
            max_rows: None,
            mapping: Vec::new(),
        }),
        [_, rest @ ..] => {
            if let Ok(input) = Input::arbitrary(&mut Unstructured::new(rest)) {
                check(input);
            }
        }
        _ => {}
    }
});
