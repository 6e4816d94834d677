//! What the hot folder tests share: a real workstation database, files of every accepted kind
//! made on the spot (CSV in UTF-8 and GBK, XLSX through rust_xlsxwriter, XLS as a minimal BIFF8
//! workbook), and waiting on conditions (events seen, files moved) instead of sleeping.

// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use idstation_hotfolder::Event;
use idstation_store::Store;

pub const PREFIX: &str = "88.118.8";
/// How long any waited-on condition may take before the test fails (never a sleep).
pub const PATIENCE: Duration = Duration::from_secs(60);

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub inbox: PathBuf,
}

pub fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("ws.sqlite");
    drop(Store::create(&db, PREFIX, "测试").expect("create"));
    let inbox = dir.path().join("hot");
    std::fs::create_dir(&inbox).expect("inbox");
    Fixture { dir, db, inbox }
}

impl Fixture {
    pub fn store(&self) -> Store {
        Store::open(&self.db).expect("open")
    }
}

pub const HEADINGS: [&str; 6] = [
    "标识",
    "名称",
    "型号",
    "资产编号",
    "校准日期",
    "校准周期(月)",
];

/// `n` valid rows; identifiers `88.118.8/<tag>-<i>`, asset numbers `ZC-<tag>-<i>`.
pub fn rows(tag: &str, n: usize) -> Vec<Vec<String>> {
    (0..n)
        .map(|i| {
            vec![
                format!("{PREFIX}/{tag}-{i}"),
                ["数显卡尺", "电子天平", "压力表", "温度计"][i % 4].to_string(),
                format!("M-{}", i % 97),
                format!("ZC-{tag}-{i}"),
                format!("2026-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
                "12".to_string(),
            ]
        })
        .collect()
}

pub fn csv(headings: &[&str], rows: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(headings).expect("csv");
    for r in rows {
        w.write_record(r).expect("csv");
    }
    String::from_utf8(w.into_inner().expect("csv")).expect("utf8")
}

pub fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// An XLSX with text cells, the date column (heading `校准日期`) as real dates.
pub fn xlsx(headings: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, h) in headings.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("heading");
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (rr, cc) = (r as u32 + 1, c as u16);
            let as_date = headings.get(c) == Some(&"校准日期");
            match v
                .split('-')
                .map(str::parse::<u16>)
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(ymd) if as_date && ymd.len() == 3 => {
                    let d =
                        ExcelDateTime::from_ymd(ymd[0], ymd[1] as u8, ymd[2] as u8).expect("date");
                    sheet
                        .write_datetime_with_format(rr, cc, &d, &date)
                        .expect("date");
                }
                _ => {
                    sheet.write_string(rr, cc, v).expect("cell");
                }
            }
        }
    }
    book.save_to_buffer().expect("xlsx")
}

