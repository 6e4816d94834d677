//! The monthly operating report (二级节点系统运行月度报告, annex 3 of the docking guide) for
//! the whole node or one enterprise prefix: figures computed by pure functions from what the
//! node measured ([`ReportInput`] -> [`Figures`]), rendered in the annex's order as an A4 PDF
//! (zh-CN or English, subset CJK font, vector charts) and as CSV; drafts keep person-written
//! text per section; an issued report has a number and the SHA-256 of its bytes.
//!
//! The recipe, for the node and workstation code that calls it:
//! ```text
//! let draft = Draft::new(scope, month, Language::Zh);          // + set_section(...)
//! let out = preview(&input, &draft)?;                           // out.pdf.pdf, out.csv
//! let (issued, out) = issue(&input, &draft, ReportNumber::first(&scope, month),
//!                           now, "operator", None)?;            // store issued + out.pdf.pdf
//! issued.verify(&pdf_bytes)?;                                   // later
//! ```
//! No I/O, no clock (times are passed in), nothing panics on input.

mod charts;
mod csv_out;
pub mod draft;
pub mod figures;
pub mod input;
pub mod interval;
pub mod render;
pub mod time;
pub mod words;

use chrono::{DateTime, Utc};

pub use draft::{current_version, Draft, IssuedReport, ReportNumber, SectionKey, Submission};
pub use figures::{effective_by_day, Figures, RegistrationTiming};
pub use idstation_documents::{Language, Rendered};
pub use input::{
    AvailabilityLog, BusinessFigures, DailyFigures, DetectedAttack, Effective, EventType, Incident,
    Latency, Maintenance, OrderCount, Peak, ProbeDay, ReportInput, Run, RunEnd, Scope, ServiceType,
    Turnaround,
};
pub use render::RenderOptions;
pub use time::YearMonth;

/// Why a report could not be computed, rendered or issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    #[error("not a month: {0}")]
    InvalidMonth(String),
    #[error("the figures are inconsistent: {0}")]
    InvalidInput(String),
    #[error("the draft is for {draft}, the figures for {figures}")]
    DraftMismatch { draft: String, figures: String },
    #[error("not a report number: {0}")]
    InvalidNumber(String),
    #[error("report number {0} does not fit this issue (scope, month or version)")]
    NumberMismatch(String),
    #[error("report {0} is for another scope or month and cannot be superseded by this one")]
    SupersedesOther(String),
    #[error("report {number}: the PDF's SHA-256 is {actual}, the issued report's {expected}")]
    HashMismatch {
        number: String,
        expected: String,
        actual: String,
    },
    #[error("section {section} is longer than {max} characters")]
    SectionTooLong { section: &'static str, max: usize },
    #[error("the document could not be made: {0}")]
    Document(String),
}

/// A rendered report: the PDF, the CSV of every figure, and the figures themselves.
#[derive(Debug, Clone)]
pub struct Output {
    pub pdf: Rendered,
    pub csv: Vec<u8>,
    pub figures: Figures,
}

fn check(input: &ReportInput, draft: &Draft) -> Result<(), ReportError> {
    if input.scope != draft.scope || input.month != draft.month {
        return Err(ReportError::DraftMismatch {
            draft: format!("{} {}", draft.scope.prefix(), draft.month),
            figures: format!("{} {}", input.scope.prefix(), input.month),
        });
    }
    Ok(())
}

/// The draft rendered from the latest figures (watermarked 草稿 / DRAFT, no number).
pub fn preview(input: &ReportInput, draft: &Draft) -> Result<Output, ReportError> {
    check(input, draft)?;
    let figures = Figures::compute(input)?;
    let pdf = render::render_pdf(input, &figures, draft, &RenderOptions::default())?;
    let csv = csv_out::to_csv(&figures, draft.language)?;
    Ok(Output { pdf, csv, figures })
}

/// Issues the draft as `number`: renders it with its number and date and records the hashes.
/// The same input, draft, number and time always give the same bytes.
pub fn issue(
    input: &ReportInput,
    draft: &Draft,
    number: ReportNumber,
    issued_at: DateTime<Utc>,
    issued_by: &str,
    supersedes: Option<&IssuedReport>,
) -> Result<(IssuedReport, Output), ReportError> {
    check(input, draft)?;
    let figures = Figures::compute(input)?;
    let opts = RenderOptions {
        number: Some(number.clone()),
        issued_at: Some(issued_at),
        supersedes: supersedes.map(|s| s.number().clone()),
    };
    let pdf = render::render_pdf(input, &figures, draft, &opts)?;
    let csv = csv_out::to_csv(&figures, draft.language)?;
    let issued = IssuedReport::issue(
        draft, number, issued_at, issued_by, &pdf.pdf, &csv, supersedes,
    )?;
    Ok((issued, Output { pdf, csv, figures }))
}

/// The CSV of every figure, on its own.
pub fn figures_csv(figures: &Figures, language: Language) -> Result<Vec<u8>, ReportError> {
    csv_out::to_csv(figures, language)
}
