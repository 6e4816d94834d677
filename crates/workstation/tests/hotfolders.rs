//! Hot folders through the workstation: settings checked before they are saved, the watcher on
//! a real SQLite file printing the labels of imported rows to a fake label printer on
//! 127.0.0.1 (and keeping them queued while it is off), and the one-shot import.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use idstation_labels::fake_printer::{Answers, FakePrinter};
use idstation_labels::{Language, PrinterProfile, Transport};
use idstation_store::{JobFilter, JobState};
use idstation_workstation::{
    describe_activity, Activity, FailureCause, FolderConfig, FolderEvent, HotFoldersConfig,
    ImportSettings, LabelsEvent, Lang, PrintOnImport, Verdict, Workstation, WsError,
};

const PATIENCE: Duration = Duration::from_secs(60);

fn workstation(dir: &Path) -> Workstation {
    Workstation::init(&dir.join("data"), "88.118.8", "测试员").expect("init")
}

fn zebra(ws: &mut Workstation, port: u16) {
    ws.add_printer(
        &PrinterProfile {
            name: "zebra".into(),
            language: Language::Zpl,
            dpi: 203,
            media_width_mm: Some(50.0),
            media_height_mm: Some(30.0),
            gap_mm: 2.0,
            darkness: Some(18),
            offset_x_mm: 0.0,
            offset_y_mm: 0.0,
            native_qr: false,
            cups_options: vec![],
            transport: Transport::Tcp {
                host: "127.0.0.1".into(),
                port,
            },
            timeout_ms: 700,
        },
        false,
    )
    .expect("printer");
}

fn csv(tag: &str, n: usize) -> String {
    let mut out = "标识,名称,型号,校准日期,校准周期(月)\n".to_string();
    for i in 0..n {
        out.push_str(&format!(
            "88.118.8/{tag}-{i},数显卡尺,M-{i},2026-03-{:02},12\n",
            i + 1
        ));
    }
    out
}

fn folder_with_labels(path: PathBuf) -> FolderConfig {
    let mut f = FolderConfig::new(path);
    f.settle_ms = 200;
    f.print = Some(PrintOnImport {
        template: "identifier".into(),
        printer: "zebra".into(),
    });
    f
}

/// Events until `until` says stop (or the test runs out of patience).
fn wait_for(rx: &mpsc::Receiver<Activity>, until: impl Fn(&Activity) -> bool) -> Vec<Activity> {
    let mut seen = Vec::new();
    loop {
        let a = rx.recv_timeout(PATIENCE).unwrap_or_else(|_| {
            panic!("waited {PATIENCE:?}; saw {seen:#?}");
        });
        let done = until(&a);
        seen.push(a);
        if done {
            return seen;
        }
    }
}

fn is_labels(a: &Activity) -> bool {
    matches!(a, Activity::Labels(_))
}

#[test]
fn an_imported_file_s_rows_get_their_labels_in_file_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = workstation(dir.path());
    let printer = FakePrinter::start(Answers::ready());
    zebra(&mut ws, printer.port);
    let inbox = dir.path().join("lims");
    std::fs::create_dir(&inbox).expect("inbox");
    let config = HotFoldersConfig {
        folders: vec![folder_with_labels(inbox.clone())],
    };
    ws.save_hot_folders(&config).expect("saved");
    assert_eq!(ws.hot_folders().expect("read back"), config);

    // A file that was there before the watcher started is taken first.
    std::fs::write(inbox.join("早到.csv"), csv("EARLY", 2)).expect("write");
    let (tx, rx) = mpsc::channel();
    let running = ws
        .watch_hot_folders(ws.hot_folders().expect("config").folders, move |a| {
            let _ = tx.send(a);
        })
        .expect("watching");
    let seen = wait_for(&rx, is_labels);
    let imported = seen
        .iter()
        .position(|a| matches!(a, Activity::Folder(FolderEvent::Imported { .. })))
        .expect("imported");
    // The file's own event comes before what follows from it.
    assert_eq!(imported, seen.len() - 2, "{seen:#?}");
    match seen.last() {
        Some(Activity::Labels(LabelsEvent::Labels {
            file,
            printer: p,
            printed,
            still_queued,
            failed,
            ..
        })) => {
            assert_eq!(file, "早到.csv");
            assert_eq!(p, "zebra");
            assert_eq!((*printed, *still_queued, *failed), (2, 0, 0));
        }
        other => panic!("{other:?}"),
    }

    // A file dropped while it runs.
    std::fs::write(inbox.join("批次.csv"), csv("LIMS", 3)).expect("write");
    wait_for(&rx, is_labels);
    running.stop().expect("stopped");

    let jobs = printer.wait_jobs(5);
    assert_eq!(jobs.len(), 5);
    let mut stored = ws
        .print_jobs(&JobFilter {
            limit: 100,
            ..Default::default()
        })
        .expect("jobs");
    stored.sort_by_key(|j| j.id);
    let identifiers: Vec<&str> = stored.iter().map(|j| j.identifier.as_str()).collect();
    assert_eq!(
        identifiers,
        [
            "88.118.8/EARLY-0",
            "88.118.8/EARLY-1",
            "88.118.8/LIMS-0",
            "88.118.8/LIMS-1",
            "88.118.8/LIMS-2"
        ]
    );
    for (job, sent) in stored.iter().zip(&jobs) {
        assert_eq!(job.state, JobState::Done);
        assert_eq!(job.template, "identifier");
        let payload = ws.store().print_job_payload(job.id).expect("payload");
        assert_eq!(&payload, sent, "job {} went out as stored", job.id);
    }
    assert_eq!(ws.status().expect("status").instruments, 5);
    assert!(ws.verify().expect("verify").failure().is_none());
}

