//! Resumable uploads (tus 1.0): one file sent over any number of requests, from any node.
//! Its file row is made at creation (so the batch's receipt shows it and refusals come
//! before any byte moves); the bytes land in an S3 multipart upload part by part, each
//! part recorded with the SHA-256 state after it (`TusUpload`). A request that ends
//! between parts leaves its last bytes in a staging object (the tail), so a client may
//! send chunks of any size. After the last byte the file goes the same way as a form
//! upload's: duplicate check, completion with its intent, request, audit, counters.
//!
//! `create` opens an upload (an empty file completes at once), with the decisions it
//! shares with a manifest here; `status`/`terminate` (this file); `claim` takes an upload
//! for a PATCH, `patch` receives its bytes (`whole` a small body read before the claim),
//! `finish` ends a file, `drop` ends an upload that will not complete; `expiry` is the
//! reaper's pass over abandoned uploads; `liveness` keeps the claims of live requests.

mod access;
mod claim;
mod create;
pub(super) mod drop;
mod expiry;
pub(super) mod finish;
pub mod liveness;
mod parts;
mod patch;
mod whole;

pub(super) use create::complete_empty;
pub use create::create;
pub use expiry::expire_abandoned;
pub use patch::{patch, Patched, Refusal};

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::db::ids::{CycleId, CycleRequestId, FileUploadId, SyncSessionId};
use crate::db::models::file_upload::FileUpload;
use crate::db::models::tus_upload::{NewTusUpload, TusUpload};
use crate::domain::refusal::{TusRefused, UploadRefused};
use crate::domain::resumable_sha256::ResumableSha256;
use crate::domain::{FailReason, ObjectKey};
use crate::error::AppError;
use crate::services::actor::{Actor, Sender};
use crate::services::cycle_progress::MovedBy;
use crate::services::file_life;
use crate::services::uploads::matching::request_for;
use crate::services::uploads::BatchPlan;
use crate::services::ServiceContext;

/// An abandoned upload expires this long after it was created.
pub const EXPIRES_AFTER_HOURS: i64 = 24;

/// What a client asks to upload (from `Upload-Length` and `Upload-Metadata`).
#[derive(Debug, Clone)]
pub struct Creation {
    /// The relative path (`filename`).
    pub path: String,
    pub cycle: CycleId,
    /// The batch it joins; none: a batch of its own, ended with it.
    pub session: Option<SyncSessionId>,
    /// The request it is for (as when dropped onto an item).
    pub request: Option<CycleRequestId>,
    /// The SHA-256 the client announces (hex); checked against the bytes.
    pub sha256: Option<String>,
    pub length: u64,
    /// The file's first bytes as the client read them (`head`), so that content of a
    /// kind not taken is refused before the body is sent. A hint only: the bytes that
    /// arrive are sniffed again.
    pub head: Option<Vec<u8>>,
}

/// What creation decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// Send the bytes to this upload.
    Upload { id: Uuid, expires_at: DateTime<Utc> },
    /// That content is already in the cycle: nothing to send (the upload is complete).
    Duplicate { id: Uuid, of: FileUploadId },
    /// Refused before any byte moved (recorded as a failed file of the batch).
    Refused { reason: FailReason },
}

/// Where an upload stands, for HEAD.
#[derive(Debug, Clone)]
pub struct Status {
    pub offset: i64,
    pub length: i64,
    pub expires_at: DateTime<Utc>,
    pub session: SyncSessionId,
    pub file: FileUploadId,
}

