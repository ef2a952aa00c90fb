use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::{
    CompanyId, CycleId, CycleRequestId, DocumentRequestId, ProjectId, UploadLinkVisitId, UserId,
};
use crate::db::models::document_request::RequestFields;
use crate::db::models::file_upload;
use crate::db::models::tenant_finder::tenant_finder;
use crate::domain::{FileStatus, RequestKind, RequestStatus};
use crate::schema::{cycle_requests, document_requests, file_uploads};

/// One document a cycle expects, with where it stands.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = cycle_requests, check_for_backend(diesel::pg::Pg))]
pub struct CycleRequest {
    pub id: CycleRequestId,
    pub company_id: CompanyId,
    pub cycle_id: CycleId,
    pub template_id: Option<DocumentRequestId>,
    pub name: String,
    pub instructions: Option<String>,
    pub required: bool,
    pub accepted_types: Vec<Option<String>>,
    pub pattern: Option<String>,
    pub multiple_files: bool,
    pub position: i32,
    pub status: RequestStatus,
    /// The item's own due date; `None`: the cycle's.
    pub due_at: Option<DateTime<Utc>>,
    /// Why it was rejected, or why it does not apply.
    pub note: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<UserId>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// A file, or a question answered on the card.
    pub kind: RequestKind,
    /// A choice question's choices, in order.
    pub choices: Vec<Option<String>>,
    /// The current answer, in its kind's canonical form (`erased` after an erasure).
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<UserId>,
    pub answer_visit_id: Option<UploadLinkVisitId>,
}

/// An answer's effect on a request row.
pub struct Answering<'a> {
    pub answer: &'a str,
    pub status: RequestStatus,
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
    pub visit: Option<UploadLinkVisitId>,
}

