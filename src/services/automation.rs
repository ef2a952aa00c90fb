//! The automation API's use cases (`/api/v1` with the `admin` scope): a firm's own system
//! drives a cycle as its admins do on their pages, through the same services: start a
//! cycle from the project's request list, add, edit and remove its requests, make and
//! revoke upload links, decide on requests, read what is missing. The API names things
//! by their own id (a request, a link); each is found in the token's company (and among
//! the token's projects, when it has a list), else it is a 404 like a missing one.

use diesel::prelude::*;

use crate::db::ids::{CycleId, CycleRequestId, ProjectId, UploadLinkId};
use crate::db::models::cycle::Cycle;
use crate::db::models::cycle_request::CycleRequest;
use crate::db::models::document_request::RequestFields;
use crate::db::models::project::Project;
use crate::domain::refusal::AutomationRefused;
use crate::domain::{RequestDecision, TokenScope};
use crate::error::AppError;
use crate::services::dashboards::Scope;
use crate::services::missing::{self, MissingSort, OpenRequest};
use crate::services::request_edit::{self, RequestPatch};
use crate::services::upload_links::{self, LinkRequest, UploadLink};
use crate::services::{cycle_requests, cycles, Actor, ServiceContext};

/// Only a company admin's token with the `admin` scope automates (a person on the pages
/// uses the pages).
fn admin_only(actor: &Actor) -> Result<(), AppError> {
    if actor.token_caller().is_some() && actor.is_admin() && actor.may(TokenScope::Admin) {
        Ok(())
    } else {
        Err(AutomationRefused::AdminScopeMissing.into())
    }
}

/// Whether the token reaches `project` (a token limited to some projects, only those).
fn reaches(actor: &Actor, project: ProjectId) -> bool {
    actor
        .token_caller()
        .is_some_and(|c| c.projects.is_empty() || c.projects.contains(&project))
}

/// A live project of the company the token reaches.
fn project_of(conn: &mut PgConnection, actor: &Actor, id: ProjectId) -> Result<Project, AppError> {
    Project::find_in_company(conn, actor.company_id(), id)?
        .filter(|p| p.deleted_at.is_none() && reaches(actor, p.id))
        .ok_or_else(|| actor.not_found("project", id))
}

/// A cycle (of a live project of the company the token reaches).
fn cycle_of(conn: &mut PgConnection, actor: &Actor, id: CycleId) -> Result<Cycle, AppError> {
    let cycle = Cycle::find(conn, id)?.ok_or_else(|| actor.not_found("cycle", id))?;
    let reachable = Project::find_in_company(conn, actor.company_id(), cycle.project_id)?
        .is_some_and(|p| p.deleted_at.is_none() && reaches(actor, p.id));
    if reachable {
        Ok(cycle)
    } else {
        Err(actor.not_found("cycle", id))
    }
}

/// Finds what the API names by its id, in one short read (a request never changes its
/// cycle, nor a cycle its project, so the use case that follows finds the same).
async fn resolve<T, F>(ctx: &ServiceContext, actor: &Actor, find: F) -> Result<T, AppError>
where
    F: FnOnce(&mut PgConnection, &Actor) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    admin_only(actor)?;
    ctx.run(actor, find).await
}

async fn request_in_cycle(
    ctx: &ServiceContext,
    actor: &Actor,
    id: CycleRequestId,
) -> Result<Cycle, AppError> {
    resolve(ctx, actor, move |conn, actor| {
        let request = CycleRequest::find_in_company(conn, actor.company_id(), id)?
            .ok_or_else(|| actor.not_found("cycle_request", id))?;
        cycle_of(conn, actor, request.cycle_id).map_err(|_| actor.not_found("cycle_request", id))
    })
    .await
}

