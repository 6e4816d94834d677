//! The proof of the issue: a thousand files dropped while the watcher runs (valid CSV in UTF-8
//! and GBK, XLSX, JSON lines, malformed files, duplicates, files written slowly, files renamed
//! into place) all end in `archive/` or `error/`, the database holds exactly the valid rows,
//! none twice, and the counts match the reports. Then the same with the watcher killed
//! (`kill -9`) at random moments and restarted.
//!
//! The killed watcher is this test binary run again as a child (`child_watcher`, switched on by
//! an environment variable). Sizes: `IDSTATION_DROP_FILES` (default 1000) and
//! `IDSTATION_DROP_KILLS` (default 12); `IDSTATION_DROP_SEED` repeats a run (the seed is printed).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use idstation_hotfolder::{Event, FolderConfig, HotFolders, Options, WatchMode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const CHILD_DB: &str = "IDSTATION_DROP_CHILD_DB";
const CHILD_INBOX: &str = "IDSTATION_DROP_CHILD_INBOX";
/// A child lives at most this long, even if nobody kills it.
const CHILD_LIFETIME: Duration = Duration::from_secs(300);

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn seed() -> u64 {
    let seed = std::env::var("IDSTATION_DROP_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    eprintln!("IDSTATION_DROP_SEED={seed}");
    seed
}

fn config(inbox: &Path) -> FolderConfig {
    FolderConfig {
        mode: WatchMode::Event,
        settle_ms: 400,
        poll_ms: 500,
        ..FolderConfig::new(inbox)
    }
}

/// How a file reaches the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arrival {
    /// One write.
    Direct,
    /// Chunk by chunk over more than half a second.
    Slow,
    /// Written as `<name>.part`, then renamed.
    Renamed,
}

#[derive(Debug, Clone)]
struct Dropped {
    name: String,
    bytes: Vec<u8>,
    arrival: Arrival,
    /// Identifiers it registers if imported (empty for a malformed file or a duplicate).
    ids: Vec<String>,
    /// It must be refused.
    malformed: bool,
}

/// `n` files from `seed`, kinds and arrivals drawn at random in fixed proportions.
fn plan(n: usize, seed: u64) -> Vec<Dropped> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut files: Vec<Dropped> = Vec::with_capacity(n);
    for i in 0..n {
        let tag = format!("D{i}");
        let count = rng.gen_range(1..=4);
        let r = rows(&tag, count);
        let ids: Vec<String> = r.iter().map(|row| row[0].clone()).collect();
        let roll = rng.gen_range(0..100);
        let (name, bytes, ids, malformed) = match roll {
            0..=29 => (
                format!("{tag}.csv"),
                csv(&HEADINGS, &r).into_bytes(),
                ids,
                false,
            ),
            30..=44 => (
                format!("{tag}-gbk.csv"),
                gbk(&csv(&HEADINGS, &r)),
                ids,
                false,
            ),
            45..=59 => (format!("{tag}.xlsx"), xlsx(&HEADINGS, &r), ids, false),
            60..=69 => {
                let lines: String = r
                    .iter()
                    .map(|row| {
                        format!(
                            "{{\"identifier\":\"{}\",\"name\":\"{}\",\"asset_no\":\"{}\"}}\n",
                            row[0], row[1], row[3]
                        )
                    })
                    .collect();
                (format!("{tag}.jsonl"), lines.into_bytes(), ids, false)
            }
            70..=84 => {
                // One impossible date in the last row: the whole file is refused.
                let mut bad = r.clone();
                if let Some(last) = bad.last_mut() {
                    last[4] = "2026-02-30".into();
                }
                (
                    format!("{tag}-bad.csv"),
                    csv(&HEADINGS, &bad).into_bytes(),
                    vec![],
                    true,
                )
            }
            _ => match files.iter().rev().find(|f| !f.ids.is_empty()) {
                // The same bytes as an earlier valid file, under another name.
                Some(orig) => (
                    format!("{tag}-copy-of-{}", orig.name),
                    orig.bytes.clone(),
                    vec![],
                    false,
                ),
                None => (
                    format!("{tag}.csv"),
                    csv(&HEADINGS, &r).into_bytes(),
                    ids,
                    false,
                ),
            },
        };
        let arrival = match rng.gen_range(0..100) {
            0..=2 => Arrival::Slow,
            3..=9 => Arrival::Renamed,
            _ => Arrival::Direct,
        };
        files.push(Dropped {
            name,
            bytes,
            arrival,
            ids,
            malformed,
        });
    }
    files
}

