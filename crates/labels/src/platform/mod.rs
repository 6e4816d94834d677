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
