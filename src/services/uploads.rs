//! One upload batch: a sync session whose files stream from the browser into S3, hashed on
//! the way, with every file's outcome and the session's counters changed in one
//! transaction. Nothing is lost on failure: a failed file is recorded with its reason and
//! its multipart upload aborted; an interrupted one is cleaned up by a guard or, after a
//! crash, by the reaper.

use std::fmt::Display;
use std::time::Duration;

use bytes::Bytes;
use diesel::prelude::*;
use futures_util::{Stream, StreamExt};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::config::UploadConfig;
use crate::db::ids::{CompanyId, CycleId, FileUploadId, ProjectId, SyncSessionId};
use crate::db::models::cycle::Cycle;
use crate::db::models::file_upload::{FileUpload, NewFile};
use crate::db::models::project::Project;
use crate::db::models::project_access::ProjectAccess;
use crate::db::models::sync_session::{FileOutcome, SyncSession};
use crate::db::{self, PgPool};
use crate::domain::file_kind::{self, SNIFF_BYTES};
use crate::domain::{CycleStatus, ObjectKey};
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::projects;
use crate::startup::AppState;
use crate::storage::multipart::{MultipartUpload, PartBuffer};
use crate::storage::{ObjectTarget, PartBudget};

/// Why a batch stopped before its end; the session is failed with this reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    TooManyFiles(usize),
    FileTooLarge { path: String, limit: u64 },
    Idle(Duration),
    Disconnected(String),
    Malformed(String),
}

impl Stop {
    pub fn message(&self) -> String {
        match self {
            Stop::TooManyFiles(max) => format!(
                "A batch may hold at most {max} files; the files after that were not accepted."
            ),
            Stop::FileTooLarge { path, limit } => format!(
                "{path} is larger than the limit of {}; it was not stored and the batch stopped there.",
                human_size(*limit)
            ),
            Stop::Idle(after) => format!(
                "The browser sent nothing for {} s, so the upload was stopped.",
                after.as_secs()
            ),
            Stop::Disconnected(why) => format!("The upload was interrupted: {why}"),
            Stop::Malformed(why) => format!("The upload could not be read: {why}"),
        }
    }
}

/// `1.5 GiB`, `12 KiB`, `7 B`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Where a batch goes and under which rules, fixed when it starts.
#[derive(Clone)]
struct BatchPlan {
    session: SyncSessionId,
    company: CompanyId,
    project: ProjectId,
    cycle: CycleId,
    prefix: String,
    review: bool,
    allowed: Vec<String>,
}

pub struct Batch {
    pool: PgPool,
    budget: PartBudget,
    limits: UploadConfig,
    client: aws_sdk_s3::Client,
    bucket: String,
    actor: Actor,
    plan: BatchPlan,
    files_seen: usize,
    /// Set until `finish`: a batch dropped half-way (client gone) is failed in the background.
    open: bool,
}

/// The project and cycle the actor may upload into, or why not. Used by the upload page
/// and, under the cycle's row lock, by the start of a batch.
pub fn uploadable(
    conn: &mut PgConnection,
    actor: &Actor,
    project_id: ProjectId,
    cycle_id: CycleId,
) -> Result<(Project, Cycle), AppError> {
    let project = projects::find_live(conn, actor, project_id)?;
    if !actor.is_admin() {
        match ProjectAccess::role_of(conn, project.id, actor.user_id)?.as_deref() {
            Some("uploader") => {}
            Some(_) => {
                return Err(AppError::Forbidden(
                    "You may view this project but not upload into it.".into(),
                ))
            }
            None => return Err(actor.not_found("project", project_id)),
        }
    }
    let cycle = Cycle::lock_in_project(conn, project.id, cycle_id)?
        .ok_or_else(|| actor.not_found("cycle", cycle_id))?;
    Ok((project, cycle))
}

