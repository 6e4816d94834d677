//! The running watcher on real folders (`src/watch.rs`, `src/folder.rs`, `src/safety.rs`): files
//! present at start, new ones, slow writers, renamed-in temporary files, path tricks, polling,
//! restarts and the crash between commit and move. Every wait is on a condition.

mod common;

use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Duration;

use common::*;
use idstation_hotfolder::{
    import_bytes, Event, FolderConfig, HotFolderError, HotFolders, HotFoldersConfig,
    ImportSettings, Options, Source, WatchMode,
};

fn folder(f: &Fixture, mode: WatchMode) -> FolderConfig {
    FolderConfig {
        mode,
        settle_ms: 600,
        poll_ms: 150,
        ..FolderConfig::new(&f.inbox)
    }
}

fn start(f: &Fixture, cfg: FolderConfig, events: &Events) -> HotFolders {
    HotFolders::start(
        f.store(),
        vec![cfg],
        Options::new("热文件夹"),
        events.sink(),
    )
    .expect("start")
}

fn imported(events: &[Event], file: &str) -> Vec<i64> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Imported { file: f, rows, .. } if f == file => Some(*rows),
            _ => None,
        })
        .collect()
}

fn finished(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::Imported { .. } | Event::AlreadyImported { .. } | Event::Refused { .. }
            )
        })
        .count()
}

fn refused_reason(f: &Fixture, file: &str) -> String {
    let report = f.inbox.join("error").join(format!("{file}.report.csv"));
    let text = std::fs::read_to_string(&report).expect("report");
    text.lines().nth(1).expect("a problem line").to_string()
}