/// One BIFF8 record.
fn record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// A minimal Excel 97-2003 workbook: one sheet `Sheet1` of text cells, each `(row, col, text)`;
/// `dimensions` overrides the declared extent (rows, columns).
pub fn xls_cells(cells: &[(u16, u16, String)], dimensions: Option<(u32, u16)>) -> Vec<u8> {
    let bof = |kind: u16| {
        let mut d = vec![0u8; 16];
        d[0..2].copy_from_slice(&0x0600u16.to_le_bytes());
        d[2..4].copy_from_slice(&kind.to_le_bytes());
        d
    };
    let name = utf16("Sheet1");
    let mut globals = Vec::new();
    record(&mut globals, 0x0809, &bof(0x0005));
    record(&mut globals, 0x0042, &1200u16.to_le_bytes());
    let boundsheet_len = 4 + 6 + 2 + name.len();
    let sheet_pos = (globals.len() + boundsheet_len + 4) as u32;
    let mut bs = sheet_pos.to_le_bytes().to_vec();
    bs.extend_from_slice(&[0, 0, 6, 1]);
    bs.extend_from_slice(&name);
    record(&mut globals, 0x0085, &bs);
    record(&mut globals, 0x000A, &[]);
    assert_eq!(globals.len() as u32, sheet_pos);

    let mut sheet = Vec::new();
    record(&mut sheet, 0x0809, &bof(0x0010));
    let (rows, cols) = dimensions.unwrap_or_else(|| {
        let r = cells.iter().map(|c| u32::from(c.0) + 1).max().unwrap_or(0);
        let c = cells.iter().map(|c| c.1 + 1).max().unwrap_or(0);
        (r, c)
    });
    let mut dim = Vec::new();
    dim.extend_from_slice(&0u32.to_le_bytes());
    dim.extend_from_slice(&rows.to_le_bytes());
    dim.extend_from_slice(&0u16.to_le_bytes());
    dim.extend_from_slice(&cols.to_le_bytes());
    dim.extend_from_slice(&0u16.to_le_bytes());
    record(&mut sheet, 0x0200, &dim);
    for (r, c, text) in cells {
        let mut d = Vec::new();
        d.extend_from_slice(&r.to_le_bytes());
        d.extend_from_slice(&c.to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes());
        d.extend_from_slice(&(text.encode_utf16().count() as u16).to_le_bytes());
        d.push(1);
        d.extend_from_slice(&utf16(text));
        record(&mut sheet, 0x0204, &d);
    }
    record(&mut sheet, 0x000A, &[]);
    globals.extend_from_slice(&sheet);
    // Past the 4 KiB mini-stream cutoff, so the stream lives in ordinary sectors.
    globals.resize(globals.len().max(8192), 0);

    // Version 3 (512-byte sectors), as Excel writes them.
    let mut cfb =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, std::io::Cursor::new(Vec::new()))
            .expect("cfb");
    {
        use std::io::Write;
        let mut s = cfb.create_stream("/Workbook").expect("stream");
        s.write_all(&globals).expect("write");
    }
    cfb.flush().expect("flush");
    cfb.into_inner().into_inner()
}

pub fn xls(headings: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut cells = Vec::new();
    for (c, h) in headings.iter().enumerate() {
        cells.push((0, c as u16, h.to_string()));
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            cells.push((r as u16 + 1, c as u16, v.clone()));
        }
    }
    xls_cells(&cells, None)
}

/// Events as they arrive, and a way to wait for a condition over them.
#[derive(Clone, Default)]
pub struct Events {
    inner: Arc<(Mutex<Vec<Event>>, Condvar)>,
}

impl Events {
    pub fn sink(&self) -> impl FnMut(Event) + Send + 'static {
        let inner = self.inner.clone();
        move |e| {
            let (lock, cv) = &*inner;
            lock.lock().expect("events").push(e);
            cv.notify_all();
        }
    }

    /// Waits until `cond` holds over the events so far; fails the test after [`PATIENCE`].
    pub fn wait(&self, what: &str, cond: impl Fn(&[Event]) -> bool) -> Vec<Event> {
        let (lock, cv) = &*self.inner;
        let deadline = Instant::now() + PATIENCE;
        let mut events = lock.lock().expect("events");
        while !cond(&events) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "timed out waiting for {what}: {events:#?}");
            events = cv.wait_timeout(events, left).expect("events").0;
        }
        events.clone()
    }

    pub fn all(&self) -> Vec<Event> {
        self.inner.0.lock().expect("events").clone()
    }
}

/// Files (not folders) under `dir`, recursively, named relative to it.
pub fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            } else {
                out.push(
                    p.strip_prefix(dir)
                        .expect("under")
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    out.sort();
    out
}

/// The files a person dropped that are still in the folder itself (not archive/ or error/).
pub fn waiting_in(inbox: &Path) -> Vec<String> {
    std::fs::read_dir(inbox)
        .expect("inbox")
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != idstation_hotfolder::LOCK_FILE)
        .collect()
}

/// Polls `cond` (a file-system or database state) until it holds; fails after [`PATIENCE`].
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn count(store: &Store, sql: &str) -> i64 {
    store
        .connection()
        .query_row(sql, [], |r| r.get(0))
        .expect("count")
}
