//! Why a file, or one of its rows, was refused: typed, so the app and the CLI can show them in
//! the person's language, and worded here in zh-CN and English for the report written beside
//! the file (read later, by whoever looks into `error/`).

use idstation_model::{Field, FieldError};
use serde::Serialize;

/// One thing wrong with a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where a person finds it: the line of a CSV or JSON-lines file, the row of a spreadsheet,
    /// the element (from 1) of a JSON array; 0 for the file as a whole.
    pub row: usize,
    /// The column's heading as the file has it, or the field's name when no column holds it.
    pub column: Option<String>,
    pub value: Option<String>,
    pub reason: Reason,
}

impl Problem {
    pub(crate) fn file(reason: Reason) -> Problem {
        Problem {
            row: 0,
            column: None,
            value: None,
            reason,
        }
    }

    pub(crate) fn at(row: usize, reason: Reason) -> Problem {
        Problem {
            row,
            column: None,
            value: None,
            reason,
        }
    }

    pub(crate) fn cell(row: usize, column: &str, value: &str, reason: Reason) -> Problem {
        Problem {
            row,
            column: Some(column.to_string()),
            value: (!value.is_empty()).then(|| value.to_string()),
            reason,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    // The file as a whole.
    /// Not a CSV, XLSX, XLS, JSON or JSON-lines file.
    Unsupported {
        extension: String,
    },
    /// A name with `..` or control characters.
    NameRefused,
    /// A symbolic link: never followed, it may lead anywhere.
    Symlink,
    /// The file has other names (hard links), possibly outside the folder.
    HardLinked {
        links: u64,
    },
    /// A device, pipe or socket.
    NotRegular,
    TooLarge {
        bytes: u64,
        max: u64,
    },
    /// Not text in the encoding the folder reads (or neither UTF-8 nor GB18030).
    NotText {
        encoding: String,
        line: usize,
        byte_offset: usize,
    },
    /// CSV or JSON syntax.
    Malformed {
        message: String,
    },
    /// The spreadsheet cannot be read.
    Spreadsheet {
        message: String,
    },
    /// An XLSX decompressing to more than the folder allows (a zip bomb).
    Unzipped {
        max: u64,
    },
    /// A worksheet spanning more cells than anyone types (a cell far out of the data).
    TooManyCells {
        cells: u64,
        max: u64,
    },
    TooManyRows {
        max: usize,
    },
    NoSheet {
        name: String,
    },
    /// No heading row, or no data row.
    Empty,

    // The heading row.
    UnknownColumn,
    /// Two columns for the same field.
    DuplicateColumn {
        first: String,
    },
    /// Values in a column that has no heading.
    NoHeading,

    // A row.
    ColumnCount {
        expected: usize,
        found: usize,
    },
    /// A spreadsheet error value such as `#DIV/0!`.
    CellError {
        error: String,
    },
    /// A JSON value that is an object or array, not one value.
    NotAValue,
    Field(FieldError),
    DuplicateInFile {
        first_row: usize,
    },
    AlreadyRegistered {
        identifier: String,
    },
    Deleted {
        identifier: String,
    },
    /// No instrument has this identifier or asset number.
    NotFound,
    /// Several instruments carry this asset number.
    Ambiguous {
        count: usize,
    },
    /// An update row with neither an identifier nor an asset number.
    NoKey,
    /// The row's identifier is not that of the instrument its asset number names.
    IdentifierMismatch {
        found: String,
    },
}

/// The words for a field error, `[zh-CN, English]`. The workstation hands in its own (every
/// message a person reads lives there); [`plain_field_words`] is the stand-in.
pub type FieldWords = fn(&FieldError) -> [String; 2];

/// The field's names from the model and the error's English text.
pub fn plain_field_words(e: &FieldError) -> [String; 2] {
    let (zh, en) = e.field.labels();
    let text = e.to_string();
    let detail = text
        .split_once(": ")
        .map_or(text.as_str(), |(_, rest)| rest)
        .to_string();
    [format!("{zh}：{detail}"), format!("{en}: {detail}")]
}

impl Reason {
    /// The reason in words, `[zh-CN, English]`.
    pub fn words(&self, field_words: FieldWords) -> [String; 2] {
        let pair = |zh: &str, en: &str| [zh.to_string(), en.to_string()];
        match self {
            Reason::Unsupported { extension } if extension.is_empty() => pair(
                "文件名没有扩展名（可用 .csv、.xlsx、.xls、.json、.jsonl）",
                "the file name has no extension (.csv, .xlsx, .xls, .json, .jsonl)",
            ),
            Reason::Unsupported { extension } => [
                format!("不支持的文件类型“{extension}”（可用 CSV、XLSX、XLS、JSON、JSON Lines）"),
                format!("unsupported file type '{extension}' (CSV, XLSX, XLS, JSON, JSON lines)"),
            ],
            Reason::NameRefused => pair(
                "文件名含“..”或控制字符，已拒绝",
                "the file name holds '..' or control characters",
            ),
            Reason::Symlink => pair(
                "符号链接，不会跟随读取",
                "a symbolic link, which is never followed",
            ),
            Reason::HardLinked { links } => [
                format!("该文件有 {links} 个硬链接，可能指向文件夹以外"),
                format!("the file has {links} hard links, possibly outside the folder"),
            ],
            Reason::NotRegular => pair(
                "不是普通文件（设备、管道或套接字）",
                "not a regular file (a device, pipe or socket)",
            ),
            Reason::TooLarge { bytes, max } => [
                format!("文件大小 {bytes} 字节，超过上限 {max} 字节"),
                format!("the file is {bytes} bytes, more than the {max} allowed"),
            ],
            Reason::NotText {
                encoding,
                line,
                byte_offset,
            } => [
                format!("第 {line} 行（字节偏移 {byte_offset}）不是有效的 {encoding} 文本"),
                format!("line {line} (byte offset {byte_offset}) is not valid {encoding} text"),
            ],
            Reason::Malformed { message } => [
                format!("格式错误：{message}"),
                format!("malformed: {message}"),
            ],
            Reason::Spreadsheet { message } => [
                format!("无法读取表格文件：{message}"),
                format!("the spreadsheet cannot be read: {message}"),
            ],
            Reason::Unzipped { max } => [
                format!("XLSX 解压后超过 {max} 字节，已拒绝（疑似压缩炸弹）"),
                format!("the XLSX decompresses to more than {max} bytes (a zip bomb?)"),
            ],
            Reason::TooManyCells { cells, max } => [
                format!("工作表跨 {cells} 个单元格，超过上限 {max}"),
                format!("the worksheet spans {cells} cells, more than the {max} allowed"),
            ],
            Reason::TooManyRows { max } => [
                format!("数据超过 {max} 行"),
                format!("more than {max} data rows"),
            ],
            Reason::NoSheet { name } => [
                format!("没有名为“{name}”的工作表"),
                format!("no worksheet named '{name}'"),
            ],
            Reason::Empty => pair("没有表头行或没有数据行", "no heading row or no data row"),
            Reason::UnknownColumn => pair(
                "未知列：不是仪器字段或模板属性，请在文件夹的列映射中指定",
                "unknown column: no instrument field or template attribute; map it in the folder's settings",
            ),
            Reason::DuplicateColumn { first } => [
                format!("与列“{first}”对应同一字段"),
                format!("maps to the same field as column '{first}'"),
            ],
            Reason::NoHeading => pair("有数据但没有列标题", "values in a column without a heading"),
            Reason::ColumnCount { expected, found } => [
                format!("应有 {expected} 列，实际 {found} 列"),
                format!("{found} columns where the heading row has {expected}"),
            ],
            Reason::CellError { error } => [
                format!("单元格为错误值 {error}"),
                format!("the cell holds the error {error}"),
            ],
            Reason::NotAValue => pair(
                "应为单个值，而不是对象或数组",
                "an object or array where one value belongs",
            ),
            Reason::Field(e) => field_words(e),
            Reason::DuplicateInFile { first_row } => [
                format!("与第 {first_row} 行是同一台仪器"),
                format!("the same instrument as row {first_row}"),
            ],
            Reason::AlreadyRegistered { identifier } => [
                format!("仪器 {identifier} 已登记"),
                format!("instrument {identifier} is already registered"),
            ],
            Reason::Deleted { identifier } => [
                format!("仪器 {identifier} 已删除"),
                format!("instrument {identifier} was deleted"),
            ],
            Reason::NotFound => pair(
                "没有该标识或资产编号的仪器",
                "no instrument has this identifier or asset number",
            ),
            Reason::Ambiguous { count } => [
                format!("{count} 台仪器使用该资产编号，请改用标识"),
                format!("{count} instruments carry this asset number; use the identifier"),
            ],
            Reason::NoKey => pair(
                "既没有标识也没有资产编号，无法找到要更新的仪器",
                "neither an identifier nor an asset number names the instrument to update",
            ),
            Reason::IdentifierMismatch { found } => [
                format!("资产编号对应的仪器是 {found}，与标识不符"),
                format!("the asset number names {found}, not this identifier"),
            ],
        }
    }
}

/// The heading a field error is reported under when no column holds the field.
pub(crate) fn field_heading(field: &Field) -> String {
    field.key()
}
