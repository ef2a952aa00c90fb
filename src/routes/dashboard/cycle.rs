//! A cycle's dashboard: its figures, its batches and the per-day chart.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::Member;
use crate::db::ids::CycleId;
use crate::db::models::cycle::Cycle;
use crate::db::models::project::Project;
use crate::db::models::sync_session::SyncSession;
use crate::error::AppError;
use crate::routes::dashboard::project::BeforeQuery;
use crate::routes::dashboard::{CHART_DAYS, PAGE_ROWS};
use crate::services::dashboards::{self, CycleRow};
use crate::web::charts::{self, BarChart, StatusChart};
use crate::web::{filters, Ctx, PageContext};

#[derive(Template)]
#[template(path = "dashboard/cycle.html", blocks = ["sessions"])]
struct CyclePage {
    page: PageContext,
    project: Project,
    cycle: Cycle,
    figures: Option<CycleRow>,
    sessions: Vec<SyncSession>,
    uploaders: Vec<String>,
    next: Option<i32>,
    before: Option<i32>,
    status: StatusChart,
    files_chart: BarChart,
}

impl CyclePage {
    /// Who sent the `index`th batch shown.
    fn uploader(&self, index: &usize) -> &str {
        self.uploaders.get(*index).map_or("", String::as_str)
    }

    fn self_link(&self) -> String {
        let base = format!("/dashboard/cycles/{}", self.cycle.id);
        match self.before {
            Some(b) => format!("{base}?before={b}"),
            None => base,
        }
    }
}

pub async fn cycle(
    member: Member,
    ctx: Ctx,
    path: web::Path<CycleId>,
    query: web::Query<BeforeQuery>,
) -> Result<HttpResponse, AppError> {
    let before = query.before;
    let timezone = member.user.timezone;
    let view = dashboards::cycle_view(
        ctx.services(),
        &member.actor,
        path.into_inner(),
        before,
        timezone,
        (PAGE_ROWS, CHART_DAYS),
    )
    .await?;
    let (up, skipped, failed) = view.figures.as_ref().map_or((0, 0, 0), |f| {
        (f.files_uploaded, f.files_skipped, f.files_failed)
    });
    let today = view.read_at.with_timezone(&timezone).date_naive();
    let page = CyclePage {
        page: PageContext::signed_in(&member.user, &ctx.session),
        status: charts::status_breakdown(
            &format!("Files of {}", view.cycle.cycle_name),
            up,
            skipped,
            failed,
        ),
        files_chart: charts::per_day(
            "cycle-files",
            "Files uploaded per day",
            &view.days,
            today,
            CHART_DAYS,
            false,
        ),
        project: view.project,
        cycle: view.cycle,
        figures: view.figures,
        sessions: view.sessions,
        uploaders: view.uploaders,
        next: view.next,
        before,
    };
    crate::page_or_partial!(&ctx.req, StatusCode::OK, page, as_sessions)
}
