//! The sync client never follows a redirect: a 307 or 308 from the node's address would make an
//! HTTP client send the same body (the password, the device secret) and token to the new place.
//! Real sockets on loopback: one answers every request with a redirect, the other counts who
//! reaches it.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use idstation_sync::{HttpTransport, SyncError, Transport};

/// Counts the connections it gets; answers none.
fn elsewhere() -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = format!("http://{}", l.local_addr().expect("addr"));
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            h.fetch_add(1, Ordering::SeqCst);
            drop(s);
        }
    });
    (addr, hits)
}

/// Answers every request with `status` pointing to `to` (same path).
fn redirecting(status: &'static str, to: String) -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = format!("http://{}", l.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = vec![0u8; 16 * 1024];
            let n = s.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).to_string();
            let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nLocation: {to}{path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    addr
}

#[test]
fn credentials_never_follow_a_redirect() {
    for status in [
        "301 Moved Permanently",
        "302 Found",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        let (target, hits) = elsewhere();
        let node = redirecting(status, target.clone());
        let t = HttpTransport::new(&node).expect("client");
        let e = t
            .login("technician", "s3cret-password")
            .expect_err("redirect");
        assert!(
            matches!(&e, SyncError::Redirected { location } if location == &format!("{target}/api/v1/login")),
            "{status}: {e:?}"
        );
        let e = t
            .login_device("0192f0c2-0000-7000-8000-000000000001", "device-secret")
            .expect_err("redirect");
        assert!(matches!(e, SyncError::Redirected { .. }), "{status}: {e:?}");
        let e = t
            .lease("token", "0192f0c2-0000-7000-8000-000000000001", 10)
            .expect_err("redirect");
        assert!(matches!(e, SyncError::Redirected { .. }), "{status}: {e:?}");
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(hits.load(Ordering::SeqCst), 0, "{status}: followed");
        assert!(!e.is_transient());
    }
}
