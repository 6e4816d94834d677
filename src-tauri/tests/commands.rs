//! The command layer through Tauri's own IPC path (`tauri::test`'s mock runtime, no display):
//! arguments arrive under their camelCase names, results and errors come back as the UI reads
//! them.

use idstation_app::{builder, AppState, PathPurpose};
use idstation_workstation::Lang;
use serde_json::{json, Value};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::Manager as _;
use tauri::WebviewWindowBuilder;

struct App {
    _dir: tempfile::TempDir,
    _app: tauri::App<tauri::test::MockRuntime>,
    webview: tauri::WebviewWindow<tauri::test::MockRuntime>,
}

fn app(lang: Lang) -> App {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = AppState::new(
        dir.path().join("ws"),
        lang,
        "tester".into(),
        "88.118.8".into(),
    );
    let app = builder(mock_builder(), state)
        .build(mock_context(noop_assets()))
        .expect("build app");
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("webview");
    App {
        _dir: dir,
        _app: app,
        webview,
    }
}

impl App {
    /// Stands in for the person choosing `path` in the file dialog.
    fn choose(&self, purpose: PathPurpose, path: &std::path::Path) {
        self._app
            .state::<AppState>()
            .chose_path(purpose, path.to_path_buf());
    }
}

impl App {
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                // Linux's origin for the app's pages.
                url: "tauri://localhost".parse().expect("url"),
                body: tauri::ipc::InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().expect("json"))
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }
}

#[test]
fn register_then_find_scan_and_open_it() {
    let app = app(Lang::ZhCn);
    let info = app.ok("app_info", json!({}));
    assert_eq!(info["prefix"], "88.118.8");
    assert_eq!(info["lang"], "zh-CN");

    let view = app.ok(
        "register",
        json!({"values": {"identifier": "88.118.8/T-1", "name": "数字压力计", "model": "DPI-620"}}),
    );
    assert_eq!(view["identifier"], "88.118.8/T-1");
    assert_eq!(view["source"], "local");
    assert_eq!(view["history"][0]["actionLabel"], "登记");

    let page = app.ok("list_instruments", json!({"query": {"text": "压力"}}));
    assert_eq!(page["total"], 1);
    assert_eq!(page["rows"][0]["name"], "数字压力计");

    let scan = app.ok(
        "resolve_scan",
        json!({"text": "https://id.example.cn/88.118.8/T-1"}),
    );
    assert_eq!(scan, json!({"kind": "local", "identifier": "88.118.8/T-1"}));
    let unknown = app.ok("resolve_scan", json!({"text": "88.118.8/T-2"}));
    assert_eq!(unknown["kind"], "unknown");

    let edited = app.ok(
        "edit",
        json!({"identifier": "88.118.8/T-1", "values": {"location": "二楼"}, "expectedVersion": 1}),
    );
    assert_eq!(edited["version"], 2);

    let dash = app.ok("dashboard", json!({}));
    assert_eq!(dash["total"], 1);
    assert_eq!(dash["sync"]["state"], "offline");
    assert_eq!(dash["sync"]["pendingOps"], 2);
}

#[test]
fn errors_arrive_as_the_workstation_words_them_with_fields() {
    let app = app(Lang::ZhCn);
    let e = app
        .call(
            "register",
            json!({"values": {"identifier": "88.118.8/", "name": ""}}),
        )
        .expect_err("invalid");
    assert_eq!(e["code"], "invalid_input");
    let fields = e["fields"].as_array().expect("fields");
    assert!(fields.iter().any(|f| f["field"] == "identifier"
        && f["message"].as_str().unwrap_or("").contains("标识缺少后缀")));
    assert!(fields.iter().any(|f| f["field"] == "name"));

    let scan = app
        .call("resolve_scan", json!({"text": "不是标识"}))
        .expect_err("bad scan");
    assert_eq!(scan["code"], "unknown_scan");

    // The language can change at run time; messages follow.
    app.ok("set_lang", json!({"lang": "en"}));
    let en = app
        .call("resolve_scan", json!({"text": "不是标识"}))
        .expect_err("bad scan");
    // English words around the text as it was scanned.
    assert!(
        en["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("\"不是标识\" is not an identifier"),
        "{en}"
    );
}

