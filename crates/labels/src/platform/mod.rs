//! The one place where printing differs by operating system: a named print queue (Unix: CUPS
//! through `lp` and `lpstat`; Windows: the print spooler in raw mode, for ZPL and TSPL bytes
//! as they are) and what a device path looks like. Raw TCP and device files work through
//! `std` everywhere and stay in `transport.rs`. The Windows side is written but not yet
//! built or run (no Windows build machine here; see installer/README.md).

use std::time::Duration;

use crate::status::PrinterStatus;
use crate::transport::TransportError;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as os;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as os;

/// Sends one job to a named queue (`server` for a remote queue). `raw` for label languages;
/// `options` are CUPS `-o` options, which the Windows spooler has no use for.
pub(crate) fn spool(
    queue: &str,
    server: Option<&str>,
    bytes: &[u8],
    raw: bool,
    title: &str,
    timeout: Duration,
    options: &[String],
) -> Result<(), TransportError> {
    os::spool(queue, server, bytes, raw, title, timeout, options)
}

/// How a named queue is, as far as the system can tell.
pub(crate) fn queue_status(queue: &str, server: Option<&str>, timeout: Duration) -> PrinterStatus {
    os::queue_status(queue, server, timeout)
}

/// Whether a device address is a printer port, not a file: `/dev/usb/lp<n>`, `/dev/lp<n>`,
/// `/dev/tty{USB,ACM,S}<n>` on Unix; `COM<n>`, `LPT<n>` or `\\.\…` on Windows.
pub(crate) fn is_printer_port(s: &str) -> bool {
    // `prefix` then a port number of one to three digits, nothing else.
    let numbered = |s: &str, prefix: &str| {
        s.strip_prefix(prefix)
            .is_some_and(|n| (1..=3).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
    };
    if [
        "/dev/usb/lp",
        "/dev/lp",
        "/dev/ttyUSB",
        "/dev/ttyACM",
        "/dev/ttyS",
    ]
    .iter()
    .any(|p| numbered(s, p))
    {
        return true;
    }
    let upper = s.to_ascii_uppercase();
    cfg!(windows)
        && (numbered(&upper, "COM")
            || numbered(&upper, "LPT")
            || (s.starts_with(r"\\.\") && !s.contains("..")))
}

/// Whether a printer address names a device or file rather than a host: `/dev/usb/lp0` on
/// Unix; `COM1`, `LPT1`, `\\.\USB001` or a drive path on Windows.
pub(crate) fn is_device_path(s: &str) -> bool {
    if s.starts_with('/') {
        return true;
    }
    #[cfg(windows)]
    {
        windows::is_device_path(s)
    }
    #[cfg(not(windows))]
    {
        false
    }
}
