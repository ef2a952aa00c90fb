//! What a cycle already holds, looked up for all of a manifest's files in one statement
//! each: a manifest of a thousand files asked once per file, one after the other, before
//! any of its bytes could move.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::ids::{CycleId, FileUploadId};
use crate::db::models::file_upload::{status_is, FileUpload};
use crate::domain::FileStatus;
use crate::schema::file_uploads;

/// The current version of each of `paths` in the cycle and its checksum, by path (by the
/// index on current paths).
pub fn current_versions(
    conn: &mut PgConnection,
    cycle: CycleId,
    paths: &[String],
) -> QueryResult<HashMap<String, (FileUploadId, Option<String>)>> {
    let rows: Vec<(String, FileUploadId, Option<String>)> = file_uploads::table
        .filter(file_uploads::cycle_id.eq(cycle))
        .filter(file_uploads::file_path.eq_any(paths))
        .filter(status_is(FileStatus::Completed))
        .filter(file_uploads::replaced_by.is_null())
        .filter(file_uploads::deleted_at.is_null())
        .select((
            file_uploads::file_path,
            file_uploads::id,
            file_uploads::checksum,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(path, id, checksum)| (path, (id, checksum)))
        .collect())
}

/// The completed copy of each of `checksums` in the cycle (the first stored, as
/// [`FileUpload::completed_copy`] picks it), by lower-case checksum.
pub fn completed_copies(
    conn: &mut PgConnection,
    cycle: CycleId,
    checksums: &[String],
) -> QueryResult<HashMap<String, FileUpload>> {
    let wanted: Vec<String> = checksums.iter().map(|c| c.to_ascii_lowercase()).collect();
    let copies: Vec<FileUpload> = file_uploads::table
        .filter(file_uploads::cycle_id.eq(cycle))
        .filter(file_uploads::checksum.eq_any(&wanted))
        .filter(status_is(FileStatus::Completed))
        .filter(file_uploads::replaced_by.is_null())
        .filter(file_uploads::deleted_at.is_null())
        .select(FileUpload::as_select())
        .load(conn)?;
    let mut first: HashMap<String, FileUpload> = HashMap::new();
    for copy in copies {
        let Some(checksum) = copy.checksum.clone() else {
            continue;
        };
        match first.get(&checksum) {
            Some(kept) if kept.id < copy.id => {}
            _ => {
                first.insert(checksum, copy);
            }
        }
    }
    Ok(first)
}
