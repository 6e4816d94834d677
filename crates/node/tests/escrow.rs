//! Escrow (annex 4) through the real binary: a node with 100,000 handles (registered the way a
//! lab does, on a workstation and one sync) is exported while it serves; the export verifies
//! against itself and against the running node; the node is wiped; a fresh node imports the
//! export and every sampled handle resolves byte for byte as before, without overwriting what
//! the fresh node had newer; a tampered export fails `verify`.
//! `IDSTATION_ESCROW_HANDLES` changes the count (the bench exports a million).

mod common;

use common::*;
use idstation_model::{Field, InstrumentInput};
use idstation_workstation::Workstation;

const PASSWORD: &str = TECHNICIAN_PASSWORD;

fn count() -> usize {
    std::env::var("IDSTATION_ESCROW_HANDLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// Registers `n` instruments on a workstation and syncs them to the node in one go.
pub fn register(dir: &Path, node: &Node, n: usize) -> Vec<String> {
    let mut ws =
        Workstation::init(&dir.join("ws"), "88.118.8", "escrow").expect("init workstation");
    ws.sync_login(&node.base, "tech", PASSWORD, "escrow")
        .expect("login");
    let ids: Vec<String> = (1..=n).map(|i| format!("88.118.8/E-{i:07}")).collect();
    let instruments: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let mut input = InstrumentInput::default();
            input.set(&Field::Identifier, id.as_str());
            input.set(&Field::Name, format!("数字压力表 {i}"));
            input.set(&Field::Model, "YB-150");
            input.set(&Field::SerialNo, format!("SN{i:08}"));
            input.set(&Field::Owner, "上海华东精密机械有限公司");
            ws.validate(&input).expect("valid")
        })
        .collect();
    ws.import_instruments(&instruments, &mut |_, _| {})
        .expect("import");
    let report = ws.sync_now(&mut |_| {}).expect("sync");
    assert_eq!(report.pushed.applied as usize, n, "{report:?}");
    ids
}

fn get(c: &Client, node: &Node, handle: &str) -> (u16, Vec<u8>) {
    let resp = c
        .get(node.url(&format!("/api/handles/{handle}")))
        .send()
        .expect("get");
    (resp.status().as_u16(), resp.bytes().expect("body").to_vec())
}

