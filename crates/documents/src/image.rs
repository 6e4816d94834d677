//! PNG images decoded to 8-bit RGB for embedding (transparency composited over white paper),
//! bounded so a hostile file cannot make us allocate without limit.

use crate::{DocError, Result};

/// Decoded pixels, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbImage {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
}

/// Largest image we embed: 40 megapixels (an A4 page at 600 dpi is 35).
const MAX_PIXELS: usize = 40_000_000;

pub fn decode_png(bytes: &[u8]) -> Result<RgbImage> {
    let bad = |e: &dyn std::fmt::Display| DocError::Image(e.to_string());
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().map_err(|e| bad(&e))?;
    let (w, h) = {
        let info = reader.info();
        (info.width as usize, info.height as usize)
    };
    if w == 0 || h == 0 || w.saturating_mul(h) > MAX_PIXELS {
        return Err(DocError::Image(format!("unsupported image size {w}x{h}")));
    }
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| DocError::Image("image too large".into()))?;
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).map_err(|e| bad(&e))?;
    let ch = frame.color_type.samples();
    let mut rgb = Vec::with_capacity(w * h * 3);
    let over_white = |v: u8, a: u8| (255 - ((255 - v as u32) * a as u32) / 255) as u8;
    for y in 0..h {
        let row = &buf[y * frame.line_size..];
        for x in 0..w {
            let p = &row[x * ch..x * ch + ch];
            match ch {
                1 => rgb.extend_from_slice(&[p[0], p[0], p[0]]),
                2 => {
                    let g = over_white(p[0], p[1]);
                    rgb.extend_from_slice(&[g, g, g]);
                }
                3 => rgb.extend_from_slice(p),
                _ => rgb.extend_from_slice(&[
                    over_white(p[0], p[3]),
                    over_white(p[1], p[3]),
                    over_white(p[2], p[3]),
                ]),
            }
        }
    }
    Ok(RgbImage {
        width: w,
        height: h,
        rgb,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn png_rgba(w: u32, h: u32, px: [u8; 4]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Eight);
            let mut wr = enc.write_header().expect("header");
            let data: Vec<u8> = (0..w * h).flat_map(|_| px).collect();
            wr.write_image_data(&data).expect("data");
        }
        out
    }

    #[test]
    fn transparency_lands_on_white_paper() {
        let img = decode_png(&png_rgba(3, 2, [0, 0, 0, 128])).expect("decode");
        assert_eq!((img.width, img.height, img.rgb.len()), (3, 2, 18));
        assert_eq!(&img.rgb[..3], &[127, 127, 127]);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(
            decode_png(b"\x89PNG\r\n\x1a\nnot really"),
            Err(DocError::Image(_))
        ));
    }
}
