//! The projects a member may see: all of the company's for an admin, the granted ones
//! for everyone else.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::auth::Member;
use crate::db::ids::ProjectId;
use crate::db::models::cycle::Cycle;
use crate::db::models::project::Project;
use crate::db::{self};
use crate::domain::CycleStatus;
use crate::error::AppError;
use crate::services::projects;
use crate::startup::AppState;
use crate::web::{render, ListQuery, PageContext, Paged};

#[derive(Template)]
#[template(path = "projects/list.html", blocks = ["table"])]
struct ListPage {
    page: PageContext,
    query: ListQuery,
    projects: Paged<Project>,
}

pub async fn list(
    member: Member,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let (actor, q) = (member.actor.clone(), query.clone());
    let rows = db::transaction(&state.pool, move |conn| {
        projects::visible(
            conn,
            &actor,
            q.text().as_deref(),
            q.offset(),
            crate::web::pagination::PER_PAGE + 1,
        )
    })
    .await?;
    let page = ListPage {
        page: PageContext::signed_in(&member.user, &session),
        projects: Paged::from_rows(rows, &query),
        query,
    };
    crate::page_or_partial!(&req, StatusCode::OK, page, as_table)
}

#[derive(Template)]
#[template(path = "projects/show.html")]
struct ShowPage {
    page: PageContext,
    project: Project,
    cycles: Vec<Cycle>,
    access: String,
    can_upload: bool,
}

impl ShowPage {
    fn status_label(&self, status: &str) -> &'static str {
        CycleStatus::parse(status).map_or("unknown", CycleStatus::label)
    }
}

pub async fn show(
    member: Member,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<ProjectId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = member.actor.clone();
    let (project, cycles, role) = db::transaction(&state.pool, move |conn| {
        projects::visible_one(conn, &actor, id)
    })
    .await?;
    let can_upload = role.is_none() || role.as_deref() == Some("uploader");
    let access = match role.as_deref() {
        Some("uploader") => "You may upload here.",
        Some(_) => "You may view this project.",
        None => "You administer this project.",
    }
    .to_owned();
    render(&ShowPage {
        page: PageContext::signed_in(&member.user, &session),
        project,
        cycles,
        access,
        can_upload,
    })
}
