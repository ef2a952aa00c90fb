//! The projects a member may see: all of the company's for an admin, the granted ones
//! for everyone else.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::Member;
use crate::db::ids::ProjectId;
use crate::db::models::cycle::Cycle;
use crate::db::models::project::Project;
use crate::error::AppError;
use crate::services::project_access::ProjectRight;
use crate::services::projects;
use crate::web::{filters, render, Ctx, ListQuery, PageContext, Paged};

#[derive(Template)]
#[template(path = "projects/list.html", blocks = ["table"])]
struct ListPage {
    page: PageContext,
    query: ListQuery,
    projects: Paged<Project>,
}

pub async fn list(
    member: Member,
    ctx: Ctx,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let rows = projects::visible(ctx.services(), &member.actor, query.window()).await?;
    let page = ListPage {
        page: PageContext::signed_in(&member.user, &ctx.session),
        projects: Paged::from_rows(rows, &query),
        query,
    };
    crate::page_or_partial!(&ctx.req, StatusCode::OK, page, as_table)
}

#[derive(Template)]
#[template(path = "projects/show.html")]
struct ShowPage {
    page: PageContext,
    project: Project,
    cycles: Vec<Cycle>,
    right: ProjectRight,
}

pub async fn show(
    member: Member,
    ctx: Ctx,
    path: web::Path<ProjectId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (project, cycles, right) = projects::visible_one(ctx.services(), &member.actor, id).await?;
    render(&ShowPage {
        page: PageContext::signed_in(&member.user, &ctx.session),
        project,
        cycles,
        right,
    })
}
