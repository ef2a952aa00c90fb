//! The API's JSON shapes: what programs read, documented in the OpenAPI file. Built from
//! the row types, never serialised from them directly, so a new column is not published
//! by accident.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::models::cycle::Cycle;
use crate::db::models::cycle_request::CycleRequest;
use crate::db::models::file_upload::FileUpload;
use crate::db::models::project::Project;
use crate::db::models::superseded::Newest;
use crate::services::receipts::Receipt;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectJson {
    pub id: i32,
    pub name: String,
    pub active: bool,
    /// Accepted file extensions; empty accepts any.
    pub accepted_types: Vec<String>,
    /// Whether an admin reviews what arrives.
    pub review_uploads: bool,
}

impl ProjectJson {
    pub fn of(p: &Project) -> Self {
        Self {
            id: p.id.0,
            name: p.project_name.clone(),
            active: p.is_active,
            accepted_types: p.allowed_file_types.iter().flatten().cloned().collect(),
            review_uploads: p.review_uploads,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CycleJson {
    pub id: i32,
    pub project_id: i32,
    /// `C1`, `C2`, …
    pub name: String,
    pub number: i32,
    /// `pending`, `in_progress`, `completed` (everything required is in; optional items
    /// are still taken until the cycle is closed) or `incomplete`.
    pub status: String,
    /// Whether the cycle takes uploads: not closed by an admin, and not past its due
    /// date with required items missing.
    pub open: bool,
    pub due_at: Option<DateTime<Utc>>,
    /// When an admin closed the cycle (then it takes no uploads, whatever its status).
    pub closed_at: Option<DateTime<Utc>>,
}

impl CycleJson {
    pub fn of(c: &Cycle) -> Self {
        Self {
            id: c.id.0,
            project_id: c.project_id.0,
            name: c.cycle_name.clone(),
            number: c.cycle_number,
            status: c.status.as_str().to_owned(),
            open: c.takes_uploads(),
            due_at: c.due_at,
            closed_at: c.closed_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestJson {
    pub id: i32,
    pub name: String,
    pub instructions: Option<String>,
    pub required: bool,
    /// `missing`, `submitted`, `accepted`, `rejected` or `not_applicable`.
    pub status: String,
    /// A filename pattern (shell glob) that files the matching uploads under it.
    pub pattern: Option<String>,
    pub accepted_types: Vec<String>,
    pub multiple_files: bool,
    /// The request's own due date, else the cycle's.
    pub due_at: Option<DateTime<Utc>>,
    /// Why it was rejected, or why it does not apply.
    pub note: Option<String>,
    /// `file` (uploaded), or a question: `text`, `number`, `date`, `yes_no`, `choice`.
    pub kind: String,
    /// A `choice` question's choices, in order (empty for other kinds).
    pub choices: Vec<String>,
    /// A question's current answer: text; a number without grouping (`1234.5`); a date
    /// `YYYY-MM-DD`; `yes` or `no`; a choice's text. `erased` after an erasure.
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

impl RequestJson {
    pub fn of(r: &CycleRequest, cycle_due: Option<DateTime<Utc>>) -> Self {
        Self {
            id: r.id.0,
            name: r.name.clone(),
            instructions: r.instructions.clone(),
            required: r.required,
            status: r.status.as_str().to_owned(),
            pattern: r.pattern.clone(),
            accepted_types: r.accepted_types.iter().flatten().cloned().collect(),
            multiple_files: r.multiple_files,
            due_at: r.due(cycle_due),
            note: r.note.clone(),
            kind: r.kind.as_str().to_owned(),
            choices: r.choice_list(),
            answer: r.answer.clone(),
            answered_at: r.answered_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FileJson {
    pub id: i32,
    /// The relative path it was sent with.
    pub path: String,
    pub size: i64,
    /// SHA-256 of the content, hex.
    pub sha256: Option<String>,
    pub content_type: Option<String>,
    pub uploaded_at: Option<DateTime<Utc>>,
    /// The request it fulfils (none: "other").
    pub request_id: Option<i32>,
    /// The newer file that supersedes it for its request (a request that takes one file
    /// counts only its newest); none: it stands.
    pub superseded_by: Option<i32>,
}

impl FileJson {
    pub fn of(f: &FileUpload, newest: &Newest) -> Self {
        Self {
            id: f.id.0,
            path: f.file_path.clone(),
            size: f.file_size.unwrap_or(0),
            sha256: f.checksum.clone(),
            content_type: f.content_type.clone(),
            uploaded_at: f.uploaded_at,
            request_id: f.request_id.map(|r| r.0),
            superseded_by: newest.replacement_of(f).map(|(id, _)| id.0),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FilePage {
    pub files: Vec<FileJson>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i32>,
}

impl FilePage {
    /// A page of `limit` from `limit + 1` loaded rows.
    pub fn of(mut files: Vec<FileUpload>, newest: &Newest, limit: i64) -> Self {
        let more = files.len() as i64 > limit;
        files.truncate(usize::try_from(limit).unwrap_or(0));
        Self {
            next_after: files.last().filter(|_| more).map(|f| f.id.0),
            files: files.iter().map(|f| FileJson::of(f, newest)).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptFileJson {
    pub id: i32,
    pub path: String,
    /// `pending`, `uploading`, `completed`, `failed` or `skipped` (a duplicate).
    pub status: String,
    pub size: i64,
    pub sha256: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// The earlier file it duplicates.
    pub duplicate_of: Option<i32>,
    pub request_id: Option<i32>,
    /// The newer file that supersedes it for its request; none: it stands.
    pub superseded_by: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptJson {
    pub session_id: i32,
    pub project_id: i32,
    pub cycle: String,
    /// `pending`, `in_progress`, `completed` or `failed`.
    pub status: String,
    pub total_files: i32,
    pub files_uploaded: i32,
    pub files_skipped: i32,
    pub files_failed: i32,
    pub uploaded_bytes: i64,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub files: Vec<ReceiptFileJson>,
}

impl ReceiptJson {
    pub fn of(r: &Receipt) -> Self {
        let s = &r.session;
        Self {
            session_id: s.id.0,
            project_id: r.project.id.0,
            cycle: r.cycle_name.clone(),
            status: s.status.as_str().to_owned(),
            total_files: s.total_files.unwrap_or(0),
            files_uploaded: s.files_uploaded.unwrap_or(0),
            files_skipped: s.files_skipped.unwrap_or(0),
            files_failed: s.files_failed.unwrap_or(0),
            uploaded_bytes: s.uploaded_size_bytes.unwrap_or(0),
            started_at: s.started_at,
            completed_at: s.completed_at,
            error: s.error_message.clone(),
            files: r
                .files
                .iter()
                .map(|f| ReceiptFileJson {
                    id: f.id.0,
                    path: f.file_path.clone(),
                    status: f.status.as_str().to_owned(),
                    size: f.file_size.unwrap_or(0),
                    sha256: f.checksum.clone(),
                    error: f.error_message.clone(),
                    duplicate_of: f.duplicate_of.map(|d| d.0),
                    request_id: f.request_id.map(|d| d.0),
                    superseded_by: r.replacement_of(f).map(|(id, _)| id.0),
                })
                .collect(),
        }
    }
}

/// A batch announced by its files, before any byte moves.
#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct ManifestJson {
    pub cycle_id: i32,
    /// Add the files to this open batch of yours (a manifest holds at most as many files
    /// as a batch; a larger one is sent in parts).
    pub session_id: Option<i32>,
    pub files: Vec<ManifestFileJson>,
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct ManifestFileJson {
    /// The relative path, `/`-separated.
    pub path: String,
    pub size: u64,
    /// SHA-256 of the content, 64 hex digits.
    pub sha256: String,
    /// The request it is for; none: by the requests' patterns.
    pub request_id: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlannedFileJson {
    pub path: String,
    /// `upload`, `replaces` (an upload that becomes the path's current version),
    /// `duplicate` (already in the cycle under another path: nothing to send),
    /// `unchanged` (this path's current version has these bytes) or `refused`.
    pub action: String,
    /// Where to send the bytes (tus 1.0), for `upload` and `replaces`.
    pub upload_url: Option<String>,
    /// The file it duplicates, or the version it replaces.
    pub file_id: Option<i32>,
    /// Why it was refused.
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionPlanJson {
    /// The batch the files go into; null when every file is unchanged (nothing to
    /// send, no batch recorded).
    pub session_id: Option<i32>,
    pub files: Vec<PlannedFileJson>,
}

impl SessionPlanJson {
    pub fn of(
        session: Option<crate::db::ids::SyncSessionId>,
        decided: Vec<(String, crate::services::uploads::manifest::Action)>,
    ) -> Self {
        use crate::services::uploads::manifest::Action;
        let files = decided
            .into_iter()
            .map(|(path, action)| {
                let (kind, upload, file_id, reason) = match action {
                    Action::Upload(id) => ("upload", Some(id), None, None),
                    Action::Replaces { upload, previous } => {
                        ("replaces", Some(upload), Some(previous.0), None)
                    }
                    Action::Duplicate(of) => ("duplicate", None, Some(of.0), None),
                    Action::Unchanged(current) => ("unchanged", None, Some(current.0), None),
                    Action::Refused(reason) => ("refused", None, None, Some(reason)),
                };
                PlannedFileJson {
                    path,
                    action: kind.to_owned(),
                    upload_url: upload.map(|id| format!("/uploads/tus/{id}")),
                    file_id,
                    reason,
                }
            })
            .collect();
        Self {
            session_id: session.map(|s| s.0),
            files,
        }
    }
}
