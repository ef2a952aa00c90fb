//! Editing one of a cycle's requests on a page of its own: what it asks for (a file or a
//! kind of question, its choices), its instructions, rules and own due date.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::CompanyAdmin;
use crate::db::ids::{CycleId, CycleRequestId, ProjectId};
use crate::db::models::cycle_request::CycleRequest;
use crate::error::AppError;
use crate::routes::admin::request_form::RequestForm;
use crate::services::request_edit::{self, RequestPatch};
use crate::web::{done, form_status, html, submit, validated, Ctx, FieldErrors, PageContext};

#[derive(Template)]
#[template(path = "admin/requests/edit.html")]
struct EditPage {
    page: PageContext,
    project_name: String,
    view_cycle_name: String,
    request: CycleRequest,
    fulfilled: bool,
    back: String,
    form: RequestForm,
    errors: FieldErrors,
}

type Path = web::Path<(ProjectId, CycleId, CycleRequestId)>;

async fn edit_page(
    admin: &CompanyAdmin,
    ctx: &Ctx,
    (project, cycle, id): (ProjectId, CycleId, CycleRequestId),
    shown: Option<(RequestForm, FieldErrors)>,
) -> Result<HttpResponse, AppError> {
    let (project, cycle, request, fulfilled) =
        request_edit::one(ctx.services(), &admin.actor, (project, cycle), id).await?;
    let (form, errors) = shown.unwrap_or_else(|| {
        (
            RequestForm::of(&request, admin.user.timezone),
            FieldErrors::default(),
        )
    });
    html(
        form_status(&errors),
        &EditPage {
            page: PageContext::admin(admin, &ctx.session),
            back: format!(
                "/admin/projects/{}/cycles/{}/requests",
                project.id, cycle.id
            ),
            project_name: project.project_name,
            view_cycle_name: cycle.cycle_name,
            request,
            fulfilled,
            form,
            errors,
        },
    )
}

pub async fn page(admin: CompanyAdmin, ctx: Ctx, path: Path) -> Result<HttpResponse, AppError> {
    edit_page(&admin, &ctx, path.into_inner(), None).await
}

pub async fn update(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: Path,
    form: web::Form<RequestForm>,
) -> Result<HttpResponse, AppError> {
    let (project, cycle, id) = path.into_inner();
    let form = form.into_inner();
    let timezone = admin.user.timezone;
    let input = validated(|errors| {
        let fields = form.parse(errors);
        let due = form.parse_due(errors, timezone);
        Some(RequestPatch::whole(fields?, due?))
    });
    let saved = submit(input, |patch| {
        request_edit::edit(ctx.services(), &admin.actor, (project, cycle), id, patch)
    })
    .await?;
    match saved {
        Ok(edited) => Ok(done(
            &ctx.req,
            &ctx.session,
            format!("Saved “{}”.", edited.name),
            &format!("/admin/projects/{project}/cycles/{cycle}/requests"),
        )),
        Err(errors) => edit_page(&admin, &ctx, (project, cycle, id), Some((form, errors))).await,
    }
}
