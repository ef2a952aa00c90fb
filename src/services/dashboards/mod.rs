//! Project and cycle summaries for dashboards and wall screens. Figures come from the
//! per-session counters (never a scan of `file_uploads`), aggregated only for the rows
//! on the page; lists page by keyset, so any page costs the same.
//!
//! `project_summary` and `cycle_summary` hold the queries; this file decides whose
//! projects an actor sees and runs each page's queries as one use case.

mod cycle_summary;
mod figures;
mod project_summary;

pub use cycle_summary::{cycle_sessions, cycle_summary, per_day, CycleRow, DayFigures};
pub use project_summary::{project_summary, ProjectCursor, ProjectFilter, ProjectRow, ProjectSort};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;

use crate::db::ids::{CompanyId, CycleId, ProjectId, UserId};
use crate::db::models::cycle::Cycle;
use crate::db::models::project::Project;
use crate::db::models::sync_session::SyncSession;
use crate::domain::Role;
use crate::error::AppError;
use crate::schema::projects;
use crate::services::{project_access, Actor, ServiceContext};

/// Whose projects a summary shows.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// Every company's (the operator).
    All,
    Company(CompanyId),
    /// The company's projects granted to one user.
    Granted(CompanyId, UserId),
    /// One project (a project-scoped wall screen).
    Project(CompanyId, ProjectId),
}

/// Whose projects the actor's dashboards show: the operator every company's, admins and
/// viewers their company's, uploaders the projects granted to them.
pub fn scope_for(actor: &Actor) -> Scope {
    match (actor.role(), actor.user_id()) {
        (Some(Role::Superadmin), _) => Scope::All,
        (Some(Role::User), Some(user)) => Scope::Granted(actor.company_id(), user),
        _ => Scope::Company(actor.company_id()),
    }
}

/// A project the scope may show; anything else is a 404.
fn visible_project(
    conn: &mut PgConnection,
    actor: &Actor,
    scope: Scope,
    id: ProjectId,
) -> Result<Project, AppError> {
    let project = match scope {
        Scope::All => projects::table
            .find(id)
            .select(Project::as_select())
            .first(conn)
            .optional()?,
        Scope::Company(c) | Scope::Granted(c, _) | Scope::Project(c, _) => {
            Project::find_in_company(conn, c, id)?
        }
    }
    .filter(|p| p.deleted_at.is_none())
    .ok_or_else(|| actor.not_found("project", id))?;
    let allowed = match scope {
        Scope::Granted(..) => project_access::right_in(conn, actor, id)?.is_some(),
        Scope::Project(_, only) => only == id,
        Scope::All | Scope::Company(_) => true,
    };
    if !allowed {
        return Err(actor.not_found("project", id));
    }
    Ok(project)
}

/// One page of the project summary and the cursor of the next.
pub async fn summary(
    ctx: &ServiceContext,
    actor: &Actor,
    scope: Scope,
    filter: ProjectFilter,
    sort: ProjectSort,
    after: Option<ProjectCursor>,
    limit: i64,
) -> Result<(Vec<ProjectRow>, Option<ProjectCursor>), AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, _| {
        project_summary(conn, scope, &filter, sort, after.as_ref(), (limit, now))
    })
    .await
}

/// What a project's dashboard shows.
pub struct ProjectView {
    pub project: Project,
    pub cycles: Vec<CycleRow>,
    pub next: Option<i32>,
    pub days: Vec<DayFigures>,
    /// When the figures were read (on the service clock): charts end on its day.
    pub read_at: DateTime<Utc>,
}

/// A project's cycles (a page before `before`) and its per-day figures over `days` days.
pub async fn project_view(
    ctx: &ServiceContext,
    actor: &Actor,
    scope: Scope,
    id: ProjectId,
    before: Option<i32>,
    timezone: Tz,
    (rows, days): (i64, i64),
) -> Result<ProjectView, AppError> {
    let read_at = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let project = visible_project(conn, actor, scope, id)?;
        let (cycles, next) = cycle_summary(conn, project.id, before, (rows, read_at))?;
        let days = per_day(conn, project.id, None, timezone, (days, read_at))?;
        Ok(ProjectView {
            project,
            cycles,
            next,
            days,
            read_at,
        })
    })
    .await
}

/// What a cycle's dashboard shows.
pub struct CycleView {
    pub project: Project,
    pub cycle: Cycle,
    pub figures: Option<CycleRow>,
    pub sessions: Vec<SyncSession>,
    /// Who sent each of `sessions`, in the same order.
    pub uploaders: Vec<String>,
    pub next: Option<i32>,
    pub days: Vec<DayFigures>,
    /// When the figures were read (on the service clock): charts end on its day.
    pub read_at: DateTime<Utc>,
}

/// A cycle's figures, its batches (a page before `before`) and its per-day figures.
pub async fn cycle_view(
    ctx: &ServiceContext,
    actor: &Actor,
    id: CycleId,
    before: Option<i32>,
    timezone: Tz,
    (rows, days): (i64, i64),
) -> Result<CycleView, AppError> {
    let scope = scope_for(actor);
    let read_at = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let cycle = Cycle::find(conn, id)?.ok_or_else(|| actor.not_found("cycle", id))?;
        // A cycle of a project the actor may not see is a missing cycle; a database
        // failure stays what it is.
        let project =
            visible_project(conn, actor, scope, cycle.project_id).map_err(|e| match e {
                AppError::Denied(_) | AppError::NotFound => actor.not_found("cycle", id),
                other => other,
            })?;
        let (figures, _) =
            cycle_summary(conn, project.id, Some(cycle.cycle_number + 1), (1, read_at))?;
        let figures = figures.into_iter().find(|r| r.id == cycle.id);
        let (sessions, next) = cycle_sessions(conn, cycle.id, before, rows)?;
        let uploaders = crate::services::receipts::uploaders(conn, &sessions)?;
        let days = per_day(conn, project.id, Some(cycle.id), timezone, (days, read_at))?;
        Ok(CycleView {
            project,
            cycle,
            figures,
            sessions,
            uploaders,
            next,
            days,
            read_at,
        })
    })
    .await
}
