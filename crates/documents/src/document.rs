//! What a document is made of: its metadata and a list of blocks (title, headings, paragraphs,
//! tables, figures, images, QR codes), built by the caller and laid out on A4 by `layout`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::drawing::Drawing;

/// The words the page furniture is written in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub enum Language {
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

/// What identifies the document on every page and in the PDF's information dictionary.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Meta {
    /// The PDF title (shown by viewers in the window title).
    pub title: String,
    /// The document number, printed at the top right of every page.
    pub number: String,
    /// Printed at the top left of every page (e.g. the operator's or lab's name).
    pub header: String,
    pub author: String,
    pub subject: String,
    pub language: Language,
    /// When given, the PDF's creation date. Nothing else in the output depends on the clock,
    /// so the same document with the same date is the same bytes.
    pub created: Option<DateTime<Utc>>,
    /// Drawn large and faint across every page (e.g. 草稿 on a draft).
    pub watermark: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// A paragraph of running text.
#[derive(Debug, Clone, PartialEq)]
pub struct Paragraph {
    pub text: String,
    /// Points; 10.5 (Chinese 五号) by default.
    pub size: f32,
    pub align: Align,
    /// Indent the first line by two characters, as Chinese prose is set.
    pub indent: bool,
    pub bold: bool,
}

impl Paragraph {
    pub fn new(text: impl Into<String>) -> Paragraph {
        Paragraph {
            text: text.into(),
            size: 10.5,
            align: Align::Left,
            indent: false,
            bold: false,
        }
    }

    pub fn size(mut self, pt: f32) -> Self {
        self.size = pt;
        self
    }

    pub fn align(mut self, a: Align) -> Self {
        self.align = a;
        self
    }

    pub fn indent(mut self) -> Self {
        self.indent = true;
        self
    }

    pub fn bold(mut self) -> Self {
        self.bold = true;
        self
    }
}

/// One table cell: text (wrapped to the column) or a drawing (e.g. a QR code beside fields).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Drawing(Drawing),
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<Drawing> for Cell {
    fn from(d: Drawing) -> Cell {
        Cell::Drawing(d)
    }
}

/// A column: its share of the text width and how its cells align.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    pub weight: f32,
    pub align: Align,
}

/// A table; its header rows repeat at the top of every page it continues onto.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub header: Vec<Vec<Cell>>,
    pub rows: Vec<Vec<Cell>>,
    /// Set above the table (表1 …), kept on the page of its first row.
    pub caption: Option<String>,
    /// Points; 9 (Chinese 小五) by default.
    pub size: f32,
    pub borders: bool,
}

impl Table {
    /// A table with columns of these (weight, alignment).
    pub fn new(columns: &[(f32, Align)]) -> Table {
        Table {
            columns: columns
                .iter()
                .map(|&(weight, align)| Column { weight, align })
                .collect(),
            header: Vec::new(),
            rows: Vec::new(),
            caption: None,
            size: 9.0,
            borders: true,
        }
    }

    pub fn caption(mut self, c: impl Into<String>) -> Self {
        self.caption = Some(c.into());
        self
    }

    pub fn borderless(mut self) -> Self {
        self.borders = false;
        self
    }

    pub fn header<I: IntoIterator<Item = C>, C: Into<Cell>>(mut self, cells: I) -> Self {
        self.header
            .push(cells.into_iter().map(Into::into).collect());
        self
    }

    pub fn row<I: IntoIterator<Item = C>, C: Into<Cell>>(&mut self, cells: I) -> &mut Self {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }
}

/// One piece of the document's flow.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The document's title: large, centred.
    Title(String),
    /// A section heading; level 1 is the larger.
    Heading {
        level: u8,
        text: String,
    },
    Paragraph(Paragraph),
    Table(Table),
    /// A drawing (chart, QR code, diagram) with an optional caption below it, centred.
    Figure {
        drawing: Drawing,
        caption: Option<String>,
    },
    /// A PNG, `width` mm wide at its own aspect ratio, centred, caption below.
    Image {
        png: Vec<u8>,
        width: f32,
        caption: Option<String>,
    },
    /// Vertical space, mm.
    Space(f32),
    PageBreak,
}

/// A document being built: metadata and blocks in reading order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    pub meta: Meta,
    pub blocks: Vec<Block>,
}

impl Document {
    pub fn new(meta: Meta) -> Document {
        Document {
            meta,
            blocks: Vec::new(),
        }
    }

    pub fn push(&mut self, b: Block) -> &mut Self {
        self.blocks.push(b);
        self
    }

    pub fn title(&mut self, t: impl Into<String>) -> &mut Self {
        self.push(Block::Title(t.into()))
    }

    pub fn heading(&mut self, level: u8, t: impl Into<String>) -> &mut Self {
        self.push(Block::Heading {
            level,
            text: t.into(),
        })
    }

    /// A body paragraph, first line indented (Chinese prose).
    pub fn paragraph(&mut self, t: impl Into<String>) -> &mut Self {
        self.push(Block::Paragraph(Paragraph::new(t).indent()))
    }

    pub fn para(&mut self, p: Paragraph) -> &mut Self {
        self.push(Block::Paragraph(p))
    }

    pub fn table(&mut self, t: Table) -> &mut Self {
        self.push(Block::Table(t))
    }

    pub fn figure(&mut self, drawing: Drawing, caption: Option<String>) -> &mut Self {
        self.push(Block::Figure { drawing, caption })
    }

    pub fn image_png(&mut self, png: Vec<u8>, width: f32, caption: Option<String>) -> &mut Self {
        self.push(Block::Image {
            png,
            width,
            caption,
        })
    }

    /// A QR code `size` mm square (quiet zone included) with the text under it.
    pub fn qr(
        &mut self,
        payload: &str,
        size: f32,
        caption: Option<String>,
    ) -> crate::Result<&mut Self> {
        let drawing = Drawing::qr(payload, size)?;
        Ok(self.figure(drawing, caption))
    }

    pub fn space(&mut self, mm: f32) -> &mut Self {
        self.push(Block::Space(mm))
    }

    pub fn page_break(&mut self) -> &mut Self {
        self.push(Block::PageBreak)
    }
}
