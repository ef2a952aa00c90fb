//! What the JSON API reads: the projects, cycles, requests and files an actor may see
//! (a token: only in its projects, and files only with the `read` scope). Tenant rules
//! are the pages' own: another company's id is a 404 with its `access_denied` row.

use diesel::prelude::*;

use crate::db::ids::{CycleId, FileUploadId, ProjectId};
use crate::db::models::cycle::Cycle;
use crate::db::models::cycle_request::CycleRequest;
use crate::db::models::file_upload::{self, FileUpload};
use crate::db::models::project::Project;
use crate::db::models::superseded::Newest;
use crate::domain::refusal::AccessRefused;
use crate::domain::{FileStatus, ListWindow, TokenScope};
use crate::error::AppError;
use crate::schema::file_uploads;
use crate::services::actor::Actor;
use crate::services::{project_access, projects, ServiceContext};

/// The projects the actor may reach (at most 500).
pub async fn projects(ctx: &ServiceContext, actor: &Actor) -> Result<Vec<Project>, AppError> {
    ctx.run(actor, |conn, actor| {
        let window = ListWindow {
            text: None,
            offset: 0,
            limit: 500,
        };
        let mut rows = projects::visible_in(conn, actor, &window)?;
        let mut reachable = Vec::with_capacity(rows.len());
        for project in rows.drain(..) {
            if project_access::right_in(conn, actor, project.id)?.is_some() {
                reachable.push(project);
            }
        }
        Ok(reachable)
    })
    .await
}

/// A project and its cycles, newest first.
pub async fn cycles(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
) -> Result<(Project, Vec<Cycle>), AppError> {
    let (project, cycles, _) = projects::visible_one(ctx, actor, project).await?;
    Ok((project, cycles))
}

/// A cycle the actor may reach, with its project.
fn visible_cycle(
    conn: &mut PgConnection,
    actor: &Actor,
    id: CycleId,
) -> Result<(Project, Cycle), AppError> {
    let cycle = Cycle::find(conn, id)?.ok_or_else(|| actor.not_found("cycle", id))?;
    let project = projects::find_live(conn, actor, cycle.project_id)
        .map_err(|_| actor.not_found("cycle", id))?;
    if project_access::right_in(conn, actor, project.id)?.is_none() {
        return Err(actor.not_found("cycle", id));
    }
    Ok((project, cycle))
}

/// A cycle's requests, in list order.
pub async fn requests(
    ctx: &ServiceContext,
    actor: &Actor,
    cycle: CycleId,
) -> Result<(Cycle, Vec<CycleRequest>), AppError> {
    ctx.run(actor, move |conn, actor| {
        let (project, cycle) = visible_cycle(conn, actor, cycle)?;
        let requests = CycleRequest::for_cycle(conn, project.company_id, cycle.id)?;
        Ok((cycle, requests))
    })
    .await
}

fn read_scope(actor: &Actor) -> Result<(), AppError> {
    if actor.may(TokenScope::Read) {
        Ok(())
    } else {
        Err(AppError::from(AccessRefused::ReadScopeMissing))
    }
}

/// A cycle's stored files (current versions, not deleted), by id, `limit` after `after`,
/// with the newest file of each of their requests (what supersedes which).
pub async fn files(
    ctx: &ServiceContext,
    actor: &Actor,
    cycle: CycleId,
    after: Option<FileUploadId>,
    limit: i64,
) -> Result<(Vec<FileUpload>, Newest), AppError> {
    read_scope(actor)?;
    ctx.run(actor, move |conn, actor| {
        let (project, cycle) = visible_cycle(conn, actor, cycle)?;
        let files = file_uploads::table
            .filter(file_uploads::company_id.eq(project.company_id))
            .filter(file_uploads::cycle_id.eq(cycle.id))
            .filter(file_upload::status_is(FileStatus::Completed))
            .filter(file_uploads::replaced_by.is_null())
            .filter(file_uploads::deleted_at.is_null())
            .filter(file_uploads::id.gt(after.unwrap_or(FileUploadId(0))))
            .order(file_uploads::id.asc())
            .limit(limit)
            .select(FileUpload::as_select())
            .load(conn)?;
        let newest = Newest::of_files(conn, project.company_id, &files)?;
        Ok((files, newest))
    })
    .await
}

/// A stored file's bytes (the `read` scope; audited like every download).
pub async fn download(
    ctx: &ServiceContext,
    actor: &Actor,
    id: FileUploadId,
) -> Result<crate::services::files::Download, AppError> {
    read_scope(actor)?;
    crate::services::files::download(ctx, actor, id).await
}
