//! A4 documents as PDF, shared by the monthly operating report and calibration certificates:
//! a [`Document`] is metadata plus blocks (title, headings, paragraphs of Chinese and Latin
//! text, tables whose header rows repeat on every page, figures drawn as vectors — plotters
//! charts through [`chart::chart`], QR codes — and PNG images), laid out on A4 with the
//! document number and "第 x 页 / 共 y 页" on every page.
//!
//! The bundled Noto Sans CJK SC is embedded as a subset of the glyphs used (printpdf's
//! subsetting), so a report is tens of kilobytes, not 3 MB. Output is deterministic: the same
//! document (and `Meta::created`) gives the same bytes, so [`Rendered::sha256`] identifies an
//! issued document. No I/O, no clock, nothing panics on caller text.

pub mod chart;
pub mod document;
pub mod drawing;
pub mod font;
pub mod image;
mod layout;
mod pdf;
pub mod text;

pub use document::{Align, Block, Cell, Column, Document, Language, Meta, Paragraph, Table};
pub use drawing::{Color, Drawing, Shape};
pub use layout::{BOTTOM, LEFT, PAGE_H, PAGE_W, RIGHT, TEXT_W, TOP};

/// Why a document could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocError {
    #[error("the bundled font cannot be read")]
    Font,
    #[error("the image cannot be used: {0}")]
    Image(String),
    #[error("the QR code cannot hold this text: {0}")]
    Qr(String),
    #[error("the table is not well formed: {0}")]
    Table(String),
    #[error("the chart could not be drawn: {0}")]
    Chart(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

pub type Result<T, E = DocError> = std::result::Result<T, E>;

/// A finished PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub pages: usize,
    /// Lower-case hex SHA-256 of `pdf`.
    pub sha256: String,
    /// Characters the bundled face lacks; each was printed as □.
    pub missing_chars: Vec<char>,
}

/// Lower-case hex SHA-256 of some bytes (how an issued document's hash is written down).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

impl Document {
    /// Lays the document out and writes it as PDF.
    pub fn render(&self) -> Result<Rendered> {
        let laid = layout::lay_out(self)?;
        let pdf = pdf::write(&self.meta, &laid)?;
        Ok(Rendered {
            sha256: sha256_hex(&pdf),
            pages: laid.pages.len(),
            missing_chars: laid.missing.into_iter().collect(),
            pdf,
        })
    }
}
