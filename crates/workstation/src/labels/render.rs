//! Label templates (built in and saved), QR settings, and rendering a label in any format, for
//! a file or for one printer's language, resolution and offsets.

use idstation_labels::{
    template, Format, LabelData, LabelError, LabelTemplate, Language, PrinterProfile,
    RenderOptions, Renderer, ZplOptions,
};
use idstation_store::{LabelSettings, StoreError};

use super::{LabelRequest, RenderedFile, TemplateInfo};
use crate::{Result, Workstation, WsError};

impl Workstation {
    pub(super) fn renderer(&self) -> Result<&Renderer> {
        if self.renderer.get().is_none() {
            let r = Renderer::new()?;
            let _ = self.renderer.set(r);
        }
        self.renderer.get().ok_or(WsError::Label(LabelError::Font))
    }

    /// A stored template of that name, else the built-in one.
    pub fn label_template(&self, name: &str) -> Result<LabelTemplate> {
        if let Some(body) = self.store.label_template(name)? {
            return Ok(LabelTemplate::from_json(&body)?);
        }
        template::builtin(name).ok_or_else(|| WsError::UnknownTemplate(name.to_string()))
    }

    pub fn list_label_templates(&self) -> Result<Vec<TemplateInfo>> {
        let mut out: Vec<TemplateInfo> = Vec::new();
        let stored = self.store.list_label_templates()?;
        for name in template::builtin_names() {
            if stored.iter().any(|(n, _)| n == name) {
                continue;
            }
            if let Some(t) = template::builtin(name) {
                out.push(TemplateInfo {
                    name: t.name,
                    title: t.title,
                    builtin: true,
                    width_mm: t.width_mm,
                    height_mm: t.height_mm,
                });
            }
        }
        for (_, body) in stored {
            if let Ok(t) = LabelTemplate::from_json(&body) {
                out.push(TemplateInfo {
                    name: t.name,
                    title: t.title,
                    builtin: false,
                    width_mm: t.width_mm,
                    height_mm: t.height_mm,
                });
            }
        }
        Ok(out)
    }

    /// Stores a template from its JSON (checked first; a bad one changes nothing).
    pub fn save_label_template(&mut self, json: &str) -> Result<LabelTemplate> {
        let t = LabelTemplate::from_json(json)?;
        self.store
            .save_label_template(&self.actor, &t.name, &t.to_json())?;
        Ok(t)
    }

    pub fn delete_label_template(&mut self, name: &str) -> Result<()> {
        Ok(self.store.delete_label_template(&self.actor, name)?)
    }

    pub fn label_settings(&self) -> Result<LabelSettings> {
        Ok(self.store.label_settings()?)
    }

    /// Sets the resolver host used in QR payloads and the default QR error correction (M or Q…).
    pub fn set_label_settings(
        &mut self,
        resolver_host: Option<&str>,
        qr_ecc: Option<&str>,
    ) -> Result<LabelSettings> {
        let mut s = self.store.label_settings()?;
        if let Some(h) = resolver_host {
            let h = h
                .trim()
                .trim_start_matches("https://")
                .trim_end_matches('/');
            let ok = !h.is_empty()
                && h.len() <= 253
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.:".contains(c));
            if !ok {
                return Err(WsError::InvalidSetting("resolver_host", h.to_string()));
            }
            s.resolver_host = h.to_ascii_lowercase();
        }
        if let Some(e) = qr_ecc {
            let ecc = idstation_labels::Ecc::parse(e)
                .ok_or_else(|| WsError::InvalidSetting("qr_ecc", e.to_string()))?;
            s.qr_ecc = ecc.as_char().to_string();
        }
        self.store.set_label_settings(&self.actor, &s)?;
        Ok(s)
    }

    fn label_data(&self, req: &LabelRequest) -> Result<(LabelTemplate, LabelData)> {
        let record = self.find(&req.identifier)?;
        if record.deleted_at.is_some() {
            return Err(StoreError::Deleted(record.instrument.identifier.to_string()).into());
        }
        let t = self.label_template(&req.template)?;
        let settings = self.store.label_settings()?;
        let data =
            LabelData::from_instrument(&record.instrument, &settings.resolver_host, &req.extra);
        Ok((t, data))
    }

    fn ecc(&self) -> Result<idstation_labels::Ecc> {
        Ok(idstation_labels::Ecc::parse(&self.store.label_settings()?.qr_ecc).unwrap_or_default())
    }

    /// Renders a label to a file format without printing (`dpi`: 203/300/600, default the
    /// template's). ZPL/TSPL get default printer settings.
    pub fn render_label(
        &self,
        req: &LabelRequest,
        format: Format,
        dpi: Option<u32>,
        ecc: Option<idstation_labels::Ecc>,
    ) -> Result<RenderedFile> {
        let (t, data) = self.label_data(req)?;
        let opts = RenderOptions {
            dpi,
            ecc: match ecc {
                Some(e) => e,
                None => self.ecc()?,
            },
        };
        let label = self.renderer()?.render(&t, &data, &opts)?;
        let preview_png = idstation_labels::to_png(&label)?;
        let zo = ZplOptions {
            copies: req.copies.max(1),
            ..Default::default()
        };
        let bytes = match format {
            Format::Zpl => idstation_labels::to_zpl(&label, &zo),
            Format::Tspl => idstation_labels::to_tspl(&label, 2.0, &zo),
            Format::Pdf => idstation_labels::to_pdf(&label, &t.title)?,
            Format::Png => preview_png.clone(),
        };
        Ok(RenderedFile {
            format,
            bytes,
            preview_png,
            qr_payload: data.qr_payload,
        })
    }

    /// Renders for a printer: its language, resolution, darkness and offset.
    pub(super) fn render_for(
        &self,
        p: &PrinterProfile,
        req: &LabelRequest,
    ) -> Result<RenderedFile> {
        let (t, data) = self.label_data(req)?;
        let opts = RenderOptions {
            dpi: Some(p.dpi),
            ecc: self.ecc()?,
        };
        let label = self.renderer()?.render(&t, &data, &opts)?;
        let preview_png = idstation_labels::to_png(&label)?;
        let zo = ZplOptions {
            native_qr: p.native_qr,
            darkness: p.darkness,
            offset_x: idstation_labels::mm_to_dots(p.offset_x_mm, p.dpi),
            offset_y: idstation_labels::mm_to_dots(p.offset_y_mm, p.dpi),
            copies: req.copies.max(1),
        };
        let format = p.language.format();
        let bytes = match p.language {
            Language::Zpl => idstation_labels::to_zpl(&label, &zo),
            Language::Tspl => idstation_labels::to_tspl(&label, p.gap_mm, &zo),
            Language::Pdf => idstation_labels::to_pdf(&label, &t.title)?,
        };
        Ok(RenderedFile {
            format,
            bytes,
            preview_png,
            qr_payload: data.qr_payload,
        })
    }
}
