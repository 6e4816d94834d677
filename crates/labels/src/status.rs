//! Printer status answers: Zebra `~HS` (three `<STX>…<ETX>` strings) and TSC `<ESC>!?` (one byte).

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PrinterState {
    Ready,
    /// Answered, but cannot print now (the flags say why).
    Error,
    /// No answer within the timeout: off, unplugged, or (Zebra) in media-out / head-open.
    Offline,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PrinterStatus {
    pub state: PrinterState,
    /// Stable flag names: paper_out, paused, head_open, ribbon_out, buffer_full, ...
    pub flags: Vec<String>,
    /// The raw answer, for support.
    pub raw: String,
}

impl PrinterStatus {
    pub fn offline() -> PrinterStatus {
        PrinterStatus {
            state: PrinterState::Offline,
            flags: vec![],
            raw: String::new(),
        }
    }

    /// Ready, as far as the transport can tell (CUPS queues, device files).
    pub fn assumed_ready(raw: &str) -> PrinterStatus {
        PrinterStatus {
            state: PrinterState::Ready,
            flags: vec![],
            raw: raw.to_string(),
        }
    }

    pub fn is_ready(&self) -> bool {
        self.state == PrinterState::Ready
    }
}

/// How many complete `<STX>…<ETX>` strings a buffer holds.
pub fn count_zebra_strings(buf: &[u8]) -> usize {
    buf.iter().filter(|&&b| b == 0x03).count()
}

/// Parses a `~HS` answer. `None` unless all three strings are there and well formed.
pub fn parse_zebra_hs(buf: &[u8]) -> Option<PrinterStatus> {
    let text = String::from_utf8_lossy(buf);
    let mut strings = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find('\u{2}') {
        let after = &rest[start + 1..];
        let end = after.find('\u{3}')?;
        strings.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    if strings.len() < 3 {
        return None;
    }
    let s1: Vec<&str> = strings[0].split(',').map(str::trim).collect();
    let s2: Vec<&str> = strings[1].split(',').map(str::trim).collect();
    if s1.len() < 12 || s2.len() < 10 {
        return None;
    }
    // Every field of a real answer is a number: junk on port 9100 (commas and nothing else, a
    // banner, another protocol) is no printer's status, and must not read as a ready printer.
    let numeric = |v: &&str| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
    if !s1.iter().all(numeric) || !s2.iter().all(numeric) {
        return None;
    }
    let on = |v: &str| v == "1";
    let mut flags = Vec::new();
    // String 1: aaa,b(paper out),c(pause),dddd,eee,f(buffer full),g(diag),h(partial format),
    // iii,j(corrupt RAM),k(under temperature),l(over temperature)
    for (i, name) in [
        (1, "paper_out"),
        (2, "paused"),
        (5, "buffer_full"),
        (9, "corrupt_ram"),
        (10, "under_temperature"),
        (11, "over_temperature"),
    ] {
        if on(s1[i]) {
            flags.push(name.to_string());
        }
    }
    // String 2: mmm,n,o(head up),p(ribbon out),q(thermal transfer),r,s,t(label waiting),...
    for (i, name) in [(2, "head_open"), (3, "ribbon_out")] {
        if on(s2[i]) {
            flags.push(name.to_string());
        }
    }
    // Ribbon out matters only in thermal-transfer mode.
    if !on(s2[4]) {
        flags.retain(|f| f != "ribbon_out");
    }
    Some(PrinterStatus {
        state: if flags.is_empty() {
            PrinterState::Ready
        } else {
            PrinterState::Error
        },
        flags,
        raw: strings.join(" | "),
    })
}

/// Parses the TSC `<ESC>!?` status byte.
pub fn parse_tsc_status(b: u8) -> PrinterStatus {
    let mut flags = Vec::new();
    for (bit, name) in [
        (0x01, "head_open"),
        (0x02, "paper_jam"),
        (0x04, "paper_out"),
        (0x08, "ribbon_out"),
        (0x10, "paused"),
        (0x80, "other_error"),
    ] {
        if b & bit != 0 {
            flags.push(name.to_string());
        }
    }
    PrinterStatus {
        state: if flags.is_empty() {
            PrinterState::Ready
        } else {
            PrinterState::Error
        },
        flags,
        raw: format!("0x{b:02X}"),
    }
}
