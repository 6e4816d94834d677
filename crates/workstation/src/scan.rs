//! Opening what a barcode scanner typed: this workstation's record first, then the node's (if
//! this workstation signed in to one), else "unknown" so the person can register it.

use chrono::NaiveDate;

use crate::view::{node_view, ScanOutcome};
use crate::{Lang, Result, Workstation, WsError};

impl Workstation {
    /// The scanned instrument if it is registered here (bad text is an identifier error). Cheap:
    /// never leaves this workstation.
    pub fn scan_here(&self, text: &str) -> Result<Option<ScanOutcome>> {
        let id = Self::parse_identifier(text)?;
        Ok(self.store.get_instrument(&id)?.map(|_| ScanOutcome::Local {
            identifier: id.to_string(),
        }))
    }

    /// Opens what a scanner typed: this workstation's record first; otherwise the node's (if
    /// this workstation signed in to one; a short timeout, never a sign-in); otherwise
    /// "unknown", so the app can offer to register it. Bad text is an identifier error.
    pub fn resolve_scan(&self, text: &str, today: NaiveDate, lang: Lang) -> Result<ScanOutcome> {
        if let Some(local) = self.scan_here(text)? {
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
