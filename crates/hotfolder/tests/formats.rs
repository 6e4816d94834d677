//! Every accepted format through `import_bytes` into a real store (`src/import.rs`,
//! `src/table.rs`, `src/spreadsheet.rs`, `src/decode.rs`): what is read, what is refused, and
//! that a refused file writes nothing.

mod common;

use common::*;
use idstation_hotfolder::{
    import_bytes, preview, ImportSettings, Reason, Source, TextEncoding, Verdict,
};
use idstation_model::{Field, Identifier, MetadataTemplate};
use idstation_store::Store;

fn import(store: &mut Store, name: &str, bytes: &[u8], settings: &ImportSettings) -> Verdict {
    import_bytes(
        store,
        "热文件夹",
        settings,
        Source {
            file_name: name,
            folder: "/hot",
            owe_labels: false,
        },
        bytes,
        &mut |_, _, _| {},
    )
    .expect("import")
}

fn imported(v: &Verdict) -> i64 {
    match v {
        Verdict::Imported { record, .. } => record.rows,
        other => panic!("expected an import, got {other:#?}"),
    }
}

fn refused(v: Verdict) -> Vec<idstation_hotfolder::Problem> {
    match v {
        Verdict::Refused { problems, .. } => problems,
        other => panic!("expected a refusal, got {other:#?}"),
    }
}

fn get(store: &Store, id: &str) -> idstation_model::Instrument {
    store
        .get_instrument(&Identifier::parse(id).expect("id"))
        .expect("get")
        .expect("registered")
        .instrument
}

#[test]
fn csv_in_utf8_with_and_without_bom_and_in_gbk_registers_every_row() {
    let f = fixture();
    let mut store = f.store();
    let s = ImportSettings::default();
    let plain = csv(&HEADINGS, &rows("U", 3));
    assert_eq!(
        imported(&import(&mut store, "a.csv", plain.as_bytes(), &s)),
        3
    );
    let bom = [
        b"\xEF\xBB\xBF".as_slice(),
        csv(&HEADINGS, &rows("B", 2)).as_bytes(),
    ]
    .concat();
    assert_eq!(imported(&import(&mut store, "b.CSV", &bom, &s)), 2);
    let gbk_bytes = gbk(&csv(&HEADINGS, &rows("G", 4)));
    assert!(std::str::from_utf8(&gbk_bytes).is_err(), "really GBK");
    assert_eq!(imported(&import(&mut store, "c.csv", &gbk_bytes, &s)), 4);
    // GBK forced by the folder reads the same.
    let forced = ImportSettings {
        encoding: TextEncoding::Gb18030,
        ..ImportSettings::default()
    };
    let gbk2 = gbk(&csv(&HEADINGS, &rows("F", 1)));
    assert_eq!(imported(&import(&mut store, "d.csv", &gbk2, &forced)), 1);

    let inst = get(&store, "88.118.8/G-1");
    assert_eq!(inst.name, "电子天平");
    assert_eq!(inst.asset_no.as_deref(), Some("ZC-G-1"));
    assert_eq!(
        inst.calibration.next_due.map(|d| d.to_string()).as_deref(),
        Some("2027-02-02"),
        "next due from the interval"
    );
    assert_eq!(store.count_instruments().expect("count"), 10);
    assert!(store.check_consistency().expect("check").is_consistent());
    assert!(store.audit_verify().expect("verify").is_intact());
}

