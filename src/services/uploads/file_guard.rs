//! One file's row while its bytes flow: it ends `completed`, `skipped` or `failed`,
//! whatever happens to the request.

use diesel::prelude::*;

use crate::db::ids::FileUploadId;
use crate::db::models::file_upload::FileUpload;
use crate::domain::{FailReason, FileStatus, RefusalKind};
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::cycle_progress::MovedBy;
use crate::services::file_life::{self, Completion, Scanned, StoredFile, Told};
use crate::services::reconciler::{self, Settlement};
use crate::services::scanning;
use crate::services::uploads::{internal, spawn_cleanup, BatchPlan, Stop};
use crate::services::ServiceContext;
use crate::storage::multipart::MultipartUpload;
use crate::storage::ObjectTarget;

pub(super) enum Failure {
    /// This file fails; the batch goes on.
    File(FailReason),
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
/// How long an upload waits for another one that claimed the same content to finish.
const CLAIM_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

enum Claim {
    Mine,
    Skipped,
    Wait,
}

pub(super) struct FileGuard {
    pub(super) ctx: ServiceContext,
    pub(super) actor: Actor,
    pub(super) plan: BatchPlan,
    pub(super) target: ObjectTarget,
    pub(super) file: FileUploadId,
    /// The multipart upload while it is open (its id is also on the file row).
    pub(super) multipart: Option<MultipartUpload>,
    pub(super) armed: bool,
    /// Whether S3 stored the object is not known: the row keeps its intent for the
    /// reconciler and must not be failed here.
    pub(super) in_doubt: bool,
    /// What the virus scan said of the bytes; `Pending` completes the file into `scanning`.
    pub(super) scanned: Scanned,
}

impl FileGuard {
    async fn run<T, F>(&self, use_case: F) -> Result<T, Failure>
    where
        F: FnOnce(&mut PgConnection, &Actor, &BatchPlan, FileUploadId) -> Result<T, AppError>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let (plan, file) = (self.plan.clone(), self.file);
        self.ctx
            .run(&self.actor, move |conn, actor| {
                use_case(conn, actor, &plan, file)
            })
            .await
            .map_err(|e| match e {
                // This file's row moved on (the reaper failed it): the file fails, the
                // batch goes on.
                AppError::Refused(refused) if refused.kind() == RefusalKind::StateForbids => {
                    Failure::File(refused.to_string().into())
                }
                other => Failure::Batch(internal(other)),
            })
    }

    /// Keeps the started upload and stores its id on the row, for the reaper.
    pub(super) async fn record_upload_id(
        &mut self,
        upload: MultipartUpload,
    ) -> Result<(), Failure> {
        let id = upload.upload_id.clone();
        self.multipart = Some(upload);
        self.run(move |conn, _, _, file| Ok(FileUpload::set_upload_id(conn, file, Some(&id))?))
            .await
    }

    /// Aborts the open multipart upload (its last part awaited first) and, once S3
    /// confirms, forgets its id.
    pub(super) async fn abort_open_upload(&mut self) {
        if let Some(upload) = self.multipart.take() {
            if upload.abort().await {
                forget_upload_id(&self.ctx, &self.actor, self.file).await;
            }
        }
    }

    /// Marks progress, so that the reaper leaves a slow but live upload alone.
    pub(super) async fn progress(&self, received: u64) {
        let received = i64::try_from(received).unwrap_or(i64::MAX);
        let touched = self
            .run(move |conn, _, plan, file| file_life::progress(conn, plan.file_of(file), received))
            .await;
        if touched.is_err() {
            tracing::warn!(file = %self.file, "could not record upload progress");
        }
    }

