//! After its end: a stored file deleted. An admin's delete keeps the row (with its path,
//! size and checksum), marked deleted, and is nobody's current version any more.
//! Retention's deletion makes the row a tombstone (when, why) and deletes its bytes in
//! two steps: the decision ([`retire`]) is committed first, then S3 is asked, and
//! [`bytes_gone`] records its answer; a failure in between leaves a tombstone whose bytes
//! the next run deletes. A legal hold over the file blocks every one of them.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde_json::json;

use crate::db::ids::ProjectId;
use crate::db::models::file_transitions;
use crate::db::models::file_upload::FileUpload;
use crate::db::models::legal_hold::Covered;
use crate::error::AppError;
use crate::services::audit::actions;
use crate::services::cycle_progress::MovedBy;
use crate::services::file_life::Moved;
use crate::services::legal_holds;

/// Refuses, with the hold's sentence, when a legal hold covers `file`.
fn refuse_if_held(
    conn: &mut PgConnection,
    (file, project): (&FileUpload, ProjectId),
) -> Result<(), AppError> {
    let covered = match file.cycle_id {
        Some(cycle) => Covered::Cycle(project, cycle),
        None => Covered::Project(project),
    };
    legal_holds::refuse_file_if_held(conn, file.company_id, covered)
}

/// Deletes `file` of `project` at `now` (`AlreadyEnded`: it already was deleted).
pub(in crate::services) fn delete(
    conn: &mut PgConnection,
    by: MovedBy<'_>,
    (file, project): (&FileUpload, ProjectId),
    now: DateTime<Utc>,
) -> Result<Moved, AppError> {
    refuse_if_held(conn, (file, project))?;
    if !file_transitions::mark_deleted(conn, file.id, now)? {
        return Ok(Moved::AlreadyEnded);
    }
    by.audit(actions::FILE_DELETED)
        .project(project)
        .resource("file", file.id)
        .details(json!({
            "path": file.file_path,
            "before": { "deleted_at": null },
            "after": { "deleted_at": now },
        }))
        .record(conn)?;
    Ok(Moved::Done(()))
}

/// Retention decides `file`'s bytes go, `why`: the row becomes a tombstone (and leaves
/// lists); its object is deleted after this commits (`AlreadyEnded`: it was retired).
pub(in crate::services) fn retire(
    conn: &mut PgConnection,
    by: MovedBy<'_>,
    (file, project): (&FileUpload, ProjectId),
    now: DateTime<Utc>,
    why: &str,
) -> Result<Moved, AppError> {
    refuse_if_held(conn, (file, project))?;
    if !file_transitions::mark_retired(conn, file.id, now, why)? {
        return Ok(Moved::AlreadyEnded);
    }
    by.audit(actions::FILE_RETENTION_DELETED)
        .project(project)
        .resource("file", file.id)
        .details(json!({
            "path": file.file_path,
            "size": file.file_size,
            "sha256": file.checksum,
            "why": why,
            "before": { "retired_at": null, "deleted_at": file.deleted_at },
            "after": { "retired_at": now, "deleted_at": file.deleted_at.unwrap_or(now) },
        }))
        .record(conn)?;
    Ok(Moved::Done(()))
}

/// The retired file's object is gone from S3 (or never was its own to delete).
pub(in crate::services) fn bytes_gone(
    conn: &mut PgConnection,
    by: MovedBy<'_>,
    (file, project): (&FileUpload, ProjectId),
    now: DateTime<Utc>,
    object_deleted: bool,
) -> Result<Moved, AppError> {
    if !file_transitions::mark_bytes_deleted(conn, file.id, now)? {
        return Ok(Moved::AlreadyEnded);
    }
    by.audit(actions::FILE_BYTES_DELETED)
        .project(project)
        .resource("file", file.id)
        .details(json!({
            "path": file.file_path,
            "s3_key": file.s3_key,
            // False: an older Hopper's newer version had overwritten this file's bytes,
            // and that version's row owns the object.
            "object_deleted": object_deleted,
            "before": { "bytes_deleted_at": null },
            "after": { "bytes_deleted_at": now },
        }))
        .record(conn)?;
    Ok(Moved::Done(()))
}
