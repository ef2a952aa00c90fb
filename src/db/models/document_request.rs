use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::{CompanyId, DocumentRequestId, ProjectId};
use crate::db::models::tenant_finder::tenant_finder;
use crate::domain::RequestKind;
use crate::schema::document_requests;

/// One item of a project's request list (the template each new cycle copies).
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = document_requests, check_for_backend(diesel::pg::Pg))]
pub struct DocumentRequest {
    pub id: DocumentRequestId,
    pub company_id: CompanyId,
    pub project_id: ProjectId,
    pub name: String,
    pub instructions: Option<String>,
    pub required: bool,
    /// Accepted extensions (lower case, no dot); empty: the project's rule applies.
    pub accepted_types: Vec<Option<String>>,
    pub pattern: Option<String>,
    pub multiple_files: bool,
    pub position: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// A file, or a question each cycle asks again.
    pub kind: RequestKind,
    pub choices: Vec<Option<String>>,
}

/// What an admin fills in for a request, in the template or in one cycle.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RequestFields {
    pub name: String,
    pub instructions: Option<String>,
    pub required: bool,
    pub accepted_types: Vec<String>,
    pub pattern: Option<String>,
    pub multiple_files: bool,
    pub kind: RequestKind,
    /// A choice question's choices (empty for every other kind).
    pub choices: Vec<String>,
}

impl RequestFields {
    pub(crate) fn types(&self) -> Vec<Option<String>> {
        self.accepted_types.iter().cloned().map(Some).collect()
    }

    /// The fields made consistent with their kind: a question takes no file rules, only a
    /// choice question has choices, and it needs at least two.
    pub fn fitted(mut self) -> Result<RequestFields, String> {
        if self.kind.is_question() {
            self.accepted_types.clear();
            self.pattern = None;
            self.multiple_files = false;
        }
        if self.kind != RequestKind::Choice {
            self.choices.clear();
        } else if self.choices.len() < 2 {
            return Err("A choice question needs at least two choices, one a line.".into());
        }
        Ok(self)
    }

    pub(crate) fn choice_column(&self) -> Vec<Option<String>> {
        self.choices.iter().cloned().map(Some).collect()
    }

    fn columns(&self) -> RequestColumns<'_> {
        RequestColumns {
            name: &self.name,
            instructions: self.instructions.as_deref(),
            required: self.required,
            accepted_types: self.types(),
            pattern: self.pattern.as_deref(),
            multiple_files: self.multiple_files,
            kind: self.kind,
            choices: self.choice_column(),
        }
    }
}

/// The fields as a list item's columns, written alike by an insert and an update.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = document_requests, treat_none_as_null = true)]
struct RequestColumns<'a> {
    name: &'a str,
    instructions: Option<&'a str>,
    required: bool,
    accepted_types: Vec<Option<String>>,
    pattern: Option<&'a str>,
    multiple_files: bool,
    kind: RequestKind,
    choices: Vec<Option<String>>,
}

/// Whether an insert or update hit the one-name-per-project index.
pub fn name_taken(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, info)
            if info.constraint_name() == Some("document_requests_project_name")
    )
}

impl DocumentRequest {
    /// The project's list in its order.
    pub fn for_project(
        conn: &mut PgConnection,
        company: CompanyId,
        project: ProjectId,
    ) -> QueryResult<Vec<DocumentRequest>> {
        document_requests::table
            .filter(document_requests::company_id.eq(company))
            .filter(document_requests::project_id.eq(project))
            .order((
                document_requests::position.asc(),
                document_requests::id.asc(),
            ))
            .select(DocumentRequest::as_select())
            .load(conn)
    }

    tenant_finder!(
        /// An item of the project's list, locked for a change.
        pub fn lock_in_project(document_requests, id: DocumentRequestId, project_id: ProjectId)
            for no key update
    );

    /// Appends an item at the end of the list.
    pub fn insert(
        conn: &mut PgConnection,
        company: CompanyId,
        project: ProjectId,
        fields: &RequestFields,
    ) -> QueryResult<DocumentRequest> {
        let last: Option<i32> = document_requests::table
            .filter(document_requests::project_id.eq(project))
            .select(diesel::dsl::max(document_requests::position))
            .first(conn)?;
        diesel::insert_into(document_requests::table)
            .values((
                document_requests::company_id.eq(company),
                document_requests::project_id.eq(project),
                fields.columns(),
                document_requests::position.eq(last.unwrap_or(0) + 1),
            ))
            .returning(DocumentRequest::as_returning())
            .get_result(conn)
    }

    pub fn update(
        conn: &mut PgConnection,
        id: DocumentRequestId,
        fields: &RequestFields,
    ) -> QueryResult<DocumentRequest> {
        diesel::update(document_requests::table.find(id))
            .set(fields.columns())
            .returning(DocumentRequest::as_returning())
            .get_result(conn)
    }

    pub fn delete(conn: &mut PgConnection, id: DocumentRequestId) -> QueryResult<()> {
        diesel::delete(document_requests::table.find(id))
            .execute(conn)
            .map(|_| ())
    }
}
