//! A plotters backend that records vector shapes instead of pixels, so a chart is lines and
//! text in the PDF: sharp when printed, a few kilobytes, its Chinese labels drawn with the
//! document's own subset font (and found by text search). One backend unit is 0.1 mm.

use std::cell::RefCell;
use std::convert::Infallible;
use std::rc::Rc;

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, IntoDrawingArea};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontTransform,
};

use crate::drawing::{Color, Drawing, Shape};
use crate::font::{Face, EM_ASCENT, EM_DESCENT};
use crate::{DocError, Result};

/// Backend units per millimetre.
pub const UNITS_PER_MM: f32 = 10.0;

/// Font size for plotters' text styles, in backend units, from points.
pub fn font_units(pt: f32) -> f64 {
    (pt * 25.4 / 72.0 * UNITS_PER_MM) as f64
}

/// Draws a chart `width` x `height` mm with plotters and returns it as a [`Drawing`]. `draw`
/// gets the whole area; its error (plotters' own) is returned as [`DocError::Chart`].
pub fn chart<F>(width: f32, height: f32, draw: F) -> Result<Drawing>
where
    F: FnOnce(&DrawingArea<VectorBackend, Shift>) -> std::result::Result<(), String>,
{
    let shapes = Rc::new(RefCell::new(Vec::new()));
    let backend = VectorBackend {
        size: (
            (width * UNITS_PER_MM).round().max(1.0) as u32,
            (height * UNITS_PER_MM).round().max(1.0) as u32,
        ),
        face: Face::shared()?,
        shapes: shapes.clone(),
    };
    let area = backend.into_drawing_area();
    draw(&area).map_err(DocError::Chart)?;
    drop(area);
    let shapes = std::mem::take(&mut *shapes.borrow_mut());
    Ok(Drawing {
        width,
        height,
        shapes,
    })
}

/// Records plotters' drawing calls as [`Shape`]s.
pub struct VectorBackend {
    size: (u32, u32),
    face: &'static Face,
    /// Shared with [`chart`], which takes the shapes back once plotters drops the backend.
    shapes: Rc<RefCell<Vec<Shape>>>,
}

impl VectorBackend {
    fn push(&self, shape: Shape) {
        self.shapes.borrow_mut().push(shape);
    }
}

fn mm(c: BackendCoord) -> (f32, f32) {
    (c.0 as f32 / UNITS_PER_MM, c.1 as f32 / UNITS_PER_MM)
}

/// The colour as it looks on white paper (plotters' light grid lines are black at 10-20 %
/// alpha; blending here keeps the PDF free of transparency groups).
fn color(c: BackendColor) -> Color {
    let a = c.alpha.clamp(0.0, 1.0);
    let over_white = |v: u8| (255.0 - (255.0 - v as f64) * a).round() as u8;
    Color::rgb(
        over_white(c.rgb.0),
        over_white(c.rgb.1),
        over_white(c.rgb.2),
    )
}

/// Stroke width in points from backend units (a 1-unit hairline is 0.1 mm).
fn stroke_pt(units: u32) -> f32 {
    units.max(1) as f32 / UNITS_PER_MM * 72.0 / 25.4
}

type Res = std::result::Result<(), DrawingErrorKind<Infallible>>;

impl DrawingBackend for VectorBackend {
    type ErrorType = Infallible;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Res {
        Ok(())
    }

    fn present(&mut self) -> Res {
        Ok(())
    }

