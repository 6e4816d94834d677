//! Printing end to end through the workstation: the queue in the real SQLite file, a fake label
//! printer on 127.0.0.1, a printer that is dead and comes back after a restart, reprints with a
//! reason in the audit chain, batch progress, and a real private `cupsd` with a raw queue and a
//! cups-pdf queue.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use idstation_labels::fake_printer::{Answers, FakePrinter};
use idstation_labels::{Language, PrinterProfile, PrinterState, Transport};
use idstation_model::InstrumentInput;
use idstation_store::{JobFilter, JobState};
use idstation_workstation::{LabelRequest, Workstation, WsError};

fn fake_printer_on(l: TcpListener, answer: bool) -> FakePrinter {
    FakePrinter::start_on(
        l,
        if answer {
            Answers::ready()
        } else {
            Answers::silent()
        },
    )
}

fn fake_printer(answer: bool) -> FakePrinter {
    fake_printer_on(TcpListener::bind("127.0.0.1:0").expect("bind"), answer)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn profile(name: &str, language: Language, transport: Transport) -> PrinterProfile {
    PrinterProfile {
        name: name.into(),
        language,
        dpi: 203,
        media_width_mm: Some(50.0),
        media_height_mm: Some(30.0),
        gap_mm: 2.0,
        darkness: Some(18),
        offset_x_mm: 0.0,
        offset_y_mm: 0.0,
        native_qr: false,
        cups_options: vec![],
        transport,
        timeout_ms: 700,
    }
}

fn tcp(port: u16) -> Transport {
    Transport::Tcp {
        host: "127.0.0.1".into(),
        port,
    }
}

fn register(ws: &mut Workstation, suffix: &str, cert: bool) -> String {
    let id = format!("88.118.8/{suffix}");
    let input = InstrumentInput {
        identifier: Some(id.clone()),
        name: Some("数字压力计".into()),
        model: Some("ConST211".into()),
        serial_no: Some(format!("S-{suffix}")),
        cal_last_date: Some("2026-05-10".into()),
        cal_interval_months: Some("12".into()),
        cal_certificate_no: cert.then(|| format!("JZ-{suffix}")),
        cal_result: Some("合格".into()),
        cal_calibrated_by: Some("王强".into()),
        cal_approved_by: Some("赵敏".into()),
        ..Default::default()
    };
    ws.register(&input).expect("registered");
    id
}

fn workstation(dir: &Path) -> Workstation {
    Workstation::init(dir, "88.118.8", "tester").expect("init")
}

#[test]
fn a_job_to_a_dead_printer_stays_queued_and_prints_after_a_restart_when_it_is_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let (job_id, payload) = {
        let mut ws = workstation(dir.path());
        let id = register(&mut ws, "CAL-2026-000001", true);
        ws.add_printer(&profile("zebra", Language::Zpl, tcp(port)), false)
            .expect("printer");
        assert_eq!(
            ws.printer_status("zebra").expect("status").state,
            PrinterState::Offline
        );
        let job = ws
            .print_label("zebra", &LabelRequest::new(&id, "cal-pass"))
            .expect("queued");
        assert_eq!(job.state, JobState::Queued);
        assert_eq!(job.attempts, 1);
        // Stored in the language the workstation speaks (zh-CN unless told otherwise).
        let error = job.last_error.clone().unwrap_or_default();
        assert!(
            error.contains("离线") && error.contains(&port.to_string()),
            "{error}"
        );
        ws.set_lang(idstation_workstation::Lang::En);
        ws.process_print_queue(&mut |_| {}).expect("queue runs");
        let again = ws.print_job(job.id).expect("job");
        assert_eq!(again.state, JobState::Queued);
        let error = again.last_error.unwrap_or_default();
        assert!(error.contains("offline"), "{error}");
        let payload = ws.store().print_job_payload(job.id).expect("payload");
        assert!(payload.starts_with(b"~SD18^XA^CI28^PW400^LL240"));
        (job.id, payload)
    };
    // The workstation restarts; the printer comes back on the same address.
    let printer = fake_printer_on(
        TcpListener::bind(("127.0.0.1", port)).expect("rebind"),
        true,
    );
    let mut ws = Workstation::open(dir.path(), "tester").expect("reopen");
    let mut seen = Vec::new();
    let report = ws
        .process_print_queue(&mut |p| seen.push(p))
        .expect("queue runs");
    assert_eq!(report.printed, vec![job_id]);
    assert_eq!(seen.len(), 1);
    assert_eq!(printer.wait_jobs(1), vec![payload]);
    let job = ws.print_job(job_id).expect("job");
    assert_eq!(job.state, JobState::Done);
    assert!(job.done_at.is_some());
    // The print is in the instrument's audit history and the chain holds.
    let v = ws.verify().expect("verify");
    assert!(
        v.audit.is_intact() && v.consistency.is_consistent(),
        "{v:?}"
    );
    let actions: Vec<String> = ws
        .audit_log(Some("88.118.8/CAL-2026-000001"), 50)
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"print".to_string()) && actions.contains(&"printed".to_string()));
    // The history keeps the preview.
    let png = ws.print_job_preview(job_id).expect("preview");
    assert!(png.starts_with(b"\x89PNG"));
}