/// The watcher's crash between a file's commit and its labels reaching the queue: the ledger
/// still owes them, and the next start queues them (once). A file from a folder that no longer
/// prints owes nothing.
#[test]
fn labels_a_crash_kept_from_the_queue_are_queued_at_the_next_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = workstation(dir.path());
    let printer = FakePrinter::start(Answers::ready());
    zebra(&mut ws, printer.port);
    let inbox = dir.path().join("lims");
    std::fs::create_dir(&inbox).expect("inbox");
    // What the watcher does up to the commit, then nothing more (it "crashed").
    let mut store = idstation_store::Store::open(ws.store().path()).expect("open");
    for (name, folder, tag) in [
        ("崩溃前.csv", inbox.to_string_lossy().into_owned(), "CRASH"),
        ("旧文件夹.csv", "/srv/no-longer-printing".to_string(), "OLD"),
    ] {
        let verdict = idstation_hotfolder::import_bytes(
            &mut store,
            "热文件夹",
            &ImportSettings::default(),
            idstation_hotfolder::Source {
                file_name: name,
                folder: &folder,
                owe_labels: true,
            },
            csv(tag, 2).as_bytes(),
            &mut |_, _, _| {},
        )
        .expect("import");
        assert!(matches!(verdict, Verdict::Imported { .. }), "{verdict:?}");
    }
    drop(store);
    assert_eq!(ws.store().owed_labels().expect("owed").len(), 2);

    let (tx, rx) = mpsc::channel();
    let running = ws
        .watch_hot_folders(vec![folder_with_labels(inbox.clone())], move |a| {
            let _ = tx.send(a);
        })
        .expect("watching");
    match wait_for(&rx, is_labels).last() {
        Some(Activity::Labels(LabelsEvent::Labels { file, printed, .. })) => {
            assert_eq!((file.as_str(), *printed), ("崩溃前.csv", 2));
        }
        other => panic!("{other:?}"),
    }
    running.stop().expect("stopped");
    assert!(ws.store().owed_labels().expect("owed").is_empty());
    assert_eq!(printer.wait_jobs(2).len(), 2);

    // Started again: nothing is owed, nothing printed twice.
    let running = ws
        .watch_hot_folders(vec![folder_with_labels(inbox.clone())], |_| {})
        .expect("watching again");
    running.stop().expect("stopped");
    let jobs = ws
        .print_jobs(&JobFilter {
            limit: 100,
            ..Default::default()
        })
        .expect("jobs");
    let identifiers: Vec<&str> = jobs.iter().map(|j| j.identifier.as_str()).collect();
    assert_eq!(identifiers.len(), 2, "{identifiers:?}");
    assert!(
        identifiers.iter().all(|i| i.contains("CRASH")),
        "{identifiers:?}"
    );
}

