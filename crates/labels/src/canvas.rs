//! The label bitmap: one byte a dot, paper, ink or accent (the status colour).

/// What one dot is. Thermal printers print ink and accent alike; previews and PDFs show the
/// accent in its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Pixel {
    Paper = 0,
    Ink = 1,
    Accent = 2,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canvas {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Canvas {
    pub fn new(width: u32, height: u32) -> Canvas {
        Canvas {
            width,
            height,
            pixels: vec![Pixel::Paper as u8; width as usize * height as usize],
        }
    }

    pub fn get(&self, x: u32, y: u32) -> Pixel {
        if x >= self.width || y >= self.height {
            return Pixel::Paper;
        }
        match self.pixels[(y * self.width + x) as usize] {
            1 => Pixel::Ink,
            2 => Pixel::Accent,
            _ => Pixel::Paper,
        }
    }

    /// Sets one dot; dots outside the label are ignored.
    pub fn set(&mut self, x: i32, y: i32, p: Pixel) {
        if x < 0 || y < 0 || x >= self.width as i32 || y >= self.height as i32 {
            return;
        }
        self.pixels[(y as u32 * self.width + x as u32) as usize] = p as u8;
    }

    /// Fills a rectangle, clipped to the label.
    pub fn fill_rect(&mut self, x: i32, y: i32, w: i32, h: i32, p: Pixel) {
        let x0 = x.max(0);
        let y0 = y.max(0);
        let x1 = x.saturating_add(w).min(self.width as i32);
        let y1 = y.saturating_add(h).min(self.height as i32);
        // Wholly past an edge: nothing to fill (and no row slice may start beyond the row).
        if x0 >= x1 || y0 >= y1 {
            return;
        }
        for yy in y0..y1 {
            let row = (yy as u32 * self.width) as usize;
            self.pixels[row + x0 as usize..row + x1 as usize].fill(p as u8);
        }
    }

    /// Bytes per row of the packed 1-bit form.
    pub fn row_bytes(&self) -> usize {
        (self.width as usize).div_ceil(8)
    }

    /// Packed rows, most significant bit first, a set bit for every dot that prints.
    pub fn to_mono(&self) -> Vec<u8> {
        let rb = self.row_bytes();
        let mut out = vec![0u8; rb * self.height as usize];
        for y in 0..self.height as usize {
            let row = &self.pixels[y * self.width as usize..(y + 1) * self.width as usize];
            let dst = &mut out[y * rb..(y + 1) * rb];
            for (x, &p) in row.iter().enumerate() {
                if p != 0 {
                    dst[x / 8] |= 0x80 >> (x % 8);
                }
            }
        }
        out
    }

    /// How many dots print (for tests and sanity checks).
    pub fn ink_count(&self) -> usize {
        self.pixels.iter().filter(|&&p| p != 0).count()
    }
}
