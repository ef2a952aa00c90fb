//! The thank-you a sender sees once a cycle has everything it requires: what was received
//! and when, and what may still be sent while the cycle stays open (optional items, or a
//! new file for an item not yet accepted) until an admin closes it.

use chrono::{DateTime, Utc};

use crate::db::ids::SyncSessionId;
use crate::db::models::file_upload::FileUpload;
use crate::domain::{CycleStatus, RequestStatus};
use crate::services::cycle_requests::CycleRequests;

pub struct ThankYou {
    /// When the last required item was accepted.
    pub completed_at: Option<DateTime<Utc>>,
    /// When an admin closed the cycle (then nothing more is taken).
    pub closed_at: Option<DateTime<Utc>>,
    /// The items something arrived for, in list order.
    pub received: Vec<Received>,
    /// Files that fulfil no item.
    pub other_files: Vec<ReceivedFile>,
    /// Items still open (optional ones, as everything required is in), by name.
    pub still_open: Vec<String>,
}

/// An item something arrived for, and where it stands.
pub struct Received {
    pub request: String,
    pub accepted: bool,
    /// When it was accepted by an admin (none when accepted on arrival, or not yet).
    pub decided_at: Option<DateTime<Utc>>,
    /// Its files that count (superseded ones left out).
    pub files: Vec<ReceivedFile>,
    /// A question's answer, where the reader may see it.
    pub answer: Option<String>,
}

pub struct ReceivedFile {
    pub name: String,
    pub at: Option<DateTime<Utc>>,
}

impl ReceivedFile {
    fn of(file: &FileUpload) -> Self {
        Self {
            name: file.file_path.clone(),
            at: file.uploaded_at,
        }
    }
}

impl ThankYou {
    /// The thank-you of a completed cycle (none before). `sent_through`: name only the
    /// files of these batches (a link's visitor sees what came through the link, not what
    /// others sent); `None`: every file.
    pub fn of(view: &CycleRequests, sent_through: Option<&[SyncSessionId]>) -> Option<ThankYou> {
        if view.cycle.status != CycleStatus::Completed {
            return None;
        }
        let shown = |f: &&FileUpload| sent_through.is_none_or(|s| s.contains(&f.session_id));
        let mut received = Vec::new();
        let mut still_open = Vec::new();
        for item in &view.items {
            let files: Vec<ReceivedFile> = item
                .standing_files()
                .filter(shown)
                .map(ReceivedFile::of)
                .collect();
            match item.request.status {
                RequestStatus::Accepted | RequestStatus::Submitted => received.push(Received {
                    request: item.request.name.clone(),
                    accepted: item.request.status == RequestStatus::Accepted,
                    decided_at: item.request.reviewed_at,
                    files,
                    answer: item.request.answer.clone(),
                }),
                RequestStatus::Missing | RequestStatus::Rejected => {
                    still_open.push(item.request.name.clone())
                }
                RequestStatus::NotApplicable => {}
            }
        }
        Some(ThankYou {
            completed_at: view.cycle.completed_at,
            closed_at: view.cycle.closed_at,
            received,
            other_files: view
                .other_files
                .iter()
                .filter(shown)
                .map(ReceivedFile::of)
                .collect(),
            still_open,
        })
    }
}
