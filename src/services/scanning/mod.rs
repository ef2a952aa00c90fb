//! Scanning before acceptance. With a scanner configured (`HOPPER_CLAMD`), a file's bytes
//! go to clamd while they arrive, in the same pass that hashes them and sends them to S3,
//! and the file completes only on clamd's "clean". A virus ends it `quarantined`, nothing
//! stored. Without a verdict (clamd unreachable or broke off, or the bytes came over several
//! requests to different nodes), the stored file waits in `scanning` and [`stored`] reads
//! it back to clamd: right after the upload, and on every scanner pass until clamd answers.
//! A resumable upload's scan waits between its requests in [`held`]. Nothing is ever
//! accepted unscanned, except a file larger than clamd scans when the operator says so.

mod held;
mod stored;

pub use held::HeldScans;

pub use stored::{run_once, scan_in_background, scan_stored, ScanOutcome, ScanReport};

use crate::db::ids::FileUploadId;
use crate::domain::refusal::ScanRefused;
use crate::scanner::{QuarantinePolicy, ScanFeed, Scanner, TooLargePolicy, Verdict};
use crate::services::file_life::Scanned;
use crate::services::ServiceContext;

/// What an upload does with its file once the scan has spoken.
#[derive(Debug)]
pub(in crate::services) enum Judged {
    /// Store it, completing as this says (`Pending`: into `scanning`).
    Take(Scanned),
    /// A virus: quarantine it, store nothing.
    Virus(String),
    /// Refuse it (too large to scan, and unscanned files are refused).
    Refuse(ScanRefused),
}

/// A scan of a file about to arrive; `None` without a scanner. `declared`: its size when
/// known (a file larger than clamd scans is not sent to it).
pub(in crate::services) async fn start(
    ctx: &ServiceContext,
    declared: Option<u64>,
) -> Option<ScanFeed> {
    Some(ctx.scanner()?.start(declared).await)
}

/// How a file completes when no scan saw its bytes arrive: unscanned without a scanner,
/// else into `scanning`.
pub(in crate::services) fn unscanned(ctx: &ServiceContext) -> Scanned {
    if ctx.scanner().is_some() {
        Scanned::Pending
    } else {
        Scanned::Off
    }
}

/// Ends the scan of the bytes that arrived and says what to do with the file.
pub(in crate::services) async fn judge(ctx: &ServiceContext, feed: Option<ScanFeed>) -> Judged {
    let (Some(scanner), Some(feed)) = (ctx.scanner(), feed) else {
        return Judged::Take(unscanned(ctx));
    };
    match judged(scanner, feed.verdict().await) {
        // Kept for inspection: the bytes are stored as they came, then moved under the
        // quarantine prefix by the read-back scan (which finds the virus again), so the
        // move is one path whichever way the bytes arrived.
        Judged::Virus(_) if scanner.config().quarantine == QuarantinePolicy::Keep => {
            Judged::Take(Scanned::Pending)
        }
        judged => judged,
    }
}

/// Where a quarantined file's bytes are kept: under the company root's `.quarantine/`
/// prefix, by the file's id (unique) and name (for whoever inspects them).
pub(in crate::services) fn quarantine_key(key_root: &str, file: FileUploadId, key: &str) -> String {
    let name = key.rsplit('/').next().unwrap_or("file");
    format!("{key_root}/.quarantine/{file}/{name}")
}

pub(in crate::services) fn judged(scanner: &Scanner, verdict: Verdict) -> Judged {
    match verdict {
        Verdict::Clean => Judged::Take(Scanned::Clean),
        Verdict::Infected(signature) => Judged::Virus(signature),
        Verdict::TooLarge => too_large(scanner),
        Verdict::Unknown(why) => {
            tracing::warn!(error = %why, "no verdict from clamd; the file waits in scanning");
            Judged::Take(Scanned::Pending)
        }
    }
}

/// A file larger than clamd scans, as the operator's policy says.
fn too_large(scanner: &Scanner) -> Judged {
    match scanner.config().too_large {
        TooLargePolicy::Accept => Judged::Take(Scanned::TooLargeAccepted),
        TooLargePolicy::Refuse => Judged::Refuse(ScanRefused::TooLargeToScan {
            limit: scanner.config().max_stream_bytes,
        }),
    }
}

/// Whether files are scanned here, and whether clamd answers; for `/readyz` and the pages.
pub async fn scanner_state(ctx: &ServiceContext) -> ScannerState {
    match ctx.scanner() {
        None => ScannerState::Off,
        Some(scanner) => match scanner.ping().await {
            Ok(()) => ScannerState::Ready,
            Err(why) => ScannerState::Unreachable(why),
        },
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScannerState {
    /// No scanner configured: files are not scanned.
    Off,
    Ready,
    /// Configured but not answering: files wait in `scanning`.
    Unreachable(String),
}
