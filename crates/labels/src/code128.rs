//! Code 128 as a row of modules.

use barcoders::sym::code128::Code128;

use crate::{LabelError, Result};

/// Modules (`1` = bar) of a Code 128 symbol for printable ASCII text, in code set B.
pub fn encode(text: &str) -> Result<Vec<u8>> {
    if text.is_empty() || !text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(LabelError::BarcodeData(text.to_string()));
    }
    let sym = Code128::new(format!("\u{0181}{text}"))
        .map_err(|_| LabelError::BarcodeData(text.to_string()))?;
    Ok(sym.encode())
}
