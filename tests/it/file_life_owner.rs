//! A file's state has one owner: `services::file_life`. The database functions that write
//! `file_uploads.status` (and the batch counters that move with it) are named nowhere
//! else, so no path can move a file, or count it, by hand.

use std::path::Path;

use crate::layers::{named_paths, rust_files, src, tree_with};

/// What only the owner may name.
const OWNED: &[&str] = &[
    "crate::db::models::file_transitions",
    "crate::db::models::new_file::insert_refused",
    "crate::db::models::new_file::insert_uploading",
    "crate::db::models::new_file::insert_all_uploading",
];

const OWNER: &str = "services/file_life";

/// The files outside the owner that name what it owns.
fn strangers(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    let mut found = Vec::new();
    for file in files {
        let shown = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        if shown.starts_with(OWNER) || shown.starts_with("db/models/") {
            continue;
        }
        let paths = named_paths(root, &file).unwrap_or_default();
        for owned in OWNED {
            if paths
                .iter()
                .any(|p| p == owned || p.starts_with(&format!("{owned}::")))
            {
                found.push(format!("src/{shown} names {owned}"));
            }
        }
    }
    found
}

#[test]
fn only_the_file_life_moves_a_file() {
    let found = strangers(&src());
    assert!(
        found.is_empty(),
        "move files through services::file_life instead:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_a_service_that_fails_a_file_by_hand() {
    let root = tree_with(&[(
        "services/sneaky.rs",
        "use crate::db::models::{file_transitions, new_file};\n\
         fn f(c: &mut PgConnection) { let _ = file_transitions::fail(c, 1, 0, \"\"); \
         let _ = new_file::insert_uploading(c, todo!()); }\n",
    )]);
    let found = strangers(root.path());
    assert!(
        found.iter().any(|f| f.contains("file_transitions")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.contains("new_file::insert_uploading")),
        "{found:?}"
    );
}
