//! Printer profiles: add (as typed or as a profile), list, remove, ask for status, test print.

use chrono::Local;
use idstation_labels::{
    LabelData, LabelTemplate, Language, PrinterProfile, PrinterStatus, RenderOptions, ZplOptions,
};
use idstation_store::StoreError;

use super::{timeout, NewPrinter};
use crate::{Result, Workstation, WsError};

impl Workstation {
    /// Adds (or with `replace`, changes) a printer profile. A bad profile changes nothing.
    pub fn add_printer(&mut self, p: &PrinterProfile, replace: bool) -> Result<()> {
        let problems = p.problems();
        if !problems.is_empty() {
            return Err(WsError::InvalidPrinter(
                problems
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            ));
        }
        let body = serde_json::to_string(p).map_err(StoreError::from)?;
        Ok(self
            .store
            .save_printer(&self.actor, &p.name, &body, replace)?)
    }

    /// Adds a printer as a person described it (see [`NewPrinter`]) and returns its profile.
    pub fn add_new_printer(&mut self, p: &NewPrinter, replace: bool) -> Result<PrinterProfile> {
        let profile = p.profile()?;
        self.add_printer(&profile, replace)?;
        Ok(profile)
    }

    pub fn printer(&self, name: &str) -> Result<PrinterProfile> {
        let body = self.store.printer(name)?.ok_or_else(|| {
            StoreError::LabelNotFound(idstation_store::LabelThing::Printer, name.to_string())
        })?;
        Ok(serde_json::from_str(&body).map_err(StoreError::from)?)
    }

    pub fn list_printers(&self) -> Result<Vec<PrinterProfile>> {
        let mut out = Vec::new();
        for (_, body) in self.store.list_printers()? {
            out.push(serde_json::from_str(&body).map_err(StoreError::from)?);
        }
        Ok(out)
    }

    pub fn remove_printer(&mut self, name: &str) -> Result<()> {
        let note = crate::i18n::job_note(crate::i18n::JobNote::PrinterRemoved, self.lang);
        Ok(self.store.remove_printer(&self.actor, name, &note)?)
    }

    /// Asks the printer how it is (Zebra `~HS`, TSC `<ESC>!?`; silence = offline).
    pub fn printer_status(&self, name: &str) -> Result<PrinterStatus> {
        let p = self.printer(name)?;
        Ok(p.transport.status(p.language, timeout(&p)))
    }

    /// Prints a test label on a printer right away (not queued): its name, resolution, the
    /// date and a QR code. Returns the status seen before sending.
    pub fn test_print(&mut self, name: &str) -> Result<PrinterStatus> {
        let p = self.printer(name)?;
        let status = p.transport.status(p.language, timeout(&p));
        if !status.is_ready() {
            return Err(WsError::PrinterNotReady(name.to_string(), status));
        }
        let mut data = LabelData {
            qr_payload: format!("IDSTATION TEST {}", p.name.to_ascii_uppercase()),
            ..Default::default()
        };
        data.fields.insert("printer".into(), p.name.clone());
        data.fields.insert(
            "when".into(),
            Local::now().format("%Y-%m-%d %H:%M").to_string(),
        );
        data.fields.insert(
            "spec".into(),
            format!(
                "{} {} dpi {}",
                p.language.as_str().to_uppercase(),
                p.dpi,
                p.transport.describe()
            ),
        );
        let t = test_template();
        let label = self.renderer()?.render(
            &t,
            &data,
            &RenderOptions {
                dpi: Some(p.dpi),
                ecc: idstation_labels::Ecc::M,
            },
        )?;
        let zo = ZplOptions {
            native_qr: p.native_qr,
            darkness: p.darkness,
            offset_x: idstation_labels::mm_to_dots(p.offset_x_mm, p.dpi),
            offset_y: idstation_labels::mm_to_dots(p.offset_y_mm, p.dpi),
            copies: 1,
        };
        let bytes = match p.language {
            Language::Zpl => idstation_labels::to_zpl(&label, &zo),
            Language::Tspl => idstation_labels::to_tspl(&label, p.gap_mm, &zo),
            Language::Pdf => idstation_labels::to_pdf(&label, "IDStation test")?,
        };
        p.transport.send(
            &bytes,
            p.language != Language::Pdf,
            "IDStation test",
            timeout(&p),
        )?;
        Ok(status)
    }
}

fn test_template() -> LabelTemplate {
    use idstation_labels::{Align, Element, Ink};
    let text = |y: f32, size: f32, t: &str| Element::Text {
        x_mm: 2.0,
        y_mm: y,
        size_mm: size,
        text: t.into(),
        max_width_mm: Some(26.0),
        align: Align::Left,
        ink: Ink::Black,
        only_if: None,
    };
    LabelTemplate {
        name: "test".into(),
        title: "打印测试 Test print".into(),
        width_mm: 50.0,
        height_mm: 30.0,
        dpi: 203,
        accent: None,
        required: vec![],
        qr_ecc: None,
        elements: vec![
            Element::Box {
                x_mm: 0.5,
                y_mm: 0.5,
                width_mm: 49.0,
                height_mm: 29.0,
                thickness_mm: 0.3,
                fill: None,
            },
            text(2.0, 4.0, "打印测试 TEST"),
            text(8.0, 2.6, "{printer}"),
            text(12.0, 2.4, "{spec}"),
            text(16.0, 2.4, "{when}"),
            text(20.0, 2.4, "标识解析 中文字体 OK"),
            Element::Qr {
                x_mm: 29.0,
                y_mm: 5.0,
                size_mm: 20.0,
            },
        ],
    }
}
