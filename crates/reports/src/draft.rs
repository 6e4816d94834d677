//! Drafts and issued reports. A draft keeps the person-written text of each section; the
//! figures are computed afresh at every render from the latest synced data. Issuing fixes a
//! number and the SHA-256 of the PDF bytes; an issued report is never changed, and a
//! correction is a new version naming the one it supersedes. Storage and audit are the
//! caller's (phase 2); here are the types and the pure rules.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use idstation_documents::{sha256_hex, Language};
use serde::{Deserialize, Serialize};

use crate::input::Scope;
use crate::time::YearMonth;
use crate::ReportError;

/// The sections a person can write in; their text follows the computed content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKey {
    /// 一、摘要, after the SLA sentence.
    Summary,
    /// 二、服务运行情况, after the tables.
    Service,
    /// 三、运行维护情况, after the maintenance and emergency tables.
    Maintenance,
    /// 四、业务情况, after the figures and charts.
    Business,
}

impl SectionKey {
    pub const ALL: [SectionKey; 4] = [
        SectionKey::Summary,
        SectionKey::Service,
        SectionKey::Maintenance,
        SectionKey::Business,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SectionKey::Summary => "summary",
            SectionKey::Service => "service",
            SectionKey::Maintenance => "maintenance",
            SectionKey::Business => "business",
        }
    }

    pub fn parse(s: &str) -> Option<SectionKey> {
        SectionKey::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Longest text a section keeps (characters): a few pages of prose.
pub const MAX_SECTION_CHARS: usize = 20_000;

/// A report being written: scope, month, language and the person-written text per section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub scope: Scope,
    pub month: YearMonth,
    pub language: Language,
    pub sections: BTreeMap<SectionKey, String>,
}

impl Draft {
    pub fn new(scope: Scope, month: YearMonth, language: Language) -> Draft {
        Draft {
            scope,
            month,
            language,
            sections: BTreeMap::new(),
        }
    }

    /// Sets a section's text (empty removes it).
    pub fn set_section(&mut self, key: SectionKey, text: &str) -> Result<(), ReportError> {
        let text = text.trim();
        if text.chars().count() > MAX_SECTION_CHARS {
            return Err(ReportError::SectionTooLong {
                section: key.as_str(),
                max: MAX_SECTION_CHARS,
            });
        }
        if text.is_empty() {
            self.sections.remove(&key);
        } else {
            self.sections.insert(key, text.to_string());
        }
        Ok(())
    }

    pub fn section(&self, key: SectionKey) -> Option<&str> {
        self.sections.get(&key).map(String::as_str)
    }
}

/// A report number: `<prefix>-YB-<YYYYMM>-<version>`, e.g. `88.118-YB-202603-01`. The version
/// counts issues of the same scope and month; a correction is the next version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ReportNumber {
    pub prefix: String,
    pub month: YearMonth,
    pub version: u32,
}

impl ReportNumber {
    pub fn first(scope: &Scope, month: YearMonth) -> ReportNumber {
        ReportNumber {
            prefix: scope.prefix().to_string(),
            month,
            version: 1,
        }
    }

    pub fn next(&self) -> ReportNumber {
        ReportNumber {
            version: self.version + 1,
            ..self.clone()
        }
    }

    pub fn parse(s: &str) -> Result<ReportNumber, ReportError> {
        let bad = || ReportError::InvalidNumber(s.to_string());
        let mut parts = s.trim().rsplitn(4, '-');
        let version = parts.next().ok_or_else(bad)?;
        let ym = parts.next().ok_or_else(bad)?;
        let yb = parts.next().ok_or_else(bad)?;
        let prefix = parts.next().ok_or_else(bad)?;
        if yb != "YB" || ym.len() != 6 || prefix.is_empty() {
            return Err(bad());
        }
        let year = ym[..4].parse().map_err(|_| bad())?;
        let month = ym[4..].parse().map_err(|_| bad())?;
        let version: u32 = version.parse().map_err(|_| bad())?;
        if version == 0 {
            return Err(bad());
        }
        Ok(ReportNumber {
            prefix: prefix.to_string(),
            month: YearMonth::new(year, month).map_err(|_| bad())?,
            version,
        })
    }
}

impl fmt::Display for ReportNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-YB-{:04}{:02}-{:02}",
            self.prefix, self.month.year, self.month.month, self.version
        )
    }
}

/// An issued report: what was issued, when, by whom, and the SHA-256 of the exact PDF bytes.
/// Its fields are read-only; the only way to make one is [`IssuedReport::issue`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedReport {
    number: ReportNumber,
    scope: Scope,
    language: Language,
    issued_at: DateTime<Utc>,
    issued_by: String,
    /// Lower-case hex SHA-256 of the PDF.
    sha256: String,
    pdf_len: u64,
    /// SHA-256 of the CSV of figures issued with it.
    csv_sha256: String,
    /// The number of the report this one corrects.
    supersedes: Option<ReportNumber>,
    /// The draft's text as issued.
    sections: BTreeMap<SectionKey, String>,
}

