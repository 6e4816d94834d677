//! Label templates: a size in millimetres and elements placed in millimetres. Stored as JSON in
//! the workstation's database; four are built in.

use serde::{Deserialize, Serialize};

use crate::qr::Ecc;
use crate::{LabelError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// How an element prints: black, in the label's status colour, or knocked out (paper) over a
/// filled area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ink {
    #[default]
    Black,
    Accent,
    Paper,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// One thing on a label. Text may name fields as `{name}`, `{cal_last_date}`, `{attr.x}`, ...
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Element {
    /// The QR code of the label's payload (the resolver URL), `size_mm` square with its quiet zone.
    Qr { x_mm: f32, y_mm: f32, size_mm: f32 },
    /// A Code 128 symbol of `text` (printable ASCII after field substitution).
    Code128 {
        x_mm: f32,
        y_mm: f32,
        width_mm: f32,
        height_mm: f32,
        text: String,
    },
    /// One line of text; `x_mm` is its left, centre or right edge by `align`.
    Text {
        x_mm: f32,
        y_mm: f32,
        size_mm: f32,
        text: String,
        /// Shrinks (down to 60 %) and then cuts with "…" to fit.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_width_mm: Option<f32>,
        #[serde(default)]
        align: Align,
        #[serde(default)]
        ink: Ink,
        /// Printed only when this field has a value (e.g. the next-due date).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        only_if: Option<String>,
    },
    /// A PNG logo, scaled to the box and thresholded to dots.
    Image {
        x_mm: f32,
        y_mm: f32,
        width_mm: f32,
        height_mm: f32,
        png_base64: String,
    },
    /// A rectangle: outlined `thickness_mm`, or filled.
    Box {
        x_mm: f32,
        y_mm: f32,
        width_mm: f32,
        height_mm: f32,
        #[serde(default)]
        thickness_mm: f32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fill: Option<Ink>,
    },
    /// A straight line.
    Line {
        x1_mm: f32,
        y1_mm: f32,
        x2_mm: f32,
        y2_mm: f32,
        thickness_mm: f32,
        #[serde(default)]
        ink: Ink,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelTemplate {
    /// Key, e.g. `identifier`, `cal-pass`.
    pub name: String,
    pub title: String,
    pub width_mm: f32,
    pub height_mm: f32,
    /// The resolution the layout was drawn for; a printer profile's dpi overrides it.
    pub dpi: u32,
    /// The status colour (合格 green, 准用 yellow, 停用 red) shown on screen and in PDFs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent: Option<Rgb>,
    /// Fields that must have a value, or the label is refused.
    #[serde(default)]
    pub required: Vec<String>,
    /// Overrides the default QR error correction for this label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_ecc: Option<Ecc>,
    pub elements: Vec<Element>,
}

fn finite_nonneg(v: f32) -> bool {
    v.is_finite() && v >= 0.0
}

impl LabelTemplate {
    /// Checks sizes and positions so that rendering never meets nonsense.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(LabelError::InvalidTemplate(m.to_string()));
        if self.name.trim().is_empty() || self.name.len() > 64 {
            return bad("name must be 1 to 64 characters");
        }
        let size_ok = |v: f32| v.is_finite() && (5.0..=300.0).contains(&v);
        if !size_ok(self.width_mm) || !size_ok(self.height_mm) {
            return bad("width and height must be 5 to 300 mm");
        }
        if ![203, 300, 600].contains(&self.dpi) {
            return Err(LabelError::UnsupportedDpi(self.dpi));
        }
        if self.elements.len() > 200 {
            return bad("at most 200 elements");
        }
        for e in &self.elements {
            let nums: Vec<f32> = match e {
                Element::Qr {
                    x_mm,
                    y_mm,
                    size_mm,
                } => vec![*x_mm, *y_mm, *size_mm],
                Element::Code128 {
                    x_mm,
                    y_mm,
                    width_mm,
                    height_mm,
                    ..
                }
                | Element::Image {
                    x_mm,
                    y_mm,
                    width_mm,
                    height_mm,
                    ..
                } => vec![*x_mm, *y_mm, *width_mm, *height_mm],
                Element::Text {
                    x_mm,
                    y_mm,
                    size_mm,
                    max_width_mm,
                    ..
                } => {
                    if !(0.5..=100.0).contains(size_mm) {
                        return bad("text size must be 0.5 to 100 mm");
                    }
                    vec![*x_mm, *y_mm, *size_mm, max_width_mm.unwrap_or(0.0)]
                }
                Element::Box {
                    x_mm,
                    y_mm,
                    width_mm,
                    height_mm,
                    thickness_mm,
                    ..
                } => vec![*x_mm, *y_mm, *width_mm, *height_mm, *thickness_mm],
                Element::Line {
                    x1_mm,
                    y1_mm,
                    x2_mm,
                    y2_mm,
                    thickness_mm,
                    ..
                } => vec![*x1_mm, *y1_mm, *x2_mm, *y2_mm, *thickness_mm],
            };
            if !nums.iter().all(|v| finite_nonneg(*v) && *v <= 1000.0) {
                return bad("positions and sizes must be between 0 and 1000 mm");
            }
        }
        Ok(())
    }

    pub fn from_json(json: &str) -> Result<LabelTemplate> {
        let t: LabelTemplate =
            serde_json::from_str(json).map_err(|e| LabelError::InvalidTemplate(e.to_string()))?;
        t.validate()?;
        Ok(t)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

pub const IDENTIFIER: &str = "identifier";
pub const CAL_PASS: &str = "cal-pass";
pub const CAL_RESTRICTED: &str = "cal-restricted";
pub const CAL_FAIL: &str = "cal-fail";

pub fn builtin_names() -> [&'static str; 4] {
    [IDENTIFIER, CAL_PASS, CAL_RESTRICTED, CAL_FAIL]
}

fn text(x: f32, y: f32, size: f32, t: &str, max_w: f32) -> Element {
    Element::Text {
        x_mm: x,
        y_mm: y,
        size_mm: size,
        text: t.to_string(),
        max_width_mm: Some(max_w),
        align: Align::Left,
        ink: Ink::Black,
        only_if: None,
    }
}

/// The identifier label, 50 × 30 mm: QR, the handle in text, name / model / serial.
fn identifier_label() -> LabelTemplate {
    LabelTemplate {
        name: IDENTIFIER.into(),
        title: "标识标签 Identifier label".into(),
        width_mm: 50.0,
        height_mm: 30.0,
        dpi: 203,
        accent: None,
        required: vec![],
        qr_ecc: None,
        elements: vec![
            Element::Qr {
                x_mm: 1.0,
                y_mm: 1.0,
                size_mm: 23.0,
            },
            text(24.5, 2.0, 3.2, "{name}", 24.5),
            text(24.5, 7.6, 2.6, "型号 {model}", 24.5),
            text(24.5, 11.6, 2.6, "编号 {serial_no}", 24.5),
            text(24.5, 15.6, 2.6, "{manufacturer}", 24.5),
            Element::Line {
                x1_mm: 1.5,
                y1_mm: 24.4,
                x2_mm: 48.5,
                y2_mm: 24.4,
                thickness_mm: 0.25,
                ink: Ink::Black,
            },
            Element::Text {
                x_mm: 25.0,
                y_mm: 25.3,
                size_mm: 3.0,
                text: "{identifier}".into(),
                max_width_mm: Some(47.0),
                align: Align::Center,
                ink: Ink::Black,
                only_if: None,
            },
        ],
    }
}

/// The three calibration status labels (合格 / 准用 / 停用), 50 × 30 mm: a band in the status
/// colour with the word knocked out, the identifier, calibration date, certificate number, who
/// calibrated and approved, the next-due date only when the owner set an interval, and the QR.
fn status_label(
    name: &str,
    word: &str,
    english: &str,
    accent: Rgb,
    restricted: bool,
) -> LabelTemplate {
    let mut elements = vec![
        Element::Box {
            x_mm: 0.0,
            y_mm: 0.0,
            width_mm: 50.0,
            height_mm: 7.0,
            thickness_mm: 0.0,
            fill: Some(Ink::Accent),
        },
        Element::Text {
            x_mm: 2.0,
            y_mm: 0.6,
            size_mm: 5.6,
            text: word.into(),
            max_width_mm: None,
            align: Align::Left,
            ink: Ink::Paper,
            only_if: None,
        },
        Element::Text {
            x_mm: 48.0,
            y_mm: 2.2,
            size_mm: 2.6,
            text: english.into(),
            max_width_mm: Some(30.0),
            align: Align::Right,
            ink: Ink::Paper,
            only_if: None,
        },
    ];
    let w = 30.5;
    let mut y = 7.6;
    let mut line = |t: &str, only_if: Option<&str>| {
        elements.push(Element::Text {
            x_mm: 1.5,
            y_mm: y,
            size_mm: 2.6,
            text: t.into(),
            max_width_mm: Some(w),
            align: Align::Left,
            ink: Ink::Black,
            only_if: only_if.map(str::to_string),
        });
        y += 3.55;
    };
    line("{identifier}", None);
    line("校准日期 {cal_last_date}", None);
    line("证书编号 {cal_certificate_no}", None);
    line("校准 {cal_calibrated_by}  批准 {cal_approved_by}", None);
    if restricted {
        line("准用范围 {restriction}", None);
    }
    line("下次校准 {cal_next_due}", Some("cal_next_due"));
    elements.push(Element::Qr {
        x_mm: 32.0,
        y_mm: 8.5,
        size_mm: 17.5,
    });
    let mut required: Vec<String> = [
        "cal_last_date",
        "cal_certificate_no",
        "cal_calibrated_by",
        "cal_approved_by",
    ]
    .map(String::from)
    .to_vec();
    if restricted {
        required.push("restriction".into());
    }
    LabelTemplate {
        name: name.into(),
        title: format!("{word}标签 Calibration status: {english}"),
        width_mm: 50.0,
        height_mm: 30.0,
        dpi: 203,
        accent: Some(accent),
        required,
        qr_ecc: None,
        elements,
    }
}

/// A built-in template by name.
pub fn builtin(name: &str) -> Option<LabelTemplate> {
    match name {
        IDENTIFIER => Some(identifier_label()),
        CAL_PASS => Some(status_label(
            CAL_PASS,
            "合格",
            "PASS",
            Rgb(0, 150, 70),
            false,
        )),
        CAL_RESTRICTED => Some(status_label(
            CAL_RESTRICTED,
            "准用",
            "RESTRICTED",
            Rgb(215, 150, 0),
            true,
        )),
        CAL_FAIL => Some(status_label(
            CAL_FAIL,
            "停用",
            "OUT OF USE",
            Rgb(210, 30, 30),
            false,
        )),
        _ => None,
    }
}
