//! Records and safety: legal holds (placed on the company, a project or a cycle, listed,
//! lifted with a reason) and a project's retention setting.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::CompanyAdmin;
use crate::db::ids::{CycleId, LegalHoldId, ProjectId};
use crate::db::models::cycle::Cycle;
use crate::db::models::project::Project;
use crate::domain::refusal::InputRefused;
use crate::error::AppError;
use crate::services::legal_holds::{self, HoldInput, HoldView};
use crate::services::retention;
use crate::web::{done, filters, render, Ctx, PageContext};

#[derive(Template)]
#[template(path = "admin/holds.html")]
struct HoldsPage {
    page: PageContext,
    holds: Vec<HoldView>,
    projects: Vec<(Project, Vec<Cycle>)>,
}

pub async fn page(admin: CompanyAdmin, ctx: Ctx) -> Result<HttpResponse, AppError> {
    let (holds, projects) = legal_holds::page(ctx.services(), &admin.actor).await?;
    render(&HoldsPage {
        page: PageContext::admin(&admin, &ctx.session),
        holds,
        projects,
    })
}

#[derive(Debug, Deserialize)]
pub struct PlaceForm {
    /// Empty: the whole company.
    #[serde(default)]
    project_id: String,
    /// Empty: the whole project.
    #[serde(default)]
    cycle_id: String,
    #[serde(default)]
    reason: String,
}

fn optional_id(text: &str) -> Result<Option<i32>, AppError> {
    match text.trim() {
        "" => Ok(None),
        id => id
            .parse()
            .map(Some)
            .map_err(|_| AppError::from(InputRefused::ScopeNotChosen)),
    }
}

pub async fn place(
    admin: CompanyAdmin,
    ctx: Ctx,
    form: web::Form<PlaceForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let project = optional_id(&form.project_id)?.map(ProjectId);
    let cycle = optional_id(&form.cycle_id)?.map(CycleId);
    let placed = legal_holds::place(
        ctx.services(),
        &admin.actor,
        HoldInput {
            project,
            cycle,
            reason: form.reason,
        },
    )
    .await?;
    let back = match project {
        Some(project) => format!("/admin/projects/{project}#holds"),
        None => "/admin/holds".to_owned(),
    };
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!(
            "Placed a legal hold on {}: nothing of it can be deleted until an admin lifts it.",
            placed.covers
        ),
        &back,
    ))
}

#[derive(Debug, Deserialize)]
pub struct LiftForm {
    #[serde(default)]
    reason: String,
    /// Where to go back to: the project page the form was on, or the holds page.
    #[serde(default)]
    back_to_project: String,
}

pub async fn lift(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<LegalHoldId>,
    form: web::Form<LiftForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let lifted =
        legal_holds::lift(ctx.services(), &admin.actor, path.into_inner(), form.reason).await?;
    let back = match (optional_id(&form.back_to_project)?, lifted.hold.project_id) {
        (Some(_), Some(project)) => format!("/admin/projects/{project}#holds"),
        _ => "/admin/holds".to_owned(),
    };
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!("Lifted the legal hold on {}.", lifted.covers),
        &back,
    ))
}

#[derive(Debug, Deserialize)]
pub struct RetentionForm {
    /// `forever` or `days`.
    #[serde(default)]
    keep: String,
    #[serde(default)]
    days: String,
}

pub async fn set_retention(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<ProjectId>,
    form: web::Form<RetentionForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let days = match form.keep.as_str() {
        "forever" => None,
        // Unreadable days are out of range: the service says so (once it knows the
        // project is the admin's own).
        _ => Some(form.days.trim().parse::<i32>().unwrap_or(0)),
    };
    let project = retention::settings::set(ctx.services(), &admin.actor, id, days).await?;
    let said = match project.retention_days {
        None => format!("{} keeps its files for ever.", project.project_name),
        Some(days) => format!(
            "{} deletes files {days} days after their cycle is closed (unless a legal hold keeps them).",
            project.project_name
        ),
    };
    Ok(done(
        &ctx.req,
        &ctx.session,
        said,
        &format!("/admin/projects/{id}#records"),
    ))
}