#[test]
fn labels_wait_in_the_queue_while_the_printer_is_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = workstation(dir.path());
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    zebra(&mut ws, port);
    let inbox = dir.path().join("lims");
    std::fs::create_dir(&inbox).expect("inbox");
    let (tx, rx) = mpsc::channel();
    let running = ws
        .watch_hot_folders(vec![folder_with_labels(inbox.clone())], move |a| {
            let _ = tx.send(a);
        })
        .expect("watching");
    std::fs::write(inbox.join("a.csv"), csv("OFF", 2)).expect("write");
    let seen = wait_for(&rx, is_labels);
    running.stop().expect("stopped");
    let last = seen.last().expect("labels");
    match last {
        Activity::Labels(LabelsEvent::Labels {
            printed,
            still_queued,
            ..
        }) => assert_eq!((*printed, *still_queued), (0, 2)),
        other => panic!("{other:?}"),
    }
    // Said as a warning, not a success.
    let zh = describe_activity(last, Lang::ZhCn).expect("words");
    assert!(zh.contains("2 张等待打印机"), "{zh}");

    // The printer comes back; the queue sends what waited.
    let printer = FakePrinter::start_on(
        TcpListener::bind(("127.0.0.1", port)).expect("rebind"),
        Answers::ready(),
    );
    let report = ws.process_print_queue(&mut |_| {}).expect("queue");
    assert_eq!(report.printed.len(), 2);
    assert_eq!(printer.wait_jobs(2).len(), 2);
}

#[test]
fn settings_that_cannot_work_are_refused_and_nothing_is_saved() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = workstation(dir.path());
    let printer = FakePrinter::start(Answers::ready());
    zebra(&mut ws, printer.port);
    let good = dir.path().join("lims");
    std::fs::create_dir(&good).expect("folder");

    let mut unknown_field = FolderConfig::new(good.clone());
    unknown_field
        .import
        .mapping
        .insert("环境".into(), "attr.no_such_attribute".into());
    let mut unknown_printer = folder_with_labels(good.clone());
    unknown_printer.print = Some(PrintOnImport {
        template: "identifier".into(),
        printer: "no-such-printer".into(),
    });
    let mut unknown_template = folder_with_labels(good.clone());
    unknown_template.print = Some(PrintOnImport {
        template: "no-such-template".into(),
        printer: "zebra".into(),
    });
    let cases: Vec<(Vec<FolderConfig>, &str)> = vec![
        (
            vec![FolderConfig::new("relative/inbox")],
            "hot_folder_settings",
        ),
        (
            vec![FolderConfig::new(ws.data_dir().to_path_buf())],
            "hot_folder_settings",
        ),
        (
            vec![FolderConfig::new(ws.data_dir().join("inbox"))],
            "hot_folder_settings",
        ),
        (
            vec![FolderConfig::new(dir.path().to_path_buf())],
            "hot_folder_settings",
        ),
        (
            vec![
                FolderConfig::new(good.clone()),
                FolderConfig::new(good.clone()),
            ],
            "hot_folder_settings",
        ),
        (vec![unknown_field], "hot_folder_settings"),
        (vec![unknown_printer], "not_found"),
        (vec![unknown_template], "unknown_template"),
    ];
    for (folders, code) in cases {
        let config = HotFoldersConfig { folders };
        let e = ws.save_hot_folders(&config).expect_err("refused");
        assert_eq!(e.code(), code, "{config:?}: {e}");
        assert!(!e.message(Lang::ZhCn).is_empty());
        assert!(!ws.hot_folders_file().exists(), "nothing written");
        let e = ws
            .watch_hot_folders(config.folders.clone(), |_| {})
            .map(|_| ())
            .expect_err("not started");
        assert_eq!(e.code(), code);
    }
    let e = ws
        .save_hot_folders(&HotFoldersConfig {
            folders: vec![FolderConfig::new("inbox")],
        })
        .expect_err("relative");
    assert!(e.message(Lang::ZhCn).contains("完整路径"), "{e}");
    assert!(e.message(Lang::En).contains("full path"), "{e}");

    // A good one is saved; a bad one after it leaves the good one as it was.
    let saved = HotFoldersConfig {
        folders: vec![folder_with_labels(good.clone())],
    };
    ws.save_hot_folders(&saved).expect("saved");
    let e = ws
        .save_hot_folders(&HotFoldersConfig {
            folders: vec![FolderConfig::new("x")],
        })
        .expect_err("refused");
    assert!(matches!(e, WsError::HotFolderSetting { .. }), "{e:?}");
    assert_eq!(ws.hot_folders().expect("read"), saved);
}

