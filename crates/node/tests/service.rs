//! The node as an installed service runs it: systemd's readiness and watchdog protocol on a
//! real notify socket, the admin secret read from a file, `migrate`, the favicon, and the
//! desktop app's update feed served from the folder an operator fills.

mod common;

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;

use common::*;

/// `init` with the secret in a file (as the package's postinst does), not on the command line.
fn init_with_secret_file(dir: &Path) -> PathBuf {
    let data_dir = dir.join("node");
    let secret = dir.join("admin-secret");
    std::fs::write(&secret, format!("{SECRET}\n")).expect("write secret");
    let out = Command::new(BIN)
        .args(["init", "--data-dir"])
        .arg(&data_dir)
        .args(["--prefix", PREFIX, "--admin-secret-file"])
        .arg(&secret)
        .env_remove("IDSTATION_NODE_ADMIN_SECRET")
        .output()
        .expect("run init");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    data_dir
}

#[test]
fn the_admin_secret_comes_from_a_file_and_migrate_keeps_the_node() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init_with_secret_file(dir.path());
    let out = Command::new(BIN)
        .args(["migrate", "--data-dir"])
        .arg(&data_dir)
        .output()
        .expect("run migrate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(PREFIX));

    let node = Node::start(&data_dir);
    let c = client();
    let url = node.url(&format!("/api/handles/{PREFIX}.8/PKG-1"));
    let record = json!([{"index": 1, "type": "URL", "data": "https://example.cn/pkg-1"}]);
    let (status, body) = done(admin(c.put(&url)).json(&record).send().expect("put"));
    assert_eq!(status, 201, "the secret from the file signs in: {body}");
    let (status, _) = done(
        c.put(&url)
            .basic_auth(format!("300:0.NA/{PREFIX}"), Some(format!("{SECRET}\n")))
            .json(&record)
            .send()
            .expect("put"),
    );
    assert!(
        matches!(status, 401 | 403),
        "the line ending is not part of the secret: {status}"
    );
    node.terminate();

    // `-` reads standard input (the package pipes a root-only file to the service user).
    let mut child = Command::new(BIN)
        .args(["init", "--data-dir"])
        .arg(dir.path().join("from-stdin"))
        .args(["--prefix", PREFIX, "--admin-secret-file", "-"])
        .env_remove("IDSTATION_NODE_ADMIN_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("run init");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(format!("{SECRET}\n").as_bytes())
            .expect("write secret");
    }
    assert!(child.wait().expect("wait").success());
    assert!(dir.path().join("from-stdin/node.sqlite").exists());

    // Both at once is refused; neither is refused.
    let out = Command::new(BIN)
        .args(["init", "--data-dir"])
        .arg(dir.path().join("other"))
        .args(["--prefix", PREFIX])
        .env_remove("IDSTATION_NODE_ADMIN_SECRET")
        .output()
        .expect("run init");
    assert!(!out.status.success());
}

/// Reads datagrams until one contains `want`, for at most `limit`.
fn wait_for(sock: &UnixDatagram, want: &str, limit: Duration) -> Vec<String> {
    let deadline = std::time::Instant::now() + limit;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while std::time::Instant::now() < deadline {
        if let Ok(n) = sock.recv(&mut buf) {
            let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
            let found = msg.lines().any(|l| l == want);
            seen.push(msg);
            if found {
                return seen;
            }
        }
    }
    panic!("no {want} from the node within {limit:?}; got {seen:?}");
}

#[test]
fn systemd_hears_ready_then_watchdog_pings_then_stopping() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let socket = dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&socket).expect("bind notify socket");
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");

    let mut child = Command::new(BIN)
        .args(["serve", "--data-dir"])
        .arg(&data_dir)
        .args(["--listen", "127.0.0.1:0"])
        .env("IDSTATION_LOG", "warn")
        .env("NOTIFY_SOCKET", &socket)
        // 400 ms: the node pings every 200 ms while its database answers.
        .env("WATCHDOG_USEC", "400000")
        .env_remove("WATCHDOG_PID")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn node");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    assert!(line.starts_with("listening on "), "{line}");
    let node = Node {
        child,
        base: line.trim().trim_start_matches("listening on ").to_owned(),
    };

    let first = wait_for(&sock, "READY=1", Duration::from_secs(10));
    assert_eq!(first.len(), 1, "READY=1 is the first message: {first:?}");
    // Two pings in a row: the watchdog keeps going while the node is healthy.
    wait_for(&sock, "WATCHDOG=1", Duration::from_secs(10));
    wait_for(&sock, "WATCHDOG=1", Duration::from_secs(10));
    let (status, _) = done(client().get(node.url("/metrics")).send().expect("get"));
    assert_eq!(status, 200);

    let pid = node.child.id().to_string();
    let kill = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(kill.success());
    wait_for(&sock, "STOPPING=1", Duration::from_secs(10));
    let mut node = node;
    let exit = node.child.wait().expect("wait for node");
    assert!(exit.success(), "graceful shutdown: {exit}");
}

