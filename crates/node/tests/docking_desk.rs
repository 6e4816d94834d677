//! The operator's docking desk in the desktop app (`workstation::docking`), against the real
//! node binary: signing in as a person, forms built from the node's schema, the node's field
//! refusals reaching the right input in the person's language, a stale edit refused, a JSON
//! field checked before anything is sent, and the uplink's reports listed, filtered and sent
//! again under their keys. A technician may not see the uplink.

mod common;

use std::collections::BTreeMap;

use common::*;
use idstation_sync::SyncError;
use idstation_workstation::docking::DockingDesk;
use idstation_workstation::view::UiError;
use idstation_workstation::{Lang, WsError};

fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn the_operator_enters_docking_records_and_resends_reports_from_the_desk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, _data_dir, outbox) = docking_node(dir.path());
    let c = client();
    let token = operator_token(&c, &node);
    let base = node.url("");

    // A wrong password is the node's refusal, said in the person's language.
    let wrong = DockingDesk::sign_in(&base, "operator", "not-the-password").err();
    assert!(
        matches!(wrong, Some(WsError::Sync(SyncError::Unauthorized))),
        "{wrong:?}"
    );

    let desk = DockingDesk::sign_in(&base, "operator", OPERATOR_PASSWORD).expect("sign in");
    let who = desk.view(Lang::ZhCn);
    assert!(who.is_operator);
    assert_eq!(who.role_label, "平台运营者");
    assert_eq!(desk.view(Lang::En).role_label, "platform operator");

    // Forms come from the node's schema: entered tables only, system fields left out.
    let tables = desk.tables(Lang::ZhCn);
    let codes: Vec<&str> = tables.iter().map(|t| t.code.as_str()).collect();
    for code in ["T01", "T02", "T04", "T05", "T06", "T07", "T10", "T11"] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    for code in ["T03", "T08", "T09", "A2-1"] {
        assert!(!codes.contains(&code), "{code} is measured, not entered");
    }
    let t01 = tables.iter().find(|t| t.code == "T01").expect("T01");
    assert_eq!(t01.fields.len(), 45, "table 1 has 45 fields");
    let nature = t01
        .fields
        .iter()
        .find(|f| f.name == "orgNature")
        .expect("orgNature");
    assert_eq!(
        (nature.kind.as_str(), nature.label.as_str()),
        ("select", "单位性质")
    );
    assert!(nature.options.iter().any(|o| o.label == "3 民营企业"));
    let division = t01
        .fields
        .iter()
        .find(|f| f.name == "industryDivision")
        .expect("industryDivision");
    assert!(
        division.options.iter().all(|o| o.value.len() == 3),
        "level 2 offers 大类 only (M74): {:?}",
        &division.options[..3]
    );
    let t05 = tables.iter().find(|t| t.code == "T05").expect("T05");
    assert!(
        t05.fields.iter().all(|f| f.name != "nodePrefix"),
        "system field shown"
    );
    let en = desk.tables(Lang::En);
    let en01 = en.iter().find(|t| t.code == "T01").expect("T01");
    assert_eq!(en01.title, "operating organisation");
    assert_eq!(en01.fields[0].label, "Org name");

    // A wrong check character: the node names the field, and the form marks it.
    let bad = form(&[
        ("orgName", "华东计量测试有限公司"),
        ("creditCode", "91310115MA1K3YJ2X0"),
    ]);
    let err = desk
        .save_record("T01", &bad, None, Lang::ZhCn)
        .expect_err("bad USCC refused");
    let zh = UiError::new(&err, Lang::ZhCn);
    let en = UiError::new(&err, Lang::En);
    assert_eq!(zh.fields.len(), 1, "{zh:?}");
    assert_eq!(zh.fields[0].field, "creditCode");
    assert_ne!(zh.message, en.message, "one message per language");
    assert!(
        zh.message
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{}",
        zh.message
    );
    assert!(desk.records("T01", Lang::ZhCn).expect("list").is_empty());

    // A good one is saved; the list shows it with its values as the form reads them.
    let code = uscc("91310115MA1K3YJ2X");
    let good = form(&[
        ("orgName", "华东计量测试有限公司"),
        ("creditCode", &code.to_lowercase()),
        ("orgNature", "3"),
        ("staffCount", "120"),
        ("registeredCapital", ""),
    ]);
    let saved = desk
        .save_record("T01", &good, None, Lang::ZhCn)
        .expect("save");
    assert_eq!(saved.key, code, "the key in its canonical form");
    let listed = desk.records("T01", Lang::ZhCn).expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].values["orgNature"], "3");
    assert_eq!(listed[0].values["staffCount"], "120");
    assert!(
        !listed[0].values.contains_key("registeredCapital"),
        "a blank is left out"
    );
    assert_eq!(listed[0].status_label, "有效");

    // An attachment: a file uploaded to the node, the field holding its SHA-256. Too large a
    // file is refused before it is sent; a file that is no picture or PDF by the node.
    let png = dir.path().join("营业执照.png");
    std::fs::write(&png, PNG).expect("png");
    let sha = desk.upload_attachment(&png, None).expect("upload");
    assert_eq!(sha.len(), 64, "{sha}");
    let mut with_licence = good.clone();
    with_licence.insert("businessLicense".into(), sha.clone());
    let saved = desk
        .save_record("T01", &with_licence, Some(saved.revision), Lang::ZhCn)
        .expect("save with the attachment");
    assert_eq!(saved.values["businessLicense"], sha);
    let huge = dir.path().join("huge.pdf");
    std::fs::File::create(&huge)
        .and_then(|f| f.set_len(10 * 1024 * 1024 + 1))
        .expect("sparse file");
    let err = desk.upload_attachment(&huge, None).expect_err("too large");
    assert!(matches!(err, WsError::AttachmentTooLarge { .. }), "{err:?}");
    assert!(
        err.message(Lang::ZhCn).contains("10.0 MB"),
        "{}",
        err.message(Lang::ZhCn)
    );
    let text = dir.path().join("notes.pdf");
    std::fs::write(&text, "not a pdf").expect("text");
    let err = desk.upload_attachment(&text, None).expect_err("no PDF");
    assert_eq!(UiError::new(&err, Lang::ZhCn).fields[0].field, "file");
    let listed = desk.records("T01", Lang::ZhCn).expect("list");

    // An edit of a record someone changed meanwhile is refused, and changes nothing.
    let mut edit = listed[0].values.clone();
    edit.insert("orgName".into(), "华东计量（新名称）".into());
    desk.save_record("T01", &edit, Some(listed[0].revision), Lang::ZhCn)
        .expect("first edit");
    let stale = desk.save_record(
        "T01",
        &form(&[("creditCode", &code), ("orgName", "旧页面")]),
        Some(listed[0].revision),
        Lang::ZhCn,
    );
    assert!(stale.is_err(), "a stale revision is refused");
    let now = desk.records("T01", Lang::ZhCn).expect("list");
    assert_eq!(now[0].values["orgName"], "华东计量（新名称）");
    // Fields the node sets are not the form's to send.
    let mut with_system = form(&[("statMonth", "2026-11"), ("nodePrefix", "88.999")]);
    let err = desk
        .save_record("T05", &with_system, None, Lang::ZhCn)
        .expect_err("a system field is refused before sending");
    assert!(
        matches!(err, WsError::NotInDockingSchema(ref f) if f == "nodePrefix"),
        "{err:?}"
    );

    // JSON fields hold JSON: checked here, nothing sent.
    let err = desk
        .save_record("T04", &form(&[("attributes", "not json")]), None, Lang::En)
        .expect_err("not JSON");
    assert_eq!(UiError::new(&err, Lang::En).fields[0].field, "attributes");
    assert!(desk.records("T04", Lang::ZhCn).expect("list").is_empty());

    // The month's business overview, then its report: no endpoint, so it is filed.
    with_system.remove("nodePrefix");
    with_system.insert("registrationsNew".into(), "42".into());
    desk.save_record("T05", &with_system, None, Lang::ZhCn)
        .expect("T05 saved");
    let (status, body) = done(
        c.post(node.url("/api/v1/uplink/generate"))
            .bearer_auth(&token)
            .json(&json!({"item": "T05", "period": "2026-11"}))
            .send()
            .expect("generate"),
    );
    assert_eq!(status, 200, "{body}");

    // The node files reports in the background: wait until the desk sees it filed.
    let mut view = desk.uplink(None, Lang::ZhCn).expect("uplink");
    for _ in 0..100 {
        if view
            .reports
            .iter()
            .any(|r| r.item == "T05" && r.state == "filed")
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        view = desk.uplink(None, Lang::ZhCn).expect("uplink");
    }
    let row = view
        .reports
        .iter()
        .find(|r| r.item == "T05")
        .expect("the T05 report listed")
        .clone();
    assert_eq!(row.state, "filed", "{row:?}");
    assert_eq!(row.item_label, "T05 二级节点业务概况");
    assert_eq!(row.about, "2026-11");
    assert!(row.can_resend && row.file.is_some(), "{row:?}");
    let filed = view
        .counts
        .iter()
        .find(|c| c.state == "filed")
        .expect("filed count");
    assert!(filed.count >= 1);
    assert_ne!(
        view.summary_tone,
        idstation_workstation::Tone::Ok,
        "reports only written to files are not a success: {}",
        view.summary
    );
    assert!(view.summary.contains("手动上传"), "{}", view.summary);
    let failed_only = desk.uplink(Some("failed"), Lang::ZhCn).expect("filter");
    assert!(failed_only.reports.iter().all(|r| r.state == "failed"));

    // Sent again under the same key: the same report, filed once more (its file rewritten).
    // Finished reports only: one being written is a `.part` until renamed.
    let reports_filed = || {
        std::fs::read_dir(&outbox)
            .expect("outbox")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
            })
            .count()
    };
    let files_before = reports_filed();
    let file = PathBuf::from(row.file.clone().expect("filed"));
    let written = || std::fs::metadata(&file).and_then(|m| m.modified()).ok();
    let first_written = written().expect("the filed report exists");
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(desk.resend(Some(&row.key)).expect("resend"), 1);
    let refiled = |v: &idstation_workstation::docking::UplinkView| {
        v.reports
            .iter()
            .find(|r| r.key == row.key)
            .is_some_and(|r| r.state == "filed")
            && written() != Some(first_written)
    };
    let mut again = desk.uplink(None, Lang::ZhCn).expect("uplink");
    for _ in 0..100 {
        if refiled(&again) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        again = desk.uplink(None, Lang::ZhCn).expect("uplink");
    }
    assert!(refiled(&again), "{:?}", again.reports);
    assert_eq!(
        again.reports.iter().filter(|x| x.item == "T05").count(),
        view.reports.iter().filter(|x| x.item == "T05").count(),
        "a resend is no new report"
    );
    assert_eq!(
        reports_filed(),
        files_before,
        "the same file, no second one"
    );

    // A technician signs in, but the uplink is the operator's.
    approved_technician(&node);
    let tech = DockingDesk::sign_in(&base, "tech", TECHNICIAN_PASSWORD).expect("tech");
    assert!(!tech.view(Lang::ZhCn).is_operator);
    let refused = tech.uplink(None, Lang::ZhCn).expect_err("operators only");
    assert_eq!(UiError::new(&refused, Lang::ZhCn).code, "node_refused");
}

