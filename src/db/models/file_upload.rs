use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::advisory_lock::lock_until_commit;
use crate::db::ids::{
    CompanyId, CycleId, CycleRequestId, FileUploadId, StorageLocationId, SyncSessionId,
};
use crate::db::models::storage_location::StorageLocation;
use crate::domain::FileStatus;
use crate::schema::file_uploads;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = file_uploads, check_for_backend(diesel::pg::Pg))]
pub struct FileUpload {
    pub id: FileUploadId,
    pub session_id: SyncSessionId,
    pub company_id: CompanyId,
    pub cycle_id: Option<CycleId>,
    pub file_path: String,
    pub s3_key: String,
    pub file_size: Option<i64>,
    pub checksum: Option<String>,
    pub status: FileStatus,
    pub error_message: Option<String>,
    pub uploaded_at: Option<DateTime<Utc>>,
    pub is_duplicate: Option<bool>,
    pub duplicate_of: Option<FileUploadId>,
    pub replaced_by: Option<FileUploadId>,
    pub s3_upload_id: Option<String>,
    pub content_type: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// Where the bytes went; never the project's current setting.
    pub storage_location_id: StorageLocationId,
    /// Set once Hopper decided to complete the object (see `claim_content`).
    pub completing_since: Option<DateTime<Utc>>,
    /// The object at `s3_key` is this row's own (false for rows whose bytes an older
    /// Hopper overwrote with a newer version).
    pub owns_key: bool,
    /// The request this file fulfils (`None`: "other").
    pub request_id: Option<CycleRequestId>,
    /// The refusal behind `error_message`, for saying it in another language
    /// ([`crate::domain::StoredRefusal`]).
    pub refusal: Option<serde_json::Value>,
    /// Retention decided to delete this file's bytes (the tombstone's "when")…
    pub retired_at: Option<DateTime<Utc>>,
    /// …and why, in a sentence.
    pub retired_reason: Option<String>,
    /// S3 confirmed the object gone (`None` with `retired_at` set: the next run retries).
    pub bytes_deleted_at: Option<DateTime<Utc>>,
    /// What the virus scan said (`clean`, `infected`, `too_large`); `None`: not scanned.
    pub scan_result: Option<String>,
    /// The signature clamd found (a quarantined file's).
    pub virus_name: Option<String>,
    /// Where a quarantined file's bytes are kept (the operator keeps them); `None`: discarded.
    pub quarantine_key: Option<String>,
}

pub use super::file_status_filter::{status_is, StatusIs};
pub use super::new_file::NewFile;

impl FileUpload {
    /// Stored, not deleted: it can be downloaded.
    pub fn is_downloadable(&self) -> bool {
        self.status.is_completed() && self.deleted_at.is_none()
    }

    pub fn find_in_company(
        conn: &mut PgConnection,
        company: CompanyId,
        id: FileUploadId,
    ) -> QueryResult<Option<FileUpload>> {
        file_uploads::table
            .filter(file_uploads::id.eq(id))
            .filter(file_uploads::company_id.eq(company))
            .select(FileUpload::as_select())
            .first(conn)
            .optional()
    }

    pub fn for_session(
        conn: &mut PgConnection,
        session: SyncSessionId,
    ) -> QueryResult<Vec<FileUpload>> {
        file_uploads::table
            .filter(file_uploads::session_id.eq(session))
            .order(file_uploads::id.asc())
            .select(FileUpload::as_select())
            .load(conn)
    }

    /// Records the S3 multipart upload id while it runs, and marks progress.
    pub fn set_upload_id(
        conn: &mut PgConnection,
        id: FileUploadId,
        upload_id: Option<&str>,
    ) -> QueryResult<()> {
        diesel::update(file_uploads::table.find(id))
            .set(file_uploads::s3_upload_id.eq(upload_id))
            .execute(conn)
            .map(|_| ())
    }

