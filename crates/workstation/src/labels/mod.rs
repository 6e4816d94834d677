//! Labels and printing use cases: render a label in any format, print it through the queue, batch
//! print with progress, reprint with a reason, retry and cancel, printer profiles and test prints.
//!
//! Printing goes through the queue in the store: a job is stored (bytes + preview + audit entry)
//! before anything is sent, so a crash or a dead printer never loses it. A printer that does not
//! answer leaves its jobs queued; [`crate::Workstation::process_print_queue`] sends them when it
//! is back.
//!
//! Here: what the use cases take and give (the IPC ones with their TypeScript twins). The use
//! cases: `render.rs` (templates, rendering), `printers.rs` (profiles, status, test print),
//! `queue.rs` (printing, the queue and its history).

use std::collections::BTreeMap;
use std::time::Duration;

use idstation_labels::{Format, Language, PrinterProfile, Transport};
use idstation_store::JobState;
use serde::Serialize;
use ts_rs::TS;

use crate::{Result, WsError};

mod printers;
mod queue;
mod render;

/// After this many attempts a job that still cannot reach its printer is marked failed.
pub const MAX_ATTEMPTS: i64 = 50;

/// One label to make: which instrument, which template, and values the record does not hold
/// (`restriction` for 准用 labels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelRequest {
    pub identifier: String,
    pub template: String,
    pub extra: BTreeMap<String, String>,
    pub copies: u32,
}

impl LabelRequest {
    pub fn new(identifier: &str, template: &str) -> LabelRequest {
        LabelRequest {
            identifier: identifier.to_string(),
            template: template.to_string(),
            extra: BTreeMap::new(),
            copies: 1,
        }
    }

    /// The permitted ranges a 准用 label shows (none when empty).
    pub fn with_restriction(mut self, restriction: Option<String>) -> LabelRequest {
        if let Some(r) = restriction.filter(|r| !r.trim().is_empty()) {
            self.extra.insert("restriction".to_string(), r);
        }
        self
    }
}

/// A printer as a person describes it (the CLI's `printer add` flags, the app's form): its
/// language and address as typed, its media as `WxH` millimetres.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPrinter {
    pub name: String,
    /// `zpl`, `tspl` or `pdf`.
    pub language: String,
    /// `tcp://host:9100`, `cups://queue`, `cups://server:631/queue` or a device path.
    pub uri: String,
    pub dpi: u32,
    pub darkness: Option<u8>,
    pub offset_x_mm: f32,
    pub offset_y_mm: f32,
    pub gap_mm: f32,
    /// e.g. `50x30`; empty or absent: the template's size.
    pub media: Option<String>,
    pub native_qr: bool,
    pub timeout_ms: u64,
    pub cups_options: Vec<String>,
}

impl NewPrinter {
    /// A printer with the usual settings for the rest (2 mm gap, 3 s timeout).
    pub fn new(name: &str, language: &str, uri: &str, dpi: u32) -> NewPrinter {
        NewPrinter {
            name: name.to_string(),
            language: language.to_string(),
            uri: uri.to_string(),
            dpi,
            darkness: None,
            offset_x_mm: 0.0,
            offset_y_mm: 0.0,
            gap_mm: 2.0,
            media: None,
            native_qr: false,
            timeout_ms: 3000,
            cups_options: vec![],
        }
    }

    /// The profile it describes, or which setting could not be read.
    pub fn profile(&self) -> Result<PrinterProfile> {
        let bad = |field: &'static str, value: &str| WsError::InvalidSetting(field, value.into());
        let language =
            Language::parse(&self.language).ok_or_else(|| bad("language", &self.language))?;
        let transport = Transport::parse(&self.uri).ok_or_else(|| bad("uri", &self.uri))?;
        let (media_width_mm, media_height_mm) =
            match self.media.as_deref().filter(|m| !m.trim().is_empty()) {
                None => (None, None),
                Some(m) => {
                    let (w, h) = parse_media(m).ok_or_else(|| bad("media", m))?;
                    (Some(w), Some(h))
                }
            };
        Ok(PrinterProfile {
            name: self.name.clone(),
            language,
            dpi: self.dpi,
            media_width_mm,
            media_height_mm,
            gap_mm: self.gap_mm,
            darkness: self.darkness,
            offset_x_mm: self.offset_x_mm,
            offset_y_mm: self.offset_y_mm,
            native_qr: self.native_qr,
            cups_options: self.cups_options.clone(),
            transport,
            timeout_ms: self.timeout_ms,
        })
    }
}

