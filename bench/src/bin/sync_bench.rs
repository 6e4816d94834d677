//! Sync throughput over loopback against the real node (release build): push N pending ops
//! from one workstation, then pull the N records into a fresh one. The reference in the same
//! run is the local store's own import of the same N instruments (the floor any sync pays to
//! write them once).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use clap::Parser;
use idstation_model::{Field, InstrumentInput};
use idstation_store::Store;
use idstation_sync::{HttpTransport, Progress, SyncConfig, SyncEngine};
use idstation_workstation::Workstation;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    /// The idstation-node binary (release build).
    #[arg(long)]
    node: PathBuf,
    #[arg(long, default_value_t = 100_000)]
    count: usize,
    #[arg(long, default_value = "/var/tmp/idstation-bench/sync")]
    work: PathBuf,
}

fn main() {
    let args = Args::parse();
    let _ = std::fs::remove_dir_all(&args.work);
    std::fs::create_dir_all(&args.work).expect("work dir");
    let node_dir = args.work.join("node");
    let secret = "bench-secret-1";
    let status = Command::new(&args.node)
        .args(["init", "--data-dir"])
        .arg(&node_dir)
        .args(["--prefix", "88.118", "--admin-secret", secret])
        .stdout(Stdio::null())
        .status()
        .expect("init node");
    assert!(status.success());
    let mut node = Command::new(&args.node)
        .args(["serve", "--data-dir"])
        .arg(&node_dir)
        .args(["--listen", "127.0.0.1:0"])
        .env("IDSTATION_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut line = String::new();
    BufReader::new(node.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let url = line.trim().trim_start_matches("listening on ").to_owned();

    let http = reqwest::blocking::Client::new();
    let body: serde_json::Value = http
        .post(format!("{url}/api/v1/accounts"))
        .json(
            &serde_json::json!({"username": "bench", "password": "calib2026",
            "display_name": "基准", "role": "technician", "enterprise_prefix": "88.118.8",
            "enterprise_name": "基准计量"}),
        )
        .send()
        .and_then(|r| r.json())
        .expect("register");
    let id = body["account"]["id"].as_i64().expect("id");
    http.post(format!("{url}/api/v1/accounts/{id}/approve"))
        .basic_auth("operator", Some(secret))
        .send()
        .expect("approve");

    let make = |name: &str| -> (Workstation, PathBuf) {
        let dir = args.work.join(name);
        let mut ws = Workstation::init(&dir, "88.118.8", name).expect("init");
        ws.sync_login(&url, "bench", "calib2026", name)
            .expect("login");
        (ws, dir.join(idstation_workstation::DB_FILE))
    };
    let (mut a, a_db) = make("a");
    let instruments: Vec<_> = (1..=args.count)
        .map(|i| {
            let mut input = InstrumentInput::default();
            input.set(&Field::Identifier, format!("88.118.8/B-{i:07}"));
            input.set(&Field::Name, format!("数字压力表 {i}"));
            input.set(&Field::Model, "YB-150");
            input.set(&Field::Owner, "华东计量");
            a.validate(&input).expect("valid")
        })
        .collect();
    let t = Instant::now();
    a.import_instruments(&instruments, &mut |_, _| {})
        .expect("import");
    let import_s = t.elapsed().as_secs_f64();
    drop(a);

    let engine = SyncEngine::new(
        HttpTransport::new(&url).expect("transport"),
        SyncConfig {
            push_batch: 1_000,
            pull_page: 1_000,
            ..SyncConfig::default()
        },
    );
    let mut store = Store::open(&a_db).expect("open a");
    let t = Instant::now();
    let mut push_done = None;
    engine
        .sync(&mut store, &mut |p| {
            if push_done.is_none() && !matches!(p, Progress::Pushing { .. }) {
                push_done = Some(t.elapsed());
            }
        })
        .expect("push");
    let push_s = push_done.expect("pull phase reached").as_secs_f64();
    assert_eq!(store.sync_status().expect("status").pending_ops, 0);

    let (b, b_db) = make("b");
    drop(b);
    let mut store_b = Store::open(&b_db).expect("open b");
    let t = Instant::now();
    let report = engine.sync(&mut store_b, &mut |_| {}).expect("pull");
    let pull_s = t.elapsed().as_secs_f64();
    assert_eq!(report.pulled, args.count as u64);

    let _ = node.kill();
    let _ = node.wait();
    let n = args.count as f64;
    let out = serde_json::json!({
        "count": args.count,
        "local_import_s": import_s,
        "push_s": push_s, "push_ops_per_s": n / push_s,
        "pull_s": pull_s, "pull_rows_per_s": n / pull_s,
        "push_vs_local_import": push_s / import_s,
        "pull_vs_local_import": pull_s / import_s,
    });
    println!("| figure | result |\n|---|---|");
    println!(
        "| local import of {} instruments (reference) | {import_s:.2} s |",
        args.count
    );
    println!(
        "| push {} ops over loopback | {push_s:.2} s = **{:.0} ops/s** ({:.1}× the import) |",
        args.count,
        n / push_s,
        push_s / import_s
    );
    println!(
        "| pull {} rows over loopback | {pull_s:.2} s = **{:.0} rows/s** ({:.1}× the import) |",
        args.count,
        n / pull_s,
        pull_s / import_s
    );
    let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    std::fs::create_dir_all(&results).expect("results dir");
    std::fs::File::create(results.join("sync-latest.json"))
        .and_then(|mut f| f.write_all(out.to_string().as_bytes()))
        .expect("write results");
}
