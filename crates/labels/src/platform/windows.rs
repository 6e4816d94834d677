//! Named print queues on Windows: the job goes to the print spooler with the "RAW" datatype,
//! so ZPL and TSPL reach the label printer byte for byte (as CUPS's `-o raw` does); a PDF for
//! an office printer is sent the same way and needs a printer that takes PDF directly.
//! Status comes from the queue's PRINTER_INFO_2 flags. NOT YET VERIFIED: written against the
//! `windows` crate's documented signatures, never compiled or run here (installer/README.md).
//! The only unsafe code in the project: Win32 calls have no safe form.
#![allow(unsafe_code)]

use std::time::Duration;

use windows::core::{PCWSTR, PWSTR};
use windows::Win32::Graphics::Printing::{
    ClosePrinter, EndDocPrinter, EndPagePrinter, GetPrinterW, OpenPrinterW, StartDocPrinterW,
    StartPagePrinter, WritePrinter, DOC_INFO_1W, PRINTER_ATTRIBUTE_WORK_OFFLINE, PRINTER_HANDLE,
    PRINTER_INFO_2W, PRINTER_STATUS_DOOR_OPEN, PRINTER_STATUS_ERROR, PRINTER_STATUS_NOT_AVAILABLE,
    PRINTER_STATUS_OFFLINE, PRINTER_STATUS_PAPER_JAM, PRINTER_STATUS_PAPER_OUT,
    PRINTER_STATUS_PAPER_PROBLEM, PRINTER_STATUS_PAUSED, PRINTER_STATUS_SERVER_OFFLINE,
    PRINTER_STATUS_USER_INTERVENTION,
};

use crate::status::{PrinterState, PrinterStatus};
use crate::transport::TransportError;

/// NUL-terminated UTF-16, as the W functions take it.
fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

/// `queue` on this machine, or `\\server\queue` for a shared printer.
fn printer_name(queue: &str, server: Option<&str>) -> String {
    match server {
        Some(sv) => format!(r"\\{}\{queue}", sv.trim_start_matches('\\')),
        None => queue.to_owned(),
    }
}

/// An open printer, closed when dropped.
struct Printer(PRINTER_HANDLE);

impl Printer {
    fn open(name: &str) -> Result<Printer, TransportError> {
        let name = wide(name);
        let mut handle = PRINTER_HANDLE::default();
        // SAFETY: `name` is NUL-terminated and outlives the call; `handle` is written once.
        unsafe { OpenPrinterW(PCWSTR(name.as_ptr()), &mut handle, None) }
            .map_err(|e| TransportError::Offline(e.to_string()))?;
        Ok(Printer(handle))
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        // SAFETY: the handle came from OpenPrinterW and is closed only here.
        let _ = unsafe { ClosePrinter(self.0) };
    }
}

fn last_error(what: &str) -> TransportError {
    TransportError::Io(format!("{what}: {}", std::io::Error::last_os_error()))
}

fn write_job(name: &str, bytes: &[u8], title: &str) -> Result<(), TransportError> {
    let printer = Printer::open(name)?;
    let mut doc_name = wide(title);
    let mut datatype = wide("RAW");
    let info = DOC_INFO_1W {
        pDocName: PWSTR(doc_name.as_mut_ptr()),
        pOutputFile: PWSTR::null(),
        pDatatype: PWSTR(datatype.as_mut_ptr()),
    };
    // SAFETY: `info` and the strings it points to live until EndDocPrinter; the buffer
    // pointers and lengths below come from one slice.
    unsafe {
        if StartDocPrinterW(printer.0, 1, &info) == 0 {
            return Err(last_error("StartDocPrinter"));
        }
        if !StartPagePrinter(printer.0).as_bool() {
            let _ = EndDocPrinter(printer.0);
            return Err(last_error("StartPagePrinter"));
        }
        let mut rest = bytes;
        while !rest.is_empty() {
            let chunk = &rest[..rest.len().min(1 << 20)];
            let mut written = 0u32;
            let ok = WritePrinter(
                printer.0,
                chunk.as_ptr().cast(),
                chunk.len() as u32,
                &mut written,
            );
            if !ok.as_bool() || written == 0 {
                let _ = EndPagePrinter(printer.0);
                let _ = EndDocPrinter(printer.0);
                return Err(last_error("WritePrinter"));
            }
            rest = &rest[written as usize..];
        }
        let _ = EndPagePrinter(printer.0);
        if !EndDocPrinter(printer.0).as_bool() {
            return Err(last_error("EndDocPrinter"));
        }
    }
    Ok(())
}

