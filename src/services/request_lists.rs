//! A project's request list: the documents every new cycle asks for. Editing it changes
//! future cycles only; each cycle keeps its own copy (see `cycle_requests`).

use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::{DocumentRequestId, ProjectId};
use crate::db::models::document_request::{name_taken, DocumentRequest, RequestFields};
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::{projects, ServiceContext};

/// The same name twice in one list (ignoring case) is a field message, not a 500.
pub(in crate::services) fn name_in_use(e: diesel::result::Error) -> AppError {
    if name_taken(&e) {
        let mut errors = FieldErrors::default();
        errors.add("name", "This list already has a request with that name.");
        AppError::Invalid(errors)
    } else {
        e.into()
    }
}

fn find(
    conn: &mut PgConnection,
    actor: &Actor,
    project: ProjectId,
    id: DocumentRequestId,
) -> Result<DocumentRequest, AppError> {
    let project = projects::lock_live(conn, actor, project)?;
    DocumentRequest::lock_in_project(conn, actor.company_id(), project.id, id)?
        .ok_or_else(|| actor.not_found("document_request", id))
}

pub async fn add(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    fields: RequestFields,
) -> Result<DocumentRequest, AppError> {
    ctx.run(actor, move |conn, actor| {
        let project = projects::lock_live(conn, actor, project)?;
        let added = conn
            .transaction(|conn| {
                DocumentRequest::insert(conn, actor.company_id(), project.id, &fields)
            })
            .map_err(name_in_use)?;
        actor
            .audit(actions::REQUEST_LIST_CHANGED)
            .project(project.id)
            .resource("document_request", added.id)
            .details(json!({ "change": "added", "after": fields }))
            .record(conn)?;
        Ok(added)
    })
    .await
}

pub async fn update(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    id: DocumentRequestId,
    fields: RequestFields,
) -> Result<DocumentRequest, AppError> {
    ctx.run(actor, move |conn, actor| {
        let before = find(conn, actor, project, id)?;
        let after = conn
            .transaction(|conn| DocumentRequest::update(conn, id, &fields))
            .map_err(name_in_use)?;
        actor
            .audit(actions::REQUEST_LIST_CHANGED)
            .project(before.project_id)
            .resource("document_request", id)
            .details(json!({ "change": "updated", "before": before, "after": fields }))
            .record(conn)?;
        Ok(after)
    })
    .await
}

/// Removes an item from the list; cycles that copied it keep their request.
pub async fn remove(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    id: DocumentRequestId,
) -> Result<DocumentRequest, AppError> {
    ctx.run(actor, move |conn, actor| {
        let before = find(conn, actor, project, id)?;
        DocumentRequest::delete(conn, id)?;
        actor
            .audit(actions::REQUEST_LIST_CHANGED)
            .project(before.project_id)
            .resource("document_request", id)
            .details(json!({ "change": "removed", "before": before }))
            .record(conn)?;
        Ok(before)
    })
    .await
}

/// The project and its request list, for the list's page.
pub async fn view(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
) -> Result<(crate::db::models::project::Project, Vec<DocumentRequest>), AppError> {
    ctx.run(actor, move |conn, actor| {
        let project = projects::find_live(conn, actor, project)?;
        let list = DocumentRequest::for_project(conn, actor.company_id(), project.id)?;
        Ok((project, list))
    })
    .await
}
