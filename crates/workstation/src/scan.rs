//! Opening what a barcode scanner typed: this workstation's record first, then the node's (if
//! this workstation signed in to one), else "unknown" so the person can register it. Text that
//! is no identifier may be an old barcode (asset number, serial number, bare suffix) of a record
//! here.

use chrono::NaiveDate;
use idstation_model::Field;
use idstation_store::CodeField;

use crate::i18n::field_label;
use crate::view::{node_view, ScanMatch, ScanOutcome};
use crate::{Lang, Result, Workstation, WsError};

/// The most records an old barcode lists; more means it is no useful code.
const MAX_CODE_MATCHES: u32 = 20;

impl Workstation {
    /// The scanned instrument if it is registered here, by identifier or by an old barcode.
    /// Text that is neither is [`WsError::UnknownScan`]. Cheap: never leaves this workstation.
    pub fn scan_here(&self, text: &str, lang: Lang) -> Result<Option<ScanOutcome>> {
        let id = match Self::parse_identifier(text) {
            Ok(id) => id,
            Err(WsError::Identifier(_)) => return self.scan_old_code(text, lang).map(Some),
            Err(e) => return Err(e),
        };
        Ok(self.store.get_instrument(&id)?.map(|_| ScanOutcome::Local {
            identifier: id.to_string(),
        }))
    }

    /// An asset number, serial number or bare identifier suffix: one record opens, several are
    /// listed, none is an error that names what was scanned.
    fn scan_old_code(&self, text: &str, lang: Lang) -> Result<ScanOutcome> {
        let code = text.trim();
        let unknown = || WsError::UnknownScan(text.to_string());
        if code.is_empty() {
            return Err(unknown());
        }
        let mut found = self.store.instruments_by_code(code, MAX_CODE_MATCHES)?;
        match found.len() {
            0 => Err(unknown()),
            1 => Ok(ScanOutcome::Local {
                identifier: found.remove(0).0.instrument.identifier.to_string(),
            }),
            _ => Ok(ScanOutcome::Several {
                text: code.to_string(),
                matches: found
                    .into_iter()
                    .map(|(r, by)| ScanMatch {
                        identifier: r.instrument.identifier.to_string(),
                        name: r.instrument.name,
                        matched_by: match by {
                            CodeField::AssetNo => field_label(&Field::AssetNo, lang),
                            CodeField::SerialNo => field_label(&Field::SerialNo, lang),
                            CodeField::Suffix => field_label(&Field::Identifier, lang),
                        },
                    })
                    .collect(),
            }),
        }
    }

    /// Opens what a scanner typed: this workstation's record first; otherwise the node's (if
    /// this workstation signed in to one; a short timeout, never a sign-in); otherwise
    /// "unknown", so the app can offer to register it. Bad text is an identifier error.
    pub fn resolve_scan(&self, text: &str, today: NaiveDate, lang: Lang) -> Result<ScanOutcome> {
        if let Some(local) = self.scan_here(text, lang)? {
            return Ok(local);
        }
        let id = Self::parse_identifier(text)?;
        let identifier = id.to_string();
        let unknown = |node_note| ScanOutcome::Unknown {
            identifier: identifier.clone(),
            node_note,
        };
        let node = self.sync_settings()?.node_url;
        let (Some(url), Some(handle)) = (node, id.as_handle()) else {
            return Ok(unknown(None));
        };
        let transport = idstation_sync::HttpTransport::new(&url)?;
        Ok(match transport.resolve_handle(&handle.to_string()) {
            Ok(Some(values)) => match node_view(&values, &self.template, today, lang) {
                Some(view) => ScanOutcome::Node {
                    identifier: identifier.clone(),
                    view: Box::new(view),
                },
                None => unknown(None),
            },
            Ok(None) => unknown(None),
            Err(e) => unknown(Some(WsError::Sync(e).message(lang))),
        })
    }
}
