//! Laid-out pages written as a PDF with printpdf: the bundled face embedded as a subset of the
//! glyphs the document uses (printpdf's subsetting), shapes as vector paths, images lossless.
//! Every name printpdf would draw at random (font and image resource ids, the subset tag, the
//! trailer /ID) is derived from the content instead, so the same document gives the same bytes
//! and the SHA-256 of an issued document means something.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use printpdf::{
    Color as PdfColor, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument,
    PdfFont, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, RawImage,
    RawImageData, RawImageFormat, Rect, Rgb, TextItem, TextMatrix, TextRenderingMode, WindingOrder,
    XObject, XObjectId, XObjectTransform,
};
use sha2::{Digest, Sha256};

use crate::document::Meta;
use crate::drawing::{Color, Shape};
use crate::font::font_bytes;
use crate::layout::{Item, Laid, PAGE_H, PAGE_W, PT_MM};
use crate::{DocError, Result};

fn parsed_font() -> Result<ParsedFont> {
    static FONT: OnceLock<Option<ParsedFont>> = OnceLock::new();
    FONT.get_or_init(|| ParsedFont::from_bytes(font_bytes(), 0, &mut Vec::new()))
        .clone()
        .ok_or(DocError::Font)
}

fn pt(mm: f32) -> Pt {
    Pt(mm / PT_MM)
}

/// A point from page millimetres (origin top-left) to PDF space (origin bottom-left).
fn point(x: f32, y: f32) -> Point {
    Point {
        x: pt(x),
        y: pt(PAGE_H - y),
    }
}

fn rgb(c: Color) -> PdfColor {
    PdfColor::Rgb(Rgb {
        r: c.r as f32 / 255.0,
        g: c.g as f32 / 255.0,
        b: c.b as f32 / 255.0,
        icc_profile: None,
    })
}

/// The six-letter subset tag (ISO 32000-1 9.6.4), from the characters the subset holds.
fn subset_tag(chars: &BTreeSet<char>) -> String {
    let mut h = Sha256::new();
    for c in chars {
        h.update(c.to_string().as_bytes());
    }
    h.finalize()
        .iter()
        .take(6)
        .map(|b| (b'A' + b % 26) as char)
        .collect()
}

pub(crate) fn write(meta: &Meta, laid: &Laid) -> Result<Vec<u8>> {
    let chars: BTreeSet<char> = laid
        .pages
        .iter()
        .flatten()
        .filter_map(|i| match i {
            Item::Shape(Shape::Text { text, .. }) => Some(text.chars()),
            _ => None,
        })
        .flatten()
        .filter(|c| !c.is_whitespace())
        .collect();
    let font = FontId(subset_tag(&chars));

    let mut doc = PdfDocument::new(&meta.title);
    doc.metadata.info.author = meta.author.clone();
    doc.metadata.info.subject = meta.subject.clone();
    doc.metadata.info.identifier = meta.number.clone();
    doc.metadata.info.creator = "IDStation".into();
    doc.metadata.info.producer = "IDStation (printpdf)".into();
    doc.resources
        .fonts
        .map
        .insert(font.clone(), PdfFont::new(parsed_font()?));
    for (i, img) in laid.images.iter().enumerate() {
        doc.resources.xobjects.map.insert(
            XObjectId(format!("Im{i}")),
            XObject::Image(RawImage {
                pixels: RawImageData::U8(img.rgb.clone()),
                width: img.width,
                height: img.height,
                data_format: RawImageFormat::RGB8,
                tag: Vec::new(),
            }),
        );
    }
    for items in &laid.pages {
        let mut ops = Vec::with_capacity(items.len() * 4);
        for item in items {
            item_ops(&mut ops, &font, laid, item);
        }
        doc.pages.push(PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops));
    }

    let opts = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = printpdf::serialize::to_lopdf_doc(&doc, &opts, &mut warnings);
    finish(&mut lo, meta);
    lo.compress();
    let mut out = Vec::new();
    lo.save_to(&mut out)
        .map_err(|e| DocError::Pdf(e.to_string()))?;
    Ok(out)
}

/// The parts printpdf fills from the clock or at random, set from the content instead.
fn finish(lo: &mut lopdf::Document, meta: &Meta) {
    use lopdf::{Object, StringFormat};
    let mut h = Sha256::new();
    h.update(meta.number.as_bytes());
    h.update(meta.title.as_bytes());
    for obj in lo.objects.values() {
        if let Object::Stream(s) = obj {
            h.update((s.content.len() as u64).to_le_bytes());
            h.update(&s.content);
        }
    }
    let id = hex::encode(&h.finalize()[..16]);
    let id = Object::String(id.into_bytes(), StringFormat::Hexadecimal);
    lo.trailer.set("ID", Object::Array(vec![id.clone(), id]));
    let info = lo.trailer.get(b"Info").and_then(|o| o.as_reference()).ok();
    if let Some(dict) = info.and_then(|r| lo.get_dictionary_mut(r).ok()) {
        match meta.created {
            Some(t) => {
                let d = t.format("D:%Y%m%d%H%M%SZ").to_string();
                dict.set("CreationDate", Object::string_literal(d.clone()));
                dict.set("ModDate", Object::string_literal(d));
            }
            None => {
                dict.remove(b"CreationDate");
                dict.remove(b"ModDate");
            }
        }
        dict.remove(b"GTS_PDFXVersion");
        dict.remove(b"Trapped");
    }
}

