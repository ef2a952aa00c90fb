//! `hopper sync DIR`: sends a folder to a project's cycle through the API. The folder is
//! walked and hashed (in parallel; unchanged files are not read again), one manifest
//! asks the server what it lacks, only those files travel (tus, several at a time,
//! resuming after failures), and the batch's receipt ends the run. An interrupted run
//! leaves its uploads in the state file; the next run finishes them first.
//!
//! A client of Hopper's public API only: it imports nothing of the server.

mod guard;
mod local;
mod remote;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::Value;

use local::{Ignored, LocalFile, Pending, Seen, Skipped, State, STATE_FILE};
use remote::Server;

/// What `hopper sync` was asked.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub dir: PathBuf,
    pub server: String,
    pub token: String,
    pub project: i32,
    /// None: the project's newest open cycle.
    pub cycle: Option<i32>,
    pub dry_run: bool,
    pub json: bool,
    /// Files hashed and sent at once.
    pub parallel: usize,
}

/// Why a run is not a success (the exit code is then 1).
#[derive(Debug, Default)]
pub struct Outcome {
    pub failures: Vec<String>,
}

fn bar(multi: &MultiProgress, label: &str, hidden: bool) -> ProgressBar {
    if hidden {
        return ProgressBar::hidden();
    }
    let bar = multi.add(ProgressBar::new(0));
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:>8} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_prefix(label.to_owned());
    bar
}

async fn choose_cycle(server: &Server, options: &SyncOptions) -> anyhow::Result<(i32, String)> {
    let cycles = server.cycles(options.project).await?;
    let chosen = match options.cycle {
        Some(id) => cycles.into_iter().find(|c| c.id == id),
        None => cycles.into_iter().find(|c| c.open),
    };
    match chosen {
        Some(cycle) if cycle.open => Ok((cycle.id, cycle.name)),
        Some(cycle) => bail!("{} accepts no more uploads", cycle.name),
        None => bail!("no open cycle to send to in project {}", options.project),
    }
}

/// Finishes what an interrupted run left: its uploads resume, its batch ends. The state
/// file may be forged: an upload goes only to a tus upload on `--server`'s origin, and
/// only from a regular file inside the folder; anything else is reported and left.
async fn resume_interrupted(server: &Server, root: &Path, state: &mut State, files: &ProgressBar) {
    let Some(session) = state.session.take() else {
        return;
    };
    for pending in std::mem::take(&mut state.pending) {
        let upload = match server.upload_url(&pending.upload_url) {
            Ok(upload) => upload,
            Err(e) => {
                eprintln!(
                    "warning: {STATE_FILE}: not resuming {:?}: {e}",
                    pending.path
                );
                continue;
            }
        };
        let path = match guard::inside(root, Path::new(&pending.path)) {
            Ok(path) => path,
            Err(why) => {
                eprintln!(
                    "warning: {STATE_FILE}: not resuming {:?}: {why}",
                    pending.path
                );
                continue;
            }
        };
        if let Err(e) = server.send(&upload, &path, None, files).await {
            tracing::debug!(path = %pending.path, error = %e, "could not resume an earlier upload");
        }
    }
    if let Err(e) = server.finish(session).await {
        tracing::debug!(session, error = %e, "the earlier batch could not be finished");
    }
}

