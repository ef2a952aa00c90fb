//! Projects: created, edited, soft-deleted and restored by a company admin; seen by the
//! users granted access. History is the project's own audit rows, before and after.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::db::ids::ProjectId;
use crate::db::ids::StorageLocationId;
use crate::db::models::cycle::Cycle;
use crate::db::models::project::{NewProject, Project, ProjectFields, ProjectState};
use crate::db::models::storage_location::StorageLocation;
use crate::db::models::tag::Tag;
use crate::domain::refusal::ProjectRefused;
use crate::domain::FieldErrors;
use crate::domain::ListWindow;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::legal_holds;
use crate::services::project_access::{self, ProjectRight};
use crate::services::{storage_locations, ServiceContext};

/// A project form, validated.
#[derive(Debug, Clone)]
pub struct ProjectInput {
    pub name: String,
    /// One of the company's storage locations (a forged id is a 404).
    pub location: StorageLocationId,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub active: bool,
    pub review_uploads: bool,
    /// Accepted extensions; empty accepts any.
    pub allowed_file_types: Vec<String>,
    /// Days before a due date a reminder goes out (none: no reminders before it).
    pub reminder_days: Vec<i32>,
    /// Days between reminders while overdue.
    pub overdue_every_days: i32,
}

#[derive(Serialize)]
struct ProjectRecord<'a> {
    project_name: &'a str,
    bucket_name: &'a str,
    aws_region: &'a str,
    storage_location_id: StorageLocationId,
    description: Option<&'a str>,
    is_active: bool,
    review_uploads: bool,
    allowed_file_types: String,
    tags: &'a [String],
    reminder_days: String,
    overdue_every_days: i32,
}

fn record<'a>(project: &'a Project, tags: &'a [String]) -> ProjectRecord<'a> {
    ProjectRecord {
        project_name: &project.project_name,
        bucket_name: &project.bucket_name,
        aws_region: &project.aws_region,
        storage_location_id: project.storage_location_id,
        description: project.description.as_deref(),
        is_active: project.is_active,
        review_uploads: project.review_uploads,
        allowed_file_types: project.accepted_types_text(),
        tags,
        reminder_days: project.reminder_days_text(),
        overdue_every_days: project.overdue_every_days,
    }
}

fn name_conflict() -> AppError {
    let mut errors = FieldErrors::default();
    errors.add(
        "project_name",
        "Your company already has a project with this name (perhaps a deleted one).",
    );
    AppError::Invalid(errors)
}

/// A project of the actor's company, deleted or not.
pub fn find(conn: &mut PgConnection, actor: &Actor, id: ProjectId) -> Result<Project, AppError> {
    Project::find_in_company(conn, actor.company_id(), id)?
        .ok_or_else(|| actor.not_found("project", id))
}

/// A project of the actor's company that is not deleted.
pub fn find_live(
    conn: &mut PgConnection,
    actor: &Actor,
    id: ProjectId,
) -> Result<Project, AppError> {
    Project::find_in_company(conn, actor.company_id(), id)?
        .filter(|p| p.deleted_at.is_none())
        .ok_or_else(|| actor.not_found("project", id))
}

/// A live project, its row locked for the change (which also serialises "start next
/// cycle", so two clicks cannot race for the same number); a deleted one is a 409.
pub fn lock_live(
    conn: &mut PgConnection,
    actor: &Actor,
    id: ProjectId,
) -> Result<Project, AppError> {
    let project = Project::lock_in_company(conn, actor.company_id(), id)?
        .ok_or_else(|| actor.not_found("project", id))?;
    if project.deleted_at.is_some() {
        return Err(AppError::from(ProjectRefused::Deleted));
    }
    Ok(project)
}

/// The form's values as stored, the bucket and region being the location's.
fn fields<'a>(input: &'a ProjectInput, location: &'a StorageLocation) -> ProjectFields<'a> {
    ProjectFields {
        project_name: &input.name,
        bucket_name: &location.bucket_name,
        aws_region: &location.aws_region,
        storage_location_id: location.id,
        description: input.description.as_deref(),
        is_active: input.active,
        review_uploads: input.review_uploads,
        allowed_file_types: input.allowed_file_types.iter().cloned().map(Some).collect(),
        reminder_days: input.reminder_days.iter().copied().map(Some).collect(),
        overdue_every_days: input.overdue_every_days,
    }
}

fn create_in(
    conn: &mut PgConnection,
    actor: &Actor,
    input: &ProjectInput,
) -> Result<Project, AppError> {
    if Project::name_taken(conn, actor.company_id(), &input.name, None)? {
        return Err(name_conflict());
    }
    let location = storage_locations::find_own(conn, actor, input.location)?;
    let project = Project::insert(
        conn,
        &NewProject {
            company_id: actor.company_id(),
            fields: fields(input, &location),
        },
    )?;
    Tag::set_for_project(conn, actor.company_id(), project.id, &input.tags)?;
    actor
        .audit(actions::PROJECT_CREATED)
        .project(project.id)
        .resource("project", project.id)
        .details(json!({ "after": record(&project, &input.tags) }))
        .record(conn)?;
    Ok(project)
}

