//! Dashboards: the project summary, a project's cycles, a cycle's sessions. A page and its
//! htmx partial render from one template; tables refresh themselves without losing the
//! filters (they are in the URL) or the scroll position (only the table is swapped).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::auth::Member;
use crate::db::ids::{CycleId, ProjectId};
use crate::db::models::cycle::Cycle;
use crate::db::models::project::Project;
use crate::db::models::project_access::ProjectAccess;
use crate::db::models::sync_session::SyncSession;
use crate::db::{self};
use crate::domain::{CycleStatus, Role};
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::dashboards::{
    self, CycleRow, ProjectCursor, ProjectFilter, ProjectRow, ProjectSort, Scope,
};
use crate::services::uploads::human_size;
use crate::startup::AppState;
use crate::web::charts::{self, BarChart, StatusChart};
use crate::web::PageContext;

pub const PAGE_ROWS: i64 = 25;
pub const CHART_DAYS: i64 = 30;

/// Whose projects a signed-in member's dashboards show.
pub fn scope_of(member: &Member) -> Scope {
    match member.user.role {
        Role::Superadmin => Scope::All,
        Role::Admin | Role::Viewer => Scope::Company(member.actor.company_id),
        Role::User => Scope::Granted(member.actor.company_id, member.actor.user_id),
    }
}

/// A project the member's dashboards may show; anything else is a 404.
pub fn visible_project(
    conn: &mut diesel::PgConnection,
    actor: &Actor,
    scope: Scope,
    id: ProjectId,
) -> Result<Project, AppError> {
    let company = match scope {
        Scope::All => None,
        Scope::Company(c) | Scope::Granted(c, _) | Scope::Project(c, _) => Some(c),
    };
    let project = match company {
        Some(company) => Project::find_in_company(conn, company, id)?,
        None => {
            use crate::schema::projects;
            use diesel::prelude::*;
            projects::table
                .find(id)
                .select(Project::as_select())
                .first(conn)
                .optional()?
        }
    }
    .filter(|p| p.deleted_at.is_none())
    .ok_or_else(|| actor.not_found("project", id))?;
    let allowed = match scope {
        Scope::Granted(_, user) => ProjectAccess::role_of(conn, id, user)?.is_some(),
        Scope::Project(_, only) => only == id,
        _ => true,
    };
    if !allowed {
        return Err(actor.not_found("project", id));
    }
    Ok(project)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SummaryQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub active: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub after: String,
}

impl SummaryQuery {
    pub fn filter(&self) -> ProjectFilter {
        let clean = |s: &str| {
            let s: String = s.trim().chars().take(100).collect();
            (!s.is_empty()).then_some(s)
        };
        ProjectFilter {
            text: clean(&self.q),
            tag: clean(&self.tag),
            active: match self.active.as_str() {
                "active" => Some(true),
                "inactive" => Some(false),
                _ => None,
            },
        }
    }

    pub fn sort(&self) -> ProjectSort {
        ProjectSort::parse(&self.sort)
    }

    /// The filters as a query string, with `after` when given.
    pub fn link(&self, after: Option<&str>) -> String {
        let mut pairs = vec![
            ("q", self.q.trim()),
            ("tag", self.tag.trim()),
            ("active", self.active.as_str()),
            ("sort", self.sort().as_str()),
        ];
        if let Some(after) = after {
            pairs.push(("after", after));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "dashboard/projects.html", blocks = ["summary"])]
pub struct SummaryPage {
    pub page: PageContext,
    pub title: String,
    pub query: SummaryQuery,
    pub rows: Vec<ProjectRow>,
    pub next: Option<String>,
    pub show_company: bool,
    /// Where the table's self-refresh and links point (`/dashboard` or a wall link).
    pub base: String,
    pub refresh_seconds: u32,
    pub read_only_wall: bool,
}

impl SummaryPage {
    pub fn size(&self, bytes: &i64) -> String {
        human_size((*bytes).max(0) as u64)
    }

    pub fn self_link(&self) -> String {
        format!(
            "{}?{}",
            self.base,
            self.query.link(non_empty(&self.query.after))
        )
    }

    pub fn next_link(&self) -> Option<String> {
        self.next
            .as_ref()
            .map(|n| format!("{}?{}", self.base, self.query.link(Some(n))))
    }

    pub fn updated(&self) -> String {
        self.page.time(&Utc::now())
    }

    pub fn first_link(&self) -> String {
        format!("{}?{}", self.base, self.query.link(None))
    }
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

pub async fn summary_rows(
    state: &AppState,
    scope: Scope,
    query: &SummaryQuery,
) -> Result<(Vec<ProjectRow>, Option<String>), AppError> {
    let (filter, sort) = (query.filter(), query.sort());
    let after = ProjectCursor::decode(&query.after);
    let (rows, next) = db::transaction(&state.pool, move |conn| {
        dashboards::project_summary(conn, scope, &filter, sort, after.as_ref(), PAGE_ROWS)
    })
    .await?;
    Ok((rows, next.map(|n| n.encode())))
}

pub async fn projects(
    member: Member,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let scope = scope_of(&member);
    let (rows, next) = summary_rows(&state, scope, &query).await?;
    let page = SummaryPage {
        page: PageContext::signed_in(&member.user, &session),
        title: "Projects dashboard".into(),
        show_company: matches!(scope, Scope::All),
        query,
        rows,
        next,
        base: "/dashboard".into(),
        refresh_seconds: 15,
        read_only_wall: false,
    };
    crate::page_or_partial!(&req, StatusCode::OK, page, as_summary)
}

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
}

impl ProjectPage {
    pub fn size(&self, bytes: &i64) -> String {
        human_size((*bytes).max(0) as u64)
    }

