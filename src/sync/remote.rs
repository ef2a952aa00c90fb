//! The server side of `hopper sync`: Hopper's JSON API (bearer token) and tus uploads
//! that resume after any failure from the offset the server reports.

use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use futures_util::StreamExt;
use reqwest::Url;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::sync::guard;
use crate::sync::local::LocalFile;

/// Bytes per PATCH request (a multiple of every part size Hopper uses).
const CHUNK: u64 = 64 * 1024 * 1024;
/// Files per manifest request (a batch's default limit is 1,000).
const MANIFEST_PART: usize = 500;
/// Tries per file before it is given up (with backoff between them).
const ATTEMPTS: u32 = 8;

#[derive(Debug, Clone, Deserialize)]
pub struct Cycle {
    pub id: i32,
    pub name: String,
    pub open: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Planned {
    pub path: String,
    /// `upload`, `replaces`, `duplicate`, `unchanged` or `refused`.
    pub action: String,
    /// Set for `upload` and `replaces`; the other actions send nothing.
    pub upload_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Plan {
    /// None while nothing in the folder changed (no batch is recorded then).
    pub session_id: Option<i32>,
    pub files: Vec<Planned>,
}

#[derive(Clone)]
pub struct Server {
    http: reqwest::Client,
    /// `--server`, parsed: tus uploads are taken only on its origin.
    origin: Url,
    /// `--server` without a trailing slash; the API's own paths follow it.
    base: String,
    token: String,
}

/// The sentence of a problem answer, or the status.
async fn refusal(response: reqwest::Response) -> anyhow::Error {
    let status = response.status();
    let detail = response
        .json::<Value>()
        .await
        .ok()
        .and_then(|v| v["detail"].as_str().map(str::to_owned));
    anyhow!(
        "{} ({status})",
        detail.unwrap_or_else(|| "the server refused".into())
    )
}

impl Server {
    pub fn new(origin: Url, token: &str) -> anyhow::Result<Server> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("hopper-sync/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(Server {
            http,
            base: guard::server_key(&origin),
            origin,
            token: token.to_owned(),
        })
    }

    /// One of the API's own paths (never a string from the server or the state file).
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The tus upload `upload` names, if it is one on `--server`'s origin.
    pub fn upload_url(&self, upload: &str) -> anyhow::Result<Url> {
        guard::upload_url(&self.origin, upload)
    }

    /// Sends an API request with the token; its JSON answer, or the server's refusal.
    async fn json_answer<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> anyhow::Result<T> {
        let response = request
            .bearer_auth(&self.token)
            .send()
            .await
            .with_context(|| format!("reaching {}", self.base))?;
        if !response.status().is_success() {
            return Err(refusal(response).await);
        }
        Ok(response.json().await?)
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.json_answer(self.http.get(self.url(path))).await
    }

    pub async fn cycles(&self, project: i32) -> anyhow::Result<Vec<Cycle>> {
        let cycles = self
            .get(&format!("/api/v1/projects/{project}/cycles"))
            .await?;
        Ok(serde_json::from_value(cycles)?)
    }

    /// The checksums already stored in the cycle (needs the `read` scope).
    pub async fn stored(&self, cycle: i32) -> anyhow::Result<Vec<(String, String)>> {
        let mut after: Option<i64> = None;
        let mut stored = Vec::new();
        loop {
            let query = after.map_or(String::new(), |a| format!("&after={a}"));
            let page = self
                .get(&format!("/api/v1/cycles/{cycle}/files?limit=1000{query}"))
                .await?;
            for file in page["files"].as_array().into_iter().flatten() {
                if let (Some(path), Some(sha)) = (file["path"].as_str(), file["sha256"].as_str()) {
                    stored.push((path.to_owned(), sha.to_owned()));
                }
            }
            match page["next_after"].as_i64() {
                Some(next) => after = Some(next),
                None => return Ok(stored),
            }
        }
    }

    /// Sends the manifest in parts of `MANIFEST_PART` files, all into one batch.
    pub async fn manifest(&self, cycle: i32, files: &[LocalFile]) -> anyhow::Result<Plan> {
        let mut plan: Option<Plan> = None;
        let parts: Vec<&[LocalFile]> = if files.is_empty() {
            vec![files]
        } else {
            files.chunks(MANIFEST_PART).collect()
        };
        for part in parts {
            let session = plan.as_ref().and_then(|p| p.session_id);
            let next = self.manifest_part(cycle, session, part).await?;
            match &mut plan {
                Some(plan) => {
                    plan.session_id = plan.session_id.or(next.session_id);
                    plan.files.extend(next.files);
                }
                None => plan = Some(next),
            }
        }
        plan.ok_or_else(|| anyhow!("no manifest was sent"))
    }

