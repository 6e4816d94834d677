//! Any template a person can save, filled with any instrument's fields, renders or is refused
//! with a reason, never panics; and every output format keeps its frame: one ZPL label whose QR
//! field decodes back to the payload (nothing in a field can act as a command), a TSPL bitmap of
//! exactly the label's size, a PNG of the canvas, a PDF.
#![no_main]

use std::collections::BTreeMap;

use idstation_labels::{
    template, to_pdf, to_png, to_tspl, to_zpl, Align, Ecc, Element, Ink, LabelData, LabelTemplate,
    RenderOptions, Renderer, ZplOptions,
};
use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;

thread_local! {
    static RENDERER: Renderer = Renderer::new().expect("the bundled font loads");
}

/// A millimetre value: mostly on a small label, sometimes far off it or invalid.
#[derive(Arbitrary, Debug)]
enum Mm {
    Small(u8),
    Large(u16),
    Raw(f32),
}

impl Mm {
    fn get(&self) -> f32 {
        match self {
            Mm::Small(v) => *v as f32 / 4.0,
            Mm::Large(v) => *v as f32 / 40.0,
            Mm::Raw(v) => *v,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum El {
    Qr(Mm, Mm, Mm),
    Code128(Mm, Mm, Mm, Mm, String),
    Text(Mm, Mm, Mm, String, Option<Mm>, u8, u8, Option<String>),
    Box(Mm, Mm, Mm, Mm, Mm, Option<u8>),
    Line(Mm, Mm, Mm, Mm, Mm, u8),
    Image(Mm, Mm, Mm, Mm, Vec<u8>),
}

fn ink(v: u8) -> Ink {
    [Ink::Black, Ink::Accent, Ink::Paper][v as usize % 3]
}

impl El {
    fn element(&self) -> Element {
        use base64::Engine as _;
        match self {
            El::Qr(x, y, s) => Element::Qr {
                x_mm: x.get(),
                y_mm: y.get(),
                size_mm: s.get(),
            },
            El::Code128(x, y, w, h, text) => Element::Code128 {
                x_mm: x.get(),
                y_mm: y.get(),
                width_mm: w.get(),
                height_mm: h.get(),
                text: text.clone(),
            },
            El::Text(x, y, size, text, max, align, i, only_if) => Element::Text {
                x_mm: x.get(),
                y_mm: y.get(),
                size_mm: size.get(),
                text: text.clone(),
                max_width_mm: max.as_ref().map(Mm::get),
                align: [Align::Left, Align::Center, Align::Right][*align as usize % 3],
                ink: ink(*i),
                only_if: only_if.clone(),
            },
            El::Box(x, y, w, h, th, fill) => Element::Box {
                x_mm: x.get(),
                y_mm: y.get(),
                width_mm: w.get(),
                height_mm: h.get(),
                thickness_mm: th.get(),
                fill: fill.map(ink),
            },
            El::Line(x1, y1, x2, y2, th, i) => Element::Line {
                x1_mm: x1.get(),
                y1_mm: y1.get(),
                x2_mm: x2.get(),
                y2_mm: y2.get(),
                thickness_mm: th.get(),
                ink: ink(*i),
            },
            El::Image(x, y, w, h, png) => Element::Image {
                x_mm: x.get(),
                y_mm: y.get(),
                width_mm: w.get(),
                height_mm: h.get(),
                png_base64: base64::engine::general_purpose::STANDARD.encode(png),
            },
        }
    }
}

const KEYS: [&str; 10] = [
    "name",
    "model",
    "serial_no",
    "manufacturer",
    "identifier",
    "cal_last_date",
    "cal_certificate_no",
    "cal_calibrated_by",
    "cal_approved_by",
    "restriction",
];

#[derive(Arbitrary, Debug)]
struct Input {
    builtin: Option<u8>,
    width: u8,
    height: u8,
    dpi: u8,
    ecc: u8,
    elements: Vec<El>,
    required: Vec<u8>,
    fields: Vec<(u8, String)>,
    payload: String,
    native_qr: bool,
    offset: (i16, i16),
}

/// Reverses `^FH` hex (`_XX`) to bytes.
fn unhex(field: &str) -> Vec<u8> {
    let b = field.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'_' {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).expect("ascii hex");
            out.push(u8::from_str_radix(hex, 16).expect("two hex digits after _"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn check(input: Input) {
    let dpi = [203, 300, 600][input.dpi as usize % 3];
    let t = match input.builtin {
        Some(n) => template::builtin(template::builtin_names()[n as usize % 4]).expect("built in"),
        None => LabelTemplate {
            name: "fuzz".into(),
            title: "fuzz".into(),
            width_mm: 4.0 + input.width as f32 / 4.0,
            height_mm: 4.0 + input.height as f32 / 4.0,
            dpi,
            accent: None,
            required: input
                .required
                .iter()
                .take(4)
                .map(|k| KEYS[*k as usize % KEYS.len()].to_string())
                .collect(),
            qr_ecc: None,
            elements: input.elements.iter().take(12).map(El::element).collect(),
        },
    };
    let mut fields = BTreeMap::new();
    for (k, v) in input.fields.iter().take(12) {
        fields.insert(KEYS[*k as usize % KEYS.len()].to_string(), v.clone());
    }
    let data = LabelData {
        fields,
        qr_payload: input.payload.clone(),
    };
    let ecc = [Ecc::L, Ecc::M, Ecc::Q, Ecc::H][input.ecc as usize % 4];
    let opts = RenderOptions {
        dpi: Some(dpi),
        ecc,
    };
    let Ok(label) = RENDERER.with(|r| r.render(&t, &data, &opts)) else {
        return;
    };
    let c = &label.canvas;
    assert_eq!(c.pixels.len(), c.width as usize * c.height as usize);

    let zo = ZplOptions {
        native_qr: input.native_qr,
        darkness: None,
        offset_x: input.offset.0 as i32,
        offset_y: input.offset.1 as i32,
        copies: 1,
    };
    let zpl = String::from_utf8(to_zpl(&label, &zo)).expect("ZPL is ASCII");
    assert_eq!(zpl.matches("^XA").count(), 1);
    assert_eq!(zpl.matches("^XZ").count(), 1);
    assert!(!zpl.contains('~'));
    if input.native_qr {
        let fields: Vec<&str> = zpl.split("^FH^FD").skip(1).collect();
        assert_eq!(fields.len(), label.qr.len());
        for (f, q) in fields.iter().zip(&label.qr) {
            let data = f.split("^FS").next().expect("field end");
            let want = format!("{}A,{}", q.ecc.as_char(), q.payload);
            assert_eq!(unhex(data), want.as_bytes());
        }
    }
    let tspl = to_tspl(&label, 2.0, &zo);
    let rows = c.row_bytes() * c.height as usize;
    let head = format!("BITMAP 0,0,{},{},0,", c.row_bytes(), c.height);
    let at = tspl
        .windows(head.len())
        .position(|w| w == head.as_bytes())
        .expect("TSPL bitmap header");
    assert_eq!(
        tspl.len(),
        at + head.len() + rows + b"\r\nPRINT 1,1\r\n".len()
    );
    let png = to_png(&label).expect("PNG");
    let (w, h, _) = idstation_labels::output::decode_png_grey(&png).expect("PNG decodes");
    assert_eq!((w as u32, h as u32), (c.width, c.height));
    // The PDF is the slowest part; small labels are enough to exercise it.
    if c.pixels.len() <= 400_000 {
        assert!(!to_pdf(&label, &t.title).expect("PDF").is_empty());
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    if let Ok(input) = Input::arbitrary(&mut u) {
        check(input);
    }
});
