//! Receiving a resumable upload's bytes (PATCH). One writer at a time holds the upload;
//! the bytes fill a part buffer from the node's budget (the staged tail of an earlier
//! request first); each full part is hashed into the stored state and sent as the next
//! part, and only once S3 has it does the offset move. A request that ends between parts
//! stages its bytes as the tail; the last byte ends the file (see `finish`).

use std::fmt::Display;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use uuid::Uuid;

use crate::db::models::file_upload::FileUpload;
use crate::db::models::storage_location::StorageLocation;
use crate::db::models::tus_upload::{LandedPart, TusUpload};
use crate::domain::file_kind::{self, SNIFF_BYTES};
use crate::domain::resumable_sha256::ResumableSha256;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::uploads::session::plan_of_running;
use crate::services::uploads::tus::{finish, own_upload};
use crate::services::uploads::BatchPlan;
use crate::services::{storage_locations, ServiceContext};
use crate::storage::part_budget::PartBuffer;
use crate::storage::ObjectTarget;

/// What a PATCH works with, read under the upload's row lock when it claims it.
pub(super) struct Writing {
    pub(super) upload: TusUpload,
    pub(super) file: FileUpload,
    pub(super) location: StorageLocation,
    pub(super) plan: BatchPlan,
    pub(super) writer: Uuid,
}

impl Writing {
    pub(super) fn target(&self, ctx: &ServiceContext, content_type: &str) -> ObjectTarget {
        ObjectTarget {
            client: ctx
                .storage()
                .client_for(&storage_locations::place(&self.location)),
            bucket: self.location.bucket_name.clone(),
            key: self.file.s3_key.clone(),
            content_type: content_type.to_owned(),
        }
    }

    /// Where the bytes between whole parts wait: beside the file, under a name no
    /// upload produces (a random id).
    pub(super) fn tail(&self, ctx: &ServiceContext) -> ObjectTarget {
        let mut target = self.target(ctx, "application/octet-stream");
        let folder = target.key.rsplit_once('/').map_or("", |(folder, _)| folder);
        target.key = format!("{folder}/.hopper-tus-{}.tail", self.upload.id);
        target
    }
}

/// Why a PATCH cannot start, in tus terms.
#[derive(Debug)]
pub enum Refusal {
    /// `Upload-Offset` is not where the upload stands (409); the current offset.
    WrongOffset(i64),
    /// Nothing more to send: it is complete, or it ended.
    Ended,
    App(AppError),
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        Refusal::App(e)
    }
}

async fn claim(
    ctx: &ServiceContext,
    actor: &Actor,
    id: Uuid,
    offset: i64,
) -> Result<Writing, Refusal> {
    let base_url = ctx.public_url().to_owned();
    let now = ctx.clock().now();
    let writer = Uuid::new_v4();
    let node = ctx.node().clone();
    let claimed = ctx
        .run(actor, move |conn, actor| {
            let upload = own_upload(conn, actor, id)?;
            if upload.outcome.is_some() {
                return Ok(Err(Refusal::Ended));
            }
            if upload.expires_at <= now {
                return Ok(Err(Refusal::Ended));
            }
            if upload.offset() != offset {
                return Ok(Err(Refusal::WrongOffset(upload.offset())));
            }
            let me = (node.node_id.as_str(), node.boot_id);
            if !TusUpload::claim(conn, upload.id, writer, me, now)? {
                return Err(AppError::Locked(
                    "Another request is sending this upload's bytes right now.".into(),
                ));
            }
            let file = FileUpload::find_in_company(conn, actor.company_id(), upload.file_id)?
                .ok_or(AppError::NotFound)?;
            let (location, plan) = plan_of_running(
                conn,
                actor,
                upload.session_id,
                file.storage_location_id,
                base_url,
            )?;
            Ok(Ok(Writing {
                upload,
                file,
                location,
                plan,
                writer,
            }))
        })
        .await?;
    claimed
}

/// Receives bytes at `offset`; returns the offset now safely stored. The request's body
/// may end (or break) anywhere.
pub async fn patch<S, E>(
    ctx: &ServiceContext,
    actor: &Actor,
    id: Uuid,
    offset: i64,
    body: S,
) -> Result<i64, Refusal>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let writing = claim(ctx, actor, id, offset).await?;
    let result = receive(ctx, actor, &writing, body).await;
    finish::release(ctx, actor, &writing).await;
    result.map_err(Refusal::App)
}