#[test]
fn a_silent_printer_is_offline_and_the_job_waits() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut ws = workstation(dir.path());
    let id = register(&mut ws, "CAL-2026-000002", true);
    let silent = fake_printer(false);
    ws.add_printer(&profile("silent", Language::Zpl, tcp(silent.port)), false)
        .expect("printer");
    let t0 = Instant::now();
    let st = ws.printer_status("silent").expect("status");
    assert_eq!(st.state, PrinterState::Offline);
    // Bounded: a silent printer never holds the person up for long (a hang's bound, not a
    // busy machine's).
    assert!(t0.elapsed() < Duration::from_secs(20));
    let job = ws
        .print_label("silent", &LabelRequest::new(&id, "identifier"))
        .expect("queued");
    assert_eq!(job.state, JobState::Queued);
    // Two conversations, both over: the status query above and the job's own, which asked
    // for status, heard nothing and sent nothing.
    let (conversations, jobs) = silent.wait_closed(2);
    assert_eq!(
        (conversations, jobs.len()),
        (2, 0),
        "nothing was sent into a silent printer"
    );
    let e = ws.test_print("silent").expect_err("not ready");
    assert_eq!(e.code(), "printer_not_ready");
    assert!(e
        .message(idstation_workstation::Lang::ZhCn)
        .contains("离线"));
    // Cancel is audited; a cancelled job cannot be cancelled again.
    assert_eq!(
        ws.cancel_print_job(job.id).expect("cancel").state,
        JobState::Cancelled
    );
    assert_eq!(
        ws.cancel_print_job(job.id).expect_err("again").code(),
        "job_state"
    );
}

#[test]
fn reprint_needs_a_reason_sends_the_same_bytes_and_is_audited() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut ws = workstation(dir.path());
    let id = register(&mut ws, "CAL-2026-000003", true);
    let p = fake_printer(true);
    ws.add_printer(&profile("zebra", Language::Zpl, tcp(p.port)), false)
        .expect("printer");
    let job = ws
        .print_label("zebra", &LabelRequest::new(&id, "cal-pass"))
        .expect("printed");
    assert_eq!(job.state, JobState::Done);
    let before = ws.print_jobs(&JobFilter::default()).expect("jobs").len();
    let e = ws.reprint(job.id, "  ").expect_err("no reason");
    assert_eq!(e.code(), "reason_required");
    assert_eq!(
        ws.print_jobs(&JobFilter::default()).expect("jobs").len(),
        before
    );
    let again = ws.reprint(job.id, "标签被油污损坏").expect("reprinted");
    assert_eq!(again.state, JobState::Done);
    assert_eq!(again.reprint_of, Some(job.id));
    let jobs = p.wait_jobs(2);
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[0], jobs[1]);
    let entry = ws
        .audit_log(Some(&id), 50)
        .expect("audit")
        .into_iter()
        .find(|e| e.action == "reprint")
        .expect("reprint audited");
    assert!(entry.after.unwrap_or_default().contains("标签被油污损坏"));
    assert!(ws.verify().expect("verify").audit.is_intact());
}

