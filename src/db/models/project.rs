use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::{CompanyId, ProjectId, StorageLocationId, UserId};
use crate::db::models::company::escape_like;
use crate::db::models::tenant_finder::tenant_finder;
use crate::db::sql_functions::lower;
use crate::domain::ListWindow;
use crate::schema::{project_access, projects};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = projects, check_for_backend(diesel::pg::Pg))]
pub struct Project {
    pub id: ProjectId,
    pub company_id: CompanyId,
    pub project_name: String,
    pub bucket_name: String,
    pub aws_region: String,
    pub description: Option<String>,
    pub is_active: bool,
    pub review_uploads: bool,
    /// Accepted extensions (lower case); empty accepts any.
    pub allowed_file_types: Vec<Option<String>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// Where new uploads go (bucket and region above are this location's, kept for the
    /// seed's views).
    pub storage_location_id: StorageLocationId,
    /// Reminders go out this many days before a due date (e.g. 7, 3, 1)…
    pub reminder_days: Vec<Option<i32>>,
    /// …then every this many days while a request is overdue.
    pub overdue_every_days: i32,
    /// Days after its cycle was closed a file's bytes are deleted (`None`: kept for ever).
    pub retention_days: Option<i32>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = projects)]
pub struct NewProject<'a> {
    pub company_id: CompanyId,
    #[diesel(embed)]
    pub fields: ProjectFields<'a>,
}

/// What an admin sets on a project, when creating it and at every edit.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = projects, treat_none_as_null = true)]
pub struct ProjectFields<'a> {
    pub project_name: &'a str,
    pub bucket_name: &'a str,
    pub aws_region: &'a str,
    pub description: Option<&'a str>,
    pub is_active: bool,
    pub review_uploads: bool,
    pub allowed_file_types: Vec<Option<String>>,
    pub storage_location_id: StorageLocationId,
    pub reminder_days: Vec<Option<i32>>,
    pub overdue_every_days: i32,
}

/// Which projects a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectState {
    /// Not deleted (active or not).
    Current,
    Active,
    Inactive,
    Deleted,
}

impl ProjectState {
    pub fn parse(value: &str) -> ProjectState {
        match value {
            "active" => ProjectState::Active,
            "inactive" => ProjectState::Inactive,
            "deleted" => ProjectState::Deleted,
            _ => ProjectState::Current,
        }
    }
}

type BoxedProjects<'a> = projects::BoxedQuery<'a, diesel::pg::Pg, projects::SqlType>;

fn filtered<'a>(company: CompanyId, text: Option<&str>, state: ProjectState) -> BoxedProjects<'a> {
    let mut query = projects::table
        .filter(projects::company_id.eq(company))
        .into_boxed();
    if let Some(text) = text {
        let pattern = format!("%{}%", escape_like(text));
        query = query.filter(
            projects::project_name
                .ilike(pattern.clone())
                .or(projects::bucket_name.ilike(pattern)),
        );
    }
    match state {
        ProjectState::Current => query.filter(projects::deleted_at.is_null()),
        ProjectState::Active => query
            .filter(projects::deleted_at.is_null())
            .filter(projects::is_active.eq(true)),
        ProjectState::Inactive => query
            .filter(projects::deleted_at.is_null())
            .filter(projects::is_active.eq(false)),
        ProjectState::Deleted => query.filter(projects::deleted_at.is_not_null()),
    }
}

impl Project {
    /// The accepted extensions as people type them: `pdf, xlsx`.
    /// The reminder days as the form shows them ("7, 3, 1").
    pub fn reminder_days_text(&self) -> String {
        self.reminder_days
            .iter()
            .flatten()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn accepted_types_text(&self) -> String {
        self.allowed_file_types
            .iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }

    tenant_finder!(
        /// A project of `company`, deleted or not.
        pub fn find_in_company(projects, id: ProjectId)
    );

    tenant_finder!(
        /// Same as [`Project::find_in_company`], locking the row for an update.
        pub fn lock_in_company(projects, id: ProjectId) for no key update
    );

    pub fn list_in_company(
        conn: &mut PgConnection,
        company: CompanyId,
        window: &ListWindow,
        state: ProjectState,
    ) -> QueryResult<Vec<Project>> {
        filtered(company, window.text.as_deref(), state)
            .select(Project::as_select())
            .order((projects::project_name.asc(), projects::id.asc()))
            .offset(window.offset)
            .limit(window.limit)
            .load(conn)
    }

    /// The company's live projects a user was granted access to.
    pub fn list_granted_to(
        conn: &mut PgConnection,
        company: CompanyId,
        user: UserId,
        window: &ListWindow,
    ) -> QueryResult<Vec<Project>> {
        let granted = project_access::table
            .filter(project_access::user_id.eq(user))
            .filter(project_access::company_id.eq(company))
            .select(project_access::project_id);
        filtered(company, window.text.as_deref(), ProjectState::Current)
            .filter(projects::id.eq_any(granted))
            .select(Project::as_select())
            .order((projects::project_name.asc(), projects::id.asc()))
            .offset(window.offset)
            .limit(window.limit)
            .load(conn)
    }

    pub fn name_taken(
        conn: &mut PgConnection,
        company: CompanyId,
        name: &str,
        except: Option<ProjectId>,
    ) -> QueryResult<bool> {
        let mut query = projects::table
            .filter(projects::company_id.eq(company))
            // "Acme Intake" and "acme intake" are one name to a person.
            .filter(lower(projects::project_name).eq(name.to_lowercase()))
            .select(projects::id)
            .into_boxed();
        if let Some(except) = except {
            query = query.filter(projects::id.ne(except));
        }
        Ok(query.first::<ProjectId>(conn).optional()?.is_some())
    }

    /// Sets how long the project keeps files after their cycle closed (`None`: for ever).
    pub fn set_retention(
        conn: &mut PgConnection,
        id: ProjectId,
        days: Option<i32>,
    ) -> QueryResult<Project> {
        diesel::update(projects::table.find(id))
            .set(projects::retention_days.eq(days))
            .returning(Project::as_returning())
            .get_result(conn)
    }

    pub fn insert(conn: &mut PgConnection, new: &NewProject<'_>) -> QueryResult<Project> {
        diesel::insert_into(projects::table)
            .values(new)
            .returning(Project::as_returning())
            .get_result(conn)
    }

    pub fn update(
        conn: &mut PgConnection,
        id: ProjectId,
        changes: &ProjectFields<'_>,
    ) -> QueryResult<Project> {
        diesel::update(projects::table.find(id))
            .set(changes)
            .returning(Project::as_returning())
            .get_result(conn)
    }

    pub fn set_deleted(
        conn: &mut PgConnection,
        id: ProjectId,
        deleted_at: Option<DateTime<Utc>>,
    ) -> QueryResult<()> {
        diesel::update(projects::table.find(id))
            .set(projects::deleted_at.eq(deleted_at))
            .execute(conn)
            .map(|_| ())
    }
}