    /// Under the content's lock: when this content is already stored in the cycle, marks
    /// this file skipped as its duplicate; otherwise claims the content for this file.
    /// When another upload has claimed it but not finished, this one waits (the lock
    /// released) until that one is stored (then this is its duplicate) or fails (then this
    /// one stores it): a file is never skipped in favour of a copy that may not arrive.
    /// Two uploads of the same bytes, on any nodes, end as one stored and one skipped.
    pub(super) async fn claim_or_skip(
        &mut self,
        size: u64,
        checksum: &str,
        kind: &str,
    ) -> Result<bool, Failure> {
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        let deadline = std::time::Instant::now() + CLAIM_WAIT;
        loop {
            let (checksum, kind) = (checksum.to_owned(), kind.to_owned());
            let may_wait = std::time::Instant::now() < deadline;
            let decision = self
                .run(move |conn, actor, plan, file| {
                    FileUpload::lock_content(conn, plan.cycle, &checksum)?;
                    let original =
                        FileUpload::find_copy_or_claim(conn, plan.cycle, &checksum, file)?;
                    let at = plan.file_of(file);
                    let original = match original {
                        Some(o) if o.status.is_completed() => o,
                        Some(_) if may_wait => return Ok(Claim::Wait),
                        // Nobody holds it, or the claimer is taking too long: store it.
                        _ => {
                            file_life::claim(conn, at, (&checksum, size, &kind))?
                                .or_ended(file, FileStatus::Uploading)?;
                            return Ok(Claim::Mine);
                        }
                    };
                    let by = MovedBy::Actor(actor);
                    file_life::skip(conn, by, at, (size, &checksum), (&original, false))?
                        .or_ended(file, FileStatus::Skipped)?;
                    Ok(Claim::Skipped)
                })
                .await?;
            match decision {
                Claim::Mine => return Ok(false),
                Claim::Skipped => {
                    self.armed = false;
                    return Ok(true);
                }
                Claim::Wait => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
            }
        }
    }

    pub(super) async fn complete(
        &mut self,
        size: u64,
        checksum: &str,
        kind: &str,
    ) -> Result<(), Failure> {
        self.complete_with(size, checksum, kind, |_, _, _| Ok(()))
            .await
    }

    /// Completes the file and, in the same transaction, what the caller's own record says
    /// of it (a resumable upload's row ends with its file).
    pub(super) async fn complete_with<F>(
        &mut self,
        size: u64,
        checksum: &str,
        kind: &str,
        also: F,
    ) -> Result<(), Failure>
    where
        F: FnOnce(&mut PgConnection, &Actor, &BatchPlan) -> Result<(), AppError> + Send + 'static,
    {
        let (checksum, kind) = (checksum.to_owned(), kind.to_owned());
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        let now = self.ctx.clock().now();
        let scan = self.scanned;
        let recorded = self
            .run(move |conn, actor, plan, file| {
                let stored = StoredFile {
                    size,
                    checksum: &checksum,
                    content_type: &kind,
                };
                let completion = Completion {
                    project: plan.project,
                    review: plan.review,
                    scan,
                };
                let told = (Told::Sender { via: None }, now);
                let (_, stored_in_batch) = file_life::complete(
                    conn,
                    MovedBy::Actor(actor),
                    (plan.file_of(file), completion),
                    &stored,
                    told,
                    |conn| also(conn, actor, plan),
                )?
                // The reaper (or a node's start-up) failed the row meanwhile; it stays failed.
                .or_ended(file, FileStatus::Completed)?;
                Ok(stored_in_batch)
            })
            .await;
        self.armed = false;
        if let Err(Failure::Batch(stop)) = recorded {
            // S3 holds the object but the row could not say so: the intent on the row
            // lets the reconciler complete it once the database answers again.
            self.in_doubt = true;
            reconciler::retry_in_background(self.ctx.clone(), self.actor.clone(), self.file);
            return Err(Failure::Batch(stop));
        }
        if matches!(recorded, Ok(10 | 100 | 1_000)) {
            refresh_statistics(&self.ctx, &self.actor).await;
        }
        if recorded.is_ok() && scan == Scanned::Pending {
            scanning::scan_in_background(self.ctx.clone(), self.file);
        }
        recorded.map(|_| ())
    }

    /// A virus was found while the bytes arrived: the row ends `quarantined` and the open
    /// multipart upload is aborted (nothing was stored).
    pub(super) async fn quarantine(&mut self, size: u64, checksum: &str, signature: &str) {
        self.armed = false;
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        let (checksum, signature) = (checksum.to_owned(), signature.to_owned());
        let recorded = self
            .run(move |conn, actor, plan, file| {
                let told = Told::Sender { via: None };
                let by = MovedBy::Actor(actor);
                let _ = file_life::quarantine(
                    conn,
                    by,
                    plan.file_of(file),
                    (size, &checksum, &signature),
                    (told, None),
                )?;
                Ok(())
            })
            .await;
        if recorded.is_err() {
            tracing::error!(file = %self.file, "could not record a quarantined file");
        }
        self.abort_open_upload().await;
    }