pub(super) fn spool(
    queue: &str,
    server: Option<&str>,
    bytes: &[u8],
    _raw: bool,
    title: &str,
    timeout: Duration,
    _options: &[String],
) -> Result<(), TransportError> {
    // A remote spooler can hang; the thread is left behind on timeout, as for device files.
    let (name, data, title) = (
        printer_name(queue, server),
        bytes.to_vec(),
        title.to_owned(),
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(write_job(&name, &data, &title));
    });
    rx.recv_timeout(timeout).unwrap_or_else(|_| {
        Err(TransportError::Offline(
            "the print spooler did not answer in time".into(),
        ))
    })
}

/// The spooler's flags for the queue, in the names `status.rs` uses.
fn flags(status: u32, attributes: u32) -> Vec<String> {
    let named = [
        (PRINTER_STATUS_PAUSED, "paused"),
        (PRINTER_STATUS_ERROR, "error"),
        (PRINTER_STATUS_PAPER_JAM, "paper_jam"),
        (PRINTER_STATUS_PAPER_OUT, "paper_out"),
        (PRINTER_STATUS_PAPER_PROBLEM, "paper_problem"),
        (PRINTER_STATUS_OFFLINE, "offline"),
        (PRINTER_STATUS_NOT_AVAILABLE, "not_available"),
        (PRINTER_STATUS_DOOR_OPEN, "head_open"),
        (PRINTER_STATUS_USER_INTERVENTION, "user_intervention"),
        (PRINTER_STATUS_SERVER_OFFLINE, "offline"),
    ];
    let mut out: Vec<String> = named
        .iter()
        .filter(|(bit, _)| status & bit != 0)
        .map(|(_, n)| (*n).to_owned())
        .collect();
    if attributes & PRINTER_ATTRIBUTE_WORK_OFFLINE != 0 {
        out.push("offline".into());
    }
    out.dedup();
    out
}

fn read_status(name: &str) -> Option<PrinterStatus> {
    let printer = Printer::open(name).ok()?;
    let mut needed = 0u32;
    // SAFETY: the first call only asks for the size; the second fills a buffer of that size,
    // aligned for PRINTER_INFO_2W (a Vec<u64>), and the struct is read from its start.
    unsafe {
        let _ = GetPrinterW(printer.0, 2, None, &mut needed);
        if needed == 0 {
            return None;
        }
        let mut buf = vec![0u64; (needed as usize).div_ceil(8)];
        let bytes = std::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<u8>(), needed as usize);
        GetPrinterW(printer.0, 2, Some(bytes), &mut needed).ok()?;
        let info = &*(buf.as_ptr().cast::<PRINTER_INFO_2W>());
        let flags = flags(info.Status, info.Attributes);
        let raw = format!(
            "status=0x{:08x} attributes=0x{:08x}",
            info.Status, info.Attributes
        );
        Some(
            if flags.iter().any(|f| f == "offline" || f == "not_available") {
                PrinterStatus {
                    state: PrinterState::Offline,
                    flags,
                    raw,
                }
            } else if flags.is_empty() {
                PrinterStatus::assumed_ready(&raw)
            } else {
                PrinterStatus {
                    state: PrinterState::Error,
                    flags,
                    raw,
                }
            },
        )
    }
}

pub(super) fn queue_status(queue: &str, server: Option<&str>, timeout: Duration) -> PrinterStatus {
    let name = printer_name(queue, server);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(read_status(&name));
    });
    rx.recv_timeout(timeout)
        .ok()
        .flatten()
        .unwrap_or_else(PrinterStatus::offline)
}

/// `COM1`, `LPT1`, `\\.\USB001`, `C:\labels\out.prn`.
pub(super) fn is_device_path(s: &str) -> bool {
    let upper = s.to_ascii_uppercase();
    let port = |p: &str| {
        upper
            .strip_prefix(p)
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    };
    port("COM")
        || port("LPT")
        || s.starts_with(r"\\.\")
        || (s.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
            && s.as_bytes().get(1..3) == Some(b":\\"))
}
