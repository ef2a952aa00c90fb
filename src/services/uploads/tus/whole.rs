//! A small file sent whole in one PATCH (every small file of a `hopper sync`): its bytes
//! are read and hashed before the upload is claimed, so the claim's transaction also
//! takes the content claim (the duplicate check under the content's lock, and the intent
//! the reconciler needs before S3 is written). One transaction fewer per file; anything
//! unusual (a checksum that differs from the announced one, a refused type, the same
//! content claimed or stored by another file) leaves the decision to the common path,
//! with the bytes already read.

use std::fmt::Display;
use std::time::Duration;

use bytes::Bytes;
use diesel::PgConnection;
use futures_util::{Stream, StreamExt};

use crate::db::models::file_upload::FileUpload;
use crate::domain::file_kind::{self, SNIFF_BYTES};
use crate::domain::refusal::TusRefused;
use crate::domain::resumable_sha256::ResumableSha256;
use crate::domain::FailReason;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::file_life;
use crate::services::scanning::{self, Judged};
use crate::services::uploads::tus::claim::Writing;
use crate::services::uploads::tus::drop::drop_upload;
use crate::services::uploads::tus::finish;
use crate::services::ServiceContext;
use crate::storage::part_budget::{PartBuffer, Tenant};

/// A whole small body, read.
pub(super) struct Whole {
    pub(super) buffer: PartBuffer,
    /// What the claim's transaction needs of it.
    pub(super) facts: Facts,
}

#[derive(Clone)]
pub(super) struct Facts {
    size: i64,
    checksum: String,
    head: Vec<u8>,
}

/// The content is this file's to store; its type.
pub(super) struct ContentClaim {
    kind: String,
}

/// The body's length when it is worth reading whole before the claim: the start of an
/// upload, smaller than a part (`Content-Length` says so).
pub(super) fn worth_reading(
    ctx: &ServiceContext,
    offset: i64,
    length: Option<u64>,
) -> Option<usize> {
    let part_size = ctx.part_budget().part_size();
    let length = length.and_then(|n| usize::try_from(n).ok())?;
    (offset == 0 && length > 0 && length < part_size).then_some(length)
}

/// Reads a body of `length` bytes (see [`worth_reading`]) when a part buffer is free right
/// now; `None` otherwise, the body untouched. (Not waiting for a buffer: a small body read
/// ahead must not queue for memory ahead of the uploads already sending.) A body that
/// breaks off or stalls is an error: nothing was claimed, the client resumes from offset 0.
pub(super) async fn read_small<S, E>(
    ctx: &ServiceContext,
    actor: &Actor,
    length: usize,
    body: &mut S,
) -> Result<Option<Whole>, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let tenant = Tenant(actor.company_id().0);
    let Some(mut buffer) = ctx
        .part_budget()
        .buffer_within(Duration::ZERO, tenant)
        .await
    else {
        return Ok(None);
    };
    let idle = ctx.uploads().idle_timeout;
    loop {
        let chunk = match tokio::time::timeout(idle, body.next()).await {
            Err(_) => return Err(TusRefused::Idle(idle.as_secs()).into()),
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(TusRefused::BodyBrokeOff(e.to_string()).into()),
            Ok(Some(Ok(chunk))) => chunk,
        };
        if buffer.data.len() + chunk.len() > length {
            return Err(AppError::from(TusRefused::BeyondContentLength));
        }
        buffer.data.extend_from_slice(&chunk);
    }
    if buffer.data.len() != length {
        return Err(AppError::from(TusRefused::ShortOfContentLength));
    }
    let checksum = hex::encode(ResumableSha256::default().finish(&buffer.data));
    let facts = Facts {
        size: length as i64,
        checksum,
        head: buffer.data[..length.min(SNIFF_BYTES)].to_vec(),
    };
    Ok(Some(Whole { buffer, facts }))
}

/// In the claim's transaction: when the body is the whole file, its announced checksum
/// matches, its type is taken and no other file of the cycle holds or claims the same
/// content, claims the content for this file. `None`: the common path decides.
pub(super) fn claim_content(
    conn: &mut PgConnection,
    writing: &Writing,
    facts: &Facts,
) -> Result<Option<ContentClaim>, AppError> {
    if writing.upload.upload_length != facts.size {
        return Ok(None);
    }
    let announced = writing.upload.client_sha256.as_deref();
    if announced.is_some_and(|sha| !sha.eq_ignore_ascii_case(&facts.checksum)) {
        return Ok(None);
    }
    let allowed = &writing.plan.allowed;
    let Ok(kind) = file_kind::check(&writing.file.file_path, &facts.head, allowed) else {
        return Ok(None);
    };
    let (cycle, file) = (writing.plan.cycle, writing.file.id);
    FileUpload::lock_content(conn, cycle, &facts.checksum)?;
    if FileUpload::find_copy_or_claim(conn, cycle, &facts.checksum, file)?.is_some() {
        return Ok(None);
    }
    let claimed = file_life::claim(
        conn,
        writing.plan.file_of(file),
        (&facts.checksum, facts.size, &kind),
    )?;
    if !claimed.moved() {
        return Ok(None);
    }
    Ok(Some(ContentClaim { kind }))
}

/// Stores a whole file whose content was claimed with the upload: one PutObject, then the
/// file, its tus row and its batch complete.
pub(super) async fn store(
    ctx: &ServiceContext,
    actor: &Actor,
    writing: &Writing,
    whole: Whole,
    claim: ContentClaim,
) -> Result<(), AppError> {
    let Whole { buffer, facts } = whole;
    let target = writing.target(ctx, &claim.kind);
    let mut guard = finish::guard(ctx, actor, writing, target, None);
    let size = u64::try_from(facts.size).unwrap_or(0);
    let mut scan = scanning::start(ctx, Some(size)).await;
    if let Some(scan) = scan.as_mut() {
        scan.feed(&buffer.data).await;
    }
    match scanning::judge(ctx, scan).await {
        Judged::Take(scanned) => guard.scanned = scanned,
        Judged::Virus(signature) => {
            return finish::quarantine(ctx, writing, guard, (size, &facts.checksum), &signature)
                .await
        }
        Judged::Refuse(refusal) => {
            let reason = FailReason::Refused(refusal.clone().into());
            drop_upload(ctx, actor, &writing.upload, "failed", reason).await?;
            return Err(refusal.into());
        }
    }
    let small = Some(buffer.into_bytes());
    finish::store_and_complete(
        ctx,
        writing,
        guard,
        small,
        (size, &facts.checksum, &claim.kind),
    )
    .await
}
