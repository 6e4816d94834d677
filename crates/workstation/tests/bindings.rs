//! The app's TypeScript types are generated from the Rust ones: this writes them into
//! `ui/src/bindings/` and fails if the committed files were stale (so CI catches a Rust change
//! whose TypeScript side was not regenerated).

use std::path::Path;

#[test]
fn typescript_bindings_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings");
    let read_all = |d: &Path| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = std::fs::read_dir(d)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| {
                        (
                            e.file_name().to_string_lossy().into_owned(),
                            std::fs::read_to_string(e.path()).unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let before = read_all(&dir);
    idstation_workstation::view::export_typescript(&dir).expect("export TypeScript bindings");
    let after = read_all(&dir);
    assert!(
        before == after || std::env::var_os("CI").is_none(),
        "ui/src/bindings was stale; regenerated it: commit the change"
    );
}