/// The upload `id` of the actor's company, created by this same actor (the same user, or
/// the same machine token); anything else is a 404.
pub(super) fn own_upload(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<TusUpload, AppError> {
    let upload = TusUpload::lock_in_company(conn, actor.company_id(), id)?
        .ok_or_else(|| actor.not_found("tus_upload", id))?;
    if !is_own(actor, &upload) {
        return Err(actor.not_found("tus_upload", id));
    }
    Ok(upload)
}

/// Whether `actor` created the upload: the same user, or the same machine token.
pub(super) fn is_own(actor: &Actor, upload: &TusUpload) -> bool {
    actor.is_sender(Sender {
        user: upload.user_id,
        token: upload.api_token_id,
        visit: upload.link_visit_id,
    })
}

/// A file refused at creation: recorded in its batch like a refused form file. The caller
/// counts it as started ([`file_life::started`]).
pub(in crate::services::uploads) fn refuse(
    conn: &mut PgConnection,
    actor: &Actor,
    plan: &BatchPlan,
    path: &str,
    reason: &FailReason,
) -> Result<(), AppError> {
    plan.refuse_file(conn, actor, path, reason, Some("tus"))
        .map(|_| ())
}

/// Refuses with the file's size limit first: `Upload-Length` counts before any byte.
pub(in crate::services::uploads) fn within_limit(
    ctx: &ServiceContext,
    path: &str,
    length: u64,
) -> Result<(), AppError> {
    let max = ctx.uploads().max_file_size;
    if length > max {
        return Err(UploadRefused::TooLarge {
            path: path.to_owned(),
            limit: max,
        }
        .into());
    }
    Ok(())
}

/// What becomes of a wanted file before any row is written: refused (by its name, its
/// request or its type), or taken under its key, for its request.
pub(in crate::services::uploads) enum Decision {
    Refused {
        reason: FailReason,
    },
    Taken {
        key: ObjectKey,
        request: Option<CycleRequestId>,
    },
}

pub(in crate::services::uploads) fn decide(plan: &BatchPlan, wanted: &Creation) -> Decision {
    let refused = |reason: FailReason| Decision::Refused { reason };
    let key = match ObjectKey::parse(&plan.prefix, &wanted.path) {
        Ok(key) => key,
        Err(reason) => return refused(UploadRefused::NotAccepted(reason).into()),
    };
    let request = match request_for(
        &plan.requests,
        wanted.request,
        &key.relative_path,
        key.file_name(),
    ) {
        Ok(request) => request,
        Err(reason) => return refused(reason.into()),
    };
    if let Some(reason) = crate::domain::file_kind::refused_by_name(key.file_name(), &plan.allowed)
    {
        return refused(reason.into());
    }
    if let Some(head) = &wanted.head {
        if let Err(reason) = crate::domain::file_kind::check(key.file_name(), head, &plan.allowed) {
            return refused(reason.into());
        }
    }
    Decision::Taken { key, request }
}

/// One file of a running batch: refused by its name, request or type (a failed row),
/// a duplicate of an announced checksum already in the cycle (a skipped row, when the
/// caller found the completed `original` of that checksum), or an upload waiting for its
/// bytes (an uploading row and its tus row). `own_batch`: the upload ends its batch when
/// it ends. The caller counts the file as started ([`file_life::started`]).
fn create_in(
    conn: &mut PgConnection,
    actor: &Actor,
    plan: &BatchPlan,
    (wanted, original): (&Creation, Option<FileUpload>),
    (now, own_batch): (DateTime<Utc>, bool),
) -> Result<Created, AppError> {
    let (key, request) = match decide(plan, wanted) {
        Decision::Refused { reason } => {
            refuse(conn, actor, plan, &wanted.path, &reason)?;
            return Ok(Created::Refused { reason });
        }
        Decision::Taken { key, request } => (key, request),
    };
    let row = plan.file_row(&key.relative_path, None, request);
    let (file, _) = file_life::start(conn, &row, &key)?;
    let initial = ResumableSha256::default().to_bytes();
    let duplicate = original.is_some();
    let new = tus_row(
        actor,
        plan,
        (wanted, file, &initial),
        (now, own_batch),
        duplicate,
    );
    TusUpload::insert(conn, &new)?;
    opened(conn, actor, plan, (&new, wanted), original)
}

/// The tus row of a file that waits for its bytes (`initial`: the empty hash state), or,
/// a `duplicate` of content in the cycle, that has all it needs.
pub(in crate::services::uploads) fn tus_row<'a>(
    actor: &Actor,
    plan: &BatchPlan,
    (wanted, file, initial): (&'a Creation, FileUploadId, &'a [u8]),
    (now, own_batch): (DateTime<Utc>, bool),
    duplicate: bool,
) -> NewTusUpload<'a> {
    let length = i64::try_from(wanted.length).unwrap_or(i64::MAX);
    NewTusUpload {
        id: Uuid::new_v4(),
        company_id: actor.company_id(),
        project_id: plan.project,
        cycle_id: plan.cycle,
        session_id: plan.session,
        file_id: file,
        user_id: actor.user_id(),
        api_token_id: actor.token_caller().map(|c| c.token),
        link_visit_id: actor.link_visitor().map(|v| v.visit),
        upload_length: length,
        hash_state: initial,
        client_sha256: wanted.sha256.as_deref(),
        metadata: json!({ "filename": wanted.path }),
        expires_at: now + Duration::hours(EXPIRES_AFTER_HOURS),
        outcome: duplicate.then_some("skipped"),
        landed: if duplicate { length } else { 0 },
        finishes_session: own_batch,
    }
}

