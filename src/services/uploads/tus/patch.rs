//! Receiving a resumable upload's bytes (PATCH). One writer at a time holds the upload;
//! the bytes fill a part buffer from the node's budget (the staged tail of an earlier
//! request first); each full part is hashed into the stored state and sent as the next
//! part, and only once S3 has it (and every part before it) does the offset move. A
//! request that ends between parts stages its bytes as the tail; the last byte ends the
//! file (see `finish`). A small body at offset 0 is read whole before the upload is
//! claimed (see `whole`).

use std::fmt::Display;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use tracing::Instrument;
use uuid::Uuid;

use crate::domain::file_kind::SNIFF_BYTES;
use crate::domain::refusal::TusRefused;
use crate::domain::resumable_sha256::ResumableSha256;
use crate::domain::TokenScope;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::scanning;
use crate::services::uploads::tus::claim::{claim, may_write, Writing};
use crate::services::uploads::tus::parts::{self, Sending, Streaming};
use crate::services::uploads::tus::{finish, whole};
use crate::services::ServiceContext;
use crate::storage::multipart::PARTS_IN_FLIGHT;
use crate::storage::part_budget::PartBuffer;

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
        return write(ctx, actor, (id, offset), (body, content_length), None).await;
    };
    // The whole body is here: the rest runs to its end even if the client goes away
    // meanwhile, so a content claim taken with the upload ends in a stored file (or a
    // failed one), never in a claim that other uploads of the same bytes wait on.
    let (ctx, actor) = (ctx.clone(), actor.clone());
    let rest = futures_util::stream::empty::<Result<Bytes, std::convert::Infallible>>();
    let rest_of_request =
        async move { write(&ctx, &actor, (id, offset), (rest, None), Some(read)).await };
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
    (body, declared): (S, Option<u64>),
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
        (read, _) => {
            let read = read.map(|w| w.buffer);
            receive(ctx, actor, &writing, (body, declared), read).await
        }
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

/// `read`: bytes of this request read before the claim (a small body), to go first.
async fn receive<S, E>(
    ctx: &ServiceContext,
    actor: &Actor,
    writing: &Writing,
    (body, declared): (S, Option<u64>),
    read: Option<PartBuffer>,
) -> Result<i64, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let mut in_flight = Sending::default();
    let received = receive_into(ctx, actor, writing, (body, declared, read), &mut in_flight).await;
    // The request ended early: the parts on the wire land and are recorded, or not,
    // before the claim is given back; the offset a HEAD reports says which.
    for task in in_flight.parts.drain(..) {
        if let Ok(Err(e)) = task.await {
            tracing::debug!(upload = %writing.upload.id, error = %e, "a part sent before the request ended did not land");
        }
    }
    received
}

/// What has arrived of the part being received.
enum Current {
    /// Nothing yet: the next bytes start a part.
    Between,
    /// Held whole, then sent (and the file's last part, when it ends in a buffer).
    Buffered(PartBuffer),
    /// The first bytes of a streamed first part, held until they tell the content type.
    Sniffing(Vec<u8>),
    Streamed(Streaming),
}

impl Current {
    fn arrived(&self) -> usize {
        match self {
            Current::Between => 0,
            Current::Buffered(buffer) => buffer.data.len(),
            Current::Sniffing(head) => head.len(),
            Current::Streamed(part) => usize::try_from(part.arrived()).unwrap_or(usize::MAX),
        }
    }
}

