//! Printer profiles: what language a printer speaks, its resolution and media, and how to reach it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::output::Format;
use crate::transport::Transport;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Zebra ZPL II.
    Zpl,
    /// TSC TSPL (most Chinese desktop label printers).
    Tspl,
    /// An office printer through CUPS or a driver: PDF.
    Pdf,
}

impl Language {
    pub fn parse(s: &str) -> Option<Language> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zpl" => Some(Language::Zpl),
            "tspl" => Some(Language::Tspl),
            "pdf" => Some(Language::Pdf),
            _ => None,
        }
    }

    pub fn format(self) -> Format {
        match self {
            Language::Zpl => Format::Zpl,
            Language::Tspl => Format::Tspl,
            Language::Pdf => Format::Pdf,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.format().as_str()
    }
}

fn default_gap() -> f32 {
    2.0
}

fn default_timeout() -> u64 {
    3000
}

/// A printer: the language it speaks, its resolution and media, and how to reach it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PrinterProfile {
    pub name: String,
    pub language: Language,
    pub dpi: u32,
    /// Label stock size; the template's size is used when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub media_width_mm: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub media_height_mm: Option<f32>,
    /// Gap between labels (TSPL `GAP`).
    #[serde(default = "default_gap")]
    pub gap_mm: f32,
    /// ZPL 0..=30, TSPL 0..=15; `None` keeps the printer's setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub darkness: Option<u8>,
    /// Shifts the whole label, in millimetres.
    #[serde(default)]
    pub offset_x_mm: f32,
    #[serde(default)]
    pub offset_y_mm: f32,
    /// ZPL: draw QR codes with `^BQ` instead of as dots.
    #[serde(default)]
    pub native_qr: bool,
    pub transport: Transport,
    /// Extra `lp -o` options for CUPS queues (e.g. `fit-to-page`). PDF jobs get
    /// `media=Custom.<w>x<h>mm` from the media size unless one is given here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub cups_options: Vec<String>,
    /// How long to wait for the printer (connect, status answer, `lp`).
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
}

impl PrinterProfile {
    /// The `lp -o` options for a job on this printer.
    pub fn lp_options(&self) -> Vec<String> {
        let mut o = self.cups_options.clone();
        if self.language == Language::Pdf && !o.iter().any(|x| x.starts_with("media=")) {
            if let (Some(w), Some(h)) = (self.media_width_mm, self.media_height_mm) {
                o.push(format!("media=Custom.{w}x{h}mm"));
            }
        }
        o
    }

    /// What is wrong with the profile, if anything (field name, problem).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        let name_ok = !self.name.trim().is_empty()
            && self.name.chars().count() <= 64
            && !self.name.chars().any(char::is_control);
        if !name_ok {
            p.push(("name", self.name.clone()));
        }
        if ![203, 300, 600].contains(&self.dpi) {
            p.push(("dpi", self.dpi.to_string()));
        }
        let max_dark = if self.language == Language::Tspl {
            15
        } else {
            30
        };
        if self.darkness.is_some_and(|d| d > max_dark) {
            p.push(("darkness", format!("{:?}", self.darkness)));
        }
        for (k, v) in [
            ("gap_mm", Some(self.gap_mm)),
            ("media_width_mm", self.media_width_mm),
            ("media_height_mm", self.media_height_mm),
        ] {
            if v.is_some_and(|v| !v.is_finite() || !(0.0..=300.0).contains(&v)) {
                p.push((k, format!("{v:?}")));
            }
        }
        for (k, v) in [
            ("offset_x_mm", self.offset_x_mm),
            ("offset_y_mm", self.offset_y_mm),
        ] {
            if !v.is_finite() || !(-50.0..=50.0).contains(&v) {
                p.push((k, v.to_string()));
            }
        }
        if !(100..=120_000).contains(&self.timeout_ms) {
            p.push(("timeout_ms", self.timeout_ms.to_string()));
        }
        if self.cups_options.iter().any(|o| {
            o.is_empty() || o.len() > 200 || o.starts_with('-') || o.chars().any(char::is_control)
        }) {
            p.push(("cups_options", self.cups_options.join(" ")));
        }
        if let Some(e) = self.transport.problem() {
            p.push(("transport", e));
        }
        p
    }
}
