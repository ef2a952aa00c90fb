use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::CompanyAdmin;
use crate::db::ids::{CycleId, ProjectId};
use crate::db::models::cycle::Cycle;
use crate::db::models::project::Project;
use crate::domain::refusal::InputRefused;
use crate::domain::{fields, CycleStatus, S3Prefix};
use crate::error::AppError;
use crate::services::cycles;
use crate::web::{done, filters, render, submit, validated, Ctx, FieldErrors, PageContext};

pub async fn start_next(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<ProjectId>,
) -> Result<HttpResponse, AppError> {
    let project = path.into_inner();
    let cycle = cycles::start_next(ctx.services(), &admin.actor, project).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!(
            "Started {}; uploads go under {}/.",
            cycle.cycle_name, cycle.s3_prefix
        ),
        &format!("/admin/projects/{project}#cycles"),
    ))
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CycleForm {
    #[serde(default)]
    s3_prefix: String,
    #[serde(default)]
    description: String,
}

#[derive(Template)]
#[template(path = "admin/cycles/edit.html", blocks = ["form"])]
struct EditPage {
    page: PageContext,
    project: Project,
    cycle: Cycle,
    prefix_fixed: bool,
    form: CycleForm,
    errors: FieldErrors,
}

pub async fn edit(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<(ProjectId, CycleId)>,
) -> Result<HttpResponse, AppError> {
    let (project, id) = path.into_inner();
    let (project, cycle, prefix_fixed) =
        cycles::for_edit(ctx.services(), &admin.actor, project, id).await?;
    let form = CycleForm {
        s3_prefix: cycle.s3_prefix.clone(),
        description: cycle.description.clone().unwrap_or_default(),
    };
    render(&EditPage {
        page: PageContext::admin(&admin, &ctx.session),
        project,
        cycle,
        prefix_fixed,
        form,
        errors: FieldErrors::default(),
    })
}

pub async fn update(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<(ProjectId, CycleId)>,
    form: web::Form<CycleForm>,
) -> Result<HttpResponse, AppError> {
    let (project_id, id) = path.into_inner();
    let form = form.into_inner();
    let input = validated(|errors| {
        let prefix = errors.check("s3_prefix", S3Prefix::parse(&form.s3_prefix));
        let description = errors.check(
            "description",
            fields::optional_text(&form.description, 5000),
        );
        Some((prefix?, description?))
    });
    let saved = submit(input, |(prefix, description)| {
        cycles::update(
            ctx.services(),
            &admin.actor,
            project_id,
            id,
            prefix,
            description,
        )
    })
    .await?;
    match saved {
        Ok(cycle) => Ok(done(
            &ctx.req,
            &ctx.session,
            format!("Saved {}.", cycle.cycle_name),
            &format!("/admin/projects/{project_id}#cycles"),
        )),
        Err(errors) => {
            let (project, cycle, prefix_fixed) =
                cycles::for_edit(ctx.services(), &admin.actor, project_id, id).await?;
            let page = EditPage {
                page: PageContext::admin(&admin, &ctx.session),
                project,
                cycle,
                prefix_fixed,
                form,
                errors,
            };
            crate::page_or_partial!(&ctx.req, StatusCode::UNPROCESSABLE_ENTITY, page, as_form)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
    /// Why, when the move goes against the cycle's designed life or its requests.
    #[serde(default)]
    note: String,
}

pub async fn change_status(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<(ProjectId, CycleId)>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, AppError> {
    let (project, id) = path.into_inner();
    let to = CycleStatus::parse(&form.status)
        .ok_or_else(|| InputRefused::UnknownCycleStatus(form.status.clone()))?;
    let note = fields::optional_name(&form.note, "reason", 500).map_err(InputRefused::Field)?;
    let cycle = cycles::change_status(ctx.services(), &admin.actor, project, id, to, note).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!("{} is now {}.", cycle.cycle_name, to.label().to_lowercase()),
        &format!("/admin/projects/{project}#cycles"),
    ))
}
