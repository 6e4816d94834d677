//! The monthly operating report across the real node and a real workstation: the figures reach
//! the workstation through sync (registration-to-resolvable times, incidents, maintenance
//! among them), the report is drafted and issued there, and the issued report reaches the node
//! through the outbox, immutable and audited. Hostile submissions change nothing.

mod common;

use common::*;
use idstation_model::{EntityKind, Field, InstrumentInput, OpKind, Operation, Payload};
use idstation_reports::{
    Draft, IssuedReport, Language, ReportInput, ReportNumber, Scope, Submission, YearMonth,
};
use idstation_workstation::Workstation;
use sha2::Digest as _;

fn this_month() -> String {
    idstation_reports::YearMonth::containing(
        idstation_reports::time::china_date(chrono::Utc::now()),
    )
    .to_string()
}

fn input(name: &str) -> InstrumentInput {
    let mut i = InstrumentInput::default();
    i.set(&Field::Name, name);
    i.set(&Field::Model, "DMM6500");
    i
}

fn tech(req: reqwest::blocking::RequestBuilder) -> reqwest::blocking::RequestBuilder {
    req.basic_auth("tech", Some(TECHNICIAN_PASSWORD))
}

fn report_input(c: &Client, node: &Node, who: &str, query: &str) -> (u16, Value) {
    let req = c.get(node.url(&format!("/api/v1/sync/report-input?{query}")));
    let req = if who == "tech" { tech(req) } else { admin(req) };
    done(req.send().expect("report input"))
}

