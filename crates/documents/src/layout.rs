//! Lays blocks out on A4 pages: text wrapped to the width, a block that does not fit moves to
//! the next page, headings stay with what follows, tables continue onto the next page under
//! their repeated header rows (a row taller than a page is split between its lines). Page
//! furniture (header, "第 x 页 / 共 y 页", watermark) is added once the page count is known.

use std::collections::BTreeSet;

use crate::document::{Align, Block, Cell, Document, Language, Meta, Paragraph, Table};
use crate::drawing::{Color, Drawing, Shape};
use crate::font::{Face, EM_ASCENT, EM_DESCENT};
use crate::image::{decode_png, RgbImage};
use crate::text::{printable, wrap};
use crate::{DocError, Result};

pub const PAGE_W: f32 = 210.0;
pub const PAGE_H: f32 = 297.0;
pub const LEFT: f32 = 22.0;
pub const RIGHT: f32 = 20.0;
pub const TOP: f32 = 25.0;
pub const BOTTOM: f32 = 277.0;
pub const TEXT_W: f32 = PAGE_W - LEFT - RIGHT;

/// Millimetres per point.
pub const PT_MM: f32 = 25.4 / 72.0;

/// Line pitch for text of `size` points, in mm.
fn pitch(size: f32) -> f32 {
    size * 1.5 * PT_MM
}

