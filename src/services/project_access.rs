//! Who may upload to or view a project. Admins see every project of their company;
//! everyone else sees only what they were granted.

use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::{ProjectId, UserId};
use crate::db::models::project::Project;
use crate::db::models::project_access::ProjectAccess;
use crate::db::models::user::User;
use crate::domain::refusal::ProjectRefused;
use crate::domain::{AccessRole, TokenScope};
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::projects;
use crate::services::ServiceContext;

/// What the actor may do in one project. Decided here once, for the project page, the
/// upload page and the upload itself alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectRight {
    /// A company admin (or the operator inside the company): every right, whatever grant
    /// they may also hold.
    Administer,
    Upload,
    View,
}

impl ProjectRight {
    pub fn can_upload(self) -> bool {
        matches!(self, ProjectRight::Administer | ProjectRight::Upload)
    }

    pub fn sentence(self) -> &'static str {
        match self {
            ProjectRight::Administer => "You administer this project.",
            ProjectRight::Upload => "You may upload here.",
            ProjectRight::View => "You may view this project.",
        }
    }
}

/// The actor's right in `project` (of the actor's company), or `None` without one. A
/// token never has more than its user (a machine token: its own project), only in its
/// projects, and only what its scopes allow; it never administers.
pub fn right_in(
    conn: &mut PgConnection,
    actor: &Actor,
    project: ProjectId,
) -> QueryResult<Option<ProjectRight>> {
    let right = if actor.is_admin() {
        Some(ProjectRight::Administer)
    } else if let Some(user) = actor.user_id() {
        ProjectAccess::role_of(conn, project, user)?.map(|role| match role {
            AccessRole::Uploader => ProjectRight::Upload,
            AccessRole::Viewer => ProjectRight::View,
        })
    } else if actor.token_caller().is_some() {
        // A machine token: every right in its own project (narrowed below).
        Some(ProjectRight::Upload)
    } else {
        None
    };
    Ok(match actor.token_caller() {
        None => right,
        Some(caller) => right
            .filter(|_| caller.projects.is_empty() || caller.projects.contains(&project))
            .and_then(|right| {
                if right.can_upload() && caller.scopes.contains(&TokenScope::Upload) {
                    Some(ProjectRight::Upload)
                } else if caller.scopes.contains(&TokenScope::Read) {
                    Some(ProjectRight::View)
                } else {
                    None
                }
            }),
    })
}

/// Grants `user` `role` in `project`; returns the user.
pub async fn grant(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    user: UserId,
    role: AccessRole,
) -> Result<User, AppError> {
    ctx.run(actor, move |conn, actor| {
        grant_in(conn, actor, project, user, role)
    })
    .await
}

/// Takes `user`'s grant in `project` away; returns the user.
pub async fn revoke(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    user: UserId,
) -> Result<User, AppError> {
    ctx.run(actor, move |conn, actor| {
        revoke_in(conn, actor, project, user)
    })
    .await
}

fn scoped(
    conn: &mut PgConnection,
    actor: &Actor,
    project: ProjectId,
    user: UserId,
) -> Result<(Project, User), AppError> {
    let project = projects::find_live(conn, actor, project)?;
    let user = User::find_in_company(conn, actor.company_id(), user)?
        .ok_or_else(|| actor.not_found("user", user))?;
    Ok((project, user))
}

fn grant_in(
    conn: &mut PgConnection,
    actor: &Actor,
    project: ProjectId,
    user: UserId,
    role: AccessRole,
) -> Result<User, AppError> {
    let (project, user) = scoped(conn, actor, project, user)?;
    let before = ProjectAccess::grant(
        conn,
        actor.company_id(),
        project.id,
        user.id,
        role,
        actor.user()?,
    )?;
    actor
        .audit(actions::ACCESS_GRANTED)
        .project(project.id)
        .resource("user", user.id)
        .details(json!({
            "username": user.username,
            "before": { "access_role": before },
            "after": { "access_role": role },
        }))
        .record(conn)?;
    Ok(user)
}

fn revoke_in(
    conn: &mut PgConnection,
    actor: &Actor,
    project: ProjectId,
    user: UserId,
) -> Result<User, AppError> {
    let (project, user) = scoped(conn, actor, project, user)?;
    let Some(before) = ProjectAccess::revoke(conn, project.id, user.id)? else {
        return Err(ProjectRefused::UserWithoutAccess {
            username: user.username,
        }
        .into());
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
