//! Every write of a file row's state after its birth (see `new_file` for that), and of the
//! batch counters that move with it. Each UPDATE is guarded by the table of a file's life
//! ([`FileStatus::reached_from`]): a row moves only from a state that leads to its target,
//! so a row the reaper failed never completes, and a completed one never fails. Only
//! `services::file_life` calls these (the layering check says so); it pairs each with the
//! batch's counters, the request and the audit row, in one transaction.

use diesel::prelude::*;

use crate::db::advisory_lock::lock_until_commit;
use crate::db::ids::{FileUploadId, SyncSessionId};
use crate::db::kept_prepared::KeptPrepared;
use crate::db::models::file_upload::{status_is, FileUpload};
use crate::db::truncate;
use crate::domain::{FailReason, FileStatus};
use crate::schema::{file_uploads, sync_sessions};

/// The row, only while it may move to `to`.
fn movable_to(
    id: FileUploadId,
    to: FileStatus,
) -> diesel::dsl::Filter<
    diesel::dsl::Find<file_uploads::table, FileUploadId>,
    diesel::dsl::EqAny<file_uploads::status, Vec<FileStatus>>,
> {
    file_uploads::table
        .find(id)
        .filter(file_uploads::status.eq_any(to.reached_from().to_vec()))
}

/// The row, only while it is still uploading (progress and intent keep it there).
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