#[test]
fn bytes_that_are_neither_utf8_nor_gb18030_are_refused_at_their_line_and_offset() {
    let f = fixture();
    let mut store = f.store();
    let mut bytes = gbk(&csv(&HEADINGS, &rows("X", 2)));
    let second_line = bytes.iter().position(|&b| b == b'\n').expect("nl") + 1;
    let third_line = second_line
        + bytes[second_line..]
            .iter()
            .position(|&b| b == b'\n')
            .expect("nl")
        + 1;
    // A lone 0xFF: no encoding we read has it.
    bytes.insert(third_line + 3, 0xFF);
    let problems = refused(import(
        &mut store,
        "bad.csv",
        &bytes,
        &ImportSettings::default(),
    ));
    assert_eq!(problems.len(), 1);
    match &problems[0].reason {
        Reason::NotText {
            line, byte_offset, ..
        } => assert_eq!((*line, *byte_offset), (3, third_line + 3)),
        other => panic!("{other:?}"),
    }
    // UTF-8 forced refuses GBK text at its first Chinese byte.
    let forced = ImportSettings {
        encoding: TextEncoding::Utf8,
        ..ImportSettings::default()
    };
    let problems = refused(import(
        &mut store,
        "gbk.csv",
        &gbk(&csv(&HEADINGS, &rows("Y", 1))),
        &forced,
    ));
    assert!(matches!(
        problems[0].reason,
        Reason::NotText {
            line: 1,
            byte_offset: 0,
            ..
        }
    ));
    assert_eq!(store.count_instruments().expect("count"), 0);
}

#[test]
fn xlsx_dates_numbers_and_cached_formula_values_are_read_never_evaluated() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
    let f = fixture();
    let mut store = f.store();
    let s = ImportSettings::default();
    let bytes = xlsx(&HEADINGS, &rows("X", 5));
    assert_eq!(imported(&import(&mut store, "a.xlsx", &bytes, &s)), 5);
    let inst = get(&store, "88.118.8/X-4");
    assert_eq!(
        inst.calibration.last_date.map(|d| d.to_string()).as_deref(),
        Some("2026-05-05"),
        "a date cell reads as its date"
    );

    // A number where text is expected, a formula with a cached value, a date and a number
    // attribute, placed off A1 (the table starts where the data starts).
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy/mm/dd");
    for (c, h) in ["标识", "名称", "资产编号", "证书编号", "校准日期", "数量"]
        .iter()
        .enumerate()
    {
        sheet.write_string(2, c as u16 + 1, *h).expect("h");
    }
    sheet.write_string(3, 1, "88.118.8/F-1").expect("c");
    sheet.write_string(3, 2, "数字压力计").expect("c");
    sheet.write_number(3, 3, 100234.0).expect("c");
    // Excel would compute 2; the file says JZ-2026-77: the cached value is what is imported.
    sheet
        .write_formula(3, 4, Formula::new("=1+1").set_result("JZ-2026-77"))
        .expect("c");
    let d = ExcelDateTime::from_ymd(2026, 2, 28).expect("d");
    sheet
        .write_datetime_with_format(3, 5, &d, &date)
        .expect("c");
    sheet.write_number(3, 6, 3.0).expect("c");
    let bytes = book.save_to_buffer().expect("xlsx");
    assert_eq!(imported(&import(&mut store, "b.xlsx", &bytes, &s)), 1);
    let inst = get(&store, "88.118.8/F-1");
    assert_eq!(inst.asset_no.as_deref(), Some("100234"));
    assert_eq!(
        inst.calibration.certificate_no.as_deref(),
        Some("JZ-2026-77")
    );
    assert_eq!(
        inst.calibration.last_date.map(|d| d.to_string()).as_deref(),
        Some("2026-02-28")
    );
    assert_eq!(
        inst.attributes
            .get("quantity")
            .map(ToString::to_string)
            .as_deref(),
        Some("3")
    );
}