    /// S3's answer to the completion was lost or an error: whether the object exists is
    /// not known. An open multipart upload is aborted first (so it cannot complete
    /// later), then the object is read back and the row settled by what S3 holds.
    /// How it was settled: the caller's own record may say so (a resumable upload).
    pub(super) async fn settle_in_doubt(&mut self, why: &str) -> Result<Settlement, Failure> {
        tracing::warn!(file = %self.file, error = %why, "completion in doubt; reading the object back");
        self.armed = false;
        self.in_doubt = true;
        if let Some(upload) = self.multipart.take() {
            // The upload id stays on the row: the reaper retries the abort if this fails.
            upload.abort().await;
        }
        match reconciler::settle(&self.ctx, Some(&self.actor), self.file).await {
            Ok(Settlement::InDoubt(e)) => {
                tracing::warn!(file = %self.file, error = %e, "S3 cannot be asked now; settling later");
                reconciler::retry_in_background(self.ctx.clone(), self.actor.clone(), self.file);
                Ok(Settlement::InDoubt(e))
            }
            Ok(settled) => Ok(settled),
            Err(e) => {
                reconciler::retry_in_background(self.ctx.clone(), self.actor.clone(), self.file);
                Err(Failure::Batch(internal(e)))
            }
        }
    }

    pub(super) async fn fail(&mut self, size: u64, reason: impl Into<FailReason>) {
        self.armed = false;
        if self.in_doubt {
            return;
        }
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        let reason: FailReason = reason.into();
        let recorded = self
            .run(move |conn, actor, plan, file| fail_file(conn, actor, plan, file, size, &reason))
            .await;
        if recorded.is_err() {
            tracing::error!(file = %self.file, "could not record a failed file");
        }
        self.abort_open_upload().await;
    }
}

/// A batch passing its 10th, 100th or 1,000th stored file has changed its cycle's rows faster
/// than autovacuum looks: stale statistics would plan the next files' duplicate and path
/// lookups as if no row were stored yet (migration 23).
async fn refresh_statistics(ctx: &ServiceContext, actor: &Actor) {
    let refreshed = ctx
        .run(actor, |conn, _| Ok(FileUpload::refresh_statistics(conn)?))
        .await;
    if let Err(e) = refreshed {
        tracing::warn!(error = %e, "could not refresh the upload table's statistics");
    }
}

pub(super) async fn forget_upload_id(ctx: &ServiceContext, actor: &Actor, file: FileUploadId) {
    let forgotten = ctx
        .run(actor, move |conn, _| {
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
        let (ctx, actor, plan, file, multipart) = (
            self.ctx.clone(),
            self.actor.clone(),
            self.plan.clone(),
            self.file,
            self.multipart.take(),
        );
        spawn_cleanup(async move {
            let failed = ctx
                .run(&actor, move |conn, actor| {
                    let reason = FailReason::from("the upload was interrupted");
                    fail_file(conn, actor, &plan, file, 0, &reason)
                })
                .await;
            if let Err(e) = failed {
                tracing::warn!(error = %e, "could not fail an interrupted file; the reaper will");
            }
            if let Some(upload) = multipart {
                if upload.abort().await {
                    forget_upload_id(&ctx, &actor, file).await;
                }
            }
        });
    }
}

/// Fails an `uploading` file and counts it, unless it already ended.
pub(super) fn fail_file(
    conn: &mut PgConnection,
    actor: &Actor,
    plan: &BatchPlan,
    file: FileUploadId,
    size: i64,
    reason: &FailReason,
) -> Result<(), AppError> {
    let told = Told::Sender { via: None };
    let _ = file_life::fail(
        conn,
        MovedBy::Actor(actor),
        plan.file_of(file),
        (size, reason),
        told,
    )?;
    Ok(())
}
