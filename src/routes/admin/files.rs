use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::CompanyAdmin;
use crate::db::ids::{FileUploadId, ProjectId};
use crate::db::models::file_upload::FileUpload;
use crate::db::models::project::Project;
use crate::domain::fields;
use crate::domain::refusal::InputRefused;
use crate::error::AppError;
use crate::services::files::{self, Decision};
use crate::web::{done, filters, render, Ctx, PageContext};

#[derive(Template)]
#[template(path = "admin/files/review.html")]
struct ReviewPage {
    page: PageContext,
    project: Project,
    files: Vec<FileUpload>,
}

pub async fn review_queue(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<ProjectId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (project, files) = files::review_queue(ctx.services(), &admin.actor, id).await?;
    render(&ReviewPage {
        page: PageContext::admin(&admin, &ctx.session),
        project,
        files,
    })
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn review(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<FileUploadId>,
    form: web::Form<ReviewForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let ReviewForm { decision, reason } = form.into_inner();
    let reason = fields::optional_text(&reason, 500).map_err(InputRefused::Field)?;
    let decision = Decision::parse(&decision);
    let (file, project) = files::review(ctx.services(), &admin.actor, id, decision, reason).await?;
    let accept = decision == Some(Decision::Accept);
    let verb = if accept { "Accepted" } else { "Rejected" };
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!("{verb} {}.", file.file_path),
        &format!("/admin/projects/{project}/review"),
    ))
}

pub async fn delete(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<FileUploadId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let file = files::delete(ctx.services(), &admin.actor, id).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!("Deleted {}; its history is kept.", file.file_path),
        &format!("/uploads/{}", file.session_id),
    ))
}
