//! Hot folder benchmark (issue 19): a 100k-row CSV in GB18030 and a 100k-row XLSX dropped into a
//! running hot folder, timed from the moment the watcher takes the file to the moment its rows
//! are committed and the file archived, with the progress events it sends. Beside them, in the
//! same run, the reference: the plain `instrument import` (`Workstation::import_file`) of the
//! same CSV. Goals: CSV <= 3 s, XLSX <= 6 s.
//!
//! Prints a Markdown report to stdout (progress on stderr) and writes the figures as JSON. Run
//! through `bench/run-hotfolder.sh`, which builds in release mode.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::Parser;
use idstation_bench::{cpu_seconds, mib, round3, timed, Machine};
use idstation_hotfolder::{Event, FolderConfig, HotFolders, Options, Stage, WatchMode};
use idstation_model::{Field, InstrumentInput};
use idstation_store::Store;
use idstation_workstation::{demo, Workstation};
use serde_json::json;

type Res<T> = Result<T, Box<dyn Error>>;

const PREFIX: &str = "88.118.8";
const ACTOR: &str = "bench";
const TARGET_CSV_SECS: f64 = 3.0;
const TARGET_XLSX_SECS: f64 = 6.0;

#[derive(Parser, Debug)]
#[command(about = "Benchmarks the hot folder pipeline (GB18030 CSV and XLSX, 100k rows)")]
struct Args {
    /// Work directory; on the real disk (not tmpfs), so commits cost what they cost.
    #[arg(long, env = "BENCH_DIR", default_value = "/var/tmp/idstation-bench")]
    dir: PathBuf,
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    /// Runs each path this many times (interleaved) and reports the median run: this machine's
    /// speed drifts by a fifth from minute to minute.
    #[arg(long, default_value_t = 1)]
    repeat: usize,
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/results/hotfolder-latest.json"))]
    json: PathBuf,
}

/// The columns of a LIMS export: Chinese headings, the due date left to the interval.
fn fields() -> Vec<Field> {
    Field::FIXED
        .into_iter()
        .filter(|f| *f != Field::CalNextDue)
        .collect()
}

fn write_csv_gb18030(inputs: &[InstrumentInput], path: &Path) -> Res<()> {
    let fields = fields();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields.iter().map(|f| f.labels().0))?;
    for input in inputs {
        w.write_record(fields.iter().map(|f| input.get(f).unwrap_or("")))?;
    }
    let text = String::from_utf8(w.into_inner()?)?;
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
    if unmappable {
        return Err("text not representable in GB18030".into());
    }
    std::fs::write(path, bytes)?;
    Ok(())
}

fn write_xlsx(inputs: &[InstrumentInput], path: &Path) -> Res<()> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let fields = fields();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, f) in fields.iter().enumerate() {
        sheet.write_string(0, c as u16, f.labels().0)?;
    }
    for (r, input) in inputs.iter().enumerate() {
        let row = r as u32 + 1;
        for (c, f) in fields.iter().enumerate() {
            let Some(v) = input.get(f) else { continue };
            let col = c as u16;
            // Dates as real date cells, the interval as a number: as Excel holds them.
            match f {
                Field::CalLastDate => {
                    let d = idstation_model::instrument::parse_date(v).ok_or("date")?;
                    use chrono::Datelike;
                    let x =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    sheet.write_datetime_with_format(row, col, &x, &date)?;
                }
                Field::CalIntervalMonths => {
                    sheet.write_number(row, col, v.parse::<f64>()?)?;
                }
                _ => {
                    sheet.write_string(row, col, v)?;
                }
            }
        }
    }
    book.save(path)?;
    Ok(())
}

/// What one file's trip through the hot folder took.
struct Trip {
    rows: i64,
    /// Taken -> imported and archived.
    pipeline: Duration,
    /// Dropped -> imported (adds the settle wait).
    from_drop: Duration,
    /// Taken -> every row in the search index (the watcher indexes a bulk file's rows after
    /// reporting it; search finds them before, only more slowly).
    indexed: Duration,
    /// Taken -> first event of each stage.
    stages: Vec<(Stage, Duration)>,
    progress_events: usize,
    /// CPU seconds of this process from the drop to the import (the worker does the work).
    cpu: f64,
}

