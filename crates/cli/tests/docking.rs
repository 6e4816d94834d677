//! `idstation docking` without a node: bad input is refused before any sign-in, and a station
//! that syncs with no node says so. The round trip against the real node is in
//! `crates/node/tests/docking_desk.rs`.

mod common;

use common::Ws;
use predicates::prelude::*;

#[test]
fn docking_refuses_bad_input_before_signing_in() {
    let ws = Ws::new();
    // A field without a value: named, nothing sent (no node is even set).
    ws.cmd()
        .args(["docking", "--username", "operator", "--password", "x"])
        .args(["set", "T01", "--field", "orgName"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--field").and(predicate::str::contains("orgName")));
    // Resend needs a key or --all; verify needs --pass or --fail with an opinion.
    ws.cmd()
        .args([
            "docking",
            "--username",
            "operator",
            "--password",
            "x",
            "resend",
        ])
        .assert()
        .code(2);
    ws.cmd()
        .args(["docking", "--username", "operator", "--password", "x"])
        .args(["verify", "88.118.8", "--fail"])
        .assert()
        .code(2);
}

#[test]
fn docking_without_a_node_says_to_sign_the_station_in_first() {
    let ws = Ws::new();
    ws.cmd()
        .args([
            "--lang",
            "zh-CN",
            "docking",
            "--username",
            "operator",
            "--password",
            "x",
        ])
        .arg("tables")
        .assert()
        .failure()
        .stderr(predicate::str::contains("尚未登录节点"));
    ws.cmd()
        .args([
            "--lang",
            "en",
            "--json",
            "docking",
            "--username",
            "operator",
        ])
        .args(["--password", "x", "uplink"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("\"code\":\"sync_not_configured\""));
}