/// Something on a laid-out page (coordinates in mm, origin top-left).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    Shape(Shape),
    Image {
        index: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// The laid-out document.
pub(crate) struct Laid {
    pub pages: Vec<Vec<Item>>,
    pub images: Vec<RgbImage>,
    /// Characters the bundled face lacks (drawn as □).
    pub missing: BTreeSet<char>,
}

pub(crate) fn lay_out(doc: &Document) -> Result<Laid> {
    let mut c = Ctx {
        face: Face::shared()?,
        pages: Vec::new(),
        cur: Vec::new(),
        y: TOP,
        images: Vec::new(),
        missing: BTreeSet::new(),
    };
    let blocks = &doc.blocks;
    for (i, b) in blocks.iter().enumerate() {
        match b {
            Block::Title(t) => {
                let p = Paragraph::new(t.as_str())
                    .size(18.0)
                    .align(Align::Center)
                    .bold();
                c.paragraph(&p);
                c.y += 3.0;
            }
            Block::Heading { level, text } => {
                let (size, before, after) = if *level <= 1 {
                    (14.0, 5.0, 2.0)
                } else {
                    (12.0, 3.0, 1.5)
                };
                if c.y > TOP + 0.01 {
                    c.y += before;
                }
                // Keep the heading with the start of what follows it.
                let next = blocks.get(i + 1).map_or(0.0, |n| c.lead_height(n));
                c.need(pitch(size) + after + next);
                c.paragraph(&Paragraph::new(text.as_str()).size(size).bold());
                c.y += after;
            }
            Block::Paragraph(p) => {
                c.paragraph(p);
                c.y += 1.5;
            }
            Block::Table(t) => {
                c.table(t)?;
                c.y += 3.0;
            }
            Block::Figure { drawing, caption } => {
                c.figure(None, drawing, caption.as_deref());
            }
            Block::Image {
                png,
                width,
                caption,
            } => {
                let img = decode_png(png)?;
                let w = width.clamp(1.0, TEXT_W);
                let h = w * img.height as f32 / img.width as f32;
                c.images.push(img);
                let index = c.images.len() - 1;
                c.figure(Some((index, w, h)), &Drawing::new(w, h), caption.as_deref());
            }
            Block::Space(mm) => c.y += mm.max(0.0),
            Block::PageBreak => c.new_page(),
        }
    }
    if !c.cur.is_empty() || c.pages.is_empty() {
        c.new_page();
    }
    let mut pages = std::mem::take(&mut c.pages);
    let total = pages.len();
    for (i, page) in pages.iter_mut().enumerate() {
        furniture(c.face, &mut c.missing, &doc.meta, page, i + 1, total);
    }
    Ok(Laid {
        pages,
        images: c.images,
        missing: c.missing,
    })
}

struct Ctx {
    face: &'static Face,
    pages: Vec<Vec<Item>>,
    cur: Vec<Item>,
    y: f32,
    images: Vec<RgbImage>,
    missing: BTreeSet<char>,
}

/// A table cell ready to draw.
enum CellLay<'a> {
    Lines(Vec<String>),
    Drawing(&'a Drawing),
}

impl Ctx {
    fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.cur));
        self.y = TOP;
    }

    /// Moves to a new page unless `h` mm fit below the cursor (or the page is still empty).
    fn need(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > TOP + 0.01 {
            self.new_page();
        }
    }

    fn clean(&mut self, text: &str) -> String {
        printable(self.face, text, &mut self.missing)
    }

    fn shape(&mut self, s: Shape) {
        self.cur.push(Item::Shape(s));
    }

    /// One line of text in a line box of `pitch` mm whose top is `top`.
    #[allow(clippy::too_many_arguments)]
    fn line(
        &mut self,
        x: f32,
        top: f32,
        width: f32,
        size: f32,
        text: String,
        align: Align,
        bold: bool,
    ) {
        let em = size * PT_MM;
        let w = self.face.width_em(&text) * em;
        let x = match align {
            Align::Left => x,
            Align::Center => x + (width - w) / 2.0,
            Align::Right => x + width - w,
        };
        let baseline = top + (pitch(size) - em * (EM_ASCENT + EM_DESCENT)) / 2.0 + em * EM_ASCENT;
        self.shape(Shape::Text {
            x,
            y: baseline,
            size,
            text,
            color: Color::BLACK,
            bold,
            angle: 0.0,
        });
    }

    fn paragraph(&mut self, p: &Paragraph) {
        let text = self.clean(&p.text);
        let em = p.size * PT_MM;
        let indent = if p.indent { 2.0 } else { 0.0 };
        let lines = wrap(self.face, &text, TEXT_W / em, indent);
        for (i, l) in lines.into_iter().enumerate() {
            self.need(pitch(p.size));
            let x = if i == 0 { LEFT + indent * em } else { LEFT };
            let w = if i == 0 { TEXT_W - indent * em } else { TEXT_W };
            self.line(x, self.y, w, p.size, l, p.align, p.bold);
            self.y += pitch(p.size);
        }
    }

    /// How much of a block must fit on the page for a heading above it to stay there.
    fn lead_height(&self, b: &Block) -> f32 {
        match b {
            Block::Paragraph(p) => pitch(p.size) * 2.0,
            Block::Table(t) => {
                let cap = if t.caption.is_some() {
                    pitch(10.0)
                } else {
                    0.0
                };
                cap + pitch(t.size) * 3.0 + 4.0
            }
            Block::Figure { drawing, .. } => drawing.height + pitch(9.0),
            Block::Image { .. } => 40.0,
            Block::Heading { .. } => pitch(14.0) * 2.0,
            _ => 0.0,
        }
    }

    fn figure(&mut self, image: Option<(usize, f32, f32)>, d: &Drawing, caption: Option<&str>) {
        let caption = caption.map(|c| self.clean(c));
        let cap_h = if caption.is_some() {
            pitch(9.0) + 1.0
        } else {
            0.0
        };
        self.need(d.height + cap_h + 1.0);
        let x = LEFT + (TEXT_W - d.width).max(0.0) / 2.0;
        let y = self.y + 1.0;
        match image {
            Some((index, w, h)) => self.cur.push(Item::Image { index, x, y, w, h }),
            None => {
                let shapes: Vec<_> = d.shapes_at(x, y).collect();
                for s in shapes {
                    let s = match s {
                        Shape::Text {
                            x,
                            y,
                            size,
                            text,
                            color,
                            bold,
                            angle,
                        } => Shape::Text {
                            text: self.clean(&text),
                            x,
                            y,
                            size,
                            color,
                            bold,
                            angle,
                        },
                        other => other,
                    };
                    self.shape(s);
                }
            }
        }
        self.y = y + d.height;
        if let Some(cap) = caption {
            self.y += 1.0;
            let lines = wrap(self.face, &cap, TEXT_W / (9.0 * PT_MM), 0.0);
            for l in lines {
                self.line(LEFT, self.y, TEXT_W, 9.0, l, Align::Center, false);
                self.y += pitch(9.0);
            }
        }
        self.y += 3.0;
    }

    fn table(&mut self, t: &Table) -> Result<()> {
        let n = t.columns.len();
        if n == 0 {
            return Err(DocError::Table("a table needs at least one column".into()));
        }
        if let Some(bad) = t.header.iter().chain(&t.rows).find(|r| r.len() != n) {
            return Err(DocError::Table(format!(
                "a row has {} cells, the table {} columns",
                bad.len(),
                n
            )));
        }
        let total: f32 = t.columns.iter().map(|c| c.weight.max(0.0)).sum();
        if total <= 0.0 {
            return Err(DocError::Table("column weights must be positive".into()));
        }
        let widths: Vec<f32> = t
            .columns
            .iter()
            .map(|c| TEXT_W * c.weight.max(0.0) / total)
            .collect();
        let pad = (1.5, 1.0);
        let lh = pitch(t.size);
        let em = t.size * PT_MM;
        let header = self.prepare(&t.header, &widths, pad.0, em);
        let rows = self.prepare(&t.rows, &widths, pad.0, em);
        let lines_of = |r: &[CellLay]| {
            r.iter()
                .map(|c| match c {
                    CellLay::Lines(l) => l.len(),
                    CellLay::Drawing(_) => 0,
                })
                .max()
                .unwrap_or(0)
        };
        let drawing_h = |r: &[CellLay]| {
            r.iter()
                .map(|c| match c {
                    CellLay::Drawing(d) => d.height,
                    CellLay::Lines(_) => 0.0,
                })
                .fold(0.0f32, f32::max)
        };
        let row_h = |r: &[CellLay]| (lines_of(r) as f32 * lh).max(drawing_h(r)) + 2.0 * pad.1;
        let header_h: f32 = header.iter().map(|r| row_h(r)).sum();

        let caption = t.caption.as_ref().map(|c| self.clean(c));
        let cap_h = if caption.is_some() {
            pitch(10.0) + 1.0
        } else {
            0.0
        };
        let first = rows
            .first()
            .map_or(0.0, |r| row_h(r).min(lh * 3.0 + 2.0 * pad.1));
        self.need(cap_h + header_h + first);
        if let Some(cap) = caption {
            self.line(LEFT, self.y, TEXT_W, 10.0, cap, Align::Center, true);
            self.y += cap_h;
        }
        let draw_header = |c: &mut Ctx| {
            for r in &header {
                let h = row_h(r);
                c.row(t, &widths, r, 0, usize::MAX, h, true);
            }
        };
        draw_header(self);
        for r in &rows {
            let h = row_h(r);
            if self.y + h <= BOTTOM {
                self.row(t, &widths, r, 0, usize::MAX, h, false);
                continue;
            }
            let fits_on_a_page = h <= BOTTOM - TOP - header_h;
            if fits_on_a_page {
                self.new_page();
                draw_header(self);
                self.row(t, &widths, r, 0, usize::MAX, h, false);
                continue;
            }
            // Taller than a page: as many of its lines as fit, then the rest on the next.
            let total_lines = lines_of(r);
            let mut from = 0;
            while from < total_lines {
                let room = ((BOTTOM
                    - self.y
                    - 2.0 * pad.1
                    - drawing_h(r) * (from == 0) as u8 as f32)
                    / lh)
                    .floor()
                    .max(0.0) as usize;
                if room == 0 {
                    self.new_page();
                    draw_header(self);
                    continue;
                }
                let to = (from + room).min(total_lines);
                let h = ((to - from) as f32 * lh).max(if from == 0 { drawing_h(r) } else { 0.0 })
                    + 2.0 * pad.1;
                self.row(t, &widths, r, from, to, h, false);
                from = to;
                if from < total_lines {
                    self.new_page();
                    draw_header(self);
                }
            }
        }
        Ok(())
    }

    /// Cells wrapped to their columns.
    fn prepare<'t>(
        &mut self,
        rows: &'t [Vec<Cell>],
        widths: &[f32],
        pad: f32,
        em: f32,
    ) -> Vec<Vec<CellLay<'t>>> {
        rows.iter()
            .map(|r| {
                r.iter()
                    .zip(widths)
                    .map(|(cell, w)| match cell {
                        Cell::Text(s) => {
                            let s = self.clean(s);
                            let avail = ((w - 2.0 * pad) / em).max(1.0);
                            CellLay::Lines(wrap(self.face, &s, avail, 0.0))
                        }
                        Cell::Drawing(d) => CellLay::Drawing(d),
                    })
                    .collect()
            })
            .collect()
    }

    /// Draws lines `from..to` of a row (drawings only with its first line) at the cursor.
    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        t: &Table,
        widths: &[f32],
        r: &[CellLay],
        from: usize,
        to: usize,
        h: f32,
        header: bool,
    ) {
        let pad = (1.5, 1.0);
        let lh = pitch(t.size);
        let mut x = LEFT;
        for ((cell, w), col) in r.iter().zip(widths).zip(&t.columns) {
            if t.borders || header {
                self.shape(Shape::Rect {
                    x,
                    y: self.y,
                    w: *w,
                    h,
                    fill: header.then_some(Color::LIGHT_GREY),
                    stroke: t.borders.then_some((Color::GREY, 0.5)),
                });
            }
            let align = if header { Align::Center } else { col.align };
            match cell {
                CellLay::Lines(lines) => {
                    let shown: Vec<_> = lines
                        .iter()
                        .skip(from)
                        .take(to.saturating_sub(from))
                        .collect();
                    // Centred vertically in the row.
                    let mut top = self.y + (h - shown.len() as f32 * lh) / 2.0;
                    for l in shown {
                        self.line(
                            x + pad.0,
                            top,
                            w - 2.0 * pad.0,
                            t.size,
                            l.clone(),
                            align,
                            header,
                        );
                        top += lh;
                    }
                }
                CellLay::Drawing(d) if from == 0 => {
                    let dx = match align {
                        Align::Left => pad.0,
                        Align::Center => (w - d.width) / 2.0,
                        Align::Right => w - pad.0 - d.width,
                    };
                    let dy = (h - d.height) / 2.0;
                    let shapes: Vec<_> = d.shapes_at(x + dx, self.y + dy).collect();
                    for s in shapes {
                        self.shape(s);
                    }
                }
                CellLay::Drawing(_) => {}
            }
            x += w;
        }
        self.y += h;
    }
}

