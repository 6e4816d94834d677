//! A document with every kind of block, rendered and then read back with poppler (pdffonts,
//! pdftotext, pdftoppm) and zbar: the font is embedded as a subset, the words and page
//! furniture are on the right pages, table headers repeat, the QR decodes, and the bytes are
//! the same twice. Page images are kept in test-output/documents/ for a person to look at.

use std::path::PathBuf;
use std::process::Command;

use idstation_documents::chart::{chart, font_units};
use idstation_documents::{Align, Color, Document, Drawing, Language, Meta, Paragraph, Table};
use plotters::prelude::*;
use plotters::style::Color as _;

fn out_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-output/documents")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("output dir");
    d
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        let mut wr = enc.write_header().expect("header");
        let data: Vec<u8> = (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                [(x * 255 / w) as u8, (y * 255 / h) as u8, 160]
            })
            .collect();
        wr.write_image_data(&data).expect("data");
    }
    out
}

fn sample(language: Language) -> Document {
    let mut doc = Document::new(Meta {
        title: "校准证书样张".into(),
        number: "CAL-2026-000123".into(),
        header: "上海华东计量检测有限公司".into(),
        author: "IDStation".into(),
        subject: "test".into(),
        language,
        created: None,
        watermark: Some("样张".into()),
    });
    doc.title("校准证书 Calibration Certificate");
    doc.para(Paragraph::new("证书编号：CAL-2026-000123").align(Align::Center));
    doc.heading(1, "一、被校仪器");
    let mut id =
        Table::new(&[(1.0, Align::Left), (2.0, Align::Left), (1.2, Align::Center)]).borderless();
    id.row(["标识", "88.118.8/CAL-2026-000123", ""]);
    id.row(["名称 / Name", "数显卡尺 Digital caliper 500-196-30", ""]);
    id.rows[0][2] = Drawing::qr("HTTPS://ID.EXAMPLE.CN/88.118.8/CAL-2026-000123", 28.0)
        .expect("qr")
        .into();
    doc.table(id);
    doc.heading(1, "二、说明");
    let long = "本证书给出的校准结果仅对本次被校仪器有效。The results relate only to the item calibrated. "
        .repeat(12);
    doc.paragraph(long);
    doc.heading(1, "三、校准结果");
    let mut t = Table::new(&[
        (1.0, Align::Center),
        (1.5, Align::Right),
        (1.5, Align::Right),
        (1.5, Align::Right),
        (2.0, Align::Left),
    ])
    .caption("表1 示值误差 Indication error")
    .header(["序号", "标称值 (mm)", "示值 (mm)", "误差 (mm)", "结论"]);
    for i in 1..=80 {
        t.row([
            i.to_string(),
            format!("{:.2}", i as f64 * 2.5),
            format!("{:.2}", i as f64 * 2.5 + 0.01),
            "+0.01".to_string(),
            if i % 7 == 0 {
                "合格，示值误差接近最大允许误差，建议缩短校准间隔".to_string()
            } else {
                "合格".to_string()
            },
        ]);
    }
    doc.table(t);
    let c = chart(160.0, 70.0, |area| {
        area.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut ch = ChartBuilder::on(area)
            .margin(30)
            .x_label_area_size(90)
            .y_label_area_size(130)
            .build_cartesian_2d(0f64..200f64, -0.05f64..0.05f64)
            .map_err(|e| e.to_string())?;
        ch.configure_mesh()
            .x_desc("标称值（mm）")
            .y_desc("误差（mm）")
            .label_style(("sans-serif", font_units(8.0)))
            .axis_desc_style(("sans-serif", font_units(9.0)))
            .draw()
            .map_err(|e| e.to_string())?;
        ch.draw_series(LineSeries::new(
            (0..80).map(|i| (i as f64 * 2.5, ((i as f64) / 9.0).sin() * 0.03)),
            BLUE.stroke_width(4),
        ))
        .map_err(|e| e.to_string())?;
        Ok(())
    })
    .expect("chart");
    doc.figure(c, Some("图1 示值误差曲线".into()));
    doc.image_png(png(300, 120), 100.0, Some("图2 位图 (300 × 120 px)".into()));
    let mut d = Drawing::new(60.0, 10.0);
    d.rect((0.0, 0.0, 60.0, 10.0), Some(Color::rgb(0, 150, 60)), None);
    d.text(3.0, 7.0, 12.0, "合格 PASS", Color::WHITE);
    doc.figure(d, None);
    doc.paragraph("生僻字𠀀不在字库中。");
    doc
}

