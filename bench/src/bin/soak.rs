//! The node over time: an hour (by default) of mixed load against the release node — phones
//! resolving over fresh connections, a workstation registering, editing and syncing, people
//! signing in (and someone guessing passwords from another address), a Handle client writing —
//! with the node's memory (RSS), open files, threads and CPU sampled every minute into a CSV.
//! A node that leaks shows it as a rising curve; one that stops answering ends the run.
//!
//!   bench/soak.sh [--minutes 60] [--sample-secs 60] [--out bench/results/soak-latest.csv]

use std::io::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use idstation_bench::{BenchNode, Stats};
use idstation_model::{Field, InstrumentInput};
use idstation_workstation::Workstation;
use serde_json::json;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    /// The idstation-node binary (release).
    #[arg(long)]
    node: PathBuf,
    #[arg(long, default_value_t = 60)]
    minutes: u64,
    #[arg(long, default_value_t = 60)]
    sample_secs: u64,
    #[arg(long, default_value = "bench/results/soak-latest.csv")]
    out: PathBuf,
}

/// What the load threads did since the last sample.
#[derive(Default)]
struct Counters {
    resolutions: AtomicU64,
    syncs: AtomicU64,
    sign_ins: AtomicU64,
    refused_guesses: AtomicU64,
    writes: AtomicU64,
    errors: AtomicU64,
    latencies: Mutex<Vec<Duration>>,
}

