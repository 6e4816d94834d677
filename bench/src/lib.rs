//! Helpers shared by the benchmark binaries: latency statistics, machine context, formatting.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Latency summary of one series, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub count: usize,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

impl Stats {
    /// Nearest-rank percentiles: every reported figure is a latency that was actually measured.
    pub fn of(samples: &[Duration]) -> Stats {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        let rank = |p: f64| -> f64 {
            if ms.is_empty() {
                return 0.0;
            }
            let i = ((p * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1;
            ms[i]
        };
        Stats {
            count: ms.len(),
            p50: rank(0.50),
            p95: rank(0.95),
            p99: rank(0.99),
            max: ms.last().copied().unwrap_or(0.0),
            mean: if ms.is_empty() {
                0.0
            } else {
                ms.iter().sum::<f64>() / ms.len() as f64
            },
        }
    }

    pub fn to_json(self) -> Value {
        json!({
            "count": self.count,
            "p50_ms": round3(self.p50),
            "p95_ms": round3(self.p95),
            "p99_ms": round3(self.p99),
            "max_ms": round3(self.max),
            "mean_ms": round3(self.mean),
        })
    }
}

pub fn round3(x: f64) -> f64 {
    (x * 1e3).round() / 1e3
}

/// Runs `f` and returns its result with the wall time it took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

/// Where the numbers were measured; a benchmark without its machine is not comparable.
#[derive(Debug, Clone)]
pub struct Machine {
    pub date: String,
    pub nproc: usize,
    pub loadavg: String,
    pub kernel: String,
    pub sqlite: String,
    pub work_dir: String,
    pub fs_type: String,
    pub fs_device: String,
}

impl Machine {
    pub fn probe(work_dir: &Path) -> Machine {
        // `df -T DIR`: second line is "device type blocks used available use% mount".
        let df = command_output("df", &["-T", &work_dir.to_string_lossy()]);
        let fields: Vec<String> = df
            .lines()
            .nth(1)
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_string)
            .collect();
        Machine {
            date: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            nproc: std::thread::available_parallelism().map_or(1, |n| n.get()),
            loadavg: std::fs::read_to_string("/proc/loadavg")
                .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
                .unwrap_or_else(|_| "?".into()),
            kernel: command_output("uname", &["-r"]).trim().to_string(),
            sqlite: rusqlite::version().to_string(),
            work_dir: work_dir.display().to_string(),
            fs_type: fields.get(1).cloned().unwrap_or_else(|| "?".into()),
            fs_device: fields.first().cloned().unwrap_or_else(|| "?".into()),
        }
    }

    /// RAM-backed file systems make fsync free, so the commit figures would mean nothing.
    pub fn is_ram_backed(&self) -> bool {
        matches!(self.fs_type.as_str(), "tmpfs" | "ramfs")
    }

    pub fn to_json(&self) -> Value {
        json!({
            "date": self.date,
            "nproc": self.nproc,
            "loadavg_at_start": self.loadavg,
            "kernel": self.kernel,
            "sqlite_version": self.sqlite,
            "work_dir": self.work_dir,
            "fs_type": self.fs_type,
            "fs_device": self.fs_device,
        })
    }
}

fn command_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// Size of an SQLite database with its WAL, in bytes.
pub fn db_size(path: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(with_suffix(path, suffix)).ok())
        .map(|m| m.len())
        .sum()
}

fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    p.into()
}

/// Removes a database and its WAL and shared-memory files, if present.
pub fn remove_db(path: &Path) -> std::io::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        match std::fs::remove_file(with_suffix(path, suffix)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// A release `idstation-node` serving a fresh data folder on a loopback port, with an approved
/// technician `bench` (password `calib2026`) of enterprise 88.118.8. Killed when dropped.
pub struct BenchNode {
    pub url: String,
    child: std::process::Child,
}

impl BenchNode {
    pub const SECRET: &'static str = "bench-secret-1";
    pub const USER: &'static str = "bench";
    pub const PASSWORD: &'static str = "calib2026";

    /// CPU seconds (user + system) the node process has used so far, from /proc.
    pub fn cpu_seconds(&self) -> f64 {
        cpu_seconds(&format!("/proc/{}/stat", self.child.id()))
    }

    pub fn start(node_bin: &Path, data_dir: &Path) -> BenchNode {
        use std::io::BufRead;
        use std::process::Stdio;
        let status = Command::new(node_bin)
            .args(["init", "--data-dir"])
            .arg(data_dir)
            .args(["--prefix", "88.118"])
            .env("IDSTATION_NODE_ADMIN_SECRET", Self::SECRET)
            .stdout(Stdio::null())
            .status()
            .expect("init node");
        assert!(status.success(), "idstation-node init failed");
        let mut child = Command::new(node_bin)
            .args(["serve", "--data-dir"])
            .arg(data_dir)
            .args(["--listen", "127.0.0.1:0"])
            .env("IDSTATION_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("serve");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("listening line");
        let url = line.trim().trim_start_matches("listening on ").to_owned();

        let http = reqwest::blocking::Client::new();
        let body: serde_json::Value = http
            .post(format!("{url}/api/v1/accounts"))
            .json(&json!({"username": Self::USER, "password": Self::PASSWORD,
                "display_name": "基准", "role": "technician", "enterprise_prefix": "88.118.8",
                "enterprise_name": "基准计量"}))
            .send()
            .and_then(|r| r.json())
            .expect("register");
        let id = body["account"]["id"].as_i64().expect("id");
        http.post(format!("{url}/api/v1/accounts/{id}/approve"))
            .basic_auth("300:0.NA/88.118", Some(Self::SECRET))
            .send()
            .expect("approve");
        BenchNode { url, child }
    }

    /// The node's process id (for `ps`-style readings).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for BenchNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU seconds (user + system) of a process, from its `/proc/<pid>/stat` (`self` for this one).
pub fn cpu_seconds(stat_path: &str) -> f64 {
    let stat = std::fs::read_to_string(stat_path).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line; clock ticks are 100 per second on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let s = Stats::of(&samples);
        assert_eq!((s.p50, s.p95, s.p99, s.max), (50.0, 95.0, 99.0, 100.0));
        assert!((s.mean - 50.5).abs() < 1e-9);
        assert_eq!(Stats::of(&[]).count, 0);
    }
}
