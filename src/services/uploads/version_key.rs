//! One S3 key per version: a file's row takes its plain key unless an earlier version (or
//! an upload still running) owns it; then it gets a key of its own, so older bytes are
//! never overwritten. The unique index on owned keys decides, across nodes.

use diesel::PgConnection;

use crate::db::ids::FileUploadId;
use crate::db::models::file_upload::{FileUpload, NewFile};
use crate::domain::ObjectKey;
use crate::error::AppError;

/// Inserts the `uploading` row under the first free key: `report.pdf`, then
/// `report.v{next id}.pdf`, then the same with a random suffix (a user's own file may be
/// called `report.v57.pdf`). Returns the row and its key.
pub(super) fn insert_with_own_key(
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
        if let Some(id) = FileUpload::insert_uploading(conn, &row)? {
            return Ok((id, candidate));
        }
    }
    Err(AppError::Conflict(
        "No free S3 key is left for a new version of this file; rename it and send it again."
            .into(),
    ))
}

/// Inserts the `uploading` rows of many files (each with its parsed key, all in one
/// location): one statement for every file whose plain key is free, then
/// [`insert_with_own_key`] for each of the others. Returns the ids in `files`' order.
pub(super) fn insert_all_with_own_keys(
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
    let inserted = FileUpload::insert_all_uploading(conn, &plain)?;
    files
        .iter()
        .zip(inserted)
        .map(|((file, key), id)| match id {
            Some(id) => Ok(id),
            None => insert_with_own_key(conn, file, key).map(|(id, _)| id),
        })
        .collect()
}
