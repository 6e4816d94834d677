//! Every built-in label renders, at every resolution, to PNG/ZPL/TSPL/PDF; the QR decodes from the
//! PNG (rqrr) to exactly the payload; Chinese text is drawn from the bundled font.

mod common;

use idstation_labels::{
    builtin, builtin_names, output, to_pdf, to_png, to_tspl, to_zpl, Ecc, Format, LabelError,
    RenderOptions, ZplOptions,
};

const ID: &str = "88.118.8/CAL-2026-000123";

#[test]
fn qr_payload_is_the_upper_cased_resolver_url() {
    let d = common::data(ID, true);
    assert_eq!(
        d.qr_payload,
        "HTTPS://ID.EXAMPLE.CN/88.118.8/CAL-2026-000123"
    );
    assert!(idstation_labels::qr::is_alphanumeric_mode(&d.qr_payload));
}

#[test]
fn qr_payload_keeps_case_when_upper_casing_would_change_the_identifier() {
    // GS1 Digital Link serials are case-sensitive: upper-casing would name another item.
    let id = idstation_model::Identifier::parse("https://id.gs1.org/01/09506000134352/21/abc")
        .expect("gs1");
    let p = idstation_labels::qr_payload(&id, "id.example.cn");
    // Exactly the resolver URL in its written case, and a scan of it names the same item.
    assert_eq!(p, "https://id.example.cn/01/09506000134352/21/abc");
    assert_eq!(idstation_model::Identifier::parse(&p).as_ref(), Ok(&id));
}

#[test]
fn every_builtin_renders_and_its_qr_decodes_at_every_dpi() {
    let r = common::renderer();
    let out = std::env::var_os("LABELS_PREVIEW_DIR").map(std::path::PathBuf::from);
    for name in builtin_names() {
        let t = builtin(name).expect("builtin");
        for dpi in [203, 300, 600] {
            for ecc in [Ecc::M, Ecc::Q] {
                let d = common::data(ID, true);
                let label = r
                    .render(
                        &t,
                        &d,
                        &RenderOptions {
                            dpi: Some(dpi),
                            ecc,
                        },
                    )
                    .expect("renders");
                assert_eq!(
                    label.canvas.width as f32,
                    (50.0 * dpi as f32 / 25.4).round()
                );
                let png = to_png(&label).expect("png");
                let decoded = common::decode_qr_png(&png);
                assert_eq!(
                    decoded,
                    vec![d.qr_payload.clone()],
                    "{name} at {dpi} dpi {ecc:?}"
                );
                if let (Some(dir), Ecc::M) = (&out, ecc) {
                    std::fs::create_dir_all(dir).expect("dir");
                    std::fs::write(dir.join(format!("{name}-{dpi}.png")), &png).expect("write");
                    let pdf = to_pdf(&label, &t.title).expect("pdf");
                    std::fs::write(dir.join(format!("{name}-{dpi}.pdf")), &pdf).expect("write");
                }
            }
        }
    }
}

#[test]
fn next_due_line_only_when_the_owner_set_an_interval() {
    let r = common::renderer();
    let t = builtin("cal-pass").expect("builtin");
    let with = r
        .render(&t, &common::data(ID, true), &RenderOptions::default())
        .expect("renders");
    let without = r
        .render(&t, &common::data(ID, false), &RenderOptions::default())
        .expect("renders");
    assert!(with.canvas.ink_count() > without.canvas.ink_count());
    // The next-due line is the last text line: rows below the certificate lines are empty
    // without it.
    let rows_with_ink = |c: &idstation_labels::Canvas, y0: u32, y1: u32| {
        (y0..y1).any(|y| (0..c.width / 2).any(|x| c.get(x, y) != idstation_labels::Pixel::Paper))
    };
    let y = (22.5 * 203.0 / 25.4) as u32;
    assert!(rows_with_ink(&with.canvas, y - 8, y + 12));
    assert!(!rows_with_ink(&without.canvas, y - 8, y + 12));
}

#[test]
fn status_labels_refuse_missing_calibration_data() {
    let r = common::renderer();
    let mut d = common::data(ID, true);
    d.fields.remove("cal_certificate_no");
    d.fields.remove("restriction");
    let e = r
        .render(
            &builtin("cal-restricted").expect("b"),
            &d,
            &RenderOptions::default(),
        )
        .expect_err("refused");
    assert_eq!(
        e,
        LabelError::MissingFields(vec!["cal_certificate_no".into(), "restriction".into()])
    );
}