/// Why the cycle takes no uploads now, if it does not.
pub fn closed_reason(project: &Project, cycle: &Cycle) -> Option<String> {
    if !project.is_active {
        return Some("This project is inactive and accepts no uploads.".into());
    }
    match CycleStatus::parse(&cycle.status) {
        Some(CycleStatus::Pending | CycleStatus::InProgress) => None,
        _ => Some(format!(
            "{} is {}; it accepts no more uploads.",
            cycle.cycle_name,
            cycle.status.replace('_', " ")
        )),
    }
}

/// Starts the session and, on the cycle's first upload, moves the cycle
/// `pending → in_progress`; all in one transaction.
fn start_session(
    conn: &mut PgConnection,
    actor: &Actor,
    project_id: ProjectId,
    cycle_id: CycleId,
) -> Result<(Project, BatchPlan), AppError> {
    let (project, cycle) = uploadable(conn, actor, project_id, cycle_id)?;
    if let Some(reason) = closed_reason(&project, &cycle) {
        return Err(AppError::Conflict(reason));
    }
    if CycleStatus::parse(&cycle.status) == Some(CycleStatus::Pending) {
        let moved = Cycle::set_status(
            conn,
            cycle.id,
            CycleStatus::InProgress.as_str(),
            Some(chrono::Utc::now()),
            None,
        )?;
        actor
            .audit(actions::CYCLE_STATUS_CHANGED)
            .project(project.id)
            .resource("cycle", cycle.id)
            .details(json!({
                "cycle_name": cycle.cycle_name,
                "reason": "first upload",
                "before": { "status": cycle.status },
                "after": { "status": moved.status, "started_at": moved.started_at },
            }))
            .record(conn)?;
    }
    let session = SyncSession::start(conn, project.id, cycle.id, actor.user_id, &cycle.s3_prefix)?;
    actor
        .audit(actions::UPLOAD_STARTED)
        .project(project.id)
        .resource("sync_session", session.id)
        .details(json!({ "cycle": cycle.cycle_name, "s3_prefix": cycle.s3_prefix }))
        .record(conn)?;
    let plan = BatchPlan {
        session: session.id,
        company: actor.company_id,
        project: project.id,
        cycle: cycle.id,
        prefix: cycle.s3_prefix,
        review: project.review_uploads,
        allowed: project
            .allowed_file_types
            .iter()
            .flatten()
            .cloned()
            .collect(),
    };
    Ok((project, plan))
}

fn finish_session(
    conn: &mut PgConnection,
    actor: &Actor,
    plan: &BatchPlan,
    error: Option<&str>,
) -> Result<SyncSession, AppError> {
    let session = SyncSession::finish(conn, plan.session, error)?;
    actor
        .audit(actions::UPLOAD_FINISHED)
        .project(plan.project)
        .resource("sync_session", session.id)
        .details(json!({
            "status": session.status,
            "total_files": session.total_files,
            "files_uploaded": session.files_uploaded,
            "files_skipped": session.files_skipped,
            "files_failed": session.files_failed,
            "uploaded_size_bytes": session.uploaded_size_bytes,
            "error": error,
        }))
        .record(conn)?;
    Ok(session)
}

/// Fails an `uploading` file and counts it, unless it already ended.
fn fail_file(
    conn: &mut PgConnection,
    actor: &Actor,
    plan: &BatchPlan,
    file: FileUploadId,
    size: i64,
    reason: &str,
) -> Result<(), AppError> {
    if FileUpload::mark_failed(conn, file, size, reason)? {
        SyncSession::file_finished(conn, plan.session, FileOutcome::Failed, size)?;
        actor
            .audit(actions::FILE_FAILED)
            .project(plan.project)
            .resource("file", file)
            .details(json!({ "reason": reason, "bytes_received": size }))
            .record(conn)?;
    }
    Ok(())
}