#[test]
fn sync_without_a_node_reports_offline_and_never_blocks() {
    let app = app(Lang::ZhCn);
    let s = app.ok("sync_status", json!({}));
    assert_eq!(s["state"], "offline");
    assert_eq!(s["stateLabel"], "未连接节点");
    // An unreachable node: login fails with the workstation's network message.
    let e = app
        .call(
            "sync_login",
            json!({"nodeUrl": "http://127.0.0.1:9", "username": "u", "password": "p", "deviceName": "d"}),
        )
        .expect_err("unreachable");
    assert_eq!(e["code"], "node_unreachable");
    assert!(e["message"].as_str().unwrap_or("").contains("无法连接节点"));
    // sync_now returns at once (the work happens on its own thread).
    assert_eq!(app.ok("sync_now", json!({})), json!(true));
    assert_eq!(app.ok("conflicts", json!({})), json!([]));
}

#[test]
fn the_docking_desk_asks_for_a_sign_in_before_anything() {
    let app = app(Lang::ZhCn);
    assert_eq!(app.ok("docking_session", json!({})), Value::Null);
    let e = app
        .call("uplink_view", json!({"filter": null}))
        .expect_err("nobody signed in");
    assert_eq!(e["code"], "docking_signed_out");
    assert!(
        e["message"].as_str().unwrap_or("").contains("平台运营者"),
        "{e}"
    );
    let e = app
        .call("uplink_resend", json!({"key": "x"}))
        .expect_err("nobody signed in");
    assert_eq!(e["code"], "docking_signed_out");
    // No node set for this station: the sign-in says so, without a network wait.
    app.ok("sync_status", json!({}));
    let e = app
        .call(
            "docking_sign_in",
            json!({"username": "operator", "password": "p"}),
        )
        .expect_err("no node");
    assert_eq!(e["code"], "sync_not_configured");
    // An attachment only from the file dialog: a typed path is refused, nothing is read.
    let e = app
        .call(
            "docking_upload",
            json!({"file": "/etc/passwd", "enterprisePrefix": null}),
        )
        .expect_err("not chosen");
    assert_eq!(e["code"], "path_not_chosen");
    assert_eq!(app.ok("docking_sign_out", json!({})), Value::Null);
}

#[test]
fn backup_and_form_fields() {
    let app = app(Lang::En);
    let fields = app.ok("form_fields", json!({}));
    assert!(fields
        .as_array()
        .expect("fields")
        .iter()
        .any(|f| f["key"] == "attr.environment" && f["template"] == true));
    app.ok(
        "register",
        json!({"values": {"identifier": "88.118.8/T-9", "name": "卡尺"}}),
    );
    let file = std::env::temp_dir().join(format!(
        "idstation-app-backup-{}.sqlite",
        std::process::id()
    ));
    let arg = json!({"file": file.display().to_string()});
    // A path the window names on its own (a script, a typed string) is refused.
    let e = app.call("backup", arg.clone()).expect_err("not chosen");
    assert_eq!(e["code"], "path_not_chosen", "{e}");
    assert!(!file.exists());
    app.choose(PathPurpose::Backup, &file);
    let msg = app.ok("backup", arg.clone());
    assert!(
        msg.as_str().unwrap_or("").contains("1 instruments"),
        "{msg}"
    );
    // A choice is used once, and for its purpose only: the backup just written is not a path
    // to restore from unless chosen for that.
    let e = app.call("backup", arg.clone()).expect_err("used up");
    assert_eq!(e["code"], "path_not_chosen", "{e}");
    let e = app
        .call("restore", arg.clone())
        .expect_err("chosen for another purpose");
    assert_eq!(e["code"], "path_not_chosen", "{e}");
    let e = app
        .call("set_data_dir", json!({"dir": "/tmp"}))
        .expect_err("not chosen");
    assert_eq!(e["code"], "path_not_chosen", "{e}");
    app.choose(PathPurpose::Restore, &file);
    let msg = app.ok("restore", arg);
    assert!(
        msg.as_str().unwrap_or("").contains("1 instruments"),
        "{msg}"
    );
    let _ = std::fs::remove_file(file);
}

