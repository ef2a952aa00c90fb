//! The parts of a PATCH on their way to S3: a part held whole in a buffer and sent, or a
//! part streamed as its bytes arrive (`storage::streamed_part`). Either lands in the
//! background while the request reads on, and is recorded with the hash state after it
//! strictly in order, since a part recorded before the one ahead of it would move the
//! offset over a gap.

use std::collections::VecDeque;
use std::future::Future;

use bytes::Bytes;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::db::models::tus_upload::LandedPart;
use crate::domain::file_kind::{self, SNIFF_BYTES};
use crate::domain::refusal::TusRefused;
use crate::domain::resumable_sha256::ResumableSha256;
use crate::error::AppError;
use crate::scanner::ScanFeed;
use crate::services::actor::Actor;
use crate::services::uploads::tus::claim::Writing;
use crate::services::uploads::tus::finish;
use crate::services::ServiceContext;
use crate::storage::part_budget::{PartBuffer, Tenant};
use crate::storage::streamed_part::StreamedPart;

/// A part on the wire: it lands, then is recorded with the hash state after it.
type InFlight = JoinHandle<Result<(LandedPart, ResumableSha256), AppError>>;

/// The parts on the wire, oldest first, and the signal the newest gives once recorded.
#[derive(Default)]
pub(super) struct Sending {
    pub(super) parts: VecDeque<InFlight>,
    newest_recorded: Option<oneshot::Receiver<()>>,
}

impl Sending {
    /// The number the next part takes (parts landed before this request, plus those on
    /// the wire); S3 takes at most 10,000.
    pub(super) fn next_number(&self, landed: usize) -> Result<i32, AppError> {
        i32::try_from(landed + self.parts.len() + 1)
            .ok()
            .filter(|n| *n <= 10_000)
            .ok_or_else(|| AppError::from(TusRefused::TooManyParts))
    }

    /// Waits for the oldest part on the wire; returns the hash state recorded with it.
    pub(super) async fn settle(
        &mut self,
        parts: &mut Vec<LandedPart>,
    ) -> Result<Option<ResumableSha256>, AppError> {
        let Some(task) = self.parts.pop_front() else {
            return Ok(None);
        };
        let (part, state) = task
            .await
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("a part's task failed: {e}")))??;
        parts.push(part);
        Ok(Some(state))
    }

    /// Puts a part on the wire: `landing` gives its ETag once S3 has it; then, once the
    /// part ahead is recorded, it is recorded with `state` (unless it is the file's last
    /// part, which the completion records).
    fn push<F>(
        &mut self,
        (ctx, actor, writing): (&ServiceContext, &Actor, &Writing),
        (number, size, state): (i32, i64, ResumableSha256),
        record: bool,
        landing: F,
    ) where
        F: Future<Output = Result<Option<String>, String>> + Send + 'static,
    {
        let (ctx, actor, owner) = (ctx.clone(), actor.clone(), writing.owner());
        let ahead = self.newest_recorded.take();
        let (recorded, newest_recorded) = oneshot::channel();
        self.newest_recorded = Some(newest_recorded);
        self.parts.push_back(tokio::spawn(async move {
            let etag = landing
                .await
                .map_err(|e| AppError::Unavailable(format!("S3 refused a part: {e}")))?;
            // A part ahead that failed drops its sender: this one lands but stays
            // unrecorded (the client resends it from the offset; S3 takes the number again).
            if let Some(ahead) = ahead {
                ahead.await.map_err(|_| {
                    AppError::Unavailable("S3 refused an earlier part of this request.".into())
                })?;
            }
            let part = LandedPart { number, etag, size };
            if record {
                finish::record_part(&ctx, &actor, owner, &part, &state).await?;
            }
            // Nobody waits when this is the newest part.
            let _ = recorded.send(());
            Ok((part, state))
        }));
    }
}

/// The content type the first bytes tell, checked against the project's types; a refused
/// one ends the upload failed.
pub(super) async fn sniff(
    ctx: &ServiceContext,
    actor: &Actor,
    writing: &Writing,
    first: &[u8],
    kind: &mut Option<String>,
) -> Result<String, AppError> {
    if let Some(known) = kind {
        return Ok(known.clone());
    }
    let head = &first[..first.len().min(SNIFF_BYTES)];
    match file_kind::check(writing.file.file_path.as_str(), head, &writing.plan.allowed) {
        Ok(sniffed) => {
            *kind = Some(sniffed.clone());
            Ok(sniffed)
        }
        // Always an error: the refusal, once the upload ended failed.
        Err(refused) => finish::refuse_content(ctx, actor, writing, refused)
            .await
            .map(|()| String::new()),
    }
}

/// The upload's multipart upload, opened with its first part.
async fn multipart_id(
    ctx: &ServiceContext,
    actor: &Actor,
    writing: &Writing,
    content_type: &str,
    upload_id: &mut Option<String>,
) -> Result<String, AppError> {
    if let Some(id) = upload_id {
        return Ok(id.clone());
    }
    let target = writing.target(ctx, content_type);
    let started = finish::start_multipart(ctx, actor, writing, &target, content_type).await?;
    *upload_id = Some(started.clone());
    Ok(started)
}

