//! Our ZPL and TSPL, drawn by an independent renderer (the `labelize` crate), then decoded by
//! `zbarimg` (Debian zbar-tools) and by rqrr: the QR a printer prints is the payload.

mod common;

use idstation_labels::{builtin, builtin_names, to_tspl, to_zpl, RenderOptions, ZplOptions};
use labelize::{Language, RenderOptions as LzOptions};

const ID: &str = "88.118.8/CAL-2026-000123";

fn zbarimg(png: &[u8]) -> Vec<String> {
    assert!(
        common::have("zbarimg"),
        "zbarimg is missing: install Debian's zbar-tools (scripts/setup does)"
    );
    let dir = tempfile::tempdir().expect("tmp");
    let f = dir.path().join("label.png");
    std::fs::write(&f, png).expect("write");
    let out = std::process::Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&f)
        .output()
        .expect("zbarimg runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

fn labelize_png(bytes: &[u8], lang: Language, dpmm: i32) -> Vec<u8> {
    labelize::render_png(
        bytes,
        LzOptions {
            language: Some(lang),
            width_mm: Some(50.0),
            height_mm: Some(30.0),
            dpmm,
            antialias: false,
        },
    )
    .expect("labelize renders our output")
    .bytes
}

#[test]
fn zpl_graphic_field_rendered_by_labelize_decodes_with_zbarimg() {
    let r = common::renderer();
    for name in builtin_names() {
        for (dpi, dpmm) in [(203, 8), (300, 12)] {
            let d = common::data(ID, true);
            let l = r
                .render(
                    &builtin(name).expect("b"),
                    &d,
                    &RenderOptions {
                        dpi: Some(dpi),
                        ..Default::default()
                    },
                )
                .expect("renders");
            let zpl = to_zpl(&l, &ZplOptions::default());
            let png = labelize_png(&zpl, Language::Zpl, dpmm);
            assert_eq!(
                zbarimg(&png),
                vec![d.qr_payload.clone()],
                "{name} {dpi} dpi"
            );
            assert_eq!(common::decode_qr_png(&png), vec![d.qr_payload.clone()]);
            // The graphic field is our bitmap dot for dot (at 8 dots/mm, where both agree on
            // the grid; labelize scales to whole dots per mm otherwise).
            if dpi != 203 {
                continue;
            }
            let (w, h, grey) = idstation_labels::output::decode_png_grey(&png).expect("png");
            // labelize's canvas is whole dots per mm (12 at "300 dpi"), a few dots larger.
            assert!(w as u32 >= l.canvas.width && h as u32 >= l.canvas.height);
            let (cw, ch) = (l.canvas.width as usize, l.canvas.height as usize);
            let differ = (0..ch)
                .flat_map(|y| (0..cw).map(move |x| (x, y)))
                .filter(|&(x, y)| {
                    (grey[y * w + x] < 128)
                        != (l.canvas.get(x as u32, y as u32) != idstation_labels::Pixel::Paper)
                })
                .count();
            assert_eq!(differ, 0, "{name} {dpi} dpi: {differ} dots differ");
        }
    }
}

#[test]
fn zpl_native_qr_rendered_by_labelize_decodes_with_zbarimg() {
    let r = common::renderer();
    let d = common::data(ID, true);
    let l = r
        .render(
            &builtin("identifier").expect("b"),
            &d,
            &RenderOptions::default(),
        )
        .expect("renders");
    let zpl = to_zpl(
        &l,
        &ZplOptions {
            native_qr: true,
            ..Default::default()
        },
    );
    let png = labelize_png(&zpl, Language::Zpl, 8);
    assert_eq!(zbarimg(&png), vec![d.qr_payload.clone()]);
}

/// A payload with ZPL's command characters in it: the printer (here labelize) still draws one
/// QR code whose content is the payload, byte for byte, and nothing else.
#[test]
fn zpl_native_qr_with_command_characters_prints_exactly_the_payload() {
    let r = common::renderer();
    let mut d = common::data(ID, true);
    d.qr_payload = "HTTPS://ID.EXAMPLE.CN/88.118.8/A^XZ^XA^FO0,0^GB400,240,240^FS~JA_1".into();
    let l = r
        .render(
            &builtin("identifier").expect("b"),
            &d,
            &RenderOptions::default(),
        )
        .expect("renders");
    let zpl = to_zpl(
        &l,
        &ZplOptions {
            native_qr: true,
            ..Default::default()
        },
    );
    let png = labelize_png(&zpl, Language::Zpl, 8);
    assert_eq!(zbarimg(&png), vec![d.qr_payload.clone()]);
}

#[test]
fn tspl_bitmap_rendered_by_labelize_decodes_with_zbarimg() {
    let r = common::renderer();
    for name in ["identifier", "cal-pass"] {
        let d = common::data(ID, true);
        let l = r
            .render(&builtin(name).expect("b"), &d, &RenderOptions::default())
            .expect("renders");
        let tspl = to_tspl(&l, 2.0, &ZplOptions::default());
        let png = labelize_png(&tspl, Language::Tspl, 8);
        assert_eq!(zbarimg(&png), vec![d.qr_payload.clone()], "{name}");
    }
}

#[test]
fn code128_element_decodes_with_zbarimg() {
    let mut t = builtin("identifier").expect("b");
    t.name = "with-barcode".into();
    t.elements = vec![idstation_labels::Element::Code128 {
        x_mm: 1.0,
        y_mm: 5.0,
        width_mm: 48.0,
        height_mm: 12.0,
        text: "{serial_no}".into(),
    }];
    let l = common::renderer()
        .render(
            &t,
            &common::data(ID, true),
            &RenderOptions {
                dpi: Some(300),
                ..Default::default()
            },
        )
        .expect("renders");
    let zpl = to_zpl(&l, &ZplOptions::default());
    let png = labelize_png(&zpl, Language::Zpl, 12);
    assert_eq!(zbarimg(&png), vec!["SN20260312".to_string()]);
}

/// An identifier with characters a URL reads otherwise (`%`, `?`, `#`, a space, Chinese, its
/// own `/`) scans back to itself: the QR's URL, read by zbarimg from the printed picture,
/// parses to the same identifier (a phone reaches it), and the label's text shows it as is.
#[test]
fn identifiers_with_url_characters_scan_back_to_themselves() {
    use idstation_model::Identifier;
    let r = common::renderer();
    for id in [
        "88.118.8/A B",
        "88.118.8/50%",
        "88.118.8/Q?1",
        "88.118.8/N#2",
        "88.118.8/a%20b",
        "88.118.8/仪器/甲-1",
    ] {
        let want = Identifier::parse(id).expect("a handle");
        let d = common::data(id, true);
        assert!(
            !d.qr_payload.contains([' ', '?', '#']),
            "{id}: {}",
            d.qr_payload
        );
        let l = r
            .render(
                &builtin(builtin_names()[0]).expect("b"),
                &d,
                &RenderOptions::default(),
            )
            .expect("renders");
        let png = common::output(&l, idstation_labels::Format::Png);
        let scanned = zbarimg(&png);
        assert_eq!(scanned, vec![d.qr_payload.clone()], "{id}");
        assert_eq!(
            Identifier::parse(&scanned[0]),
            Ok(want),
            "{id} scanned as {}",
            scanned[0]
        );
    }
}
