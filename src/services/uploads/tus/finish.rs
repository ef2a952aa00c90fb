//! How a resumable upload's steps are recorded and how it ends: a part landed, bytes
//! staged as the tail, the last byte (then the file goes the way of a form upload's:
//! duplicate check under the content's lock, completion with its intent, request, audit,
//! counters), a refusal of its content, a duplicate known before any byte moved.

use diesel::prelude::*;

use crate::db::models::file_upload::FileUpload;
use crate::db::models::tus_upload::{LandedPart, TusUpload};
use crate::domain::file_kind::{self, SNIFF_BYTES};
use crate::domain::refusal::{KindRefused, ScanRefused, TusRefused, UploadRefused};
use crate::domain::resumable_sha256::ResumableSha256;
use crate::domain::FailReason;
use crate::error::AppError;
use crate::scanner::ScanFeed;
use crate::services::actor::Actor;
use crate::services::file_life::{self, FileOf};
use crate::services::reconciler::Settlement;
use crate::services::scanning::{self, Judged};
use crate::services::uploads::file_guard::{Failure, FileGuard};
use crate::services::uploads::session::finish_session;
use crate::services::uploads::tus::claim::Writing;
use crate::services::uploads::tus::drop::drop_upload;
use crate::services::uploads::BatchPlan;
use crate::services::ServiceContext;
use crate::storage::multipart::MultipartUpload;
use crate::storage::part_budget::PartBuffer;
use crate::storage::ObjectTarget;

/// What had arrived when the last byte came.
pub(super) struct Arrived {
    pub(super) hasher: ResumableSha256,
    pub(super) parts: Vec<LandedPart>,
    pub(super) kind: Option<String>,
    pub(super) upload_id: Option<String>,
    /// The virus scan that read every byte in this request (`None`: the upload began in an
    /// earlier request, or nothing is scanned; the file is then scanned from S3).
    pub(super) scan: Option<ScanFeed>,
}

/// The file's last part as the last byte found it.
pub(super) enum Last {
    /// Held in a buffer (possibly empty): hashed, scanned and sent here.
    Buffered(PartBuffer),
    /// Streamed, scanned and in S3 already; these are its bytes after the last whole
    /// 64-byte block, which the hash still needs.
    Streamed(Vec<u8>),
}

fn unavailable(failure: Failure) -> AppError {
    match failure {
        Failure::File(FailReason::Refused(refusal)) => AppError::Refused(refusal),
        Failure::File(FailReason::Happened(why)) => UploadRefused::FileFailed(why).into(),
        Failure::Batch(stop) => AppError::Unavailable(stop.message()),
    }
}

/// Gives the writer's claim back (the next request may write at once).
pub(super) async fn release(ctx: &ServiceContext, actor: &Actor, writing: &Writing) {
    let (id, writer) = (writing.upload.id, writing.writer);
    let released = ctx
        .run(actor, move |conn, _| {
            Ok(TusUpload::release(conn, id, writer)?)
        })
        .await;
    if let Err(e) = released {
        tracing::warn!(upload = %id, error = %e, "could not release a tus upload; its claim lapses once the request is gone");
    }
}

/// Whose part is recorded: the upload, the writer holding it, its file (owned, so a part
/// can be recorded by the task that sent it while the request reads the next one).
#[derive(Clone, Copy)]
pub(super) struct PartOwner {
    pub(super) upload: uuid::Uuid,
    pub(super) writer: uuid::Uuid,
    pub(super) file: FileOf,
}

pub(super) async fn record_part(
    ctx: &ServiceContext,
    actor: &Actor,
    owner: PartOwner,
    part: &LandedPart,
    state: &ResumableSha256,
) -> Result<(), AppError> {
    let PartOwner {
        upload,
        writer,
        file,
    } = owner;
    let (part, state) = (part.clone(), state.to_bytes());
    let landed = i64::try_from(state_length(&state)).unwrap_or(i64::MAX);
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, _| {
        if !TusUpload::part_landed(conn, upload, writer, (&part, &state), now)? {
            return Err(AppError::from(TusRefused::TakenOver));
        }
        file_life::progress(conn, file, landed)
    })
    .await
}

fn state_length(state: &[u8]) -> u64 {
    ResumableSha256::from_bytes(state).map_or(0, |s| s.length())
}

