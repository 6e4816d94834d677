//! The node credentials in a real Secret Service: a private D-Bus session bus and GNOME
//! Keyring's daemon (Debian's `dbus-daemon`, `gnome-keyring`), unlocked with a test password.
//! The keyring part runs in a child process of this test binary that is given the bus address
//! (`in_the_keyring`, ignored when run on its own: it needs the bus this test starts).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use idstation_store::sync::SyncSettings;
use idstation_store::Store;
use idstation_workstation::{db_path, Workstation};

const SECRET: &str = "device-secret-in-the-keyring-5d2c";

/// Kills the daemons when the test ends, pass or fail.
struct Daemons(Vec<Child>);

impl Drop for Daemons {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn start_keyring(home: &Path) -> (Daemons, String) {
    let mut bus = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon (Debian package dbus-daemon; scripts/setup installs it)");
    let mut address = String::new();
    BufReader::new(bus.stdout.take().expect("stdout"))
        .read_line(&mut address)
        .expect("bus address");
    let address = address.trim().to_owned();
    let mut daemons = Daemons(vec![bus]);
    let mut keyring = Command::new("gnome-keyring-daemon")
        .args(["--foreground", "--unlock", "--components=secrets"])
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_RUNTIME_DIR", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gnome-keyring-daemon (Debian package gnome-keyring; scripts/setup installs it)");
    // The unlock password on stdin, then end of input.
    keyring
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"test-unlock")
        .expect("password");
    daemons.0.push(keyring);
    (daemons, address)
}

#[test]
fn credentials_move_into_the_system_keyring() {
    let home = tempfile::tempdir().expect("home");
    let data = tempfile::tempdir().expect("data");
    let (_daemons, address) = start_keyring(home.path());
    let out = Command::new(std::env::current_exe().expect("this test binary"))
        .args(["--exact", "in_the_keyring", "--ignored", "--nocapture"])
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .env("IDSTATION_TEST_DATA", data.path())
        .env_remove("IDSTATION_SECRETS")
        .output()
        .expect("child");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
}

#[test]
#[ignore = "run by credentials_move_into_the_system_keyring, which starts the keyring"]
fn in_the_keyring() {
    let data = std::path::PathBuf::from(std::env::var("IDSTATION_TEST_DATA").expect("data dir"));
    // Signed in while no keyring was in use: the credentials are in the sealed file.
    drop(Workstation::init(&data, "88.118.8", "tech").expect("init"));
    {
        let mut store = Store::open(&db_path(&data)).expect("store");
        store
            .save_sync_settings(&SyncSettings {
                node_url: Some("https://node.example.cn".into()),
                username: Some("tech".into()),
                device_secret: Some(SECRET.into()),
                token: None,
                token_expires_at: None,
            })
            .expect("save");
    }
    let secrets_file = data.join("workstation.sqlite.secrets");
    assert!(secrets_file.exists());
    // The workstation opens with the keyring: they move there, and the file goes.
    let ws = Workstation::open(&data, "tech").expect("open");
    assert_eq!(ws.store().vault_kind(), "keyring");
    assert_eq!(
        ws.sync_settings()
            .expect("settings")
            .device_secret
            .as_deref(),
        Some(SECRET)
    );
    assert!(!secrets_file.exists());
    let name = format!("{}:device_secret", ws.store().device().device_id);
    let stored = keyring::Entry::new("IDStation", &name)
        .and_then(|e| e.get_password())
        .expect("in the Secret Service");
    assert_eq!(stored, SECRET);
    for entry in std::fs::read_dir(&data).expect("dir") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        assert!(
            !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
            "{path:?} holds the secret"
        );
    }
}
