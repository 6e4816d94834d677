//! The use cases behind the desktop app's screens (and `idstation dashboard|resolve`): the
//! dashboard's counts and the lists they open, windows of a list, search with filters, forms,
//! scan resolution on this workstation, errors shaped for forms.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use idstation_workstation::view::{ListQuery, ScanOutcome, UiError};
use idstation_workstation::{Lang, Workstation};

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Five instruments with known due dates and statuses (today = 2026-12-01).
fn bench() -> (tempfile::TempDir, Workstation) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ws = Workstation::init(dir.path(), "88.118.8", "tester").expect("init");
    let rows: &[&[(&str, &str)]] = &[
        // due 2026-12-10: within 30 days
        &[
            ("identifier", "88.118.8/A-1"),
            ("name", "数显卡尺"),
            ("category", "长度"),
            ("owner", "华东计量"),
            ("cal_last_date", "2025-12-10"),
            ("cal_interval_months", "12"),
        ],
        // overdue
        &[
            ("identifier", "88.118.8/A-2"),
            ("name", "数字压力计"),
            ("model", "DPI-620"),
            ("owner", "华东计量"),
            ("cal_last_date", "2025-06-01"),
            ("cal_interval_months", "12"),
        ],
        // restricted, due far ahead
        &[
            ("identifier", "88.118.8/A-3"),
            ("name", "电子天平"),
            ("status", "restricted"),
            ("cal_last_date", "2026-10-01"),
            ("cal_interval_months", "12"),
        ],
        // stopped
        &[
            ("identifier", "88.118.8/A-4"),
            ("name", "压力变送器"),
            ("status", "停用"),
        ],
        // no schedule
        &[("identifier", "88.118.8/A-5"), ("name", "万用表")],
    ];
    for r in rows {
        ws.register_form(&form(r)).expect("register");
    }
    (dir, ws)
}

#[test]
fn dashboard_counts_open_the_matching_lists() {
    let (_d, ws) = bench();
    let today = day("2026-12-01");
    let d = ws.dashboard(today, Lang::ZhCn).expect("dashboard");
    assert_eq!(d.total, 5);
    let counts: Vec<(&str, u32)> = d.counts.iter().map(|c| (c.key.as_str(), c.count)).collect();
    assert_eq!(
        counts,
        [
            ("due30", 1),
            ("overdue", 1),
            ("restricted", 1),
            ("stopped", 1)
        ]
    );
    assert_eq!(d.counts[0].label, "30 天内到期");
    assert_eq!(d.sync.state, "offline");
    assert_eq!(d.sync.pending_ops, 5);
    for c in &d.counts {
        let page = ws.list_page(&c.query, today, Lang::ZhCn).expect("list");
        assert_eq!(page.total, c.count, "{}", c.key);
        assert_eq!(page.rows.len() as u32, c.count);
    }
    let overdue = &d.counts[1].query;
    let page = ws.list_page(overdue, today, Lang::ZhCn).expect("list");
    assert_eq!(page.rows[0].identifier, "88.118.8/A-2");
    assert_eq!(page.rows[0].live_status, "overdue");
    assert_eq!(page.rows[0].live_status_label, "停用(已超期)");
    let en = ws.dashboard(today, Lang::En).expect("dashboard");
    assert_eq!(en.counts[1].label, "overdue");
}

#[test]
fn lists_come_in_windows_with_a_total() {
    let (_d, ws) = bench();
    let today = day("2026-12-01");
    let q = |offset, limit| ListQuery {
        offset,
        limit,
        ..ListQuery::default()
    };
    let first = ws.list_page(&q(0, 2), today, Lang::ZhCn).expect("list");
    let second = ws.list_page(&q(2, 2), today, Lang::ZhCn).expect("list");
    let last = ws.list_page(&q(4, 2), today, Lang::ZhCn).expect("list");
    assert_eq!((first.total, second.total, last.total), (5, 5, 5));
    assert_eq!(
        (first.rows.len(), second.rows.len(), last.rows.len()),
        (2, 2, 1)
    );
    let mut all: Vec<String> = [first, second, last]
        .iter()
        .flat_map(|p| p.rows.iter().map(|r| r.identifier.clone()))
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 5);
}