#[test]
fn batch_prints_with_progress_and_a_bad_record_queues_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut ws = workstation(dir.path());
    let ids: Vec<String> = (10..15)
        .map(|n| register(&mut ws, &format!("CAL-2026-0000{n}"), true))
        .collect();
    let no_cert = register(&mut ws, "CAL-2026-000099", false);
    let p = fake_printer(true);
    ws.add_printer(&profile("zebra", Language::Zpl, tcp(p.port)), false)
        .expect("printer");
    let mut reqs: Vec<LabelRequest> = ids
        .iter()
        .map(|i| LabelRequest::new(i, "cal-pass"))
        .collect();
    reqs.push(LabelRequest::new(&no_cert, "cal-pass"));
    let e = ws
        .print_batch("zebra", &reqs, &mut |_| {})
        .expect_err("one record lacks its certificate");
    assert_eq!(e.code(), "label_missing_fields");
    assert!(e
        .message(idstation_workstation::Lang::ZhCn)
        .contains("证书编号"));
    assert!(ws
        .print_jobs(&JobFilter::default())
        .expect("jobs")
        .is_empty());
    reqs.pop();
    let mut progress = Vec::new();
    let report = ws
        .print_batch("zebra", &reqs, &mut |p| progress.push((p.done, p.total)))
        .expect("batch");
    assert_eq!(report.printed.len(), 5);
    assert_eq!(progress, (1..=5).map(|d| (d, 5)).collect::<Vec<_>>());
    assert_eq!(p.wait_jobs(5).len(), 5);
    // A test print goes straight to the printer (status first, then the label).
    let st = ws.test_print("zebra").expect("test print");
    assert_eq!(st.state, PrinterState::Ready);
    let jobs = p.wait_jobs(6);
    assert_eq!(jobs.len(), 6);
    assert!(jobs[5].starts_with(b"~SD18^XA^CI28"));
}

#[test]
fn bad_printer_profiles_and_templates_change_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut ws = workstation(dir.path());
    let mut bad = profile("x", Language::Zpl, tcp(9100));
    bad.dpi = 150;
    bad.darkness = Some(99);
    let e = ws.add_printer(&bad, false).expect_err("bad");
    assert_eq!(e.code(), "invalid_printer");
    assert!(ws.list_printers().expect("list").is_empty());
    assert_eq!(
        ws.save_label_template("{").expect_err("bad").code(),
        "label_error"
    );
    assert_eq!(
        ws.render_label(
            &LabelRequest::new("88.118.8/NOPE-1", "identifier"),
            idstation_labels::Format::Png,
            None,
            None
        )
        .expect_err("missing")
        .code(),
        "not_found"
    );
    let id = register(&mut ws, "CAL-2026-000050", true);
    assert_eq!(
        ws.render_label(
            &LabelRequest::new(&id, "no-such"),
            idstation_labels::Format::Png,
            None,
            None
        )
        .expect_err("template")
        .code(),
        "unknown_template"
    );
    // 准用 without its permitted ranges is refused; with them it renders.
    let mut req = LabelRequest::new(&id, "cal-restricted");
    assert_eq!(
        ws.render_label(&req, idstation_labels::Format::Png, None, None)
            .expect_err("restriction")
            .code(),
        "label_missing_fields"
    );
    req.extra = BTreeMap::from([("restriction".to_string(), "仅 0~10 MPa".to_string())]);
    let f = ws
        .render_label(&req, idstation_labels::Format::Pdf, Some(300), None)
        .expect("renders");
    assert!(f.bytes.starts_with(b"%PDF"));
    // A saved template overrides the built-in of that name and survives a reopen.
    let mut t = idstation_labels::builtin("identifier").expect("b");
    t.name = "small".into();
    t.width_mm = 40.0;
    ws.save_label_template(&t.to_json()).expect("saved");
    drop(ws);
    let ws = Workstation::open(dir.path(), "tester").expect("reopen");
    assert_eq!(ws.label_template("small").expect("t").width_mm, 40.0);
}

