//! The virus scan's part of a file's life: stored bytes wait in `scanning` for a verdict
//! (clamd could not give one while they arrived), and a file with a virus ends
//! `quarantined`, never stored (its upload aborted, or its object deleted first).

use diesel::PgConnection;
use serde_json::json;

use crate::db::ids::ProjectId;
use crate::db::models::file_transitions::{self, StoredFile};
use crate::db::models::file_upload::FileUpload;
use crate::domain::refusal::ScanRefused;
use crate::domain::{FailReason, FileStatus};
use crate::error::AppError;
use crate::services::audit::actions;
use crate::services::cycle_progress::MovedBy;
use crate::services::file_life::ended::audit;
use crate::services::file_life::told::{stored_details, Facts};
use crate::services::file_life::{FileOf, Moved, Told};
use crate::services::notifications;

/// What the virus scan said of a file that completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::services) enum Scanned {
    /// No scanner is configured.
    Off,
    Clean,
    /// Larger than clamd scans, and the operator accepts such files unscanned.
    TooLargeAccepted,
    /// No verdict yet: the file waits in `scanning`.
    Pending,
}

impl Scanned {
    /// `file_uploads.scan_result` of a completed file.
    pub fn result(self) -> Option<&'static str> {
        match self {
            Scanned::Off | Scanned::Pending => None,
            Scanned::Clean => Some("clean"),
            Scanned::TooLargeAccepted => Some("too_large"),
        }
    }
}

/// The bytes are stored, the verdict is not in: the row waits in `scanning`. Not counted
/// in the batch (it has not ended) and its request not submitted until the verdict.
pub(super) fn hold<F>(
    conn: &mut PgConnection,
    by: MovedBy<'_>,
    (at, project): (FileOf, ProjectId),
    stored: &StoredFile<'_>,
    told: Told<'_>,
    also: F,
) -> Result<Moved<(FileUpload, i32)>, AppError>
where
    F: FnOnce(&mut PgConnection) -> Result<(), AppError>,
{
    let Some(row) = file_transitions::hold_for_scan(conn, at.file, stored)? else {
        return Ok(Moved::AlreadyEnded);
    };
    also(conn)?;
    let sender = stored_details(&row, stored.size, stored.checksum);
    let details = told.details(sender, &Facts::stored(stored.size));
    let at = FileOf {
        project: Some(project),
        ..at
    };
    audit(
        conn,
        by,
        at,
        told.action(actions::FILE_AWAITING_SCAN),
        details,
    )?;
    Ok(Moved::Done((row, 0)))
}

/// A virus was found in the file: it ends `quarantined` with the signature's name, counted
/// as a file the batch did not store. Its bytes must already be gone from S3, never have
/// been stored, or be kept at `kept_at` (under the quarantine prefix); an open multipart
/// upload is the caller's to abort.
pub(in crate::services) fn quarantine(
    conn: &mut PgConnection,
    by: MovedBy<'_>,
    at: FileOf,
    (size, checksum, signature): (i64, &str, &str),
    (told, kept_at): (Told<'_>, Option<&str>),
) -> Result<Moved, AppError> {
    let refusal = ScanRefused::VirusFound {
        signature: signature.to_owned(),
    };
    let reason = FailReason::Refused(refusal.into());
    let quarantined = file_transitions::quarantine(
        conn,
        at.file,
        (size, checksum),
        (&reason, signature),
        kept_at,
    )?;
    let Some(row) = quarantined else {
        return Ok(Moved::AlreadyEnded);
    };
    let message = reason.message();
    let sender = json!({
        "path": row.file_path,
        "reason": message,
        "virus": signature,
        "sha256": checksum,
        "size": size,
        "kept_at": kept_at,
    });
    let facts = Facts {
        size,
        reason: Some(&message),
    };
    let details = told.details(sender, &facts);
    audit(
        conn,
        by,
        at,
        told.action(actions::FILE_QUARANTINED),
        details,
    )?;
    file_transitions::count_ended(conn, at.session, FileStatus::Quarantined, size)?;
    let sender = match by {
        MovedBy::Actor(actor) => actor.audit_name(),
        MovedBy::Hopper(_) => "a sender (scanned after the upload)".to_owned(),
    };
    let told = notifications::VirusFound {
        company: by.company(),
        path: &row.file_path,
        signature,
        sender: &sender,
    };
    notifications::virus_found(conn, &told)?;
    Ok(Moved::Done(()))
}