fn update_in(
    conn: &mut PgConnection,
    actor: &Actor,
    id: ProjectId,
    input: &ProjectInput,
) -> Result<Project, AppError> {
    let before = lock_live(conn, actor, id)?;
    let before_tags = Tag::names_for_project(conn, id)?;
    if Project::name_taken(conn, actor.company_id(), &input.name, Some(id))? {
        return Err(name_conflict());
    }
    // A move affects new uploads only: every file keeps the location it was written to.
    let location = storage_locations::find_own(conn, actor, input.location)?;
    let after = Project::update(conn, id, &fields(input, &location))?;
    Tag::set_for_project(conn, actor.company_id(), id, &input.tags)?;
    let mut after_tags = input.tags.clone();
    after_tags.sort();
    actor
        .audit(actions::PROJECT_UPDATED)
        .project(id)
        .resource("project", id)
        .details(json!({
            "before": record(&before, &before_tags),
            "after": record(&after, &after_tags),
        }))
        .record(conn)?;
    Ok(after)
}

/// Soft delete: the project disappears from lists and uploads; its rows and history stay.
fn delete_in(
    conn: &mut PgConnection,
    actor: &Actor,
    id: ProjectId,
    now: DateTime<Utc>,
) -> Result<Project, AppError> {
    let project = lock_live(conn, actor, id)?;
    legal_holds::refuse_project_if_held(conn, actor.company_id(), id)?;
    Project::set_deleted(conn, id, Some(now))?;
    actor
        .audit(actions::PROJECT_DELETED)
        .project(id)
        .resource("project", id)
        .details(json!({
            "project_name": project.project_name,
            "before": { "deleted_at": null },
            "after": { "deleted_at": now },
        }))
        .record(conn)?;
    Ok(project)
}

fn restore_in(conn: &mut PgConnection, actor: &Actor, id: ProjectId) -> Result<Project, AppError> {
    let project = Project::lock_in_company(conn, actor.company_id(), id)?
        .ok_or_else(|| actor.not_found("project", id))?;
    let Some(deleted_at) = project.deleted_at else {
        return Err(AppError::from(ProjectRefused::NotDeleted));
    };
    Project::set_deleted(conn, id, None)?;
    actor
        .audit(actions::PROJECT_RESTORED)
        .project(id)
        .resource("project", id)
        .details(json!({
            "project_name": project.project_name,
            "before": { "deleted_at": deleted_at },
            "after": { "deleted_at": null },
        }))
        .record(conn)?;
    Ok(project)
}

/// The projects a member sees: all of the company's for an admin, the granted ones for
/// everyone else.
pub(in crate::services) fn visible_in(
    conn: &mut PgConnection,
    actor: &Actor,
    window: &ListWindow,
) -> Result<Vec<Project>, AppError> {
    Ok(if actor.is_admin() {
        Project::list_in_company(conn, actor.company_id(), window, ProjectState::Current)?
    } else {
        match actor.user_id() {
            Some(user) => Project::list_granted_to(conn, actor.company_id(), user, window)?,
            // A machine token sees its own project.
            None => match actor.token_caller() {
                Some(caller) => {
                    let mut own = Vec::new();
                    for id in &caller.projects {
                        own.extend(
                            Project::find_in_company(conn, actor.company_id(), *id)?
                                .filter(|p| p.deleted_at.is_none()),
                        );
                    }
                    own
                }
                None => Vec::new(),
            },
        }
    })
}

/// One project as a member sees it: an admin sees any live project of the company, a
/// user only one granted to them; anything else is a 404.
fn visible_one_in(
    conn: &mut PgConnection,
    actor: &Actor,
    id: ProjectId,
) -> Result<(Project, Vec<Cycle>, ProjectRight), AppError> {
    let project = find_live(conn, actor, id)?;
    let right =
        project_access::right_in(conn, actor, id)?.ok_or_else(|| actor.not_found("project", id))?;
    let cycles = Cycle::for_project(conn, id)?;
    Ok((project, cycles, right))
}

/// The projects of the company for its admin: current, deleted or all, by name.
pub async fn list_for_admin(
    ctx: &ServiceContext,
    actor: &Actor,
    window: ListWindow,
    state: ProjectState,
) -> Result<Vec<Project>, AppError> {
    ctx.run(actor, move |conn, actor| {
        Ok(Project::list_in_company(
            conn,
            actor.company_id(),
            &window,
            state,
        )?)
    })
    .await
}

pub async fn create(
    ctx: &ServiceContext,
    actor: &Actor,
    input: ProjectInput,
) -> Result<Project, AppError> {
    ctx.run(actor, move |conn, actor| create_in(conn, actor, &input))
        .await
}

pub async fn update(
    ctx: &ServiceContext,
    actor: &Actor,
    id: ProjectId,
    input: ProjectInput,
) -> Result<Project, AppError> {
    ctx.run(actor, move |conn, actor| update_in(conn, actor, id, &input))
        .await
}

pub async fn delete(
    ctx: &ServiceContext,
    actor: &Actor,
    id: ProjectId,
) -> Result<Project, AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| delete_in(conn, actor, id, now))
        .await
}

pub async fn restore(
    ctx: &ServiceContext,
    actor: &Actor,
    id: ProjectId,
) -> Result<Project, AppError> {
    ctx.run(actor, move |conn, actor| restore_in(conn, actor, id))
        .await
}

pub async fn visible(
    ctx: &ServiceContext,
    actor: &Actor,
    window: ListWindow,
) -> Result<Vec<Project>, AppError> {
    ctx.run(actor, move |conn, actor| visible_in(conn, actor, &window))
        .await
}

/// One project as a member sees it, its cycles, and what the member may do there.
pub async fn visible_one(
    ctx: &ServiceContext,
    actor: &Actor,
    id: ProjectId,
) -> Result<(Project, Vec<Cycle>, ProjectRight), AppError> {
    ctx.run(actor, move |conn, actor| visible_one_in(conn, actor, id))
        .await
}
