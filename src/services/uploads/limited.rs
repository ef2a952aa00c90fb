//! A file's byte stream under the batch's rules.

use std::fmt::Display;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use crate::config::UploadConfig;
use crate::domain::refusal::LinkRefused;
use crate::domain::sizes::human_size;
use crate::services::uploads::Stop;

/// A file's byte stream with the batch's rules: an idle timeout, the size limit, and
/// client errors turned into a [`Stop`].
pub(super) struct Limited<'a, S> {
    body: S,
    limits: &'a UploadConfig,
    path: String,
    size: u64,
    /// What an upload link still takes (bytes left, and its whole limit for the message).
    link_cap: Option<(u64, i64)>,
    /// The stream ended; it must not be polled again (multipart fields panic if it is).
    ended: bool,
}

impl<'a, S, E> Limited<'a, S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    pub(super) fn new(body: S, limits: &'a UploadConfig, path: &str) -> Self {
        Self {
            body,
            limits,
            path: path.to_owned(),
            size: 0,
            link_cap: None,
            ended: false,
        }
    }

    /// The file may take at most `left` bytes of its upload link's `limit`.
    pub(super) fn cap_link(&mut self, left: u64, limit: i64) {
        self.link_cap = Some((left, limit));
    }

    pub(super) fn size(&self) -> u64 {
        self.size
    }

    pub(super) async fn next(&mut self) -> Result<Option<Bytes>, Stop> {
        if self.ended {
            return Ok(None);
        }
        match tokio::time::timeout(self.limits.idle_timeout, self.body.next()).await {
            Err(_) => Err(Stop::Idle(self.limits.idle_timeout)),
            Ok(None) => {
                self.ended = true;
                Ok(None)
            }
            Ok(Some(Err(e))) => Err(Stop::Disconnected(e.to_string())),
            Ok(Some(Ok(chunk))) => {
                self.size += chunk.len() as u64;
                if self.size > self.limits.max_file_size {
                    return Err(Stop::FileTooLarge {
                        path: self.path.clone(),
                        limit: self.limits.max_file_size,
                    });
                }
                if let Some((left, limit)) = self.link_cap.filter(|(left, _)| self.size > *left) {
                    let refused = LinkRefused::DoesNotFit {
                        path: self.path.clone(),
                        limit: human_size(u64::try_from(limit).unwrap_or(0)),
                        left: human_size(left),
                    };
                    return Err(Stop::LinkFull(refused.into()));
                }
                Ok(Some(chunk))
            }
        }
    }

    /// Reads and discards the rest of a failed file, under the same rules.
    pub(super) async fn drain(&mut self) -> Result<(), Stop> {
        while self.next().await?.is_some() {}
        Ok(())
    }
}
