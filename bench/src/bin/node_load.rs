//! Resolution under load: `wrk` on loopback asks the release node for random identifiers out of
//! N registered, at 64 and at 5,000 connections; in the same run and with the same load script,
//! nginx serves the same JSON as a static file (the practical ceiling on this machine). The
//! runs alternate node / nginx so both see the same machine.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use idstation_bench::BenchNode;
use idstation_model::{Field, InstrumentInput};
use idstation_store::Store;
use idstation_sync::{HttpTransport, SyncConfig, SyncEngine};
use idstation_workstation::Workstation;
use serde_json::{json, Value};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    /// The idstation-node binary (release build).
    #[arg(long)]
    node: PathBuf,
    /// Instruments registered before the load starts.
    #[arg(long, default_value_t = 100_000)]
    count: usize,
    /// Seconds of load per run (after a warm-up of a fifth of it).
    #[arg(long, default_value_t = 15)]
    seconds: u64,
    /// Node / nginx pairs per connection count; the summary takes the median ratio (one pair's
    /// p99 ratio swings 1×-4× with where the scheduler puts wrk on a shared 2-core machine).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Connection counts to run at.
    #[arg(long, value_delimiter = ',', default_value = "64,5000")]
    connections: Vec<u32>,
    #[arg(long, default_value = "/var/tmp/idstation-bench/node-load")]
    work: PathBuf,
}

/// What one wrk run measured.
#[derive(Debug, Default, Clone)]
struct Run {
    requests_per_s: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    requests: u64,
    /// Connect, read, write errors and requests over wrk's 2 s timeout.
    socket_errors: u64,
    timeouts: u64,
    non_2xx: u64,
}

impl Run {
    fn to_json(&self) -> Value {
        json!({
            "requests_per_s": self.requests_per_s.round(),
            "p50_ms": round2(self.p50_ms), "p90_ms": round2(self.p90_ms),
            "p99_ms": round2(self.p99_ms), "requests": self.requests,
            "socket_errors": self.socket_errors, "timeouts_over_2s": self.timeouts,
            "non_2xx": self.non_2xx,
        })
    }
}

/// The middle value (the upper middle for an even count).
fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn main() {
    let args = Args::parse();
    let _ = std::fs::remove_dir_all(&args.work);
    std::fs::create_dir_all(&args.work).expect("work dir");
    for tool in ["wrk", "nginx"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            found,
            "{tool} is not installed (bench/run-node-load.sh installs it)"
        );
    }

    let node = BenchNode::start(&args.node, &args.work.join("node"));
    let ids = register(&node.url, &args.work, args.count);
    let ids_file = args.work.join("ids.txt");
    std::fs::write(&ids_file, ids.join("\n") + "\n").expect("ids file");

    // nginx serves exactly the bytes the node answers for one of them.
    let sample = reqwest::blocking::get(format!("{}/api/handles/{}", node.url, ids[0]))
        .and_then(|r| r.bytes())
        .expect("sample record");
    let nginx = Nginx::start(&args.work.join("nginx"), &sample);

    let script = args.work.join("random-ids.lua");
    std::fs::write(&script, LOAD_SCRIPT).expect("lua script");
    let mut rows = Vec::new();
    let mut out = Vec::new();
    let mut summary = Vec::new();
    for &c in &args.connections {
        let (mut rps_ratios, mut p99_ratios) = (Vec::new(), Vec::new());
        for round in 1..=args.rounds {
            let node_run = wrk(&node.url, c, args.seconds, &script, &ids_file);
            let nginx_run = wrk(&nginx.url, c, args.seconds, &script, &ids_file);
            let ratio = node_run.requests_per_s / nginx_run.requests_per_s;
            let p99_ratio = node_run.p99_ms / nginx_run.p99_ms;
            rps_ratios.push(ratio);
            p99_ratios.push(p99_ratio);
            rows.push(format!(
                "| {c} | {round} | node | {:.0} | {:.2} | {:.2} | {} / {} / {} | {:.0}% of nginx req/s, p99 {:.2}× nginx's |",
                node_run.requests_per_s,
                node_run.p50_ms,
                node_run.p99_ms,
                node_run.socket_errors,
                node_run.timeouts,
                node_run.non_2xx,
                ratio * 100.0,
                p99_ratio,
            ));
            rows.push(format!(
                "| {c} | {round} | nginx (static file) | {:.0} | {:.2} | {:.2} | {} / {} / {} | reference |",
                nginx_run.requests_per_s,
                nginx_run.p50_ms,
                nginx_run.p99_ms,
                nginx_run.socket_errors,
                nginx_run.timeouts,
                nginx_run.non_2xx,
            ));
            out.push(json!({
                "connections": c, "round": round,
                "node": node_run.to_json(), "nginx": nginx_run.to_json(),
                "node_vs_nginx_rps": round2(ratio), "node_vs_nginx_p99": round2(p99_ratio),
            }));
        }
        let (rps, p99) = (median(&mut rps_ratios), median(&mut p99_ratios));
        summary.push(format!(
            "| {c} | **{:.0}%** | **{:.2}×** | {} |",
            rps * 100.0,
            p99,
            p99_ratios
                .iter()
                .map(|r| format!("{r:.2}"))
                .collect::<Vec<_>>()
                .join(" / ")
        ));
        out.push(json!({
            "connections": c, "median_node_vs_nginx_rps": round2(rps),
            "median_node_vs_nginx_p99": round2(p99),
        }));
    }
    drop(nginx);
    drop(node);

    println!(
        "Resolution of random identifiers out of {} registered, wrk -t2, {} s per run, loopback, \
         load generator on the same 2 cores.\n",
        args.count, args.seconds
    );
    println!("| connections | node req/s ÷ nginx's (median) | node p99 ÷ nginx's (median) | p99 ratio of each round |");
    println!("|---|---|---|---|");
    for r in summary {
        println!("{r}");
    }
    println!(
        "\n| connections | round | server | req/s | p50 ms | p99 ms | socket errors / >2 s / non-2xx | |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
    let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    std::fs::create_dir_all(&results).expect("results dir");
    let doc =
        json!({"count": args.count, "seconds": args.seconds, "rounds": args.rounds, "runs": out});
    std::fs::File::create(results.join("node-load-latest.json"))
        .and_then(|mut f| f.write_all(doc.to_string().as_bytes()))
        .expect("write results");
}

