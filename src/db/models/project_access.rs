use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::{CompanyId, ProjectId, UserId};
use crate::domain::AccessRole;
use crate::schema::{project_access, users};

/// One grant as the project page lists it.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct Grant {
    pub user_id: UserId,
    pub username: String,
    pub full_name: Option<String>,
    pub access_role: AccessRole,
    pub granted_at: DateTime<Utc>,
}

pub struct ProjectAccess;

impl ProjectAccess {
    pub fn for_project(conn: &mut PgConnection, project: ProjectId) -> QueryResult<Vec<Grant>> {
        project_access::table
            .inner_join(users::table.on(users::id.eq(project_access::user_id)))
            .filter(project_access::project_id.eq(project))
            .select((
                users::id,
                users::username,
                users::full_name,
                project_access::access_role,
                project_access::created_at,
            ))
            .order(users::username.asc())
            .load(conn)
    }

    /// The user's role in the project, if granted.
    pub fn role_of(
        conn: &mut PgConnection,
        project: ProjectId,
        user: UserId,
    ) -> QueryResult<Option<AccessRole>> {
        project_access::table
            .filter(project_access::project_id.eq(project))
            .filter(project_access::user_id.eq(user))
            .select(project_access::access_role)
            .first(conn)
            .optional()
    }

    /// Grants or changes a grant; returns the previous role.
    pub fn grant(
        conn: &mut PgConnection,
        company: CompanyId,
        project: ProjectId,
        user: UserId,
        role: AccessRole,
        granted_by: UserId,
    ) -> QueryResult<Option<AccessRole>> {
        let previous = Self::role_of(conn, project, user)?;
        diesel::insert_into(project_access::table)
            .values((
                project_access::company_id.eq(company),
                project_access::project_id.eq(project),
                project_access::user_id.eq(user),
                project_access::access_role.eq(role),
                project_access::granted_by.eq(granted_by),
            ))
            .on_conflict((project_access::project_id, project_access::user_id))
            .do_update()
            .set((
                project_access::access_role.eq(role),
                project_access::granted_by.eq(granted_by),
            ))
            .execute(conn)?;
        Ok(previous)
    }

    /// Removes a grant; returns the role it had.
    pub fn revoke(
        conn: &mut PgConnection,
        project: ProjectId,
        user: UserId,
    ) -> QueryResult<Option<AccessRole>> {
        diesel::delete(
            project_access::table
                .filter(project_access::project_id.eq(project))
                .filter(project_access::user_id.eq(user)),
        )
        .returning(project_access::access_role)
        .get_result(conn)
        .optional()
    }
}