/// (RSS KiB, open files, threads) of a process, from /proc.
fn resources(pid: u32) -> Option<(u64, u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
    };
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u64;
    Some((field("VmRSS:")?, fds, field("Threads:")?))
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let dir = std::env::temp_dir().join(format!("idstation-soak-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("soak folder");
    let node = BenchNode::start(&args.node, &dir.join("node"));
    let url = node.url.clone();
    let pid = node.pid();
    let counters = Arc::new(Counters::default());
    let stop = Arc::new(AtomicBool::new(false));
    let known: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));

    // A workstation: registers, edits and syncs every few seconds.
    let mut ws = Workstation::init(&dir.join("ws"), "88.118.8", "soak").expect("workstation");
    ws.sync_login(&url, BenchNode::USER, BenchNode::PASSWORD, "soak")
        .expect("sign in");
    ws.sync_now(&mut |_| {}).expect("first sync");
    let mut threads = Vec::new();
    {
        let (counters, stop, known) = (counters.clone(), stop.clone(), known.clone());
        threads.push(std::thread::spawn(move || {
            let mut n = 0u64;
            // Phones resolve an identifier only once a sync has taken it to the node: one
            // registered a moment ago is not found there yet, and that is no error.
            let mut fresh = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                for _ in 0..10 {
                    n += 1;
                    let mut input = InstrumentInput::default();
                    input.set(&Field::Name, format!("数字万用表 {n}"));
                    input.set(&Field::Model, "DMM6500");
                    input.set(&Field::Location, "一楼计量室");
                    input.set(&Field::CalCalibratedBy, "王工");
                    match ws.register_minted(&input) {
                        Ok(r) => {
                            let id = r.instrument.identifier.to_string();
                            if n.is_multiple_of(3) {
                                let _ =
                                    ws.edit(&id, &[(Field::Location, format!("{n} 号柜"))], None);
                            }
                            fresh.push(id);
                        }
                        Err(_) => {
                            counters.errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                match ws.sync_now(&mut |_| {}) {
                    Ok(_) => {
                        counters.syncs.fetch_add(1, Ordering::Relaxed);
                        known.lock().expect("known").append(&mut fresh);
                    }
                    Err(_) => {
                        counters.errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                std::thread::sleep(Duration::from_secs(5));
            }
        }));
    }
    // Phones: four threads resolving known handles (API and scan page) over fresh connections.
    for t in 0..4 {
        let (counters, stop, known, url) =
            (counters.clone(), stop.clone(), known.clone(), url.clone());
        threads.push(std::thread::spawn(move || {
            let http = reqwest::blocking::Client::builder()
                .pool_max_idle_per_host(0)
                .timeout(Duration::from_secs(10))
                .build()
                .expect("client");
            let mut i = t;
            while !stop.load(Ordering::Relaxed) {
                let id = {
                    let known = known.lock().expect("known");
                    (!known.is_empty()).then(|| known[i % known.len()].clone())
                };
                i += 7;
                let Some(id) = id else {
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                };
                let path = if i % 2 == 0 {
                    format!("{url}/api/handles/{id}")
                } else {
                    format!("{url}/{id}")
                };
                let started = Instant::now();
                match http.get(&path).send().map(|r| r.status().is_success()) {
                    Ok(true) => {
                        counters.resolutions.fetch_add(1, Ordering::Relaxed);
                        counters
                            .latencies
                            .lock()
                            .expect("latencies")
                            .push(started.elapsed());
                    }
                    _ => {
                        counters.errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }));
    }
    // People signing in every two seconds; someone else guessing from another address.
    {
        let (counters, stop, url) = (counters.clone(), stop.clone(), url.clone());
        threads.push(std::thread::spawn(move || {
            let http = reqwest::blocking::Client::new();
            let guesser = reqwest::blocking::Client::builder()
                .local_address("127.0.0.3".parse::<IpAddr>().ok())
                .build()
                .expect("client");
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let ok = http
                    .post(format!("{url}/api/v1/login"))
                    .json(&json!({"username": BenchNode::USER, "password": BenchNode::PASSWORD}))
                    .send()
                    .map(|r| r.status().is_success())
                    .unwrap_or(false);
                if ok {
                    counters.sign_ins.fetch_add(1, Ordering::Relaxed);
                } else {
                    counters.errors.fetch_add(1, Ordering::Relaxed);
                }
                let guess = guesser
                    .post(format!("{url}/api/v1/login"))
                    .json(&json!({"username": format!("guess{n}"), "password": "wrong-1"}))
                    .send()
                    .map(|r| r.status().as_u16());
                if matches!(guess, Ok(401 | 429)) {
                    counters.refused_guesses.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_secs(2));
            }
        }));
    }
    // A Handle client writing a record a second.
    {
        let (counters, stop, url) = (counters.clone(), stop.clone(), url.clone());
        threads.push(std::thread::spawn(move || {
            let http = reqwest::blocking::Client::new();
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let ok = http
                    .put(format!("{url}/api/handles/88.118/DOC-{}", n % 500))
                    .basic_auth("300:0.NA/88.118", Some(BenchNode::SECRET))
                    .json(&json!([{"index": 1, "type": "URL", "data": format!("https://lab.example.cn/{n}")}]))
                    .send()
                    .map(|r| r.status().is_success())
                    .unwrap_or(false);
                if ok {
                    counters.writes.fetch_add(1, Ordering::Relaxed);
                } else {
                    counters.errors.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        }));
    }

    if let Some(parent) = args.out.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let mut csv = std::fs::File::create(&args.out).expect("csv");
    writeln!(
        csv,
        "minute,rss_mib,open_files,threads,cpu_s,resolutions,resolution_p99_ms,resolution_max_ms,syncs,sign_ins,refused_guesses,handle_writes,errors"
    )
    .expect("write");
    println!("| minute | RSS MiB | open files | threads | resolutions | p99 ms | errors |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    let started = Instant::now();
    let total = Duration::from_secs(args.minutes * 60);
    let mut alive = true;
    let mut rss_seen: Vec<u64> = Vec::new();
    while started.elapsed() < total {
        std::thread::sleep(Duration::from_secs(args.sample_secs));
        let Some((rss, fds, nthreads)) = resources(pid) else {
            alive = false;
            eprintln!("the node is gone");
            break;
        };
        rss_seen.push(rss);
        let take = |c: &AtomicU64| c.swap(0, Ordering::Relaxed);
        let latencies = std::mem::take(&mut *counters.latencies.lock().expect("latencies"));
        let stats = Stats::of(&latencies);
        let minute = started.elapsed().as_secs_f64() / 60.0;
        let row = (
            take(&counters.resolutions),
            take(&counters.syncs),
            take(&counters.sign_ins),
            take(&counters.refused_guesses),
            take(&counters.writes),
            take(&counters.errors),
        );
        writeln!(
            csv,
            "{minute:.1},{:.1},{fds},{nthreads},{:.1},{},{:.1},{:.1},{},{},{},{},{}",
            rss as f64 / 1024.0,
            node.cpu_seconds(),
            row.0,
            stats.p99,
            stats.max,
            row.1,
            row.2,
            row.3,
            row.4,
            row.5
        )
        .expect("write");
        csv.flush().expect("flush");
        println!(
            "| {minute:.1} | {:.1} | {fds} | {nthreads} | {} | {:.1} | {} |",
            rss as f64 / 1024.0,
            row.0,
            stats.p99,
            row.5
        );
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }
    let (lo, hi) = (
        rss_seen.iter().min().copied().unwrap_or(0),
        rss_seen.iter().max().copied().unwrap_or(0),
    );
    println!(
        "\nRSS {:.1}–{:.1} MiB over {} samples; CSV: {}",
        lo as f64 / 1024.0,
        hi as f64 / 1024.0,
        rss_seen.len(),
        args.out.display()
    );
    drop(node);
    let _ = std::fs::remove_dir_all(&dir);
    if alive {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