#[test]
fn label_preview_and_printers() {
    let app = app(Lang::ZhCn);
    app.ok(
        "register",
        json!({"values": {"identifier": "88.118.8/L-1", "name": "数字压力计"}}),
    );
    let templates = app.ok("label_templates", json!({}));
    assert!(templates
        .as_array()
        .expect("list")
        .iter()
        .any(|t| t["name"] == "cal-pass"));

    let png = app.ok(
        "label_preview",
        json!({"identifier": "88.118.8/L-1", "template": "identifier", "restriction": null}),
    );
    let bytes: Vec<u8> = serde_json::from_value(png).expect("bytes");
    assert_eq!(&bytes[1..4], b"PNG");

    assert_eq!(app.ok("printers", json!({})), json!([]));
    let list = app.ok(
        "add_printer",
        json!({"name": "zebra", "language": "zpl", "uri": "tcp://127.0.0.1:9", "dpi": 203,
               "darkness": null, "offsetXMm": 0.5, "offsetYMm": null, "media": "50x30"}),
    );
    assert_eq!(list[0]["name"], "zebra");
    assert_eq!(list[0]["media_width_mm"], 50.0);
    assert_eq!(app.ok("printers", json!({}))[0]["name"], "zebra");

    // Errors come in the person's language from the workstation, as everywhere else.
    let e = app
        .call(
            "add_printer",
            json!({"name": "x", "language": "zpl", "uri": "ftp://nope", "dpi": 203}),
        )
        .expect_err("bad uri");
    assert!(e["message"].as_str().expect("message").contains("uri"));
    // A file is not a printer: the app would write label bytes over it.
    let home_file = std::env::temp_dir().join("idstation-not-a-printer");
    for uri in [
        home_file.display().to_string(),
        format!("file://{}", home_file.display()),
        "/dev/usb/lp0/../../etc/passwd".to_string(),
    ] {
        let e = app
            .call(
                "add_printer",
                json!({"name": "file", "language": "zpl", "uri": uri, "dpi": 203}),
            )
            .expect_err("a file");
        assert_eq!(e["code"], "not_a_printer_port", "{uri}: {e}");
        assert!(
            e["message"].as_str().unwrap_or("").contains("打印机端口"),
            "{e}"
        );
    }
    let list = app.ok(
        "add_printer",
        json!({"name": "usb", "language": "tspl", "uri": "/dev/usb/lp0", "dpi": 203}),
    );
    assert!(list
        .as_array()
        .expect("list")
        .iter()
        .any(|p| p["name"] == "usb"));
    let e = app
        .call(
            "print_label",
            json!({"printer": "nope", "identifier": "88.118.8/L-1", "template": "identifier"}),
        )
        .expect_err("no such printer");
    assert!(!e["message"].as_str().expect("message").is_empty());
}

