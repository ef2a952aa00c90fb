//! The moves of an uploading file: progress, the claim of its content (the intent), and
//! its end — completed, skipped as a duplicate, or failed. Each, in the caller's
//! transaction, moves the row, counts the batch, follows the request and audits.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde_json::json;

use crate::db::ids::ProjectId;
use crate::db::models::file_transitions::{self, StoredFile};
use crate::db::models::file_upload::FileUpload;
use crate::domain::{FailReason, FileStatus};
use crate::error::AppError;
use crate::services::audit::actions;
use crate::services::cycle_progress::MovedBy;
use crate::services::cycle_requests::{self, Submission};
use crate::services::file_life::told::{stored_details, Facts};
use crate::services::file_life::{FileOf, Moved, Scanned, Told};

/// Progress: the upload is alive and `received` bytes have arrived.
pub(in crate::services) fn progress(
    conn: &mut PgConnection,
    at: FileOf,
    received: i64,
) -> Result<(), AppError> {
    Ok(file_transitions::touch(conn, at.file, received)?)
}

/// The content is this file's to store: its checksum is the claim other uploads of the
/// same bytes see, and with its size the intent the reconciler checks S3 against.
pub(in crate::services) fn claim(
    conn: &mut PgConnection,
    at: FileOf,
    (checksum, size, content_type): (&str, i64, &str),
) -> Result<Moved, AppError> {
    let claimed = file_transitions::claim_content(conn, at.file, checksum, size, content_type)?;
    Ok(if claimed {
        Moved::Done(())
    } else {
        Moved::AlreadyEnded
    })
}

/// What a completion follows: the project's review rule for the linked request.
#[derive(Debug, Clone, Copy)]
pub(in crate::services) struct Completion {
    pub project: ProjectId,
    /// Whether the project reviews uploads (else the request is accepted on arrival).
    pub review: bool,
    /// What the virus scan said; [`Scanned::Pending`] stores the bytes into `scanning`.
    pub scan: Scanned,
}

/// The file is stored: its row completes (the path's current version), its request is
/// submitted, `also` records what the caller's own record says of it (a resumable
/// upload's row ends with its file), then the audit row and the batch's counters — last,
/// as every upload of the batch waits for both until this commits. Answers the row and
/// how many files the batch has stored now.
pub(in crate::services) fn complete<F>(
    conn: &mut PgConnection,
    by: MovedBy<'_>,
    (at, completion): (FileOf, Completion),
    stored: &StoredFile<'_>,
    (told, now): (Told<'_>, DateTime<Utc>),
    also: F,
) -> Result<Moved<(FileUpload, i32)>, AppError>
where
    F: FnOnce(&mut PgConnection) -> Result<(), AppError>,
{
    if completion.scan == Scanned::Pending {
        return super::scanned::hold(conn, by, (at, completion.project), stored, told, also);
    }
    let Some(row) = file_transitions::complete(conn, at.file, stored, completion.scan.result())?
    else {
        return Ok(Moved::AlreadyEnded);
    };
    if let (Some(request), Some(cycle)) = (row.request_id, row.cycle_id) {
        let submission = Submission {
            project: completion.project,
            review: completion.review,
            cycle,
            request,
            file: at.file,
        };
        cycle_requests::submit(conn, by, &submission, now)?;
    }
    also(conn)?;
    let mut sender = stored_details(&row, stored.size, stored.checksum);
    sender["content_type"] = json!(stored.content_type);
    sender["request"] = json!(row.request_id);
    if let Some(scan) = completion.scan.result() {
        sender["scan"] = json!(scan);
    }
    let facts = Facts::stored(stored.size);
    by.audit(told.action(actions::FILE_UPLOADED))
        .project(completion.project)
        .resource("file", at.file)
        .details(told.details(sender, &facts))
        .record(conn)?;
    let stored_in_batch =
        file_transitions::count_ended(conn, at.session, FileStatus::Completed, stored.size)?;
    Ok(Moved::Done((row, stored_in_batch)))
}

/// The content is already stored in the cycle as `original`: this file is its duplicate.
/// `before_transfer`: known from an announced checksum, before any byte moved.
pub(in crate::services) fn skip(
    conn: &mut PgConnection,
    by: MovedBy<'_>,
    at: FileOf,
    (size, checksum): (i64, &str),
    (original, before_transfer): (&FileUpload, bool),
) -> Result<Moved, AppError> {
    if !file_transitions::skip(conn, at.file, size, checksum, original.id)? {
        return Ok(Moved::AlreadyEnded);
    }
    let mut details = json!({
        "sha256": checksum,
        "size": size,
        "duplicate_of": original.id,
        "original_path": original.file_path,
    });
    if before_transfer {
        details["before_transfer"] = json!(true);
    }
    audit(conn, by, at, actions::FILE_SKIPPED, details)?;
    file_transitions::count_ended(conn, at.session, FileStatus::Skipped, size)?;
    Ok(Moved::Done(()))
}

/// The file will not be stored: refused, interrupted, cancelled, abandoned, or nothing
/// (or other bytes) found in S3. `size`: the bytes that had arrived.
pub(in crate::services) fn fail(
    conn: &mut PgConnection,
    by: MovedBy<'_>,
    at: FileOf,
    (size, reason): (i64, impl Into<FailReason>),
    told: Told<'_>,
) -> Result<Moved, AppError> {
    let reason = reason.into();
    if !file_transitions::fail(conn, at.file, size, &reason)? {
        return Ok(Moved::AlreadyEnded);
    }
    let message = reason.message();
    let sender = json!({ "reason": message, "bytes_received": size });
    let facts = Facts {
        size,
        reason: Some(&message),
    };
    let details = told.details(sender, &facts);
    audit(conn, by, at, told.action(actions::FILE_FAILED), details)?;
    file_transitions::count_ended(conn, at.session, FileStatus::Failed, size)?;
    Ok(Moved::Done(()))
}

pub(super) fn audit(
    conn: &mut PgConnection,
    by: MovedBy<'_>,
    at: FileOf,
    action: &'static str,
    details: serde_json::Value,
) -> Result<(), AppError> {
    let event = by.audit(action);
    let event = match at.project {
        Some(project) => event.project(project),
        None => event,
    };
    event
        .resource("file", at.file)
        .details(details)
        .record(conn)?;
    Ok(())
}