#[test]
fn a_report_is_drafted_from_synced_figures_issued_and_kept_immutable_at_the_node() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    approved_technician(&node);
    let c = client();
    let month = this_month();

    // The scope follows the caller; another enterprise's figures, or a bad month, are refused.
    let (status, body) = report_input(&c, &node, "operator", &format!("month={month}"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"]["kind"], "node", "{body}");
    let (status, body) = report_input(&c, &node, "tech", &format!("month={month}"));
    assert_eq!(
        (status, body["scope"]["prefix"].clone()),
        (200, json!("88.118.8"))
    );
    let (status, _) = report_input(&c, &node, "tech", &format!("month={month}&prefix=88.118"));
    assert_eq!(status, 403);
    let (status, body) = report_input(&c, &node, "tech", "month=2026-13");
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("2026-13"),
        "{body}"
    );

    // The operator writes up an incident; bad ones are refused and change nothing.
    let incidents = node.url("/api/v1/incidents");
    for (bad, field) in [
        (
            json!({"start": "noon", "kind": 2, "cause": "c", "fix": "f"}),
            "start",
        ),
        (
            json!({"start": "2026-12-01T08:00:00+08:00", "recovered": "2026-12-01T07:00:00+08:00",
                   "kind": 2, "cause": "c", "fix": "f"}),
            "recovered",
        ),
        (
            json!({"start": "2026-12-01T08:00:00+08:00", "kind": 5, "cause": "c", "fix": "f"}),
            "kind",
        ),
        (
            json!({"start": "2026-12-01T08:00:00+08:00", "kind": 1, "cause": " ", "fix": "f"}),
            "cause",
        ),
    ] {
        let (status, body) = done(admin(c.post(&incidents)).json(&bad).send().expect("post"));
        assert_eq!(
            (status, body["field"].clone()),
            (400, json!(field)),
            "{bad}: {body}"
        );
    }
    let (status, _) = done(
        tech(c.post(&incidents))
            .json(
                &json!({"start": "2026-12-01T08:00:00+08:00", "kind": 1, "cause": "c", "fix": "f"}),
            )
            .send()
            .expect("post"),
    );
    assert_eq!(status, 403, "only the operator writes incidents up");
    let start = chrono::Utc::now() - chrono::Duration::minutes(30);
    let recovered = start + chrono::Duration::minutes(12);
    let (status, body) = done(
        admin(c.post(&incidents))
            .json(&json!({"start": start.to_rfc3339(), "recovered": recovered.to_rfc3339(),
                          "kind": 1, "cause": "机房交换机端口故障", "fix": "更换端口并启用备用链路"}))
            .send()
            .expect("post"),
    );
    assert_eq!(status, 201, "{body}");
    let (_, listed) = done(tech(c.get(&incidents)).send().expect("list"));
    assert_eq!(
        listed["incidents"].as_array().map(Vec::len),
        Some(1),
        "{listed}"
    );

    // A workstation registers offline; the registrations become resolvable at its next sync,
    // and the figures come back with it.
    let mut ws = Workstation::init(&dir.path().join("ws"), "88.118.8", "王工").expect("init");
    ws.sync_login(&node.base, "tech", TECHNICIAN_PASSWORD, "ws")
        .expect("sign in");
    let first = ws.sync_now(&mut |_| {}).expect("sync");
    assert_eq!(first.report_months, 2, "{first:?}");
    for name in ["数字万用表", "压力变送器"] {
        ws.register_minted(&input(name)).expect("register");
    }
    // The node stamps in whole seconds: two seconds apart is at least one.
    std::thread::sleep(std::time::Duration::from_millis(2_100));
    let second = ws.sync_now(&mut |_| {}).expect("sync");
    assert_eq!(second.pushed.applied, 2, "{second:?}");
    assert_eq!(
        second.report_months, 0,
        "figures pulled a moment ago are fresh"
    );
    ws.report_refresh(&month).expect("refresh");
    let stored = ws
        .store()
        .report_input(None, &month)
        .expect("read")
        .expect("pulled");
    let input: ReportInput = serde_json::from_str(&stored.input).expect("a report input");
    assert_eq!(input.scope.prefix(), "88.118.8");
    let effective: u64 = input.days.iter().map(|d| d.effective.count).sum();
    let secs: u64 = input.days.iter().map(|d| d.effective.total_secs).sum();
    assert_eq!(
        effective, 2,
        "both registrations have their time to resolvable"
    );
    assert!(secs >= 2, "registered a second before the sync: {secs} s");
    assert_eq!(input.availability.incidents.len(), 1);
    assert_eq!(input.availability.incidents[0].cause, "机房交换机端口故障");
    let registered: u64 = input.days.iter().map(|d| d.registrations_new).sum();
    assert_eq!(registered, 2, "sync registrations count for the enterprise");

    // Draft, preview, issue.
    ws.report_set_section(&month, "summary", "本月运行平稳。")
        .expect("section");
    let view = ws
        .report_view(Some(&month), idstation_workstation::Lang::ZhCn)
        .expect("view");
    assert!(view.has_figures);
    let summary = view
        .sections
        .iter()
        .find(|s| s.key == "summary")
        .expect("summary");
    assert_eq!(summary.text, "本月运行平稳。");
    let number = format!("88.118.8-YB-{}-01", month.replace('-', ""));
    assert_eq!(view.next_number.as_deref(), Some(number.as_str()));
    let preview = ws.report_preview(&month).expect("preview");
    assert!(preview.pdf.starts_with(b"%PDF"));
    let issued = ws.report_issue(&month).expect("issue");
    assert_eq!(
        (issued.number.as_str(), issued.submission.as_str()),
        (number.as_str(), "waiting")
    );
    let synced = ws.sync_now(&mut |_| {}).expect("sync");
    assert_eq!(synced.pushed.applied, 1, "{synced:?}");
    let history = ws.issued_reports().expect("history");
    assert_eq!(history[0].submission, "applied", "{history:?}");

    // The node keeps it as issued: the same bytes, readable by its enterprise and the operator.
    let (status, listed) = done(
        tech(c.get(node.url("/api/v1/reports")))
            .send()
            .expect("list"),
    );
    assert_eq!(status, 200);
    assert_eq!(listed["reports"][0]["number"], number.as_str(), "{listed}");
    assert_eq!(listed["reports"][0]["sha256"], issued.sha256.as_str());
    let pdf = admin(c.get(node.url(&format!("/api/v1/reports/{number}/pdf"))))
        .send()
        .expect("pdf")
        .bytes()
        .expect("bytes");
    assert_eq!(hex::encode(sha2::Sha256::digest(&pdf)), issued.sha256);
    let local = ws.issued_report_files(&number).expect("local files");
    assert_eq!(local.pdf, pdf.to_vec());

    // Issuing again corrects it: the next version, naming the one it replaces.
    let v2 = ws.report_issue(&month).expect("correction");
    assert_eq!(v2.supersedes.as_deref(), Some(number.as_str()));
    assert!(v2.number.ends_with("-02"));
    assert_eq!(ws.sync_now(&mut |_| {}).expect("sync").pushed.applied, 1);

    // Hostile submissions from another device change nothing: tampered bytes, a number taken
    // with other contents, a prefix the device does not write under.
    let device = uuid::Uuid::now_v7();
    let (status, body) = done(
        tech(c.post(node.url("/api/v1/devices")))
            .json(&json!({"id": device.to_string(), "name": "script"}))
            .send()
            .expect("device"),
    );
    assert_eq!(status, 201, "{body}");
    let m = YearMonth::parse(&month).expect("month");
    let scope = Scope::Enterprise {
        prefix: "88.118.8".into(),
        name: "华东计量".into(),
    };
    let submit = |seq: u64, scope: &Scope, number: ReportNumber, pdf: &[u8], claimed: &[u8]| {
        let draft = Draft::new(scope.clone(), m, Language::Zh);
        let issued = IssuedReport::issue(
            &draft,
            number.clone(),
            chrono::Utc::now(),
            "x",
            claimed,
            b"csv",
            None,
        )
        .expect("issued");
        let sub = Submission::new(&issued, pdf, b"csv");
        let op = Operation {
            op_id: uuid::Uuid::now_v7(),
            device_id: device,
            seq,
            hlc: "0000000000000000-1".into(),
            entity: EntityKind::Report,
            entity_id: number.to_string(),
            kind: OpKind::Create,
            payload: Payload::from_json(serde_json::to_string(&sub).expect("json"))
                .expect("payload"),
        };
        let (status, body) = done(
            tech(c.post(node.url("/api/v1/sync/push")))
                .json(&json!({"device_id": device, "ops": [op]}))
                .send()
                .expect("push"),
        );
        assert_eq!(status, 200, "{body}");
        (
            body["results"][0]["outcome"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            body["results"][0]["reason_code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    let first_number = ReportNumber::first(&scope, m);
    assert_eq!(
        submit(
            1,
            &scope,
            first_number.clone(),
            b"%PDF forged",
            b"%PDF claimed"
        ),
        ("rejected".into(), "report_hash_mismatch".into())
    );
    assert_eq!(
        submit(2, &scope, first_number, b"%PDF other", b"%PDF other"),
        ("rejected".into(), "report_number_taken".into())
    );
    let node_scope = Scope::Node {
        prefix: "88.118".into(),
    };
    assert_eq!(
        submit(
            3,
            &node_scope,
            ReportNumber::first(&node_scope, m),
            b"%PDF",
            b"%PDF"
        ),
        ("rejected".into(), "not_allowed".into())
    );
    let (_, listed) = done(
        admin(c.get(node.url("/api/v1/reports")))
            .send()
            .expect("list"),
    );
    assert_eq!(
        listed["reports"].as_array().map(Vec::len),
        Some(2),
        "{listed}"
    );

    // Nobody reads another enterprise's report.
    assert_eq!(
        done(
            c.get(node.url(&format!("/api/v1/reports/{number}/pdf")))
                .send()
                .expect("anon")
        )
        .0,
        401
    );

    // At rest it cannot change, and the audit chain holds the issues.
    node.terminate();
    let conn = rusqlite::Connection::open(data_dir.join("node.sqlite")).expect("open");
    let changed = conn.execute(
        "UPDATE issued_reports SET issued_by = 'someone else' WHERE number = ?1",
        [&number],
    );
    assert!(changed.is_err(), "an issued report cannot be changed");
    assert!(conn
        .execute("DELETE FROM issued_reports WHERE number = ?1", [&number])
        .is_err());
    let issues: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'report_issue'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(issues, 2);
    drop(conn);
    let (ok, out) = node_cli(&[
        "audit",
        "verify",
        "--data-dir",
        data_dir.to_str().expect("utf-8"),
    ]);
    assert!(ok, "{out}");
    // And at the workstation too.
    let wconn =
        rusqlite::Connection::open(dir.path().join("ws").join("workstation.sqlite")).expect("open");
    assert!(wconn
        .execute(
            "UPDATE issued_reports SET sha256 = 'x' WHERE number = ?1",
            [&number]
        )
        .is_err());
    drop(wconn);
    ws.verify()
        .expect("workstation audit chain and consistency");
}

#[test]
fn the_command_line_drafts_previews_issues_and_exports_as_the_app_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    approved_technician(&node);
    let station = dir.path().join("station");
    let mut ws = Workstation::init(&station, "88.118.8", "王芳").expect("init");
    ws.sync_login(&node.base, "tech", TECHNICIAN_PASSWORD, "工作站")
        .expect("sign in");
    drop(ws);
    let month = this_month();
    let idstation = |args: &[&str]| {
        let out = Command::new(cli_bin())
            .args(["--lang", "zh-CN"])
            .args(args)
            .env("IDSTATION_DATA_DIR", &station)
            .env("IDSTATION_SECRETS", "file")
            .output()
            .expect("run idstation");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    // Before any pull: said plainly, nothing made.
    let (ok, _, err) = idstation(&["report", "draft", "--month", &month]);
    assert!(!ok);
    assert!(err.contains(&format!("没有 {month} 的运行数据")), "{err}");
    let (ok, _, err) = idstation(&["report", "draft", "--month", "2026-13"]);
    assert!(!ok && err.contains("2026-13"), "{err}");

    let (ok, out, err) = idstation(&["report", "refresh", "--month", &month]);
    assert!(ok, "{err}");
    assert!(out.contains(&month), "{out}");
    let (ok, _, err) = idstation(&[
        "report",
        "draft",
        "--month",
        &month,
        "--section",
        "nope",
        "--text",
        "x",
    ]);
    assert!(!ok && err.contains("nope"), "{err}");
    let (ok, draft, err) = idstation(&[
        "--json",
        "report",
        "draft",
        "--month",
        &month,
        "--section",
        "maintenance",
        "--text",
        "本月无计划维护。",
    ]);
    assert!(ok, "{err}");
    let draft: Value = serde_json::from_str(&draft).expect("json");
    assert_eq!(draft["sections"][2]["key"], "maintenance");
    assert_eq!(draft["sections"][2]["text"], "本月无计划维护。");

    let previews = dir.path().join("previews");
    std::fs::create_dir_all(&previews).expect("dir");
    let (ok, out, err) = idstation(&[
        "report",
        "preview",
        "--month",
        &month,
        "--out-dir",
        previews.to_str().expect("utf-8"),
    ]);
    assert!(ok, "{err}");
    let pdf = previews.join(format!("report-{month}-draft.pdf"));
    assert!(out.contains(pdf.to_str().expect("utf-8")), "{out}");
    assert!(std::fs::read(&pdf).expect("pdf").starts_with(b"%PDF"));
    // A file there already is never overwritten.
    let (ok, _, err) = idstation(&[
        "report",
        "preview",
        "--month",
        &month,
        "--out-dir",
        previews.to_str().expect("utf-8"),
    ]);
    assert!(!ok && err.contains("report-"), "{err}");

    let (ok, issued, err) = idstation(&["--json", "report", "issue", "--month", &month]);
    assert!(ok, "{err}");
    let issued: Value = serde_json::from_str(&issued).expect("json");
    let number = issued["number"].as_str().expect("number").to_owned();
    assert_eq!(number, format!("88.118.8-YB-{}-01", month.replace('-', "")));
    let (ok, listed, err) = idstation(&["report", "list"]);
    assert!(ok, "{err}");
    assert!(
        listed.contains(&number) && listed.contains("待提交至节点"),
        "{listed}"
    );

    let exported = dir.path().join("exported");
    std::fs::create_dir_all(&exported).expect("dir");
    let (ok, _, err) = idstation(&[
        "report",
        "export",
        &number,
        "--out-dir",
        exported.to_str().expect("utf-8"),
    ]);
    assert!(ok, "{err}");
    let bytes = std::fs::read(exported.join(format!("{number}.pdf"))).expect("exported pdf");
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&bytes)),
        issued["sha256"].as_str().expect("sha")
    );
    let (ok, _, err) = idstation(&[
        "report",
        "export",
        "88.118.8-YB-209901-01",
        "--out-dir",
        ".",
    ]);
    assert!(!ok && err.contains("88.118.8-YB-209901-01"), "{err}");
}