#[test]
fn without_systemd_nothing_is_sent_and_the_node_serves_as_before() {
    // No NOTIFY_SOCKET: ready() and the watchdog do nothing (the other tests' nodes).
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::start(&init(dir.path()));
    let resp = client()
        .get(node.url("/favicon.ico"))
        .send()
        .expect("favicon");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers()["content-type"].to_str().expect("type"),
        "image/x-icon"
    );
    let icon = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../icons/icon.ico"))
        .expect("icons/icon.ico");
    assert_eq!(resp.bytes().expect("body").as_ref(), icon.as_slice());
    node.terminate();
}

#[test]
fn the_update_feed_serves_what_the_operator_put_in_the_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let c = client();
    let check = |current: &str, bundle: &str| {
        let resp = c
            .get(node.url(&format!(
                "/api/v1/updates/linux/x86_64/{current}?bundle={bundle}"
            )))
            .send()
            .expect("check");
        let status = resp.status().as_u16();
        (status, resp.text().expect("body"))
    };

    // No folder yet: nothing to update to.
    assert_eq!(check("0.1.0", "deb").0, 204);

    let updates = data_dir.join("updates");
    std::fs::create_dir_all(&updates).expect("mkdir");
    let installer: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(updates.join("IDStation_9.9.9_amd64.deb"), &installer).expect("write");
    std::fs::write(
        updates.join("latest.json"),
        json!({
            "version": "9.9.9",
            "notes": "修复打印队列",
            "pub_date": "2026-12-01T00:00:00Z",
            "platforms": {
                "linux-x86_64-deb": {"url": "IDStation_9.9.9_amd64.deb", "signature": "SIG-DEB"},
                "windows-x86_64": {"url": "https://mirror.example.cn/IDStation_9.9.9_x64-setup.exe", "signature": "SIG-WIN"}
            }
        })
        .to_string(),
    )
    .expect("write latest.json");

    let (status, body) = check("0.1.0", "deb");
    assert_eq!(status, 200, "{body}");
    let release: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(release["version"], "9.9.9");
    assert_eq!(release["notes"], "修复打印队列");
    assert_eq!(release["signature"], "SIG-DEB");
    let url = release["url"].as_str().expect("url");
    assert_eq!(
        url,
        node.url("/api/v1/updates/files/IDStation_9.9.9_amd64.deb")
    );
    let got = c.get(url).send().expect("download");
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.bytes().expect("bytes").as_ref(), installer.as_slice());

    // Already current, a platform the operator did not fill, an rpm install: nothing.
    assert_eq!(check("9.9.9", "deb").0, 204);
    assert_eq!(check("10.0.0", "deb").0, 204);
    assert_eq!(check("0.1.0", "rpm").0, 204);
    assert_eq!(check("not-a-version", "deb").0, 400);
    // Absolute URLs pass through as the operator wrote them.
    let resp = c
        .get(node.url("/api/v1/updates/windows/x86_64/0.1.0?bundle=nsis"))
        .send()
        .expect("check");
    let release: Value = resp.json().expect("json");
    assert_eq!(
        release["url"],
        "https://mirror.example.cn/IDStation_9.9.9_x64-setup.exe"
    );

    // Only plain files of the folder are served.
    for bad in ["latest.json", "..%2Fnode.sqlite", ".hidden", "missing.deb"] {
        let status = c
            .get(node.url(&format!("/api/v1/updates/files/{bad}")))
            .send()
            .expect("get")
            .status()
            .as_u16();
        assert_eq!(status, 404, "{bad}");
    }
    node.terminate();
}