#[test]
fn an_export_of_100k_handles_verifies_and_restores_every_handle_byte_for_byte() {
    let n = count();
    let dir = tempfile::tempdir().expect("tempdir");
    let data_a = init(dir.path());
    let node_a = Node::start(&data_a);
    approved_technician(&node_a);
    let t = std::time::Instant::now();
    let ids = register(dir.path(), &node_a, n);
    eprintln!("registered {n} in {:.1} s", t.elapsed().as_secs_f64());

    // Exported while the node serves, verified against itself and against the node.
    let exports = dir.path().join("exports");
    let t = std::time::Instant::now();
    let (ok, out) = node_cli(&[
        "escrow",
        "export",
        "--json",
        "--out",
        exports.to_str().expect("path"),
        "--data-dir",
        data_a.to_str().expect("path"),
    ]);
    assert!(ok, "export failed");
    eprintln!("exported in {:.1} s", t.elapsed().as_secs_f64());
    let exported: Value = serde_json::from_str(&out).expect("JSON");
    let export = PathBuf::from(exported["dir"].as_str().expect("dir"));
    let handles = exported["manifest"]["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .find(|p| p["name"] == "handles")
        .expect("handles part")
        .clone();
    // Every instrument, and the prefix handle.
    assert_eq!(handles["rows"].as_u64(), Some(n as u64 + 1));
    assert!(exported["manifest"]["audit_head"]["seq"].as_u64() > Some(n as u64));
    let (ok, out) = node_cli(&[
        "escrow",
        "verify",
        "--json",
        export.to_str().expect("path"),
        "--node",
        &node_a.base,
        "--sample",
        "500",
    ]);
    assert!(ok, "verify against the node failed");
    let verified: Value = serde_json::from_str(&out).expect("JSON");
    assert!(verified["handles_compared"].as_u64() >= Some(500));

    // What the node answered, for a sample, before it is wiped.
    let c = client();
    let step = (n / 1000).max(1);
    let sample: Vec<(String, Vec<u8>)> = ids
        .iter()
        .step_by(step)
        .map(|h| {
            let (status, body) = get(&c, &node_a, h);
            assert_eq!(status, 200);
            (h.clone(), body)
        })
        .collect();
    node_a.terminate();
    std::fs::remove_dir_all(&data_a).expect("wipe");

    // A fresh node with one newer record of its own, then the import while it serves.
    let fresh = dir.path().join("fresh");
    std::fs::create_dir_all(&fresh).expect("dir");
    let data_b = init(&fresh);
    let node_b = Node::start(&data_b);
    let own = &ids[0];
    let (status, _) = done(
        admin(c.put(node_b.url(&format!("/api/handles/{own}"))))
            .json(&json!([{"index": 1, "type": "URL", "data": "https://fresh.example.cn/kept"}]))
            .send()
            .expect("put"),
    );
    assert_eq!(status, 201);
    let (ok, out) = node_cli(&[
        "escrow",
        "import",
        "--json",
        export.to_str().expect("path"),
        "--data-dir",
        data_b.to_str().expect("path"),
    ]);
    assert!(ok, "import failed");
    let tally: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(
        tally["added"]["handles"].as_u64(),
        Some(n as u64 - 1),
        "{tally}"
    );
    assert_eq!(
        tally["kept"]["handles"].as_u64(),
        Some(2),
        "the prefix handle and the newer record: {tally}"
    );
    assert_eq!(tally["added"]["accounts"].as_u64(), Some(1), "{tally}");

    for (h, before) in &sample {
        let (status, now) = get(&c, &node_b, h);
        assert_eq!(status, 200, "{h}");
        if h == own {
            assert!(
                String::from_utf8_lossy(&now).contains("fresh.example.cn/kept"),
                "newer local data was overwritten"
            );
        } else {
            assert_eq!(&now, before, "{h} resolves differently after the import");
        }
    }
    let (status, body) = done(
        admin(c.get(node_b.url("/api/handles?prefix=88.118.8&pageSize=0")))
            .send()
            .expect("count"),
    );
    assert_eq!(status, 200);
    assert_eq!(body["totalCount"], n.to_string());
    // The technician signs in at the fresh node with the escrowed password hash.
    let (status, _) = done(
        c.post(node_b.url("/api/v1/login"))
            .json(&json!({"username": "tech", "password": PASSWORD}))
            .send()
            .expect("login"),
    );
    assert_eq!(status, 200);
    node_b.terminate();
    assert!(
        audit_entries(&data_b) >= n as u64,
        "every imported row is audited"
    );

    // A changed byte in a part, or in the manifest, fails verification.
    let path = export.join("handles.jsonl");
    let mut bytes = std::fs::read(&path).expect("part");
    let at = bytes.len() / 2;
    let original = bytes[at];
    bytes[at] = if original == b'1' { b'2' } else { b'1' };
    std::fs::write(&path, &bytes).expect("tamper");
    let (ok, _) = node_cli(&["escrow", "verify", export.to_str().expect("path")]);
    assert!(!ok, "a tampered part verified");
    bytes[at] = original;
    std::fs::write(&path, &bytes).expect("untamper");
    let (ok, _) = node_cli(&["escrow", "verify", export.to_str().expect("path")]);
    assert!(ok, "the restored part verifies again");
    let manifest = export.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    std::fs::write(&manifest, text.replacen("\"rows\": ", "\"rows\": 1", 1)).expect("tamper");
    let (ok, _) = node_cli(&["escrow", "verify", export.to_str().expect("path")]);
    assert!(!ok, "a tampered manifest verified");
}
