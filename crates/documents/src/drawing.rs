//! Vector drawings in millimetres (origin top-left, y down): the one shape vocabulary that
//! charts, QR codes and the laid-out pages are made of before they become PDF operators.

use idstation_labels::qr::{self, Ecc};

use crate::{DocError, Result};

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Color {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

impl Color {
    pub const BLACK: Color = Color::rgb(0, 0, 0);
    pub const WHITE: Color = Color::rgb(255, 255, 255);
    /// Table header shading and rules that should recede.
    pub const LIGHT_GREY: Color = Color::rgb(235, 235, 235);
    pub const GREY: Color = Color::rgb(110, 110, 110);

    pub const fn rgb(r: u8, g: u8, b: u8) -> Color {
        Color { r, g, b }
    }
}

/// A point in millimetres.
pub type Pt2 = (f32, f32);

/// One thing drawn. Text sizes and line widths are in points, positions in millimetres.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A line of text with its baseline starting at (x, y), turned `angle` degrees
    /// counter-clockwise; `bold` strokes the outline too (the bundled face has one weight).
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
        color: Color,
        bold: bool,
        angle: f32,
    },
    /// An open polyline.
    Line {
        points: Vec<Pt2>,
        width: f32,
        color: Color,
        dash: Option<(f32, f32)>,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Color>,
        stroke: Option<(Color, f32)>,
    },
    /// Closed rings filled together as one path (non-zero winding), so touching rings show
    /// no seams between them (QR modules).
    Fill { rings: Vec<Vec<Pt2>>, color: Color },
}

impl Shape {
    fn translated(&self, dx: f32, dy: f32) -> Shape {
        let mv = |pts: &[Pt2]| pts.iter().map(|(x, y)| (x + dx, y + dy)).collect();
        match self {
            Shape::Text {
                x,
                y,
                size,
                text,
                color,
                bold,
                angle,
            } => Shape::Text {
                x: x + dx,
                y: y + dy,
                size: *size,
                text: text.clone(),
                color: *color,
                bold: *bold,
                angle: *angle,
            },
            Shape::Line {
                points,
                width,
                color,
                dash,
            } => Shape::Line {
                points: mv(points),
                width: *width,
                color: *color,
                dash: *dash,
            },
            Shape::Rect {
                x,
                y,
                w,
                h,
                fill,
                stroke,
            } => Shape::Rect {
                x: x + dx,
                y: y + dy,
                w: *w,
                h: *h,
                fill: *fill,
                stroke: *stroke,
            },
            Shape::Fill { rings, color } => Shape::Fill {
                rings: rings.iter().map(|r| mv(r)).collect(),
                color: *color,
            },
        }
    }
}

/// A box of shapes, `width` x `height` mm, placed as one piece (a figure, a table cell).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Drawing {
    pub width: f32,
    pub height: f32,
    pub shapes: Vec<Shape>,
}

impl Drawing {
    pub fn new(width: f32, height: f32) -> Drawing {
        Drawing {
            width,
            height,
            shapes: Vec::new(),
        }
    }

    pub fn push(&mut self, shape: Shape) -> &mut Self {
        self.shapes.push(shape);
        self
    }

    /// Text with its baseline at (x, y), upright, regular weight.
    pub fn text(&mut self, x: f32, y: f32, size: f32, text: &str, color: Color) -> &mut Self {
        self.push(Shape::Text {
            x,
            y,
            size,
            text: text.to_string(),
            color,
            bold: false,
            angle: 0.0,
        })
    }

    pub fn line(&mut self, from: Pt2, to: Pt2, width: f32, color: Color) -> &mut Self {
        self.push(Shape::Line {
            points: vec![from, to],
            width,
            color,
            dash: None,
        })
    }

    pub fn rect(
        &mut self,
        (x, y, w, h): (f32, f32, f32, f32),
        fill: Option<Color>,
        stroke: Option<(Color, f32)>,
    ) -> &mut Self {
        self.push(Shape::Rect {
            x,
            y,
            w,
            h,
            fill,
            stroke,
        })
    }

    /// Another drawing's shapes, its top-left corner at (x, y) of this one.
    pub fn embed(&mut self, other: &Drawing, x: f32, y: f32) -> &mut Self {
        self.shapes
            .extend(other.shapes.iter().map(|s| s.translated(x, y)));
        self
    }

    /// The shapes moved by (dx, dy).
    pub(crate) fn shapes_at(&self, dx: f32, dy: f32) -> impl Iterator<Item = Shape> + '_ {
        self.shapes.iter().map(move |s| s.translated(dx, dy))
    }

    /// A QR code `size` mm square including its four-module quiet zone, error correction M,
    /// drawn as vector modules (one filled path: sharp at any zoom, a few hundred bytes).
    pub fn qr(payload: &str, size: f32) -> Result<Drawing> {
        Self::qr_with(payload, size, Ecc::M)
    }

    pub fn qr_with(payload: &str, size: f32, ecc: Ecc) -> Result<Drawing> {
        let grid = qr::encode(payload, ecc).map_err(|e| DocError::Qr(e.to_string()))?;
        let n = grid.width;
        let module = size / (n + 8) as f32;
        let mut rings = Vec::new();
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if grid.dark[row * n + col] {
                    let start = col;
                    while col < n && grid.dark[row * n + col] {
                        col += 1;
                    }
                    let (x0, x1) = ((start + 4) as f32 * module, (col + 4) as f32 * module);
                    let (y0, y1) = ((row + 4) as f32 * module, (row + 5) as f32 * module);
                    rings.push(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)]);
                } else {
                    col += 1;
                }
            }
        }
        let mut d = Drawing::new(size, size);
        d.push(Shape::Fill {
            rings,
            color: Color::BLACK,
        });
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_modules_fill_the_box_inside_the_quiet_zone() {
        let d = Drawing::qr("HTTPS://ID.EXAMPLE.CN/88.118.8/CAL-2026-000123", 30.0).expect("qr");
        let Some(Shape::Fill { rings, .. }) = d.shapes.first() else {
            panic!("one fill expected");
        };
        let (mut lo, mut hi) = (f32::MAX, f32::MIN);
        for p in rings.iter().flatten() {
            lo = lo.min(p.0).min(p.1);
            hi = hi.max(p.0).max(p.1);
        }
        // Version 3 (29 modules) + 8 quiet modules: the code spans 29/37 of the box.
        let module = 30.0 / 37.0;
        assert!((lo - 4.0 * module).abs() < 1e-4, "{lo}");
        assert!((hi - 33.0 * module).abs() < 1e-4, "{hi}");
    }

    #[test]
    fn embedding_moves_every_point() {
        let mut inner = Drawing::new(10.0, 10.0);
        inner.line((0.0, 0.0), (10.0, 5.0), 0.5, Color::BLACK);
        let mut outer = Drawing::new(50.0, 50.0);
        outer.embed(&inner, 20.0, 30.0);
        assert_eq!(
            outer.shapes[0],
            Shape::Line {
                points: vec![(20.0, 30.0), (30.0, 35.0)],
                width: 0.5,
                color: Color::BLACK,
                dash: None
            }
        );
    }
}
