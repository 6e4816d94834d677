//! Templates + data -> one label bitmap at the printer's resolution.

use crate::canvas::{Canvas, Pixel};
use crate::data::LabelData;
use crate::font::TextRasteriser;
use crate::qr::{self, Ecc};
use crate::template::{Align, Element, Ink, LabelTemplate, Rgb};
use crate::{code128, dots_per_mm, mm_to_dots, CodeKind, LabelError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// 203, 300 or 600; `None` uses the template's.
    pub dpi: Option<u32>,
    /// QR error correction unless the template sets its own.
    pub ecc: Ecc,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            dpi: None,
            ecc: Ecc::M,
        }
    }
}

/// Where a QR code sits, for printers that draw it natively (ZPL `^BQ`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrPlacement {
    /// Top-left of the symbol (without quiet zone), in dots.
    pub x: i32,
    pub y: i32,
    pub module_dots: u32,
    pub modules: usize,
    pub payload: String,
    pub ecc: Ecc,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RenderedLabel {
    pub canvas: Canvas,
    pub dpi: u32,
    pub width_mm: f32,
    pub height_mm: f32,
    pub accent: Option<Rgb>,
    pub qr: Vec<QrPlacement>,
}

/// Holds the font and its glyph cache; make one and render many labels with it.
pub struct Renderer {
    text: TextRasteriser,
}

fn pixel(ink: Ink) -> Pixel {
    match ink {
        Ink::Black => Pixel::Ink,
        Ink::Accent => Pixel::Accent,
        Ink::Paper => Pixel::Paper,
    }
}

impl Renderer {
    pub fn new() -> Result<Renderer> {
        Ok(Renderer {
            text: TextRasteriser::new()?,
        })
    }

    pub fn text(&self) -> &TextRasteriser {
        &self.text
    }

