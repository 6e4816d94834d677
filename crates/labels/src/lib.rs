//! Labels: templates placed in millimetres, rendered to one bitmap (Chinese text rasterised on the
//! host with the bundled Noto Sans CJK SC subset, so no printer font is ever needed), then written
//! as ZPL II, TSPL, PDF or PNG; printer transports (raw TCP 9100 with status queries, CUPS `lp`,
//! device files) and printer status parsing.
//!
//! No I/O here except in [`transport`] (and the OS-specific part of it in `platform`); nothing panics on user or network input.

pub mod canvas;
pub mod code128;
pub mod data;
#[cfg(feature = "fake-printer")]
pub mod fake_printer;
pub mod font;
pub mod output;
mod platform;
pub mod printer;
pub mod qr;
pub mod render;
pub mod status;
pub mod template;
pub mod transport;

pub use canvas::{Canvas, Pixel};
pub use data::{qr_payload, LabelData};
pub use output::{to_pdf, to_png, to_tspl, to_zpl, zpl_field_hex, Format, ZplOptions};
pub use printer::{Language, PrinterProfile};
pub use qr::Ecc;
pub use render::{RenderOptions, RenderedLabel, Renderer};
pub use status::{PrinterState, PrinterStatus};
pub use template::{builtin, builtin_names, Align, Element, Ink, LabelTemplate, Rgb};
pub use transport::{Transport, TransportError};

/// Why a label could not be made. Nothing is printed or stored when one of these comes back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LabelError {
    #[error("the label needs these fields, which are empty: {}", .0.join(", "))]
    MissingFields(Vec<String>),
    #[error("the template is not valid: {0}")]
    InvalidTemplate(String),
    #[error("unsupported printer resolution {0} dpi (203, 300 or 600)")]
    UnsupportedDpi(u32),
    #[error("the QR code does not fit in {size_mm} mm at {dpi} dpi ({modules} modules)")]
    QrTooSmall {
        size_mm: String,
        dpi: u32,
        modules: usize,
    },
    #[error("the QR code cannot hold this text: {0}")]
    QrData(String),
    #[error("the barcode cannot encode '{0}'")]
    BarcodeData(String),
    #[error("the barcode '{0}' does not fit its box")]
    BarcodeTooWide(String),
    /// A code that would be cut by the label's edge (and so not scan) is refused; text, lines
    /// and boxes past an edge are clipped instead.
    #[error(
        "the {what} reaches past the label's edge ({width_mm} × {height_mm} mm); move it inside"
    )]
    OutsideLabel {
        what: CodeKind,
        width_mm: String,
        height_mm: String,
    },
    #[error("the logo image cannot be read: {0}")]
    Image(String),
    #[error("the PDF could not be made: {0}")]
    Pdf(String),
    #[error("the PNG could not be made: {0}")]
    Png(String),
    #[error("the bundled font cannot be read")]
    Font,
}

/// Which kind of code an [`LabelError::OutsideLabel`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    Qr,
    Code128,
}

impl std::fmt::Display for CodeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CodeKind::Qr => "QR code",
            CodeKind::Code128 => "barcode",
        })
    }
}

pub type Result<T, E = LabelError> = std::result::Result<T, E>;

/// Dots per millimetre at a resolution.
pub fn dots_per_mm(dpi: u32) -> f32 {
    dpi as f32 / 25.4
}

/// Millimetres to dots, rounded.
pub fn mm_to_dots(mm: f32, dpi: u32) -> i32 {
    (mm * dots_per_mm(dpi)).round() as i32
}
