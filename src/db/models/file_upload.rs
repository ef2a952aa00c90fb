use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::advisory_lock::lock_until_commit;
use crate::db::ids::{
    CompanyId, CycleId, CycleRequestId, FileUploadId, StorageLocationId, SyncSessionId,
};
use crate::db::kept_prepared::KeptPrepared;
use crate::db::truncate;
use crate::domain::{FileStatus, ReviewStatus};
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
    pub review_status: Option<ReviewStatus>,
    pub review_reason: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
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
}

/// The row, only while it is still uploading: every status change is a guarded
/// transition, so a row the reaper failed never moves again.
pub use super::file_status_filter::{status_is, StatusIs};
pub use super::new_file::NewFile;

fn still_uploading(
    id: FileUploadId,
) -> diesel::dsl::Filter<
    diesel::dsl::Find<file_uploads::table, FileUploadId>,
    diesel::dsl::Eq<file_uploads::status, FileStatus>,
> {
    file_uploads::table
        .find(id)
        .filter(file_uploads::status.eq(FileStatus::Uploading))
}

impl FileUpload {
    /// Stored, not deleted: it can be downloaded.
    pub fn is_downloadable(&self) -> bool {
        self.status.is_completed() && self.deleted_at.is_none()
    }

    pub fn awaits_review(&self) -> bool {
        self.review_status == Some(ReviewStatus::Pending)
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

    /// Progress: the reaper leaves rows alone while this moves.
    /// Progress: the upload is alive, and this many bytes have arrived (what a failed
    /// row then records, rather than 0).
    pub fn touch(conn: &mut PgConnection, id: FileUploadId, received: i64) -> QueryResult<()> {
        diesel::update(still_uploading(id))
            .set((
                file_uploads::updated_at.eq(diesel::dsl::now),
                file_uploads::file_size.eq(received),
            ))
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

    /// The file's content is now this one's to store: the checksum on the uploading row is
    /// the claim other uploads of the same bytes see, and, with its size and
    /// `completing_since`, the intent the reconciler checks the object against should the
    /// node die (or the commit fail) after S3 stored it.
    pub fn claim_content(
        conn: &mut PgConnection,
        id: FileUploadId,
        checksum: &str,
        size: i64,
        content_type: &str,
    ) -> QueryResult<bool> {
        KeptPrepared(
            diesel::update(still_uploading(id))
                .set((
                    file_uploads::checksum.eq(checksum),
                    file_uploads::file_size.eq(size),
                    file_uploads::content_type.eq(content_type),
                    file_uploads::completing_since.eq(diesel::dsl::now),
                    file_uploads::updated_at.eq(diesel::dsl::now),
                ))
                .returning(file_uploads::id),
        )
        .load::<FileUploadId>(conn)
        .map(|rows| !rows.is_empty())
    }

    pub fn mark_completed(
        conn: &mut PgConnection,
        id: FileUploadId,
        size: i64,
        checksum: &str,
        content_type: &str,
        review_pending: bool,
    ) -> QueryResult<Option<FileUpload>> {
        // Only an uploading row completes: one the reaper already failed never moves back.
        let Some(row): Option<FileUpload> = KeptPrepared(
            diesel::update(still_uploading(id))
                .set((
                    file_uploads::status.eq(FileStatus::Completed),
                    file_uploads::file_size.eq(size),
                    file_uploads::checksum.eq(checksum),
                    file_uploads::content_type.eq(content_type),
                    file_uploads::uploaded_at.eq(diesel::dsl::now),
                    file_uploads::s3_upload_id.eq(None::<String>),
                    file_uploads::review_status.eq(review_pending.then_some(ReviewStatus::Pending)),
                ))
                .returning(FileUpload::as_returning()),
        )
        .get_result(conn)
        .optional()?
        else {
            return Ok(None);
        };
        // A new version of the same path: older ones stay, with their own bytes. Versions
        // of one path complete one at a time, so exactly one is the current one.
        if let Some(cycle) = row.cycle_id {
            lock_until_commit(conn, &format!("hopper.path:{cycle}:{}", row.file_path))?;
            KeptPrepared(
                diesel::update(
                    file_uploads::table
                        .filter(file_uploads::cycle_id.eq(cycle))
                        .filter(file_uploads::file_path.eq(&row.file_path))
                        .filter(status_is(FileStatus::Completed))
                        .filter(file_uploads::replaced_by.is_null())
                        // A deleted version is not current either; with this the lookup is
                        // the current-path index's.
                        .filter(file_uploads::deleted_at.is_null())
                        .filter(file_uploads::id.ne(id)),
                )
                .set(file_uploads::replaced_by.eq(id))
                .returning(file_uploads::id),
            )
            .load::<FileUploadId>(conn)?;
        }
        Ok(Some(row))
    }

    pub fn mark_skipped(
        conn: &mut PgConnection,
        id: FileUploadId,
        size: i64,
        checksum: &str,
        duplicate_of: FileUploadId,
    ) -> QueryResult<bool> {
        diesel::update(still_uploading(id))
            .set((
                file_uploads::status.eq(FileStatus::Skipped),
                file_uploads::is_duplicate.eq(true),
                file_uploads::duplicate_of.eq(duplicate_of),
                file_uploads::file_size.eq(size),
                file_uploads::checksum.eq(checksum),
            ))
            .execute(conn)
            .map(|n| n > 0)
    }

    /// Fails an `uploading` row; false when it had already ended (e.g. the reaper won).
    /// The upload id stays until the multipart upload is known to be aborted.
    pub fn mark_failed(
        conn: &mut PgConnection,
        id: FileUploadId,
        size: i64,
        reason: &str,
    ) -> QueryResult<bool> {
        diesel::update(still_uploading(id))
            .set((
                file_uploads::status.eq(FileStatus::Failed),
                file_uploads::file_size.eq(size),
                file_uploads::error_message.eq(truncate(reason, 500)),
            ))
            .execute(conn)
            .map(|n| n > 0)
    }
}