/// Polls the hot folders screen until `done` holds (a minute at most).
fn hot_view_until(app: &App, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let v = app.ok("hot_folders", json!({}));
        if done(&v) {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "waited a minute: {v}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn a_hot_folder_chosen_in_the_dialog_is_watched_and_reports_what_it_did() {
    let app = app(Lang::ZhCn);
    let outside = tempfile::tempdir().expect("tempdir");
    let inbox = outside.path().join("LIMS");
    std::fs::create_dir(&inbox).expect("inbox");
    let folder = inbox.display().to_string();
    let form = json!({"update": false, "poll": false, "labelTemplate": null, "printer": null,
                      "mapping": {}});

    // Typed by a script, not chosen by the person: refused.
    let e = app
        .call("add_hot_folder", json!({"folder": folder, "form": form}))
        .expect_err("not chosen");
    assert_eq!(e["code"], "path_not_chosen");
    let none = app.ok("hot_folders", json!({}));
    assert_eq!(none["folders"], json!([]));
    assert_eq!(none["running"], false);

    // Labels on a printer that does not exist: refused, nothing saved.
    app.choose(PathPurpose::HotFolder, &inbox);
    let e = app
        .call(
            "add_hot_folder",
            json!({"folder": folder, "form": {"update": false, "poll": false,
                   "labelTemplate": "identifier", "printer": "没有这台", "mapping": {}}}),
        )
        .expect_err("unknown printer");
    assert_eq!(e["code"], "not_found");
    assert_eq!(app.ok("hot_folders", json!({}))["folders"], json!([]));

    app.choose(PathPurpose::HotFolder, &inbox);
    let v = app.ok("add_hot_folder", json!({"folder": folder, "form": form}));
    assert_eq!(v["running"], true, "{v}");
    assert_eq!(v["folders"][0]["path"], folder);
    assert!(v["folders"][0]["summary"]
        .as_str()
        .unwrap_or("")
        .contains("登记新仪器"));

    std::fs::write(
        inbox.join("送检.csv"),
        "标识,名称\n88.118.8/HF-1,压力表\n88.118.8/HF-2,温度计\n",
    )
    .expect("write");
    std::fs::write(inbox.join("坏.csv"), "标识,名称\n88.118.8/HF-3,\n").expect("write");
    let v = hot_view_until(&app, |v| {
        let lines = v["activity"].as_array().cloned().unwrap_or_default();
        lines.iter().any(|l| l["tone"] == "ok") && lines.iter().any(|l| l["tone"] == "error")
    });
    let lines = v["activity"].as_array().expect("lines");
    let ok = lines.iter().find(|l| l["tone"] == "ok").expect("ok");
    assert!(
        ok["text"].as_str().unwrap_or("").contains("已导入 2 行"),
        "{ok}"
    );
    let refused = lines.iter().find(|l| l["tone"] == "error").expect("error");
    assert!(
        refused["text"].as_str().unwrap_or("").contains("坏.csv"),
        "{refused}"
    );
    assert_eq!(app.ok("app_info", json!({}))["instruments"], 2);
    assert_eq!(
        v["counts"],
        json!({"filesImported": 1, "rowsImported": 2, "filesRefused": 1, "labelsPrinted": 0})
    );

    // The screen follows the language; what happened is said again in it.
    app.ok("set_lang", json!({"lang": "en"}));
    let en = app.ok("hot_folders", json!({}));
    assert!(en["activity"]
        .as_array()
        .expect("lines")
        .iter()
        .any(|l| l["text"].as_str().unwrap_or("").contains("imported 2 rows")));

    // Changed to polling, then removed: the settings and the watcher follow.
    let v = app.ok(
        "update_hot_folder",
        json!({"folder": folder, "form": {"update": true, "poll": true,
               "labelTemplate": null, "printer": null, "mapping": {}}}),
    );
    assert_eq!(v["folders"][0]["form"]["poll"], true);
    assert_eq!(v["running"], true);
    let stopped = app.ok("stop_hot_folders", json!({}));
    assert_eq!(stopped["running"], false);
    let v = app.ok("remove_hot_folder", json!({"folder": folder}));
    assert_eq!(v["folders"], json!([]));
    assert_eq!(v["running"], false);
    assert!(inbox.join("archive").is_dir(), "archive stays");
}

#[test]
fn the_mapping_editor_reads_a_chosen_sample_with_the_form_s_mapping() {
    let app = app(Lang::ZhCn);
    let outside = tempfile::tempdir().expect("tempdir");
    let sample = outside.path().join("样本.csv");
    std::fs::write(&sample, "名称,S/N\n压力表,A1\n温度计,A2\n").expect("write");
    let file = sample.display().to_string();
    let form = |mapping: Value| {
        json!({"update": false, "poll": false, "labelTemplate": null, "printer": null,
               "mapping": mapping})
    };
    // Not chosen in the dialog: refused.
    let e = app
        .call(
            "preview_hot_file",
            json!({"file": file, "form": form(json!({}))}),
        )
        .expect_err("not chosen");
    assert_eq!(e["code"], "path_not_chosen");

    app.choose(PathPurpose::HotSample, &sample);
    let p = app.ok(
        "preview_hot_file",
        json!({"file": file, "form": form(json!({}))}),
    );
    assert_eq!(p["totalRows"], 2, "{p}");
    assert_eq!(p["columns"][0]["field"], "name");
    assert_eq!(p["columns"][1]["field"], Value::Null);
    assert!(
        p["problems"][0].as_str().unwrap_or("").contains("S/N"),
        "{p}"
    );
    assert_eq!(p["rows"][1], json!(["温度计", "A2"]));

    // The same sample again, with the column mapped: no problem left.
    let p = app.ok(
        "preview_hot_file",
        json!({"file": null, "form": form(json!({"S/N": "serial_no"}))}),
    );
    assert_eq!(p["columns"][1]["field"], "serial_no");
    assert_eq!(p["columns"][1]["fieldLabel"], "出厂编号");
    assert_eq!(p["problems"], json!([]));
}
