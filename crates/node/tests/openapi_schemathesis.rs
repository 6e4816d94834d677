//! Schemathesis (from PyPI, in the repository's `.venv`) fuzzes the real node against its own
//! OpenAPI document, every endpoint (sync, device sign-in and the account lifecycle included):
//! no 5xx, and every answer matches the documented status, content type and schema.

mod common;

use common::*;

#[test]
fn schemathesis_finds_no_server_error_or_schema_violation() {
    let schemathesis = venv_tool("schemathesis");
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let (status, doc) = done(
        client()
            .get(node.url("/api/openapi.json"))
            .send()
            .expect("doc"),
    );
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");

    let admin = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(format!("300:0.NA/{PREFIX}:{SECRET}"))
    };
    let out = Command::new(schemathesis)
        .current_dir(dir.path())
        .args(["run", &node.url("/api/openapi.json")])
        // The prefix administrator (the operator account must change its password first); its
        // user name holds a colon, which `--auth` does not take.
        .args(["--header", &format!("Authorization: Basic {admin}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_schema_conformance",
        ])
        .args([
            "--max-examples",
            "25",
            "--seed",
            "20261122",
            "--request-timeout",
            "10",
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("run schemathesis");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("passed"), "{report}");
    eprintln!("{report}");
    // The fuzzing wrote through the API (audited writes beyond `init`'s: accounts, incidents,
    // maintenance, uplink resends, …), and the chain still verifies.
    node.terminate();
    assert!(audit_entries(&data_dir) > 0);
    let conn = rusqlite::Connection::open(data_dir.join("node.sqlite")).expect("open");
    let actions: Vec<(String, i64)> = conn
        .prepare("SELECT action, count(*) FROM audit_log WHERE action != 'init' GROUP BY action")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .expect("actions");
    eprintln!("audited writes: {actions:?}");
    assert!(
        actions.len() >= 3,
        "the fuzzing wrote through fewer than three endpoints: {actions:?}"
    );
}