fn through_hot_folder(dir: &Path, name: &str, file: &Path) -> Res<Trip> {
    let ws_dir = dir.join(format!("hot-{name}"));
    let _ = std::fs::remove_dir_all(&ws_dir);
    std::fs::create_dir_all(&ws_dir)?;
    let db = ws_dir.join("ws.sqlite");
    let store = Store::create(&db, PREFIX, ACTOR)?;
    let inbox = ws_dir.join("inbox");
    std::fs::create_dir(&inbox)?;
    // Staged beside the folder on the same file system, then renamed in: one atomic arrival.
    let staged = ws_dir.join(name);
    std::fs::copy(file, &staged)?;

    let (tx, rx) = mpsc::channel();
    let folder = FolderConfig {
        mode: WatchMode::Event,
        settle_ms: 200,
        ..FolderConfig::new(&inbox)
    };
    let w = HotFolders::start(store, vec![folder], Options::new(ACTOR), move |e| {
        let _ = tx.send((Instant::now(), e));
    })?;
    let cpu0 = cpu_seconds("/proc/self/stat");
    let dropped = Instant::now();
    std::fs::rename(&staged, inbox.join(name))?;
    let mut taken = None;
    let mut stages: Vec<(Stage, Duration)> = Vec::new();
    let mut progress_events = 0;
    let trip = loop {
        let (at, e) = rx.recv_timeout(Duration::from_secs(600))?;
        match e {
            Event::Taken { .. } => taken = Some(at),
            Event::Progress {
                stage, done, total, ..
            } => {
                progress_events += 1;
                let t0 = taken.unwrap_or(dropped);
                if stages.last().is_none_or(|(s, _)| *s != stage) {
                    stages.push((stage, at - t0));
                }
                if done % 20_000 == 0 || done == total {
                    eprintln!("[{name}] {stage:?} {done}/{total}");
                }
            }
            Event::Imported { rows, .. } => {
                let t0 = taken.ok_or("imported before taken")?;
                let cpu = cpu_seconds("/proc/self/stat") - cpu0;
                // A second connection watches the watcher's index queue drain.
                let reader = Store::open(&db)?;
                while reader.pending_index_rows()? > 0 {
                    std::thread::sleep(Duration::from_millis(10));
                }
                break Trip {
                    rows,
                    pipeline: at - t0,
                    from_drop: at - dropped,
                    indexed: t0.elapsed(),
                    stages,
                    progress_events,
                    cpu,
                };
            }
            Event::Refused { first_problems, .. } => {
                return Err(format!("{name} refused: {first_problems:?}").into())
            }
            Event::Failed { message, .. } => return Err(message.into()),
            _ => {}
        }
    };
    w.stop()?;
    Ok(trip)
}

