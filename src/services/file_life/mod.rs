//! One life for a file. Every change of a `file_uploads` row's state goes through here,
//! and nothing else writes it (the layering check allows `db::models::file_transitions`
//! and the inserts of `db::models::new_file` nowhere else):
//!
//! ```text
//!  born ──▶ uploading ──(claim: the intent)──▶ uploading, completing ──▶ completed
//!    │          │                                        │
//!    │          ├──▶ skipped (a duplicate of stored content)
//!    │          └──────────────────────────────┬─────────┘
//!    └─▶ failed (refused up front)             └──▶ failed (refused, interrupted,
//!                                                    cancelled, reaped, expired, read back)
//!
//!  uploading ──▶ scanning (stored, no verdict yet) ──▶ completed | quarantined | failed
//!      └───────▶ quarantined (a virus found while the bytes arrived; nothing stored)
//!
//!  completed ──▶ deleted (an admin's soft delete)
//!      └───────▶ retired (retention's tombstone) ──▶ bytes deleted (S3 confirmed)
//!                 every deletion refused while a legal hold covers the file
//! ```
//!
//! Each transition, in the caller's transaction, moves the row (guarded by
//! [`FileStatus::reached_from`], so a row that ended never moves again), counts the
//! batch's counters, submits the linked request and writes the audit row, and answers
//! with a typed [`Moved`]: the form path, tus, the manifest, the reaper, the reconciler
//! and tus expiry all call these, so a file is counted once, audited once, and its request
//! follows it whichever path it took.
//!
//! A new state (e.g. `quarantined` after a virus scan): add it to [`FileStatus`] (and the
//! CHECK constraint), say in `reached_from` which states lead to it, add its transition
//! here (its counter in `file_transitions::count_ended`, its audit action in `told`).
//! The callers above do not change: `complete` decides whether a file goes to `scanning`
//! first, and the scanner's verdict is one more transition from there.

mod born;
mod deleted;
mod ended;
mod scanned;
mod told;

pub(in crate::services) use crate::db::models::file_transitions::StoredFile;
pub(in crate::services) use born::{refuse, start, start_all, started};
pub(in crate::services) use deleted::{bytes_gone, delete, retire};
pub(in crate::services) use ended::{claim, complete, fail, progress, skip, Completion};
pub(in crate::services) use scanned::{quarantine, Scanned};
pub(in crate::services) use told::Told;

use crate::db::ids::{FileUploadId, ProjectId, SyncSessionId};
use crate::domain::FileStatus;

/// The file a transition moves, with its batch (whose counters move with it) and its
/// project (named in the audit row; the reaper, which sweeps every project, has none).
#[derive(Debug, Clone, Copy)]
pub(in crate::services) struct FileOf {
    pub file: FileUploadId,
    pub session: SyncSessionId,
    pub project: Option<ProjectId>,
}

/// How a transition went.
#[must_use]
#[derive(Debug)]
pub(in crate::services) enum Moved<T = ()> {
    /// The row moved; what the move produced.
    Done(T),
    /// The row had already left the states this move starts from (the reaper failed it,
    /// another request or node settled it): nothing changed, nothing was counted.
    AlreadyEnded,
}

/// A move the file's state no longer allows.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the file's upload ended meanwhile")]
pub(in crate::services) struct AlreadyEnded {
    pub file: FileUploadId,
    pub wanted: FileStatus,
}

impl<T> Moved<T> {
    pub fn moved(&self) -> bool {
        matches!(self, Moved::Done(_))
    }

    /// The move's result, or the typed refusal of a row that had ended.
    pub fn or_ended(self, file: FileUploadId, wanted: FileStatus) -> Result<T, AlreadyEnded> {
        match self {
            Moved::Done(value) => Ok(value),
            Moved::AlreadyEnded => Err(AlreadyEnded { file, wanted }),
        }
    }
}

impl From<AlreadyEnded> for crate::error::AppError {
    fn from(_: AlreadyEnded) -> Self {
        crate::domain::refusal::UploadRefused::FileEnded.into()
    }
}