/// What an inserted tus row means for its client: an announced checksum already stored
/// in the cycle (the completed `original`) leaves nothing to send, and its file is
/// recorded as that one's duplicate.
pub(in crate::services::uploads) fn opened(
    conn: &mut PgConnection,
    actor: &Actor,
    plan: &BatchPlan,
    (new, wanted): (&NewTusUpload<'_>, &Creation),
    original: Option<FileUpload>,
) -> Result<Created, AppError> {
    if let Some(original) = original {
        let sha = wanted.sha256.as_deref().unwrap_or_default();
        // An announced checksum already in the cycle: the file is its duplicate at once.
        let (at, by) = (plan.file_of(new.file_id), MovedBy::Actor(actor));
        let _ = file_life::skip(conn, by, at, (new.upload_length, sha), (&original, true))?;
        return Ok(Created::Duplicate {
            id: new.id,
            of: original.id,
        });
    }
    Ok(Created::Upload {
        id: new.id,
        expires_at: new.expires_at,
    })
}

/// Where an upload stands (HEAD). A terminated or failed upload is gone (404).
pub async fn status(ctx: &ServiceContext, actor: &Actor, id: Uuid) -> Result<Status, AppError> {
    ctx.run(actor, move |conn, actor| {
        let upload = access::touchable_upload(conn, actor, id)?;
        match upload.outcome.as_deref() {
            Some("failed" | "terminated") => Err(AppError::NotFound),
            Some(_) => Ok(Status {
                offset: upload.upload_length,
                length: upload.upload_length,
                expires_at: upload.expires_at,
                session: upload.session_id,
                file: upload.file_id,
            }),
            None => Ok(Status {
                offset: upload.offset(),
                length: upload.upload_length,
                expires_at: upload.expires_at,
                session: upload.session_id,
                file: upload.file_id,
            }),
        }
    })
    .await
}

/// Terminates an upload (DELETE): its parts and tail are dropped in S3 and the file is
/// failed as cancelled.
pub async fn terminate(ctx: &ServiceContext, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    let now = ctx.clock().now();
    let upload = ctx
        .run(actor, move |conn, actor| {
            let upload = access::touchable_upload(conn, actor, id)?;
            if upload.outcome.is_some() {
                return Err(AppError::NotFound);
            }
            let lapse = Duration::seconds(crate::db::models::tus_upload::WRITER_LAPSE_SECS);
            let writing = upload.writer.is_some()
                && upload.writer_seen_at.is_some_and(|seen| seen > now - lapse);
            if writing {
                return Err(AppError::from(TusRefused::Receiving));
            }
            Ok(upload)
        })
        .await?;
    drop::drop_upload(
        ctx,
        actor,
        &upload,
        "terminated",
        access::cancel_reason(actor, &upload),
    )
    .await
}