    /// The file of the cycle that holds (or, still uploading, has claimed) this content,
    /// if any. Called under [`FileUpload::lock_content`].
    pub fn find_copy_or_claim(
        conn: &mut PgConnection,
        cycle: CycleId,
        checksum: &str,
        except: FileUploadId,
    ) -> QueryResult<Option<FileUpload>> {
        // Two lookups, each answered by its partial index on (checksum, cycle): as one
        // query with `stored OR claimed` and an ORDER BY id the planner walked every row
        // of the cycle (or of the table), once per file. As the two arms of one UNION ALL
        // each keeps its index, and both read one snapshot: a claim that completes
        // meanwhile is seen as one or the other, never missed by both.
        let claims = file_uploads::table
            .filter(file_uploads::cycle_id.eq(cycle))
            .filter(file_uploads::checksum.eq(checksum))
            .filter(status_is(FileStatus::Uploading))
            .filter(file_uploads::id.ne(except))
            .select(FileUpload::as_select());
        let found: Vec<FileUpload> = claims.union_all(Self::stored(cycle, checksum)).load(conn)?;
        let (stored, claims): (Vec<_>, Vec<_>) = found
            .into_iter()
            .filter(|f| f.id != except)
            .partition(|f| f.status.is_completed());
        let first = |files: Vec<FileUpload>| files.into_iter().min_by_key(|f| f.id);
        Ok(first(stored).or_else(|| first(claims)))
    }

    /// Refreshes the planner's statistics when they are stale by autovacuum's rule
    /// (migration 23). Whether they were.
    pub fn refresh_statistics(conn: &mut PgConnection) -> QueryResult<bool> {
        diesel::select(crate::db::sql_functions::file_uploads_refresh_statistics()).get_result(conn)
    }

    /// The stored, current copy of a content in a cycle, if there is one.
    pub fn completed_copy(
        conn: &mut PgConnection,
        cycle: CycleId,
        checksum: &str,
    ) -> QueryResult<Option<FileUpload>> {
        // Loaded whole and the first picked here (there is one, or a few while a
        // replacement lands): with ORDER BY id LIMIT 1 the planner may walk the primary key.
        let copies: Vec<FileUpload> = Self::stored(cycle, checksum).load(conn)?;
        Ok(copies.into_iter().min_by_key(|f| f.id))
    }

    /// The stored, current copies of a content in a cycle.
    #[diesel::dsl::auto_type(no_type_alias)]
    fn stored(cycle: CycleId, checksum: &str) -> _ {
        let lower: String = checksum.to_ascii_lowercase();
        let completed: StatusIs = status_is(FileStatus::Completed);
        let selection: diesel::dsl::AsSelect<FileUpload, diesel::pg::Pg> = FileUpload::as_select();
        file_uploads::table
            .filter(file_uploads::cycle_id.eq(cycle))
            .filter(file_uploads::checksum.eq(lower))
            .filter(completed)
            .filter(file_uploads::replaced_by.is_null())
            .filter(file_uploads::deleted_at.is_null())
            .select(selection)
    }

    /// Serialises every decision about one content in one cycle (across nodes) until the
    /// transaction ends: two uploads of the same bytes cannot both decide to keep them.
    pub fn lock_content(
        conn: &mut PgConnection,
        cycle: CycleId,
        checksum: &str,
    ) -> QueryResult<()> {
        lock_until_commit(conn, &format!("hopper.content:{cycle}:{checksum}"))
    }

    /// The file while it is in `status`, with the location its bytes went to and its
    /// project's id and review rule: what a sweep that settles a stored object needs.
    pub fn with_place(
        conn: &mut PgConnection,
        id: FileUploadId,
        status: FileStatus,
    ) -> QueryResult<Option<(FileUpload, StorageLocation, crate::db::ids::ProjectId, bool)>> {
        use crate::schema::{projects, storage_locations, sync_sessions};
        file_uploads::table
            .inner_join(storage_locations::table)
            .inner_join(sync_sessions::table.inner_join(projects::table))
            .filter(file_uploads::id.eq(id))
            .filter(file_uploads::status.eq(status))
            .select((
                FileUpload::as_select(),
                StorageLocation::as_select(),
                projects::id,
                projects::review_uploads,
            ))
            .first(conn)
            .optional()
    }
}
