//! Docking with the top-level node through the real binary: every field of the eleven annex-1
//! tables and the annex-2 items entered (or caused) through the HTTP API reaches a generated
//! report under its code; self-registration and verification of an enterprise node; field
//! rules with their words; personal fields sealed at rest and masked for roles that do not
//! need them; attachments told by their magic bytes.

mod common;

use std::collections::BTreeMap;

use common::*;

const PASSWORD: &str = "calib2026";
const ENTERPRISE: &str = "88.118.8";

/// The operator's part, played by the prefix administrator (the operator account's own first
/// sign-in must replace its password).
fn op(req: RequestBuilder) -> RequestBuilder {
    admin(req)
}

/// A PDF header (the PNG is in `common`): attachments are told by their first bytes.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// A valid value for every writable field of a table, made from the schema the node serves,
/// so the test follows the schema when a field is corrected.
fn values(item: &Value, ctx: &BTreeMap<&str, String>) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for f in item["fields"].as_array().expect("fields") {
        if f["system"].as_bool() == Some(true) {
            continue;
        }
        let name = f["name"].as_str().expect("name");
        let level = f["level"].as_u64().unwrap_or(0);
        let v = match f["type"].as_str().expect("type") {
            "text" => json!(format!("{}测试", f["zh"].as_str().unwrap_or(name))
                .chars()
                .take(f["len"].as_u64().unwrap_or(20) as usize)
                .collect::<String>()),
            "uscc" => json!(uscc("91310115MA1K3YJ2X")),
            "id_number" => json!("11010519491231002X"),
            "mobile" => json!("13800138000"),
            "phone" => json!("021-68001234"),
            "email" => json!("docking@example.cn"),
            "date" => json!("2020-05-18"),
            "datetime" => json!("2026-11-30T10:00:00+08:00"),
            "month" => json!(ctx["month"]),
            "int" => json!(42),
            "decimal" => json!("5000.5"),
            "enum" => {
                let e = f["enum"].as_str().expect("enum");
                json!(ctx.get(e).cloned().unwrap_or_else(|| "1".into()))
            }
            "industry" => json!(["M7453", "M", "M74", "M745", "M7453"][level as usize]),
            "prefix" => json!(if name == "nodePrefix" {
                PREFIX.to_owned()
            } else {
                ctx["prefix"].clone()
            }),
            "ip" => json!("192.0.2.10"),
            "port" => json!(2641),
            "url" => json!("https://id.example.cn/docking"),
            "postcode" => json!("200120"),
            "attachment" => json!(ctx["attachment"]),
            "attributes" => json!([
                {"enName": "serialNo", "zhAlias": "出厂编号", "dataType": "string", "length": 64},
                {"enName": "calDate", "zhAlias": "校准日期", "dataType": "date"}
            ]),
            other => panic!("no test value for type {other}"),
        };
        out.insert(name.to_owned(), v);
    }
    out
}

/// Every report file in the outbox, by item code.
fn reports(outbox: &Path) -> BTreeMap<String, Vec<Value>> {
    let mut by_item: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for entry in std::fs::read_dir(outbox).into_iter().flatten().flatten() {
        // A report is written as `.part` and renamed: only finished ones are read (reading a
        // `.part` raced its rename and failed now and then).
        if entry.path().extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("report file");
        let body: Value = serde_json::from_str(&text).expect("report JSON");
        by_item
            .entry(body["item"]["code"].as_str().expect("code").to_owned())
            .or_default()
            .push(body);
    }
    by_item
}

