//! Label rendering benchmark: 1,000 status labels with Chinese text (demo instruments: names,
//! manufacturers, technicians) rendered to ZPL, against two references in the same run: the
//! bitmap alone (layout, text rasterising, QR) and the same labels written as PNG previews.
//!
//! Goal: ≥ 500 labels/s to ZPL. Markdown on stdout, JSON in bench/results/labels-latest.json.

use std::collections::BTreeMap;
use std::time::Instant;

use clap::Parser;
use idstation_model::MetadataTemplate;
use idstation_workstation::demo;
use idstation_workstation::idstation_labels::{
    builtin, to_png, to_zpl, LabelData, RenderOptions, Renderer, ZplOptions,
};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 1000)]
    labels: usize,
    #[arg(long, default_value_t = 203)]
    dpi: u32,
    #[arg(long, default_value = "bench/results/labels-latest.json")]
    json: String,
}

fn main() {
    let args = Args::parse();
    let template = MetadataTemplate::builtin_instrument();
    let mut extra = BTreeMap::new();
    extra.insert("restriction".to_string(), "0~50 mm 段".to_string());
    let data: Vec<LabelData> = demo::instruments("88.118.8", 1, args.labels, 7)
        .into_iter()
        .filter_map(|mut i| {
            // Every label carries a full calibration block with Chinese names.
            i.cal_last_date.get_or_insert_with(|| "2026-03-01".into());
            i.cal_certificate_no
                .get_or_insert_with(|| "JZ2026-03-0458".into());
            i.cal_calibrated_by.get_or_insert_with(|| "张伟".into());
            i.cal_approved_by.get_or_insert_with(|| "李娜".into());
            i.validate(&template).ok()
        })
        .map(|inst| LabelData::from_instrument(&inst, "id.idstation.cn", &extra))
        .collect();
    assert_eq!(data.len(), args.labels, "demo data validates");
    let templates = ["cal-pass", "cal-restricted", "cal-fail", "identifier"]
        .map(|n| builtin(n).expect("built-in template"));
    let renderer = Renderer::new().expect("font");
    let opts = RenderOptions {
        dpi: Some(args.dpi),
        ..Default::default()
    };
    let n = data.len();

    // Warm-up: fills the glyph cache the way a long-running workstation has it.
    for (i, d) in data.iter().enumerate().take(50) {
        let _ = renderer.render(&templates[i % 4], d, &opts);
    }

    let run = |what: &str, f: &mut dyn FnMut(usize, &LabelData) -> usize| {
        let t0 = Instant::now();
        let mut bytes = 0usize;
        for (i, d) in data.iter().enumerate() {
            bytes += f(i, d);
        }
        let s = t0.elapsed().as_secs_f64();
        eprintln!("{what}: {n} labels in {s:.3} s");
        (n as f64 / s, s, bytes)
    };
    let (bitmap_rate, bitmap_s, _) = run("bitmap", &mut |i, d| {
        renderer
            .render(&templates[i % 4], d, &opts)
            .map(|l| l.canvas.pixels.len())
            .unwrap_or(0)
    });
    let zo = ZplOptions::default();
    let (zpl_rate, zpl_s, zpl_bytes) = run("zpl", &mut |i, d| {
        renderer
            .render(&templates[i % 4], d, &opts)
            .map(|l| to_zpl(&l, &zo).len())
            .unwrap_or(0)
    });
    let (png_rate, png_s, png_bytes) = run("png", &mut |i, d| {
        renderer
            .render(&templates[i % 4], d, &opts)
            .ok()
            .and_then(|l| to_png(&l).ok())
            .map(|p| p.len())
            .unwrap_or(0)
    });

    println!(
        "## Label rendering ({n} labels, 50×30 mm, {} dpi, Chinese text)\n",
        args.dpi
    );
    println!("| run | labels/s | total s | avg bytes/label |");
    println!("|---|---:|---:|---:|");
    println!("| bitmap only (reference) | {bitmap_rate:.0} | {bitmap_s:.3} | – |");
    println!(
        "| **ZPL** (`^GFA`) | **{zpl_rate:.0}** | {zpl_s:.3} | {} |",
        zpl_bytes / n
    );
    println!(
        "| PNG preview (reference) | {png_rate:.0} | {png_s:.3} | {} |",
        png_bytes / n
    );
    println!(
        "\nGoal ≥ 500 labels/s to ZPL: {}",
        if zpl_rate >= 500.0 { "met" } else { "NOT met" }
    );
    let json = serde_json::json!({
        "labels": n, "dpi": args.dpi,
        "bitmap_labels_per_s": bitmap_rate, "zpl_labels_per_s": zpl_rate, "png_labels_per_s": png_rate,
        "zpl_avg_bytes": zpl_bytes / n, "png_avg_bytes": png_bytes / n,
    });
    if let Some(dir) = std::path::Path::new(&args.json).parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::write(
        &args.json,
        serde_json::to_string_pretty(&json).unwrap_or_default(),
    );
}
