//! The harness the node's integration tests share: the real binary on loopback over HTTP.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
pub use std::path::{Path, PathBuf};
pub use std::process::{Child, Command, Stdio};
pub use std::time::Duration;

pub use reqwest::blocking::{Client, RequestBuilder, Response};
pub use serde_json::{json, Value};

pub const PREFIX: &str = "88.118";
pub const SECRET: &str = "correct horse battery staple";
/// The password tests give the operator account in place of the admin secret it starts with.
pub const OPERATOR_PASSWORD: &str = "operator-2026-own";
/// The password of the technician [`approved_technician`] registers.
pub const TECHNICIAN_PASSWORD: &str = "calib2026";
pub const BIN: &str = env!("CARGO_BIN_EXE_idstation-node");

/// The node binary the tests run: `IDSTATION_NODE_BIN` when set (the release build, or an older
/// build to show a test failing before a fix), else the one cargo built for this test.
pub fn node_bin() -> PathBuf {
    std::env::var_os("IDSTATION_NODE_BIN").map_or_else(|| PathBuf::from(BIN), PathBuf::from)
}

/// A running node; killed when dropped so a failing test leaves no process behind.
pub struct Node {
    pub child: Child,
    pub base: String,
}

impl Node {
    /// `serve` on `listen`; `None` when the address cannot be bound (e.g. no IPv6 loopback).
    pub fn try_start(data_dir: &Path, listen: &str) -> Option<Node> {
        Node::try_start_with(data_dir, listen, &[])
    }

    /// `serve` on 127.0.0.1 with more arguments (e.g. `--config FILE`).
    pub fn start_with(data_dir: &Path, args: &[&str]) -> Node {
        Node::try_start_with(data_dir, "127.0.0.1:0", args).expect("node starts on 127.0.0.1")
    }

    /// `serve` on 127.0.0.1 with a configuration file as well.
    pub fn start_with_config(data_dir: &Path, config: &Path) -> Node {
        let config = config.to_str().expect("a UTF-8 path");
        Node::start_with(data_dir, &["--config", config])
    }

    /// `serve` on 127.0.0.1 run through `wrapper` (e.g. `prlimit --nofile=1024:20000`), which
    /// execs the node (so the process id stays the node's).
    pub fn start_wrapped(wrapper: &[&str], data_dir: &Path, args: &[&str]) -> Node {
        let mut command = Command::new(wrapper[0]);
        command.args(&wrapper[1..]).arg(node_bin());
        Node::spawn(command, data_dir, "127.0.0.1:0", args).expect("node starts on 127.0.0.1")
    }

    /// `serve` on 127.0.0.1 in the time zone `tz` (the `TZ` variable, a POSIX string such as
    /// `XXX+12`), as on a server set to another zone than the lab's.
    pub fn start_in_time_zone(data_dir: &Path, tz: &str) -> Node {
        let mut command = Command::new(node_bin());
        command.env("TZ", tz);
        Node::spawn(command, data_dir, "127.0.0.1:0", &[]).expect("node starts on 127.0.0.1")
    }

    pub fn try_start_with(data_dir: &Path, listen: &str, args: &[&str]) -> Option<Node> {
        Node::spawn(Command::new(node_bin()), data_dir, listen, args)
    }

    fn spawn(mut command: Command, data_dir: &Path, listen: &str, args: &[&str]) -> Option<Node> {
        let mut child = command
            .args(["serve", "--data-dir"])
            .arg(data_dir)
            .args(["--listen", listen])
            .args(args)
            .env("IDSTATION_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn idstation-node serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let Some(url) = line.trim().strip_prefix("listening on ") else {
            let status = child.wait().expect("wait for failed node");
            eprintln!("node did not start on {listen} ({status}): {line:?}");
            return None;
        };
        Some(Node {
            base: url.to_owned(),
            child,
        })
    }

    pub fn start(data_dir: &Path) -> Node {
        Node::try_start(data_dir, "127.0.0.1:0").expect("node starts on 127.0.0.1")
    }