/// Progress: the upload is alive (the reaper leaves rows alone while `updated_at` moves),
/// and this many bytes have arrived (what a failed row then records, rather than 0).
pub fn touch(conn: &mut PgConnection, id: FileUploadId, received: i64) -> QueryResult<()> {
    diesel::update(still_uploading(id))
        .set((
            file_uploads::updated_at.eq(diesel::dsl::now),
            file_uploads::file_size.eq(received),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The file's content is now this one's to store: the checksum on the uploading row is
/// the claim other uploads of the same bytes see, and, with its size and
/// `completing_since`, the intent the reconciler checks the object against should the
/// node die (or the commit fail) after S3 stored it. False when the row had ended.
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

/// What a completed file is: its size, checksum and kind.
pub struct StoredFile<'a> {
    pub size: i64,
    pub checksum: &'a str,
    pub content_type: &'a str,
}

/// Completes the row (`None` when it had already ended) and makes it its path's current
/// version.
pub fn complete(
    conn: &mut PgConnection,
    id: FileUploadId,
    stored: &StoredFile<'_>,
    scan_result: Option<&str>,
) -> QueryResult<Option<FileUpload>> {
    let Some(row): Option<FileUpload> = KeptPrepared(
        diesel::update(movable_to(id, FileStatus::Completed))
            .set((
                file_uploads::status.eq(FileStatus::Completed),
                file_uploads::file_size.eq(stored.size),
                file_uploads::checksum.eq(stored.checksum),
                file_uploads::content_type.eq(stored.content_type),
                file_uploads::uploaded_at.eq(diesel::dsl::now),
                file_uploads::s3_upload_id.eq(None::<String>),
                file_uploads::scan_result.eq(scan_result),
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

/// The bytes are stored but not yet scanned: the row waits in `scanning` (not its path's
/// version, not downloadable) until the scanner's verdict moves it on. `None` when it had
/// already ended.
pub fn hold_for_scan(
    conn: &mut PgConnection,
    id: FileUploadId,
    stored: &StoredFile<'_>,
) -> QueryResult<Option<FileUpload>> {
    diesel::update(movable_to(id, FileStatus::Scanning))
        .set((
            file_uploads::status.eq(FileStatus::Scanning),
            file_uploads::file_size.eq(stored.size),
            file_uploads::checksum.eq(stored.checksum),
            file_uploads::content_type.eq(stored.content_type),
            file_uploads::s3_upload_id.eq(None::<String>),
        ))
        .returning(FileUpload::as_returning())
        .get_result(conn)
        .optional()
}

/// A virus was found: the row ends `quarantined` with the signature's name, its bytes
/// never stored, deleted, or kept at `kept_at`. `None` when it had already ended.
pub fn quarantine(
    conn: &mut PgConnection,
    id: FileUploadId,
    (size, checksum): (i64, &str),
    (reason, signature): (&FailReason, &str),
    kept_at: Option<&str>,
) -> QueryResult<Option<FileUpload>> {
    diesel::update(movable_to(id, FileStatus::Quarantined))
        .set((
            file_uploads::status.eq(FileStatus::Quarantined),
            file_uploads::file_size.eq(size),
            file_uploads::checksum.eq(checksum),
            file_uploads::error_message.eq(truncate(&reason.message(), 500)),
            file_uploads::refusal.eq(reason.stored()),
            file_uploads::scan_result.eq("infected"),
            file_uploads::virus_name.eq(truncate(signature, 200)),
            file_uploads::quarantine_key.eq(kept_at),
        ))
        .returning(FileUpload::as_returning())
        .get_result(conn)
        .optional()
}

/// Marks the row a duplicate of `original`; false when it had already ended.
pub fn skip(
    conn: &mut PgConnection,
    id: FileUploadId,
    size: i64,
    checksum: &str,
    original: FileUploadId,
) -> QueryResult<bool> {
    diesel::update(movable_to(id, FileStatus::Skipped))
        .set((
            file_uploads::status.eq(FileStatus::Skipped),
            file_uploads::is_duplicate.eq(true),
            file_uploads::duplicate_of.eq(original),
            file_uploads::file_size.eq(size),
            file_uploads::checksum.eq(checksum),
        ))
        .execute(conn)
        .map(|n| n > 0)
}

/// Fails the row; false when it had already ended (e.g. the reaper won). The upload id
/// stays until the multipart upload is known to be aborted.
pub fn fail(
    conn: &mut PgConnection,
    id: FileUploadId,
    size: i64,
    reason: &FailReason,
) -> QueryResult<bool> {
    diesel::update(movable_to(id, FileStatus::Failed))
        .set((
            file_uploads::status.eq(FileStatus::Failed),
            file_uploads::file_size.eq(size),
            file_uploads::error_message.eq(truncate(&reason.message(), 500)),
            file_uploads::refusal.eq(reason.stored()),
        ))
        .execute(conn)
        .map(|n| n > 0)
}

/// Counts `n` files started in the batch (a manifest starts many in one transaction:
/// one UPDATE for all, not a new row version per file).
pub fn count_started(conn: &mut PgConnection, session: SyncSessionId, n: i32) -> QueryResult<()> {
    KeptPrepared(
        diesel::update(sync_sessions::table.find(session))
            .set(sync_sessions::total_files.eq(sync_sessions::total_files + n))
            .returning(sync_sessions::id),
    )
    .load::<SyncSessionId>(conn)
    .map(|_| ())
}

/// Counts a file that reached `ended` (a final state); called in the transaction that
/// moved it. Returns how many files the batch has stored now. One statement whatever the
/// state (the other counters move by 0), so one prepared statement serves all of them.
pub fn count_ended(
    conn: &mut PgConnection,
    session: SyncSessionId,
    ended: FileStatus,
    size: i64,
) -> QueryResult<i32> {
    let one_if = |counted: FileStatus| i32::from(ended == counted);
    let stored_size = if ended == FileStatus::Completed {
        size
    } else {
        0
    };
    KeptPrepared(
        diesel::update(sync_sessions::table.find(session))
            .set((
                sync_sessions::total_size_bytes.eq(sync_sessions::total_size_bytes + size),
                sync_sessions::files_uploaded
                    .eq(sync_sessions::files_uploaded + one_if(FileStatus::Completed)),
                sync_sessions::uploaded_size_bytes
                    .eq(sync_sessions::uploaded_size_bytes + stored_size),
                sync_sessions::files_skipped
                    .eq(sync_sessions::files_skipped + one_if(FileStatus::Skipped)),
                // A quarantined file is one the batch did not store: a failed one.
                sync_sessions::files_failed.eq(sync_sessions::files_failed
                    + i32::from(ended.is_failed() || ended.is_quarantined())),
            ))
            .returning(sync_sessions::files_uploaded),
    )
    .get_result::<Option<i32>>(conn)
    .map(|stored| stored.unwrap_or(0))
}

/// Marks a stored file deleted at `now`; false when it already was.
pub fn mark_deleted(
    conn: &mut PgConnection,
    id: FileUploadId,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<bool> {
    diesel::update(
        file_uploads::table
            .find(id)
            .filter(file_uploads::deleted_at.is_null()),
    )
    .set(file_uploads::deleted_at.eq(now))
    .execute(conn)
    .map(|n| n > 0)
}

/// Retention's decision: the row becomes a tombstone (`retired_at`, why), leaves lists as
/// a deleted file does, and its bytes are to be deleted. False when it already was.
pub fn mark_retired(
    conn: &mut PgConnection,
    id: FileUploadId,
    now: chrono::DateTime<chrono::Utc>,
    reason: &str,
) -> QueryResult<bool> {
    diesel::update(
        file_uploads::table
            .find(id)
            .filter(file_uploads::retired_at.is_null()),
    )
    .set((
        file_uploads::retired_at.eq(now),
        file_uploads::retired_reason.eq(truncate(reason, 500)),
        file_uploads::deleted_at.eq(crate::db::sql_functions::coalesce_moment(
            file_uploads::deleted_at,
            now,
        )),
    ))
    .execute(conn)
    .map(|n| n > 0)
}

/// The tombstone's bytes are gone from S3 (at `now`); false when that was already noted.
pub fn mark_bytes_deleted(
    conn: &mut PgConnection,
    id: FileUploadId,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<bool> {
    diesel::update(
        file_uploads::table
            .find(id)
            .filter(file_uploads::retired_at.is_not_null())
            .filter(file_uploads::bytes_deleted_at.is_null()),
    )
    .set(file_uploads::bytes_deleted_at.eq(now))
    .execute(conn)
    .map(|n| n > 0)
}