// ---- CUPS --------------------------------------------------------------------------------

struct Cupsd {
    child: std::process::Child,
    server: String,
    _dir: tempfile::TempDir,
}

impl Drop for Cupsd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private cupsd on 127.0.0.1 with its own configuration and spool, or why not.
fn start_cupsd() -> Result<Cupsd, String> {
    if !Path::new("/usr/sbin/cupsd").exists() {
        return Err(
            "cupsd is not installed (Debian packages cups, cups-bsd, printer-driver-cups-pdf)"
                .into(),
        );
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let d = dir.path();
    for sub in ["spool", "cache", "state", "log", "ppd"] {
        std::fs::create_dir_all(d.join(sub)).map_err(|e| e.to_string())?;
    }
    let port = free_port();
    let conf = format!(
        "Listen 127.0.0.1:{port}\nLogLevel warn\nErrorLog {d}/log/error_log\nAccessLog {d}/log/access_log\n\
         PageLog {d}/log/page_log\nWebInterface No\nBrowsing No\nDefaultAuthType None\n\
         <Location />\n  Order allow,deny\n  Allow all\n</Location>\n\
         <Location /admin>\n  Order allow,deny\n  Allow all\n</Location>\n\
         <Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n",
        d = d.display()
    );
    // cupsd refuses to run its filters as root, so it runs them as lp.
    let files = format!(
        "ServerRoot {d}\nRequestRoot {d}/spool\nCacheDir {d}/cache\nStateDir {d}/state\n\
         TempDir {d}/spool\nUser lp\nGroup lp\nSystemGroup root\nSandboxing Relaxed\n",
        d = d.display()
    );
    std::fs::write(d.join("cupsd.conf"), conf).map_err(|e| e.to_string())?;
    std::fs::write(d.join("cups-files.conf"), files).map_err(|e| e.to_string())?;
    let _ = std::process::Command::new("chmod")
        .args(["-R", "a+rwX"])
        .arg(d)
        .status();
    let child = std::process::Command::new("/usr/sbin/cupsd")
        .arg("-f")
        .arg("-c")
        .arg(d.join("cupsd.conf"))
        .arg("-s")
        .arg(d.join("cups-files.conf"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cupsd did not start: {e}"))?;
    let server = format!("127.0.0.1:{port}");
    let c = Cupsd {
        child,
        server: server.clone(),
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(&server).is_ok() {
            return Ok(c);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err("cupsd did not listen within 15 s (it needs root to drop to user lp)".into())
}

fn lpadmin(server: &str, args: &[&str]) {
    let out = std::process::Command::new("lpadmin")
        .arg("-h")
        .arg(server)
        .args(args)
        .output()
        .expect("lpadmin runs");
    assert!(
        out.status.success(),
        "lpadmin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn cups_raw_queue_delivers_exact_bytes_and_cups_pdf_makes_a_pdf() {
    // Required, never skipped: scripts/setup installs CUPS, and a skip would count as a pass.
    let cups = start_cupsd().unwrap_or_else(|why| panic!("{why}: run scripts/setup"));
    let dir = tempfile::tempdir().expect("tmp");
    let mut ws = workstation(dir.path());
    let id = register(&mut ws, "CAL-2026-000777", true);

    // Raw queue -> socket printer on loopback: our exact bytes arrive.
    let printer = fake_printer(true);
    let uri = format!("socket://127.0.0.1:{}", printer.port);
    lpadmin(&cups.server, &["-p", "rawzebra", "-E", "-v", &uri]);
    ws.add_printer(
        &profile(
            "cups-zebra",
            Language::Zpl,
            Transport::Cups {
                queue: "rawzebra".into(),
                server: Some(cups.server.clone()),
            },
        ),
        false,
    )
    .expect("printer");
    let mut p = ws.printer("cups-zebra").expect("p");
    p.timeout_ms = 15_000;
    ws.add_printer(&p, true).expect("replace");
    assert_eq!(
        ws.printer_status("cups-zebra").expect("st").state,
        PrinterState::Ready
    );
    let job = ws
        .print_label("cups-zebra", &LabelRequest::new(&id, "identifier"))
        .expect("sent");
    assert_eq!(job.state, JobState::Done, "{:?}", job.last_error);
    let payload = ws.store().print_job_payload(job.id).expect("payload");
    assert_eq!(printer.wait_jobs(1), vec![payload]);

    // cups-pdf queue: our PDF becomes a file; pdftoppm makes it a PNG whose QR decodes.
    let ppd = "/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd";
    if !Path::new(ppd).exists() || !Path::new("/usr/lib/cups/backend/cups-pdf").exists() {
        panic!("printer-driver-cups-pdf is missing (scripts/setup installs it)");
    }
    lpadmin(
        &cups.server,
        &["-p", "office", "-E", "-v", "cups-pdf:/", "-P", ppd],
    );
    let mut office = profile(
        "office",
        Language::Pdf,
        Transport::Cups {
            queue: "office".into(),
            server: Some(cups.server.clone()),
        },
    );
    office.dpi = 300;
    office.timeout_ms = 15_000;
    ws.add_printer(&office, false).expect("printer");
    let mut req = LabelRequest::new(&id, "cal-pass");
    req.copies = 1;
    let job = ws.print_label("office", &req).expect("sent");
    assert_eq!(job.state, JobState::Done, "{:?}", job.last_error);
    // cups-pdf writes to ~/PDF of the job's user, named after the job title.
    let home = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .expect("HOME");
    let title = format!("IDStation {} {}", id, "cal-pass");
    let deadline = Instant::now() + Duration::from_secs(30);
    let pdf = loop {
        let found = std::fs::read_dir(home.join("PDF"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                let n = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                n.contains("CAL-2026-000777") && n.ends_with(".pdf")
            });
        // Found and written to its end (cups-pdf writes it in pieces): the trailer is there.
        let whole = found.as_ref().is_some_and(|f| {
            std::fs::read(f).is_ok_and(|b| b.trim_ascii_end().ends_with(b"%%EOF"))
        });
        if let (Some(f), true) = (found, whole) {
            break f;
        }
        assert!(
            Instant::now() < deadline,
            "cups-pdf wrote no whole PDF for '{title}' in ~/PDF"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = tempfile::tempdir().expect("tmp");
    let st = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "300", "-singlefile"])
        .arg(&pdf)
        .arg(out.path().join("page"))
        .status()
        .expect("pdftoppm runs (poppler-utils)");
    assert!(st.success());
    let png = std::fs::read(out.path().join("page.png")).expect("png");
    if let Some(keep) = std::env::var_os("LABELS_PREVIEW_DIR") {
        let _ = std::fs::create_dir_all(&keep);
        let _ = std::fs::copy(
            out.path().join("page.png"),
            Path::new(&keep).join("cups-pdf-page.png"),
        );
    }
    let _ = std::fs::remove_file(&pdf);
    let (w, h, grey) = idstation_labels::output::decode_png_grey(&png).expect("decode");
    // The page is the label's size (media=Custom.50x30mm), not a label lost on an A4 sheet.
    assert!(
        w.abs_diff(591) <= 3 && h.abs_diff(354) <= 3,
        "page is {w}x{h} dots at 300 dpi"
    );
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| grey[y * w + x]);
    let decoded: Vec<String> = img
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect();
    assert_eq!(
        decoded,
        vec!["HTTPS://ID.IDSTATION.CN/88.118.8/CAL-2026-000777".to_string()]
    );
    let _ = WsError::ReasonRequired;
}

/// Removing a printer cancels its waiting jobs, with a note in the person's language.
#[test]
fn removing_a_printer_cancels_its_queued_jobs_with_a_note() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut ws = workstation(dir.path());
    let id = register(&mut ws, "CAL-2026-000009", true);
    let silent = fake_printer(false);
    ws.add_printer(&profile("silent", Language::Zpl, tcp(silent.port)), false)
        .expect("printer");
    let job = ws
        .print_label("silent", &LabelRequest::new(&id, "identifier"))
        .expect("queued");
    assert_eq!(job.state, JobState::Queued);
    ws.remove_printer("silent").expect("remove");
    let job = ws.print_job(job.id).expect("job");
    assert_eq!(job.state, JobState::Cancelled);
    assert_eq!(job.last_error.as_deref(), Some("打印机已删除"));
}

#[test]
fn a_send_a_crash_cut_off_waits_for_a_person_and_is_never_resent_by_itself() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut ws = workstation(dir.path());
    let id = register(&mut ws, "CAL-2026-000009", true);
    let printer = fake_printer(true);
    // A printer that is not there yet: the job waits in the queue.
    ws.add_printer(&profile("zebra", Language::Zpl, tcp(free_port())), false)
        .expect("printer");
    let job = ws
        .print_label("zebra", &LabelRequest::new(&id, "identifier"))
        .expect("queued");
    assert_eq!((job.state, job.attempts), (JobState::Queued, 1));
    ws.add_printer(&profile("zebra", Language::Zpl, tcp(printer.port)), true)
        .expect("the printer's new address");
    // What a process that dies mid-send leaves in the file: the job marked `sending`, no outcome.
    let db = idstation_workstation::db_path(dir.path());
    idstation_store::Store::open(&db)
        .expect("a second process's connection")
        .start_print_job(job.id)
        .expect("sending");

    // While another process holds the send lock, its `sending` job is its own business.
    let other = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.path().join("print-send.lock"))
        .expect("lock file");
    other.lock().expect("another process sends");
    assert_eq!(ws.recover_interrupted_print_jobs().expect("recover"), 0);
    let report = ws.process_print_queue(&mut |_| {}).expect("queue runs");
    assert!(report.printed.is_empty() && report.still_queued.is_empty());
    assert_eq!(ws.print_job(job.id).expect("job").state, JobState::Sending);
    drop(other);

    // Nobody is sending it: the crash cut it off. It is set aside for a person, not resent.
    ws.set_lang(idstation_workstation::Lang::En);
    let report = ws.process_print_queue(&mut |_| {}).expect("queue runs");
    assert!(report.printed.is_empty() && report.still_queued.is_empty());
    let held = ws.print_job(job.id).expect("job");
    assert_eq!((held.state, held.attempts), (JobState::Failed, 2));
    let note = held.last_error.unwrap_or_default();
    assert!(
        note.contains("may have printed") && note.contains("retry"),
        "{note}"
    );
    assert_eq!(ws.recover_interrupted_print_jobs().expect("again"), 0);
    // Restarting does not send it either.
    drop(ws);
    let mut ws = Workstation::open(dir.path(), "tester").expect("reopen");
    assert_eq!(ws.recover_interrupted_print_jobs().expect("recover"), 0);
    ws.process_print_queue(&mut |_| {}).expect("queue runs");
    assert_eq!(ws.print_job(job.id).expect("job").state, JobState::Failed);
    let (conversations, jobs) = printer.wait_closed(0);
    assert_eq!(
        (conversations, jobs.len()),
        (0, 0),
        "nothing reached the printer"
    );

    // The person checked the printer and retries: printed once.
    let done = ws.retry_print_job(job.id).expect("retry");
    assert_eq!((done.state, done.attempts), (JobState::Done, 3));
    assert_eq!(printer.wait_jobs(1).len(), 1);
    // Newest first: the interruption, the person's retry, the one print.
    let actions: Vec<String> = ws
        .audit_log(Some("88.118.8/CAL-2026-000009"), 3)
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["printed", "print_retry", "print_interrupted"]);
}