    /// SIGTERM, then wait: the node must shut down gracefully with exit code 0.
    pub fn terminate(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        let exit = self.child.wait().expect("wait for node");
        assert!(exit.success(), "graceful shutdown exit status: {exit}");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL: the node dies wherever it is, as in a power cut.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `idstation-node ARGS` to completion; its exit status and stdout.
pub fn node_cli(args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("run idstation-node");
    if !out.status.success() {
        eprintln!(
            "idstation-node {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn init(dir: &Path) -> PathBuf {
    let data_dir = dir.join("node");
    let out = Command::new(node_bin())
        .args(["init", "--data-dir"])
        .arg(&data_dir)
        .args(["--prefix", PREFIX])
        .env("IDSTATION_NODE_ADMIN_SECRET", SECRET)
        .output()
        .expect("run init");
    assert!(
        out.status.success(),
        "init failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    data_dir
}

/// Entries in the node's audit chain, checked link by link (read through a second connection).
pub fn audit_entries(data_dir: &Path) -> u64 {
    idstation_node::SqliteStore::open(data_dir)
        .expect("open node database")
        .verify_audit()
        .expect("audit chain intact")
}

/// Waits out the last `margin` of the day in China (the day the node's figures are kept by),
/// so a test that reads today's figures never sees its own traffic split over two days.
pub fn away_from_china_midnight(margin: Duration) {
    let china = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    let now = chrono::Utc::now().with_timezone(&china);
    let later = now + chrono::Duration::from_std(margin).expect("a short margin");
    if later.date_naive() != now.date_naive() {
        let wait = (later - now).to_std().unwrap_or_default();
        eprintln!("waiting {wait:?} for the day in China to turn");
        std::thread::sleep(wait);
    }
}

/// A self-signed certificate for `names` (host names or addresses), written into `dir` as
/// `cert.pem` and `key.pem`; with its PEM, for a client to trust.
pub fn self_signed_certificate(dir: &Path, names: &[&str]) -> (PathBuf, PathBuf, Vec<u8>) {
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(names).expect("certificate");
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).expect("write cert");
    std::fs::write(&key_path, signing_key.serialize_pem()).expect("write key");
    (cert_path, key_path, cert.pem().into_bytes())
}

/// A client that trusts the certificate `pem` (and what the system trusts).
pub fn trusting(pem: &[u8]) -> reqwest::blocking::ClientBuilder {
    Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pem).expect("pem"))
        .timeout(Duration::from_secs(10))
}

/// The machine can listen on the IPv6 loopback, or the test says plainly why it cannot run.
/// Required, never skipped (a skip would count as a pass): IPv6 is a floor of the standards.
pub fn assert_ipv6_loopback() {
    if let Err(e) = std::net::TcpListener::bind("[::1]:0") {
        panic!("this machine has no IPv6 loopback ({e}); the IPv6 tests need one");
    }
}

pub fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

pub fn admin(req: RequestBuilder) -> RequestBuilder {
    req.basic_auth(format!("300:0.NA/{PREFIX}"), Some(SECRET))
}

/// A token of the operator account: its first sign-in (with the admin secret) must set its own
/// password, so this sets [`OPERATOR_PASSWORD`] once and signs in with it.
pub fn operator_token(c: &Client, node: &Node) -> String {
    let login = |password: &str| {
        done(
            c.post(node.url("/api/v1/login"))
                .json(&json!({"username": "operator", "password": password}))
                .send()
                .expect("login"),
        )
    };
    let (status, body) = login(OPERATOR_PASSWORD);
    if status == 200 {
        return body["token"].as_str().expect("token").to_owned();
    }
    let (status, body) = login(SECRET);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["must_change_password"], true, "{body}");
    let first = body["token"].as_str().expect("token").to_owned();
    let (status, body) = done(
        c.post(node.url("/api/v1/me/password"))
            .bearer_auth(&first)
            .json(&json!({"current_password": SECRET, "new_password": OPERATOR_PASSWORD}))
            .send()
            .expect("change password"),
    );
    assert_eq!(status, 200, "{body}");
    first
}

/// Status and JSON body.
pub fn done(resp: Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().expect("response body");
    let body = serde_json::from_str(&text).unwrap_or_else(|_| json!({ "raw": text }));
    (status, body)
}

/// A tool from the repository's `.venv` (scripts/setup installs tests/python/requirements.txt).
pub fn venv_tool(name: &str) -> PathBuf {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../.venv/bin")
        .join(name);
    assert!(
        tool.exists(),
        "{} is missing: run scripts/setup (it installs tests/python/requirements.txt into .venv)",
        tool.display()
    );
    tool
}

/// Runs tests/python/pyhandle_client.py with the real pyhandle client.
#[allow(dead_code)]
pub fn pyhandle_run(args: &[&str]) -> std::process::Output {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/python/pyhandle_client.py");
    Command::new(venv_tool("python"))
        .arg(script)
        .args(args)
        .output()
        .expect("run pyhandle")
}

/// The steps of a pyhandle run that must succeed, one JSON object each.
pub fn pyhandle(args: &[&str]) -> Vec<Value> {
    let out = pyhandle_run(args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "pyhandle failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON step"))
        .collect()
}

