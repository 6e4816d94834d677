//! Online backup and verified restore (`src/backup.rs`).

mod common;

use common::{instrument, populated, tamper};
use idstation_store::{Store, StoreError};

#[test]
fn backup_and_restore_round_trip_and_a_bad_backup_changes_nothing() {
    let mut f = populated();
    let backup = f.path.with_file_name("backup.sqlite");
    let mut steps = 0;
    let report = f
        .store
        .backup_to(&backup, &mut |_, _| steps += 1)
        .expect("backup");
    assert!(steps > 0);
    assert_eq!(report.instruments, 5);
    assert!(matches!(
        f.store.backup_to(&backup, &mut |_, _| {}),
        Err(StoreError::FileExists(_))
    ));

    // Work after the backup, then restore: the later work is gone, but kept aside.
    f.store
        .insert_instrument("a", &instrument("88.118.8/LATE", "后加", "x"))
        .expect("insert");
    drop(f.store);
    let restored = Store::restore(&f.path, &backup, "tester", &mut |_, _| {}).expect("restore");
    assert_eq!(restored.instruments, 5);
    let saved = restored.previous_saved_as.expect("previous kept");
    let store = Store::open(&f.path).expect("open");
    assert_eq!(store.count_instruments().expect("count"), 5);
    assert!(store.audit_verify().expect("verify").is_intact());
    assert_eq!(
        Store::open(&saved)
            .expect("saved")
            .count_instruments()
            .expect("n"),
        6
    );

    // Garbage and tampered backups are refused before anything is touched.
    let junk = f.path.with_file_name("junk.sqlite");
    std::fs::write(&junk, b"not a database at all, just text").expect("write");
    assert!(matches!(
        Store::restore(&f.path, &junk, "tester", &mut |_, _| {}),
        Err(StoreError::BackupInvalid { .. })
    ));
    tamper(&backup, "UPDATE audit_log SET actor = 'x' WHERE seq = 2");
    assert!(matches!(
        Store::restore(&f.path, &backup, "tester", &mut |_, _| {}),
        Err(StoreError::BackupInvalid { .. })
    ));
    drop(store);
    assert_eq!(
        Store::open(&f.path)
            .expect("open")
            .count_instruments()
            .expect("n"),
        5
    );
}

/// A backup writes only files of its own: someone's `backup.partial` (the name an older version
/// cleared without asking) stays as it was, and nothing of the backup's is left beside it.
#[test]
fn backup_never_removes_or_leaves_files_it_did_not_make() {
    let f = populated();
    let dir = f.path.parent().expect("dir").to_owned();
    let dest = dir.join("backup.sqlite");
    let theirs = dir.join("backup.partial");
    std::fs::write(&theirs, b"a person's own file").expect("write");
    let listing = || {
        let mut v: Vec<String> = std::fs::read_dir(&dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let before = listing();
    f.store.backup_to(&dest, &mut |_, _| {}).expect("backup");
    assert_eq!(
        std::fs::read(&theirs).expect("still there"),
        b"a person's own file"
    );
    let mut want = before.clone();
    want.push("backup.sqlite".into());
    want.sort();
    assert_eq!(listing(), want);
    // A refused backup (the destination exists) leaves the folder as it was.
    assert!(f.store.backup_to(&dest, &mut |_, _| {}).is_err());
    assert_eq!(listing(), want);
}