impl Batch {
    pub async fn start(
        state: &AppState,
        actor: &Actor,
        project: ProjectId,
        cycle: CycleId,
    ) -> Result<Batch, AppError> {
        let starter = actor.clone();
        let (project, plan) = db::transaction(&state.pool, move |conn| {
            start_session(conn, &starter, project, cycle)
        })
        .await?;
        let batch = Batch {
            pool: state.pool.clone(),
            budget: state.part_budget.clone(),
            limits: state.config.uploads.clone(),
            client: state.storage.client_for_region(&project.aws_region),
            bucket: project.bucket_name.clone(),
            actor: actor.clone(),
            plan,
            files_seen: 0,
            open: true,
        };
        // Hopper's own endpoint creates the bucket on first use; elsewhere it must exist.
        if let Err(e) = state.storage.ensure_bucket(&project.bucket_name).await {
            let message = format!("The project's bucket cannot be used: {e}");
            batch.finish(Some(&message)).await?;
            return Err(AppError::Conflict(message));
        }
        Ok(batch)
    }

    pub fn session_id(&self) -> SyncSessionId {
        self.plan.session
    }

    async fn transaction<T, F>(&self, use_case: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut PgConnection, &Actor, &BatchPlan) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (actor, plan) = (self.actor.clone(), self.plan.clone());
        db::transaction(&self.pool, move |conn| use_case(conn, &actor, &plan)).await
    }

    /// Records a file refused before any byte was stored. The name is kept as sent, with
    /// control characters escaped (PostgreSQL refuses NUL; CR/LF could forge log lines).
    async fn refuse(&self, path: &str, reason: String) -> Result<(), AppError> {
        let path = crate::auth::client_info::sanitize(path);
        self.transaction(move |conn, actor, plan| {
            let file = FileUpload::insert(
                conn,
                &NewFile {
                    session: plan.session,
                    company: plan.company,
                    cycle: plan.cycle,
                    file_path: &path,
                    s3_key: "",
                },
                "failed",
                Some(&reason),
            )?;
            SyncSession::file_started(conn, plan.session)?;
            SyncSession::file_finished(conn, plan.session, FileOutcome::Failed, 0)?;
            actor
                .audit(actions::FILE_FAILED)
                .project(plan.project)
                .resource("file", file)
                .details(json!({ "path": path, "reason": reason }))
                .record(conn)?;
            Ok(())
        })
        .await
    }

    /// Streams one file into S3. A problem with this file fails it and the batch goes on
    /// (`Ok`); a problem with the request stops the batch (`Err`).
    pub async fn file<S, E>(&mut self, sent_name: &str, body: S) -> Result<(), Stop>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Display,
    {
        self.files_seen += 1;
        if self.files_seen > self.limits.max_files_per_batch {
            return Err(Stop::TooManyFiles(self.limits.max_files_per_batch));
        }
        let mut body = Limited::new(body, &self.limits, sent_name);
        let key = match ObjectKey::parse(&self.plan.prefix, sent_name) {
            Ok(key) => key,
            Err(reason) => {
                self.refuse(sent_name, format!("refused: {reason}"))
                    .await
                    .map_err(internal)?;
                return body.drain().await;
            }
        };
        let (plan, path, s3_key) = (
            self.plan.clone(),
            key.relative_path.clone(),
            key.key.clone(),
        );
        let file = self
            .transaction(move |conn, _, _| {
                let id = FileUpload::insert(
                    conn,
                    &NewFile {
                        session: plan.session,
                        company: plan.company,
                        cycle: plan.cycle,
                        file_path: &path,
                        s3_key: &s3_key,
                    },
                    "uploading",
                    None,
                )?;
                SyncSession::file_started(conn, plan.session)?;
                Ok(id)
            })
            .await
            .map_err(internal)?;
        let target = ObjectTarget {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            key: key.key.clone(),
            content_type: "application/octet-stream".into(),
        };
        let mut guard = FileGuard {
            pool: self.pool.clone(),
            actor: self.actor.clone(),
            plan: self.plan.clone(),
            target,
            file,
            multipart: None,
            armed: true,
        };
        let outcome = self.stream(&key, &mut body, &mut guard).await;
        match outcome {
            Ok(()) => Ok(()),
            Err(Failure::File(reason)) => {
                guard.fail(body.size(), &reason).await;
                body.drain().await
            }
            Err(Failure::Batch(stop)) => {
                guard.fail(body.size(), &stop.message()).await;
                Err(stop)
            }
        }
    }

    async fn stream<S, E>(
        &self,
        key: &ObjectKey,
        body: &mut Limited<'_, S>,
        guard: &mut FileGuard,
    ) -> Result<(), Failure>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Display,
    {
        let part_size = self.budget.part_size();
        let mut hasher = Sha256::new();
        let mut buffer: Option<PartBuffer> = Some(self.budget.buffer().await);
        let mut content_type: Option<String> = None;
        while let Some(mut chunk) = body.next().await? {
            hasher.update(&chunk);
            while !chunk.is_empty() {
                let filling = match buffer.as_mut() {
                    Some(b) => b,
                    None => buffer.insert(self.budget.buffer().await),
                };
                let take = (part_size - filling.data.len()).min(chunk.len());
                filling.data.extend_from_slice(&chunk.split_to(take));
                if filling.data.len() < part_size {
                    continue;
                }
                let full = buffer
                    .take()
                    .ok_or_else(|| Failure::File("lost a part buffer".into()))?;
                if guard.multipart.is_none() {
                    let head = &full.data[..full.data.len().min(SNIFF_BYTES)];
                    let kind = file_kind::check(key.file_name(), head, &self.plan.allowed)
                        .map_err(|r| Failure::File(format!("refused: {r}")))?;
                    guard.target.content_type = kind.clone();
                    content_type = Some(kind);
                    let started = guard
                        .target
                        .start_multipart()
                        .await
                        .map_err(|e| Failure::File(format!("S3 refused the upload: {e}")))?;
                    guard.record_upload_id(started).await?;
                }
                if let Some(upload) = guard.multipart.as_mut() {
                    if let Err(e) = upload.send_part(full).await {
                        return Err(Failure::File(format!("S3 refused a part: {e}")));
                    }
                    guard.progress().await;
                }
            }
        }
        let checksum = hex::encode(hasher.finalize());
        let size = body.size();
        let Some(upload) = guard.multipart.as_mut() else {
            let data = buffer.map(|b| b.data.freeze()).unwrap_or_default();
            let head = &data[..data.len().min(SNIFF_BYTES)];
            let kind = file_kind::check(key.file_name(), head, &self.plan.allowed)
                .map_err(|r| Failure::File(format!("refused: {r}")))?;
            if guard.skip_if_duplicate(size, &checksum).await? {
                return Ok(());
            }
            guard.target.content_type = kind.clone();
            guard
                .target
                .put(data)
                .await
                .map_err(|e| Failure::File(format!("S3 refused the file: {e}")))?;
            return guard.complete(size, &checksum, &kind).await;
        };
        if let Some(last) = buffer.filter(|b| !b.data.is_empty()) {
            if let Err(e) = upload.send_part(last).await {
                return Err(Failure::File(format!("S3 refused a part: {e}")));
            }
        }
        if guard.is_duplicate(&checksum).await?.is_some() {
            guard.abort_open_upload().await;
            guard.skip_if_duplicate(size, &checksum).await?;
            return Ok(());
        }
        if let Some(upload) = guard.multipart.as_mut() {
            // On failure the guard's `fail` aborts the upload.
            upload
                .complete()
                .await
                .map_err(|e| Failure::File(format!("S3 could not complete the file: {e}")))?;
        }
        guard.multipart = None;
        let kind = content_type.unwrap_or_else(|| "application/octet-stream".into());
        guard.complete(size, &checksum, &kind).await
    }

    /// Ends the session: completed, or failed with `error`.
    pub async fn finish(mut self, error: Option<&str>) -> Result<SyncSession, AppError> {
        self.open = false;
        let error = error.map(str::to_owned);
        self.transaction(move |conn, actor, plan| {
            finish_session(conn, actor, plan, error.as_deref())
        })
        .await
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        let (pool, actor, plan) = (self.pool.clone(), self.actor.clone(), self.plan.clone());
        spawn_cleanup(async move {
            let result = db::transaction(&pool, move |conn| {
                finish_session(conn, &actor, &plan, Some("The upload was interrupted."))
            })
            .await;
            if let Err(e) = result {
                tracing::warn!(error = %e, "could not close an interrupted upload session");
            }
        });
    }
}