    pub fn render(
        &self,
        t: &LabelTemplate,
        data: &LabelData,
        opts: &RenderOptions,
    ) -> Result<RenderedLabel> {
        t.validate()?;
        let missing: Vec<String> = t
            .required
            .iter()
            .filter(|k| data.get(k).is_none())
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(LabelError::MissingFields(missing));
        }
        let dpi = opts.dpi.unwrap_or(t.dpi);
        if ![203, 300, 600].contains(&dpi) {
            return Err(LabelError::UnsupportedDpi(dpi));
        }
        let d = |mm: f32| mm_to_dots(mm, dpi);
        let mut canvas = Canvas::new(d(t.width_mm).max(1) as u32, d(t.height_mm).max(1) as u32);
        let mut qrs = Vec::new();
        let ecc = t.qr_ecc.unwrap_or(opts.ecc);
        let (cw, ch) = (canvas.width as i32, canvas.height as i32);
        let inside = |what: CodeKind, x: i32, y: i32, w: i32, h: i32| {
            if x >= 0 && y >= 0 && x.saturating_add(w) <= cw && y.saturating_add(h) <= ch {
                Ok(())
            } else {
                Err(LabelError::OutsideLabel {
                    what,
                    width_mm: format!("{}", t.width_mm),
                    height_mm: format!("{}", t.height_mm),
                })
            }
        };
        for e in &t.elements {
            match e {
                Element::Box {
                    x_mm,
                    y_mm,
                    width_mm,
                    height_mm,
                    thickness_mm,
                    fill,
                } => {
                    let (x, y, w, h) = (d(*x_mm), d(*y_mm), d(*width_mm), d(*height_mm));
                    match fill {
                        Some(ink) => canvas.fill_rect(x, y, w, h, pixel(*ink)),
                        None => {
                            let th = d(*thickness_mm).max(1);
                            canvas.fill_rect(x, y, w, th, Pixel::Ink);
                            canvas.fill_rect(x, y + h - th, w, th, Pixel::Ink);
                            canvas.fill_rect(x, y, th, h, Pixel::Ink);
                            canvas.fill_rect(x + w - th, y, th, h, Pixel::Ink);
                        }
                    }
                }
                Element::Line {
                    x1_mm,
                    y1_mm,
                    x2_mm,
                    y2_mm,
                    thickness_mm,
                    ink,
                } => draw_line(
                    &mut canvas,
                    (d(*x1_mm), d(*y1_mm)),
                    (d(*x2_mm), d(*y2_mm)),
                    d(*thickness_mm).max(1),
                    pixel(*ink),
                ),
                Element::Text {
                    x_mm,
                    y_mm,
                    size_mm,
                    text,
                    max_width_mm,
                    align,
                    ink,
                    only_if,
                } => {
                    if let Some(key) = only_if {
                        if data.get(key).is_none() {
                            continue;
                        }
                    }
                    let s = data.fill(text);
                    if s.trim().is_empty() {
                        continue;
                    }
                    self.draw_text(
                        &mut canvas,
                        &s,
                        (d(*x_mm), d(*y_mm)),
                        *size_mm * dots_per_mm(dpi),
                        max_width_mm.map(|w| w * dots_per_mm(dpi)),
                        *align,
                        pixel(*ink),
                    );
                }
                Element::Qr {
                    x_mm,
                    y_mm,
                    size_mm,
                } => {
                    let grid = qr::encode(&data.qr_payload, ecc)?;
                    // A two-module quiet zone inside the box; the label's margin adds to it.
                    let span = grid.width + 4;
                    let module = (d(*size_mm).max(0) as usize / span) as u32;
                    if module < 2 {
                        return Err(LabelError::QrTooSmall {
                            size_mm: format!("{size_mm}"),
                            dpi,
                            modules: grid.width,
                        });
                    }
                    let used = module as i32 * grid.width as i32;
                    let x0 = d(*x_mm) + (d(*size_mm) - used) / 2;
                    let y0 = d(*y_mm) + (d(*size_mm) - used) / 2;
                    let m = module as i32;
                    inside(CodeKind::Qr, x0, y0, used, used)?;
                    canvas.fill_rect(
                        x0 - 2 * m,
                        y0 - 2 * m,
                        used + 4 * m,
                        used + 4 * m,
                        Pixel::Paper,
                    );
                    for (i, dark) in grid.dark.iter().enumerate() {
                        if *dark {
                            let (cx, cy) = ((i % grid.width) as i32, (i / grid.width) as i32);
                            canvas.fill_rect(x0 + cx * m, y0 + cy * m, m, m, Pixel::Ink);
                        }
                    }
                    qrs.push(QrPlacement {
                        x: x0,
                        y: y0,
                        module_dots: module,
                        modules: grid.width,
                        payload: data.qr_payload.clone(),
                        ecc,
                    });
                }
                Element::Code128 {
                    x_mm,
                    y_mm,
                    width_mm,
                    height_mm,
                    text,
                } => {
                    let value = data.fill(text);
                    let modules = code128::encode(&value)?;
                    // Quiet zones of ten modules either side.
                    let n = modules.len() + 20;
                    let module = d(*width_mm).max(0) as usize / n;
                    if module < 1 {
                        return Err(LabelError::BarcodeTooWide(value));
                    }
                    let m = module as i32;
                    let x0 = d(*x_mm) + (d(*width_mm) - m * modules.len() as i32) / 2;
                    let (y0, h) = (d(*y_mm), d(*height_mm));
                    inside(CodeKind::Code128, x0, y0, m * modules.len() as i32, h)?;
                    for (i, bar) in modules.iter().enumerate() {
                        if *bar == 1 {
                            canvas.fill_rect(x0 + i as i32 * m, y0, m, h, Pixel::Ink);
                        }
                    }
                }
                Element::Image {
                    x_mm,
                    y_mm,
                    width_mm,
                    height_mm,
                    png_base64,
                } => draw_image(
                    &mut canvas,
                    png_base64,
                    (d(*x_mm), d(*y_mm)),
                    (d(*width_mm), d(*height_mm)),
                )?,
            }
        }
        Ok(RenderedLabel {
            canvas,
            dpi,
            width_mm: t.width_mm,
            height_mm: t.height_mm,
            accent: t.accent,
            qr: qrs,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn draw_text(
        &self,
        canvas: &mut Canvas,
        s: &str,
        (x, y): (i32, i32),
        px: f32,
        max_w: Option<f32>,
        align: Align,
        p: Pixel,
    ) {
        let mut px = px;
        let mut s = s.to_string();
        if let Some(max) = max_w {
            let w = self.text.measure(&s, px);
            if w > max {
                px = (px * max / w).max(px * 0.6);
                if self.text.measure(&s, px) > max {
                    let mut chars: Vec<char> = s.chars().collect();
                    while chars.len() > 1 {
                        chars.pop();
                        s = chars.iter().collect::<String>() + "…";
                        if self.text.measure(&s, px) <= max {
                            break;
                        }
                    }
                }
            }
        }
        let bm = self.text.render_line(&s, px);
        let x0 = match align {
            Align::Left => x,
            Align::Center => x - bm.width as i32 / 2,
            Align::Right => x - bm.width as i32,
        };
        for yy in 0..bm.height {
            for xx in 0..bm.width {
                if bm.bits[(yy * bm.width + xx) as usize] {
                    canvas.set(x0 + xx as i32, y + yy as i32, p);
                }
            }
        }
    }
}

fn draw_line(c: &mut Canvas, (x1, y1): (i32, i32), (x2, y2): (i32, i32), th: i32, p: Pixel) {
    let steps = (x2 - x1).abs().max((y2 - y1).abs()).max(1);
    for i in 0..=steps {
        let x = x1 + (x2 - x1) * i / steps;
        let y = y1 + (y2 - y1) * i / steps;
        c.fill_rect(x - th / 2, y - th / 2, th, th, p);
    }
}

fn draw_image(c: &mut Canvas, b64: &str, (x, y): (i32, i32), (w, h): (i32, i32)) -> Result<()> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| LabelError::Image(e.to_string()))?;
    let (iw, ih, grey) = crate::output::decode_png_grey(&bytes)?;
    if iw == 0 || ih == 0 || w <= 0 || h <= 0 {
        return Ok(());
    }
    // Only the part on the label is visited: a huge box past the edge costs nothing.
    let (ys, ye) = ((-y).max(0), h.min(c.height as i32 - y));
    let (xs, xe) = ((-x).max(0), w.min(c.width as i32 - x));
    for yy in ys..ye {
        for xx in xs..xe {
            let sx = (xx as usize * iw) / w as usize;
            let sy = (yy as usize * ih) / h as usize;
            if grey[sy * iw + sx] < 128 {
                c.set(x + xx, y + yy, Pixel::Ink);
            }
        }
    }
    Ok(())
}
