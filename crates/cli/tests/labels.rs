//! `idstation label …` and `idstation printer …` end to end, with a fake printer on 127.0.0.1.

use std::net::TcpListener;

mod common;

use common::Ws;
use idstation_labels::fake_printer::{Answers, FakePrinter};
use predicates::prelude::*;
use serde_json::Value;

/// A workstation with one calibrated caliper, 88.118.8/CAL-2026-000123.
fn ws_with_caliper() -> Ws {
    let ws = Ws::new();
    ws.cmd()
        .args([
            "instrument",
            "add",
            "--id",
            "88.118.8/CAL-2026-000123",
            "--name",
            "数显卡尺",
            "--model",
            "500-196-30",
            "--cal-date",
            "2026-03-01",
            "--cal-interval",
            "12",
            "--cal-result",
            "合格",
            "--cal-cert",
            "JZ2026-0458",
            "--cal-by",
            "张伟",
            "--cal-approver",
            "李娜",
        ])
        .assert()
        .success();
    ws
}

#[test]
fn render_writes_every_format() {
    let ws = ws_with_caliper();
    for (file, magic) in [
        ("a.png", &b"\x89PNG"[..]),
        ("a.zpl", b"^XA^CI28"),
        ("a.tspl", b"SIZE 50 mm,30 mm"),
        ("a.pdf", b"%PDF"),
    ] {
        let out = ws.dir.path().join(file);
        ws.cmd()
            .args([
                "label",
                "render",
                "88.118.8/CAL-2026-000123",
                "-t",
                "cal-pass",
                "-o",
            ])
            .arg(&out)
            .assert()
            .success()
            .stdout(predicate::str::contains(
                "HTTPS://ID.IDSTATION.CN/88.118.8/CAL-2026-000123",
            ));
        let bytes = std::fs::read(&out).expect("file");
        assert!(bytes.starts_with(magic), "{file}");
    }
    // 准用 without its permitted ranges: refused in both languages, no file written.
    let out = ws.dir.path().join("r.png");
    ws.cmd()
        .args([
            "label",
            "render",
            "88.118.8/CAL-2026-000123",
            "-t",
            "cal-restricted",
            "-o",
        ])
        .arg(&out)
        .assert()
        .failure()
        .stderr(predicate::str::contains("准用范围"));
    ws.cmd()
        .args([
            "--lang",
            "en",
            "label",
            "render",
            "88.118.8/CAL-2026-000123",
            "-t",
            "cal-restricted",
            "-o",
        ])
        .arg(&out)
        .assert()
        .failure()
        .stderr(predicate::str::contains("permitted ranges"));
    assert!(!out.exists());
}

#[test]
fn print_to_a_named_printer_then_jobs_and_reprint() {
    let ws = ws_with_caliper();
    let printer = FakePrinter::start(Answers::ready());
    let port = printer.port;
    ws.cmd()
        .args([
            "printer",
            "add",
            "zebra",
            "-l",
            "zpl",
            "--dpi",
            "203",
            "--darkness",
            "20",
            "--uri",
        ])
        .arg(format!("tcp://127.0.0.1:{port}"))
        .assert()
        .success();
    ws.cmd()
        .args(["printer", "status", "zebra"])
        .assert()
        .success()
        .stdout(predicate::str::contains("就绪"));
    ws.cmd()
        .args([
            "label",
            "print",
            "88.118.8/CAL-2026-000123",
            "-p",
            "zebra",
            "-t",
            "cal-pass",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("已打印"));
    let out = ws
        .cmd()
        .args(["--json", "label", "jobs"])
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v[0]["state"], "done");
    let id = v[0]["id"].as_i64().expect("id");
    ws.cmd()
        .args(["label", "reprint", &id.to_string(), "--reason", " "])
        .assert()
        .failure()
        .stderr(predicate::str::contains("补打必须填写原因"));
    ws.cmd()
        .args(["label", "reprint", &id.to_string(), "--reason", "标签脱落"])
        .assert()
        .success();
    let got = printer.wait_jobs(2);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0], got[1]);
    assert!(got[0].starts_with(b"~SD20^XA"));
    ws.cmd().args(["audit", "verify"]).assert().success();
}

#[test]
fn an_offline_printer_exits_3_and_keeps_the_job_queued() {
    let ws = ws_with_caliper();
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("b")
        .local_addr()
        .expect("a")
        .port();
    ws.cmd()
        .args([
            "printer",
            "add",
            "dead",
            "-l",
            "tspl",
            "--timeout-ms",
            "300",
            "--uri",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .assert()
        .success();
    ws.cmd()
        .args(["label", "print", "88.118.8/CAL-2026-000123", "-p", "dead"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("排队中"));
    ws.cmd()
        .args(["label", "jobs", "--state", "queued"])
        .assert()
        .success()
        .stdout(predicate::str::contains("88.118.8/CAL-2026-000123"));
    ws.cmd().args(["label", "process"]).assert().code(3);
    ws.cmd()
        .args(["printer", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("dead"));
    ws.cmd()
        .args(["printer", "remove", "dead"])
        .assert()
        .success();
    ws.cmd()
        .args([
            "printer",
            "add",
            "x",
            "-l",
            "zpl",
            "--dpi",
            "150",
            "--uri",
            "tcp://h:9100",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("dpi"));
}
