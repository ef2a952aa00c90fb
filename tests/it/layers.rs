//! The shape of the code, enforced: routes → services → db and storage, one way only.
//! A route that names `crate::schema`, diesel, aws-sdk-s3, storage or a db query module
//! fails here; so does a db module that imports services, anything below the routes that
//! imports the wiring, an error type or domain refusal that knows about HTTP, and a source
//! file over 400 lines.

use std::path::{Path, PathBuf};

/// What each folder (or file) of `src/` may not name. Comments are ignored.
const RULES: &[(&str, &[&str])] = &[
    (
        "routes",
        &[
            "crate::schema",
            "diesel",
            "aws_sdk_s3",
            "crate::storage",
            "crate::scanner",
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
    // The virus scanner's adapter knows clamd's protocol, nothing of Hopper's data.
    (
        "scanner",
        &[
            "crate::services",
            "crate::routes",
            "crate::web",
            "crate::auth",
            "crate::state",
            "crate::startup",
            "crate::db",
            "crate::storage",
            "crate::schema",
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
            "actix_web",
        ],
    ),
    // The use cases' error type: refusals and causes; the web edge alone maps it to HTTP.
    (
        "error.rs",
        &[
            "crate::routes",
            "crate::web",
            "crate::auth",
            "crate::state",
            "crate::startup",
            "actix_web",
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

pub(crate) fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

pub(crate) fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return;
    }
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

/// Every path a file names, resolved to where it points: `use` trees flattened
/// (`use crate::{schema, db::PgPool}` names both), `super::` and `self::` resolved against
/// the file's module (and any inline module inside it), and the paths written in code and
/// types (`crate::schema::projects::table`). Macro bodies are not Rust syntax until
/// expanded: their tokens are kept whole, with `super`/`self` resolved the same way.
struct Named {
    /// The module the code stands in, from the crate root (`["routes", "api"]`).
    module: Vec<String>,
    paths: Vec<String>,
    /// The names `use` brought in, and the paths they stand for (`new_file` →
    /// `crate::db::models::new_file`), so `new_file::insert(…)` resolves in full.
    imported: std::collections::HashMap<String, Vec<String>>,
}

impl Named {
    fn resolve(&self, segments: &[String]) -> String {
        let mut at: Vec<String> = Vec::new();
        let mut rest = segments;
        match segments.first().map(String::as_str) {
            Some("crate") => rest = &segments[1..],
            Some("super") | Some("self") => {
                at = self.module.clone();
                while let Some(step) = rest.first().map(String::as_str) {
                    match step {
                        "super" => {
                            at.pop();
                        }
                        "self" => {}
                        _ => break,
                    }
                    rest = &rest[1..];
                }
            }
            Some(first) => match self.imported.get(first) {
                Some(full) if full.first().map(String::as_str) != Some(first) => {
                    let mut whole = full.clone();
                    whole.extend(segments[1..].iter().cloned());
                    return self.resolve(&whole);
                }
                // An external crate (`diesel::…`) or a name of this module.
                _ => return segments.join("::"),
            },
            None => return String::new(),
        }
        let mut full = vec!["crate".to_owned()];
        full.extend(at);
        full.extend(rest.iter().cloned());
        full.join("::")
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) if n.ident == "self" => {
                let full = self.resolve(prefix);
                if let Some(last) = prefix.last() {
                    let segments = full.split("::").map(str::to_owned).collect();
                    self.imported.insert(last.clone(), segments);
                }
                self.paths.push(full);
            }
            syn::UseTree::Name(n) => self.push_with(prefix, &n.ident, &n.ident),
            syn::UseTree::Rename(r) => self.push_with(prefix, &r.ident, &r.rename),
            syn::UseTree::Glob(_) => self.paths.push(self.resolve(prefix)),
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    self.use_tree(prefix, item);
                }
            }
        }
    }

    fn push_with(&mut self, prefix: &[String], last: &syn::Ident, named: &syn::Ident) {
        let mut path = prefix.to_vec();
        path.push(last.to_string());
        let full = self.resolve(&path);
        self.imported.insert(
            named.to_string(),
            full.split("::").map(str::to_owned).collect(),
        );
        self.paths.push(full);
    }
}