/// Waits (bounded) until the outbox holds a report of every item in `codes`.
fn wait_for(outbox: &Path, codes: &[&str]) -> BTreeMap<String, Vec<Value>> {
    for _ in 0..200 {
        let r = reports(outbox);
        if codes.iter().all(|c| r.contains_key(*c)) {
            return r;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let r = reports(outbox);
    panic!(
        "reports of {:?} missing; have {:?}",
        codes
            .iter()
            .filter(|c| !r.contains_key(**c))
            .collect::<Vec<_>>(),
        r.keys()
    );
}

/// What the generated test values depend on: the enterprise, a past month, enumeration codes.
fn base_ctx() -> BTreeMap<&'static str, String> {
    let mut ctx = BTreeMap::new();
    ctx.insert("prefix", ENTERPRISE.into());
    ctx.insert("month", "2026-10".into());
    ctx.insert("ip_type", "4".into());
    ctx.insert("protocol", "TCP".into());
    ctx.insert("code_type", "Handle".into());
    ctx.insert("mlps_level", "3".into());
    ctx.insert("attachment", String::new());
    ctx
}

fn upload(c: &Client, node: &Node, bytes: &[u8], query: &str) -> (u16, Value) {
    done(
        op(c.post(node.url(&format!("/api/v1/docking/attachments?{query}"))))
            .body(bytes.to_vec())
            .send()
            .expect("upload"),
    )
}

fn put(c: &Client, node: &Node, item: &str, fields: &serde_json::Map<String, Value>) -> Value {
    let (status, body) = done(
        op(c.post(node.url(&format!("/api/v1/docking/{item}/records"))))
            .json(&json!({ "fields": fields }))
            .send()
            .expect("put"),
    );
    assert_eq!(status, 200, "{item}: {body}");
    body
}

/// An enterprise applies (pending account and table-6 record) and the operator approves the
/// account; returns the schema and the enterprise's table-6 fields.
fn apply(
    c: &Client,
    node: &Node,
    ctx: &BTreeMap<&str, String>,
) -> (Value, serde_json::Map<String, Value>) {
    let (status, schema) = done(
        c.get(node.url("/api/v1/docking/schema"))
            .send()
            .expect("schema"),
    );
    assert_eq!(status, 200);
    let t6 = schema["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["code"] == "T06")
        .expect("T06")
        .clone();
    let all = values(&t6, ctx);
    // What an applicant must give, nothing else (no attachments before an account exists).
    let apply_only: serde_json::Map<String, Value> = all
        .iter()
        .filter(|(name, _)| {
            t6["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .any(|f| f["name"] == **name && f["required"] == "apply")
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let (status, body) = done(
        c.post(node.url("/api/v1/docking/applications"))
            .json(&json!({
                "account": {"username": "zhang.admin", "password": PASSWORD, "display_name": "张经理",
                            "role": "enterprise_admin", "enterprise_prefix": ENTERPRISE},
                "record": apply_only,
            }))
            .send()
            .expect("apply"),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["record"]["status"], "submitted");
    assert_eq!(body["record"]["fields"]["verifyResult"], "0");
    let id = body["account"]["id"].as_i64().expect("id");
    let (status, _) = done(
        admin(c.post(node.url(&format!("/api/v1/accounts/{id}/approve"))))
            .send()
            .expect("approve"),
    );
    assert_eq!(status, 200);
    (schema, all)
}

#[test]
fn every_table_and_annex_2_item_reaches_a_report_with_every_field_and_its_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, data_dir, outbox) = docking_node(dir.path());
    let c = client();
    let mut ctx = base_ctx();
    let month = ctx["month"].clone();
    let (schema, _) = apply(&c, &node, &ctx);

    let (status, body) = upload(
        &c,
        &node,
        PNG,
        &format!("name=licence.png&enterprise_prefix={ENTERPRISE}"),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["attachment"]["mime"], "image/png");
    ctx.insert(
        "attachment",
        body["attachment"]["sha256"]
            .as_str()
            .expect("sha")
            .to_owned(),
    );
    let item = |code: &str| {
        schema["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["code"] == code)
            .expect("item")
            .clone()
    };

    // What each entered table gets; the operator completes and verifies table 6.
    let mut entered: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
    for code in ["T01", "T02", "T04", "T05", "T06", "T07", "T10", "T11"] {
        let mut c2 = ctx.clone();
        if code == "T02" || code == "T04" || code == "T05" || code == "T01" {
            c2.insert("prefix", PREFIX.into());
        }
        let fields = values(&item(code), &c2);
        put(&c, &node, code, &fields);
        entered.insert(code.to_owned(), fields);
    }
    let (status, body) = done(
        op(c.post(node.url(&format!("/api/v1/docking/T06/records/{ENTERPRISE}/verify"))))
            .json(&json!({"result": "1", "opinion": "材料齐全，同意接入"}))
            .send()
            .expect("verify"),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["record"]["status"], "verified");

    // Table 9 from a registration, the statistics from traffic, an event from an attack.
    let handle = format!("{ENTERPRISE}/DOCK-0001");
    let (status, _) = done(
        admin(c.put(node.url(&format!("/api/handles/{handle}"))))
            .json(
                &json!([{"index": 1, "type": "URL", "data": "https://id.example.cn/d/1"},
                          {"index": 2, "type": "IDS.TEMPLATE", "data": "CAL-INSTR@1.0"}]),
            )
            .send()
            .expect("register"),
    );
    assert_eq!(status, 201);
    for _ in 0..3 {
        c.get(node.url(&format!("/api/handles/{handle}")))
            .send()
            .expect("resolve");
    }
    for _ in 0..25 {
        c.get(node.url("/api/v1/me"))
            .basic_auth("operator", Some("wrong"))
            .send()
            .expect("refused");
    }
    let today =
        chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("cst"));
    let periods = [
        ("T03", today.format("%Y-%m-%d").to_string()),
        ("T08", today.format("%Y-%m-%d").to_string()),
        ("A2-1", today.format("%Y-%m-%d").to_string()),
        ("A2-2", today.format("%Y-%m-%d").to_string()),
        ("T09", today.format("%Y-%m-%dT%H").to_string()),
        ("T05", month.clone()),
        ("T10", month.clone()),
    ];
    for (code, period) in &periods {
        let (status, body) = done(
            op(c.post(node.url("/api/v1/uplink/generate")))
                .json(&json!({"item": code, "period": period}))
                .send()
                .expect("generate"),
        );
        assert_eq!(status, 200, "{code}: {body}");
        assert!(
            !body["generated"].as_array().expect("keys").is_empty(),
            "{code}: {body}"
        );
    }

    let all: Vec<&str> = schema["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["code"].as_str().expect("code"))
        .collect();
    let got = wait_for(&outbox, &all);
    for code in &all {
        let it = item(code);
        // The newest report of the period the test made (the node may have made others on
        // its own schedule, e.g. last month's overview).
        let subject = periods
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, p)| p.clone());
        let report = got[*code]
            .iter()
            .filter(|r| {
                *code == "T09" || subject.as_ref().is_none_or(|s| r["subject"] == s.as_str())
            })
            .max_by_key(|r| r["revision"].as_u64())
            .unwrap_or_else(|| panic!("{code}: no report for {subject:?}"));
        assert_eq!(report["nodePrefix"], PREFIX);
        assert!(report["idempotencyKey"]
            .as_str()
            .is_some_and(|k| k.starts_with(&format!("{PREFIX}/{code}/"))));
        let record = report["records"]
            .as_array()
            .expect("records")
            .iter()
            .find(|r| {
                // Per-enterprise items carry a record per enterprise; take the test enterprise's.
                r["fields"].as_array().expect("fields").iter().all(|f| {
                    !(f["name"] == "enterprisePrefix"
                        && !f["value"].is_null()
                        && f["value"] != ENTERPRISE)
                })
            })
            .unwrap_or_else(|| panic!("{code}: no record of {ENTERPRISE}: {report}"));
        let fields = record["fields"].as_array().expect("fields");
        for f in it["fields"].as_array().expect("schema fields") {
            let (fcode, name) = (
                f["code"].as_str().expect("code"),
                f["name"].as_str().expect("name"),
            );
            let found = fields
                .iter()
                .find(|x| x["code"] == fcode)
                .unwrap_or_else(|| panic!("{code}: field {fcode} missing"));
            assert_eq!(found["name"], name, "{fcode}");
            if let Some(v) = entered.get(*code).and_then(|e| e.get(name)) {
                let got = &found["value"];
                let same = got == v
                    || got
                        .as_str()
                        .zip(v.as_str())
                        .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
                    || (f["type"] == "attributes"
                        && got.as_array().map(Vec::len) == v.as_array().map(Vec::len));
                assert!(same, "{code} {fcode} {name}: sent {v}, reported {got}");
            } else if !["T06"].contains(code)
                && f["type"] != "json"
                && !(*code == "T09" && name.starts_with("template"))
            {
                // Generated items fill every field (a quiet day's figures are zeros, not gaps).
                // An abnormal event ends no other event.
                let nullable = (["A2-1"].contains(code) && name.ends_with("At"))
                    || (*code == "A2-3" && name == "endsEventId");
                assert!(
                    !found["value"].is_null() || nullable,
                    "{code} {fcode} {name} is empty: {record}"
                );
            }
        }
    }
    // Figures match the traffic: one registration, three resolutions of it.
    let t08 = &got["T08"][0]["records"][0]["fields"];
    let figure = |n: &str| {
        t08.as_array()
            .expect("f")
            .iter()
            .find(|f| f["name"] == n)
            .expect("field")["value"]
            .clone()
    };
    assert_eq!(figure("newRegistrations"), 1);
    assert_eq!(figure("resolutionRequests"), 3);
    let t09 = &got["T09"][0]["records"][0]["fields"];
    let id = t09
        .as_array()
        .expect("f")
        .iter()
        .find(|f| f["code"] == "T09-01")
        .expect("identifier");
    assert_eq!(id["value"], handle);
    let event = &got["A2-3"][0]["records"][0]["fields"];
    let ty = event
        .as_array()
        .expect("f")
        .iter()
        .find(|f| f["name"] == "eventType")
        .expect("type");
    assert_eq!(ty["value"], "3", "an attack: {event}");

    // The operator's view of the outbox, over HTTP and on the command line.
    let (status, body) = done(
        op(c.get(node.url("/api/v1/uplink/status")))
            .send()
            .expect("status"),
    );
    assert_eq!(status, 200);
    assert!(
        body["summary"]["filed"].as_u64().expect("filed") >= all.len() as u64,
        "{body}"
    );
    let (ok, out) = node_cli(&[
        "uplink",
        "list",
        "--data-dir",
        data_dir.to_str().expect("path"),
        "--json",
        "--limit",
        "500",
    ]);
    assert!(ok);
    let listed: Vec<Value> = serde_json::from_str(&out).expect("list JSON");
    assert!(listed.iter().all(|r| r["state"] != "failed"), "{out}");

    // A resend is the same report: same key, same bytes, written again.
    let t02 = listed
        .iter()
        .find(|r| r["item"] == "T02")
        .expect("a T02 report");
    let key = t02["key"].as_str().expect("key");
    let file = PathBuf::from(t02["file"].as_str().expect("file"));
    let first = std::fs::read(&file).expect("report file");
    std::fs::remove_file(&file).expect("remove");
    let (ok, _) = node_cli(&[
        "uplink",
        "resend",
        key,
        "--data-dir",
        data_dir.to_str().expect("path"),
    ]);
    assert!(ok);
    for _ in 0..100 {
        if file.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(std::fs::read(&file).expect("resent file"), first);

    // The audit trail: verified, and exported as JSON lines for a date range.
    let data = data_dir.to_str().expect("path");
    let (ok, out) = node_cli(&["audit", "verify", "--data-dir", data]);
    assert!(ok && out.contains("intact"), "{out}");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let (ok, out) = node_cli(&["audit", "export", "--from", &today, "--data-dir", data]);
    assert!(ok);
    let entries: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert!(entries.iter().any(|e| e["action"] == "uplink_resend"));
    assert!(entries
        .windows(2)
        .all(|w| w[0]["seq"].as_u64() < w[1]["seq"].as_u64()));
    let (ok, out) = node_cli(&[
        "audit",
        "export",
        "--from",
        "2000-01-01",
        "--to",
        "2000-01-02",
        "--data-dir",
        data,
    ]);
    assert!(ok && out.is_empty());
    node.terminate();
    assert!(audit_entries(&data_dir) > 20);
}

#[test]
fn fields_are_checked_with_words_personal_fields_sealed_and_masked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, data_dir, _) = docking_node(dir.path());
    let c = client();
    let ctx = base_ctx();
    let (_, fields) = apply(&c, &node, &ctx);

    // A wrong check character is named, in both languages.
    let mut wrong = fields.clone();
    wrong.retain(|k, _| k == "enterprisePrefix" || k == "creditCode");
    wrong.insert("creditCode".into(), json!("91350100M000100Y44"));
    let (status, body) = done(
        op(c.post(node.url("/api/v1/docking/T06/records")))
            .json(&json!({"fields": wrong}))
            .send()
            .expect("put"),
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["field"], "creditCode");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("统一社会信用代码") && m.contains("校验码")),
        "{body}"
    );
    assert!(
        body["message_en"]
            .as_str()
            .is_some_and(|m| m.contains("check character")),
        "{body}"
    );
    let (status, body) = done(
        op(c.post(node.url("/api/v1/docking/T06/records")))
            .json(
                &json!({"fields": {"enterprisePrefix": ENTERPRISE, "contactMobile": "1380013800"}}),
            )
            .send()
            .expect("put"),
    );
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("contactMobile")),
        "{body}"
    );
    // Passing needs a complete record.
    let (status, body) = done(
        op(c.post(node.url(&format!("/api/v1/docking/T06/records/{ENTERPRISE}/verify"))))
            .json(&json!({"result": "1"}))
            .send()
            .expect("verify"),
    );
    assert_eq!(status, 400, "{body}");

    // Attachments by their bytes: a text file named .pdf is refused; a PDF is kept once.
    let (status, body) = upload(&c, &node, b"just text", "name=fake.pdf");
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("file")),
        "{body}"
    );
    let (s1, a) = upload(&c, &node, PDF, "name=contract.pdf");
    let (s2, b) = upload(&c, &node, PDF, "name=again.pdf");
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(a["attachment"]["sha256"], b["attachment"]["sha256"]);
    assert_eq!(a["attachment"]["mime"], "application/pdf");

    // The applicant's admin sees personal fields; a technician of the enterprise sees them masked.
    let admin_token = login(&c, &node, "zhang.admin");
    let (status, body) = done(
        c.get(node.url(&format!("/api/v1/docking/T06/records/{ENTERPRISE}")))
            .bearer_auth(&admin_token)
            .send()
            .expect("get"),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["record"]["fields"]["contactMobile"], "13800138000");
    let (status, body) = done(
        c.post(node.url("/api/v1/accounts"))
            .json(
                &json!({"username": "li.tech", "password": PASSWORD, "display_name": "李工",
                          "role": "technician", "enterprise_prefix": ENTERPRISE}),
            )
            .send()
            .expect("register"),
    );
    assert_eq!(status, 201, "{body}");
    let id = body["account"]["id"].as_i64().expect("id");
    done(
        admin(c.post(node.url(&format!("/api/v1/accounts/{id}/approve"))))
            .send()
            .expect("approve"),
    );
    let tech = login(&c, &node, "li.tech");
    let (status, body) = done(
        c.get(node.url(&format!("/api/v1/docking/T06/records/{ENTERPRISE}")))
            .bearer_auth(&tech)
            .send()
            .expect("get"),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["record"]["fields"]["contactMobile"], "138****8000");
    assert_eq!(
        body["record"]["fields"]["enterpriseName"],
        fields["enterpriseName"]
    );
    // A technician writes no docking record.
    let (status, _) = done(
        c.post(node.url("/api/v1/docking/T07/records")).bearer_auth(&tech)
            .json(&json!({"fields": {"codeType": "Handle", "prefix": ENTERPRISE, "ipType": "4", "address": "192.0.2.1", "protocol": "TCP", "port": 2641}}))
            .send().expect("put"),
    );
    assert_eq!(status, 403);
    node.terminate();

    // At rest: no personal value in the database or its WAL, the key file apart and private.
    for file in ["node.sqlite", "node.sqlite-wal"] {
        let bytes = std::fs::read(data_dir.join(file)).unwrap_or_default();
        assert!(
            !bytes.windows(11).any(|w| w == b"13800138000"),
            "a mobile number in {file}"
        );
    }
    let key = data_dir.join("secrets").join("data.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&key)
                .expect("key file")
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
    }
    assert!(audit_entries(&data_dir) > 5);
}

fn login(c: &Client, node: &Node, user: &str) -> String {
    let (status, body) = done(
        c.post(node.url("/api/v1/login"))
            .json(&json!({"username": user, "password": PASSWORD}))
            .send()
            .expect("login"),
    );
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().expect("token").to_owned()
}
