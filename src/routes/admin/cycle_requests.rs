//! One cycle's requests: review item by item, add or remove items, due dates.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::CompanyAdmin;
use crate::db::ids::{CycleId, CycleRequestId, ProjectId};
use crate::db::models::cycle_request::CycleRequest;
use crate::domain::refusal::InputRefused;
use crate::domain::{fields, RequestDecision, RequestStatus};
use crate::error::AppError;
use crate::routes::admin::request_form::RequestForm;
use crate::services::cycle_requests::{self, CycleRequests};
use crate::services::cycles;
use crate::web::{
    done, filters, form_status, html, submit, validated, Ctx, FieldErrors, PageContext,
};

#[derive(Template)]
#[template(path = "admin/requests/cycle.html")]
struct CyclePage {
    page: PageContext,
    view: CycleRequests,
    form: RequestForm,
    errors: FieldErrors,
}

impl CyclePage {
    fn due_value(&self) -> String {
        self.view
            .cycle
            .due_at
            .map(|d| {
                d.with_timezone(&self.page.timezone())
                    .format("%Y-%m-%d")
                    .to_string()
            })
            .unwrap_or_default()
    }

    fn base(&self) -> String {
        format!(
            "/admin/projects/{}/cycles/{}/requests",
            self.view.project.id, self.view.cycle.id
        )
    }

    /// The due date that applies to an item.
    fn due_of(&self, request: &CycleRequest) -> Option<chrono::DateTime<chrono::Utc>> {
        request.due(self.view.cycle.due_at)
    }

    fn can_accept(&self, status: &RequestStatus) -> bool {
        matches!(status, RequestStatus::Submitted | RequestStatus::Rejected)
    }
}

fn location(project: ProjectId, cycle: CycleId) -> String {
    format!("/admin/projects/{project}/cycles/{cycle}/requests")
}

async fn cycle_page(
    admin: &CompanyAdmin,
    ctx: &Ctx,
    (project, cycle): (ProjectId, CycleId),
    (form, errors): (RequestForm, FieldErrors),
) -> Result<HttpResponse, AppError> {
    let view = cycle_requests::view(ctx.services(), &admin.actor, project, cycle).await?;
    html(
        form_status(&errors),
        &CyclePage {
            page: PageContext::admin(admin, &ctx.session),
            view,
            form,
            errors,
        },
    )
}

pub async fn page(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<(ProjectId, CycleId)>,
) -> Result<HttpResponse, AppError> {
    cycle_page(&admin, &ctx, path.into_inner(), RequestForm::first_view()).await
}

pub async fn add(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<(ProjectId, CycleId)>,
    form: web::Form<RequestForm>,
) -> Result<HttpResponse, AppError> {
    let ids = path.into_inner();
    let form = form.into_inner();
    let timezone = admin.user.timezone;
    let input = validated(|errors| {
        let fields = form.parse(errors);
        let due = form.parse_due(errors, timezone);
        Some((fields?, due?))
    });
    let saved = submit(input, |(fields, due)| {
        cycle_requests::add(ctx.services(), &admin.actor, ids, fields, due)
    })
    .await?;
    match saved {
        Ok(added) => Ok(done(
            &ctx.req,
            &ctx.session,
            format!("Added “{}” to this cycle.", added.name),
            &location(ids.0, ids.1),
        )),
        Err(errors) => cycle_page(&admin, &ctx, ids, (form, errors)).await,
    }
}

pub async fn remove(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<(ProjectId, CycleId, CycleRequestId)>,
) -> Result<HttpResponse, AppError> {
    let (project, cycle, id) = path.into_inner();
    let removed =
        cycle_requests::remove(ctx.services(), &admin.actor, (project, cycle), id).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!(
            "Removed “{}”; its files stay, listed as other files.",
            removed.name
        ),
        &location(project, cycle),
    ))
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

pub async fn decide(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<(ProjectId, CycleId, CycleRequestId)>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let (project, cycle, id) = path.into_inner();
    let decision = RequestDecision::parse(&form.decision)
        .ok_or_else(|| InputRefused::UnknownDecision(form.decision.clone()))?;
    let note = fields::optional_name(&form.note, "reason", 500).map_err(InputRefused::Field)?;
    let decided = cycle_requests::decide(
        ctx.services(),
        &admin.actor,
        (project, cycle),
        id,
        decision,
        note,
    )
    .await;
    let request = match decided {
        Ok(request) => request,
        Err(AppError::Invalid(errors)) => {
            let message = errors.get("note").unwrap_or("Say why.").to_owned();
            return Err(InputRefused::Field(message).into());
        }
        Err(e) => return Err(e),
    };
    let message = match request.status {
        RequestStatus::Accepted => format!("Accepted “{}”.", request.name),
        RequestStatus::Rejected => format!(
            "“{}” needs a new file; the uploader sees your reason.",
            request.name
        ),
        RequestStatus::NotApplicable => {
            format!("“{}” is set aside as not applicable.", request.name)
        }
        _ => format!("“{}” is open again.", request.name),
    };
    Ok(done(
        &ctx.req,
        &ctx.session,
        message,
        &location(project, cycle),
    ))
}

#[derive(Debug, Deserialize)]
pub struct DueForm {
    #[serde(default)]
    due: String,
}

pub async fn set_due(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<(ProjectId, CycleId)>,
    form: web::Form<DueForm>,
) -> Result<HttpResponse, AppError> {
    let (project, cycle) = path.into_inner();
    let due = fields::due_date(&form.due, admin.user.timezone).map_err(InputRefused::Field)?;
    let cycle =
        cycle_requests::set_due(ctx.services(), &admin.actor, (project, cycle), None, due).await?;
    let message = match cycle.due_at {
        Some(at) => format!(
            "{} is due {}.",
            cycle.cycle_name,
            filters::time_in(at, admin.user.timezone)
        ),
        None => format!("{} has no due date now.", cycle.cycle_name),
    };
    Ok(done(
        &ctx.req,
        &ctx.session,
        message,
        &location(project, cycle.id),
    ))
}

pub async fn follow_requests(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<(ProjectId, CycleId)>,
) -> Result<HttpResponse, AppError> {
    let (project, cycle) = path.into_inner();
    let cycle = cycles::follow_requests_again(ctx.services(), &admin.actor, project, cycle).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!(
            "{} follows its requests again; it is {}.",
            cycle.cycle_name,
            cycle.status.label().to_lowercase()
        ),
        &location(project, cycle.id),
    ))
}
