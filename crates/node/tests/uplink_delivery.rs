//! Delivery to the top-level node, against a receiver on loopback standing in for it (a small
//! axum server in this test): it fails (500), it times out, the node is killed mid-send and
//! restarted — and every report arrives, under its key, always with the same body, none lost.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::*;
use sha2::{Digest, Sha256};

/// What the receiver saw: every delivery's key and body hash, in order.
#[derive(Default)]
struct Seen {
    requests: AtomicUsize,
    deliveries: Mutex<Vec<(String, String)>>,
    /// Told when the request to hold arrives.
    held: Mutex<Option<std::sync::mpsc::Sender<()>>>,
}

/// How the receiver answers request `n` (from 1).
fn behaviour(n: usize) -> &'static str {
    match n {
        1..=4 => "fail",
        5 | 6 => "slow",
        12 => "hold",
        _ => "ok",
    }
}

async fn receive(State(seen): State<Arc<Seen>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let n = seen.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let sha = hex::encode(Sha256::digest(&body));
    match behaviour(n) {
        "fail" => return StatusCode::INTERNAL_SERVER_ERROR,
        "slow" => {
            // Stored, but the answer comes after the node stopped waiting: its retry then
            // arrives as a second delivery of the same key.
            seen.deliveries.lock().expect("lock").push((key, sha));
            tokio::time::sleep(Duration::from_secs(3)).await;
            return StatusCode::OK;
        }
        "hold" => {
            if let Some(tx) = seen.held.lock().expect("lock").take() {
                let _ = tx.send(());
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
            // The sender was killed meanwhile: nothing was stored for it.
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        _ => {}
    }
    seen.deliveries.lock().expect("lock").push((key, sha));
    StatusCode::OK
}

struct Receiver {
    url: String,
    seen: Arc<Seen>,
    _runtime: tokio::runtime::Runtime,
}

fn receiver() -> (Receiver, std::sync::mpsc::Receiver<()>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (tx, rx) = std::sync::mpsc::channel();
    let seen = Arc::new(Seen {
        held: Mutex::new(Some(tx)),
        ..Seen::default()
    });
    let app = axum::Router::new()
        .route("/reports", axum::routing::post(receive))
        .with_state(seen.clone());
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let url = format!("http://{}/reports", listener.local_addr().expect("addr"));
    runtime.spawn(async move { axum::serve(listener, app).await });
    (
        Receiver {
            url,
            seen,
            _runtime: runtime,
        },
        rx,
    )
}

fn route(c: &Client, node: &Node, port: u16) {
    let (status, body) = done(
        admin(c.post(node.url("/api/v1/docking/T02/records")))
            .json(
                &json!({"fields": {"codeType": "Handle", "prefix": PREFIX, "ipType": "4",
                                     "address": "192.0.2.10", "protocol": "TCP", "port": port}}),
            )
            .send()
            .expect("put"),
    );
    assert_eq!(status, 200, "{body}");
}

fn outbox(data_dir: &Path) -> Vec<Value> {
    let (ok, out) = node_cli(&[
        "uplink",
        "list",
        "--json",
        "--limit",
        "1000",
        "--data-dir",
        data_dir.to_str().expect("path"),
    ]);
    assert!(ok);
    serde_json::from_str(&out).expect("JSON")
}

#[test]
fn every_report_arrives_once_by_key_through_failures_timeouts_and_a_kill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let (rx, held) = receiver();
    let config = dir.path().join("node.toml");
    std::fs::write(
        &config,
        format!(
            "[uplink]\nendpoint = {:?}\ntoken = \"t0ken\"\ntimeout_secs = 1\nfirst_backoff_ms = 100\nmax_backoff_secs = 1\n\
             [backup]\nevery_hours = 0\n[escrow]\nevery_hours = 0\n",
            rx.url
        ),
    )
    .expect("config");
    let c = client();
    let node = Node::start_with_config(&data_dir, &config);
    for port in 1000..1030 {
        route(&c, &node, port);
    }
    // The 12th request is held: the node dies while sending it.
    let t = std::time::Instant::now();
    held.recv_timeout(Duration::from_secs(120))
        .expect("the node reached the 12th request");
    eprintln!("held after {:?}", t.elapsed());
    node.kill();
    let node = Node::start_with_config(&data_dir, &config);
    for port in 2000..2010 {
        route(&c, &node, port);
    }
    // Everything is acknowledged in the end (bounded wait).
    let mut rows = outbox(&data_dir);
    for _ in 0..600 {
        if rows.len() >= 40 && rows.iter().all(|r| r["state"] == "acked") {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        rows = outbox(&data_dir);
    }
    // 40 routing changes, and the events of the unclean stop.
    eprintln!("all acknowledged after {:?}", t.elapsed());
    assert_eq!(
        rows.iter().filter(|r| r["item"] == "T02").count(),
        40,
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r["state"] == "acked"), "{rows:?}");
    node.terminate();

    let deliveries = rx.seen.deliveries.lock().expect("lock").clone();
    let mut by_key: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (key, sha) in &deliveries {
        by_key.entry(key.clone()).or_default().insert(sha.clone());
    }
    // Every report arrived; a report delivered twice was the same bytes both times.
    let keys: BTreeSet<String> = rows
        .iter()
        .map(|r| r["key"].as_str().expect("key").to_owned())
        .collect();
    assert_eq!(by_key.keys().cloned().collect::<BTreeSet<_>>(), keys);
    for (key, shas) in &by_key {
        assert_eq!(shas.len(), 1, "{key} arrived as different reports");
        let stored = rows.iter().find(|r| r["key"] == key.as_str()).expect("row");
        assert_eq!(
            stored["sha256"].as_str(),
            shas.iter().next().map(String::as_str)
        );
    }
    // The slow answers were retried: their keys arrived more than once, and nothing else did
    // beyond the retries.
    assert!(
        deliveries.len() > keys.len(),
        "no retry reached the receiver"
    );
    // Each key once, plus the four failures, the two slow answers and the one held.
    let extra = 4 + 2 + 1;
    assert!(rx.seen.requests.load(Ordering::SeqCst) >= keys.len() + extra);
    assert!(rows.iter().any(|r| r["attempts"].as_u64() > Some(1)));
    assert!(audit_entries(&data_dir) >= 40);
}
