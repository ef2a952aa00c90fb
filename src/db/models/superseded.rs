//! Which files a newer one supersedes. A request that takes one file counts only its
//! newest current file: every earlier file sent for it is superseded, "replaced by" the
//! newest, on every page that lists it (so a rejected file is never shown beside its
//! replacement as if both stood). A request that takes several files supersedes none of
//! them (each is a part of it). Apart from this, a file sent again under the same path is
//! replaced by its new version (`replaced_by`), as it always was.

use diesel::prelude::*;

use crate::db::ids::{CompanyId, CycleRequestId, FileUploadId};
use crate::db::models::file_upload::{self, FileUpload};
use crate::domain::FileStatus;
use crate::schema::{cycle_requests, file_uploads};

/// The newest current file of each single-file request.
#[derive(Debug, Clone, Default)]
pub struct Newest(Vec<(CycleRequestId, FileUploadId, String)>);

impl Newest {
    /// Of these requests (of `company`), in one query.
    pub fn of_requests(
        conn: &mut PgConnection,
        company: CompanyId,
        requests: &[CycleRequestId],
    ) -> QueryResult<Newest> {
        let rows = file_uploads::table
            .inner_join(cycle_requests::table)
            .filter(file_uploads::company_id.eq(company))
            .filter(cycle_requests::company_id.eq(company))
            .filter(file_uploads::request_id.eq_any(requests))
            .filter(cycle_requests::multiple_files.eq(false))
            .filter(file_upload::status_is(FileStatus::Completed))
            .filter(file_uploads::replaced_by.is_null())
            .filter(file_uploads::deleted_at.is_null())
            .order((file_uploads::request_id, file_uploads::id.desc()))
            .distinct_on(file_uploads::request_id)
            .select((
                file_uploads::request_id.assume_not_null(),
                file_uploads::id,
                file_uploads::file_path,
            ))
            .load(conn)?;
        Ok(Newest(rows))
    }

    /// The newest files of the requests in `files` (the files of one batch, or of a page).
    pub fn of_files(
        conn: &mut PgConnection,
        company: CompanyId,
        files: &[FileUpload],
    ) -> QueryResult<Newest> {
        let mut requests: Vec<CycleRequestId> = files.iter().filter_map(|f| f.request_id).collect();
        requests.sort_unstable_by_key(|r| r.0);
        requests.dedup();
        Newest::of_requests(conn, company, &requests)
    }

    /// The newer file (id, path) that supersedes `file`, if one does.
    pub fn replacement_of(&self, file: &FileUpload) -> Option<(FileUploadId, &str)> {
        let request = file.request_id?;
        self.0
            .iter()
            .find(|(r, id, _)| *r == request && id.0 > file.id.0)
            .map(|(_, id, path)| (*id, path.as_str()))
    }
}

/// The same rule over the current files of one request, newest first: the newer file
/// that supersedes `file`, if one does.
pub fn newer_in<'a>(
    multiple_files: bool,
    current_newest_first: &'a [FileUpload],
    file: &FileUpload,
) -> Option<&'a FileUpload> {
    if multiple_files {
        return None;
    }
    current_newest_first
        .first()
        .filter(|newest| newest.id.0 > file.id.0)
}