#[test]
fn status_colours_are_green_yellow_red() {
    let r = common::renderer();
    let mut seen = Vec::new();
    for name in ["cal-pass", "cal-restricted", "cal-fail"] {
        let t = builtin(name).expect("b");
        let l = r
            .render(&t, &common::data(ID, true), &RenderOptions::default())
            .expect("renders");
        let a = l.accent.expect("accent");
        // The band's top-left dot is accent-coloured.
        assert_eq!(l.canvas.get(2, 2), idstation_labels::Pixel::Accent);
        seen.push(a);
    }
    let (g, y, red) = (seen[0], seen[1], seen[2]);
    assert!(g.1 > g.0 && g.1 > g.2, "green {g:?}");
    assert!(y.0 > y.2 && y.1 > y.2, "yellow {y:?}");
    assert!(red.0 > red.1 && red.0 > red.2, "red {red:?}");
}

#[test]
fn chinese_text_comes_from_the_bundled_font() {
    let r = common::renderer();
    for c in "合格准用停用校准日期证书编号批准下次数显卡尺上海华东精密机械有限公司".chars()
    {
        assert!(r.text().has_char(c), "{c} missing from the bundled font");
    }
    let a = r.text().render_line("合格", 40.0);
    let b = r.text().render_line("停用", 40.0);
    assert!(a.bits.iter().filter(|b| **b).count() > 100);
    assert_ne!(a.bits, b.bits);
}

#[test]
fn zpl_tspl_have_the_expected_frame() {
    let r = common::renderer();
    let t = builtin("identifier").expect("b");
    let l = r
        .render(&t, &common::data(ID, true), &RenderOptions::default())
        .expect("renders");
    let zpl = String::from_utf8(to_zpl(
        &l,
        &ZplOptions {
            copies: 2,
            darkness: Some(20),
            ..Default::default()
        },
    ))
    .expect("ascii");
    assert!(zpl.starts_with("~SD20^XA^CI28^PW400^LL240"));
    let rb = 50;
    assert!(zpl.contains(&format!("^GFA,{0},{0},{rb},", rb * 240)));
    assert!(zpl.trim_end().ends_with("^PQ2\n^XZ"));
    let native = String::from_utf8(to_zpl(
        &l,
        &ZplOptions {
            native_qr: true,
            ..Default::default()
        },
    ))
    .expect("ascii");
    assert!(native.contains("^BQN,2,"));
    assert!(native.contains("^FDMA,HTTPS://ID.EXAMPLE.CN/88.118.8/CAL-2026-000123^FS"));
    let tspl = to_tspl(&l, 2.0, &ZplOptions::default());
    let head = String::from_utf8_lossy(&tspl[..80]).to_string();
    assert!(
        head.starts_with("SIZE 50 mm,30 mm\r\nGAP 2 mm,0 mm\r\n"),
        "{head}"
    );
    let bitmap = b"BITMAP 0,0,50,240,0,";
    let at = tspl
        .windows(bitmap.len())
        .position(|w| w == bitmap)
        .expect("bitmap header");
    assert_eq!(
        tspl.len(),
        at + bitmap.len() + 50 * 240 + b"\r\nPRINT 1,1\r\n".len()
    );
}

#[test]
fn bad_templates_are_refused() {
    let mut t = builtin("identifier").expect("b");
    t.width_mm = f32::NAN;
    assert!(t.validate().is_err());
    assert!(idstation_labels::LabelTemplate::from_json("{\"name\":1}").is_err());
    let mut t = builtin("identifier").expect("b");
    t.dpi = 150;
    assert!(matches!(t.validate(), Err(LabelError::UnsupportedDpi(150))));
    // A QR squeezed below two dots a module is refused, not printed unreadable.
    let mut t = builtin("identifier").expect("b");
    if let idstation_labels::Element::Qr { size_mm, .. } = &mut t.elements[0] {
        *size_mm = 5.0;
    }
    let e = common::renderer()
        .render(&t, &common::data(ID, true), &RenderOptions::default())
        .expect_err("too small");
    assert!(matches!(e, LabelError::QrTooSmall { .. }));
}

#[test]
fn png_decodes_back_to_the_canvas() {
    let r = common::renderer();
    let l = r
        .render(
            &builtin("cal-fail").expect("b"),
            &common::data(ID, true),
            &RenderOptions::default(),
        )
        .expect("renders");
    let (w, h, grey) = output::decode_png_grey(&to_png(&l).expect("png")).expect("decode");
    assert_eq!((w as u32, h as u32), (l.canvas.width, l.canvas.height));
    let dark = grey.iter().filter(|v| **v < 128).count();
    assert!(dark > 0);
}

