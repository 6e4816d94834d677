//! The real pyhandle client (PyPI) against the real node: what a Handle.net user's scripts do.

mod common;

use common::*;

#[test]
fn pyhandle_creates_reads_modifies_and_deletes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let handle = "88.118.8/PYH-2026-0001";
    let steps = pyhandle(&[
        "lifecycle",
        &node.base,
        &format!("300:0.NA/{PREFIX}"),
        SECRET,
        handle,
    ]);
    let step = |name: &str| -> &Value {
        steps
            .iter()
            .find(|s| s["step"] == name)
            .unwrap_or_else(|| panic!("no step {name} in {steps:?}"))
    };
    assert_eq!(step("create")["handle"], handle);
    let read = &step("read")["record"];
    assert_eq!(read["URL"], "https://example.cn/cal/first");
    assert_eq!(read["EMAIL"], "lab@example.cn");
    assert!(
        read["HS_ADMIN"].is_string(),
        "pyhandle adds its admin value: {read}"
    );
    assert_eq!(step("modify")["url"], "https://example.cn/cal/second");
    let after = &step("delete_value")["record"];
    assert_eq!(after["URL"], "https://example.cn/cal/second");
    assert!(after.get("EMAIL").is_none(), "{after}");
    assert!(step("read_deleted")["record"].is_null());

    // The node agrees: gone, 404 with responseCode 100; every write is in the audit chain.
    let (status, body) = done(
        client()
            .get(node.url(&format!("/api/handles/{handle}")))
            .send()
            .expect("get"),
    );
    assert_eq!((status, body["responseCode"].clone()), (404, json!(100)));
    node.terminate();
    // Each of pyhandle's writes is one entry of the handle's audit trail, in order, and the
    // chain verifies.
    assert!(audit_entries(&data_dir) > 0);
    let conn = rusqlite::Connection::open(data_dir.join("node.sqlite")).expect("open");
    let actions: Vec<String> = conn
        .prepare("SELECT action FROM audit_log WHERE subject = ?1 ORDER BY seq")
        .and_then(|mut s| {
            s.query_map([handle], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()
        })
        .expect("audit");
    assert_eq!(actions, ["create", "modify", "delete_values", "delete"]);
}

#[test]
fn pyhandle_with_a_wrong_secret_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let node = Node::start(&data_dir);
    let out = pyhandle_run(&[
        "lifecycle",
        &node.base,
        &format!("300:0.NA/{PREFIX}"),
        "not the secret",
        "88.118.8/PYH-2026-0002",
    ]);
    assert!(!out.status.success(), "a wrong secret must fail");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Authentication") || err.contains("401") || err.contains("403"),
        "{err}"
    );
    let (status, _) = done(
        client()
            .get(node.url("/api/handles/88.118.8/PYH-2026-0002"))
            .send()
            .expect("get"),
    );
    assert_eq!(status, 404);
}