impl<'ast> syn::visit::Visit<'ast> for Named {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.module.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.module.pop();
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments.len() > 1 {
            self.paths.push(self.resolve(&segments));
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        // `a :: b` → `a::b`; every run of `::`-joined names is a path.
        let text = mac.tokens.to_string().replace(" :: ", "::");
        for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')) {
            let segments: Vec<String> = word.split("::").map(str::to_owned).collect();
            if segments.len() > 1 && segments.iter().all(|s| !s.is_empty()) {
                self.paths.push(self.resolve(&segments));
            }
        }
        syn::visit::visit_macro(self, mac);
    }
}

/// The module a file under `root` is (`routes/api/mod.rs` → `["routes", "api"]`).
fn module_of(root: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(root).unwrap_or(file).with_extension("");
    let mut module: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        module.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        module.pop();
    }
    module
}

/// Every path a file names, resolved (see [`Named`]); a file that does not parse is
/// reported as a problem rather than passed.
pub(crate) fn named_paths(root: &Path, file: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let syntax = syn::parse_file(&text).map_err(|e| format!("does not parse: {e}"))?;
    let mut named = Named {
        module: module_of(root, file),
        paths: Vec::new(),
        imported: Default::default(),
    };
    syn::visit::Visit::visit_file(&mut named, &syntax);
    Ok(named.paths)
}

/// Whether `path` is `name` or lies below it (`crate::schema::projects` under
/// `crate::schema`; `diesel::prelude` under `diesel`).
fn under(path: &str, name: &str) -> bool {
    path == name || path.starts_with(&format!("{name}::"))
}

/// What a route names of `crate::db` that is neither `ids` nor `models`.
fn forbidden_db_path(path: &str) -> Option<String> {
    let rest = path.strip_prefix("crate::db")?;
    let part = match rest.strip_prefix("::") {
        Some(rest) => rest.split("::").next().unwrap_or(""),
        None if rest.is_empty() => "(the db module itself)",
        None => return None,
    };
    (!ROUTE_DB_ALLOWED.contains(&part)).then(|| format!("crate::db::{part}"))
}

/// The layering violations in `src/` (a path and what it names that it may not).
pub fn violations(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for (folder, forbidden) in RULES {
        let mut files = Vec::new();
        rust_files(&root.join(folder), &mut files);
        for file in files {
            let shown = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .display()
                .to_string();
            let paths = match named_paths(root, &file) {
                Ok(paths) => paths,
                Err(why) => {
                    problems.push(format!("src/{shown} {why}"));
                    continue;
                }
            };
            for name in *forbidden {
                if paths.iter().any(|p| under(p, name)) {
                    problems.push(format!("src/{shown} names {name}"));
                }
            }
            if *folder == "routes" {
                let mut db: Vec<String> =
                    paths.iter().filter_map(|p| forbidden_db_path(p)).collect();
                db.sort();
                db.dedup();
                for name in db {
                    problems.push(format!("src/{shown} names {name}"));
                }
            }
        }
    }
    problems
}

/// A source tree in a temporary folder: each file at its path with its text.
pub(crate) fn tree_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let file = root.path().join(path);
        if let Some(folder) = file.parent() {
            std::fs::create_dir_all(folder).expect("folder");
        }
        std::fs::write(file, text).expect("write");
    }
    root
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
    let root = tree_with(&[
        (
            "routes/sneaky.rs",
            "use crate::schema::projects;\nuse crate::db::{ids::ProjectId, PgPool};\n",
        ),
        // What a substring search let through: a grouped import, a path through `super`,
        // a path written in code, and one inside a macro.
        (
            "routes/api/mod.rs",
            "use crate::{storage, web::page};\n\
             use super::super::startup::Application;\n\
             fn f() { let _ = super::super::embedded::s3::EmbeddedS3::start; }\n\
             mod inner { fn g() { let _ = format!(\"{:?}\", super::super::super::db::pool::Pool::new()); } }\n",
        ),
        // The error type answering HTTP itself, as it once did.
        (
            "error.rs",
            "use actix_web::ResponseError;\nfn f() { crate::web::security_headers::HEADERS; }\n",
        ),
    ]);
    let problems = violations(root.path());
    for name in [
        "error.rs names actix_web",
        "error.rs names crate::web",
        "routes/api/mod.rs names crate::storage",
        "routes/api/mod.rs names crate::startup",
        "routes/api/mod.rs names crate::embedded",
        "routes/api/mod.rs names crate::db::pool",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(name)),
            "{name}: {problems:?}"
        );
    }
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
