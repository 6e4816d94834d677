//! Text rasterised with the bundled CJK face. Glyph bitmaps are cached per size, so a batch of
//! labels rasterises each character once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};

use crate::{LabelError, Result};

/// Noto Sans CJK SC, subset to GB2312 plus the characters our own text uses (see
/// `assets/fonts/subset.py`; licence in `assets/fonts/OFL.txt`).
pub static FONT_BYTES: &[u8] =
    include_bytes!("../../../assets/fonts/NotoSansCJKsc-Regular-subset.otf");

/// One rasterised glyph: coverage thresholded to dots.
#[derive(Debug)]
struct GlyphBits {
    /// Offset of the bitmap's top-left from the pen position on the baseline.
    left: i32,
    top: i32,
    width: u32,
    height: u32,
    bits: Vec<bool>,
    advance: f32,
}

/// Lays out and rasterises single lines of text.
pub struct TextRasteriser {
    font: FontRef<'static>,
    cache: Mutex<HashMap<(char, u32), Arc<GlyphBits>>>,
}

/// A line of text as dots, positioned relative to its top-left corner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextBitmap {
    pub width: u32,
    pub height: u32,
    pub bits: Vec<bool>,
}

impl TextRasteriser {
    pub fn new() -> Result<TextRasteriser> {
        let font = FontRef::try_from_slice(FONT_BYTES).map_err(|_| LabelError::Font)?;
        Ok(TextRasteriser {
            font,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Whether the bundled face has this character (others print as a box).
    pub fn has_char(&self, c: char) -> bool {
        self.font.glyph_id(c).0 != 0
    }

    fn glyph(&self, c: char, px: f32) -> Arc<GlyphBits> {
        let key = (c, (px * 16.0).round() as u32);
        if let Ok(cache) = self.cache.lock() {
            if let Some(g) = cache.get(&key) {
                return g.clone();
            }
        }
        let scale = PxScale::from(px);
        let scaled = self.font.as_scaled(scale);
        let id = self.font.glyph_id(c);
        let advance = scaled.h_advance(id);
        let glyph = id.with_scale_and_position(scale, point(0.0, 0.0));
        let g = match self.font.outline_glyph(glyph) {
            Some(og) => {
                let b = og.px_bounds();
                let (w, h) = (b.width().max(0.0) as u32, b.height().max(0.0) as u32);
                let mut bits = vec![false; (w * h) as usize];
                og.draw(|x, y, cov| {
                    if cov >= 0.5 && x < w && y < h {
                        bits[(y * w + x) as usize] = true;
                    }
                });
                GlyphBits {
                    left: b.min.x.floor() as i32,
                    top: b.min.y.floor() as i32,
                    width: w,
                    height: h,
                    bits,
                    advance,
                }
            }
            None => GlyphBits {
                left: 0,
                top: 0,
                width: 0,
                height: 0,
                bits: vec![],
                advance,
            },
        };
        let g = Arc::new(g);
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(key, g.clone());
        }
        g
    }

    /// Width of a line in dots at `px` (the em size in dots).
    pub fn measure(&self, text: &str, px: f32) -> f32 {
        text.chars().map(|c| self.glyph(c, px).advance).sum()
    }

    /// Rasterises one line. Its box is the font's ascent + descent high.
    pub fn render_line(&self, text: &str, px: f32) -> TextBitmap {
        let scaled = self.font.as_scaled(PxScale::from(px));
        let ascent = scaled.ascent();
        let height = (ascent - scaled.descent()).ceil().max(1.0) as u32;
        let width = self.measure(text, px).ceil().max(1.0) as u32;
        let mut bits = vec![false; (width * height) as usize];
        let mut pen = 0.0f32;
        let baseline = ascent.round() as i32;
        for c in text.chars() {
            let g = self.glyph(c, px);
            let ox = pen.round() as i32 + g.left;
            let oy = baseline + g.top;
            for gy in 0..g.height {
                for gx in 0..g.width {
                    if g.bits[(gy * g.width + gx) as usize] {
                        let (x, y) = (ox + gx as i32, oy + gy as i32);
                        if x >= 0 && y >= 0 && (x as u32) < width && (y as u32) < height {
                            bits[(y as u32 * width + x as u32) as usize] = true;
                        }
                    }
                }
            }
            pen += g.advance;
        }
        TextBitmap {
            width,
            height,
            bits,
        }
    }
}