/// A part buffer from the node's budget, taken once bytes need one (a sender that waits
/// holds none).
pub(super) async fn next_buffer(
    ctx: &ServiceContext,
    actor: &Actor,
) -> Result<PartBuffer, AppError> {
    ctx.part_budget()
        .buffer_within(ctx.uploads().buffer_wait, Tenant(actor.company_id().0))
        .await
        .ok_or_else(|| {
            AppError::Unavailable(
                "Hopper is busy with other uploads; resume this one in a minute.".into(),
            )
        })
}

/// Starts sending one full part held in a buffer, hashed and scanned whole.
pub(super) async fn send_buffered(
    ctx: &ServiceContext,
    actor: &Actor,
    writing: &Writing,
    (buffer, number): (PartBuffer, i32),
    (hasher, scan): (&mut ResumableSha256, &mut Option<ScanFeed>),
    (kind, upload_id): (&mut Option<String>, &mut Option<String>),
    in_flight: &mut Sending,
) -> Result<(), AppError> {
    let content_type = sniff(ctx, actor, writing, &buffer.data, kind).await?;
    let id = multipart_id(ctx, actor, writing, &content_type, upload_id).await?;
    hasher
        .update_blocks(&buffer.data)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))?;
    if let Some(scan) = scan.as_mut() {
        scan.feed(&buffer.data).await;
    }
    let size = buffer.data.len() as i64;
    let target = writing.target(ctx, &content_type);
    let landing = async move { target.upload_part(&id, number, buffer).await };
    in_flight.push(
        (ctx, actor, writing),
        (number, size, *hasher),
        true,
        landing,
    );
    Ok(())
}

/// A part being streamed: how long it is and how much of it is still due.
pub(super) struct Streaming {
    part: StreamedPart,
    number: i32,
    size: u64,
    pub(super) remaining: u64,
}

impl Streaming {
    /// Bytes of this part that have arrived.
    pub(super) fn arrived(&self) -> u64 {
        self.size - self.remaining
    }

    /// Opens part `number` of `size` bytes (the content type is known by now).
    pub(super) async fn open(
        ctx: &ServiceContext,
        actor: &Actor,
        writing: &Writing,
        (number, size): (i32, u64),
        (content_type, upload_id): (&str, &mut Option<String>),
    ) -> Result<Self, AppError> {
        let id = multipart_id(ctx, actor, writing, content_type, upload_id).await?;
        let longest = ctx.uploads().max_request_duration;
        let part = writing
            .target(ctx, content_type)
            .stream_part(&id, number, size, longest);
        Ok(Streaming {
            part,
            number,
            size,
            remaining: size,
        })
    }

    /// Passes a piece of this part on, hashed (whole blocks; the rest waits in `carry`)
    /// and scanned on its way.
    pub(super) async fn feed(
        &mut self,
        piece: Bytes,
        (hasher, carry): (&mut ResumableSha256, &mut Vec<u8>),
        scan: &mut Option<ScanFeed>,
    ) -> Result<(), AppError> {
        hash_piece(hasher, carry, &piece)?;
        if let Some(scan) = scan.as_mut() {
            scan.feed(&piece).await;
        }
        self.remaining -= piece.len() as u64;
        self.part
            .feed(piece)
            .await
            .map_err(|e| AppError::Unavailable(format!("S3 refused a part: {e}")))
    }

    /// Every byte of the part was fed: it lands in the background. The file's last part
    /// is not recorded here: its hash state is not at a block's end; the completion
    /// takes it from `Sending` with the rest.
    pub(super) fn sent(
        self,
        (ctx, actor, writing): (&ServiceContext, &Actor, &Writing),
        state: ResumableSha256,
        last: bool,
        in_flight: &mut Sending,
    ) {
        let size = i64::try_from(self.size).unwrap_or(i64::MAX);
        let landing = self.part.landed();
        in_flight.push(
            (ctx, actor, writing),
            (self.number, size, state),
            !last,
            landing,
        );
    }

    /// The request ended mid-part: S3 keeps nothing of it.
    pub(super) fn abandon(self) {
        self.part.abandon();
    }
}

/// Hashes `piece` after the bytes waiting in `carry`, whole 64-byte blocks only; what is
/// left of the last block waits in `carry` for the next piece.
fn hash_piece(
    hasher: &mut ResumableSha256,
    carry: &mut Vec<u8>,
    piece: &[u8],
) -> Result<(), AppError> {
    let broken = |e: &str| AppError::Unexpected(anyhow::anyhow!("{e}"));
    let mut rest = piece;
    if !carry.is_empty() {
        let take = (64 - carry.len()).min(rest.len());
        carry.extend_from_slice(&rest[..take]);
        rest = &rest[take..];
        if carry.len() < 64 {
            return Ok(());
        }
        hasher.update_blocks(carry).map_err(broken)?;
        carry.clear();
    }
    let whole = rest.len() - rest.len() % 64;
    hasher.update_blocks(&rest[..whole]).map_err(broken)?;
    carry.extend_from_slice(&rest[whole..]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn pieces_of_any_size_hash_as_the_whole() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for cut in [1usize, 3, 63, 64, 65, 1000, 4097] {
            let mut hasher = ResumableSha256::default();
            let mut carry = Vec::new();
            for piece in data.chunks(cut) {
                hash_piece(&mut hasher, &mut carry, piece).expect("hashed");
            }
            assert!(carry.len() < 64);
            assert_eq!(
                hasher.finish(&carry).to_vec(),
                Sha256::digest(&data).to_vec(),
                "pieces of {cut}"
            );
        }
    }
}
