//! A part streamed to S3 as its bytes arrive: the `UploadPart` request starts with the
//! part's exact length and takes each piece the client sends, so an upload holds the piece
//! in hand and never the part. A resumable upload of a thousand slow senders then costs
//! what their sockets hold, not a thousand parts.
//!
//! The price: the body cannot be sent again, so the SDK does not retry it, and a part cut
//! short (the client went away) is lost whole — S3 stores nothing of a request whose body
//! ends before its length — and its bytes are sent again from the last landed part.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use aws_sdk_s3::config::StalledStreamProtectionConfig;
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::multipart::{describe, ObjectTarget};
use super::sends_unsigned_payloads;

/// Pieces waiting for the S3 connection, per part: a few, so a slow store slows the
/// client instead of filling memory.
const PIECES_QUEUED: usize = 4;

/// A streamed part's body did not match its length (the client went away mid-part).
#[derive(Debug, thiserror::Error)]
#[error("the part's bytes did not match its length ({remaining} bytes still due)")]
struct WrongLength {
    remaining: u64,
}

/// The body of a streamed part: the pieces from the channel, exactly `remaining` bytes.
/// A channel closed early is an error, so the request is abandoned rather than sent short.
struct ChannelBody {
    pieces: mpsc::Receiver<Bytes>,
    remaining: u64,
}

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = WrongLength;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, WrongLength>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        match self.pieces.poll_recv(cx) {
            Poll::Ready(Some(piece)) => {
                let length = piece.len() as u64;
                if length > self.remaining {
                    return Poll::Ready(Some(Err(WrongLength {
                        remaining: self.remaining,
                    })));
                }
                self.remaining -= length;
                Poll::Ready(Some(Ok(Frame::data(piece))))
            }
            Poll::Ready(None) => Poll::Ready(Some(Err(WrongLength {
                remaining: self.remaining,
            }))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// A part on its way: feed it its bytes, then wait for its ETag.
pub struct StreamedPart {
    pieces: mpsc::Sender<Bytes>,
    request: JoinHandle<Result<Option<String>, String>>,
}

impl StreamedPart {
    /// Passes a piece on; `Err` when the request to S3 has already ended (refused).
    pub async fn feed(&self, piece: Bytes) -> Result<(), String> {
        if self.pieces.send(piece).await.is_ok() {
            return Ok(());
        }
        Err("S3 stopped taking the part".into())
    }

    /// Every byte was fed: the part's ETag once S3 has it.
    pub async fn landed(self) -> Result<Option<String>, String> {
        drop(self.pieces);
        self.request
            .await
            .map_err(|e| format!("the part's request failed: {e}"))?
    }

    /// The client went away mid-part: the request is dropped and S3 keeps nothing of it.
    pub fn abandon(self) {
        self.request.abort();
    }
}

impl ObjectTarget {
    /// Whether parts can go without being held whole first: not under Object Lock (S3
    /// wants each part's Content-MD5, known only at its end), and on a transport whose
    /// payloads go unsigned (a signature covers the part's SHA-256, also known at its end).
    pub fn streams_parts(&self) -> bool {
        self.lock.is_none() && sends_unsigned_payloads(&self.client)
    }

    /// Starts part `number` of `size` bytes. `longest`: how long its request may take (a
    /// slow client's part takes as long as the client does, beyond the SDK's attempt
    /// timeout; the client's own pace is bounded by the upload's rate rules instead).
    pub fn stream_part(
        &self,
        upload_id: &str,
        number: i32,
        size: u64,
        longest: Duration,
    ) -> StreamedPart {
        let (pieces, received) = mpsc::channel(PIECES_QUEUED);
        let body = ChannelBody {
            pieces: received,
            remaining: size,
        };
        let client = self.client.clone();
        let timeouts = client
            .config()
            .timeout_config()
            .map(|t| t.to_builder())
            .unwrap_or_default()
            .operation_attempt_timeout(longest)
            .build();
        let request = client
            .upload_part()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(upload_id)
            .part_number(number)
            .content_length(i64::try_from(size).unwrap_or(i64::MAX))
            .body(ByteStream::from_body_1_x(body))
            .customize()
            .disable_payload_signing()
            // A client's pause (up to the idle timeout) pauses the part; the SDK's own
            // stall guard would cut it after a few seconds.
            .config_override(
                aws_sdk_s3::config::Builder::default()
                    .timeout_config(timeouts)
                    .stalled_stream_protection(StalledStreamProtectionConfig::disabled()),
            );
        let request = tokio::spawn(async move {
            let sent = request.send().await.map_err(describe)?;
            Ok(sent.e_tag().map(str::to_owned))
        });
        StreamedPart { pieces, request }
    }
}
