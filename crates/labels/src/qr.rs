//! QR codes as module grids.

use qrcode::{Color, EcLevel, QrCode};
use serde::{Deserialize, Serialize};

use crate::{LabelError, Result};

/// QR error correction level: M by default (15 %), Q (25 %) for labels that get scratched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Ecc {
    L,
    #[default]
    M,
    Q,
    H,
}

impl Ecc {
    pub fn parse(s: &str) -> Option<Ecc> {
        match s.trim().to_ascii_uppercase().as_str() {
            "L" => Some(Ecc::L),
            "M" => Some(Ecc::M),
            "Q" => Some(Ecc::Q),
            "H" => Some(Ecc::H),
            _ => None,
        }
    }

    pub fn as_char(self) -> char {
        match self {
            Ecc::L => 'L',
            Ecc::M => 'M',
            Ecc::Q => 'Q',
            Ecc::H => 'H',
        }
    }

    fn level(self) -> EcLevel {
        match self {
            Ecc::L => EcLevel::L,
            Ecc::M => EcLevel::M,
            Ecc::Q => EcLevel::Q,
            Ecc::H => EcLevel::H,
        }
    }
}

/// A square grid of modules, row by row, `true` for dark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrGrid {
    pub width: usize,
    pub dark: Vec<bool>,
}

pub fn encode(payload: &str, ecc: Ecc) -> Result<QrGrid> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), ecc.level())
        .map_err(|e| LabelError::QrData(e.to_string()))?;
    Ok(QrGrid {
        width: code.width(),
        dark: code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect(),
    })
}

/// Characters of QR alphanumeric mode (5.5 bits each instead of 8).
pub fn is_alphanumeric_mode(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b" $%*+-./:".contains(&b))
}