/// The running header (header text, document number, a rule), the page number at the foot
/// and the watermark, on page `n` of `total`.
fn furniture(
    face: &Face,
    missing: &mut BTreeSet<char>,
    meta: &Meta,
    page: &mut Vec<Item>,
    n: usize,
    total: usize,
) {
    let mut extra = Vec::new();
    let mut text = |x: f32, y: f32, size: f32, s: &str, color: Color, angle: f32| {
        extra.push(Item::Shape(Shape::Text {
            x,
            y,
            size,
            text: printable(face, s, missing),
            color,
            bold: false,
            angle,
        }))
    };
    if let Some(w) = &meta.watermark {
        let size = 96.0;
        let em = size * PT_MM;
        let width = face.width_em(w) * em;
        let a = 35f32.to_radians();
        // Centre the text on the page, turned `a` counter-clockwise (y grows downward here).
        let (dx, dy) = (a.cos(), -a.sin());
        let (nx, ny) = (a.sin(), a.cos());
        let half_h = em * (EM_ASCENT - EM_DESCENT) / 2.0;
        let x = PAGE_W / 2.0 - dx * width / 2.0 + nx * half_h;
        let y = PAGE_H / 2.0 - dy * width / 2.0 + ny * half_h;
        text(x, y, size, w, Color::rgb(228, 228, 228), 35.0);
    }
    let size = 9.0;
    let em = size * PT_MM;
    if !meta.header.is_empty() {
        text(LEFT, 15.0, size, &meta.header, Color::GREY, 0.0);
    }
    if !meta.number.is_empty() {
        let s = match meta.language {
            Language::Zh => format!("编号：{}", meta.number),
            Language::En => format!("No. {}", meta.number),
        };
        let w = face.width_em(&s) * em;
        text(PAGE_W - RIGHT - w, 15.0, size, &s, Color::GREY, 0.0);
    }
    let s = match meta.language {
        Language::Zh => format!("第 {n} 页 / 共 {total} 页"),
        Language::En => format!("Page {n} / {total}"),
    };
    let w = face.width_em(&s) * em;
    text((PAGE_W - w) / 2.0, 287.0, size, &s, Color::GREY, 0.0);
    extra.push(Item::Shape(Shape::Line {
        points: vec![(LEFT, 17.0), (PAGE_W - RIGHT, 17.0)],
        width: 0.5,
        color: Color::GREY,
        dash: None,
    }));
    // The watermark goes under the page's content, the rest on top.
    let watermark = meta.watermark.is_some() as usize;
    let rest = extra.split_off(watermark);
    page.splice(0..0, extra);
    page.extend(rest);
}
