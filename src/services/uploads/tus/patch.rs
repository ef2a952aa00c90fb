//! Receiving a resumable upload's bytes (PATCH). One writer at a time holds the upload;
//! the bytes fill a part buffer from the node's budget (the staged tail of an earlier
//! request first); each full part is hashed into the stored state and sent as the next
//! part, and only once S3 has it (and every part before it) does the offset move. A
//! request that ends between parts stages its bytes as the tail; the last byte ends the
//! file (see `finish`). A small body at offset 0 is read whole before the upload is
//! claimed (see `whole`).

use std::collections::VecDeque;
use std::fmt::Display;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::Instrument;
use uuid::Uuid;

use crate::db::models::tus_upload::LandedPart;
use crate::domain::file_kind::{self, SNIFF_BYTES};
use crate::domain::refusal::TusRefused;
use crate::domain::resumable_sha256::ResumableSha256;
use crate::domain::TokenScope;
use crate::error::AppError;
use crate::scanner::ScanFeed;
use crate::services::actor::Actor;
use crate::services::scanning;
use crate::services::uploads::tus::claim::{claim, may_write, Writing};
use crate::services::uploads::tus::{finish, whole};
use crate::services::ServiceContext;
use crate::storage::multipart::PARTS_IN_FLIGHT;
use crate::storage::part_budget::{PartBuffer, Tenant};

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

/// What a PATCH left: the offset now safely stored, and when the upload expires.
#[derive(Debug, Clone, Copy)]
pub struct Patched {
    pub offset: i64,
    pub expires_at: DateTime<Utc>,
}

/// Receives bytes at `offset`. The request's body may end (or break) anywhere.
/// `content_length`: the body's length, when the request says.
pub async fn patch<S, E>(
    ctx: &ServiceContext,
    actor: &Actor,
    (id, offset): (Uuid, i64),
    mut body: S,
    content_length: Option<u64>,
) -> Result<Patched, Refusal>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    // Nothing is read or buffered before the caller's right to this upload is known: the
    // claim checks it before the common path reads a byte, and a small body read whole
    // before the claim is read only for an upload of the caller's own, open at `offset`.
    if !actor.may(TokenScope::Upload) {
        return Err(Refusal::App(AppError::NotFound));
    }
    let _writer = ctx.writer_slots().take(actor)?;
    let small = whole::worth_reading(ctx, offset, content_length);
    let read = match small {
        Some(length) if may_write(ctx, actor, (id, offset)).await? => {
            whole::read_small(ctx, actor, length, &mut body).await?
        }
        _ => None,
    };
    let Some(read) = read else {
        return write(ctx, actor, (id, offset), body, None).await;
    };
    // The whole body is here: the rest runs to its end even if the client goes away
    // meanwhile, so a content claim taken with the upload ends in a stored file (or a
    // failed one), never in a claim that other uploads of the same bytes wait on.
    let (ctx, actor) = (ctx.clone(), actor.clone());
    let rest = futures_util::stream::empty::<Result<Bytes, std::convert::Infallible>>();
    let rest_of_request = async move { write(&ctx, &actor, (id, offset), rest, Some(read)).await };
    tokio::spawn(rest_of_request.instrument(tracing::Span::current()))
        .await
        .map_err(|e| {
            Refusal::App(AppError::Unexpected(anyhow::anyhow!(
                "a PATCH's task failed: {e}"
            )))
        })?
}

/// Claims the upload and writes what the body brings (`read`: a small body read whole).
async fn write<S, E>(
    ctx: &ServiceContext,
    actor: &Actor,
    (id, offset): (Uuid, i64),
    body: S,
    read: Option<whole::Whole>,
) -> Result<Patched, Refusal>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let facts = read.as_ref().map(|w| w.facts.clone());
    let (writing, content) = claim(ctx, actor, (id, offset), facts).await?;
    let result = match (read, content) {
        (Some(read), Some(content)) => whole::store(ctx, actor, &writing, read, content)
            .await
            .map(|()| writing.upload.upload_length),
        (read, _) => receive(ctx, actor, &writing, body, read.map(|w| w.buffer)).await,
    };
    // A completed upload gave its writer up when it ended (one transaction fewer per
    // file, which a sync of small files feels).
    if !matches!(result, Ok(offset) if offset == writing.upload.upload_length) {
        finish::release(ctx, actor, &writing).await;
    }
    let offset = result.map_err(Refusal::App)?;
    Ok(Patched {
        offset,
        expires_at: writing.upload.expires_at,
    })
}

