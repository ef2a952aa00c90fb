//! The shape of the code, enforced: routes → services → db and storage, one way only.
//! A route that names `crate::schema`, diesel, aws-sdk-s3, storage or a db query module
//! fails here; so does a db module that imports services, anything below the routes that
//! imports the wiring, and a source file over 400 lines.

use std::path::{Path, PathBuf};

/// What each folder of `src/` may not name. Comments are ignored.
const RULES: &[(&str, &[&str])] = &[
    (
        "routes",
        &[
            "crate::schema",
            "diesel",
            "aws_sdk_s3",
            "crate::storage",
            "crate::startup",
            "crate::embedded",
        ],
    ),
    (
        "services",
        &[
            "crate::routes",
            "crate::web",
            "crate::auth",
            "crate::state",
            "crate::startup",
            "actix_web::HttpRequest",
        ],
    ),
    (
        "db",
        &[
            "crate::services",
            "crate::routes",
            "crate::web",
            "crate::auth",
            "crate::state",
            "crate::startup",
            "crate::storage",
        ],
    ),
    (
        "storage",
        &[
            "crate::services",
            "crate::routes",
            "crate::web",
            "crate::auth",
            "crate::state",
            "crate::startup",
            "crate::db",
        ],
    ),
    (
        "domain",
        &[
            "crate::services",
            "crate::routes",
            "crate::web",
            "crate::auth",
            "crate::state",
            "crate::startup",
            "crate::storage",
            "crate::schema",
        ],
    ),
    (
        "web",
        &[
            "crate::schema",
            "diesel",
            "aws_sdk_s3",
            "crate::storage",
            "crate::startup",
        ],
    ),
    (
        "auth",
        &[
            "crate::schema",
            "diesel",
            "aws_sdk_s3",
            "crate::storage",
            "crate::startup",
        ],
    ),
];

/// Routes may name these parts of `crate::db`: typed ids and row types to render.
const ROUTE_DB_ALLOWED: &[&str] = &["ids", "models"];

const MAX_LINES: usize = 400;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its comments.
fn code_of(text: &str) -> String {
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::db::…` a route names that is neither `ids` nor `models`.
fn forbidden_db_paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::db") {
        let rest = &code[at + "crate::db".len()..];
        let names: Vec<String> = if let Some(group) = rest.strip_prefix("::{") {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            inner
                .split(',')
                .map(|item| item.trim().split("::").next().unwrap_or("").to_owned())
                .filter(|name| !name.is_empty())
                .collect()
        } else if let Some(path) = rest.strip_prefix("::") {
            let name: String = path
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            vec![name]
        } else {
            vec!["(the db module itself)".to_owned()]
        };
        found.extend(
            names
                .into_iter()
                .filter(|name| !ROUTE_DB_ALLOWED.contains(&name.as_str())),
        );
    }
    found
}

/// The layering violations in `src/` (a path and what it names that it may not).
pub fn violations(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for (folder, forbidden) in RULES {
        let mut files = Vec::new();
        rust_files(&root.join(folder), &mut files);
        for file in files {
            let code = code_of(&std::fs::read_to_string(&file).unwrap_or_default());
            let shown = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .display()
                .to_string();
            for name in *forbidden {
                if code.contains(name) {
                    problems.push(format!("src/{shown} names {name}"));
                }
            }
            if *folder == "routes" {
                for name in forbidden_db_paths(&code) {
                    problems.push(format!("src/{shown} names crate::db::{name}"));
                }
            }
        }
    }
    problems
}

#[test]
fn routes_reach_the_database_and_s3_only_through_services() {
    let problems = violations(&src());
    assert!(
        problems.is_empty(),
        "layering rules broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_layering_check_catches_a_route_that_imports_the_schema() {
    let root = tempfile::tempdir().expect("temp dir");
    let routes = root.path().join("routes");
    std::fs::create_dir_all(&routes).expect("routes dir");
    std::fs::write(
        routes.join("sneaky.rs"),
        "use crate::schema::projects;\nuse crate::db::{ids::ProjectId, PgPool};\n",
    )
    .expect("write");
    let problems = violations(root.path());
    assert!(
        problems.iter().any(|p| p.contains("crate::schema")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("crate::db::PgPool")),
        "{problems:?}"
    );
    assert!(
        !problems.iter().any(|p| p.contains("crate::db::ids")),
        "{problems:?}"
    );
}

#[test]
fn no_source_file_is_over_four_hundred_lines() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter(|f| !f.ends_with("schema.rs"))
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).ok()?.lines().count();
            (lines > MAX_LINES).then(|| format!("{} ({lines} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these by concept: {long:?}");
}