/// Runs cleanup from a `Drop`, when a runtime is there to run it.
fn spawn_cleanup(task: impl std::future::Future<Output = ()> + Send + 'static) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(task);
    }
}

fn internal(e: AppError) -> Stop {
    tracing::error!(error = %e, "upload bookkeeping failed");
    Stop::Disconnected("Hopper could not record the upload; please try again.".into())
}

enum Failure {
    /// This file fails; the batch goes on.
    File(String),
    /// The request cannot go on.
    Batch(Stop),
}

impl From<Stop> for Failure {
    fn from(stop: Stop) -> Self {
        Failure::Batch(stop)
    }
}

/// A file's row while its bytes flow. Whatever happens, it ends `completed`, `skipped` or
/// `failed`; dropped while armed (the request vanished), it fails the row and aborts the
/// multipart upload in the background.
struct FileGuard {
    pool: PgPool,
    actor: Actor,
    plan: BatchPlan,
    target: ObjectTarget,
    file: FileUploadId,
    /// The multipart upload while it is open (its id is also on the file row).
    multipart: Option<MultipartUpload>,
    armed: bool,
}

impl FileGuard {
    async fn run<T, F>(&self, use_case: F) -> Result<T, Failure>
    where
        F: FnOnce(&mut PgConnection, &Actor, &BatchPlan, FileUploadId) -> Result<T, AppError>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let (actor, plan, file) = (self.actor.clone(), self.plan.clone(), self.file);
        db::transaction(&self.pool, move |conn| use_case(conn, &actor, &plan, file))
            .await
            .map_err(|e| Failure::Batch(internal(e)))
    }

    /// Keeps the started upload and stores its id on the row, for the reaper.
    async fn record_upload_id(&mut self, upload: MultipartUpload) -> Result<(), Failure> {
        let id = upload.upload_id.clone();
        self.multipart = Some(upload);
        self.run(move |conn, _, _, file| Ok(FileUpload::set_upload_id(conn, file, Some(&id))?))
            .await
    }

    /// Aborts the open multipart upload (its last part awaited first) and, once S3
    /// confirms, forgets its id.
    async fn abort_open_upload(&mut self) {
        if let Some(upload) = self.multipart.take() {
            if upload.abort().await {
                forget_upload_id(&self.pool, self.file).await;
            }
        }
    }

    async fn progress(&self) {
        let _ = self
            .run(|conn, _, _, file| Ok(FileUpload::touch(conn, file)?))
            .await;
    }

    async fn is_duplicate(&self, checksum: &str) -> Result<Option<FileUpload>, Failure> {
        let checksum = checksum.to_owned();
        self.run(move |conn, _, plan, file| {
            Ok(FileUpload::find_duplicate(
                conn, plan.cycle, &checksum, file,
            )?)
        })
        .await
    }

    /// Marks the file skipped when its content already arrived in the cycle.
    async fn skip_if_duplicate(&mut self, size: u64, checksum: &str) -> Result<bool, Failure> {
        let checksum = checksum.to_owned();
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        let skipped = self
            .run(move |conn, actor, plan, file| {
                let Some(original) = FileUpload::find_duplicate(conn, plan.cycle, &checksum, file)?
                else {
                    return Ok(false);
                };
                FileUpload::mark_skipped(conn, file, size, &checksum, original.id)?;
                SyncSession::file_finished(conn, plan.session, FileOutcome::Skipped, size)?;
                actor
                    .audit(actions::FILE_SKIPPED)
                    .project(plan.project)
                    .resource("file", file)
                    .details(json!({
                        "sha256": checksum,
                        "size": size,
                        "duplicate_of": original.id,
                        "original_path": original.file_path,
                    }))
                    .record(conn)?;
                Ok(true)
            })
            .await?;
        if skipped {
            self.armed = false;
        }
        Ok(skipped)
    }

    async fn complete(&mut self, size: u64, checksum: &str, kind: &str) -> Result<(), Failure> {
        let (checksum, kind) = (checksum.to_owned(), kind.to_owned());
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        self.run(move |conn, actor, plan, file| {
            let row = FileUpload::mark_completed(conn, file, size, &checksum, &kind, plan.review)?;
            SyncSession::file_finished(conn, plan.session, FileOutcome::Uploaded, size)?;
            actor
                .audit(actions::FILE_UPLOADED)
                .project(plan.project)
                .resource("file", file)
                .details(json!({
                    "path": row.file_path,
                    "s3_key": row.s3_key,
                    "size": size,
                    "sha256": checksum,
                    "content_type": kind,
                }))
                .record(conn)?;
            Ok(())
        })
        .await?;
        self.armed = false;
        Ok(())
    }

    async fn fail(&mut self, size: u64, reason: &str) {
        self.armed = false;
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        let reason = reason.to_owned();
        let recorded = self
            .run(move |conn, actor, plan, file| fail_file(conn, actor, plan, file, size, &reason))
            .await;
        if recorded.is_err() {
            tracing::error!(file = %self.file, "could not record a failed file");
        }
        self.abort_open_upload().await;
    }
}