/// A decision's effect on a request row.
pub struct StatusChange<'a> {
    pub status: RequestStatus,
    pub note: Option<&'a str>,
    pub reviewed_by: Option<UserId>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl CycleRequest {
    /// A question's choices as text.
    pub fn choice_list(&self) -> Vec<String> {
        self.choices.iter().flatten().cloned().collect()
    }

    /// Answered on its card rather than by a file.
    pub fn is_question(&self) -> bool {
        self.kind.is_question()
    }

    /// The due date that applies: the item's own, else the cycle's.
    pub fn due(&self, cycle_due: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        self.due_at.or(cycle_due)
    }

    /// A required item still owed after its due date.
    /// The accepted types as a file picker's `accept` (empty: any).
    pub fn accept_attribute(&self) -> String {
        self.accepted_types
            .iter()
            .flatten()
            .map(|t| format!(".{t}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn is_overdue(&self, cycle_due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        self.required && self.status.is_owed() && self.due(cycle_due).is_some_and(|d| d < now)
    }

    /// The cycle's requests in list order.
    pub fn for_cycle(
        conn: &mut PgConnection,
        company: CompanyId,
        cycle: CycleId,
    ) -> QueryResult<Vec<CycleRequest>> {
        cycle_requests::table
            .filter(cycle_requests::company_id.eq(company))
            .filter(cycle_requests::cycle_id.eq(cycle))
            .order((cycle_requests::position.asc(), cycle_requests::id.asc()))
            .select(CycleRequest::as_select())
            .load(conn)
    }

    tenant_finder!(
        /// A request of the company, by its id alone (the API names requests so).
        pub fn find_in_company(cycle_requests, id: CycleRequestId)
    );

    tenant_finder!(
        /// A request of the cycle, locked for a change.
        pub fn lock_in_cycle(cycle_requests, id: CycleRequestId, cycle_id: CycleId)
            for no key update
    );

    /// Copies the project's request list into a new cycle; returns how many.
    pub fn copy_template(
        conn: &mut PgConnection,
        company: CompanyId,
        project: ProjectId,
        cycle: CycleId,
    ) -> QueryResult<usize> {
        let template = document_requests::table
            .filter(document_requests::company_id.eq(company))
            .filter(document_requests::project_id.eq(project))
            .select((
                document_requests::company_id,
                cycle.into_sql::<diesel::sql_types::Int4>(),
                document_requests::id.nullable(),
                document_requests::name,
                document_requests::instructions,
                document_requests::required,
                document_requests::accepted_types,
                document_requests::pattern,
                document_requests::multiple_files,
                document_requests::position,
                document_requests::kind,
                document_requests::choices,
            ));
        diesel::insert_into(cycle_requests::table)
            .values(template)
            .into_columns((
                cycle_requests::company_id,
                cycle_requests::cycle_id,
                cycle_requests::template_id,
                cycle_requests::name,
                cycle_requests::instructions,
                cycle_requests::required,
                cycle_requests::accepted_types,
                cycle_requests::pattern,
                cycle_requests::multiple_files,
                cycle_requests::position,
                cycle_requests::kind,
                cycle_requests::choices,
            ))
            .execute(conn)
    }

    /// Adds an item to one cycle, at the end of its list.
    pub fn insert(
        conn: &mut PgConnection,
        company: CompanyId,
        cycle: CycleId,
        fields: &RequestFields,
        due_at: Option<DateTime<Utc>>,
    ) -> QueryResult<CycleRequest> {
        let last: Option<i32> = cycle_requests::table
            .filter(cycle_requests::cycle_id.eq(cycle))
            .select(diesel::dsl::max(cycle_requests::position))
            .first(conn)?;
        diesel::insert_into(cycle_requests::table)
            .values((
                cycle_requests::company_id.eq(company),
                cycle_requests::cycle_id.eq(cycle),
                cycle_requests::name.eq(&fields.name),
                cycle_requests::instructions.eq(&fields.instructions),
                cycle_requests::required.eq(fields.required),
                cycle_requests::accepted_types.eq(fields.types()),
                cycle_requests::pattern.eq(&fields.pattern),
                cycle_requests::multiple_files.eq(fields.multiple_files),
                cycle_requests::position.eq(last.unwrap_or(0) + 1),
                cycle_requests::due_at.eq(due_at),
                cycle_requests::kind.eq(fields.kind),
                cycle_requests::choices.eq(fields.choice_column()),
            ))
            .returning(CycleRequest::as_returning())
            .get_result(conn)
    }

    pub fn set_status(
        conn: &mut PgConnection,
        id: CycleRequestId,
        change: &StatusChange<'_>,
    ) -> QueryResult<CycleRequest> {
        diesel::update(cycle_requests::table.find(id))
            .set((
                cycle_requests::status.eq(change.status),
                cycle_requests::note.eq(change.note),
                cycle_requests::reviewed_by.eq(change.reviewed_by),
                cycle_requests::reviewed_at.eq(change.reviewed_at),
            ))
            .returning(CycleRequest::as_returning())
            .get_result(conn)
    }

    /// A new file arrived for it: submitted (or accepted), the earlier verdict cleared.
    pub fn set_submitted(
        conn: &mut PgConnection,
        id: CycleRequestId,
        status: RequestStatus,
        at: DateTime<Utc>,
    ) -> QueryResult<CycleRequest> {
        diesel::update(cycle_requests::table.find(id))
            .set((
                cycle_requests::status.eq(status),
                cycle_requests::note.eq(None::<String>),
                cycle_requests::submitted_at.eq(at),
                cycle_requests::reviewed_by.eq(None::<UserId>),
                cycle_requests::reviewed_at.eq(None::<DateTime<Utc>>),
            ))
            .returning(CycleRequest::as_returning())
            .get_result(conn)
    }

    /// A new answer: submitted (or accepted), the earlier verdict cleared, as for a file.
    pub fn set_answer(
        conn: &mut PgConnection,
        id: CycleRequestId,
        answering: &Answering<'_>,
    ) -> QueryResult<CycleRequest> {
        diesel::update(cycle_requests::table.find(id))
            .set((
                cycle_requests::answer.eq(answering.answer),
                cycle_requests::answered_at.eq(answering.at),
                cycle_requests::answered_by.eq(answering.by),
                cycle_requests::answer_visit_id.eq(answering.visit),
            ))
            .execute(conn)?;
        CycleRequest::set_submitted(conn, id, answering.status, answering.at)
    }

    pub fn set_due(
        conn: &mut PgConnection,
        id: CycleRequestId,
        due_at: Option<DateTime<Utc>>,
    ) -> QueryResult<CycleRequest> {
        diesel::update(cycle_requests::table.find(id))
            .set(cycle_requests::due_at.eq(due_at))
            .returning(CycleRequest::as_returning())
            .get_result(conn)
    }

    /// Rewrites what the request asks for (its status and files stay).
    pub fn set_fields(
        conn: &mut PgConnection,
        id: CycleRequestId,
        fields: &RequestFields,
        due_at: Option<DateTime<Utc>>,
    ) -> QueryResult<CycleRequest> {
        diesel::update(cycle_requests::table.find(id))
            .set((
                cycle_requests::name.eq(&fields.name),
                cycle_requests::instructions.eq(&fields.instructions),
                cycle_requests::required.eq(fields.required),
                cycle_requests::accepted_types.eq(fields.types()),
                cycle_requests::pattern.eq(&fields.pattern),
                cycle_requests::multiple_files.eq(fields.multiple_files),
                cycle_requests::due_at.eq(due_at),
                cycle_requests::kind.eq(fields.kind),
                cycle_requests::choices.eq(fields.choice_column()),
            ))
            .returning(CycleRequest::as_returning())
            .get_result(conn)
    }

    pub fn delete(conn: &mut PgConnection, id: CycleRequestId) -> QueryResult<()> {
        diesel::delete(cycle_requests::table.find(id))
            .execute(conn)
            .map(|_| ())
    }

    /// Whether something fulfils the request: an answer to a question, else a stored file.
    pub fn is_fulfilled(conn: &mut PgConnection, request: &CycleRequest) -> QueryResult<bool> {
        if request.is_question() {
            return Ok(request.answer.is_some());
        }
        CycleRequest::has_file(conn, request.id)
    }

    /// Whether a stored file fulfils the request.
    pub fn has_file(conn: &mut PgConnection, id: CycleRequestId) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            file_uploads::table
                .filter(file_uploads::request_id.eq(id))
                .filter(file_upload::status_is(FileStatus::Completed))
                .filter(file_uploads::replaced_by.is_null())
                .filter(file_uploads::deleted_at.is_null()),
        ))
        .get_result(conn)
    }
}
