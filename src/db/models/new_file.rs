//! A new file row: `uploading` under an S3 key no other row owns (the unique index
//! `file_uploads_key_owner` decides, across nodes), or `failed` for a file refused up
//! front. A manifest's uploads go in one statement. The inserts are a file's birth: only
//! `services::file_life` calls them (the layering check says so).

use std::collections::HashMap;

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::db::ids::{
    CompanyId, CycleId, CycleRequestId, FileUploadId, StorageLocationId, SyncSessionId,
};
use crate::db::models::file_upload::FileUpload;
use crate::db::truncate;
use crate::domain::{FailReason, FileStatus};
use crate::schema::file_uploads;

#[derive(Clone, Copy)]
pub struct NewFile<'a> {
    /// The node and boot that run the upload (none for a file refused up front).
    pub runner: Option<(&'a str, uuid::Uuid)>,
    pub session: SyncSessionId,
    pub company: CompanyId,
    pub location: StorageLocationId,
    pub cycle: CycleId,
    pub file_path: &'a str,
    pub s3_key: &'a str,
    pub request: Option<CycleRequestId>,
}

#[derive(Insertable)]
#[diesel(table_name = file_uploads)]
struct FileRow<'a> {
    session_id: SyncSessionId,
    company_id: CompanyId,
    cycle_id: CycleId,
    storage_location_id: StorageLocationId,
    node_id: Option<&'a str>,
    boot_id: Option<uuid::Uuid>,
    file_path: String,
    s3_key: String,
    status: FileStatus,
    error_message: Option<String>,
    refusal: Option<serde_json::Value>,
    request_id: Option<CycleRequestId>,
}

impl<'a> NewFile<'a> {
    fn row(&self, status: FileStatus, error: Option<&FailReason>) -> FileRow<'a> {
        FileRow {
            session_id: self.session,
            company_id: self.company,
            cycle_id: self.cycle,
            storage_location_id: self.location,
            node_id: self.runner.map(|(node, _)| node),
            boot_id: self.runner.map(|(_, boot)| boot),
            file_path: truncate(self.file_path, 1024),
            s3_key: truncate(self.s3_key, 1024),
            status,
            error_message: error.map(|e| truncate(&e.message(), 500)),
            refusal: error.and_then(FailReason::stored),
            request_id: self.request,
        }
    }
}

/// Rows per INSERT: PostgreSQL takes at most 65,535 bound values in one statement, and a
/// manifest may hold more files than that allows (11 values each here, 16 for tus rows).
pub const ROWS_PER_STATEMENT: usize = 1_000;

/// The predicate of `file_uploads_key_owner` (migration 12), for `ON CONFLICT` to name that
/// index. Written out, not bound: PostgreSQL infers the index from the statement's text
/// when it parses it, and a parameter there names no index.
fn owns_its_key() -> diesel::expression::SqlLiteral<Bool> {
    sql::<Bool>("owns_key AND status IN ('uploading', 'completed') AND s3_key <> ''")
}

/// A `failed` row for a file refused before any byte was stored.
pub fn insert_refused(
    conn: &mut PgConnection,
    new: &NewFile<'_>,
    reason: &FailReason,
) -> QueryResult<FileUploadId> {
    diesel::insert_into(file_uploads::table)
        .values(new.row(FileStatus::Failed, Some(reason)))
        .returning(file_uploads::id)
        .get_result(conn)
}

/// An `uploading` row under `new.s3_key`, unless another uploading or completed row of
/// the location owns that key (`None`). `ON CONFLICT DO NOTHING` on the owners' unique
/// index: two nodes cannot both take a key, and no savepoint is needed to find out.
pub fn insert_uploading(
    conn: &mut PgConnection,
    new: &NewFile<'_>,
) -> QueryResult<Option<FileUploadId>> {
    diesel::insert_into(file_uploads::table)
        .values(new.row(FileStatus::Uploading, None))
        .on_conflict((file_uploads::storage_location_id, file_uploads::s3_key))
        .filter_target(owns_its_key())
        .do_nothing()
        .returning(file_uploads::id)
        .get_result(conn)
        .optional()
}

/// `uploading` rows for many files in one statement; each gets its key unless another
/// row owns it (or an earlier one of `new` took it). Returns, in `new`'s order, each
/// row's id or `None` where the key was taken.
pub fn insert_all_uploading(
    conn: &mut PgConnection,
    new: &[NewFile<'_>],
) -> QueryResult<Vec<Option<FileUploadId>>> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<FileRow<'_>> = new
        .iter()
        .map(|file| file.row(FileStatus::Uploading, None))
        .collect();
    let mut by_key: HashMap<(StorageLocationId, String), FileUploadId> = HashMap::new();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let inserted: Vec<(FileUploadId, StorageLocationId, String)> =
            diesel::insert_into(file_uploads::table)
                .values(chunk)
                .on_conflict((file_uploads::storage_location_id, file_uploads::s3_key))
                .filter_target(owns_its_key())
                .do_nothing()
                .returning((
                    file_uploads::id,
                    file_uploads::storage_location_id,
                    file_uploads::s3_key,
                ))
                .get_results(conn)?;
        // An inserted row owns its key in its location (the unique index says so, and
        // no key is empty): the two tell which file it is, and no entry is overwritten.
        by_key.extend(
            inserted
                .into_iter()
                .map(|(id, location, key)| ((location, key), id)),
        );
    }
    Ok(rows
        .into_iter()
        .map(|row| by_key.remove(&(row.storage_location_id, row.s3_key)))
        .collect())
}

impl FileUpload {
    /// The id the next row will get (for a version key chosen before the insert).
    pub fn next_version_tag(conn: &mut PgConnection) -> QueryResult<String> {
        #[derive(QueryableByName)]
        struct Next {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let next: Next =
            diesel::sql_query("SELECT nextval(pg_get_serial_sequence('file_uploads', 'id')) AS n")
                .get_result(conn)?;
        Ok(next.n.to_string())
    }
}