/// Registers the technician `tech` of enterprise 88.118.8 (password [`TECHNICIAN_PASSWORD`])
/// and has the prefix administrator approve the account.
#[allow(dead_code)]
pub fn approved_technician(node: &Node) {
    let c = client();
    let (status, body) = done(
        c.post(node.url("/api/v1/accounts"))
            .json(
                &json!({"username": "tech", "password": TECHNICIAN_PASSWORD, "display_name": "王工",
                          "role": "technician", "enterprise_prefix": "88.118.8",
                          "enterprise_name": "华东计量"}),
            )
            .send()
            .expect("register"),
    );
    assert_eq!(status, 201, "{body}");
    let id = body["account"]["id"].as_i64().expect("id");
    let (status, _) = done(
        admin(c.post(node.url(&format!("/api/v1/accounts/{id}/approve"))))
            .send()
            .expect("approve"),
    );
    assert_eq!(status, 200);
}

/// A node serving with its reports written as files into `<dir>/outbox` (no endpoint), and
/// no scheduled backups or exports: (node, data folder, outbox).
#[allow(dead_code)]
pub fn docking_node(dir: &Path) -> (Node, PathBuf, PathBuf) {
    let data_dir = init(dir);
    let outbox = dir.join("outbox");
    let config = dir.join("node.toml");
    std::fs::write(
        &config,
        format!(
            "[uplink]\noutbox_dir = {:?}\n[backup]\nevery_hours = 0\n[escrow]\nevery_hours = 0\n",
            outbox.display().to_string()
        ),
    )
    .expect("config");
    (
        Node::start_with_config(&data_dir, &config),
        data_dir,
        outbox,
    )
}

/// A valid 1×1 PNG (attachments are told by their first bytes).
#[allow(dead_code)]
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82";

#[allow(dead_code)]
/// The 统一社会信用代码 check character (GB 32100-2015), computed here independently.
pub fn uscc(body: &str) -> String {
    const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let sum: usize = body
        .chars()
        .zip(W)
        .map(|(c, w)| CHARS.find(c).expect("code char") * w)
        .sum();
    let check = CHARS.chars().nth((31 - sum % 31) % 31).expect("check");
    format!("{body}{check}")
}

/// The `idstation` binary cargo built beside the node (`cargo test --workspace` builds both).
#[allow(dead_code)]
pub fn cli_bin() -> PathBuf {
    let bin = Path::new(BIN).with_file_name("idstation");
    assert!(
        bin.exists(),
        "no idstation CLI at {}: build it first (cargo build -p idstation-cli)",
        bin.display()
    );
    bin
}
