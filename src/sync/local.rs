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

use crate::sync::guard::{self, Outside};

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
    /// Relative to the folder (`/`-separated); checked to be inside it before it is read.
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

/// Why a state file in the folder was not used.
pub enum Ignored {
    /// None was there (a first run).
    Missing,
    /// One was there but unreadable, or made for another server or project.
    Foreign(String),
}

impl State {
    /// The folder's state for this server (its key, see `guard::server_key`) and project;
    /// a fresh one, and why, when the file is missing, unreadable or about another server
    /// or project (its uploads and batch are then never touched).
    pub fn load(path: &Path, server: &str, project: i32) -> (State, Option<Ignored>) {
        let fresh = State {
            server: server.to_owned(),
            project,
            ..State::default()
        };
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(_) => return (fresh, Some(Ignored::Missing)),
        };
        match serde_json::from_slice::<State>(&bytes) {
            Ok(state) if state.server == server && state.project == project => (state, None),
            Ok(state) => {
                let why = format!(
                    "it was made for project {} on {}, not project {project} on {server}",
                    state.project, state.server
                );
                (fresh, Some(Ignored::Foreign(why)))
            }
            Err(e) => (
                fresh,
                Some(Ignored::Foreign(format!("it is not readable ({e})"))),
            ),
        }
    }

    /// Written to a new file beside (owner-only, 0600: it names the folder's files and
    /// the batch's uploads), then renamed over: a crash never leaves half a state file,
    /// and a link planted at the temporary name is never followed.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let partial = path.with_extension(format!("json.{}.partial", std::process::id()));
        // A leftover of an earlier run with the same process id (or a planted link).
        let _ = std::fs::remove_file(&partial);
        let written = (|| {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&partial)?;
            file.write_all(&serde_json::to_vec_pretty(self)?)?;
            file.sync_all()?;
            std::fs::rename(&partial, path)?;
            Ok::<_, anyhow::Error>(())
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        written.with_context(|| format!("writing {}", path.display()))
    }
}

/// A path of the folder that is not sent, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub path: String,
    pub why: Outside,
}

/// A file of the folder found by `walk`: its relative path, the real path to read, its
/// size and modification time.
type Found = (String, PathBuf, u64, u128);

/// Every regular file under `root`, sorted by path. A symbolic link is resolved: one to a
/// regular file inside `root` is sent under the link's path; one that leads out of
/// `root`, or to a folder (whose files are walked where they really are), is skipped and
/// returned as such. Folders reached only through a link are not walked.
pub fn walk(root: &Path) -> anyhow::Result<(Vec<Found>, Vec<Skipped>)> {
    let (mut files, mut skipped) = (Vec::new(), Vec::new());
    for entry in walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.with_context(|| format!("reading {}", root.display()))?;
        let kind = entry.file_type();
        if !kind.is_file() && !kind.is_symlink() {
            continue;
        }
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let path = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if path == STATE_FILE
            || path.starts_with(".hopper-sync.json.") && path.ends_with(".partial")
        {
            continue;
        }
        let real = if kind.is_symlink() {
            match guard::inside(root, relative) {
                Ok(real) => real,
                Err(why) => {
                    skipped.push(Skipped { path, why });
                    continue;
                }
            }
        } else {
            entry.path().to_owned()
        };
        let meta = std::fs::metadata(&real)?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        files.push((path, real, meta.len(), modified));
    }
    Ok((files, skipped))
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
/// files, how many were read, and the paths skipped.
pub async fn hashed(
    root: &Path,
    state: &State,
    parallel: usize,
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<(Vec<LocalFile>, usize, Vec<Skipped>)> {
    let (listed, skipped) = walk(root)?;
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
    Ok((files, read, skipped))
}
