//! A rendered label written out: ZPL II, TSPL, PDF (for office printers) and PNG (preview).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::canvas::{Canvas, Pixel};
use crate::render::RenderedLabel;
use crate::template::Rgb;
use crate::{LabelError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Zpl,
    Tspl,
    Pdf,
    Png,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zpl" => Some(Format::Zpl),
            "tspl" => Some(Format::Tspl),
            "pdf" => Some(Format::Pdf),
            "png" => Some(Format::Png),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Zpl => "zpl",
            Format::Tspl => "tspl",
            Format::Pdf => "pdf",
            Format::Png => "png",
        }
    }

    pub fn extension(self) -> &'static str {
        self.as_str()
    }
}

/// Printer settings that go into the label program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ZplOptions {
    /// Draw QR codes with the printer's `^BQ` instead of as dots.
    pub native_qr: bool,
    /// 0..=30 (`~SD`); `None` leaves the printer's setting.
    pub darkness: Option<u8>,
    /// Label home offset in dots (`^LH`).
    pub offset_x: i32,
    pub offset_y: i32,
    pub copies: u32,
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// ZPL II: the whole label as one `^GFA` graphic field (text, lines, QR), or the QR as `^BQ`.
pub fn to_zpl(label: &RenderedLabel, o: &ZplOptions) -> Vec<u8> {
    let mut canvas_owned;
    let mut canvas = &label.canvas;
    if o.native_qr && !label.qr.is_empty() {
        canvas_owned = label.canvas.clone();
        for q in &label.qr {
            let span = (q.module_dots as usize * q.modules) as i32;
            canvas_owned.fill_rect(q.x, q.y, span, span, Pixel::Paper);
        }
        canvas = &canvas_owned;
    }
    let rb = canvas.row_bytes();
    let mono = canvas.to_mono();
    let total = mono.len();
    let mut s = String::with_capacity(total * 2 + 256);
    if let Some(dk) = o.darkness {
        let _ = write!(s, "~SD{:02}", dk.min(30));
    }
    let _ = write!(
        s,
        "^XA^CI28^PW{}^LL{}^LH{},{}\n^FO0,0^GFA,{total},{total},{rb},",
        canvas.width,
        canvas.height,
        o.offset_x.clamp(0, 32000),
        o.offset_y.clamp(0, 32000)
    );
    let mut hex = Vec::with_capacity(total * 2);
    for b in &mono {
        hex.push(HEX[(b >> 4) as usize]);
        hex.push(HEX[(b & 15) as usize]);
    }
    // HEX is ASCII, so this never fails.
    s.push_str(std::str::from_utf8(&hex).unwrap_or_default());
    s.push_str("^FS\n");
    if o.native_qr {
        for q in &label.qr {
            // ^BQ's field data: error correction, then A (automatic mode), then the text, with
            // ^FH so that no character of the payload can act as a ZPL command.
            let _ = writeln!(
                s,
                "^FO{},{}^BQN,2,{}^FH^FD{}A,{}^FS",
                q.x,
                q.y,
                q.module_dots.clamp(1, 10),
                q.ecc.as_char(),
                zpl_field_hex(&q.payload)
            );
        }
    }
    let _ = write!(s, "^PQ{}\n^XZ\n", o.copies.max(1));
    s.into_bytes()
}

