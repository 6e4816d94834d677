//! The report written beside a refused file in `error/`: one line per problem (row, column,
//! value, reason in zh-CN and in English), as CSV with a UTF-8 BOM so Excel in China opens it
//! right. Cells are neutralised against CSV injection: a value from the refused file starting
//! with `=`, `+`, `-`, `@`, tab or carriage return would otherwise run as a formula in Excel.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::problem::{FieldWords, Problem};

/// A cell that a spreadsheet will show as text, never evaluate.
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// The report's bytes.
pub fn render(file_name: &str, problems: &[Problem], words: FieldWords) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut line = |cells: [&str; 6]| {
        // Writing to a Vec cannot fail.
        let _ = w.write_record(cells.map(neutralise));
    };
    line([
        "文件 file",
        "行 row",
        "列 column",
        "值 value",
        "原因",
        "reason",
    ]);
    for p in problems {
        let [zh, en] = p.reason.words(words);
        let row = if p.row == 0 {
            String::new()
        } else {
            p.row.to_string()
        };
        line([
            file_name,
            &row,
            p.column.as_deref().unwrap_or(""),
            p.value.as_deref().unwrap_or(""),
            &zh,
            &en,
        ]);
    }
    out.extend(w.into_inner().unwrap_or_default());
    out
}

/// The report's path for a file moved to (or left as) `name` in `error_dir`.
pub fn report_path(error_dir: &Path, name: &str) -> PathBuf {
    error_dir.join(format!("{name}.report.csv"))
}

/// Writes the report whole or not at all (a temporary file, synced, then renamed).
pub(crate) fn write(
    error_dir: &Path,
    name: &str,
    file_name: &str,
    problems: &[Problem],
    words: FieldWords,
) -> std::io::Result<PathBuf> {
    let path = report_path(error_dir, name);
    let tmp = error_dir.join(format!(".{name}.report.csv.tmp"));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(&render(file_name, problems, words))?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::{plain_field_words, Reason};

    #[test]
    fn injected_formulas_are_written_as_text() {
        for (cell, safe) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("数显卡尺", "数显卡尺"),
            ("", ""),
        ] {
            assert_eq!(neutralise(cell), safe);
        }
        let problems = [Problem::cell(
            4,
            "名称",
            "=cmd|' /C calc'!A0",
            Reason::ColumnCount {
                expected: 2,
                found: 3,
            },
        )];
        let bytes = render("=evil.csv", &problems, plain_field_words);
        let text = String::from_utf8(bytes).expect("utf8");
        assert!(text.starts_with('\u{feff}'));
        let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let row = r.records().next().expect("row").expect("csv");
        assert_eq!(&row[0], "'=evil.csv");
        assert_eq!(&row[1], "4");
        assert_eq!(&row[3], "'=cmd|' /C calc'!A0");
        assert_eq!(&row[4], "应有 2 列，实际 3 列");
        assert_eq!(&row[5], "3 columns where the heading row has 2");
    }
}