pub async fn run(options: SyncOptions) -> anyhow::Result<Outcome> {
    let root = options
        .dir
        .canonicalize()
        .with_context(|| format!("{} is not a folder", options.dir.display()))?;
    let origin = guard::server_url(&options.server)?;
    let state_path = root.join(STATE_FILE);
    let (mut state, ignored) =
        State::load(&state_path, &guard::server_key(&origin), options.project);
    if let Some(Ignored::Foreign(why)) = ignored {
        eprintln!(
            "warning: ignoring {} ({why}); it is rebuilt by this run",
            state_path.display()
        );
    }
    let server = Server::new(origin, &options.token)?;
    let multi = MultiProgress::new();
    let quiet = options.json;
    let hashing = bar(&multi, "hashing", quiet);
    let sending = bar(&multi, "sending", quiet);

    resume_interrupted(&server, &root, &mut state, &sending).await;
    let (cycle, cycle_name) = choose_cycle(&server, &options).await?;
    let (files, read, skipped) = local::hashed(&root, &state, options.parallel, &hashing).await?;
    hashing.finish_and_clear();
    report_skipped(&options, &skipped);

    if options.dry_run {
        let stored = server.stored(cycle).await.unwrap_or_default();
        let stored: HashSet<&str> = stored.iter().map(|(_, sha)| sha.as_str()).collect();
        let missing: Vec<&LocalFile> = files
            .iter()
            .filter(|f| !stored.contains(f.sha256.as_str()))
            .collect();
        let bytes: u64 = missing.iter().map(|f| f.size).sum();
        if options.json {
            let paths: Vec<&str> = missing.iter().map(|f| f.path.as_str()).collect();
            println!(
                "{}",
                serde_json::json!({ "cycle": cycle_name, "files": files.len(), "would_send": paths, "bytes": bytes })
            );
        } else {
            for f in &missing {
                println!("would send {} ({} bytes)", f.path, f.size);
            }
            println!(
                "{} of {} files ({bytes} bytes) would go to {cycle_name}; {read} files were read to hash them.",
                missing.len(),
                files.len()
            );
        }
        return Ok(Outcome::default());
    }

    let plan = server.manifest(cycle, &files).await?;
    // By path, once: a tree of tens of thousands of files is not searched per file.
    let by_path: HashMap<&str, &LocalFile> = files.iter().map(|f| (f.path.as_str(), f)).collect();
    state.session = plan.session_id;
    // Only files of the folder the server was told of (by their relative path).
    state.pending = plan
        .files
        .iter()
        .filter_map(|p| {
            let url = p.upload_url.clone()?;
            let file = by_path.get(p.path.as_str())?;
            Some(Pending {
                path: file.path.clone(),
                upload_url: url,
                size: file.size,
            })
        })
        .collect();
    state.save(&state_path)?;
    sending.set_length(state.pending.iter().map(|p| p.size).sum());

    let permits = Arc::new(tokio::sync::Semaphore::new(options.parallel.max(1)));
    let mut transfers = Vec::new();
    for pending in state.pending.clone() {
        let (server, sending, permits) = (server.clone(), sending.clone(), permits.clone());
        let root = root.clone();
        transfers.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await?;
            let upload = server.upload_url(&pending.upload_url)?;
            // Checked again as it is sent: the folder may have changed since it was walked.
            let path = guard::inside(&root, Path::new(&pending.path))
                .map_err(|why| anyhow::anyhow!("{}: {why}", pending.path))?;
            server
                .send(&upload, &path, Some(pending.size), &sending)
                .await
                .with_context(|| pending.path.clone())
        }));
    }
    let mut outcome = Outcome::default();
    for transfer in transfers {
        if let Err(e) = transfer.await? {
            outcome.failures.push(format!("{e:#}"));
        }
    }
    sending.finish_and_clear();
    let receipt = match plan.session_id {
        Some(session) => server.finish(session).await?,
        // Nothing changed: no batch, and this is its receipt.
        None => serde_json::json!({
            "status": "unchanged", "files": [], "files_uploaded": 0, "files_skipped": 0,
            "files_failed": 0, "uploaded_size_bytes": 0, "session_id": null,
        }),
    };
    for file in receipt["files"].as_array().into_iter().flatten() {
        if file["status"] == "failed" {
            outcome.failures.push(format!(
                "{}: {}",
                file["path"].as_str().unwrap_or("?"),
                file["error"].as_str().unwrap_or("failed")
            ));
        }
    }
    // Only what the server confirmed is remembered as seen: unchanged at its path, or
    // in the receipt and not failed.
    let unchanged: HashSet<&str> = plan
        .files
        .iter()
        .filter(|p| p.action == "unchanged")
        .map(|p| p.path.as_str())
        .collect();
    let received: HashSet<&str> = receipt["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["status"] != "failed")
        .filter_map(|r| r["path"].as_str())
        .collect();
    for file in &files {
        let path = file.path.as_str();
        if unchanged.contains(path) || received.contains(path) {
            state.seen.insert(
                file.path.clone(),
                Seen {
                    size: file.size,
                    modified_ns: file.modified_ns,
                    sha256: file.sha256.clone(),
                },
            );
        }
    }
    state.session = None;
    state.pending.clear();
    state.save(&state_path)?;
    report(
        &options,
        &receipt,
        (&cycle_name, files.len(), read),
        &outcome,
    );
    Ok(outcome)
}

/// Paths of the folder that are not sent (links out of it, links to folders), on stderr.
fn report_skipped(options: &SyncOptions, skipped: &[Skipped]) {
    for skip in skipped {
        eprintln!(
            "skipped {}: {} (a symbolic link to {})",
            skip.path,
            skip.why,
            std::fs::read_link(options.dir.join(&skip.path))
                .map_or_else(|_| "?".to_owned(), |t| t.display().to_string())
        );
    }
}

fn report(
    options: &SyncOptions,
    receipt: &Value,
    (cycle, total, read): (&str, usize, usize),
    outcome: &Outcome,
) {
    if options.json {
        println!("{receipt}");
        return;
    }
    let count = |key: &str| receipt[key].as_i64().unwrap_or(0);
    let batch = match receipt["session_id"].as_i64() {
        Some(id) => format!("Batch {id}."),
        None => "Nothing changed, so no batch was recorded.".to_owned(),
    };
    println!(
        "{total} files in {}: {} sent to {cycle} ({} bytes), {} already there, {} failed; {read} read to hash them. {batch}",
        options.dir.display(),
        count("files_uploaded"),
        count("uploaded_bytes"),
        total as i64 - count("files_uploaded") - count("files_failed"),
        outcome.failures.len(),
    );
    for failure in &outcome.failures {
        eprintln!("failed: {failure}");
    }
}
