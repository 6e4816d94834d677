#![allow(dead_code)]
use std::collections::BTreeMap;

use idstation_labels::{LabelData, Renderer};
use idstation_model::{Instrument, InstrumentInput, MetadataTemplate};

pub fn instrument(id: &str, with_due: bool) -> Instrument {
    let mut i = InstrumentInput {
        identifier: Some(id.into()),
        name: Some("数显卡尺".into()),
        model: Some("500-196-30".into()),
        serial_no: Some("SN20260312".into()),
        manufacturer: Some("上海华东精密机械有限公司".into()),
        cal_last_date: Some("2026-03-01".into()),
        cal_certificate_no: Some("JZ2026-03-0458".into()),
        cal_result: Some("合格".into()),
        cal_calibrated_by: Some("张伟".into()),
        cal_approved_by: Some("李娜".into()),
        ..Default::default()
    };
    if with_due {
        i.cal_interval_months = Some("12".into());
    }
    i.validate(&MetadataTemplate::builtin_instrument())
        .expect("valid instrument")
}

pub fn data(id: &str, with_due: bool) -> LabelData {
    let mut extra = BTreeMap::new();
    extra.insert("restriction".to_string(), "0~100 mm 段".to_string());
    LabelData::from_instrument(&instrument(id, with_due), "id.example.cn", &extra)
}

pub fn renderer() -> Renderer {
    Renderer::new().expect("font loads")
}

/// Decodes every QR code in an 8-bit grey image.
pub fn decode_qr(w: usize, h: usize, grey: &[u8]) -> Vec<String> {
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| grey[y * w + x]);
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect()
}

pub fn decode_qr_png(png: &[u8]) -> Vec<String> {
    let (w, h, grey) = idstation_labels::output::decode_png_grey(png).expect("png decodes");
    decode_qr(w, h, &grey)
}

pub fn have(cmd: &str) -> bool {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {cmd}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// A rendered label in one output format, as a printer or viewer would get it.
pub fn output(l: &idstation_labels::RenderedLabel, f: idstation_labels::Format) -> Vec<u8> {
    use idstation_labels::{Format, ZplOptions};
    let native = ZplOptions {
        native_qr: true,
        ..Default::default()
    };
    match f {
        Format::Zpl => [
            idstation_labels::to_zpl(l, &ZplOptions::default()),
            idstation_labels::to_zpl(l, &native),
        ]
        .concat(),
        Format::Tspl => idstation_labels::to_tspl(l, 2.0, &ZplOptions::default()),
        Format::Pdf => idstation_labels::to_pdf(l, "test").expect("pdf"),
        Format::Png => idstation_labels::to_png(l).expect("png"),
    }
}
