//! The data folder is its owner's only: it holds customers' personal data and the sealed node
//! credentials. A new folder is 0700 and the database 0600, and so is a folder a backup is
//! restored into on a new computer.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use idstation_workstation::{db_path, Workstation};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
}

#[test]
fn a_new_data_folder_is_the_owners_only() {
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("lab").join("data");
    let ws = Workstation::init(&data, "88.118.8", "tech").expect("init");
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&db_path(&data)), 0o600);
    let backup = root.path().join("backup.sqlite");
    ws.backup(&backup, &mut |_, _| {}).expect("backup");
    assert_eq!(mode(&backup), 0o600);
    drop(ws);

    let elsewhere = root.path().join("new-computer");
    Workstation::restore(&elsewhere, &backup, "tech", &mut |_, _| {}).expect("restore");
    assert_eq!(mode(&elsewhere), 0o700);
    assert_eq!(mode(&db_path(&elsewhere)), 0o600);
}