async fn receive_into<S, E>(
    ctx: &ServiceContext,
    actor: &Actor,
    writing: &Writing,
    (mut body, declared, read): (S, Option<u64>, Option<PartBuffer>),
    in_flight: &mut Sending,
) -> Result<i64, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let upload = &writing.upload;
    let length = upload.upload_length;
    let part_size = ctx.part_budget().part_size();
    // `hasher` runs ahead over every byte read into a part (whole blocks; `carry` holds
    // the rest of the last one); `recorded` is the state stored with the last part that
    // landed, and `landed` its length.
    let mut hasher = ResumableSha256::from_bytes(&upload.hash_state)
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("a stored hash state is damaged")))?;
    let mut carry = Vec::new();
    let mut recorded = hasher;
    let mut landed = upload.landed;
    let mut parts = upload.landed_parts();
    let mut kind = upload.content_type.clone();
    let mut upload_id = writing.file.s3_upload_id.clone();
    let mut current = match read {
        // Read before the claim, at offset 0: nothing is staged before them (the claim
        // matched offset 0, so nothing can be; refused rather than misplaced all the same).
        Some(read) if upload.tail_size == 0 => Current::Buffered(read),
        Some(_) => return Err(AppError::from(TusRefused::OffsetMoved)),
        None => Current::Between,
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
        let mut buffer = parts::next_buffer(ctx, actor).await?;
        buffer.data.extend_from_slice(&staged);
        current = Current::Buffered(buffer);
    }
    if landed + current.arrived() as i64 > length {
        return Err(AppError::from(TusRefused::BeyondUploadLength));
    }
    // A part is streamed when this request says it brings all of it (its Content-Length)
    // and the location takes parts as they come; otherwise it is held whole first.
    let request_ends = declared
        .and_then(|d| i64::try_from(d).ok())
        .map(|d| landed + upload.tail_size + d);
    let streams = ctx.uploads().stream_parts && writing.target(ctx, "").streams_parts();
    // The virus scan reads the bytes on the way: from the start, or continuing the scan
    // this node kept from the upload's previous request. A resumed upload without one is
    // scanned from S3 once stored.
    let mut scan = match landed == 0 && upload.tail_size == 0 {
        true => scanning::start(ctx, u64::try_from(length).ok()).await,
        false => ctx
            .held_scans()
            .take(upload.id, u64::try_from(landed).unwrap_or(0)),
    };
    let idle = ctx.uploads().idle_timeout;
    let mut broken = None;
    // Bytes of the parts wholly read so far (landed, on the wire, or both).
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
        if read + (current.arrived() + chunk.len()) as i64 > length {
            return Err(AppError::from(TusRefused::BeyondUploadLength));
        }
        let mut chunk = chunk;
        while !chunk.is_empty() {
            let part_length = (length - read).min(part_size as i64);
            let last = read + part_length == length;
            current = match current {
                Current::Between => {
                    // At most PARTS_IN_FLIGHT parts on the wire: the oldest lands before
                    // another starts, and before a buffer is taken from the budget.
                    while in_flight.parts.len() >= PARTS_IN_FLIGHT {
                        if let Some(state) = in_flight.settle(&mut parts).await? {
                            recorded = state;
                        }
                    }
                    if streams && request_ends.is_some_and(|end| end >= read + part_length) {
                        let first = (part_length as usize).min(SNIFF_BYTES);
                        Current::Sniffing(Vec::with_capacity(first))
                    } else {
                        Current::Buffered(parts::next_buffer(ctx, actor).await?)
                    }
                }
                Current::Sniffing(mut head) => {
                    let want = (part_length as usize).min(SNIFF_BYTES);
                    let take = (want - head.len()).min(chunk.len());
                    head.extend_from_slice(&chunk.split_to(take));
                    if head.len() < want {
                        Current::Sniffing(head)
                    } else {
                        let content_type =
                            parts::sniff(ctx, actor, writing, &head, &mut kind).await?;
                        let number = in_flight.next_number(parts.len())?;
                        let size = u64::try_from(part_length).unwrap_or(0);
                        let mut part = Streaming::open(
                            ctx,
                            actor,
                            writing,
                            (number, size),
                            (&content_type, &mut upload_id),
                        )
                        .await?;
                        part.feed(Bytes::from(head), (&mut hasher, &mut carry), &mut scan)
                            .await?;
                        Current::Streamed(part)
                    }
                }
                Current::Streamed(mut part) => {
                    let take = (part.remaining as usize).min(chunk.len());
                    part.feed(chunk.split_to(take), (&mut hasher, &mut carry), &mut scan)
                        .await?;
                    Current::Streamed(part)
                }
                Current::Buffered(mut buffer) => {
                    let take = (part_size - buffer.data.len()).min(chunk.len());
                    buffer.data.extend_from_slice(&chunk.split_to(take));
                    let full = buffer.data.len() == part_size;
                    if !full || last {
                        Current::Buffered(buffer)
                    } else {
                        read += buffer.data.len() as i64;
                        let number = in_flight.next_number(parts.len())?;
                        parts::send_buffered(
                            ctx,
                            actor,
                            writing,
                            (buffer, number),
                            (&mut hasher, &mut scan),
                            (&mut kind, &mut upload_id),
                            in_flight,
                        )
                        .await?;
                        Current::Between
                    }
                }
            };
            // A streamed part whose last byte went (whether its first bytes alone made it,
            // or a later piece): it lands in the background.
            current = match current {
                Current::Streamed(part) if part.remaining == 0 => {
                    read += part_length;
                    part.sent((ctx, actor, writing), hasher, last, in_flight);
                    Current::Between
                }
                other => other,
            };
        }
    }
    // A part streamed only in part is dropped: S3 keeps nothing of it, and the client
    // sends it again from the last landed part.
    let buffer = match current {
        Current::Buffered(buffer) => buffer,
        Current::Streamed(part) => {
            part.abandon();
            PartBuffer::empty()
        }
        Current::Sniffing(_) | Current::Between => PartBuffer::empty(),
    };
    while let Some(state) = in_flight.settle(&mut parts).await? {
        recorded = state;
    }
    landed = recorded.length() as i64;
    let arrived = |hasher, parts, kind, upload_id, scan| finish::Arrived {
        hasher,
        parts,
        kind,
        upload_id,
        scan,
    };
    if read == length {
        // The file's last part was streamed and is in S3 (unrecorded: the completion
        // is); the bytes after its last whole block are in `carry`.
        let state = arrived(recorded, parts, kind, upload_id, scan);
        finish::complete(ctx, actor, writing, state, finish::Last::Streamed(carry)).await?;
        return Ok(length);
    }
    let offset = landed + buffer.data.len() as i64;
    if offset == length && broken.is_none() {
        let state = arrived(recorded, parts, kind, upload_id, scan);
        finish::complete(ctx, actor, writing, state, finish::Last::Buffered(buffer)).await?;
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