    async fn manifest_part(
        &self,
        cycle: i32,
        session: Option<i32>,
        files: &[LocalFile],
    ) -> anyhow::Result<Plan> {
        let body = json!({
            "cycle_id": cycle,
            "session_id": session,
            "files": files.iter().map(|f| json!({
                "path": f.path, "size": f.size, "sha256": f.sha256,
            })).collect::<Vec<_>>(),
        });
        self.json_answer(self.http.post(self.url("/api/v1/sessions")).json(&body))
            .await
    }

    /// Ends the batch; its receipt.
    pub async fn finish(&self, session: i32) -> anyhow::Result<Value> {
        let url = self.url(&format!("/api/v1/sessions/{session}/finish"));
        self.json_answer(self.http.post(url)).await
    }

    /// Where an upload stands (offset, length); `None` when it is gone.
    pub async fn offset(&self, upload: &Url) -> anyhow::Result<Option<(u64, u64)>> {
        let response = self
            .http
            .head(upload.clone())
            .bearer_auth(&self.token)
            .header("Tus-Resumable", "1.0.0")
            .send()
            .await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !response.status().is_success() {
            bail!("HEAD {upload} answered {}", response.status());
        }
        let number = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
        };
        match (number("upload-offset"), number("upload-length")) {
            (Some(offset), Some(length)) => Ok(Some((offset, length))),
            _ => bail!("HEAD {upload} did not say where the upload stands"),
        }
    }

    /// One PATCH of up to `CHUNK` bytes of `file` from `offset`; returns the new offset.
    async fn patch(
        &self,
        upload: &Url,
        file: &Path,
        offset: u64,
        length: u64,
        progress: &indicatif::ProgressBar,
    ) -> anyhow::Result<u64> {
        let size = CHUNK.min(length - offset);
        let mut reader = tokio::fs::File::open(file).await?;
        reader.seek(std::io::SeekFrom::Start(offset)).await?;
        // What this request showed on the bar, taken back if it fails.
        let shown = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (bar, counter) = (progress.clone(), shown.clone());
        let stream = tokio_util::io::ReaderStream::with_capacity(reader.take(size), 256 * 1024)
            .inspect(move |chunk| {
                if let Ok(bytes) = chunk {
                    bar.inc(bytes.len() as u64);
                    counter.fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
                }
            });
        let taken_back = || progress.dec(shown.load(std::sync::atomic::Ordering::Relaxed));
        let response = match self
            .http
            .patch(upload.clone())
            .bearer_auth(&self.token)
            .header("Tus-Resumable", "1.0.0")
            .header("Content-Type", "application/offset+octet-stream")
            .header("Upload-Offset", offset.to_string())
            .header("Content-Length", size.to_string())
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await
        {
            Ok(response) => response,
            Err(e) => {
                taken_back();
                return Err(e.into());
            }
        };
        if response.status() != reqwest::StatusCode::NO_CONTENT {
            taken_back();
            return Err(refusal(response).await);
        }
        response
            .headers()
            .get("upload-offset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| anyhow!("the server did not say the new offset"))
    }

    /// Sends `file` to `upload` until it is complete: after any failure the offset is
    /// asked again and the rest sent from there, with backoff. `fresh`: the upload was
    /// just created for this many bytes.
    pub async fn send(
        &self,
        upload: &Url,
        file: &Path,
        fresh: Option<u64>,
        progress: &indicatif::ProgressBar,
    ) -> anyhow::Result<()> {
        let mut failures = 0;
        let mut last_error = None;
        // The offset the bar shows for this file (bytes an earlier run sent count too).
        let mut shown = 0;
        // A fresh upload starts at 0: no need to ask first (a wrong guess is a 409,
        // after which the offset is asked).
        let mut known = fresh.map(|length| (0, length));
        while failures < ATTEMPTS {
            let asked = match known.take() {
                Some(at) => Ok(Some(at)),
                None => self.offset(upload).await,
            };
            let (mut offset, length) = match asked {
                Ok(Some(at)) => {
                    progress.inc(at.0.saturating_sub(shown));
                    shown = shown.max(at.0);
                    at
                }
                Ok(None) => bail!("the server dropped the upload"),
                Err(e) => {
                    failures += 1;
                    last_error = Some(e);
                    tokio::time::sleep(backoff(failures)).await;
                    continue;
                }
            };
            while offset < length {
                match self.patch(upload, file, offset, length, progress).await {
                    Ok(next) => {
                        offset = next;
                        shown = next;
                    }
                    Err(e) => {
                        failures += 1;
                        last_error = Some(e);
                        tokio::time::sleep(backoff(failures)).await;
                        break;
                    }
                }
            }
            if offset >= length {
                return Ok(());
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow!("the upload did not finish")))
    }
}

fn backoff(failures: u32) -> Duration {
    Duration::from_millis(250 * 2u64.pow(failures.min(5)))
}
