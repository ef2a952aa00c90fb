use chrono::{DateTime, Utc};
use diesel::dsl::AsSelect;
use diesel::pg::Pg;
use diesel::prelude::*;

use crate::db::ids::{
    ApiTokenId, CompanyId, CycleId, FileUploadId, ProjectId, StorageLocationId, SyncSessionId,
    UploadLinkId, UploadLinkVisitId, UserId,
};
use crate::db::models::cycle::Cycle;
use crate::db::models::file_upload::FileUpload;
use crate::db::models::project::Project;
use crate::db::models::storage_location::StorageLocation;
use crate::db::truncate;
use crate::domain::SessionStatus;
use crate::schema::{cycles, file_uploads, projects, storage_locations, sync_sessions};

/// A batch with the rows its plan is made of: its project, its cycle, and the storage
/// location its next file writes to.
pub type BatchRows = (SyncSession, Project, Cycle, StorageLocation);

/// The columns of [`BatchRows`].
type BatchSelection = (
    AsSelect<SyncSession, Pg>,
    AsSelect<Project, Pg>,
    AsSelect<Cycle, Pg>,
    AsSelect<StorageLocation, Pg>,
);

fn batch_rows() -> BatchSelection {
    (
        SyncSession::as_select(),
        Project::as_select(),
        Cycle::as_select(),
        StorageLocation::as_select(),
    )
}

/// A batch's cycle, of the batch's project.
#[diesel::dsl::auto_type(no_type_alias)]
fn batch_cycle() -> _ {
    cycles::id
        .nullable()
        .eq(sync_sessions::cycle_id)
        .and(cycles::project_id.eq(projects::id))
}

/// One upload batch and its counters.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = sync_sessions, check_for_backend(diesel::pg::Pg))]
pub struct SyncSession {
    pub id: SyncSessionId,
    pub project_id: ProjectId,
    pub cycle_id: Option<CycleId>,
    pub user_id: Option<UserId>,
    pub s3_prefix: Option<String>,
    pub status: SessionStatus,
    pub total_files: Option<i32>,
    pub files_uploaded: Option<i32>,
    pub files_failed: Option<i32>,
    pub files_skipped: Option<i32>,
    pub total_size_bytes: Option<i64>,
    pub uploaded_size_bytes: Option<i64>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub error_message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub upload_link_id: Option<UploadLinkId>,
    pub uploader_name: Option<String>,
    pub uploader_email: Option<String>,
    /// The API token that sent it (none for the browser).
    pub api_token_id: Option<ApiTokenId>,
    /// The upload link's visit that sent it (a link's batch belongs to its visit).
    pub link_visit_id: Option<UploadLinkVisitId>,
}

/// Who sent a batch through an upload link (nobody signed in).
#[derive(Debug, Clone, Copy)]
pub struct LinkUploader<'a> {
    pub link: UploadLinkId,
    pub visit: UploadLinkVisitId,
    pub name: &'a str,
    pub email: &'a str,
}

impl SyncSession {
    /// The status as a person reads it: a finished batch in which some files failed
    /// says so, rather than a plain "Completed".
    pub fn outcome_label(&self) -> &'static str {
        if self.status == SessionStatus::Completed && self.files_failed.unwrap_or(0) > 0 {
            "Completed with failures"
        } else {
            self.status.label()
        }
    }

    pub fn start(
        conn: &mut PgConnection,
        project: ProjectId,
        cycle: CycleId,
        (user, token): (Option<UserId>, Option<ApiTokenId>),
        via: Option<LinkUploader<'_>>,
        prefix: &str,
    ) -> QueryResult<SyncSession> {
        diesel::insert_into(sync_sessions::table)
            .values((
                sync_sessions::project_id.eq(project),
                sync_sessions::cycle_id.eq(cycle),
                sync_sessions::user_id.eq(user),
                sync_sessions::api_token_id.eq(token),
                sync_sessions::upload_link_id.eq(via.map(|v| v.link)),
                sync_sessions::link_visit_id.eq(via.map(|v| v.visit)),
                sync_sessions::uploader_name.eq(via.map(|v| v.name)),
                sync_sessions::uploader_email.eq(via.map(|v| v.email)),
                sync_sessions::s3_prefix.eq(prefix),
                sync_sessions::status.eq(SessionStatus::InProgress),
                sync_sessions::started_at.eq(diesel::dsl::now),
            ))
            .returning(SyncSession::as_returning())
            .get_result(conn)
    }

    /// A session of `company` (through its project); `None` for a missing id and for
    /// another company's session alike.
    pub fn find_in_company(
        conn: &mut PgConnection,
        company: CompanyId,
        id: SyncSessionId,
    ) -> QueryResult<Option<SyncSession>> {
        sync_sessions::table
            .inner_join(projects::table)
            .filter(sync_sessions::id.eq(id))
            .filter(projects::company_id.eq(company))
            .select(SyncSession::as_select())
            .first(conn)
            .optional()
    }

    /// A batch of `company` in a cycle, with its project, its cycle and `location` (of the
    /// same company), in one statement: every resumable PATCH rebuilds its batch's plan.
    pub fn find_with_rows(
        conn: &mut PgConnection,
        company: CompanyId,
        id: SyncSessionId,
        location: StorageLocationId,
    ) -> QueryResult<Option<BatchRows>> {
        sync_sessions::table
            .inner_join(projects::table)
            .inner_join(cycles::table.on(batch_cycle()))
            .inner_join(
                storage_locations::table.on(storage_locations::id
                    .eq(location)
                    .and(storage_locations::company_id.eq(company))),
            )
            .filter(sync_sessions::id.eq(id))
            .filter(projects::company_id.eq(company))
            .select(batch_rows())
            .first(conn)
            .optional()
    }

    /// A file of `company` with its batch's rows and the location it writes to, in one
    /// statement: every resumable PATCH starts from its file.
    pub fn find_file_with_rows(
        conn: &mut PgConnection,
        company: CompanyId,
        file: FileUploadId,
    ) -> QueryResult<Option<(FileUpload, BatchRows)>> {
        file_uploads::table
            .inner_join(sync_sessions::table.on(sync_sessions::id.eq(file_uploads::session_id)))
            .inner_join(projects::table.on(projects::id.eq(sync_sessions::project_id)))
            .inner_join(cycles::table.on(batch_cycle()))
            .inner_join(
                storage_locations::table.on(storage_locations::id
                    .eq(file_uploads::storage_location_id)
                    .and(storage_locations::company_id.eq(company))),
            )
            .filter(file_uploads::id.eq(file))
            .filter(file_uploads::company_id.eq(company))
            .filter(projects::company_id.eq(company))
            .select((FileUpload::as_select(), batch_rows()))
            .first(conn)
            .optional()
    }

    pub fn finish(
        conn: &mut PgConnection,
        id: SyncSessionId,
        error: Option<&str>,
    ) -> QueryResult<SyncSession> {
        let status = if error.is_some() {
            SessionStatus::Failed
        } else {
            SessionStatus::Completed
        };
        diesel::update(sync_sessions::table.find(id))
            .set((
                sync_sessions::status.eq(status),
                sync_sessions::completed_at.eq(diesel::dsl::now),
                sync_sessions::error_message.eq(error.map(|e| truncate(e, 500))),
            ))
            .returning(SyncSession::as_returning())
            .get_result(conn)
    }
}
