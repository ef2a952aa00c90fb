//! Scans kept between the requests of a resumable upload. A tus upload sent in several
//! PATCH requests is still scanned in the same pass over its bytes when the requests reach
//! the same node: the scan's connection to clamd waits here, keyed by the upload and the
//! offset it has read to, for the request that continues exactly there. A request on
//! another node, after a restart, or after clamd dropped the idle connection finds none
//! (or a broken one): the file is then scanned from S3 once stored. Nothing here is needed
//! for correctness, only to spare that second read.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::scanner::ScanFeed;

/// The most scans kept at once on a node (each is one idle connection to clamd).
const MAX_HELD: usize = 256;
/// A scan not continued for this long is dropped (clamd drops it too).
const HELD_FOR: Duration = Duration::from_secs(10 * 60);

#[derive(Default)]
pub struct HeldScans {
    feeds: Mutex<HashMap<uuid::Uuid, (Instant, ScanFeed)>>,
}

impl HeldScans {
    /// Keeps the scan of `upload` for its next request (a broken one is not kept).
    pub fn keep(&self, upload: uuid::Uuid, feed: ScanFeed) {
        if !feed.is_open() {
            return;
        }
        let Ok(mut feeds) = self.feeds.lock() else {
            return;
        };
        feeds.retain(|_, (since, _)| since.elapsed() < HELD_FOR);
        if feeds.len() >= MAX_HELD {
            return;
        }
        feeds.insert(upload, (Instant::now(), feed));
    }

    /// The scan of `upload`, if one was kept and has read exactly `offset` bytes.
    pub fn take(&self, upload: uuid::Uuid, offset: u64) -> Option<ScanFeed> {
        let (_, feed) = self.feeds.lock().ok()?.remove(&upload)?;
        (feed.offset() == offset && feed.is_open()).then_some(feed)
    }
}
