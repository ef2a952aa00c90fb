//! A file's byte stream under the batch's rules.

use std::fmt::Display;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use crate::config::UploadConfig;
use crate::services::uploads::Stop;

/// A file's byte stream with the batch's rules: an idle timeout, the size limit, and
/// client errors turned into a [`Stop`].
pub(super) struct Limited<'a, S> {
    body: S,
    limits: &'a UploadConfig,
    path: String,
    size: u64,
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
            ended: false,
        }
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
