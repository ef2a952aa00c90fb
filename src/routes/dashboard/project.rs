//! A project's dashboard: its cycles with their figures and the per-day charts.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::auth::Member;
use crate::db::ids::ProjectId;
use crate::db::models::project::Project;
use crate::error::AppError;
use crate::routes::dashboard::{CHART_DAYS, PAGE_ROWS};
use crate::services::dashboards::{self, CycleRow, Scope};
use crate::services::wall_figures::Headline;
use crate::services::Actor;
use crate::state::AppState;
use crate::web::charts::{self, BarChart};
use crate::web::{filters, Ctx, PageContext};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BeforeQuery {
    pub before: Option<i32>,
}

#[derive(Template)]
#[template(path = "dashboard/project.html", blocks = ["cycles"])]
pub struct ProjectPage {
    pub page: PageContext,
    pub project: Project,
    pub cycles: Vec<CycleRow>,
    pub next: Option<i32>,
    pub files_chart: BarChart,
    pub bytes_chart: BarChart,
    pub base: String,
    pub before: Option<i32>,
    pub read_only_wall: bool,
    /// A wall screen's figures in large type.
    pub headline: Option<Headline>,
    /// When the figures were read (on the service clock).
    pub read_at: DateTime<Utc>,
}

impl ProjectPage {
    /// A project's page in `scope`; `base` is where its links and refreshes point.
    pub async fn load(
        state: &AppState,
        actor: &Actor,
        scope: Scope,
        id: ProjectId,
        before: Option<i32>,
        (page, timezone, base): (PageContext, Tz, String),
    ) -> Result<ProjectPage, AppError> {
        let view = dashboards::project_view(
            &state.services,
            actor,
            scope,
            id,
            before,
            timezone,
            (PAGE_ROWS, CHART_DAYS),
        )
        .await?;
        let today = view.read_at.with_timezone(&timezone).date_naive();
        let chart = |id: &str, title: &str, bytes: bool| {
            charts::per_day(id, title, &view.days, today, CHART_DAYS, bytes)
        };
        Ok(ProjectPage {
            page,
            files_chart: chart("files-per-day", "Files uploaded per day", false),
            bytes_chart: chart("bytes-per-day", "Bytes uploaded per day", true),
            project: view.project,
            cycles: view.cycles,
            next: view.next,
            base,
            before,
            read_only_wall: false,
            headline: None,
            read_at: view.read_at,
        })
    }

    /// When the figures were read (the partial refreshes itself, so this moves).
    pub fn updated(&self) -> String {
        self.page.time(&self.read_at)
    }

    /// The same moment for `static/updated.js` ("updated 12 s ago").
    pub fn read_at_stamp(&self) -> String {
        crate::web::page::stamp(&self.read_at)
    }

    pub fn self_link(&self) -> String {
        match self.before {
            Some(b) => format!("{}?before={b}", self.base),
            None => self.base.clone(),
        }
    }
}

pub async fn project(
    member: Member,
    ctx: Ctx,
    path: web::Path<ProjectId>,
    query: web::Query<BeforeQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let page = ProjectPage::load(
        &ctx.state,
        &member.actor,
        dashboards::scope_for(&member.actor),
        id,
        query.before,
        (
            PageContext::signed_in(&member.user, &ctx.session),
            member.user.timezone,
            format!("/dashboard/projects/{id}"),
        ),
    )
    .await?;
    crate::page_or_partial!(&ctx.req, StatusCode::OK, page, as_cycles)
}