#[test]
fn xlsx_zip_bombs_lying_string_counts_and_far_cells_are_bounded() {
    use std::io::Write;
    let f = fixture();
    let mut store = f.store();
    let small = ImportSettings {
        max_unzipped_bytes: 256 << 10,
        ..ImportSettings::default()
    };
    // 5,000 rows decompress to well over 256 KiB though the file is smaller.
    let bytes = xlsx(&HEADINGS, &rows("Z", 5000));
    assert!((bytes.len() as u64) < 256 << 10, "{}", bytes.len());
    let problems = refused(import(&mut store, "bomb.xlsx", &bytes, &small));
    assert_eq!(problems[0].reason, Reason::Unzipped { max: 256 << 10 });

    // A shared-strings part declaring far more strings than it holds (calamine would reserve
    // memory for all of them).
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("xl/sharedStrings.xml", opts).expect("zip");
    zip.write_all(b"<?xml version=\"1.0\"?><sst count=\"1\" uniqueCount=\"4000000000\"><si><t>x</t></si></sst>")
        .expect("zip");
    let lying = zip.finish().expect("zip").into_inner();
    let problems = refused(import(
        &mut store,
        "lying.xlsx",
        &lying,
        &ImportSettings::default(),
    ));
    assert!(matches!(problems[0].reason, Reason::Spreadsheet { .. }));

    // A value at column XFD is no data anyone typed; one far down costs nothing (streamed).
    use rust_xlsxwriter::Workbook;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADINGS.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("h");
    }
    sheet.write_string(1, 16_383, "x").expect("far");
    let wide = book.save_to_buffer().expect("xlsx");
    let problems = refused(import(
        &mut store,
        "wide.xlsx",
        &wide,
        &ImportSettings::default(),
    ));
    assert!(matches!(problems[0].reason, Reason::TooManyCells { .. }));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["标识", "名称"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("h");
    }
    sheet
        .write_string(1_048_575, 0, "88.118.8/FAR-1")
        .expect("far");
    sheet.write_string(1_048_575, 1, "卡尺").expect("far");
    let deep = book.save_to_buffer().expect("xlsx");
    assert_eq!(
        imported(&import(
            &mut store,
            "deep.xlsx",
            &deep,
            &ImportSettings::default()
        )),
        1
    );
    assert_eq!(store.count_instruments().expect("count"), 1);
}

#[test]
fn xls_is_read_and_an_xls_spanning_millions_of_cells_is_refused_before_parsing() {
    let f = fixture();
    let mut store = f.store();
    let s = ImportSettings::default();
    let bytes = xls(&HEADINGS, &rows("L", 3));
    assert_eq!(imported(&import(&mut store, "old.xls", &bytes, &s)), 3);
    assert_eq!(get(&store, "88.118.8/L-2").name, "压力表");

    // Two cells at opposite corners: calamine would lay out 16.7 million of them.
    let corners = xls_cells(
        &[(0, 0, "标识".into()), (65_535, 255, "x".into())],
        Some((1, 1)),
    );
    let problems = refused(import(&mut store, "corners.xls", &corners, &s));
    assert!(matches!(problems[0].reason, Reason::TooManyCells { .. }));
    // A declared extent that large is refused too, whatever the cells.
    let declared = xls_cells(&[(0, 0, "标识".into())], Some((65_536, 256)));
    let problems = refused(import(&mut store, "declared.xls", &declared, &s));
    assert!(matches!(problems[0].reason, Reason::TooManyCells { .. }));
    // Garbage with an .xls name is a refusal, not a crash.
    let problems = refused(import(&mut store, "junk.xls", b"not a workbook", &s));
    assert!(matches!(problems[0].reason, Reason::Spreadsheet { .. }));
    assert_eq!(store.count_instruments().expect("count"), 3);
}

#[test]
fn json_arrays_and_json_lines_register_rows_with_nested_attributes() {
    let f = fixture();
    let mut store = f.store();
    let s = ImportSettings::default();
    let lines = "{\"identifier\":\"88.118.8/J-1\",\"name\":\"游标卡尺\",\"attributes\":{\"environment\":\"恒温室\",\"quantity\":2}}\n\n{\"identifier\":\"88.118.8/J-2\",\"name\":\"千分尺\",\"cal_last_date\":\"2026/03/01\"}\n";
    assert_eq!(
        imported(&import(&mut store, "a.jsonl", lines.as_bytes(), &s)),
        2
    );
    let array = r#"[{"标识":"88.118.8/J-3","名称":"扭矩扳手","状态":"准用"}]"#;
    assert_eq!(
        imported(&import(&mut store, "b.json", array.as_bytes(), &s)),
        1
    );
    let j1 = get(&store, "88.118.8/J-1");
    assert_eq!(
        j1.attributes
            .get("environment")
            .map(ToString::to_string)
            .as_deref(),
        Some("恒温室")
    );
    assert_eq!(
        get(&store, "88.118.8/J-3").status,
        idstation_model::InstrumentStatus::Restricted
    );
    let problems = refused(import(
        &mut store,
        "c.jsonl",
        b"{\"name\":\"x\"}\n{oops}\n",
        &s,
    ));
    assert_eq!(problems[0].row, 2);
    assert_eq!(store.count_instruments().expect("count"), 3);
}

