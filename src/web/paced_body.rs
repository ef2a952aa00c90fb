//! A request body that must keep moving: an overall deadline, and a minimum rate measured
//! only over the time Hopper is actually waiting for the client. A client that trickles a
//! byte every few seconds would otherwise hold a connection, a part buffer and a batch
//! slot for as long as it likes; the per-read idle timeout alone never fires for it.
//!
//! Time Hopper spends elsewhere (sending a part to S3, waiting for a buffer) is not held
//! against the client: only the intervals in which the body was polled and had nothing
//! count, so a slow S3 never turns into "your connection is too slow".

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::error::PayloadError;
use bytes::Bytes;
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

/// The pace a body must keep.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Bytes per second, averaged over each `window` of waiting.
    pub min_rate: u64,
    pub window: Duration,
    /// The whole body must have arrived by then.
    pub deadline: Duration,
}

/// Why a body was cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaceBreach {
    TooSlow { min_rate: u64 },
    Deadline(Duration),
}

/// Tells the handler afterwards whether the body was cut off for its pace (the body's own
/// error only says "timed out" to whoever reads it).
#[derive(Debug, Clone, Default)]
pub struct PaceWatch(Arc<Mutex<Option<PaceBreach>>>);

impl PaceWatch {
    pub fn breach(&self) -> Option<PaceBreach> {
        self.0.lock().map(|b| *b).unwrap_or(None)
    }

    fn record(&self, breach: PaceBreach) {
        if let Ok(mut slot) = self.0.lock() {
            slot.get_or_insert(breach);
        }
    }
}

pub struct PacedBody<S> {
    inner: S,
    pace: Pace,
    watch: PaceWatch,
    ends_at: Instant,
    /// Waiting for the client in the current window, and what arrived meanwhile.
    waited: Duration,
    received: u64,
    /// Since when the body has had nothing to give (polled, pending).
    pending_since: Option<Instant>,
    timer: Pin<Box<Sleep>>,
    failed: bool,
}

impl<S> PacedBody<S> {
    pub fn new(inner: S, pace: Pace, watch: PaceWatch) -> Self {
        let now = Instant::now();
        Self {
            inner,
            pace,
            watch,
            ends_at: now + pace.deadline,
            waited: Duration::ZERO,
            received: 0,
            pending_since: None,
            timer: Box::pin(tokio::time::sleep_until(now + pace.deadline)),
            failed: false,
        }
    }

    fn fail(&mut self, breach: PaceBreach) -> Poll<Option<Result<Bytes, PayloadError>>> {
        self.failed = true;
        self.watch.record(breach);
        let message = match breach {
            PaceBreach::TooSlow { min_rate } => {
                format!("the body arrived slower than {min_rate} bytes per second")
            }
            PaceBreach::Deadline(after) => {
                format!("the body took longer than {} s", after.as_secs())
            }
        };
        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            message,
        )))))
    }

    /// Closes the current window once `waited` fills it: too little arrived, or a new one
    /// starts.
    fn close_window(&mut self) -> Option<PaceBreach> {
        if self.waited < self.pace.window {
            return None;
        }
        let needed = self
            .pace
            .min_rate
            .saturating_mul(self.pace.window.as_secs().max(1));
        if self.received < needed {
            return Some(PaceBreach::TooSlow {
                min_rate: self.pace.min_rate,
            });
        }
        self.waited = Duration::ZERO;
        self.received = 0;
        None
    }
}

impl<S> Stream for PacedBody<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.failed {
            return Poll::Ready(None);
        }
        let now = Instant::now();
        if now >= this.ends_at {
            return this.fail(PaceBreach::Deadline(this.pace.deadline));
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(item) => {
                if let Some(since) = this.pending_since.take() {
                    this.waited += now.saturating_duration_since(since);
                }
                if let Some(Ok(chunk)) = &item {
                    this.received += chunk.len() as u64;
                }
                if let Some(breach) = this.close_window() {
                    return this.fail(breach);
                }
                Poll::Ready(item)
            }
            Poll::Pending => {
                let since = *this.pending_since.get_or_insert(now);
                let waited = this.waited + now.saturating_duration_since(since);
                if waited >= this.pace.window {
                    // A whole window of waiting has passed: judge it, maybe start another.
                    this.waited = waited;
                    this.pending_since = Some(now);
                    if let Some(breach) = this.close_window() {
                        return this.fail(breach);
                    }
                }
                let since = *this.pending_since.get_or_insert(now);
                let waited = this.waited + now.saturating_duration_since(since);
                // Wake when this window would be full of waiting, or at the deadline.
                let wake = (now + this.pace.window.saturating_sub(waited)).min(this.ends_at);
                this.timer.as_mut().reset(wake);
                if this.timer.as_mut().poll(cx).is_ready() {
                    cx.waker().wake_by_ref();
                }
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    fn pace() -> Pace {
        Pace {
            min_rate: 100,
            window: Duration::from_secs(2),
            deadline: Duration::from_secs(60),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_trickle_is_cut_off_after_one_window() {
        let trickle = futures_util::stream::unfold(0u32, |n| async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            Some((Ok::<_, PayloadError>(Bytes::from_static(b"x")), n + 1))
        });
        let watch = PaceWatch::default();
        let mut body = PacedBody::new(Box::pin(trickle), pace(), watch.clone());
        let mut chunks = 0;
        while let Some(item) = body.next().await {
            if item.is_err() {
                break;
            }
            chunks += 1;
        }
        assert!(chunks <= 5, "cut off after about one window, got {chunks}");
        assert_eq!(watch.breach(), Some(PaceBreach::TooSlow { min_rate: 100 }));
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_body_is_cut_off_without_waiting_for_data() {
        let silent = futures_util::stream::pending::<Result<Bytes, PayloadError>>();
        let watch = PaceWatch::default();
        let mut body = PacedBody::new(silent, pace(), watch.clone());
        let started = Instant::now();
        assert!(matches!(body.next().await, Some(Err(_))));
        assert!(started.elapsed() <= Duration::from_secs(3));
        assert!(watch.breach().is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn time_spent_not_reading_is_not_held_against_the_client() {
        let chunks = futures_util::stream::iter(
            (0..4).map(|_| Ok::<_, PayloadError>(Bytes::from_static(&[0u8; 10]))),
        );
        let watch = PaceWatch::default();
        let mut body = PacedBody::new(chunks, pace(), watch.clone());
        while let Some(item) = body.next().await {
            assert!(item.is_ok());
            // Hopper busy elsewhere (S3, a buffer) for longer than a window.
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        assert_eq!(watch.breach(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_steady_body_past_its_deadline_is_cut_off() {
        let steady = futures_util::stream::unfold((), |_| async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Some((Ok::<_, PayloadError>(Bytes::from(vec![0u8; 1000])), ()))
        });
        let watch = PaceWatch::default();
        let mut body = PacedBody::new(Box::pin(steady), pace(), watch.clone());
        while let Some(item) = body.next().await {
            if item.is_err() {
                break;
            }
        }
        assert_eq!(
            watch.breach(),
            Some(PaceBreach::Deadline(Duration::from_secs(60)))
        );
    }
}
