//! Creating, opening and migrating the workstation database (`src/connection.rs`).

mod common;

use common::fixture;
use idstation_store::{Store, StoreError};

#[test]
fn create_refuses_an_existing_database_and_open_refuses_a_missing_one() {
    let f = fixture();
    assert!(matches!(
        Store::create(&f.path, "88.118.8", "x"),
        Err(StoreError::AlreadyInitialised(_))
    ));
    let missing = f.path.with_file_name("nope.sqlite");
    assert!(matches!(
        Store::open(&missing),
        Err(StoreError::NotInitialised(_))
    ));
    assert!(!missing.exists(), "open must not create files");
}

#[test]
fn migrations_are_valid() {
    assert!(idstation_store::migrations().validate().is_ok());
}