#[test]
fn every_block_renders_and_reads_back() {
    let dir = out_dir("sample");
    let r = sample(Language::Zh).render().expect("render");
    let pdf = dir.join("sample.pdf");
    std::fs::write(&pdf, &r.pdf).expect("write");
    let pdf = pdf.to_str().expect("utf-8 path");

    // The CJK face is embedded and subset: a tagged name, emb yes, sub yes.
    let fonts = run("pdffonts", &[pdf]);
    let line = fonts
        .lines()
        .find(|l| l.contains("NotoSansCJKsc"))
        .unwrap_or_else(|| panic!("{fonts}"));
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert!(cols[0].len() > 7 && cols[0].as_bytes()[6] == b'+', "{line}");
    assert!(
        cols[0][..6].bytes().all(|b| b.is_ascii_uppercase()),
        "{line}"
    );
    assert!(
        line.contains(" yes yes yes "),
        "embedded, subset, unicode map: {line}"
    );
    assert_eq!(fonts.lines().count(), 3, "one font only:\n{fonts}");
    // Subset: a few hundred glyphs, not the 3 MB face.
    assert!(r.pdf.len() < 200_000, "{} bytes", r.pdf.len());

    let text = run("pdftotext", &["-layout", pdf, "-"]);
    for want in [
        "校准证书 Calibration Certificate",
        "一、被校仪器",
        "88.118.8/CAL-2026-000123",
        "表1 示值误差",
        "标称值（mm）",
        "图1 示值误差曲线",
        "合格 PASS",
        "The results relate only",
    ] {
        assert!(text.contains(want), "missing {want:?}");
    }
    assert_eq!(r.missing_chars, ['𠀀']);
    assert!(text.contains("生僻字□不在字库中"));
    // Page furniture and repeated table headers, page by page.
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(pages.len(), r.pages);
    assert!(r.pages >= 3, "{} pages", r.pages);
    let mut table_pages = 0;
    for (i, p) in pages.iter().enumerate() {
        // pdftotext drops the narrow spaces around the numbers.
        let squeezed: String = p.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            squeezed.contains(&format!("第{}页/共{}页", i + 1, r.pages)),
            "page {}",
            i + 1
        );
        assert!(p.contains("编号：CAL-2026-000123") && p.contains("上海华东计量检测有限公司"));
        if p.contains(" 40.00 ") || p.contains("序号") {
            table_pages += 1;
            if p.lines().any(|l| {
                l.trim_start().starts_with(|c: char| c.is_ascii_digit()) && l.contains("+0.01")
            }) {
                assert!(
                    p.contains("序号") && p.contains("标称值 (mm)"),
                    "a page of rows has the header:\n{p}"
                );
            }
        }
    }
    assert!(table_pages >= 2, "the table continues onto a second page");

    // Every page renders; the QR on the first page decodes to the resolver URL.
    run(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-png",
            pdf,
            dir.join("page").to_str().expect("path"),
        ],
    );
    let pngs: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    assert_eq!(pngs.len(), r.pages);
    let first = pngs
        .iter()
        .min()
        .expect("a page")
        .to_str()
        .expect("path")
        .to_string();
    let qr = run("zbarimg", &["--quiet", "--raw", &first]);
    assert_eq!(qr.trim(), "HTTPS://ID.EXAMPLE.CN/88.118.8/CAL-2026-000123");
}

#[test]
fn same_document_same_bytes_and_english_furniture() {
    let a = sample(Language::En).render().expect("render");
    let b = sample(Language::En).render().expect("render");
    assert_eq!(a.sha256, b.sha256);
    assert!(a.pdf == b.pdf);
    let mut other = sample(Language::En);
    other.meta.number = "CAL-2026-000124".into();
    assert_ne!(other.render().expect("render").sha256, a.sha256);

    let dir = out_dir("english");
    let pdf = dir.join("en.pdf");
    std::fs::write(&pdf, &a.pdf).expect("write");
    let text = run("pdftotext", &[pdf.to_str().expect("path"), "-"]);
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        squeezed.contains(&format!("Page1/{}", a.pages)) && text.contains("No. CAL-2026-000123")
    );
    // No clock in the file unless one is given.
    let info = run("pdfinfo", &[pdf.to_str().expect("path")]);
    assert!(!info.contains("CreationDate"), "{info}");
}

#[test]
fn a_ragged_table_is_refused() {
    let mut doc = Document::new(Meta::default());
    let mut t = Table::new(&[(1.0, Align::Left), (1.0, Align::Left)]);
    t.row(["only one cell"]);
    doc.table(t);
    assert!(matches!(
        doc.render(),
        Err(idstation_documents::DocError::Table(_))
    ));
}

#[test]
fn a_row_taller_than_a_page_continues_under_the_repeated_header() {
    let mut doc = Document::new(Meta {
        number: "T-1".into(),
        ..Meta::default()
    });
    let mut t = Table::new(&[(1.0, Align::Center), (4.0, Align::Left)]).header(["项目", "说明"]);
    let long: String = (1..=120)
        .map(|i| format!("第{i:03}行说明文字。\n"))
        .collect();
    t.row(["甲", long.as_str()]);
    t.row(["乙", "最后一行"]);
    doc.table(t);
    let r = doc.render().expect("render");
    assert!(r.pages >= 3, "{} pages", r.pages);
    let dir = out_dir("tall-row");
    let pdf = dir.join("tall.pdf");
    std::fs::write(&pdf, &r.pdf).expect("write");
    let text = run("pdftotext", &[pdf.to_str().expect("path"), "-"]);
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(pages.len(), r.pages);
    for p in &pages {
        assert!(
            p.contains("项目") && p.contains("说明"),
            "header on every page:\n{p}"
        );
    }
    // Every line of the tall cell, in order, once.
    let mut pos = 0;
    for i in 1..=120 {
        let needle = format!("第{i:03}行说明文字");
        let at = text[pos..]
            .find(&needle)
            .unwrap_or_else(|| panic!("{needle} missing or out of order"));
        pos += at + needle.len();
        assert_eq!(text.matches(&needle).count(), 1, "{needle}");
    }
    assert!(text[pos..].contains("最后一行"));
}