#[test]
fn files_at_start_new_files_slow_writers_and_renamed_files_are_each_taken_once_whole() {
    let f = fixture();
    std::fs::write(f.inbox.join("before.csv"), csv(&HEADINGS, &rows("S", 3))).expect("write");
    let events = Events::default();
    // The slow writer's pauses (50 ms) are a twentieth of the settle time.
    let cfg = FolderConfig {
        settle_ms: 1000,
        ..folder(&f, WatchMode::Event)
    };
    let w = start(&f, cfg, &events);
    events.wait("the file present at start", |e| {
        imported(e, "before.csv") == [3]
    });

    std::fs::write(f.inbox.join("表格.xlsx"), xlsx(&HEADINGS, &rows("X", 4))).expect("xlsx");
    std::fs::write(f.inbox.join("gbk.csv"), gbk(&csv(&HEADINGS, &rows("G", 2)))).expect("gbk");

    // A slow writer: 40 rows, one every 50 ms (2 s in all), each well inside the settle time.
    let slow = csv(&HEADINGS, &rows("W", 40));
    let writer = {
        let path = f.inbox.join("slow.csv");
        std::thread::spawn(move || {
            let mut file = std::fs::File::create(path).expect("create");
            for line in slow.split_inclusive('\n') {
                file.write_all(line.as_bytes()).expect("write");
                file.flush().expect("flush");
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    // A writer that writes under a temporary name, slowly, then renames it into place.
    let part = f.inbox.join("lims.csv.part");
    {
        let mut file = std::fs::File::create(&part).expect("create");
        let text = csv(&HEADINGS, &rows("P", 5));
        let (a, b) = text.split_at(text.len() / 2);
        file.write_all(a.as_bytes()).expect("write");
        file.flush().expect("flush");
        // Half a file under a temporary name is never taken, however long it waits.
        std::thread::sleep(Duration::from_millis(1500));
        file.write_all(b.as_bytes()).expect("write");
    }
    std::fs::rename(&part, f.inbox.join("lims.csv")).expect("rename");
    writer.join().expect("writer");

    let all = events.wait("every file", |e| finished(e) == 5);
    assert_eq!(imported(&all, "表格.xlsx"), [4]);
    assert_eq!(imported(&all, "gbk.csv"), [2]);
    assert_eq!(imported(&all, "slow.csv"), [40], "taken once, whole");
    assert_eq!(imported(&all, "lims.csv"), [5]);
    assert!(
        !all.iter().any(|e| matches!(e, Event::Refused { .. })),
        "{all:#?}"
    );
    assert!(
        !all.iter()
            .any(|e| matches!(e, Event::Waiting { file, .. } if file.ends_with(".part"))),
        "a temporary name is not even waited on"
    );
    // Progress events come for the long stages.
    assert!(all.iter().any(|e| matches!(e, Event::Progress { .. })));
    w.stop().expect("stop");
    assert!(matches!(events.all().last(), Some(Event::Stopped)));

    assert!(waiting_in(&f.inbox).is_empty());
    let archived = files_under(&f.inbox.join("archive"));
    assert_eq!(archived.len(), 5, "{archived:?}");
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    assert!(
        archived.iter().all(|a| a.starts_with(&today)),
        "{archived:?}"
    );
    let store = f.store();
    assert_eq!(
        store.count_instruments().expect("count"),
        3 + 4 + 2 + 40 + 5
    );
    assert!(store.check_consistency().expect("check").is_consistent());
}

#[test]
fn unsafe_entries_go_to_error_with_their_reason_and_nothing_outside_is_touched() {
    let f = fixture();
    let outside = f.dir.path().join("outside.csv");
    let secret = csv(&HEADINGS, &rows("OUT", 1));
    std::fs::write(&outside, &secret).expect("outside");
    symlink(&outside, f.inbox.join("link.csv")).expect("symlink");
    std::fs::hard_link(&outside, f.inbox.join("hard.csv")).expect("hard link");
    let fifo = f.inbox.join("pipe.csv");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    std::fs::write(f.inbox.join("a..b.csv"), csv(&HEADINGS, &rows("DOT", 1))).expect("dots");
    std::fs::write(f.inbox.join("big.csv"), csv(&HEADINGS, &rows("BIG", 200))).expect("big");
    std::fs::write(f.inbox.join("notes.txt"), "备忘").expect("txt");
    std::fs::create_dir(f.inbox.join("a folder")).expect("dir");
    std::fs::write(f.inbox.join("ok.csv"), csv(&HEADINGS, &rows("OK", 1))).expect("ok");

    let events = Events::default();
    let mut cfg = folder(&f, WatchMode::Event);
    cfg.import = ImportSettings {
        max_file_bytes: 4096,
        ..ImportSettings::default()
    };
    let w = start(&f, cfg, &events);
    let all = events.wait("seven files", |e| finished(e) == 7);
    w.stop().expect("stop");

    assert_eq!(imported(&all, "ok.csv"), [1]);
    for (file, words) in [
        ("link.csv", "符号链接"),
        ("hard.csv", "硬链接"),
        ("pipe.csv", "不是普通文件"),
        ("a..b.csv", ".."),
        ("big.csv", "超过上限 4096"),
        ("notes.txt", "不支持的文件类型"),
    ] {
        assert!(
            refused_reason(&f, file).contains(words),
            "{file}: {}",
            refused_reason(&f, file)
        );
        let moved = f.inbox.join("error").join(file);
        assert!(std::fs::symlink_metadata(&moved).is_ok(), "{file} moved");
    }
    // The link moved as a link; what it pointed at is where it was, unread and unchanged.
    assert!(std::fs::symlink_metadata(f.inbox.join("error/link.csv"))
        .expect("link")
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&outside).expect("outside"), secret);
    assert!(f.inbox.join("a folder").is_dir(), "folders are left alone");
    assert!(waiting_in(&f.inbox).is_empty());
    assert_eq!(f.store().count_instruments().expect("count"), 1);
}

#[test]
fn a_polling_folder_takes_files_without_file_system_events() {
    let f = fixture();
    std::fs::write(f.inbox.join("a.csv"), csv(&HEADINGS, &rows("PA", 2))).expect("a");
    let events = Events::default();
    let w = start(&f, folder(&f, WatchMode::Poll), &events);
    events.wait("the file present at start", |e| imported(e, "a.csv") == [2]);
    std::fs::write(
        f.inbox.join("b.jsonl"),
        "{\"标识\":\"88.118.8/PB-1\",\"名称\":\"卡尺\"}\n",
    )
    .expect("b");
    let all = events.wait("the dropped file", |e| imported(e, "b.jsonl") == [1]);
    assert!(matches!(
        all.first(),
        Some(Event::Watching {
            mode: WatchMode::Poll,
            ..
        })
    ));
    w.stop().expect("stop");
    assert_eq!(f.store().count_instruments().expect("count"), 3);
}

/// A bulk file is reported imported at its commit, before its rows are in the search index;
/// the watcher then indexes them between looks at the folder, and a watcher started over a
/// queue left by a crash finishes it.
#[test]
fn a_bulk_file_s_rows_are_indexed_after_it_is_reported() {
    let f = fixture();
    let events = Events::default();
    let w = start(&f, folder(&f, WatchMode::Event), &events);
    std::fs::write(
        f.inbox.join("bulk.csv"),
        csv(&HEADINGS, &rows("BK", 12_000)),
    )
    .expect("bulk");
    events.wait("the bulk file", |e| imported(e, "bulk.csv") == [12_000]);
    let reader = f.store();
    wait_until("the index queue drained", || {
        reader.pending_index_rows().expect("pending") == 0
    });
    let hits = reader.search("BK-11999", 5).expect("search").hits;
    assert_eq!(hits.len(), 1, "{hits:?}");
    w.stop().expect("stop");

    // A queue left behind (as by a crash before the watcher moved it) is drained at start.
    let mut store = f.store();
    let batch: Vec<_> = rows("LEFT", 1500)
        .iter()
        .map(|r| {
            idstation_model::InstrumentInput {
                identifier: Some(r[0].clone()),
                name: Some(r[1].clone()),
                ..Default::default()
            }
            .validate(&store.active_template().expect("template"))
            .expect("valid")
        })
        .collect();
    store
        .import_instruments("测试", &batch, &mut |_, _| {})
        .expect("import");
    assert_eq!(store.pending_index_rows().expect("pending"), 1500);
    let events = Events::default();
    let w = start(&f, folder(&f, WatchMode::Event), &events);
    wait_until("the queue left behind drained", || {
        reader.pending_index_rows().expect("pending") == 0
    });
    w.stop().expect("stop");
    assert_eq!(reader.search("LEFT-1499", 5).expect("search").hits.len(), 1);
}

#[test]
fn the_same_content_is_not_imported_twice_even_after_a_restart_or_a_crash_before_the_move() {
    let f = fixture();
    let text = csv(&HEADINGS, &rows("DUP", 3));
    std::fs::write(f.inbox.join("first.csv"), &text).expect("first");
    let events = Events::default();
    let w = start(&f, folder(&f, WatchMode::Event), &events);
    events.wait("first", |e| imported(e, "first.csv") == [3]);
    w.stop().expect("stop");

    // A crash after the commit and before the move leaves a file whose rows are in: as if
    // `import_bytes` ran and nothing moved it.
    let crashed = csv(&HEADINGS, &rows("CR", 2));
    let mut store = f.store();
    import_bytes(
        &mut store,
        "热文件夹",
        &ImportSettings::default(),
        Source {
            file_name: "crashed.csv",
            folder: &f.inbox.to_string_lossy(),
            owe_labels: false,
        },
        crashed.as_bytes(),
        &mut |_, _, _| {},
    )
    .expect("commit");
    drop(store);
    std::fs::write(f.inbox.join("crashed.csv"), &crashed).expect("left behind");
    std::fs::write(f.inbox.join("copy of first.csv"), &text).expect("copy");
    std::fs::write(f.inbox.join("first.csv"), &text).expect("same name again");

    let events = Events::default();
    let w = start(&f, folder(&f, WatchMode::Event), &events);
    let all = events.wait("three recognised files", |e| finished(e) == 3);
    w.stop().expect("stop");
    let recognised: Vec<&str> = all
        .iter()
        .filter_map(|e| match e {
            Event::AlreadyImported { file, .. } => Some(file.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(recognised.len(), 3, "{all:#?}");
    let archived = files_under(&f.inbox.join("archive"));
    assert_eq!(archived.len(), 4, "{archived:?}");
    assert!(
        archived.iter().any(|a| a.ends_with("first (2).csv")),
        "a second file of the same name is archived beside the first: {archived:?}"
    );
    let store = f.store();
    assert_eq!(store.count_instruments().expect("count"), 5);
    assert_eq!(store.imported_files(10).expect("ledger").len(), 2);
}

#[test]
fn a_folder_is_watched_by_one_watcher_and_settings_are_checked_first() {
    let f = fixture();
    let events = Events::default();
    let w = start(&f, folder(&f, WatchMode::Poll), &events);
    let second = HotFolders::start(
        f.store(),
        vec![folder(&f, WatchMode::Event)],
        Options::new("x"),
        |_| {},
    );
    assert!(matches!(second, Err(HotFolderError::FolderBusy(_))));
    w.stop().expect("stop");
    // Once stopped, another may watch it.
    HotFolders::start(
        f.store(),
        vec![folder(&f, WatchMode::Event)],
        Options::new("x"),
        |_| {},
    )
    .expect("free again")
    .stop()
    .expect("stop");

    let mut bad = folder(&f, WatchMode::Event);
    bad.import.mapping.insert("颜色".into(), "colour".into());
    assert!(matches!(
        HotFolders::start(f.store(), vec![bad], Options::new("x"), |_| {}),
        Err(HotFolderError::Config(_))
    ));
    let missing = FolderConfig::new(f.dir.path().join("nope"));
    assert!(matches!(
        HotFolders::start(f.store(), vec![missing], Options::new("x"), |_| {}),
        Err(HotFolderError::NotAFolder(_))
    ));
}

#[test]
fn settings_read_from_toml_and_json() {
    let toml = r#"
        [[folder]]
        path = "/srv/hot/lims"
        mode = "poll"
        poll_ms = 5000

        [folder.import]
        action = "update"
        match_by = "asset_no"
        encoding = "gb18030"
        mapping = { "设备编号" = "asset_no", "备注" = "" }

        [folder.print]
        template = "cal-pass"
        printer = "zebra"

        [[folder]]
        path = "/srv/hot/excel"
    "#;
    let c = HotFoldersConfig::from_toml(toml).expect("toml");
    assert_eq!(c.folders.len(), 2);
    let lims = &c.folders[0];
    assert_eq!(lims.mode, WatchMode::Poll);
    assert_eq!(lims.import.action, idstation_hotfolder::Action::Update);
    assert_eq!(lims.import.mapping["设备编号"], "asset_no");
    assert_eq!(
        lims.print.as_ref().map(|p| p.printer.as_str()),
        Some("zebra")
    );
    assert_eq!(c.folders[1].settle_ms, 2000);
    assert_eq!(
        HotFoldersConfig::from_toml(&c.to_toml().expect("to toml")).expect("again"),
        c
    );
    let json = serde_json::to_string(&c).expect("json");
    assert_eq!(HotFoldersConfig::from_json(&json).expect("json"), c);
    assert!(
        HotFoldersConfig::from_toml("[[folder]]\npath = \"/x\"\nsetle_ms = 5\n").is_err(),
        "a misspelt setting is an error, not ignored"
    );
    let dir = tempfile::tempdir().expect("dir");
    let p = dir.path().join("hot.toml");
    std::fs::write(&p, toml).expect("write");
    assert_eq!(HotFoldersConfig::load(&p).expect("load"), c);
    assert!(HotFoldersConfig::load(Path::new("/nonexistent/hot.toml")).is_err());
}