    pub fn status_label(&self, status: &str) -> &'static str {
        CycleStatus::parse(status).map_or("unknown", CycleStatus::label)
    }

    pub fn self_link(&self) -> String {
        match self.before {
            Some(b) => format!("{}?before={b}", self.base),
            None => self.base.clone(),
        }
    }
}

/// A project's cycles with their figures and the per-day charts.
pub async fn project_page_data(
    state: &AppState,
    actor: &Actor,
    scope: Scope,
    id: ProjectId,
    before: Option<i32>,
    timezone: chrono_tz::Tz,
) -> Result<(Project, Vec<CycleRow>, Option<i32>, BarChart, BarChart), AppError> {
    let actor = actor.clone();
    let (project, cycles, next, days) = db::transaction(&state.pool, move |conn| {
        let project = visible_project(conn, &actor, scope, id)?;
        let (cycles, next) = dashboards::cycle_summary(conn, project.id, before, PAGE_ROWS)?;
        let days = dashboards::per_day(conn, project.id, None, timezone, CHART_DAYS)?;
        Ok((project, cycles, next, days))
    })
    .await?;
    let today = Utc::now().with_timezone(&timezone).date_naive();
    let files_chart = charts::per_day(
        "files-per-day",
        "Files uploaded per day",
        &days,
        today,
        CHART_DAYS,
        false,
    );
    let bytes_chart = charts::per_day(
        "bytes-per-day",
        "Bytes uploaded per day",
        &days,
        today,
        CHART_DAYS,
        true,
    );
    Ok((project, cycles, next, files_chart, bytes_chart))
}

pub async fn project(
    member: Member,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<ProjectId>,
    query: web::Query<BeforeQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (project, cycles, next, files_chart, bytes_chart) = project_page_data(
        &state,
        &member.actor,
        scope_of(&member),
        id,
        query.before,
        member.user.timezone,
    )
    .await?;
    let page = ProjectPage {
        page: PageContext::signed_in(&member.user, &session),
        base: format!("/dashboard/projects/{id}"),
        project,
        cycles,
        next,
        files_chart,
        bytes_chart,
        before: query.before,
        read_only_wall: false,
    };
    crate::page_or_partial!(&req, StatusCode::OK, page, as_cycles)
}

#[derive(Template)]
#[template(path = "dashboard/cycle.html", blocks = ["sessions"])]
struct CyclePage {
    page: PageContext,
    project: Project,
    cycle: Cycle,
    figures: Option<CycleRow>,
    sessions: Vec<SyncSession>,
    next: Option<i32>,
    before: Option<i32>,
    status: StatusChart,
    files_chart: BarChart,
}

impl CyclePage {
    fn size(&self, bytes: &Option<i64>) -> String {
        bytes.map_or_else(|| "—".into(), |b| human_size(b.max(0) as u64))
    }

    fn bytes(&self, bytes: &i64) -> String {
        human_size((*bytes).max(0) as u64)
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
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<CycleId>,
    query: web::Query<BeforeQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let before = query.before;
    let scope = scope_of(&member);
    let actor = member.actor.clone();
    let timezone = member.user.timezone;
    let (project, cycle, figures, sessions, next, days) =
        db::transaction(&state.pool, move |conn| {
            use crate::schema::cycles;
            use diesel::prelude::*;
            let cycle: Cycle = cycles::table
                .find(id)
                .select(Cycle::as_select())
                .first(conn)
                .optional()?
                .ok_or_else(|| actor.not_found("cycle", id))?;
            let project = visible_project(conn, &actor, scope, cycle.project_id)
                .map_err(|_| actor.not_found("cycle", id))?;
            let (rows, _) =
                dashboards::cycle_summary(conn, project.id, Some(cycle.cycle_number + 1), 1)?;
            let figures = rows.into_iter().find(|r| r.id == cycle.id);
            let (sessions, next) = dashboards::cycle_sessions(conn, cycle.id, before, PAGE_ROWS)?;
            let days = dashboards::per_day(conn, project.id, Some(cycle.id), timezone, CHART_DAYS)?;
            Ok((project, cycle, figures, sessions, next, days))
        })
        .await?;
    let (up, skipped, failed) = figures.as_ref().map_or((0, 0, 0), |f| {
        (f.files_uploaded, f.files_skipped, f.files_failed)
    });
    let today = Utc::now().with_timezone(&timezone).date_naive();
    let page = CyclePage {
        page: PageContext::signed_in(&member.user, &session),
        status: charts::status_breakdown(
            &format!("Files of {}", cycle.cycle_name),
            up,
            skipped,
            failed,
        ),
        files_chart: charts::per_day(
            "cycle-files",
            "Files uploaded per day",
            &days,
            today,
            CHART_DAYS,
            false,
        ),
        project,
        cycle,
        figures,
        sessions,
        next,
        before,
    };
    crate::page_or_partial!(&req, StatusCode::OK, page, as_sessions)
}