#[test]
fn one_bad_row_refuses_the_whole_file_with_every_problem_and_writes_nothing() {
    let f = fixture();
    let mut store = f.store();
    let s = ImportSettings::default();
    let mut r = rows("M", 6);
    r[1][4] = "2026-02-30".into(); // impossible date, line 3
    r[3][0] = r[2][0].clone(); // the same instrument twice, line 5
    r[4][0] = "88.999/OTHER".into(); // another enterprise's prefix, line 6
    r[5][1] = String::new(); // no name, line 7
    let text = csv(
        &[
            "标识",
            "名称",
            "型号",
            "资产编号",
            "校准日期",
            "校准周期(月)",
        ],
        &r,
    );
    let v = import(&mut store, "m.csv", text.as_bytes(), &s);
    let problems = refused(v);
    let at: Vec<(usize, Option<&str>)> = problems
        .iter()
        .map(|p| (p.row, p.column.as_deref()))
        .collect();
    assert_eq!(
        at,
        [
            (3, Some("校准日期")),
            (5, Some("标识")),
            (6, Some("标识")),
            (7, Some("名称"))
        ]
    );
    assert_eq!(problems[0].value.as_deref(), Some("2026-02-30"));
    assert_eq!(problems[1].reason, Reason::DuplicateInFile { first_row: 4 });
    assert_eq!(store.count_instruments().expect("count"), 0);
    assert_eq!(store.outbox_stats().expect("stats").total, 0);
    assert!(store.imported_files(10).expect("ledger").is_empty());

    // Unknown columns are refused unless the folder ignores them; already registered rows too.
    let good = csv(&HEADINGS, &rows("N", 2));
    imported(&import(&mut store, "n.csv", good.as_bytes(), &s));
    let mut again = rows("N", 3);
    again.iter_mut().for_each(|r| r.push("红".into()));
    let mut headings = HEADINGS.to_vec();
    headings.push("颜色");
    let problems = refused(import(
        &mut store,
        "n2.csv",
        csv(&headings, &again).as_bytes(),
        &s,
    ));
    let reasons: Vec<&Reason> = problems.iter().map(|p| &p.reason).collect();
    assert_eq!(reasons[0], &Reason::UnknownColumn);
    assert_eq!(
        reasons[1..],
        [
            &Reason::AlreadyRegistered {
                identifier: "88.118.8/N-0".into()
            },
            &Reason::AlreadyRegistered {
                identifier: "88.118.8/N-1".into()
            }
        ]
    );
    assert_eq!(store.count_instruments().expect("count"), 2);
}

#[test]
fn the_same_bytes_are_recognised_whatever_the_name() {
    let f = fixture();
    let mut store = f.store();
    let s = ImportSettings::default();
    let text = csv(&HEADINGS, &rows("D", 2));
    imported(&import(&mut store, "first.csv", text.as_bytes(), &s));
    drop(store);
    let mut store = f.store();
    match import(&mut store, "copy of first.csv", text.as_bytes(), &s) {
        Verdict::AlreadyImported { first } => assert_eq!(first.file_name, "first.csv"),
        other => panic!("{other:#?}"),
    }
    assert_eq!(store.count_instruments().expect("count"), 2);
    assert_eq!(store.imported_files(10).expect("ledger").len(), 1);
}

#[test]
fn the_preview_shows_each_column_s_field_and_the_first_rows() {
    let text = csv(
        &["标识", "名称", "颜色"],
        &[vec!["a".into(), "b".into(), "c".into()]],
    );
    let p = preview(
        &gbk(&text),
        "p.csv",
        &ImportSettings::default(),
        &MetadataTemplate::builtin_instrument(),
        10,
    )
    .expect("preview");
    assert_eq!(p.encoding, Some("GB18030"));
    assert_eq!(
        p.fields,
        vec![Some(Field::Identifier), Some(Field::Name), None]
    );
    assert_eq!((p.total_rows, p.rows.len()), (1, 1));
    assert_eq!(p.problems[0].reason, Reason::UnknownColumn);
}
