//! The folder side of `hopper sync`: walking it, hashing files in parallel, and the
//! state file that lets a re-run skip reading unchanged files (size and modification
//! time match, as rsync's quick check) and resume the uploads an interrupted run left.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The state file's name inside the synced folder (never synced itself).
pub const STATE_FILE: &str = ".hopper-sync.json";

/// One file of the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    /// Relative, `/`-separated.
    pub path: String,
    pub full: PathBuf,
    pub size: u64,
    pub modified_ns: u128,
    pub sha256: String,
}

/// What a file looked like when last hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub size: u64,
    pub modified_ns: u128,
    pub sha256: String,
}

/// An upload an earlier run started and may not have finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub path: String,
    pub upload_url: String,
    pub size: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// The server and project the state is about (another one starts afresh).
    pub server: String,
    pub project: i32,
    pub seen: BTreeMap<String, Seen>,
    /// The batch of an interrupted run, and its uploads.
    pub session: Option<i32>,
    pub pending: Vec<Pending>,
}

impl State {
    pub fn load(path: &Path, server: &str, project: i32) -> State {
        let fresh = State {
            server: server.to_owned(),
            project,
            ..State::default()
        };
        match std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice::<State>(&b).ok())
        {
            Some(state) if state.server == server && state.project == project => state,
            _ => fresh,
        }
    }

    /// Written beside, then renamed: a crash never leaves half a state file.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let partial = path.with_extension("json.partial");
        std::fs::write(&partial, serde_json::to_vec_pretty(self)?)
            .with_context(|| format!("writing {}", partial.display()))?;
        std::fs::rename(&partial, path).with_context(|| format!("writing {}", path.display()))
    }
}

/// Every regular file under `root` (symbolic links are not followed), sorted by path.
pub fn walk(root: &Path) -> anyhow::Result<Vec<(String, PathBuf, u64, u128)>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.with_context(|| format!("reading {}", root.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let path = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if path == STATE_FILE || path.ends_with(".json.partial") && path.starts_with(".hopper-sync")
        {
            continue;
        }
        let meta = entry.metadata()?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        files.push((path, entry.path().to_owned(), meta.len(), modified));
    }
    Ok(files)
}

pub fn sha256_of(path: &Path) -> anyhow::Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1024 * 1024];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// The folder's files with their checksums: from the state where size and modification
/// time still match, otherwise read and hashed, `parallel` files at a time. Returns the
/// files and how many were read.
pub async fn hashed(
    root: &Path,
    state: &State,
    parallel: usize,
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<(Vec<LocalFile>, usize)> {
    let listed = walk(root)?;
    progress.set_length(listed.iter().map(|f| f.2).sum());
    let permits = Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
    let mut tasks = Vec::with_capacity(listed.len());
    let mut read = 0;
    for (path, full, size, modified_ns) in listed {
        match state.seen.get(&path) {
            Some(seen) if seen.size == size && seen.modified_ns == modified_ns => {
                progress.inc(size);
                let sha256 = seen.sha256.clone();
                tasks.push(tokio::spawn(async move {
                    Ok::<_, anyhow::Error>(LocalFile {
                        path,
                        full,
                        size,
                        modified_ns,
                        sha256,
                    })
                }));
            }
            _ => {
                read += 1;
                let permits = permits.clone();
                let progress = progress.clone();
                tasks.push(tokio::spawn(async move {
                    let _permit = permits.acquire_owned().await?;
                    let hashing = full.clone();
                    let sha256 = tokio::task::spawn_blocking(move || sha256_of(&hashing)).await??;
                    progress.inc(size);
                    Ok(LocalFile {
                        path,
                        full,
                        size,
                        modified_ns,
                        sha256,
                    })
                }));
            }
        }
    }
    let mut files = Vec::with_capacity(tasks.len());
    for task in tasks {
        files.push(task.await??);
    }
    Ok((files, read))
}