impl IssuedReport {
    /// Records an issue of `draft` as `number`, with the bytes it was rendered to. A correction
    /// must be the next version of the report it supersedes (same scope and month).
    #[allow(clippy::too_many_arguments)]
    pub fn issue(
        draft: &Draft,
        number: ReportNumber,
        issued_at: DateTime<Utc>,
        issued_by: &str,
        pdf: &[u8],
        csv: &[u8],
        supersedes: Option<&IssuedReport>,
    ) -> Result<IssuedReport, ReportError> {
        if number.prefix != draft.scope.prefix() || number.month != draft.month {
            return Err(ReportError::NumberMismatch(number.to_string()));
        }
        if let Some(prev) = supersedes {
            if prev.scope != draft.scope || prev.number.month != draft.month {
                return Err(ReportError::SupersedesOther(prev.number.to_string()));
            }
            if number != prev.number.next() {
                return Err(ReportError::NumberMismatch(number.to_string()));
            }
        } else if number.version != 1 {
            return Err(ReportError::NumberMismatch(number.to_string()));
        }
        if issued_by.trim().is_empty() {
            return Err(ReportError::InvalidInput("issued by nobody".into()));
        }
        Ok(IssuedReport {
            number,
            scope: draft.scope.clone(),
            language: draft.language,
            issued_at,
            issued_by: issued_by.trim().to_string(),
            sha256: sha256_hex(pdf),
            pdf_len: pdf.len() as u64,
            csv_sha256: sha256_hex(csv),
            supersedes: supersedes.map(|p| p.number.clone()),
            sections: draft.sections.clone(),
        })
    }

    /// Whether these are the bytes that were issued.
    pub fn verify(&self, pdf: &[u8]) -> Result<(), ReportError> {
        let actual = sha256_hex(pdf);
        if actual == self.sha256 && pdf.len() as u64 == self.pdf_len {
            Ok(())
        } else {
            Err(ReportError::HashMismatch {
                number: self.number.to_string(),
                expected: self.sha256.clone(),
                actual,
            })
        }
    }

    pub fn number(&self) -> &ReportNumber {
        &self.number
    }
    pub fn scope(&self) -> &Scope {
        &self.scope
    }
    pub fn month(&self) -> YearMonth {
        self.number.month
    }
    pub fn language(&self) -> Language {
        self.language
    }
    pub fn issued_at(&self) -> DateTime<Utc> {
        self.issued_at
    }
    pub fn issued_by(&self) -> &str {
        &self.issued_by
    }
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
    pub fn pdf_len(&self) -> u64 {
        self.pdf_len
    }
    pub fn csv_sha256(&self) -> &str {
        &self.csv_sha256
    }
    pub fn supersedes(&self) -> Option<&ReportNumber> {
        self.supersedes.as_ref()
    }
    pub fn sections(&self) -> &BTreeMap<SectionKey, String> {
        &self.sections
    }
}

/// The report in force for a scope and month among issued versions: the highest version
/// (each correction supersedes the one before).
pub fn current_version<'a>(
    issued: impl IntoIterator<Item = &'a IssuedReport>,
    scope: &Scope,
    month: YearMonth,
) -> Option<&'a IssuedReport> {
    issued
        .into_iter()
        .filter(|r| r.scope() == scope && r.month() == month)
        .max_by_key(|r| r.number.version)
}

/// An issued report as a workstation submits it to the node through sync (the payload of a
/// `report` create op): what was issued and its bytes, which the node checks against the
/// recorded hashes before it keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    pub issued: IssuedReport,
    /// The PDF, base64 (standard alphabet).
    pub pdf: String,
    /// The CSV of figures, base64.
    pub csv: String,
}

impl Submission {
    pub fn new(issued: &IssuedReport, pdf: &[u8], csv: &[u8]) -> Submission {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        Submission {
            issued: issued.clone(),
            pdf: b64.encode(pdf),
            csv: b64.encode(csv),
        }
    }

    /// The PDF and CSV bytes, checked against the issued report's hashes.
    pub fn open(&self) -> Result<(Vec<u8>, Vec<u8>), ReportError> {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let number = self.issued.number.to_string();
        let bad =
            |what: &str| ReportError::InvalidInput(format!("{number}: the {what} is no base64"));
        let pdf = b64.decode(&self.pdf).map_err(|_| bad("PDF"))?;
        let csv = b64.decode(&self.csv).map_err(|_| bad("CSV"))?;
        self.issued.verify(&pdf)?;
        if sha256_hex(&csv) != self.issued.csv_sha256 {
            return Err(ReportError::HashMismatch {
                number,
                expected: self.issued.csv_sha256.clone(),
                actual: sha256_hex(&csv),
            });
        }
        Ok((pdf, csv))
    }
}
