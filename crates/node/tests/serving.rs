//! How the node is started and reached (issue 12, item 15): the admin secret comes from a file
//! or the environment, never the command line, and plain HTTP and HTTPS listen together, with
//! HTTP redirecting to HTTPS (labels carry `HTTPS://`). Through the real binary.

mod common;

use std::io::{BufRead, BufReader};

use common::*;

#[test]
fn the_admin_secret_comes_from_a_file_or_the_environment_never_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let init_with = |data: &str, args: &[&str], env: Option<&str>| {
        let mut cmd = Command::new(node_bin());
        cmd.args(["init", "--data-dir"])
            .arg(dir.path().join(data))
            .args(["--prefix", PREFIX])
            .args(args)
            .env_remove("IDSTATION_NODE_ADMIN_SECRET");
        if let Some(secret) = env {
            cmd.env("IDSTATION_NODE_ADMIN_SECRET", secret);
        }
        cmd.output().expect("run init")
    };
    // On the command line (where `ps` shows it to everyone): refused.
    let argv = init_with("a", &["--admin-secret", SECRET], None);
    assert!(!argv.status.success());
    // Neither a file nor the environment: refused, saying how.
    let none = init_with("b", &[], None);
    assert!(!none.status.success());
    let err = String::from_utf8_lossy(&none.stderr);
    assert!(err.contains("--admin-secret-file"), "{err}");
    // A file: its first line is the secret.
    let file = dir.path().join("secret");
    std::fs::write(&file, format!("{SECRET}\n")).expect("secret file");
    let from_file = init_with(
        "c",
        &["--admin-secret-file", file.to_str().expect("path")],
        None,
    );
    assert!(from_file.status.success(), "{from_file:?}");
    let node = Node::start(&dir.path().join("c"));
    let (status, _) = done(
        admin(client().get(node.url("/api/v1/me")))
            .send()
            .expect("me"),
    );
    assert_eq!(
        status, 200,
        "the secret from the file signs the prefix admin in"
    );
}

#[test]
fn http_and_https_listen_together_and_http_redirects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    let (cert_path, key_path, pem) = self_signed_certificate(dir.path(), &["localhost"]);
    let config = dir.path().join("node.toml");
    std::fs::write(
        &config,
        format!(
            "listen = [\"127.0.0.1:0\"]\n[tls]\ncert = {cert_path:?}\nkey = {key_path:?}\n\
             listen = [\"127.0.0.1:0\"]\n"
        ),
    )
    .expect("config");
    let mut child = Command::new(node_bin())
        .args(["serve", "--data-dir"])
        .arg(&data_dir)
        .arg("--config")
        .arg(&config)
        .env("IDSTATION_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut next = || {
        lines
            .next()
            .expect("a listening line")
            .expect("read")
            .trim_start_matches("listening on ")
            .to_owned()
    };
    let (https, http) = (next(), next());
    let node = Node {
        child,
        base: https.clone(),
    };
    assert!(https.starts_with("https://127.0.0.1:"), "{https}");
    assert!(http.starts_with("http://127.0.0.1:"), "{http}");
    let https_port = https.rsplit(':').next().expect("port");

    // Plain HTTP answers a redirect to the same path on HTTPS, whatever the method.
    for request in [
        client().get(format!("{http}/88.118.8/CAL-2026-000123?x=1")),
        client().post(format!("{http}/api/v1/login")),
    ] {
        let resp = request.send().expect("http");
        assert_eq!(resp.status().as_u16(), 308);
        let location = resp.headers()["location"].to_str().expect("text");
        assert!(
            location.starts_with(&format!("https://127.0.0.1:{https_port}/")),
            "{location}"
        );
    }
    let resp = client()
        .get(format!("{http}/88.118.8/CAL-2026-000123?x=1"))
        .send()
        .expect("http");
    assert_eq!(
        resp.headers()["location"],
        format!("https://127.0.0.1:{https_port}/88.118.8/CAL-2026-000123?x=1").as_str()
    );
    // HTTPS serves the node.
    let tls = trusting(&pem).build().expect("client");
    let (status, body) = done(
        tls.get(format!(
            "https://localhost:{https_port}/api/handles/0.NA/{PREFIX}"
        ))
        .send()
        .expect("https"),
    );
    assert_eq!((status, body["responseCode"].clone()), (200, json!(1)));
    node.terminate();
}

#[test]
fn https_over_ipv6_answers_http_1_0_and_1_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = init(dir.path());
    assert_ipv6_loopback();
    let (cert_path, key_path, pem) = self_signed_certificate(dir.path(), &["localhost", "::1"]);
    let config = dir.path().join("node.toml");
    std::fs::write(
        &config,
        format!("listen = [\"[::1]:0\"]\n[tls]\ncert = {cert_path:?}\nkey = {key_path:?}\n"),
    )
    .expect("config");
    let mut child = Command::new(node_bin())
        .args(["serve", "--data-dir"])
        .arg(&data_dir)
        .arg("--config")
        .arg(&config)
        .env("IDSTATION_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("a listening line");
    let base = line.trim().trim_start_matches("listening on ").to_owned();
    let node = Node { child, base };
    assert!(node.base.starts_with("https://[::1]:"), "{}", node.base);
    let tls = trusting(&pem).http1_only().build().expect("client");
    for version in [reqwest::Version::HTTP_10, reqwest::Version::HTTP_11] {
        let resp = tls
            .get(node.url(&format!("/api/handles/0.NA/{PREFIX}")))
            .version(version)
            .send()
            .unwrap_or_else(|e| panic!("{version:?} over TLS on [::1]: {e}"));
        // Answered in the version asked, over TLS, on the IPv6 loopback.
        assert_eq!(resp.version(), version);
        let (status, body) = done(resp);
        assert_eq!(
            (status, body["responseCode"].clone()),
            (200, json!(1)),
            "{version:?}"
        );
    }
    node.terminate();
}