#[test]
fn search_with_chinese_substrings_and_filters() {
    let (_d, ws) = bench();
    let today = day("2026-12-01");
    let search = |text: &str, status: Option<&str>, owner: Option<&str>| {
        let page = ws
            .list_page(
                &ListQuery {
                    text: text.into(),
                    status: status.map(str::to_owned),
                    owner: owner.map(str::to_owned),
                    ..ListQuery::default()
                },
                today,
                Lang::ZhCn,
            )
            .expect("search");
        let mut ids: Vec<String> = page.rows.into_iter().map(|r| r.identifier).collect();
        ids.sort();
        ids
    };
    assert_eq!(search("压", None, None), ["88.118.8/A-2", "88.118.8/A-4"]);
    assert_eq!(search("压力", None, None), ["88.118.8/A-2", "88.118.8/A-4"]);
    assert_eq!(search("压力计", None, None), ["88.118.8/A-2"]);
    assert_eq!(search("压力", Some("stopped"), None), ["88.118.8/A-4"]);
    assert_eq!(search("压力", None, Some("华东计量")), ["88.118.8/A-2"]);
    assert_eq!(search("DPI-620", None, None), ["88.118.8/A-2"]);
    assert!(search("不存在", None, None).is_empty());
}

#[test]
fn forms_follow_the_template_and_edits_change_only_what_differs() {
    let (_d, mut ws) = bench();
    let fields = ws.form_fields(Lang::ZhCn);
    let env = fields
        .iter()
        .find(|f| f.key == "attr.environment")
        .expect("template field");
    assert_eq!((env.label.as_str(), env.template), ("使用环境", true));
    let status = fields.iter().find(|f| f.key == "status").expect("status");
    assert_eq!(status.kind, "select");
    assert!(status.options.iter().any(|o| o.label == "准用"));
    assert!(fields.iter().any(|f| f.key == "name" && f.required));

    let view = ws
        .instrument_view("88.118.8/A-5", day("2026-12-01"), Lang::ZhCn)
        .expect("view");
    let mut values = view.values.clone();
    values.insert("location".into(), "二楼计量室".into());
    values.insert("attr.environment".into(), "恒温室".into());
    let rec = ws
        .edit_form("88.118.8/A-5", &values, Some(view.version))
        .expect("edit")
        .expect("changed");
    assert_eq!(rec.version, view.version + 1);
    assert_eq!(rec.instrument.location.as_deref(), Some("二楼计量室"));
    assert!(ws
        .edit_form("88.118.8/A-5", &values, None)
        .expect("edit")
        .is_none());

    let after = ws
        .instrument_view("88.118.8/A-5", day("2026-12-01"), Lang::ZhCn)
        .expect("view");
    let edit = after
        .history
        .iter()
        .find(|h| h.action == "edit")
        .expect("edit in history");
    assert_eq!(edit.action_label, "修改");
    assert!(edit.detail.contains("存放地点"), "{}", edit.detail);
    assert!(after
        .fields
        .iter()
        .any(|f| f.label == "使用环境" && f.value == "恒温室"));
}

#[test]
fn form_errors_name_each_field_in_the_workstations_words() {
    let (_d, mut ws) = bench();
    let e = ws
        .register_form(&form(&[
            ("identifier", "88.118.8/"),
            ("cal_last_date", "2026-02-30"),
        ]))
        .expect_err("invalid");
    let ui = UiError::new(&e, Lang::ZhCn);
    assert_eq!(ui.code, "invalid_input");
    assert_eq!(ui.message, e.message(Lang::ZhCn));
    let by_field: BTreeMap<&str, &str> = ui
        .fields
        .iter()
        .map(|f| (f.field.as_str(), f.message.as_str()))
        .collect();
    assert!(by_field["identifier"].contains("标识缺少后缀"));
    assert!(by_field["name"].contains("必填"));
    assert!(by_field["cal_last_date"].contains("不是有效日期"));
    let en = UiError::new(&e, Lang::En);
    assert!(en.fields.iter().any(|f| f.message.contains("required")));

    let unknown = ws
        .register_form(&form(&[("name", "x"), ("colour", "red")]))
        .expect_err("unknown field");
    assert_eq!(UiError::new(&unknown, Lang::En).code, "unknown_field");
}

