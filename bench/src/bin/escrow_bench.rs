//! Escrow export of a large node (annex 4): the release node gets N identifiers the way a lab
//! registers them (on a workstation, then one sync), then `idstation-node escrow export` runs
//! while the node serves, under `/usr/bin/time` for its wall time and peak RSS (the export
//! streams, so memory stays flat whatever N is); then `escrow verify` of the same folder, and a
//! sample compared with the running node.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use clap::Parser;
use idstation_bench::BenchNode;
use idstation_model::{Field, InstrumentInput};
use idstation_store::Store;
use idstation_sync::{HttpTransport, SyncConfig, SyncEngine};
use idstation_workstation::Workstation;
use serde_json::json;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    /// The idstation-node binary (release build).
    #[arg(long)]
    node: PathBuf,
    #[arg(long, default_value_t = 1_000_000)]
    count: usize,
    #[arg(long, default_value = "/var/tmp/idstation-bench/escrow")]
    work: PathBuf,
}

/// Wall seconds and peak RSS (KiB) of a command, from GNU time.
fn timed(node: &Path, args: &[&str]) -> (f64, u64, String) {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "TIME %e %M"])
        .arg(node)
        .args(args)
        .output()
        .expect("/usr/bin/time (Debian package `time`)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "idstation-node {args:?} failed: {stderr}"
    );
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("TIME "))
        .expect("time's line");
    let mut parts = line.split_whitespace().skip(1);
    let secs = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0.0);
    let rss = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    (secs, rss, String::from_utf8_lossy(&out.stdout).into_owned())
}

fn main() {
    let args = Args::parse();
    let _ = std::fs::remove_dir_all(&args.work);
    std::fs::create_dir_all(&args.work).expect("work dir");
    let data = args.work.join("node");
    let node = BenchNode::start(&args.node, &data);

    let ws_dir = args.work.join("ws");
    let mut ws = Workstation::init(&ws_dir, "88.118.8", "escrow").expect("init workstation");
    ws.sync_login(&node.url, BenchNode::USER, BenchNode::PASSWORD, "escrow")
        .expect("login");
    let t = Instant::now();
    let chunk = 100_000;
    for start in (0..args.count).step_by(chunk) {
        let instruments: Vec<_> = (start..(start + chunk).min(args.count))
            .map(|i| {
                let mut input = InstrumentInput::default();
                input.set(&Field::Identifier, format!("88.118.8/E-{i:08}"));
                input.set(&Field::Name, format!("数字压力表 {i}"));
                input.set(&Field::Model, "YB-150");
                input.set(&Field::SerialNo, format!("SN{i:08}"));
                input.set(&Field::Owner, "上海华东精密机械有限公司");
                input.set(&Field::CalLastDate, "2026-06-01");
                input.set(&Field::CalIntervalMonths, "12");
                ws.validate(&input).expect("valid")
            })
            .collect();
        ws.import_instruments(&instruments, &mut |_, _| {})
            .expect("import");
    }
    drop(ws);
    let imported = t.elapsed().as_secs_f64();
    let engine = SyncEngine::new(
        HttpTransport::new(&node.url).expect("transport"),
        SyncConfig {
            push_batch: 1_000,
            ..SyncConfig::default()
        },
    );
    let mut store = Store::open(&ws_dir.join(idstation_workstation::DB_FILE)).expect("open");
    let t = Instant::now();
    engine.sync(&mut store, &mut |_| {}).expect("sync");
    let pushed = t.elapsed().as_secs_f64();
    eprintln!(
        "{} instruments: workstation import {imported:.1} s, push {pushed:.1} s",
        args.count
    );

    let data_s = data.to_str().expect("path");
    let out = args.work.join("exports");
    let (export_s, export_rss, stdout) = timed(
        &args.node,
        &[
            "escrow",
            "export",
            "--json",
            "--out",
            out.to_str().expect("path"),
            "--data-dir",
            data_s,
        ],
    );
    let exported: serde_json::Value = serde_json::from_str(&stdout).expect("export JSON");
    let dir = exported["dir"].as_str().expect("dir").to_owned();
    let bytes: u64 = exported["manifest"]["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .map(|p| p["bytes"].as_u64().unwrap_or(0))
        .sum();
    let handles = exported["manifest"]["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .find(|p| p["name"] == "handles")
        .and_then(|p| p["rows"].as_u64())
        .unwrap_or(0);
    let (verify_s, verify_rss, _) = timed(
        &args.node,
        &[
            "escrow", "verify", &dir, "--node", &node.url, "--sample", "1000",
        ],
    );
    drop(node);

    println!("Escrow export of {} registered identifiers (release node, serving meanwhile, 2 shared cores).\n", args.count);
    println!("| step | seconds | peak RSS MiB | |");
    println!("|---|---|---|---|");
    println!(
        "| export ({handles} handles, {:.0} MiB in JSON Lines) | **{export_s:.1}** | **{:.0}** | goal ≤ 30 s, flat memory |",
        bytes as f64 / 1048576.0,
        export_rss as f64 / 1024.0
    );
    println!(
        "| verify (every part's SHA-256, signature, 1,000 handles against the node) | {verify_s:.1} | {:.0} | |",
        verify_rss as f64 / 1024.0
    );
    println!("| seeding: workstation import / one sync push | {imported:.0} / {pushed:.0} | | not part of the goal |");
    let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    std::fs::create_dir_all(&results).expect("results dir");
    let doc = json!({
        "count": args.count, "handles": handles, "export_bytes": bytes,
        "export_seconds": export_s, "export_peak_rss_kib": export_rss,
        "verify_seconds": verify_s, "verify_peak_rss_kib": verify_rss,
        "seed_import_seconds": imported, "seed_push_seconds": pushed,
        "machine": idstation_bench::Machine::probe(&args.work).to_json(),
    });
    std::fs::write(results.join("escrow-latest.json"), doc.to_string()).expect("write results");
}
