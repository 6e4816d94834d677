//! Labels and printing in words: label and printer errors, a printer's status, a job's state and
//! the notes the queue writes on jobs (`locales/<lang>/printing.ftl`).

use idstation_labels::{CodeKind, LabelError, PrinterState, PrinterStatus, TransportError};
use idstation_model::Field;
use idstation_store::JobState;

use super::{join_list, Lang};
use crate::tr;

pub fn label_error(e: &LabelError, lang: Lang) -> String {
    use LabelError as E;
    match e {
        E::MissingFields(f) => tr!(
            lang,
            "label-missing-fields",
            fields = join_list(f.iter().map(|k| label_field_name(k, lang)), lang)
        ),
        E::InvalidTemplate(m) => tr!(lang, "label-invalid-template", detail = m),
        E::UnsupportedDpi(d) => tr!(lang, "label-unsupported-dpi", dpi = d),
        E::QrTooSmall {
            size_mm,
            dpi,
            modules,
        } => tr!(
            lang,
            "label-qr-too-small",
            size = size_mm,
            dpi = dpi,
            modules = modules
        ),
        E::QrData(m) => tr!(lang, "label-qr-data", detail = m),
        E::BarcodeData(v) => tr!(lang, "label-barcode-data", value = v),
        E::BarcodeTooWide(v) => tr!(lang, "label-barcode-too-wide", value = v),
        E::OutsideLabel {
            what: CodeKind::Qr,
            width_mm,
            height_mm,
        } => tr!(
            lang,
            "label-qr-outside",
            width = width_mm,
            height = height_mm
        ),
        E::OutsideLabel {
            what: CodeKind::Code128,
            width_mm,
            height_mm,
        } => tr!(
            lang,
            "label-barcode-outside",
            width = width_mm,
            height = height_mm
        ),
        E::Image(m) => tr!(lang, "label-image", detail = m),
        E::Pdf(m) => tr!(lang, "label-pdf", detail = m),
        E::Png(m) => tr!(lang, "label-png", detail = m),
        E::Font => tr!(lang, "label-font"),
        other => other.to_string(),
    }
}

/// A label field key as people know it (`restriction` is the 准用 label's permitted ranges).
pub fn label_field_name(key: &str, lang: Lang) -> String {
    if key == "restriction" {
        return tr!(lang, "label-field-restriction");
    }
    Field::from_key(key)
        .map(|f| super::field_label(&f, lang))
        .unwrap_or_else(|| key.to_string())
}

pub fn transport_error(e: &TransportError, lang: Lang) -> String {
    use TransportError as E;
    match e {
        E::Offline(w) => tr!(lang, "printer-offline", printer = w),
        E::NotReady(flags) => tr!(lang, "printer-reports", flags = flag_list(flags, lang)),
        E::Refused(m) => tr!(lang, "printer-refused", detail = m),
        E::Io(m) => tr!(lang, "printer-io", detail = m),
        E::NoCups(m) => tr!(lang, "printer-no-cups", detail = m),
        other => other.to_string(),
    }
}

/// What the print queue notes on a job it changed by itself.
#[derive(Debug, Clone, Copy)]
pub enum JobNote {
    PrinterRemoved,
    Interrupted,
}

pub fn job_note(note: JobNote, lang: Lang) -> String {
    match note {
        JobNote::PrinterRemoved => tr!(lang, "job-note-printer-removed"),
        JobNote::Interrupted => tr!(lang, "job-note-interrupted"),
    }
}

/// A status flag a printer reported (`paper_out`, `head_open`, …); unknown ones as they are.
pub fn printer_flag(flag: &str, lang: Lang) -> String {
    match flag {
        "paper_out" => tr!(lang, "flag-paper-out"),
        "paused" => tr!(lang, "flag-paused"),
        "head_open" => tr!(lang, "flag-head-open"),
        "ribbon_out" => tr!(lang, "flag-ribbon-out"),
        "buffer_full" => tr!(lang, "flag-buffer-full"),
        "corrupt_ram" => tr!(lang, "flag-corrupt-ram"),
        "under_temperature" => tr!(lang, "flag-under-temperature"),
        "over_temperature" => tr!(lang, "flag-over-temperature"),
        "paper_jam" => tr!(lang, "flag-paper-jam"),
        "other_error" => tr!(lang, "flag-other-error"),
        "queue_disabled" => tr!(lang, "flag-queue-disabled"),
        other => other.to_string(),
    }
}

fn flag_list(flags: &[String], lang: Lang) -> String {
    join_list(flags.iter().map(|f| printer_flag(f, lang)), lang)
}

pub fn printer_status_text(st: &PrinterStatus, lang: Lang) -> String {
    match st.state {
        PrinterState::Ready => tr!(lang, "printer-ready"),
        PrinterState::Offline => tr!(lang, "printer-no-answer"),
        PrinterState::Error => tr!(lang, "printer-error", flags = flag_list(&st.flags, lang)),
    }
}

pub fn job_state_label(s: JobState, lang: Lang) -> String {
    match s {
        JobState::Queued => tr!(lang, "job-queued"),
        JobState::Sending => tr!(lang, "job-sending"),
        JobState::Done => tr!(lang, "job-done"),
        JobState::Failed => tr!(lang, "job-failed"),
        JobState::Cancelled => tr!(lang, "job-cancelled"),
    }
}