/// Registers `count` instruments the way a lab does: on a workstation, then one sync.
fn register(url: &str, work: &Path, count: usize) -> Vec<String> {
    let dir = work.join("ws");
    let mut ws = Workstation::init(&dir, "88.118.8", "load").expect("init workstation");
    ws.sync_login(url, BenchNode::USER, BenchNode::PASSWORD, "load")
        .expect("login");
    let ids: Vec<String> = (1..=count).map(|i| format!("88.118.8/L-{i:07}")).collect();
    let instruments: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let mut input = InstrumentInput::default();
            input.set(&Field::Identifier, id.as_str());
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
    drop(ws);
    let engine = SyncEngine::new(
        HttpTransport::new(url).expect("transport"),
        SyncConfig {
            push_batch: 1_000,
            ..SyncConfig::default()
        },
    );
    let mut store =
        Store::open(&dir.join(idstation_workstation::DB_FILE)).expect("open workstation");
    let t = Instant::now();
    engine.sync(&mut store, &mut |_| {}).expect("sync");
    eprintln!(
        "registered {count} instruments at the node in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    ids
}

/// Every request asks for a random identifier from the list (nginx answers all of them with
/// its one file, the node looks each one up).
const LOAD_SCRIPT: &str = r#"
local ids = {}
local thread_no = 0
function setup(thread)
  thread:set("seed", thread_no)
  thread_no = thread_no + 1
end
function init(args)
  for line in io.lines(os.getenv("IDS_FILE")) do ids[#ids + 1] = line end
  math.randomseed(1000 + seed)
end
function request()
  return wrk.format("GET", "/api/handles/" .. ids[math.random(#ids)])
end
"#;

fn wrk(url: &str, connections: u32, seconds: u64, script: &Path, ids: &Path) -> Run {
    let run = |secs: u64| {
        let out = Command::new("wrk")
            .args(["-t2", "--latency", "--timeout", "2s"])
            .arg(format!("-c{connections}"))
            .arg(format!("-d{secs}s"))
            .arg("-s")
            .arg(script)
            .arg(url)
            .env("IDS_FILE", ids)
            .output()
            .expect("run wrk");
        assert!(
            out.status.success(),
            "wrk failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run((seconds / 5).max(1));
    let text = run(seconds);
    eprintln!("wrk -c{connections} {url}\n{text}");
    parse_wrk(&text)
}

fn parse_wrk(text: &str) -> Run {
    let mut run = Run::default();
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", v] => run.p50_ms = ms(v),
            ["90%", v] => run.p90_ms = ms(v),
            ["99%", v] => run.p99_ms = ms(v),
            ["Requests/sec:", v] => run.requests_per_s = v.parse().unwrap_or(0.0),
            [n, "requests", "in", ..] => run.requests = n.parse().unwrap_or(0),
            ["Non-2xx", "or", "3xx", "responses:", n] => run.non_2xx = n.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                // "connect 0, read 0, write 0, timeout 0"
                let nums: Vec<u64> = rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse().ok())
                    .collect();
                if let [connect, read, write, timeout] = nums[..] {
                    run.socket_errors = connect + read + write;
                    run.timeouts = timeout;
                }
            }
            _ => {}
        }
    }
    run
}

/// wrk's latency text (`812.00us`, `1.23ms`, `2.00s`) in milliseconds.
fn ms(v: &str) -> f64 {
    let (num, factor) = if let Some(n) = v.strip_suffix("us") {
        (n, 1e-3)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('m') {
        (n, 60_000.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1e3)
    } else {
        (v, 1.0)
    };
    num.parse::<f64>().unwrap_or(f64::NAN) * factor
}

/// nginx serving one file for every path, on a free loopback port, as the reference.
struct Nginx {
    url: String,
    master: Child,
}

impl Nginx {
    fn start(dir: &Path, body: &[u8]) -> Nginx {
        std::fs::create_dir_all(dir.join("logs")).expect("nginx dir");
        std::fs::write(dir.join("record.json"), body).expect("record file");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let conf = format!(
            "daemon off;\nworker_processes auto;\nworker_rlimit_nofile 16384;\n\
             pid {dir}/nginx.pid;\nerror_log {dir}/logs/error.log warn;\n\
             events {{ worker_connections 16384; }}\n\
             http {{\n  access_log off;\n  keepalive_requests 100000000;\n\
               server {{\n    listen 127.0.0.1:{port};\n    root {dir};\n\
                 location / {{ default_type application/json; try_files /record.json =404; }}\n  }}\n}}\n",
            dir = dir.display()
        );
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("nginx conf");
        let master = Command::new("nginx")
            .arg("-p")
            .arg(dir)
            .arg("-e")
            .arg(dir.join("logs/error.log"))
            .arg("-c")
            .arg(&conf_path)
            .spawn()
            .expect("start nginx");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nginx did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Nginx { url, master }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGQUIT lets the master stop its workers; a plain kill would orphan them.
        let _ = Command::new("kill")
            .args(["-QUIT", &self.master.id().to_string()])
            .status();
        let _ = self.master.wait();
    }
}
