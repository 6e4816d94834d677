//! Phone scans: the real node answers `GET /{handle}` and GS1 Digital Link paths with a page for
//! a person (or a redirect), the status computed at scan time.

mod common;

use common::*;
use idstation_model::handle_record::to_values;
use idstation_model::{Field, InstrumentInput, MetadataTemplate};

/// Handle values of an instrument, as a workstation would write them.
fn instrument(id: &str, name: &str, cal_date: &str, gs1: Option<&str>) -> Value {
    let template = MetadataTemplate::builtin_instrument();
    let mut input = InstrumentInput::default();
    input.set(&Field::Identifier, id);
    input.set(&Field::Name, name);
    input.set(&Field::Model, "DMM6500");
    input.set(&Field::SerialNo, "SN-4471");
    input.set(&Field::Owner, "上海华东精密机械有限公司");
    input.set(&Field::Status, "在用");
    input.set(&Field::CalLastDate, cal_date);
    input.set(&Field::CalIntervalMonths, "12");
    input.set(&Field::CalCertificateNo, "JZ2026-0042");
    input.set(&Field::CalCalibratedBy, "李校准");
    input.set(&Field::CalApprovedBy, "赵批准");
    input.set(&Field::Attribute("environment".into()), "恒温室");
    let inst = input.validate(&template).expect("valid instrument");
    let mut values =
        serde_json::to_value(to_values(&inst, None, &template, "2026-01-01T00:00:00Z"))
            .expect("values json");
    if let Some(gs1) = gs1 {
        values
            .as_array_mut()
            .expect("array")
            .push(json!({"index": 3000, "type": "GS1", "data": gs1}));
    }
    values
}

fn put(node: &Node, handle: &str, values: &Value) {
    let (status, body) = done(
        admin(client().put(node.url(&format!("/api/handles/{handle}"))))
            .json(values)
            .send()
            .expect("put"),
    );
    assert_eq!(status, 201, "{body}");
}

/// Status, content type and body text of a phone's GET.
fn scan(node: &Node, path: &str) -> (u16, String, String) {
    let resp = client().get(node.url(path)).send().expect("get");
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().expect("ascii").to_owned())
        .unwrap_or_default();
    (status, kind, resp.text().expect("body"))
}

#[test]
fn a_scanned_label_opens_the_instrument_with_its_live_status() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::start(&init(dir.path()));
    let today = chrono::Local::now().date_naive();
    let recent = (today - chrono::Days::new(30)).to_string();
    let long_ago = (today - chrono::Days::new(500)).to_string();
    put(
        &node,
        "88.118.8/CAL-2026-000123",
        &instrument("88.118.8/CAL-2026-000123", "数显卡尺", &recent, None),
    );
    put(
        &node,
        "88.118.8/CAL-2026-000124",
        &instrument("88.118.8/CAL-2026-000124", "数字万用表", &long_ago, None),
    );

    // The QR carries an upper-cased URL; people also type it in lower case.
    for path in [
        "/88.118.8/CAL-2026-000123",
        "/88.118.8/cal-2026-000123",
        "/88.118.8%2FCAL-2026-000123",
    ] {
        let (status, kind, page) = scan(&node, path);
        assert_eq!(status, 200, "{path}: {page}");
        assert!(kind.starts_with("text/html"), "{kind}");
        assert!(page.contains("<html lang=\"zh-CN\">"));
        assert!(page.contains("数显卡尺") && page.contains("DMM6500") && page.contains("SN-4471"));
        assert!(
            page.contains("JZ2026-0042") && page.contains("恒温室") && page.contains("使用环境")
        );
        assert!(page.contains(">在用<"), "in use: {page}");
        assert!(!page.contains("已超期"));
        // Who calibrated and approved stays off the public page.
        assert!(!page.contains("李校准") && !page.contains("赵批准"));
    }

    // Recorded as in use, but past its due date: the page says stopped, whatever the label says.
    let (status, _, page) = scan(&node, "/88.118.8/CAL-2026-000124");
    assert_eq!(status, 200);
    assert!(page.contains("停用(已超期)"), "{page}");
    assert!(page.contains("请停止使用"));
    assert!(page.contains("class=\"overdue\""));
}

/// The lab's calendar is China's, whatever zone the server's clock is set to: on a server
/// whose local date differs from China's, "overdue" still turns at China's midnight.
#[test]
fn the_status_follows_the_china_calendar_whatever_the_servers_time_zone() {
    use chrono::{FixedOffset, Months, Utc};
    let now = Utc::now();
    let on = |hours: i32| {
        now.with_timezone(&FixedOffset::east_opt(hours * 3600).expect("offset"))
            .date_naive()
    };
    let china_today = on(8);
    // UTC-12 is 20 h behind China and UTC+14 6 h ahead: at any moment one of them is on
    // another date. (POSIX TZ strings count west of Greenwich as positive.)
    let (tz, server_today) = [("XXX+12", on(-12)), ("XXX-14", on(14))]
        .into_iter()
        .find(|(_, d)| *d != china_today)
        .expect("one zone is on another date");
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::start_in_time_zone(&init(dir.path()), tz);
    // Behind China: due yesterday in China is overdue there, though it is "today" on the
    // server. Ahead: due today in China is not overdue yet, though it is "yesterday" there.
    let (due, overdue) = if server_today < china_today {
        (china_today - chrono::Days::new(1), true)
    } else {
        (china_today, false)
    };
    let last = due.checked_sub_months(Months::new(12)).expect("a date");
    put(
        &node,
        "88.118.8/CAL-2026-000900",
        &instrument(
            "88.118.8/CAL-2026-000900",
            "数显卡尺",
            &last.to_string(),
            None,
        ),
    );
    let (status, _, page) = scan(&node, "/88.118.8/CAL-2026-000900");
    assert_eq!(status, 200);
    assert!(page.contains(&due.to_string()), "due {due}: {page}");
    assert_eq!(
        page.contains("已超期"),
        overdue,
        "server in {tz} on {server_today}, China on {china_today}, due {due}: {page}"
    );
}