#[test]
fn scans_open_local_records_and_offer_unknown_ones() {
    let (_d, ws) = bench();
    let today = day("2026-12-01");
    for text in [
        "88.118.8/A-1",
        "hdl:88.118.8/A-1",
        "HTTPS://ID.EXAMPLE.CN/88.118.8/A-1",
    ] {
        assert_eq!(
            ws.resolve_scan(text, today, Lang::ZhCn).expect("scan"),
            ScanOutcome::Local {
                identifier: "88.118.8/A-1".into()
            },
            "{text}"
        );
    }
    // No node configured: unknown, without asking anyone.
    assert_eq!(
        ws.resolve_scan("88.118.8/NEW-1", today, Lang::ZhCn)
            .expect("scan"),
        ScanOutcome::Unknown {
            identifier: "88.118.8/NEW-1".into(),
            node_note: None
        }
    );
    // Neither an identifier nor an old barcode here: the message quotes what was scanned and
    // says what to do, not a list of identifier syntaxes.
    let bad = ws
        .resolve_scan("不是标识", today, Lang::ZhCn)
        .expect_err("bad text");
    let ui = UiError::new(&bad, Lang::ZhCn);
    assert_eq!(ui.code, "unknown_scan");
    assert!(ui.message.contains("“不是标识”"), "{}", ui.message);
    assert!(
        ui.message.contains("请扫描仪器标签上的二维码"),
        "{}",
        ui.message
    );
    assert!(!ui.message.contains("GS1"), "{}", ui.message);
    let en = UiError::new(&bad, Lang::En).message;
    assert!(en.contains("Scan the QR code"), "{en}");
}

#[test]
fn old_barcodes_open_the_record_that_carries_them() {
    let (_d, mut ws) = bench();
    let today = day("2026-12-01");
    for (id, asset, serial) in [
        ("88.118.8/OLD-1", "ZC-0001", "SN-77"),
        ("88.118.8/OLD-2", "ZC-0002", "SN-88"),
        ("88.118.8/OLD-3", "ZC-0003", "SN-88"),
    ] {
        ws.register_form(&form(&[
            ("identifier", id),
            ("name", "万用表"),
            ("asset_no", asset),
            ("serial_no", serial),
        ]))
        .expect("register");
    }
    let local = |identifier: &str| ScanOutcome::Local {
        identifier: identifier.into(),
    };
    // One record carries it: asset number, serial number, or the bare suffix in any case.
    for (text, want) in [
        ("ZC-0002", "88.118.8/OLD-2"),
        (" ZC-0001 ", "88.118.8/OLD-1"),
        ("SN-77", "88.118.8/OLD-1"),
        ("old-3", "88.118.8/OLD-3"),
        ("A-1", "88.118.8/A-1"),
    ] {
        assert_eq!(
            ws.resolve_scan(text, today, Lang::ZhCn).expect(text),
            local(want),
            "{text}"
        );
    }
    // Two carry it: both listed, with the field that matched, for the person to pick.
    match ws
        .resolve_scan("SN-88", today, Lang::ZhCn)
        .expect("several")
    {
        ScanOutcome::Several { text, matches } => {
            assert_eq!(text, "SN-88");
            let ids: Vec<_> = matches.iter().map(|m| m.identifier.as_str()).collect();
            assert_eq!(ids, ["88.118.8/OLD-2", "88.118.8/OLD-3"]);
            assert!(
                matches.iter().all(|m| m.matched_by == "出厂编号"),
                "{matches:?}"
            );
            assert!(matches.iter().all(|m| m.name == "万用表"));
        }
        other => panic!("expected several, got {other:?}"),
    }
    // A deleted record's code opens nothing; an asset number is not a prefix search.
    ws.delete("88.118.8/OLD-1", "报废").expect("delete");
    for text in ["ZC-0001", "ZC-000", "SN-7"] {
        let e = ws.resolve_scan(text, today, Lang::ZhCn).expect_err(text);
        assert_eq!(UiError::new(&e, Lang::ZhCn).code, "unknown_scan", "{text}");
    }
}
