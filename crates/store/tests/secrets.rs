//! The node credentials never sit in the database or a backup (`src/secrets.rs`): they go to
//! the vault (here the sealed file beside the database), the database and its WAL hold no copy,
//! files are the owner's only, and a data folder copied elsewhere opens signed out.

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use common::fixture;
use idstation_store::sync::SyncSettings;
use idstation_store::Store;

const SECRET: &str = "device-secret-7f3a9c1e5b2d4f60";
const TOKEN: &str = "token-0c1d2e3f405162738495a6b7";

fn holds(path: &Path, needle: &str) -> bool {
    std::fs::read(path)
        .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .unwrap_or(false)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

fn signed_in() -> SyncSettings {
    SyncSettings {
        node_url: Some("https://node.example.cn".into()),
        username: Some("tech".into()),
        device_secret: Some(SECRET.into()),
        token: Some(TOKEN.into()),
        token_expires_at: Some("2026-12-08T00:00:00Z".into()),
    }
}

fn wal(db: &Path) -> std::path::PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-wal");
    p.into()
}

#[test]
fn credentials_live_in_the_vault_never_in_the_database_or_a_backup() {
    let mut f = fixture();
    f.store.save_sync_settings(&signed_in()).expect("save");
    let back = f.store.sync_settings().expect("read");
    assert_eq!(back.device_secret.as_deref(), Some(SECRET));
    assert_eq!(back.token.as_deref(), Some(TOKEN));
    assert_eq!(f.store.vault_kind(), "file");

    let secrets = f.path.with_file_name("ws.sqlite.secrets");
    assert!(secrets.exists());
    assert!(!holds(&secrets, SECRET), "the secrets file is sealed");
    for file in [f.path.clone(), wal(&f.path)] {
        assert!(!holds(&file, SECRET) && !holds(&file, TOKEN), "{file:?}");
    }
    assert_eq!(mode(&secrets), 0o600);
    assert_eq!(mode(&f.path), 0o600);
    assert_eq!(mode(&wal(&f.path)), 0o600);

    let backup = f.path.with_file_name("backup.sqlite");
    f.store.backup_to(&backup, &mut |_, _| {}).expect("backup");
    assert!(!holds(&backup, SECRET) && !holds(&backup, TOKEN));
    assert_eq!(mode(&backup), 0o600);

    // Signing out removes them from the vault too.
    f.store
        .save_sync_settings(&SyncSettings {
            device_secret: None,
            token: None,
            ..signed_in()
        })
        .expect("sign out");
    assert_eq!(f.store.sync_settings().expect("read").device_secret, None);
    assert!(!secrets.exists());
}

/// A database written by an older version holds the credentials in `sync_settings`: opening
/// it moves them to the vault and overwrites them in the file.
#[test]
fn an_older_database_gives_up_its_credentials_on_open() {
    let f = fixture();
    let path = f.path.clone();
    drop(f.store);
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute(
            "UPDATE sync_settings SET node_url = 'https://n', device_secret = ?1, token = ?2",
            [SECRET, TOKEN],
        )
        .expect("old layout");
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
    }
    assert!(holds(&path, SECRET), "the old layout kept it in the file");
    let store = Store::open(&path).expect("open");
    assert_eq!(
        store
            .sync_settings()
            .expect("read")
            .device_secret
            .as_deref(),
        Some(SECRET)
    );
    drop(store);
    for file in [path.clone(), wal(&path)] {
        assert!(!holds(&file, SECRET) && !holds(&file, TOKEN), "{file:?}");
    }
}

/// The sealed file is bound to this computer, account and folder: a data folder copied
/// elsewhere opens signed out (the person signs in again) instead of carrying the device away.
#[test]
fn a_copied_data_folder_opens_signed_out() {
    let mut f = fixture();
    f.store.save_sync_settings(&signed_in()).expect("save");
    drop(f.store);
    let other = tempfile::tempdir().expect("tempdir");
    for name in ["ws.sqlite", "ws.sqlite.secrets"] {
        std::fs::copy(f.path.with_file_name(name), other.path().join(name)).expect("copy");
    }
    let copy = Store::open(&other.path().join("ws.sqlite")).expect("open copy");
    let s = copy.sync_settings().expect("read");
    assert_eq!((s.device_secret, s.token), (None, None));
    assert_eq!(s.node_url.as_deref(), Some("https://node.example.cn"));
    // The original still opens signed in.
    let original = Store::open(&f.path).expect("open");
    assert_eq!(
        original
            .sync_settings()
            .expect("read")
            .device_secret
            .as_deref(),
        Some(SECRET)
    );
}