/// Field data for `^FH` (hex indicator `_`): letters, digits and URL punctuation stay as they
/// are; every other byte, `^`, `~`, `_`, control characters and UTF-8 included, becomes `_XX`.
pub fn zpl_field_hex(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"./:-%?=&#+,;@!$*()'[]".contains(&b) {
            out.push(b as char);
        } else {
            out.push('_');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

/// TSPL (TSC and most Chinese desktop printers): `BITMAP` with the whole label; TSPL prints the
/// cleared bits, so the packed rows are inverted.
pub fn to_tspl(label: &RenderedLabel, gap_mm: f32, o: &ZplOptions) -> Vec<u8> {
    let c = &label.canvas;
    let rb = c.row_bytes();
    let mut out = Vec::with_capacity(rb * c.height as usize + 256);
    let mut head = String::new();
    let _ = write!(
        head,
        "SIZE {} mm,{} mm\r\nGAP {} mm,0 mm\r\nDIRECTION 1\r\nREFERENCE {},{}\r\n",
        fmt_mm(label.width_mm),
        fmt_mm(label.height_mm),
        fmt_mm(gap_mm),
        o.offset_x.max(0),
        o.offset_y.max(0)
    );
    if let Some(dk) = o.darkness {
        let _ = write!(head, "DENSITY {}\r\n", dk.min(15));
    }
    let _ = write!(head, "CLS\r\nBITMAP 0,0,{rb},{},0,", c.height);
    out.extend_from_slice(head.as_bytes());
    out.extend(c.to_mono().into_iter().map(|b| !b));
    out.extend_from_slice(format!("\r\nPRINT {},1\r\n", o.copies.max(1)).as_bytes());
    out
}

fn fmt_mm(v: f32) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

const PAPER: Rgb = Rgb(255, 255, 255);
const INK: Rgb = Rgb(0, 0, 0);

fn palette(label: &RenderedLabel) -> [Rgb; 3] {
    [PAPER, INK, label.accent.unwrap_or(INK)]
}

/// PNG preview: paper white, ink black, the status colour as itself. Indexed, so a label's
/// preview is a few kilobytes.
pub fn to_png(label: &RenderedLabel) -> Result<Vec<u8>> {
    canvas_png(&label.canvas, palette(label))
}

fn canvas_png(c: &Canvas, pal: [Rgb; 3]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, c.width, c.height);
        enc.set_color(png::ColorType::Indexed);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_palette(
            pal.iter()
                .flat_map(|p| [p.0, p.1, p.2])
                .collect::<Vec<u8>>(),
        );
        enc.set_compression(png::Compression::Fast);
        let mut w = enc
            .write_header()
            .map_err(|e| LabelError::Png(e.to_string()))?;
        w.write_image_data(&c.pixels)
            .map_err(|e| LabelError::Png(e.to_string()))?;
        w.finish().map_err(|e| LabelError::Png(e.to_string()))?;
    }
    Ok(out)
}

/// Decodes a PNG to 8-bit grey (for logos and tests).
pub fn decode_png_grey(bytes: &[u8]) -> Result<(usize, usize, Vec<u8>)> {
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec
        .read_info()
        .map_err(|e| LabelError::Image(e.to_string()))?;
    let (w, h) = {
        let info = reader.info();
        (info.width as usize, info.height as usize)
    };
    if w.saturating_mul(h) > 50_000_000 {
        return Err(LabelError::Image("image too large".into()));
    }
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| LabelError::Image("image too large".into()))?;
    let mut buf = vec![0; size];
    let frame = reader
        .next_frame(&mut buf)
        .map_err(|e| LabelError::Image(e.to_string()))?;
    let ch = frame.color_type.samples();
    let mut grey = Vec::with_capacity(w * h);
    for y in 0..h {
        let row = &buf[y * frame.line_size..];
        for x in 0..w {
            let p = &row[x * ch..x * ch + ch];
            let v = match ch {
                1 => p[0] as u32,
                2 => 255 - ((255 - p[0] as u32) * p[1] as u32) / 255,
                3 => (p[0] as u32 * 30 + p[1] as u32 * 59 + p[2] as u32 * 11) / 100,
                _ => {
                    let l = (p[0] as u32 * 30 + p[1] as u32 * 59 + p[2] as u32 * 11) / 100;
                    255 - ((255 - l) * p[3] as u32) / 255
                }
            };
            grey.push(v as u8);
        }
    }
    Ok((w, h, grey))
}

/// A one-page PDF the size of the label with the label as a lossless image at the printer's
/// resolution (text included, so no font is needed on the office printer either).
pub fn to_pdf(label: &RenderedLabel, title: &str) -> Result<Vec<u8>> {
    use printpdf::{
        Mm, Op, PdfDocument, PdfPage, PdfSaveOptions, RawImage, RawImageData, RawImageFormat,
        XObjectTransform,
    };
    let c = &label.canvas;
    let pal = palette(label);
    let mut rgb = Vec::with_capacity(c.pixels.len() * 3);
    for &p in &c.pixels {
        let col = pal[(p as usize).min(2)];
        rgb.extend_from_slice(&[col.0, col.1, col.2]);
    }
    let image = RawImage {
        pixels: RawImageData::U8(rgb),
        width: c.width as usize,
        height: c.height as usize,
        data_format: RawImageFormat::RGB8,
        tag: Vec::new(),
    };
    let mut doc = PdfDocument::new(title);
    let id = doc.add_image(&image);
    let ops = vec![Op::UseXobject {
        id,
        transform: XObjectTransform {
            translate_x: Some(Mm(0.0).into()),
            translate_y: Some(Mm(0.0).into()),
            dpi: Some(label.dpi as f32),
            ..Default::default()
        },
    }];
    doc.pages
        .push(PdfPage::new(Mm(label.width_mm), Mm(label.height_mm), ops));
    let opts = PdfSaveOptions {
        image_optimization: None,
        ..Default::default()
    };
    let mut warnings = Vec::new();
    let bytes = doc.save(&opts, &mut warnings);
    if bytes.is_empty() {
        return Err(LabelError::Pdf(format!("{warnings:?}")));
    }
    Ok(bytes)
}