    fn draw_pixel(&mut self, point: BackendCoord, c: BackendColor) -> Res {
        if c.alpha > 0.0 {
            let (x, y) = mm(point);
            let side = 1.0 / UNITS_PER_MM;
            self.push(Shape::Rect {
                x,
                y,
                w: side,
                h: side,
                fill: Some(color(c)),
                stroke: None,
            });
        }
        Ok(())
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, s: &S) -> Res {
        if s.color().alpha > 0.0 {
            self.push(Shape::Line {
                points: vec![mm(from), mm(to)],
                width: stroke_pt(s.stroke_width()),
                color: color(s.color()),
                dash: None,
            });
        }
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        ul: BackendCoord,
        br: BackendCoord,
        s: &S,
        fill: bool,
    ) -> Res {
        if s.color().alpha > 0.0 {
            let ((x0, y0), (x1, y1)) = (mm(ul), mm(br));
            let c = color(s.color());
            self.push(Shape::Rect {
                x: x0.min(x1),
                y: y0.min(y1),
                w: (x1 - x0).abs(),
                h: (y1 - y0).abs(),
                fill: fill.then_some(c),
                stroke: (!fill).then(|| (c, stroke_pt(s.stroke_width()))),
            });
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        s: &S,
    ) -> Res {
        if s.color().alpha > 0.0 {
            let points: Vec<_> = path.into_iter().map(mm).collect();
            if points.len() > 1 {
                self.push(Shape::Line {
                    points,
                    width: stroke_pt(s.stroke_width()),
                    color: color(s.color()),
                    dash: None,
                });
            }
        }
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        s: &S,
        fill: bool,
    ) -> Res {
        if s.color().alpha > 0.0 {
            let (cx, cy) = mm(center);
            let r = radius as f32 / UNITS_PER_MM;
            let ring: Vec<_> = (0..24)
                .map(|i| {
                    let a = i as f32 * std::f32::consts::TAU / 24.0;
                    (cx + r * a.cos(), cy + r * a.sin())
                })
                .collect();
            if fill {
                self.push(Shape::Fill {
                    rings: vec![ring],
                    color: color(s.color()),
                });
            } else {
                let mut points = ring;
                points.push(points[0]);
                self.push(Shape::Line {
                    points,
                    width: stroke_pt(s.stroke_width()),
                    color: color(s.color()),
                    dash: None,
                });
            }
        }
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        s: &S,
    ) -> Res {
        if s.color().alpha > 0.0 {
            let ring: Vec<_> = vert.into_iter().map(mm).collect();
            if ring.len() > 2 {
                self.push(Shape::Fill {
                    rings: vec![ring],
                    color: color(s.color()),
                });
            }
        }
        Ok(())
    }

    fn draw_text<T: BackendTextStyle>(&mut self, text: &str, style: &T, pos: BackendCoord) -> Res {
        if style.color().alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let size = style.size() as f32; // em in units
        let width = self.face.width_em(text) * size;
        let (ascent, descent) = (EM_ASCENT * size, EM_DESCENT * size);
        // Where the baseline starts, relative to the anchor, along and across the text.
        let along = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let down = match style.anchor().v_pos {
            VPos::Top => ascent,
            VPos::Center => (ascent - descent) / 2.0,
            VPos::Bottom => -descent,
        };
        // Text direction on the page (y down), as plotters turns it.
        let (dx, dy): (f32, f32) = match style.transform() {
            FontTransform::None => (1.0, 0.0),
            FontTransform::Rotate90 => (0.0, 1.0),
            FontTransform::Rotate180 => (-1.0, 0.0),
            FontTransform::Rotate270 => (0.0, -1.0),
        };
        // "Down" across the text is the direction turned a quarter clockwise on the page.
        let (nx, ny) = (-dy, dx);
        let x = pos.0 as f32 + along * dx + down * nx;
        let y = pos.1 as f32 + along * dy + down * ny;
        self.push(Shape::Text {
            x: x / UNITS_PER_MM,
            y: y / UNITS_PER_MM,
            size: size / UNITS_PER_MM * 72.0 / 25.4,
            text: text.to_string(),
            color: color(style.color()),
            bold: false,
            angle: (-dy).atan2(dx).to_degrees(),
        });
        Ok(())
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> std::result::Result<(u32, u32), DrawingErrorKind<Infallible>> {
        let size = style.size() as f32;
        let w = self.face.width_em(text) * size;
        let h = (EM_ASCENT + EM_DESCENT) * size;
        Ok((w.ceil() as u32, h.ceil() as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;

    #[test]
    fn a_line_chart_becomes_lines_and_chinese_text() {
        let d = chart(160.0, 80.0, |area| {
            area.fill(&WHITE).map_err(|e| e.to_string())?;
            let mut c = ChartBuilder::on(area)
                .margin(20)
                .x_label_area_size(80)
                .y_label_area_size(120)
                .build_cartesian_2d(1u32..31u32, 0f64..100f64)
                .map_err(|e| e.to_string())?;
            c.configure_mesh()
                .x_desc("日期")
                .y_desc("解析量（次）")
                .label_style(("sans-serif", font_units(8.0)))
                .draw()
                .map_err(|e| e.to_string())?;
            c.draw_series(LineSeries::new((1..31).map(|d| (d, d as f64 * 3.0)), &BLUE))
                .map_err(|e| e.to_string())?;
            Ok(())
        })
        .expect("chart");
        let texts: Vec<_> = d
            .shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Text { text, angle, .. } => Some((text.as_str(), *angle)),
                _ => None,
            })
            .collect();
        assert!(texts.contains(&("日期", 0.0)), "{texts:?}");
        // The y description reads bottom to top.
        assert!(texts
            .iter()
            .any(|(t, a)| *t == "解析量（次）" && (*a - 90.0).abs() < 1e-3));
        let series = d.shapes.iter().any(|s| {
            matches!(s, Shape::Line { points, color, .. } if points.len() == 30 && *color == crate::drawing::Color::rgb(0, 0, 255))
        });
        assert!(series, "the 30-point series is one polyline");
        for s in &d.shapes {
            if let Shape::Line { points, .. } = s {
                assert!(points
                    .iter()
                    .all(|(x, y)| (0.0..=160.0).contains(x) && (0.0..=80.0).contains(y)));
            }
        }
    }
}
