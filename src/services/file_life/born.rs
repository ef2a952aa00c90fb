//! A file's birth: an `uploading` row under its own S3 key, or a `failed` one for a file
//! refused before any byte was stored. One S3 key per version: a file's row takes its
//! plain key unless an earlier version (or an upload still running) owns it; then it gets
//! a key of its own, so older bytes are never overwritten. The unique index on owned keys
//! decides, across nodes.

use diesel::PgConnection;
use serde_json::json;

use crate::db::ids::{FileUploadId, ProjectId, SyncSessionId};
use crate::db::models::file_transitions;
use crate::db::models::file_upload::{FileUpload, NewFile};
use crate::db::models::new_file;
use crate::domain::refusal::UploadRefused;
use crate::domain::{FailReason, FileStatus, ObjectKey};
use crate::error::AppError;
use crate::services::audit::actions;
use crate::services::cycle_progress::MovedBy;

/// Inserts the `uploading` row under the first free key (the caller counts it with
/// [`started`], once for all the files of its transaction): `report.pdf`, then
/// `report.v{next id}.pdf`, then the same with a random suffix (a user's own file may be
/// called `report.v57.pdf`). Returns the row and its key.
pub(in crate::services) fn start(
    conn: &mut PgConnection,
    file: &NewFile<'_>,
    key: &ObjectKey,
) -> Result<(FileUploadId, String), AppError> {
    let mut tag: Option<String> = None;
    for attempt in 0..3 {
        let candidate = if attempt == 0 {
            key.key.clone()
        } else {
            let tag = match &tag {
                Some(tag) => tag.clone(),
                None => tag.insert(FileUpload::next_version_tag(conn)?).clone(),
            };
            let suffix = if attempt == 1 {
                tag
            } else {
                format!("{tag}-{}", uuid::Uuid::new_v4().simple())
            };
            match key.version_key(&suffix) {
                Some(versioned) => versioned,
                None => break,
            }
        };
        let row = NewFile {
            s3_key: &candidate,
            ..*file
        };
        if let Some(id) = new_file::insert_uploading(conn, &row)? {
            return Ok((id, candidate));
        }
    }
    Err(AppError::from(UploadRefused::NoFreeKey))
}

/// Inserts the `uploading` rows of many files (each with its parsed key, all in one
/// location): one statement for every file whose plain key is free, then
/// [`start`] for each of the others. Returns the ids in `files`' order.
pub(in crate::services) fn start_all(
    conn: &mut PgConnection,
    files: &[(NewFile<'_>, &ObjectKey)],
) -> Result<Vec<FileUploadId>, AppError> {
    let plain: Vec<NewFile<'_>> = files
        .iter()
        .map(|(file, key)| NewFile {
            s3_key: &key.key,
            ..*file
        })
        .collect();
    let inserted = new_file::insert_all_uploading(conn, &plain)?;
    files
        .iter()
        .zip(inserted)
        .map(|((file, key), id)| match id {
            Some(id) => Ok(id),
            None => start(conn, file, key).map(|(id, _)| id),
        })
        .collect()
}

/// Counts `n` files born in the batch (refused ones included): one UPDATE for all the
/// files a transaction started.
pub(in crate::services) fn started(
    conn: &mut PgConnection,
    session: SyncSessionId,
    n: i32,
) -> Result<(), AppError> {
    Ok(file_transitions::count_started(conn, session, n)?)
}

/// A file refused before any byte was stored (its name, request, type or size): a
/// `failed` row with the reason, counted as ended in its batch (the caller counts it
/// started), audited. `via` names the path it came by when that is not the form.
pub(in crate::services) fn refuse(
    conn: &mut PgConnection,
    by: MovedBy<'_>,
    (row, project): (&NewFile<'_>, ProjectId),
    reason: &FailReason,
    via: Option<&'static str>,
) -> Result<FileUploadId, AppError> {
    let file = new_file::insert_refused(conn, row, reason)?;
    file_transitions::count_ended(conn, row.session, FileStatus::Failed, 0)?;
    let mut details = json!({ "path": row.file_path, "reason": reason.message() });
    if let Some(via) = via {
        details["via"] = json!(via);
    }
    by.audit(actions::FILE_FAILED)
        .project(project)
        .resource("file", file)
        .details(details)
        .record(conn)?;
    Ok(file)
}