fn main() -> Res<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.dir)?;
    let machine = Machine::probe(&args.dir);
    if machine.is_ram_backed() {
        eprintln!(
            "warning: {} is RAM-backed; commits cost nothing there",
            args.dir.display()
        );
    }
    let n = args.rows;
    let dir = args.dir.join("hotfolder");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;

    eprintln!("[gen] {n} demo instruments");
    let inputs = demo::instruments(PREFIX, 0, n, 19);
    let csv_path = dir.join("仪器台账.csv");
    let xlsx_path = dir.join("仪器台账.xlsx");
    let (written, csv_gen) = timed(|| write_csv_gb18030(&inputs, &csv_path));
    written?;
    let (written, xlsx_gen) = timed(|| write_xlsx(&inputs, &xlsx_path));
    written?;
    let csv_bytes = std::fs::metadata(&csv_path)?.len();
    let xlsx_bytes = std::fs::metadata(&xlsx_path)?.len();

    let repeat = args.repeat.max(1);
    let (mut references, mut csvs, mut xlsxs) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=repeat {
        eprintln!("[reference] Workstation::import_file of the same CSV ({round}/{repeat})");
        let ref_dir = dir.join("reference");
        let _ = std::fs::remove_dir_all(&ref_dir);
        let mut ws = Workstation::init(&ref_dir, PREFIX, ACTOR)?;
        let cpu0 = cpu_seconds("/proc/self/stat");
        let (reference, reference_t) = timed(|| ws.import_file(&csv_path, &mut |_, _| {}));
        let reference_cpu = cpu_seconds("/proc/self/stat") - cpu0;
        if reference?.imported != n {
            return Err("the reference import imported the wrong number of rows".into());
        }
        drop(ws);
        references.push((reference_t, reference_cpu));

        eprintln!("[hot folder] CSV (GB18030) ({round}/{repeat})");
        csvs.push(through_hot_folder(&dir, "仪器台账.csv", &csv_path)?);
        eprintln!("[hot folder] XLSX ({round}/{repeat})");
        xlsxs.push(through_hot_folder(&dir, "仪器台账.xlsx", &xlsx_path)?);
    }
    for (trips, what) in [(&csvs, "CSV"), (&xlsxs, "XLSX")] {
        if let Some(trip) = trips.iter().find(|t| t.rows != n as i64) {
            return Err(format!("{what}: {} rows imported, {n} expected", trip.rows).into());
        }
    }
    let spread = |mut secs: Vec<f64>| {
        secs.sort_by(f64::total_cmp);
        (secs[0], secs[secs.len() - 1])
    };
    let spreads = [
        spread(references.iter().map(|r| r.0.as_secs_f64()).collect()),
        spread(csvs.iter().map(|t| t.pipeline.as_secs_f64()).collect()),
        spread(xlsxs.iter().map(|t| t.pipeline.as_secs_f64()).collect()),
    ];
    references.sort_by_key(|r| r.0);
    let (reference_t, reference_cpu) = references[references.len() / 2];
    csvs.sort_by_key(|t| t.pipeline);
    xlsxs.sort_by_key(|t| t.pipeline);
    let csv = csvs.swap_remove(csvs.len() / 2);
    let xlsx = xlsxs.swap_remove(xlsxs.len() / 2);

    let mut md = String::new();
    let _ = writeln!(md, "# Hot folder benchmark ({n} rows)\n");
    let _ = writeln!(
        md,
        "Machine: {} cores, load {}, {} on {} ({}), SQLite {}, {}.\n",
        machine.nproc,
        machine.loadavg,
        machine.work_dir,
        machine.fs_device,
        machine.fs_type,
        machine.sqlite,
        machine.date
    );
    let _ = writeln!(
        md,
        "Files: CSV (GB18030) {:.1} MiB, generated in {:.2} s; XLSX {:.1} MiB, generated in {:.2} s.\n",
        mib(csv_bytes),
        csv_gen.as_secs_f64(),
        mib(xlsx_bytes),
        xlsx_gen.as_secs_f64()
    );
    if repeat > 1 {
        let _ = writeln!(
            md,
            "Each path ran {repeat} times, interleaved; the median run is shown. Ranges (s): \
             reference {:.3}–{:.3}, CSV {:.3}–{:.3}, XLSX {:.3}–{:.3}.\n",
            spreads[0].0, spreads[0].1, spreads[1].0, spreads[1].1, spreads[2].0, spreads[2].1
        );
    }
    // On a shared machine wall time swells with the load; CPU seconds say what the work costs.
    let _ = writeln!(
        md,
        "| path | seconds | CPU seconds | rows/s | goal |\n|---|---:|---:|---:|---|"
    );
    let line = |md: &mut String, name: &str, t: Duration, cpu: f64, goal: Option<f64>| {
        let s = t.as_secs_f64();
        let verdict = goal.map_or(String::new(), |g| {
            format!("≤ {g} s: {}", if s <= g { "met" } else { "missed" })
        });
        let _ = writeln!(
            md,
            "| {name} | {s:.3} | {cpu:.2} | {:.0} | {verdict} |",
            n as f64 / s
        );
    };
    line(
        &mut md,
        "reference: `instrument import` (`Workstation::import_file`) of the CSV",
        reference_t,
        reference_cpu,
        None,
    );
    line(
        &mut md,
        "**hot folder, CSV GB18030** (taken -> committed and archived)",
        csv.pipeline,
        csv.cpu,
        Some(TARGET_CSV_SECS),
    );
    line(
        &mut md,
        "**hot folder, XLSX** (taken -> committed and archived)",
        xlsx.pipeline,
        xlsx.cpu,
        Some(TARGET_XLSX_SECS),
    );
    let _ = writeln!(
        md,
        "\nFrom the drop (adds the 200 ms settle time): CSV {:.3} s, XLSX {:.3} s.\n",
        csv.from_drop.as_secs_f64(),
        xlsx.from_drop.as_secs_f64()
    );
    let _ = writeln!(
        md,
        "Every row in the search index (the watcher indexes a bulk file's rows after reporting \
         it; search finds them meanwhile): CSV {:.3} s, XLSX {:.3} s after the file was taken.\n",
        csv.indexed.as_secs_f64(),
        xlsx.indexed.as_secs_f64()
    );
    let _ = writeln!(
        md,
        "Stages (seconds after the file was taken, first progress event of each):\n"
    );
    for (what, trip) in [("CSV", &csv), ("XLSX", &xlsx)] {
        let stages: Vec<String> = trip
            .stages
            .iter()
            .map(|(s, t)| format!("{s:?} at {:.3}", t.as_secs_f64()))
            .collect();
        let _ = writeln!(
            md,
            "- {what}: {}; {} progress events.",
            stages.join(", "),
            trip.progress_events
        );
    }
    print!("{md}");

    let trip_json = |t: &Trip| {
        json!({
            "pipeline_s": round3(t.pipeline.as_secs_f64()),
            "from_drop_s": round3(t.from_drop.as_secs_f64()),
            "indexed_s": round3(t.indexed.as_secs_f64()),
            "stages_s": t.stages.iter().map(|(s, d)| json!([format!("{s:?}"), round3(d.as_secs_f64())])).collect::<Vec<_>>(),
            "progress_events": t.progress_events,
            "cpu_s": round3(t.cpu),
        })
    };
    let out = json!({
        "machine": machine.to_json(),
        "rows": n,
        "repeat": repeat,
        "ranges_s": { "reference": spreads[0], "csv": spreads[1], "xlsx": spreads[2] },
        "csv_bytes": csv_bytes,
        "xlsx_bytes": xlsx_bytes,
        "reference_csv_import_s": round3(reference_t.as_secs_f64()),
        "reference_csv_import_cpu_s": round3(reference_cpu),
        "hot_folder_csv": trip_json(&csv),
        "hot_folder_xlsx": trip_json(&xlsx),
        "goals_s": { "csv": TARGET_CSV_SECS, "xlsx": TARGET_XLSX_SECS },
    });
    if let Some(parent) = args.json.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.json, serde_json::to_string_pretty(&out)?)?;
    Ok(())
}