/// Keeps the bytes after the last whole part in the tail object.
pub(super) async fn stage_tail(
    ctx: &ServiceContext,
    actor: &Actor,
    writing: &Writing,
    buffer: PartBuffer,
) -> Result<(), AppError> {
    let size = buffer.data.len() as i64;
    if size > 0 {
        writing
            .tail(ctx)
            .put(buffer.into_bytes())
            .await
            .map_err(|e| AppError::Unavailable(format!("S3 did not keep the last bytes: {e}")))?;
    }
    let (id, writer) = (writing.upload.id, writing.writer);
    ctx.run(actor, move |conn, _| {
        Ok(TusUpload::set_tail(conn, id, writer, size)?)
    })
    .await
    .map(|_| ())
}

/// Opens the multipart upload and records its id on the file row (for the reaper).
pub(super) async fn start_multipart(
    ctx: &ServiceContext,
    actor: &Actor,
    writing: &Writing,
    target: &ObjectTarget,
    content_type: &str,
) -> Result<String, AppError> {
    let started = target
        .start_multipart()
        .await
        .map_err(|e| AppError::Unavailable(format!("S3 refused the upload: {e}")))?;
    let upload_id = started.upload_id.clone();
    let (file, id, kind, recorded) = (
        writing.file.id,
        writing.upload.id,
        content_type.to_owned(),
        upload_id.clone(),
    );
    ctx.run(actor, move |conn, _| {
        FileUpload::set_upload_id(conn, file, Some(&recorded))?;
        TusUpload::set_content_type(conn, id, &kind)?;
        Ok(())
    })
    .await?;
    Ok(upload_id)
}

/// The content is not what the project takes: the upload ends failed.
pub(super) async fn refuse_content(
    ctx: &ServiceContext,
    actor: &Actor,
    writing: &Writing,
    refused: KindRefused,
) -> Result<(), AppError> {
    drop_upload(ctx, actor, &writing.upload, "failed", refused.clone()).await?;
    Err(refused.into())
}

/// The last byte arrived: the same end as a form upload's.
pub(super) async fn complete(
    ctx: &ServiceContext,
    actor: &Actor,
    writing: &Writing,
    arrived: Arrived,
    last: Last,
) -> Result<(), AppError> {
    let upload = &writing.upload;
    let size = u64::try_from(upload.upload_length).unwrap_or(0);
    let (last, carry) = match last {
        Last::Buffered(buffer) => (buffer, None),
        Last::Streamed(carry) => (PartBuffer::empty(), Some(carry)),
    };
    let rest: &[u8] = carry.as_deref().unwrap_or(&last.data);
    let checksum = hex::encode(arrived.hasher.finish(rest));
    if let Some(announced) = upload.client_sha256.as_deref() {
        if !announced.eq_ignore_ascii_case(&checksum) {
            let reason = format!("the bytes' SHA-256 is {checksum}, not the {announced} announced");
            drop_upload(ctx, actor, upload, "failed", &reason).await?;
            return Err(UploadRefused::ChecksumMismatch(reason).into());
        }
    }
    let kind = match arrived.kind {
        Some(kind) => kind,
        None => {
            let head = &last.data[..last.data.len().min(SNIFF_BYTES)];
            match file_kind::check(&writing.file.file_path, head, &writing.plan.allowed) {
                Ok(kind) => kind,
                Err(refused) => return refuse_content(ctx, actor, writing, refused).await,
            }
        }
    };
    let mut scan = arrived.scan;
    if let Some(scan) = scan.as_mut() {
        scan.feed(&last.data).await;
    }
    let judged = scanning::judge(ctx, scan).await;
    if let Judged::Refuse(refusal) = judged {
        drop_upload(
            ctx,
            actor,
            upload,
            "failed",
            FailReason::Refused(refusal.clone().into()),
        )
        .await?;
        return Err(refusal.into());
    }
    let target = writing.target(ctx, &kind);
    // Every part in S3 before anything is decided: only the completion can be in doubt.
    let (multipart, small) = match &arrived.upload_id {
        Some(id) => {
            let landed = arrived.parts.iter().map(|p| (p.number, p.etag.clone()));
            let mut multipart = target.resume_multipart(id, landed);
            if !last.data.is_empty() {
                multipart
                    .send_part(last)
                    .await
                    .map_err(|e| AppError::Unavailable(format!("S3 refused the last part: {e}")))?;
            }
            multipart
                .parts_landed()
                .await
                .map_err(|e| AppError::Unavailable(format!("S3 refused the last part: {e}")))?;
            (Some(multipart), None)
        }
        // Smaller than a part, or sent whole in one request: one PutObject.
        None => (None, Some(last.into_bytes())),
    };
    let mut guard = guard(ctx, actor, writing, target, multipart);
    match judged {
        Judged::Take(scanned) => guard.scanned = scanned,
        Judged::Virus(signature) => {
            return quarantine(ctx, writing, guard, (size, &checksum), &signature).await
        }
        Judged::Refuse(_) => {}
    }
    if guard
        .claim_or_skip(size, &checksum, &kind)
        .await
        .map_err(unavailable)?
    {
        guard.abort_open_upload().await;
        return ended(ctx, actor, writing, "skipped").await;
    }
    store_and_complete(ctx, writing, guard, small, (size, &checksum, &kind)).await
}

