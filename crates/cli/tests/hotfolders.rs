//! `idstation import`, `idstation hotfolder` and `idstation watch` as a station with no one at
//! it runs them: the real binary, a real folder, the watcher killed (`kill -9`) and started
//! again with files waiting.

mod common;

use std::path::Path;
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use common::Ws;
use predicates::prelude::*;

fn csv(tag: &str, n: usize) -> String {
    let mut out = "标识,名称,型号,校准日期,校准周期(月)\n".to_string();
    for i in 0..n {
        out.push_str(&format!(
            "88.118.8/{tag}-{i},电子天平,M-{i},2026-04-{:02},12\n",
            i + 1
        ));
    }
    out
}

fn instruments(ws: &Ws) -> i64 {
    ws.json(&["status"])["instruments"].as_i64().expect("count")
}

/// Polls `done` (never a fixed sleep) for up to a minute.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "waited a minute for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walk(dir)
        .into_iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn watcher(ws: &Ws) -> Child {
    let bin = assert_cmd::cargo::cargo_bin("idstation");
    Process::new(bin)
        .args(["watch", "--json"])
        .env("IDSTATION_DATA_DIR", ws.path())
        .env("IDSTATION_USER", "王芳")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("watch runs")
}

#[test]
fn one_file_is_imported_once_and_a_bad_one_changes_nothing() {
    let ws = Ws::new();
    let files = tempfile::tempdir().expect("tempdir");
    let bad = files.path().join("送检.csv");
    std::fs::write(&bad, csv("CLI", 3).replace("2026-04-03", "明天")).expect("write");
    ws.cmd()
        .args(["import"])
        .arg(&bad)
        .assert()
        .code(4)
        .stdout(predicate::str::contains("已拒绝").and(predicate::str::contains("第 4 行")));
    assert_eq!(instruments(&ws), 0);

    let good = files.path().join("送检-改.csv");
    std::fs::write(&good, csv("CLI", 3)).expect("write");
    ws.cmd()
        .args(["--lang", "en", "import"])
        .arg(&good)
        .assert()
        .success()
        .stdout(predicate::str::contains("imported 3 rows (3 registered"));
    ws.cmd()
        .args(["import"])
        .arg(&good)
        .assert()
        .success()
        .stdout(predicate::str::contains("未重复导入"));
    assert_eq!(instruments(&ws), 3);

    // Calibration results update what is registered; an unknown encoding is refused up front.
    let results = files.path().join("结果.csv");
    std::fs::write(
        &results,
        "标识,证书编号\n88.118.8/CLI-0,JZ-1\n88.118.8/CLI-2,JZ-2\n",
    )
    .expect("write");
    ws.cmd()
        .args(["import", "--encoding", "latin1", "--update"])
        .arg(&results)
        .assert()
        .failure()
        .stderr(predicate::str::contains("latin1"));
    let v = ws.json(&["import", "--update", results.to_str().expect("utf8")]);
    assert_eq!(v["record"]["updated"], 2, "{v}");
    let shown = ws.json(&["instrument", "show", "88.118.8/CLI-2"]);
    assert_eq!(
        shown["record"]["calibration"]["certificate_no"], "JZ-2",
        "{shown}"
    );
}

#[test]
fn hot_folders_are_set_up_listed_and_removed() {
    let ws = Ws::new();
    let outside = tempfile::tempdir().expect("tempdir");
    let inbox = outside.path().join("LIMS 导出");
    ws.cmd()
        .args(["hotfolder", "add", "--poll"])
        .arg(&inbox)
        .assert()
        .success()
        .stdout(predicate::str::contains("轮询"));
    assert!(inbox.is_dir(), "created when missing");
    // Labels need a printer that exists: refused, and the settings stay as they were.
    ws.cmd()
        .args([
            "hotfolder",
            "add",
            "--label",
            "identifier",
            "--printer",
            "nope",
        ])
        .arg(outside.path().join("other"))
        .assert()
        .failure();
    // Not inside the data folder.
    ws.cmd()
        .args(["hotfolder", "add"])
        .arg(ws.path().join("inbox"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("数据文件夹"));
    let listed = ws.json(&["hotfolder", "list"]);
    let folders = listed["folder"].as_array().expect("folders");
    assert_eq!(folders.len(), 1, "{listed}");
    assert_eq!(folders[0]["mode"], "poll");
    ws.cmd()
        .args(["hotfolder", "remove"])
        .arg(outside.path().join("never-added"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("不是本工作站的热文件夹"));
    ws.cmd()
        .args(["hotfolder", "remove"])
        .arg(&inbox)
        .assert()
        .success();
    ws.cmd()
        .args(["hotfolder", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("尚未设置热文件夹"));
    // Nothing to watch is said, not waited on forever.
    ws.cmd()
        .arg("watch")
        .timeout(Duration::from_secs(30))
        .assert()
        .failure()
        .stderr(predicate::str::contains("idstation hotfolder add"));
}

#[test]
fn the_watcher_killed_and_started_again_imports_every_file_once() {
    let ws = Ws::new();
    let outside = tempfile::tempdir().expect("tempdir");
    let inbox = outside.path().join("hot");
    ws.cmd()
        .args(["hotfolder", "add"])
        .arg(&inbox)
        .assert()
        .success();
    let archived = |n: usize| {
        let inbox = inbox.clone();
        move || files_in(&inbox.join("archive")).len() + files_in(&inbox.join("error")).len() >= n
    };

    let mut first = watcher(&ws);
    for i in 0..5 {
        std::fs::write(inbox.join(format!("批-{i}.csv")), csv(&format!("K{i}"), 20))
            .expect("write");
    }
    eventually("the first file", archived(1));
    // Killed while it works through the rest.
    first.kill().expect("kill -9");
    first.wait().expect("reaped");

    // Files that arrive while nothing runs are taken at the next start.
    std::fs::write(inbox.join("停机时到达.csv"), csv("OFF", 20)).expect("write");
    std::fs::write(inbox.join("坏.csv"), "标识,名称\n88.118.8/X,\n").expect("write");
    let mut second = watcher(&ws);
    // Every good file archived and the bad one itself in error/ (its report is written there
    // first, so counting files alone could stop the watcher between the two).
    let settled = || {
        files_in(&inbox.join("archive")).len() >= 6
            && files_in(&inbox.join("error")).iter().any(|n| n == "坏.csv")
    };
    eventually("every file", settled);
    second.kill().expect("kill");
    second.wait().expect("reaped");

    assert_eq!(instruments(&ws), 6 * 20, "each good file once");
    let left: Vec<String> = std::fs::read_dir(&inbox)
        .expect("inbox")
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "nothing left behind: {left:?}");
    let errors = files_in(&inbox.join("error"));
    assert!(errors.iter().any(|n| n == "坏.csv"), "{errors:?}");
    ws.cmd().args(["audit", "verify"]).assert().success();
}
