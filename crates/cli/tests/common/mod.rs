//! What the CLI's end-to-end tests share: a workstation folder and the binary pointed at it.
#![allow(dead_code)]

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

pub struct Ws {
    pub dir: tempfile::TempDir,
}

impl Ws {
    pub fn new() -> Ws {
        let ws = Ws {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        ws.cmd()
            .args(["init", "--prefix", "88.118.8"])
            .assert()
            .success();
        ws
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The binary with a fixed data folder, user and language (locale variables cleared).
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("idstation").expect("binary");
        c.env("IDSTATION_DATA_DIR", self.dir.path())
            .env("IDSTATION_USER", "王芳")
            .env_remove("IDSTATION_LANG")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env("LANG", "C.UTF-8");
        c
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.cmd().arg("--json").args(args).output().expect("run");
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json output")
    }

    /// What every write changes: outbox ops and audit entries.
    pub fn write_counts(&self) -> (i64, i64) {
        let status = self.json(&["status"]);
        let verify = self.json(&["audit", "verify"]);
        (
            status["outbox"]["total"].as_i64().expect("total"),
            verify["audit"]["entries"].as_i64().expect("entries"),
        )
    }

    pub fn add_caliper(&self) {
        self.cmd()
            .args([
                "instrument",
                "add",
                "--id",
                "88.118.8/cal-2026-000123",
                "--name",
                "数显卡尺",
                "--model",
                "500-196-30",
                "--manufacturer",
                "三丰",
                "--owner",
                "上海华东精密机械有限公司",
                "--cal-date",
                "2026-03-01",
                "--cal-interval",
                "12",
                "--cal-result",
                "合格",
                "--set",
                "attr.environment=恒温室",
            ])
            .assert()
            .success()
            .stdout(predicate::str::contains("已登记 88.118.8/CAL-2026-000123"));
    }
}
