//! A project's request list: what every new cycle asks for.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::CompanyAdmin;
use crate::db::ids::{DocumentRequestId, ProjectId};
use crate::db::models::document_request::DocumentRequest;
use crate::db::models::project::Project;
use crate::error::AppError;
use crate::routes::admin::request_form::RequestForm;
use crate::services::request_lists;
use crate::web::{done, form_status, html, submit, validated, Ctx, FieldErrors, PageContext};

#[derive(Template)]
#[template(path = "admin/requests/list.html")]
struct ListPage {
    page: PageContext,
    project: Project,
    list: Vec<DocumentRequest>,
    form: RequestForm,
    errors: FieldErrors,
}

async fn list_page(
    admin: &CompanyAdmin,
    ctx: &Ctx,
    project: ProjectId,
    (form, errors): (RequestForm, FieldErrors),
) -> Result<HttpResponse, AppError> {
    let (project, list) = request_lists::view(ctx.services(), &admin.actor, project).await?;
    html(
        form_status(&errors),
        &ListPage {
            page: PageContext::admin(admin, &ctx.session),
            project,
            list,
            form,
            errors,
        },
    )
}

pub async fn page(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<ProjectId>,
) -> Result<HttpResponse, AppError> {
    list_page(&admin, &ctx, path.into_inner(), RequestForm::first_view()).await
}

pub async fn add(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<ProjectId>,
    form: web::Form<RequestForm>,
) -> Result<HttpResponse, AppError> {
    let project = path.into_inner();
    let form = form.into_inner();
    let input = validated(|errors| form.parse(errors));
    let saved = submit(input, |fields| {
        request_lists::add(ctx.services(), &admin.actor, project, fields)
    })
    .await?;
    match saved {
        Ok(added) => Ok(done(
            &ctx.req,
            &ctx.session,
            format!("Added “{}”; new cycles will ask for it.", added.name),
            &format!("/admin/projects/{project}/requests"),
        )),
        Err(errors) => list_page(&admin, &ctx, project, (form, errors)).await,
    }
}

pub async fn remove(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<(ProjectId, DocumentRequestId)>,
) -> Result<HttpResponse, AppError> {
    let (project, id) = path.into_inner();
    let removed = request_lists::remove(ctx.services(), &admin.actor, project, id).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!(
            "Removed “{}” from the list; cycles that already ask for it keep it.",
            removed.name
        ),
        &format!("/admin/projects/{project}/requests"),
    ))
}