async fn forget_upload_id(pool: &PgPool, file: FileUploadId) {
    let forgotten = db::transaction(pool, move |conn| {
        Ok(FileUpload::set_upload_id(conn, file, None)?)
    })
    .await;
    if let Err(e) = forgotten {
        tracing::warn!(file = %file, error = %e, "could not clear an aborted upload id; the reaper will");
    }
}

impl Drop for FileGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (pool, actor, plan, file, multipart) = (
            self.pool.clone(),
            self.actor.clone(),
            self.plan.clone(),
            self.file,
            self.multipart.take(),
        );
        spawn_cleanup(async move {
            let failed = db::transaction(&pool, move |conn| {
                fail_file(conn, &actor, &plan, file, 0, "the upload was interrupted")
            })
            .await;
            if let Err(e) = failed {
                tracing::warn!(error = %e, "could not fail an interrupted file; the reaper will");
            }
            if let Some(upload) = multipart {
                if upload.abort().await {
                    forget_upload_id(&pool, file).await;
                }
            }
        });
    }
}

/// A file's byte stream with the batch's rules: an idle timeout, the size limit, and
/// client errors turned into a [`Stop`].
struct Limited<'a, S> {
    body: S,
    limits: &'a UploadConfig,
    path: String,
    size: u64,
    /// The stream ended; it must not be polled again (multipart fields panic if it is).
    ended: bool,
}