/// Starts the project's next cycle with a copy of its request list; answers the cycle
/// and its requests.
pub async fn start_cycle(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    due_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(Cycle, Vec<CycleRequest>), AppError> {
    resolve(ctx, actor, move |conn, actor| {
        project_of(conn, actor, project)
    })
    .await?;
    let cycle = cycles::start_next_due(ctx, actor, project, due_at).await?;
    let id = cycle.id;
    let requests = resolve(ctx, actor, move |conn, actor| {
        Ok(CycleRequest::for_cycle(conn, actor.company_id(), id)?)
    })
    .await?;
    Ok((cycle, requests))
}

/// Adds a request to a cycle; answers it with its cycle.
pub async fn add_request(
    ctx: &ServiceContext,
    actor: &Actor,
    cycle: CycleId,
    fields: RequestFields,
    due_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(Cycle, CycleRequest), AppError> {
    let cycle = resolve(ctx, actor, move |conn, actor| cycle_of(conn, actor, cycle)).await?;
    let added =
        cycle_requests::add(ctx, actor, (cycle.project_id, cycle.id), fields, due_at).await?;
    Ok((cycle, added))
}

/// Changes what a request asks for.
pub async fn edit_request(
    ctx: &ServiceContext,
    actor: &Actor,
    id: CycleRequestId,
    patch: RequestPatch,
) -> Result<(Cycle, CycleRequest), AppError> {
    let cycle = request_in_cycle(ctx, actor, id).await?;
    if patch.is_empty() {
        return Err(AutomationRefused::NothingToChange.into());
    }
    let edited = request_edit::edit(ctx, actor, (cycle.project_id, cycle.id), id, patch).await?;
    Ok((cycle, edited))
}

/// Removes a request from its cycle (its files stay, as other files).
pub async fn remove_request(
    ctx: &ServiceContext,
    actor: &Actor,
    id: CycleRequestId,
) -> Result<CycleRequest, AppError> {
    let cycle = request_in_cycle(ctx, actor, id).await?;
    cycle_requests::remove(ctx, actor, (cycle.project_id, cycle.id), id).await
}

/// Records a review decision on a request (a rejection's reason is what the sender reads).
pub async fn review(
    ctx: &ServiceContext,
    actor: &Actor,
    id: CycleRequestId,
    decision: RequestDecision,
    reason: Option<String>,
) -> Result<(Cycle, CycleRequest), AppError> {
    let cycle = request_in_cycle(ctx, actor, id).await?;
    if decision.needs_note() && reason.is_none() {
        return Err(AutomationRefused::ReasonMissing.into());
    }
    let decided = cycle_requests::decide(
        ctx,
        actor,
        (cycle.project_id, cycle.id),
        id,
        decision,
        reason,
    )
    .await?;
    Ok((cycle, decided))
}

/// Makes an upload link into a cycle; answers it with its address (shown this once).
pub async fn create_link(
    ctx: &ServiceContext,
    actor: &Actor,
    cycle: CycleId,
    wanted: LinkRequest,
) -> Result<(UploadLink, String), AppError> {
    let cycle = resolve(ctx, actor, move |conn, actor| cycle_of(conn, actor, cycle)).await?;
    let (link, token) =
        upload_links::create(ctx, actor, cycle.project_id, cycle.id, wanted).await?;
    Ok((link, format!("{}/u/{token}", ctx.public_url())))
}

/// Revokes an upload link.
pub async fn revoke_link(
    ctx: &ServiceContext,
    actor: &Actor,
    id: UploadLinkId,
) -> Result<UploadLink, AppError> {
    let link = resolve(ctx, actor, move |conn, actor| {
        UploadLink::find_in_company(conn, actor.company_id(), id)?
            .filter(|l| reaches(actor, l.project_id))
            .ok_or_else(|| actor.not_found("upload_link", id))
    })
    .await?;
    upload_links::revoke(ctx, actor, link.project_id, link.cycle_id, id).await
}

/// What is missing across the company (the token's projects, when it has a list).
pub struct Missing {
    /// Open requests of open cycles, soonest due first.
    pub requests: Vec<OpenRequest>,
    /// There were more than listed.
    pub more: bool,
    /// When it was read (what is overdue).
    pub now: chrono::DateTime<chrono::Utc>,
}

pub async fn missing(ctx: &ServiceContext, actor: &Actor) -> Result<Missing, AppError> {
    admin_only(actor)?;
    let scope = Scope::Company(actor.company_id());
    let mut open = missing::open_requests_in(ctx, actor, scope, MissingSort::Due).await?;
    open.retain(|r| reaches(actor, r.project_id));
    let more = open.len() > usize::try_from(missing::LIMIT).unwrap_or(usize::MAX);
    open.truncate(usize::try_from(missing::LIMIT).unwrap_or(usize::MAX));
    Ok(Missing {
        requests: open,
        more,
        now: ctx.clock().now(),
    })
}
