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
pub const BIN: &str = env!("CARGO_BIN_EXE_idstation-node");

/// A running node; killed when dropped so a failing test leaves no process behind.
pub struct Node {
    pub child: Child,
    pub base: String,
}

impl Node {
    /// `serve` on `listen`; `None` when the address cannot be bound (e.g. no IPv6 loopback).
    pub fn try_start(data_dir: &Path, listen: &str) -> Option<Node> {
        Node::try_start_with(data_dir, listen, None)
    }

    /// `serve` with a configuration file as well.
    pub fn start_with_config(data_dir: &Path, config: &Path) -> Node {
        Node::try_start_with(data_dir, "127.0.0.1:0", Some(config)).expect("node starts")
    }

    fn try_start_with(data_dir: &Path, listen: &str, config: Option<&Path>) -> Option<Node> {
        let mut cmd = Command::new(BIN);
        if let Some(config) = config {
            cmd.arg("serve")
                .arg("--config")
                .arg(config)
                .arg("--data-dir");
        } else {
            cmd.args(["serve", "--data-dir"]);
        }
        let mut child = cmd
            .arg(data_dir)
            .args(["--listen", listen])
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
    let out = Command::new(BIN)
        .args(["init", "--data-dir"])
        .arg(&data_dir)
        .args(["--prefix", PREFIX, "--admin-secret", SECRET])
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
#[allow(dead_code)]
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