/// Drops every file into `inbox`, quickly, slow ones on threads of their own.
fn drop_all(inbox: PathBuf, files: Vec<Dropped>, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let mut slow = Vec::new();
    for f in files {
        let path = inbox.join(&f.name);
        match f.arrival {
            Arrival::Direct => std::fs::write(&path, &f.bytes).expect("drop"),
            Arrival::Renamed => {
                let part = inbox.join(format!("{}.part", f.name));
                std::fs::write(&part, &f.bytes).expect("part");
                std::fs::rename(&part, &path).expect("rename");
            }
            Arrival::Slow => slow.push(std::thread::spawn(move || {
                // 30 chunks 20 ms apart: each pause a twentieth of the settle time.
                let mut file = std::fs::File::create(&path).expect("create");
                let chunk = f.bytes.len().div_ceil(30).max(1);
                for part in f.bytes.chunks(chunk) {
                    file.write_all(part).expect("write");
                    file.flush().expect("flush");
                    std::thread::sleep(Duration::from_millis(20));
                }
            })),
        }
        // Now and then a breath, so drops and takes interleave.
        if rng.gen_range(0..50) == 0 {
            std::thread::sleep(Duration::from_millis(rng.gen_range(1..30)));
        }
    }
    for t in slow {
        t.join().expect("slow writer");
    }
}

/// The files in `archive/` and `error/` by name, and every report's problem count.
struct Outcome {
    archived: Vec<String>,
    errored: Vec<String>,
    report_problems: BTreeMap<String, usize>,
}

