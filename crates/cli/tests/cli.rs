//! The `idstation` binary as a person or script uses it, on a real data folder.

mod common;

use assert_cmd::Command;
use common::Ws;
use predicates::prelude::*;
use serde_json::Value;

#[test]
fn bad_input_exits_non_zero_with_a_clear_message_and_writes_nothing() {
    let ws = Ws::new();
    ws.add_caliper();
    let before = ws.write_counts();
    let long_name = "表".repeat(101);
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            vec!["--id", "88.118.8", "--name", "卡尺"],
            "标识缺少后缀",
            "handle has no suffix",
        ),
        (
            vec!["--id", "99.1/X", "--name", "卡尺"],
            "前缀“99.1”无效",
            "invalid handle prefix",
        ),
        (
            vec![
                "--id",
                "https://id.gs1.org/01/09506000134353/21/A1",
                "--name",
                "卡尺",
            ],
            "GTIN 校验位为 3，应为 2",
            "check digit is 3, expected 2",
        ),
        (vec!["--id", "88.118.8/X-1"], "名称: 必填", "name: required"),
        (
            vec!["--id", "88.118.8/X-1", "--name", &long_name],
            "太长（101 个字符，最多 100 个）",
            "too long (101 characters, at most 100)",
        ),
        (
            vec![
                "--id",
                "88.118.8/X-1",
                "--name",
                "卡尺",
                "--cal-date",
                "2026-02-30",
            ],
            "“2026-02-30”不是有效日期",
            "'2026-02-30' is not a valid date",
        ),
        (
            vec![
                "--id",
                "88.118.8/X-1",
                "--name",
                "卡尺",
                "--set",
                "attr.colour=红",
            ],
            "不是元数据模板 IDS-MI-CAL 中的字段",
            "not a field of metadata template IDS-MI-CAL",
        ),
        (
            vec![
                "--id",
                "88.118.8/X-1",
                "--name",
                "卡尺",
                "--set",
                "colour=红",
            ],
            "未知字段“colour”",
            "unknown field 'colour'",
        ),
        (
            vec!["--id", "88.999.1/X-1", "--name", "卡尺"],
            "不属于本企业前缀 88.118.8",
            "not under this enterprise's prefix 88.118.8",
        ),
        (
            vec!["--id", "88.118.8/CAL-2026-000123", "--name", "卡尺"],
            "已登记",
            "already registered",
        ),
    ];
    for (args, zh, en) in cases {
        ws.cmd()
            .args(["instrument", "add"])
            .args(&args)
            .assert()
            .failure()
            .stderr(predicate::str::contains(zh));
        ws.cmd()
            .args(["--lang", "en", "instrument", "add"])
            .args(&args)
            .assert()
            .failure()
            .stderr(predicate::str::contains(en));
    }
    // Bad edits are refused the same way.
    ws.cmd()
        .args([
            "instrument",
            "edit",
            "88.118.8/CAL-2026-000123",
            "--cal-due",
            "2026-13-01",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("不是有效日期"));
    ws.cmd()
        .args([
            "instrument",
            "edit",
            "88.118.8/CAL-2026-000123",
            "--id",
            "88.118.8/OTHER",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("标识不能修改"));
    assert_eq!(
        ws.write_counts(),
        before,
        "a rejected command wrote something"
    );
}

#[test]
fn json_errors_name_the_fields() {
    let ws = Ws::new();
    let out = ws
        .cmd()
        .args([
            "--json",
            "instrument",
            "add",
            "--id",
            "88.118.8/A",
            "--cal-date",
            "2026-02-30",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err: Value = serde_json::from_slice(&out.stderr).expect("json error");
    assert_eq!(err["error"]["code"], "invalid_input");
    let fields: Vec<&str> = err["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(fields, ["name", "cal_last_date"]);
}

#[test]
fn register_find_edit_delete_and_undo() {
    let ws = Ws::new();
    ws.add_caliper();
    // Found by any form a scanner types.
    for form in [
        "88.118.8/CAL-2026-000123",
        "hdl:88.118.8/cal-2026-000123",
        "HTTPS://ID.EXAMPLE.CN/88.118.8/CAL-2026-000123",
    ] {
        let shown = ws.json(&["instrument", "show", form]);
        assert_eq!(shown["record"]["identifier"], "88.118.8/CAL-2026-000123");
    }
    let shown = ws.json(&["instrument", "show", "88.118.8/CAL-2026-000123"]);
    assert_eq!(shown["record"]["calibration"]["next_due"], "2027-03-01");
    assert_eq!(shown["record"]["attributes"]["environment"], "恒温室");
    assert_eq!(shown["history"][0]["actor"], "王芳");

    ws.cmd()
        .args(["instrument", "show", "88.118.8/CAL-2026-000123"])
        .assert()
        .success()
        .stdout(predicate::str::contains("使用环境"))
        .stdout(predicate::str::contains("合格"));

    for q in ["尺", "卡尺", "数显卡尺", "500-196", "华东 三丰"] {
        let hits = ws.json(&["instrument", "search", q]);
        assert_eq!(hits["hits"].as_array().map(Vec::len), Some(1), "query {q}");
    }

    let edited = ws.json(&[
        "instrument",
        "edit",
        "88.118.8/CAL-2026-000123",
        "--location",
        "计量室",
        "--cal-date",
        "2026-09-01",
        "--expect-version",
        "1",
    ]);
    assert_eq!(edited["version"], 2);
    // The due date follows the new calibration date.
    assert_eq!(edited["calibration"]["next_due"], "2027-09-01");
    ws.cmd()
        .args([
            "instrument",
            "edit",
            "88.118.8/CAL-2026-000123",
            "--location",
            "x",
            "--expect-version",
            "1",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("已被他人修改"));

    ws.cmd()
        .args([
            "instrument",
            "delete",
            "88.118.8/CAL-2026-000123",
            "--reason",
            "重复登记",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("idstation instrument undelete"));
    assert_eq!(
        ws.json(&["instrument", "search", "卡尺"])["hits"],
        serde_json::json!([])
    );
    ws.cmd()
        .args(["instrument", "undelete", "88.118.8/CAL-2026-000123"])
        .assert()
        .success();
    assert_eq!(
        ws.json(&["instrument", "list"]).as_array().map(Vec::len),
        Some(1)
    );

    let log = ws.json(&["audit", "log", "88.118.8/CAL-2026-000123"]);
    let actions: Vec<&str> = log
        .as_array()
        .expect("log")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["undelete", "delete", "edit", "register"]);
    ws.cmd()
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains("审计链完整"));
}

#[test]
fn audit_verify_fails_on_a_tampered_database() {
    let ws = Ws::new();
    ws.add_caliper();
    let db = ws.path().join("workstation.sqlite");
    rusqlite::Connection::open(&db)
        .expect("open")
        .execute(
            "UPDATE outbox SET payload = replace(payload, '三丰', '假冒') WHERE kind = 'create'",
            [],
        )
        .expect("tamper");
    ws.cmd()
        .args(["audit", "verify"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "第 2 条审计记录对应的操作内容缺失或与其哈希不符",
        ));
}

#[test]
fn backup_restore_needs_confirmation_and_keeps_the_previous_database() {
    let ws = Ws::new();
    ws.add_caliper();
    let backup = ws.path().join("b.sqlite");
    ws.cmd()
        .args(["backup"])
        .arg(&backup)
        .assert()
        .success()
        .stdout(predicate::str::contains("备份完成并已校验"));
    ws.cmd()
        .args([
            "instrument",
            "delete",
            "88.118.8/CAL-2026-000123",
            "--reason",
            "测试",
        ])
        .assert()
        .success();
    // Not confirmed (no terminal, no --yes): nothing changes.
    ws.cmd()
        .arg("restore")
        .arg(&backup)
        .assert()
        .failure()
        .stderr(predicate::str::contains("未确认"));
    assert_eq!(
        ws.json(&["instrument", "list"]).as_array().map(Vec::len),
        Some(0)
    );
    let restored = ws.json(&["restore", backup.to_str().expect("path"), "--yes"]);
    assert!(restored["previous_saved_as"].is_string());
    assert_eq!(
        ws.json(&["instrument", "list"]).as_array().map(Vec::len),
        Some(1)
    );
}

#[test]
fn csv_import_with_chinese_headings_in_gb18030_registers_all_rows() {
    let ws = Ws::new();
    let csv = "标识,名称,型号,所属单位,校准日期,校准周期(月),使用环境\n\
               88.118.8/IMP-1,电子天平,BSA224S,南京电力设备厂,2026-05-01,12,天平室\n\
               88.118.8/IMP-2,压力表,Y-100,南京电力设备厂,2026-05-02,6,\n";
    // Excel in China saves CSV as GB18030 unless told otherwise.
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(csv);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&gb).is_err(),
        "the file really is not UTF-8"
    );
    let path = ws.path().join("in.csv");
    std::fs::write(&path, &gb).expect("write");
    ws.cmd()
        .args(["instrument", "import"])
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains("已导入仪器： 2"));
    let hits = ws.json(&["instrument", "search", "天平"]);
    assert_eq!(hits["hits"][0]["attributes"]["environment"], "天平室");
}

#[test]
fn an_import_with_one_bad_row_registers_nothing_and_names_every_bad_line() {
    let ws = Ws::new();
    ws.add_caliper();
    let before = ws.write_counts();
    let path = ws.path().join("in.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"identifier":"88.118.8/J-1","name":"温度计"}"#,
            "\n",
            r#"{"identifier":"88.118.8/J-2","name":"温度计","cal_last_date":"2026-02-30"}"#,
            "\n",
            r#"{"identifier":"88.118.8/j-1","name":"重复"}"#,
            "\n",
            r#"{"identifier":"88.118.8/CAL-2026-000123","name":"已有"}"#,
            "\n",
        ),
    )
    .expect("write");
    ws.cmd()
        .args(["instrument", "import"])
        .arg(&path)
        .assert()
        .failure()
        .stderr(predicate::str::contains("有 2 行有误，整个文件未导入"))
        .stderr(predicate::str::contains("第 2 行: 校准日期"))
        .stderr(predicate::str::contains("第 3 行: 标识与第 1 行重复"));
    assert_eq!(ws.write_counts(), before);

    // With the bad rows fixed, the one already registered still stops the whole file.
    std::fs::write(
        &path,
        concat!(
            r#"{"identifier":"88.118.8/J-1","name":"温度计"}"#,
            "\n",
            r#"{"identifier":"88.118.8/CAL-2026-000123","name":"已有"}"#,
            "\n",
        ),
    )
    .expect("write");
    ws.cmd()
        .args(["instrument", "import"])
        .arg(&path)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "第 2 行: 仪器 88.118.8/CAL-2026-000123 已登记",
        ));
    assert_eq!(ws.write_counts(), before);
}

