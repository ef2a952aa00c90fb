//! Finding the system's PostgreSQL server binaries.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::anyhow;

/// Finds a directory holding both `initdb` and `postgres`: the explicit one, then PATH,
/// then the newest /usr/lib/postgresql/<version>/bin.
pub fn find_bin_dir(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    let has_binaries = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(dir) = explicit {
        return if has_binaries(dir) {
            Ok(dir.to_path_buf())
        } else {
            Err(no_binaries())
        };
    }
    if let Some(path) = std::env::var_os("PATH") {
        if let Some(dir) = std::env::split_paths(&path).find(|d| has_binaries(d)) {
            // PATH often holds symlinks (/usr/local/bin/postgres -> …/15/bin/postgres); the
            // real directory also has the client tools of the same version.
            let real = dir
                .join("postgres")
                .canonicalize()
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf))
                .filter(|d| has_binaries(d));
            return Ok(real.unwrap_or(dir));
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            has_binaries(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir).ok_or_else(no_binaries)
}

fn no_binaries() -> anyhow::Error {
    anyhow!(
        "PostgreSQL server binaries (initdb, postgres) not found: install PostgreSQL \
         (e.g. `apt-get install postgresql`) or set DATABASE_URL"
    )
}
