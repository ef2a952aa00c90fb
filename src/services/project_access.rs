//! Who may upload to or view a project. Admins see every project of their company;
//! everyone else sees only what they were granted.

use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::{ProjectId, UserId};
use crate::db::models::project::Project;
use crate::db::models::project_access::ProjectAccess;
use crate::db::models::user::User;
use crate::domain::AccessRole;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::projects;

fn scoped(
    conn: &mut PgConnection,
    actor: &Actor,
    project: ProjectId,
    user: UserId,
) -> Result<(Project, User), AppError> {
    let project = projects::find_live(conn, actor, project)?;
    let user = User::find_in_company(conn, actor.company_id, user)?
        .ok_or_else(|| actor.not_found("user", user))?;
    Ok((project, user))
}

pub fn grant(
    conn: &mut PgConnection,
    actor: &Actor,
    project: ProjectId,
    user: UserId,
    role: AccessRole,
) -> Result<User, AppError> {
    let (project, user) = scoped(conn, actor, project, user)?;
    let before = ProjectAccess::grant(
        conn,
        actor.company_id,
        project.id,
        user.id,
        role.as_str(),
        actor.user_id,
    )?;
    actor
        .audit(actions::ACCESS_GRANTED)
        .project(project.id)
        .resource("user", user.id)
        .details(json!({
            "username": user.username,
            "before": { "access_role": before },
            "after": { "access_role": role.as_str() },
        }))
        .record(conn)?;
    Ok(user)
}

pub fn revoke(
    conn: &mut PgConnection,
    actor: &Actor,
    project: ProjectId,
    user: UserId,
) -> Result<User, AppError> {
    let (project, user) = scoped(conn, actor, project, user)?;
    let Some(before) = ProjectAccess::revoke(conn, project.id, user.id)? else {
        return Err(AppError::Conflict(format!(
            "{} has no access to this project.",
            user.username
        )));
    };
    actor
        .audit(actions::ACCESS_REVOKED)
        .project(project.id)
        .resource("user", user.id)
        .details(json!({
            "username": user.username,
            "before": { "access_role": before },
            "after": { "access_role": null },
        }))
        .record(conn)?;
    Ok(user)
}