/// A part on the wire: sent, then recorded with the hash state after it, in the
/// background while the request reads the next part.
type InFlight = JoinHandle<Result<(LandedPart, ResumableSha256), AppError>>;

/// The parts on the wire, oldest first, and the signal the newest gives once it is
/// recorded: parts land in any order but are recorded strictly in order, since a part
/// recorded before the one ahead of it would move the offset over a gap.
#[derive(Default)]
struct Sending {
    parts: VecDeque<InFlight>,
    newest_recorded: Option<oneshot::Receiver<()>>,
}

/// `read`: bytes of this request read before the claim (a small body), to go first.
async fn receive<S, E>(
    ctx: &ServiceContext,
    actor: &Actor,
    writing: &Writing,
    body: S,
    read: Option<PartBuffer>,
) -> Result<i64, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let mut in_flight = Sending::default();
    let received = receive_into(ctx, actor, writing, (body, read), &mut in_flight).await;
    // The request ended early: the parts on the wire land and are recorded, or not,
    // before the claim is given back; the offset a HEAD reports says which.
    for task in in_flight.parts.drain(..) {
        if let Ok(Err(e)) = task.await {
            tracing::debug!(upload = %writing.upload.id, error = %e, "a part sent before the request ended did not land");
        }
    }
    received
}

/// Waits for the oldest part on the wire; returns the hash state recorded with it.
async fn settle(
    in_flight: &mut Sending,
    parts: &mut Vec<LandedPart>,
) -> Result<Option<ResumableSha256>, AppError> {
    let Some(task) = in_flight.parts.pop_front() else {
        return Ok(None);
    };
    let (part, state) = task
        .await
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("a part's task failed: {e}")))??;
    parts.push(part);
    Ok(Some(state))
}

async fn receive_into<S, E>(
    ctx: &ServiceContext,
    actor: &Actor,
    writing: &Writing,
    (mut body, read): (S, Option<PartBuffer>),
    in_flight: &mut Sending,
) -> Result<i64, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let upload = &writing.upload;
    let length = upload.upload_length;
    let part_size = ctx.part_budget().part_size();
    // `hasher` runs ahead over every full part read; `recorded` is the state stored
    // with the last part that landed, and `landed` its length.
    let mut hasher = ResumableSha256::from_bytes(&upload.hash_state)
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("a stored hash state is damaged")))?;
    let mut recorded = hasher;
    let mut landed = upload.landed;
    let mut parts = upload.landed_parts();
    let mut kind = upload.content_type.clone();
    let mut upload_id = writing.file.s3_upload_id.clone();
    let mut buffer = match read {
        // Read before the claim, at offset 0: nothing is staged before them (the claim
        // matched offset 0, so nothing can be; refused rather than misplaced all the same).
        Some(read) if upload.tail_size == 0 => read,
        Some(_) => return Err(AppError::from(TusRefused::OffsetMoved)),
        None => next_buffer(ctx, actor).await?,
    };
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
    if landed + buffer.data.len() as i64 > length {
        return Err(AppError::from(TusRefused::BeyondUploadLength));
    }
    // The virus scan reads the bytes on the way (each part as it is hashed): from the
    // start, or continuing the scan this node kept from the upload's previous request. A
    // resumed upload without one is scanned from S3 once stored.
    let mut scan = match landed == 0 && upload.tail_size == 0 {
        true => scanning::start(ctx, u64::try_from(length).ok()).await,
        false => ctx
            .held_scans()
            .take(upload.id, u64::try_from(landed).unwrap_or(0)),
    };
    let idle = ctx.uploads().idle_timeout;
    let mut broken = None;
    // Bytes read into full parts so far (landed, on the wire, or both).
    let mut read = landed;
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
        if read + (buffer.data.len() + chunk.len()) as i64 > length {
            return Err(AppError::from(TusRefused::BeyondUploadLength));
        }
        let mut chunk = chunk;
        while !chunk.is_empty() {
            let take = (part_size - buffer.data.len()).min(chunk.len());
            buffer.data.extend_from_slice(&chunk.split_to(take));
            let full = buffer.data.len() == part_size;
            let last = read + buffer.data.len() as i64 == length;
            if full && !last {
                // At most PARTS_IN_FLIGHT parts on the wire: the oldest lands before
                // another goes, and before a new buffer is taken from the budget.
                while in_flight.parts.len() >= PARTS_IN_FLIGHT {
                    if let Some(state) = settle(in_flight, &mut parts).await? {
                        recorded = state;
                    }
                }
                // The full part goes before the next buffer is asked for: holding it while
                // waiting for another, uploads of one company could each hold one and wait
                // for the rest of the company's share, none moving until the wait ran out.
                let sent = std::mem::replace(&mut buffer, PartBuffer::empty());
                read += sent.data.len() as i64;
                let number = i32::try_from(parts.len() + in_flight.parts.len() + 1)
                    .ok()
                    .filter(|n| *n <= 10_000)
                    .ok_or_else(|| AppError::from(TusRefused::TooManyParts))?;
                send_part(
                    ctx,
                    actor,
                    writing,
                    (sent, number),
                    (&mut hasher, &mut scan),
                    (&mut kind, &mut upload_id),
                    in_flight,
                )
                .await?;
                buffer = next_buffer(ctx, actor).await?;
            }
        }
    }
    while let Some(state) = settle(in_flight, &mut parts).await? {
        recorded = state;
    }
    landed = recorded.length() as i64;
    let offset = landed + buffer.data.len() as i64;
    if offset == length && broken.is_none() {
        let state = finish::Arrived {
            hasher: recorded,
            parts,
            kind,
            upload_id,
            scan,
        };
        finish::complete(ctx, actor, writing, state, buffer).await?;
        return Ok(length);
    }
    // Between parts: the bytes wait in the tail object, so the client resumes after them.
    if buffer.data.len() as i64 != upload.tail_size || landed != upload.landed {
        finish::stage_tail(ctx, actor, writing, buffer).await?;
    }
    // The scan has read exactly the landed parts: it waits for the next request.
    if let Some(scan) = scan.filter(|s| s.offset() == u64::try_from(landed).unwrap_or(0)) {
        ctx.held_scans().keep(upload.id, scan);
    }
    Ok(offset)
}

