//! Metrics of the bundled CJK face, for laying text out before it is written. The face's bytes
//! are the labels crate's (`idstation_labels::font::FONT_BYTES`), so a program that links both
//! carries the 3 MB font once; the PDF itself embeds only the glyphs a document uses.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use ab_glyph::{Font as _, FontRef};

use crate::{DocError, Result};

/// The bundled face (Noto Sans CJK SC, subset to GB2312 plus our own text; SIL OFL 1.1).
pub fn font_bytes() -> &'static [u8] {
    idstation_labels::font::FONT_BYTES
}

/// The ideographic em box of Noto CJK: ideographs sit from 0.88 em above the baseline to
/// 0.12 em below it. Lines are set by this box, not by the face's (taller) line metrics.
pub const EM_ASCENT: f32 = 0.88;
pub const EM_DESCENT: f32 = 0.12;

/// Advance widths and vertical metrics in em units (1.0 = the font size).
pub struct Face {
    font: FontRef<'static>,
    upem: f32,
    advances: Mutex<HashMap<char, f32>>,
}

impl Face {
    /// The process-wide face: parsing is cheap, but the advance cache pays off across documents.
    pub fn shared() -> Result<&'static Face> {
        static FACE: OnceLock<Option<Face>> = OnceLock::new();
        FACE.get_or_init(|| Face::parse().ok())
            .as_ref()
            .ok_or(DocError::Font)
    }

    fn parse() -> Result<Face> {
        let font = FontRef::try_from_slice(font_bytes()).map_err(|_| DocError::Font)?;
        let upem = font.units_per_em().ok_or(DocError::Font)?;
        Ok(Face {
            font,
            upem,
            advances: Mutex::new(HashMap::new()),
        })
    }

    /// Whether the face draws this character (others come out as the empty .notdef box).
    pub fn has_char(&self, c: char) -> bool {
        self.font.glyph_id(c).0 != 0
    }

    /// Advance of one character, in em.
    pub fn advance(&self, c: char) -> f32 {
        if let Ok(cache) = self.advances.lock() {
            if let Some(a) = cache.get(&c) {
                return *a;
            }
        }
        let a = self.font.h_advance_unscaled(self.font.glyph_id(c)) / self.upem;
        if let Ok(mut cache) = self.advances.lock() {
            cache.insert(c, a);
        }
        a
    }

    /// Width of a run of text, in em.
    pub fn width_em(&self, text: &str) -> f32 {
        text.chars().map(|c| self.advance(c)).sum()
    }

    /// Height above the baseline, in em.
    pub fn ascent(&self) -> f32 {
        self.font.ascent_unscaled() / self.upem
    }

    /// Depth below the baseline, in em (positive).
    pub fn descent(&self) -> f32 {
        -self.font.descent_unscaled() / self.upem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_one_em_and_latin_is_narrower() {
        let face = Face::shared().expect("bundled face");
        assert!((face.advance('报') - 1.0).abs() < 1e-3);
        let a = face.advance('a');
        assert!(a > 0.3 && a < 0.7, "advance of a = {a}");
        assert!(face.has_char('报') && face.has_char('Ω'));
        assert!(!face.has_char('\u{10FFFF}'));
        assert!(face.ascent() > 0.7 && face.descent() > 0.1);
    }
}