#[test]
fn gs1_digital_link_paths_reach_the_same_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::start(&init(dir.path()));
    let gs1 = "https://id.gs1.org/01/09506000134352/21/A1";
    put(
        &node,
        "88.118.8/CAL-2026-000200",
        &instrument(
            "88.118.8/CAL-2026-000200",
            "压力变送器",
            "2026-11-01",
            Some(gs1),
        ),
    );

    let (status, _, page) = scan(&node, "/01/09506000134352/21/A1");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("压力变送器") && page.contains("88.118.8/CAL-2026-000200"));

    // A second record with the same GS1 key is refused and not written: the scan must keep
    // reaching one instrument.
    let twin = instrument(
        "88.118.8/CAL-2026-000201",
        "压力表",
        "2026-11-01",
        Some(gs1),
    );
    let (status, body) = done(
        admin(client().put(node.url("/api/handles/88.118.8/CAL-2026-000201")))
            .json(&twin)
            .send()
            .expect("put twin"),
    );
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["responseCode"], 202, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("88.118.8/CAL-2026-000200"), "{body}");
    let (status, _) = done(
        client()
            .get(node.url("/api/handles/88.118.8/CAL-2026-000201"))
            .send()
            .expect("get twin"),
    );
    assert_eq!(status, 404, "the refused record was written");
    // GTIN-13 written as 14 digits without the leading zero is the same key.
    let (status, _, page) = scan(&node, "/01/9506000134352/21/A1");
    assert_eq!(status, 200, "{page}");

    // A wrong check digit is not an identifier; an unknown key is not found.
    let (status, _, page) = scan(&node, "/01/09506000134353/21/A1");
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("无法识别的标识"));
    let (status, _, page) = scan(&node, "/01/09506000134352/21/NOPE");
    assert_eq!(status, 404, "{page}");

    // Deleting the handle gives up its GS1 key.
    let (status, body) = done(
        admin(client().delete(node.url("/api/handles/88.118.8/CAL-2026-000200")))
            .send()
            .expect("delete"),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(scan(&node, "/01/09506000134352/21/A1").0, 404);
}

#[test]
fn urls_redirect_and_unknown_or_bad_scans_get_a_page_that_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::start(&init(dir.path()));
    put(
        &node,
        "88.118.8/DOC-1",
        &json!([{"index": 1, "type": "URL", "data": "https://example.cn/cert/DOC-1"}]),
    );
    put(
        &node,
        "88.118.8/EVIL-1",
        &json!([{"index": 1, "type": "URL", "data": "javascript:alert(1)"},
                {"index": 2, "type": "NOTE", "data": "<script>alert(1)</script>"}]),
    );

    let resp = client()
        .get(node.url("/88.118.8/doc-1"))
        .send()
        .expect("get");
    assert_eq!(resp.status().as_u16(), 302);
    assert_eq!(resp.headers()["location"], "https://example.cn/cert/DOC-1");

    // A non-web URL is never followed, and what a record says is escaped, never run.
    let (status, _, page) = scan(&node, "/88.118.8/EVIL-1");
    assert_eq!(status, 200);
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(
        page.contains("&#60;script&#62;") || page.contains("&lt;script&gt;"),
        "{page}"
    );

    let (status, kind, page) = scan(&node, "/88.118.8/CAL-2099-999999");
    assert_eq!(status, 404);
    assert!(kind.starts_with("text/html"));
    assert!(page.contains("未找到该标识") && page.contains("88.118.8/CAL-2099-999999"));

    let (status, _, page) = scan(&node, "/robots-and-other-words.txt");
    assert_eq!(status, 400);
    assert!(page.contains("无法识别的标识"));
    // The browser tab's icon is the project's own, not a page about an unknown identifier.
    let (status, kind, _) = scan(&node, "/favicon.ico");
    assert_eq!(status, 200);
    assert_eq!(kind, "image/x-icon");

    // The API and metrics keep their own routes beside the catch-all.
    let (status, body) = done(
        client()
            .get(node.url("/api/handles/88.118.8/DOC-1"))
            .send()
            .expect("api"),
    );
    assert_eq!((status, body["responseCode"].clone()), (200, json!(1)));
    assert_eq!(scan(&node, "/metrics").0, 200);
    let (status, kind, _) = scan(&node, "/api/v1/nothing-here");
    assert_eq!(status, 404);
    assert!(kind.starts_with("application/json"), "{kind}");
}
