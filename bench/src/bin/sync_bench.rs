//! Sync throughput over loopback against the real node (release build): push N pending ops
//! from one workstation, then pull the N records into a fresh one. The reference in the same
//! run is the local store's own import of the same N instruments (the floor any sync pays to
//! write them once).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use idstation_bench::{cpu_seconds, BenchNode};
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
    let node = BenchNode::start(&args.node, &args.work.join("node"));
    let url = node.url.clone();

    let make = |name: &str| -> (Workstation, PathBuf) {
        let dir = args.work.join(name);
        let mut ws = Workstation::init(&dir, "88.118.8", name).expect("init");
        ws.sync_login(&url, BenchNode::USER, BenchNode::PASSWORD, name)
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
    let (node_cpu, own_cpu) = (node.cpu_seconds(), cpu_seconds("/proc/self/stat"));
    let t = Instant::now();
    let mut push_done = None;
    let mut push_cpu = (0.0, 0.0);
    engine
        .sync(&mut store, &mut |p| {
            if push_done.is_none() && !matches!(p, Progress::Pushing { .. }) {
                push_done = Some(t.elapsed());
                push_cpu = (
                    node.cpu_seconds() - node_cpu,
                    cpu_seconds("/proc/self/stat") - own_cpu,
                );
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

    drop(node);
    let n = args.count as f64;
    let out = serde_json::json!({
        "count": args.count,
        "local_import_s": import_s,
        "push_s": push_s, "push_ops_per_s": n / push_s,
        "push_node_cpu_s": push_cpu.0, "push_client_cpu_s": push_cpu.1,
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
        "| CPU during the push: node / workstation | {:.2} s / {:.2} s |",
        push_cpu.0, push_cpu.1
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
