//! After its end: a stored file deleted by an admin. The row stays (with its path, size
//! and checksum), marked deleted, and is nobody's current version any more; the next
//! deletions (retention's, with a tombstone; erasure) and what blocks them (legal hold)
//! belong here.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde_json::json;

use crate::db::ids::ProjectId;
use crate::db::models::file_transitions;
use crate::db::models::file_upload::FileUpload;
use crate::error::AppError;
use crate::services::audit::actions;
use crate::services::cycle_progress::MovedBy;
use crate::services::file_life::Moved;

/// Deletes `file` of `project` at `now` (`AlreadyEnded`: it already was deleted).
pub(in crate::services) fn delete(
    conn: &mut PgConnection,
    by: MovedBy<'_>,
    (file, project): (&FileUpload, ProjectId),
    now: DateTime<Utc>,
) -> Result<Moved, AppError> {
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
