//! What a person configures for one hot folder, serialisable as TOML or JSON (the app's settings
//! and `idstation watch --config`). The reading and validation half ([`ImportSettings`]) also
//! serves the one-shot import of a single file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use idstation_model::{Field, MetadataTemplate};
use serde::{Deserialize, Serialize};

use crate::HotFolderError;

/// How a folder learns that files arrived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchMode {
    /// File-system events (inotify on Linux), with a slow rescan as a safety net.
    #[default]
    Event,
    /// Lists the folder every `poll_ms`: network shares (SMB, NFS) send no events.
    Poll,
}

/// The text encoding of CSV files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    /// Valid UTF-8 (with or without BOM) is UTF-8; anything else is read as GB18030.
    #[default]
    Auto,
    Utf8,
    /// GB18030, which includes GBK and GB2312 (what Excel in China saves as "CSV").
    Gb18030,
}

/// What the rows of a file do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Each row registers a new instrument.
    #[default]
    Register,
    /// Each row changes a registered instrument (calibration results: date, result,
    /// certificate number, next due); an empty cell leaves its field as it is.
    Update,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Register => "register",
            Action::Update => "update",
        }
    }
}

/// How an update row names its instrument.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchBy {
    /// The identifier when the row has one, else the asset number.
    #[default]
    Auto,
    Identifier,
    AssetNo,
}

/// What to do with a column no field is known by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownColumns {
    /// The file is refused, naming the column: a typo never silently drops data.
    #[default]
    Reject,
    Ignore,
}

/// How a file is read and validated: per folder, or for a one-shot import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportSettings {
    pub action: Action,
    pub match_by: MatchBy,
    pub encoding: TextEncoding,
    /// Column heading -> field key (`name`, `cal_last_date`, `attr.environment`); an empty key
    /// ignores the column. Headings not listed are recognised as `instrument import` does (field
    /// keys, Chinese and English labels, template names and aliases).
    pub mapping: BTreeMap<String, String>,
    pub unknown_columns: UnknownColumns,
    /// The worksheet of an XLSX/XLS file; the first one when unset.
    pub sheet: Option<String>,
    /// Largest accepted file, in bytes.
    pub max_file_bytes: u64,
    /// Largest total an XLSX may decompress to, in bytes (zip bombs).
    pub max_unzipped_bytes: u64,
    /// Most data rows one file may hold.
    pub max_rows: usize,
}

impl Default for ImportSettings {
    fn default() -> Self {
        ImportSettings {
            action: Action::Register,
            match_by: MatchBy::Auto,
            encoding: TextEncoding::Auto,
            mapping: BTreeMap::new(),
            unknown_columns: UnknownColumns::Reject,
            sheet: None,
            max_file_bytes: 64 << 20,
            max_unzipped_bytes: 256 << 20,
            max_rows: 1_000_000,
        }
    }
}

/// Print a label for each imported row (wired in by the workstation; the queue is its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrintOnImport {
    /// A label template name (`identifier`, `cal-pass`, or one made on this workstation).
    pub template: String,
    pub printer: String,
}

/// One watched folder. Files are taken from `path` itself (not its subfolders) and end in
/// `path/archive/YYYY-MM-DD/` or `path/error/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FolderConfig {
    pub path: PathBuf,
    #[serde(default)]
    pub mode: WatchMode,
    /// How long a file's size and modification time must stay unchanged before it is taken.
    #[serde(default = "default_settle_ms")]
    pub settle_ms: u64,
    /// How often a `poll` folder is listed (an `event` folder is rescanned 30 times as rarely).
    #[serde(default = "default_poll_ms")]
    pub poll_ms: u64,
    /// `[folder.import]` in TOML.
    #[serde(default)]
    pub import: ImportSettings,
    #[serde(default)]
    pub print: Option<PrintOnImport>,
}

fn default_settle_ms() -> u64 {
    2000
}

fn default_poll_ms() -> u64 {
    2000
}

impl FolderConfig {
    /// A folder with every setting at its default.
    pub fn new(path: impl Into<PathBuf>) -> FolderConfig {
        FolderConfig {
            path: path.into(),
            mode: WatchMode::Event,
            settle_ms: default_settle_ms(),
            poll_ms: default_poll_ms(),
            import: ImportSettings::default(),
            print: None,
        }
    }

    pub fn archive_dir(&self) -> PathBuf {
        self.path.join(ARCHIVE_DIR)
    }

    pub fn error_dir(&self) -> PathBuf {
        self.path.join(ERROR_DIR)
    }
}

pub(crate) const ARCHIVE_DIR: &str = "archive";
pub(crate) const ERROR_DIR: &str = "error";

impl ImportSettings {
    /// Checks the mapping names real fields of `template`, before any file is read.
    pub fn check(&self, template: &MetadataTemplate) -> Result<(), HotFolderError> {
        for (heading, key) in &self.mapping {
            if key.trim().is_empty() {
                continue;
            }
            let known = match Field::from_key(key.trim()) {
                Some(Field::Attribute(name)) => template.field(&name).is_some(),
                Some(_) => true,
                None => false,
            };
            if !known {
                return Err(HotFolderError::Config(format!(
                    "the mapping of column '{heading}' names no field: '{key}'"
                )));
            }
        }
        if self.max_file_bytes == 0 || self.max_unzipped_bytes == 0 || self.max_rows == 0 {
            return Err(HotFolderError::Config(
                "max_file_bytes, max_unzipped_bytes and max_rows must be above zero".into(),
            ));
        }
        Ok(())
    }
}

/// A file of folder settings: `[[folder]]` tables in TOML, or `{"folder": [...]}` in JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HotFoldersConfig {
    #[serde(default, rename = "folder")]
    pub folders: Vec<FolderConfig>,
}

impl HotFoldersConfig {
    pub fn from_toml(text: &str) -> Result<Self, HotFolderError> {
        toml::from_str(text).map_err(|e| HotFolderError::Config(e.to_string()))
    }

    pub fn to_toml(&self) -> Result<String, HotFolderError> {
        toml::to_string(self).map_err(|e| HotFolderError::Config(e.to_string()))
    }

    pub fn from_json(text: &str) -> Result<Self, HotFolderError> {
        serde_json::from_str(text).map_err(|e| HotFolderError::Config(e.to_string()))
    }

    /// Reads a `.toml` or `.json` settings file.
    pub fn load(path: &Path) -> Result<Self, HotFolderError> {
        let text = std::fs::read_to_string(path).map_err(|source| HotFolderError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => Self::from_json(&text),
            _ => Self::from_toml(&text),
        }
    }
}