fn base_name(relative: &str) -> String {
    Path::new(relative)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn outcome(inbox: &Path) -> Outcome {
    let archived: Vec<String> = files_under(&inbox.join("archive"))
        .iter()
        .map(|p| base_name(p))
        .filter(|n| !n.starts_with('.'))
        .collect();
    let mut errored = Vec::new();
    let mut report_problems = BTreeMap::new();
    for p in files_under(&inbox.join("error")) {
        let n = base_name(&p);
        if n.starts_with('.') {
            continue; // a report being written when a watcher was killed
        }
        if let Some(file) = n.strip_suffix(".report.csv") {
            let text = std::fs::read_to_string(inbox.join("error").join(&p)).expect("report");
            report_problems.insert(file.to_string(), text.lines().count() - 1);
        } else {
            errored.push(n);
        }
    }
    Outcome {
        archived,
        errored,
        report_problems,
    }
}

/// Everything dropped has been moved out of the folder.
fn all_moved(inbox: &Path, n: usize) -> bool {
    let o = outcome(inbox);
    o.archived.len() + o.errored.len() == n && waiting_in(inbox).is_empty()
}

fn check(f: &Fixture, files: &[Dropped]) {
    let o = outcome(&f.inbox);
    let names: BTreeSet<&str> = files.iter().map(|d| d.name.as_str()).collect();
    let mut seen: Vec<&str> = o
        .archived
        .iter()
        .chain(o.errored.iter())
        .map(String::as_str)
        .collect();
    seen.sort_unstable();
    assert_eq!(
        seen,
        names.iter().copied().collect::<Vec<_>>(),
        "every file exactly once in archive/ or error/"
    );
    let malformed: BTreeSet<&str> = files
        .iter()
        .filter(|d| d.malformed)
        .map(|d| d.name.as_str())
        .collect();
    let errored: BTreeSet<&str> = o.errored.iter().map(String::as_str).collect();
    assert_eq!(
        errored, malformed,
        "exactly the malformed files are refused"
    );
    // Each malformed file has its report, naming its one bad row.
    for name in &malformed {
        assert_eq!(o.report_problems.get(*name), Some(&1), "{name}'s report");
    }
    assert_eq!(o.report_problems.len(), malformed.len());

    let store = f.store();
    let expected: BTreeSet<String> = files.iter().flat_map(|d| d.ids.iter().cloned()).collect();
    let mut stmt = store
        .connection()
        .prepare("SELECT identifier FROM instruments")
        .expect("prepare");
    let got: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    let got_set: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(got.len(), got_set.len(), "no row twice");
    assert_eq!(got_set, expected, "exactly the valid rows");
    // One ledger row per distinct valid file; its row counts add up to the instruments.
    let valid_files = files.iter().filter(|d| !d.ids.is_empty()).count() as i64;
    assert_eq!(
        count(&store, "SELECT count(*) FROM imported_files"),
        valid_files
    );
    assert_eq!(
        count(&store, "SELECT coalesce(sum(rows), 0) FROM imported_files"),
        expected.len() as i64
    );
    assert_eq!(
        count(&store, "SELECT count(*) FROM outbox"),
        expected.len() as i64,
        "one op per row, none twice"
    );
    assert!(store.check_consistency().expect("check").is_consistent());
    assert!(store.audit_verify().expect("verify").is_intact());
}

#[test]
fn a_thousand_files_dropped_while_watching_all_end_in_archive_or_error() {
    let n = env_usize("IDSTATION_DROP_FILES", 1000);
    let seed = seed();
    let f = fixture();
    let files = plan(n, seed);
    let events = Events::default();
    let w = HotFolders::start(
        f.store(),
        vec![config(&f.inbox)],
        Options::new("热文件夹"),
        events.sink(),
    )
    .expect("start");
    let started = Instant::now();
    let dropper = {
        let (inbox, files) = (f.inbox.clone(), files.clone());
        std::thread::spawn(move || drop_all(inbox, files, seed))
    };
    dropper.join().expect("dropper");
    let all = events.wait("every file taken", |e| {
        e.iter()
            .filter(|e| {
                matches!(
                    e,
                    Event::Imported { .. } | Event::AlreadyImported { .. } | Event::Refused { .. }
                )
            })
            .count()
            >= n
    });
    w.stop().expect("stop");
    eprintln!("{n} files in {:?}", started.elapsed());
    assert!(
        !all.iter().any(|e| matches!(e, Event::Failed { .. })),
        "{:#?}",
        all.iter()
            .filter(|e| matches!(e, Event::Failed { .. }))
            .collect::<Vec<_>>()
    );
    check(&f, &files);
    // The events agree with the folders: one outcome per file.
    let imported = all
        .iter()
        .filter(|e| matches!(e, Event::Imported { .. }))
        .count();
    assert_eq!(imported, files.iter().filter(|d| !d.ids.is_empty()).count());
}

/// The killed watcher: watches the folder until killed. Only runs as the child.
#[test]
#[ignore = "the child process of kill_9_during_the_drop_loses_nothing_and_duplicates_nothing"]
fn child_watcher() {
    let (Ok(db), Ok(inbox)) = (std::env::var(CHILD_DB), std::env::var(CHILD_INBOX)) else {
        return;
    };
    let store = idstation_store::Store::open(Path::new(&db)).expect("open");
    let parent = std::os::unix::process::parent_id();
    // Says when it finds a file of its own name already in the ledger: a predecessor was killed
    // between the commit and the move.
    let _w = HotFolders::start(
        store,
        vec![config(Path::new(&inbox))],
        Options::new("热文件夹"),
        |e| {
            if let Event::AlreadyImported {
                file, first_name, ..
            } = e
            {
                if file == first_name {
                    println!("recovered {file}");
                }
            }
        },
    )
    .expect("start");
    // Runs until killed; ends by itself if the parent test is gone or after a long while.
    let born = Instant::now();
    while std::os::unix::process::parent_id() == parent && born.elapsed() < CHILD_LIFETIME {
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn spawn_child(f: &Fixture) -> Child {
    Command::new(std::env::current_exe().expect("exe"))
        .args([
            "--exact",
            "child_watcher",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DB, &f.db)
        .env(CHILD_INBOX, &f.inbox)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the watcher")
}

/// A child watcher, killed for sure (SIGKILL) and reaped when dropped; its `recovered` lines
/// are collected.
struct Killed {
    child: Child,
    lines: Option<std::thread::JoinHandle<Vec<String>>>,
}

impl Killed {
    fn new(mut child: Child) -> Killed {
        let out = child.stdout.take().expect("stdout");
        let lines = std::thread::spawn(move || {
            use std::io::BufRead;
            std::io::BufReader::new(out)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| l.strip_prefix("recovered ").map(str::to_string))
                .collect()
        });
        Killed {
            child,
            lines: Some(lines),
        }
    }

    fn kill(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.lines
            .take()
            .and_then(|l| l.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn kill_9_during_the_drop_loses_nothing_and_duplicates_nothing() {
    let n = env_usize("IDSTATION_DROP_FILES", 1000);
    let kills = env_usize("IDSTATION_DROP_KILLS", 12);
    let seed = seed();
    let mut rng = StdRng::seed_from_u64(seed ^ 0xdead);
    let f = fixture();
    let files = plan(n, seed);
    let dropper = {
        let (inbox, files) = (f.inbox.clone(), files.clone());
        std::thread::spawn(move || drop_all(inbox, files, seed))
    };
    let started = Instant::now();
    let mut recovered = Vec::new();
    for k in 0..kills {
        let child = Killed::new(spawn_child(&f));
        // Alive for a random while (starting up, scanning, or deep in a file), then SIGKILL.
        std::thread::sleep(Duration::from_millis(rng.gen_range(100..1000)));
        recovered.extend(child.kill());
        let o = outcome(&f.inbox);
        eprintln!(
            "kill {} at {:?}: {} files moved so far",
            k + 1,
            started.elapsed(),
            o.archived.len() + o.errored.len()
        );
    }
    dropper.join().expect("dropper");
    // A last watcher, left to finish; then the same invariant as without kills.
    let last = Killed::new(spawn_child(&f));
    wait_until("every file moved", || all_moved(&f.inbox, n));
    recovered.extend(last.kill());
    eprintln!(
        "{n} files with {kills} kills in {:?}; killed between commit and move, then recovered: {recovered:?}",
        started.elapsed()
    );
    check(&f, &files);
}