impl<'a, S, E> Limited<'a, S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    fn new(body: S, limits: &'a UploadConfig, path: &str) -> Self {
        Self {
            body,
            limits,
            path: path.to_owned(),
            size: 0,
            ended: false,
        }
    }

    fn size(&self) -> u64 {
        self.size
    }

    async fn next(&mut self) -> Result<Option<Bytes>, Stop> {
        if self.ended {
            return Ok(None);
        }
        match tokio::time::timeout(self.limits.idle_timeout, self.body.next()).await {
            Err(_) => Err(Stop::Idle(self.limits.idle_timeout)),
            Ok(None) => {
                self.ended = true;
                Ok(None)
            }
            Ok(Some(Err(e))) => Err(Stop::Disconnected(e.to_string())),
            Ok(Some(Ok(chunk))) => {
                self.size += chunk.len() as u64;
                if self.size > self.limits.max_file_size {
                    return Err(Stop::FileTooLarge {
                        path: self.path.clone(),
                        limit: self.limits.max_file_size,
                    });
                }
                Ok(Some(chunk))
            }
        }
    }

    /// Reads and discards the rest of a failed file, under the same rules.
    async fn drain(&mut self) -> Result<(), Stop> {
        while self.next().await?.is_some() {}
        Ok(())
    }
}