fn item_ops(ops: &mut Vec<Op>, font: &FontId, laid: &Laid, item: &Item) {
    match item {
        Item::Image { index, x, y, w, h } => {
            let Some(img) = laid.images.get(*index) else {
                return;
            };
            ops.push(Op::UseXobject {
                id: XObjectId(format!("Im{index}")),
                transform: XObjectTransform {
                    translate_x: Some(pt(*x)),
                    translate_y: Some(pt(PAGE_H - y - h)),
                    dpi: Some(img.width as f32 / (w / 25.4)),
                    ..Default::default()
                },
            });
        }
        Item::Shape(s) => shape_ops(ops, font, s),
    }
}

fn shape_ops(ops: &mut Vec<Op>, font: &FontId, s: &Shape) {
    match s {
        Shape::Text {
            x,
            y,
            size,
            text,
            color,
            bold,
            angle,
        } => {
            if text.trim().is_empty() {
                return;
            }
            let (sin, cos) = angle.to_radians().sin_cos();
            let p = point(*x, *y);
            ops.push(Op::SaveGraphicsState);
            ops.push(Op::SetFillColor { col: rgb(*color) });
            if *bold {
                // The face has one weight: bold is the glyphs filled and outlined.
                ops.push(Op::SetOutlineColor { col: rgb(*color) });
                ops.push(Op::SetOutlineThickness {
                    pt: Pt(size * 0.035),
                });
            }
            ops.push(Op::StartTextSection);
            ops.push(Op::SetFont {
                font: PdfFontHandle::External(font.clone()),
                size: Pt(*size),
            });
            if *bold {
                ops.push(Op::SetTextRenderingMode {
                    mode: TextRenderingMode::FillStroke,
                });
            }
            ops.push(Op::SetTextMatrix {
                matrix: TextMatrix::Raw([cos, sin, -sin, cos, p.x.0, p.y.0]),
            });
            ops.push(Op::ShowText {
                items: vec![TextItem::Text(text.clone())],
            });
            ops.push(Op::EndTextSection);
            ops.push(Op::RestoreGraphicsState);
        }
        Shape::Line {
            points,
            width,
            color,
            dash,
        } => {
            if points.len() < 2 {
                return;
            }
            ops.push(Op::SaveGraphicsState);
            ops.push(Op::SetOutlineColor { col: rgb(*color) });
            ops.push(Op::SetOutlineThickness { pt: Pt(*width) });
            if let Some((on, off)) = dash {
                ops.push(Op::SetLineDashPattern {
                    dash: printpdf::LineDashPattern::new(0.0, &[on / PT_MM, off / PT_MM]),
                });
            }
            ops.push(Op::DrawLine {
                line: Line {
                    points: points
                        .iter()
                        .map(|(x, y)| LinePoint {
                            p: point(*x, *y),
                            bezier: false,
                        })
                        .collect(),
                    is_closed: false,
                },
            });
            ops.push(Op::RestoreGraphicsState);
        }
        Shape::Rect {
            x,
            y,
            w,
            h,
            fill,
            stroke,
        } => {
            let mode = match (fill, stroke) {
                (Some(_), Some(_)) => PaintMode::FillStroke,
                (Some(_), None) => PaintMode::Fill,
                (None, Some(_)) => PaintMode::Stroke,
                (None, None) => return,
            };
            ops.push(Op::SaveGraphicsState);
            if let Some(f) = fill {
                ops.push(Op::SetFillColor { col: rgb(*f) });
            }
            if let Some((c, wd)) = stroke {
                ops.push(Op::SetOutlineColor { col: rgb(*c) });
                ops.push(Op::SetOutlineThickness { pt: Pt(*wd) });
            }
            ops.push(Op::DrawRectangle {
                rectangle: Rect {
                    x: pt(*x),
                    y: pt(PAGE_H - y - h),
                    width: pt(*w),
                    height: pt(*h),
                    mode: Some(mode),
                    winding_order: Some(WindingOrder::NonZero),
                },
            });
            ops.push(Op::RestoreGraphicsState);
        }
        Shape::Fill { rings, color } => {
            if rings.is_empty() {
                return;
            }
            ops.push(Op::SaveGraphicsState);
            ops.push(Op::SetFillColor { col: rgb(*color) });
            ops.push(Op::DrawPolygon {
                polygon: Polygon {
                    rings: rings
                        .iter()
                        .map(|r| PolygonRing {
                            points: r
                                .iter()
                                .map(|(x, y)| LinePoint {
                                    p: point(*x, *y),
                                    bezier: false,
                                })
                                .collect(),
                        })
                        .collect(),
                    mode: PaintMode::Fill,
                    winding_order: WindingOrder::NonZero,
                },
            });
            ops.push(Op::RestoreGraphicsState);
        }
    }
}