#[test]
fn an_uninitialised_folder_says_how_to_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    Command::cargo_bin("idstation")
        .expect("binary")
        .env("IDSTATION_DATA_DIR", dir.path())
        .args(["--lang", "zh-CN", "status"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "请先运行 `idstation init --prefix",
        ));
    assert!(std::fs::read_dir(dir.path()).expect("dir").next().is_none());
}

#[test]
fn dashboard_and_resolve_offer_what_the_app_shows() {
    let ws = Ws::new();
    ws.cmd()
        .args([
            "instrument",
            "add",
            "--id",
            "88.118.8/DASH-1",
            "--name",
            "电子天平",
            "--status",
            "准用",
        ])
        .assert()
        .success();
    ws.cmd()
        .arg("dashboard")
        .assert()
        .success()
        .stdout(predicate::str::contains("仪器总数: 1"))
        .stdout(predicate::str::contains("准用: 1"))
        .stdout(predicate::str::contains("未连接节点"));
    let out = ws
        .cmd()
        .args(["--json", "dashboard"])
        .output()
        .expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["counts"][2]["key"], "restricted");
    assert_eq!(v["counts"][2]["count"], 1);
    // A scanned resolver URL opens the local record; an unknown identifier says so.
    ws.cmd()
        .args(["resolve", "HTTPS://ID.EXAMPLE.CN/88.118.8/DASH-1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("电子天平"));
    ws.cmd()
        .args(["--json", "resolve", "hdl:88.118.8/NOBODY"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"kind\": \"unknown\""));
    ws.cmd()
        .args(["resolve", "不是标识"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("“不是标识”不是标识"));
}

#[test]
fn list_and_search_combine_search_text_with_filters() {
    let ws = Ws::new();
    for (id, name, status, owner) in [
        ("88.118.8/P-1", "数字压力计", "在用", "华东计量"),
        ("88.118.8/P-2", "压力变送器", "停用", "华东计量"),
        ("88.118.8/P-3", "压力表", "停用", "南京电力"),
        ("88.118.8/P-4", "电子天平", "停用", "南京电力"),
    ] {
        ws.cmd()
            .args(["instrument", "add", "--id", id, "--name", name])
            .args(["--status", status, "--owner", owner])
            .assert()
            .success();
    }
    let ids = |v: &Value| -> Vec<String> {
        let mut ids: Vec<String> = v
            .as_array()
            .expect("records")
            .iter()
            .filter_map(|r| r["identifier"].as_str().map(str::to_owned))
            .collect();
        ids.sort();
        ids
    };
    // `list` takes search text beside its filters: the app's table does the same.
    let listed = ws.json(&[
        "instrument",
        "list",
        "--query",
        "压力",
        "--status",
        "stopped",
    ]);
    assert_eq!(ids(&listed), ["88.118.8/P-2", "88.118.8/P-3"]);
    let listed = ws.json(&[
        "instrument",
        "list",
        "-q",
        "压力",
        "--status",
        "停用",
        "--owner",
        "南京电力",
    ]);
    assert_eq!(ids(&listed), ["88.118.8/P-3"]);
    // Filters alone list as before; text alone finds every match.
    assert_eq!(
        ids(&ws.json(&["instrument", "list", "--status", "stopped"])),
        ["88.118.8/P-2", "88.118.8/P-3", "88.118.8/P-4"]
    );
    assert_eq!(
        ids(&ws.json(&["instrument", "list", "-q", "压力"])).len(),
        3
    );
    // `search` takes the same filters.
    let found = ws.json(&["instrument", "search", "压力", "--owner", "华东计量"]);
    assert_eq!(ids(&found["hits"]), ["88.118.8/P-1", "88.118.8/P-2"]);
    assert_eq!(found["truncated"], false);
    // More hits than shown: said, in both outputs.
    let one = ws.json(&["instrument", "search", "压力", "--limit", "1"]);
    assert_eq!(
        (ids(&one["hits"]).len(), &one["truncated"]),
        (1, &Value::Bool(true))
    );
    ws.cmd()
        .args(["instrument", "search", "压力", "--limit", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("还有更多结果"));
    // A status that is none is the form's field error.
    ws.cmd()
        .args(["instrument", "list", "-q", "压力", "--status", "broken"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("未知状态“broken”"));
}

/// `idstation … | head`: the reader stops early and the pipe closes; the listing ends quietly
/// with success, as Unix tools do, instead of panicking on the broken pipe.
#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    use std::io::Read as _;
    let ws = Ws::new();
    ws.cmd().args(["demo", "--count", "300"]).assert().success();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("idstation"))
        .env("IDSTATION_DATA_DIR", ws.path())
        .env("IDSTATION_USER", "王芳")
        .env("LANG", "C.UTF-8")
        .args(["--json", "instrument", "list", "--limit", "300"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut head = [0u8; 100];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut head)
        .expect("the first bytes");
    // (The pipe is closed here, with far more than a pipe's 64 KiB still to come.)
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let full = ws
        .cmd()
        .args(["--json", "instrument", "list", "--limit", "300"])
        .output()
        .expect("run");
    assert!(
        full.stdout.len() > 256 * 1024,
        "the listing outgrows the pipe: {} bytes",
        full.stdout.len()
    );
}

/// A UTF-8 file with one bad byte is refused at its line and byte offset, in the person's
/// language, and nothing is imported (read as GB18030 it would have imported mojibake).
#[test]
fn an_import_with_a_bad_byte_is_refused_where_the_byte_is() {
    let ws = Ws::new();
    let before = ws.write_counts();
    let mut bytes = "标识,名称,型号,所属单位,校准日期\n88.118.8/IMP-1,电子天平,"
        .as_bytes()
        .to_vec();
    let offset = bytes.len();
    bytes.extend_from_slice(b"\xB1\xED,BSA224S,");
    bytes.extend_from_slice("南京电力设备厂,2026-05-01\n".as_bytes());
    let path = ws.path().join("in.csv");
    std::fs::write(&path, &bytes).expect("write");
    ws.cmd()
        .args(["instrument", "import"])
        .arg(&path)
        .assert()
        .failure()
        .stderr(predicate::str::contains("第 2 行"))
        .stderr(predicate::str::contains(format!(
            "第 {offset} 字节起不是有效的 UTF-8 文本"
        )));
    assert_eq!(ws.write_counts(), before, "nothing was imported");
}