/// Elements a template places past the label's edge: text, lines, boxes and logos are clipped
/// (a box wholly past the right edge on the last rows once panicked the renderer); a QR code or
/// barcode that would be cut is refused with the reason, at every resolution.
#[test]
fn elements_past_the_edge_are_clipped_and_codes_past_it_refused() {
    use idstation_labels::{CodeKind, Element, Ink};
    let logo = {
        use base64::Engine as _;
        let mut canvas = idstation_labels::Canvas::new(8, 8);
        canvas.fill_rect(0, 0, 8, 8, idstation_labels::Pixel::Ink);
        let l = idstation_labels::RenderedLabel {
            canvas,
            dpi: 203,
            width_mm: 1.0,
            height_mm: 1.0,
            accent: None,
            qr: vec![],
        };
        base64::engine::general_purpose::STANDARD.encode(to_png(&l).expect("png"))
    };
    let mut t = builtin("identifier").expect("b");
    t.name = "past-the-edge".into();
    t.elements = vec![
        Element::Box {
            x_mm: 60.0,
            y_mm: 25.0,
            width_mm: 5.0,
            height_mm: 10.0,
            thickness_mm: 0.0,
            fill: Some(Ink::Black),
        },
        Element::Box {
            x_mm: 45.0,
            y_mm: 25.0,
            width_mm: 900.0,
            height_mm: 900.0,
            thickness_mm: 1.0,
            fill: None,
        },
        Element::Line {
            x1_mm: 0.0,
            y1_mm: 0.0,
            x2_mm: 1000.0,
            y2_mm: 1000.0,
            thickness_mm: 1.0,
            ink: Ink::Black,
        },
        Element::Text {
            x_mm: 40.0,
            y_mm: 28.0,
            size_mm: 20.0,
            text: "{name} {manufacturer}".into(),
            max_width_mm: None,
            align: Default::default(),
            ink: Ink::Black,
            only_if: None,
        },
        Element::Image {
            x_mm: 45.0,
            y_mm: 20.0,
            width_mm: 1000.0,
            height_mm: 1000.0,
            png_base64: logo,
        },
    ];
    let r = common::renderer();
    let d = common::data(ID, true);
    for dpi in [203, 300, 600] {
        let opts = RenderOptions {
            dpi: Some(dpi),
            ..Default::default()
        };
        let l = r.render(&t, &d, &opts).expect("clipped, not refused");
        // The logo fills the label's bottom-right corner up to the edge.
        let (w, h) = (l.canvas.width, l.canvas.height);
        assert_eq!(l.canvas.get(w - 1, h - 1), idstation_labels::Pixel::Ink);
        for f in [Format::Zpl, Format::Tspl, Format::Png, Format::Pdf] {
            assert!(!common::output(&l, f).is_empty(), "{f:?}");
        }
    }

    let mut qr = t.clone();
    qr.elements = vec![Element::Qr {
        x_mm: 40.0,
        y_mm: 1.0,
        size_mm: 23.0,
    }];
    let e = r
        .render(&qr, &d, &RenderOptions::default())
        .expect_err("a cut QR code");
    assert!(
        matches!(
            e,
            LabelError::OutsideLabel {
                what: CodeKind::Qr,
                ..
            }
        ),
        "{e:?}"
    );
    let mut bar = t.clone();
    bar.elements = vec![Element::Code128 {
        x_mm: 30.0,
        y_mm: 5.0,
        width_mm: 48.0,
        height_mm: 12.0,
        text: "{serial_no}".into(),
    }];
    let e = r
        .render(&bar, &d, &RenderOptions::default())
        .expect_err("a cut barcode");
    assert!(
        matches!(
            e,
            LabelError::OutsideLabel {
                what: CodeKind::Code128,
                ..
            }
        ),
        "{e:?}"
    );
}

/// With the printer drawing the QR code (`^BQ`), the payload is field data: `^` or `~` in it
/// would end the field and run as ZPL. Every such character goes out as `^FH` hex.
#[test]
fn native_qr_payload_cannot_inject_zpl() {
    let r = common::renderer();
    let mut d = common::data(ID, true);
    d.qr_payload = "HTTPS://ID.EXAMPLE.CN/88.118.8/A^XZ^XA^FDX~JA_1\u{7}".into();
    let l = r
        .render(
            &builtin("identifier").expect("b"),
            &d,
            &RenderOptions::default(),
        )
        .expect("renders");
    let zpl = String::from_utf8(to_zpl(
        &l,
        &ZplOptions {
            native_qr: true,
            ..Default::default()
        },
    ))
    .expect("ascii");
    assert_eq!(zpl.matches("^XA").count(), 1, "{zpl}");
    assert_eq!(zpl.matches("^XZ").count(), 1, "{zpl}");
    assert!(!zpl.contains('~'), "{zpl}");
    let field = zpl
        .split("^FH^FDMA,")
        .nth(1)
        .and_then(|f| f.split("^FS").next())
        .expect("the QR field");
    assert_eq!(
        field,
        "HTTPS://ID.EXAMPLE.CN/88.118.8/A_5EXZ_5EXA_5EFDX_7EJA_5F1_07"
    );
    assert!(!zpl.contains('\u{7}'));
}