/// `50x30` (or `50×30`) millimetres.
fn parse_media(m: &str) -> Option<(f32, f32)> {
    let (w, h) = m
        .to_ascii_lowercase()
        .split_once(['x', '×'])
        .map(|(w, h)| (w.trim().to_string(), h.trim().to_string()))?;
    Some((w.parse().ok()?, h.parse().ok()?))
}

/// A print job as the queue and the history show it: the store's row, without the label's
/// bytes. Its own type so that its TypeScript twin is generated like every other IPC type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PrintJob {
    pub id: i64,
    pub batch_id: Option<String>,
    pub printer: String,
    pub identifier: String,
    pub template: String,
    pub format: String,
    pub copies: u32,
    pub payload_sha256: String,
    pub payload_bytes: i64,
    #[ts(as = "JobStateName")]
    pub state: JobState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub reprint_of: Option<i64>,
    pub reason: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub done_at: Option<String>,
}

impl From<idstation_store::PrintJob> for PrintJob {
    fn from(j: idstation_store::PrintJob) -> PrintJob {
        PrintJob {
            id: j.id,
            batch_id: j.batch_id,
            printer: j.printer,
            identifier: j.identifier,
            template: j.template,
            format: j.format,
            copies: j.copies,
            payload_sha256: j.payload_sha256,
            payload_bytes: j.payload_bytes,
            state: j.state,
            attempts: j.attempts,
            last_error: j.last_error,
            reprint_of: j.reprint_of,
            reason: j.reason,
            created_by: j.created_by,
            created_at: j.created_at,
            updated_at: j.updated_at,
            done_at: j.done_at,
        }
    }
}

/// The TypeScript side of the store's `JobState`: its serde names (a test keeps them equal).
#[derive(Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "JobState")]
#[allow(dead_code)] // Only its TypeScript twin is used.
pub(crate) enum JobStateName {
    Queued,
    Sending,
    Done,
    Failed,
    Cancelled,
}

/// A rendered label: the bytes in the asked format and the PNG preview.
#[derive(Debug, Clone)]
pub struct RenderedFile {
    pub format: Format,
    pub bytes: Vec<u8>,
    pub preview_png: Vec<u8>,
    pub qr_payload: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct TemplateInfo {
    pub name: String,
    pub title: String,
    pub builtin: bool,
    pub width_mm: f32,
    pub height_mm: f32,
}

/// Progress of a batch or a queue run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct PrintProgress {
    pub done: usize,
    pub total: usize,
    pub job_id: i64,
    #[ts(as = "JobStateName")]
    pub state: JobState,
}

#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct QueueReport {
    pub printed: Vec<i64>,
    pub still_queued: Vec<i64>,
    pub failed: Vec<i64>,
}

fn timeout(p: &PrinterProfile) -> Duration {
    Duration::from_millis(p.timeout_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typescript_job_states_are_the_stores() {
        for name in [
            JobStateName::Queued,
            JobStateName::Sending,
            JobStateName::Done,
            JobStateName::Failed,
            JobStateName::Cancelled,
        ] {
            let text = serde_json::to_value(&name).expect("json");
            let state = JobState::parse(text.as_str().expect("a name")).expect("a store state");
            assert_eq!(serde_json::to_value(state).expect("json"), text);
        }
    }

    #[test]
    fn a_described_printer_becomes_its_profile_or_names_the_bad_setting() {
        let mut p = NewPrinter::new("zebra", "ZPL", "tcp://10.0.0.5:9100", 203);
        p.media = Some("50×30".into());
        let profile = p.profile().expect("profile");
        assert_eq!(profile.language, Language::Zpl);
        assert_eq!(
            (profile.media_width_mm, profile.media_height_mm),
            (Some(50.0), Some(30.0))
        );
        p.media = Some(" ".into());
        assert_eq!(p.profile().expect("profile").media_width_mm, None);
        p.media = Some("50 by 30".into());
        assert_eq!(p.profile().expect_err("media").code(), "invalid_setting");
        p.media = None;
        p.uri = "ftp://nope".into();
        assert!(matches!(
            p.profile(),
            Err(WsError::InvalidSetting("uri", _))
        ));
    }
}