#[test]
fn the_command_line_desk_does_what_the_app_s_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, _data_dir, _outbox) = docking_node(dir.path());
    let c = client();
    let token = operator_token(&c, &node);
    approved_technician(&node);
    let station = dir.path().join("station");
    let mut ws = idstation_workstation::Workstation::init(&station, "88.118.8", "王芳")
        .expect("init workstation");
    ws.sync_login(&node.base, "tech", TECHNICIAN_PASSWORD, "工作站")
        .expect("station signs in");
    drop(ws);
    let idstation = |args: &[&str]| {
        let out = Command::new(cli_bin())
            .args(["--lang", "zh-CN"])
            .args(args)
            .env("IDSTATION_DATA_DIR", &station)
            .env("IDSTATION_DOCKING_USER", "operator")
            .env("IDSTATION_PASSWORD", OPERATOR_PASSWORD)
            .env("IDSTATION_SECRETS", "file")
            .output()
            .expect("run idstation");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    let (ok, fields, err) = idstation(&["docking", "fields", "t01"]);
    assert!(ok, "{err}");
    assert!(
        fields.contains("T01-02* creditCode (key)  统一社会信用代码  [text]"),
        "{fields}"
    );

    let (ok, saved, err) = idstation(&[
        "--json",
        "docking",
        "set",
        "T05",
        "--field",
        "statMonth=2026-10",
        "--field",
        "registrationsNew=7",
    ]);
    assert!(ok, "{err}");
    let saved: Value = serde_json::from_str(&saved).expect("json");
    assert_eq!(saved[0]["key"], "2026-10", "{saved}");
    assert_eq!(saved[0]["values"]["registrationsNew"], "7");

    // A refused field: the node's words, exit code not 0, nothing saved.
    let (ok, _, err) = idstation(&["docking", "set", "T05", "--field", "statMonth=2026-13"]);
    assert!(!ok);
    assert!(err.contains("统计月份"), "{err}");
    let (ok, records, err) = idstation(&["--json", "docking", "records", "T05"]);
    assert!(ok, "{err}");
    let records: Value = serde_json::from_str(&records).expect("json");
    assert_eq!(records.as_array().map(Vec::len), Some(1), "{records}");

    let (status, body) = done(
        c.post(node.url("/api/v1/uplink/generate"))
            .bearer_auth(&token)
            .json(&json!({"item": "T05", "period": "2026-10"}))
            .send()
            .expect("generate"),
    );
    assert_eq!(status, 200, "{body}");
    let mut key = None;
    for _ in 0..100 {
        let (ok, listed, err) = idstation(&["--json", "docking", "uplink", "--state", "filed"]);
        assert!(ok, "{err}");
        let listed: Value = serde_json::from_str(&listed).expect("json");
        key = listed["reports"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["item"] == "T05"))
            .and_then(|r| r["key"].as_str().map(str::to_owned));
        if key.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let key = key.expect("the T05 report is filed");
    let (ok, text, err) = idstation(&["docking", "uplink"]);
    assert!(ok, "{err}");
    assert!(text.contains("需手动上传") && text.contains(&key), "{text}");
    let (ok, text, err) = idstation(&["docking", "resend", &key]);
    assert!(ok, "{err}");
    assert!(text.contains("已将 1 份报告重新排入发送队列"), "{text}");

    // Maintenance mode from the command line: on once, listed, off.
    let (ok, text, err) = idstation(&["docking", "maintenance", "on", "数据库升级"]);
    assert!(ok, "{err}");
    assert!(
        text.contains("维护模式已开启") && text.contains("数据库升级"),
        "{text}"
    );
    let (ok, _, err) = idstation(&["docking", "maintenance", "on", "又一次"]);
    assert!(!ok && err.contains("维护模式已开启"), "{err}");
    let (ok, text, err) = idstation(&["--json", "docking", "maintenance", "off"]);
    assert!(ok, "{err}");
    let view: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(view["on"], false, "{view}");
    assert_eq!(view["windows"][0]["description"], "数据库升级");
    assert!(view["windows"][0]["end"].is_string(), "{view}");
}