/// The file's row while its object is stored, armed: dropped early, it fails the file.
pub(super) fn guard(
    ctx: &ServiceContext,
    actor: &Actor,
    writing: &Writing,
    target: ObjectTarget,
    multipart: Option<MultipartUpload>,
) -> FileGuard {
    FileGuard {
        ctx: ctx.clone(),
        actor: actor.clone(),
        plan: writing.plan.clone(),
        target,
        file: writing.file.id,
        multipart,
        armed: true,
        in_doubt: false,
        scanned: scanning::unscanned(ctx),
    }
}

/// A virus was found in the arrived bytes: the file is quarantined (its multipart upload
/// aborted), the upload ends, and the client hears why.
pub(super) async fn quarantine(
    ctx: &ServiceContext,
    writing: &Writing,
    mut guard: FileGuard,
    (size, checksum): (u64, &str),
    signature: &str,
) -> Result<(), AppError> {
    let actor = guard.actor.clone();
    guard.quarantine(size, checksum, signature).await;
    ended(ctx, &actor, writing, "failed").await?;
    Err(ScanRefused::VirusFound {
        signature: signature.to_owned(),
    }
    .into())
}

/// The content is this file's to store (claimed, with its intent on the row): the object
/// is completed (or put whole, `small`), then the file, its tus row and its batch.
pub(super) async fn store_and_complete(
    ctx: &ServiceContext,
    writing: &Writing,
    mut guard: FileGuard,
    small: Option<bytes::Bytes>,
    (size, checksum, kind): (u64, &str, &str),
) -> Result<(), AppError> {
    let (actor, target) = (guard.actor.clone(), guard.target.clone());
    let upload = &writing.upload;
    let stored = match (guard.multipart.as_mut(), small) {
        (Some(multipart), _) => multipart.complete().await,
        (None, Some(bytes)) => target.put(bytes).await,
        (None, None) => Ok(()),
    };
    if let Err(e) = stored {
        let settled = guard
            .settle_in_doubt(&format!("S3 did not confirm the file: {e}"))
            .await
            .map_err(unavailable)?;
        if settled == Settlement::Failed {
            // Read back, nothing was stored: the client must not take the upload for done.
            ended(ctx, &actor, writing, "failed").await?;
            return Err(AppError::Unavailable(
                "S3 did not store the file; send it again as a new upload.".into(),
            ));
        }
        return ended(ctx, &actor, writing, "completed").await;
    }
    guard.multipart = None;
    let (id, closes) = (upload.id, upload.finishes_session);
    guard
        .complete_with(size, checksum, kind, move |conn, actor, plan| {
            end_row(conn, actor, plan, (id, "completed", closes))
        })
        .await
        .map_err(unavailable)?;
    if upload.tail_size > 0 {
        delete_quietly(&writing.tail(ctx)).await;
    }
    Ok(())
}

/// The upload took its last byte: its row ends, the tail goes, its own batch ends.
pub(super) async fn ended(
    ctx: &ServiceContext,
    actor: &Actor,
    writing: &Writing,
    outcome: &'static str,
) -> Result<(), AppError> {
    let tail = writing.tail(ctx);
    let (id, plan, closes) = (
        writing.upload.id,
        writing.plan.clone(),
        writing.upload.finishes_session,
    );
    ctx.run(actor, move |conn, actor| {
        end_row(conn, actor, &plan, (id, outcome, closes))
    })
    .await?;
    if writing.upload.tail_size > 0 {
        delete_quietly(&tail).await;
    }
    Ok(())
}

/// The upload's row ends with `outcome`, and its own batch with it when it has one.
fn end_row(
    conn: &mut PgConnection,
    actor: &Actor,
    plan: &BatchPlan,
    (id, outcome, closes): (uuid::Uuid, &'static str, bool),
) -> Result<(), AppError> {
    TusUpload::finish(conn, id, outcome)?;
    if closes {
        finish_session(conn, actor, plan, None)?;
    }
    Ok(())
}

pub(super) async fn delete_quietly(target: &ObjectTarget) {
    if let Err(e) = target.delete().await {
        tracing::warn!(key = %target.key, error = %e, "could not delete a staged tail");
    }
}