async fn receive<S, E>(
    ctx: &ServiceContext,
    actor: &Actor,
    writing: &Writing,
    mut body: S,
) -> Result<i64, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let upload = &writing.upload;
    let length = upload.upload_length;
    let part_size = ctx.part_budget().part_size();
    let mut hasher = ResumableSha256::from_bytes(&upload.hash_state)
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("a stored hash state is damaged")))?;
    let mut landed = upload.landed;
    let mut parts = upload.landed_parts();
    let mut kind = upload.content_type.clone();
    let mut upload_id = writing.file.s3_upload_id.clone();
    let mut buffer = next_buffer(ctx).await?;
    if upload.tail_size > 0 {
        let staged = writing.tail(ctx).get().await.map_err(|e| {
            AppError::Unavailable(format!("S3 did not give back the staged bytes: {e}"))
        })?;
        if staged.len() as i64 != upload.tail_size {
            return Err(AppError::Unavailable(
                "The staged bytes in S3 are not what was recorded; try again in a moment.".into(),
            ));
        }
        buffer.data.extend_from_slice(&staged);
    }
    let idle = ctx.uploads().idle_timeout;
    let mut broken = None;
    loop {
        let chunk = match tokio::time::timeout(idle, body.next()).await {
            Err(_) => {
                broken = Some(format!("nothing arrived for {} s", idle.as_secs()));
                break;
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                broken = Some(e.to_string());
                break;
            }
            Ok(Some(Ok(chunk))) => chunk,
        };
        if landed + (buffer.data.len() + chunk.len()) as i64 > length {
            return Err(AppError::BadRequest(
                "More bytes arrived than Upload-Length announced.".into(),
            ));
        }
        let mut chunk = chunk;
        while !chunk.is_empty() {
            let take = (part_size - buffer.data.len()).min(chunk.len());
            buffer.data.extend_from_slice(&chunk.split_to(take));
            let full = buffer.data.len() == part_size;
            let last = landed + buffer.data.len() as i64 == length;
            if full && !last {
                let sent = std::mem::replace(&mut buffer, next_buffer(ctx).await?);
                landed = send_part(
                    ctx,
                    actor,
                    writing,
                    sent,
                    &mut hasher,
                    (&mut parts, &mut kind, &mut upload_id),
                )
                .await?;
            }
        }
    }
    let offset = landed + buffer.data.len() as i64;
    if offset == length && broken.is_none() {
        let state = finish::Arrived {
            hasher,
            parts,
            kind,
            upload_id,
        };
        finish::complete(ctx, actor, writing, state, buffer).await?;
        return Ok(length);
    }
    // Between parts: the bytes wait in the tail object, so the client resumes after them.
    if buffer.data.len() as i64 != upload.tail_size || landed != upload.landed {
        finish::stage_tail(ctx, actor, writing, buffer).await?;
    }
    Ok(offset)
}

async fn next_buffer(ctx: &ServiceContext) -> Result<PartBuffer, AppError> {
    ctx.part_budget()
        .buffer_within(ctx.uploads().buffer_wait)
        .await
        .ok_or_else(|| {
            AppError::Unavailable(
                "Hopper is busy with other uploads; resume this one in a minute.".into(),
            )
        })
}

/// Sends one full part (the first one decides the content type, checked against the
/// project's types), then records it with the hash state after it. Returns the bytes
/// landed.
async fn send_part(
    ctx: &ServiceContext,
    actor: &Actor,
    writing: &Writing,
    buffer: PartBuffer,
    hasher: &mut ResumableSha256,
    (parts, kind, upload_id): (
        &mut Vec<LandedPart>,
        &mut Option<String>,
        &mut Option<String>,
    ),
) -> Result<i64, AppError> {
    if kind.is_none() {
        let head = &buffer.data[..buffer.data.len().min(SNIFF_BYTES)];
        let sniffed =
            file_kind::check(writing.file.file_path.as_str(), head, &writing.plan.allowed);
        match sniffed {
            Ok(sniffed) => *kind = Some(sniffed),
            Err(reason) => {
                let reason = format!("refused: {reason}");
                finish::refuse_content(ctx, actor, writing, &reason).await?;
                return Err(AppError::UnsupportedType(reason));
            }
        }
    }
    let content_type = kind
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    let target = writing.target(ctx, &content_type);
    let id = match upload_id.clone() {
        Some(id) => id,
        None => {
            let started =
                finish::start_multipart(ctx, actor, writing, &target, &content_type).await?;
            *upload_id = Some(started.clone());
            started
        }
    };
    let mut next = *hasher;
    next.update_blocks(&buffer.data)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))?;
    let number = i32::try_from(parts.len() + 1)
        .ok()
        .filter(|n| *n <= 10_000)
        .ok_or_else(|| AppError::BadRequest("A file may have at most 10,000 parts.".into()))?;
    let size = buffer.data.len() as i64;
    let etag = target
        .upload_part(&id, number, buffer)
        .await
        .map_err(|e| AppError::Unavailable(format!("S3 refused a part: {e}")))?;
    let part = LandedPart { number, etag, size };
    finish::record_part(ctx, actor, writing, &part, &next).await?;
    *hasher = next;
    parts.push(part);
    Ok(hasher.length() as i64)
}