async fn next_buffer(ctx: &ServiceContext, actor: &Actor) -> Result<PartBuffer, AppError> {
    ctx.part_budget()
        .buffer_within(ctx.uploads().buffer_wait, Tenant(actor.company_id().0))
        .await
        .ok_or_else(|| {
            AppError::Unavailable(
                "Hopper is busy with other uploads; resume this one in a minute.".into(),
            )
        })
}

/// Starts sending one full part (the first one decides the content type, checked against
/// the project's types); the task records it with the hash state after it once S3 has it
/// and the part before it is recorded.
async fn send_part(
    ctx: &ServiceContext,
    actor: &Actor,
    writing: &Writing,
    (buffer, number): (PartBuffer, i32),
    (hasher, scan): (&mut ResumableSha256, &mut Option<ScanFeed>),
    (kind, upload_id): (&mut Option<String>, &mut Option<String>),
    in_flight: &mut Sending,
) -> Result<(), AppError> {
    if kind.is_none() {
        let head = &buffer.data[..buffer.data.len().min(SNIFF_BYTES)];
        let sniffed =
            file_kind::check(writing.file.file_path.as_str(), head, &writing.plan.allowed);
        match sniffed {
            Ok(sniffed) => *kind = Some(sniffed),
            Err(refused) => return finish::refuse_content(ctx, actor, writing, refused).await,
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
    hasher
        .update_blocks(&buffer.data)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))?;
    if let Some(scan) = scan.as_mut() {
        scan.feed(&buffer.data).await;
    }
    let state = *hasher;
    let size = buffer.data.len() as i64;
    let (ctx, actor, owner) = (ctx.clone(), actor.clone(), writing.owner());
    let ahead = in_flight.newest_recorded.take();
    let (recorded, newest_recorded) = oneshot::channel();
    in_flight.newest_recorded = Some(newest_recorded);
    in_flight.parts.push_back(tokio::spawn(async move {
        let etag = target
            .upload_part(&id, number, buffer)
            .await
            .map_err(|e| AppError::Unavailable(format!("S3 refused a part: {e}")))?;
        // A part ahead that failed drops its sender: this one lands but stays unrecorded
        // (the client resends it from the offset, and S3 takes the part number again).
        if let Some(ahead) = ahead {
            ahead.await.map_err(|_| {
                AppError::Unavailable("S3 refused an earlier part of this request.".into())
            })?;
        }
        let part = LandedPart { number, etag, size };
        finish::record_part(&ctx, &actor, owner, &part, &state).await?;
        // Nobody waits when this is the newest part.
        let _ = recorded.send(());
        Ok((part, state))
    }));
    Ok(())
}