#[test]
fn a_second_watcher_of_the_same_folder_is_refused_in_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = workstation(dir.path());
    let inbox = dir.path().join("lims");
    std::fs::create_dir(&inbox).expect("inbox");
    let first = ws
        .watch_hot_folders(vec![FolderConfig::new(inbox.clone())], |_| {})
        .expect("first");
    let e = ws
        .watch_hot_folders(vec![FolderConfig::new(inbox.clone())], |_| {})
        .map(|_| ())
        .expect_err("busy");
    assert_eq!(e.code(), "folder_busy");
    assert!(e.message(Lang::ZhCn).contains("已被另一个程序监视"), "{e}");
    first.stop().expect("stopped");
    // Stopped, the folder is free again.
    ws.watch_hot_folders(vec![FolderConfig::new(inbox)], |_| {})
        .expect("free again")
        .stop()
        .expect("stopped");
}

#[test]
fn the_one_shot_import_takes_all_rows_or_none_and_never_twice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = workstation(dir.path());
    let settings = ImportSettings::default();

    // GB18030, as Excel in China saves CSV; one bad date refuses the whole file.
    let mut bad = csv("ONE", 3);
    bad = bad.replace("2026-03-02", "2026-13-45");
    let bad_file = dir.path().join("坏.csv");
    std::fs::write(&bad_file, encoding_rs::GB18030.encode(&bad).0).expect("write");
    match ws
        .import_file_once(&bad_file, &settings, &mut |_, _, _| {})
        .expect("verdict")
    {
        Verdict::Refused { problems, rows } => {
            assert_eq!(rows, 3);
            assert_eq!(problems.len(), 1, "{problems:?}");
            let words = idstation_workstation::describe_problem(&problems[0], Lang::ZhCn);
            assert!(
                words.contains("第 3 行") && words.contains("2026-13-45"),
                "{words}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(ws.status().expect("status").instruments, 0);

    let good_file = dir.path().join("好.csv");
    std::fs::write(&good_file, encoding_rs::GB18030.encode(&csv("ONE", 3)).0).expect("write");
    let mut stages = Vec::new();
    match ws
        .import_file_once(&good_file, &settings, &mut |s, _, _| stages.push(s))
        .expect("verdict")
    {
        Verdict::Imported { record, .. } => assert_eq!(record.registered, 3),
        other => panic!("{other:?}"),
    }
    assert!(!stages.is_empty(), "progress was reported");
    // The same bytes under another name: recognised, nothing written.
    let copy = dir.path().join("副本.csv");
    std::fs::copy(&good_file, &copy).expect("copy");
    match ws
        .import_file_once(&copy, &settings, &mut |_, _, _| {})
        .expect("verdict")
    {
        Verdict::AlreadyImported { first } => assert_eq!(first.file_name, "好.csv"),
        other => panic!("{other:?}"),
    }
    assert_eq!(ws.status().expect("status").instruments, 3);
    assert!(
        good_file.exists(),
        "the one-shot import leaves the file where it is"
    );

    // Over the size limit: refused before it is read.
    let small = ImportSettings {
        max_file_bytes: 10,
        ..ImportSettings::default()
    };
    let third = dir.path().join("大.csv");
    std::fs::write(&third, csv("BIG", 2)).expect("write");
    assert!(matches!(
        ws.import_file_once(&third, &small, &mut |_, _, _| {}),
        Ok(Verdict::Refused { rows: 0, .. })
    ));
}

/// A failure not of the file is said in the person's language, with the system's own text in
/// brackets and when it is tried again (or that it waits for the next file or start).
#[test]
fn failures_are_said_in_the_person_s_language() {
    let failed = |cause, retry_ms| {
        Activity::Folder(FolderEvent::Failed {
            folder: PathBuf::from("/srv/lims"),
            file: Some("批次.csv".into()),
            cause,
            message: "Permission denied (os error 13)".into(),
            retry_ms,
        })
    };
    let zh = describe_activity(&failed(FailureCause::PermissionDenied, 4000), Lang::ZhCn)
        .expect("words");
    assert_eq!(
        zh,
        "批次.csv：没有访问权限（Permission denied (os error 13)），4 秒后重试"
    );
    let en = describe_activity(&failed(FailureCause::Database, 0), Lang::En).expect("words");
    assert!(
        en.starts_with("批次.csv: the local database failed ("),
        "{en}"
    );
    assert!(
        en.ends_with("tried again with the next file or at the next start"),
        "{en}"
    );
    let zh = describe_activity(&failed(FailureCause::Contended, 0), Lang::ZhCn).expect("words");
    assert!(zh.contains("一再被修改") && zh.contains("下次启动"), "{zh}");
}
