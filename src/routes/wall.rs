//! Wall screens: a share link opens a read-only dashboard without signing in. The page
//! polls its own partial; an expired or revoked link shows a clear page instead.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::ClientInfo;
use crate::error::AppError;
use crate::routes::dashboard::project::{BeforeQuery, ProjectPage};
use crate::routes::dashboard::summary::{summary_rows, SummaryPage, SummaryQuery};
use crate::services::dashboards::Scope;
use crate::services::share_links::{self, Closed};
use crate::services::wall_figures;
use crate::state::AppState;
use crate::web::app_error::ErrorPage;
use crate::web::{html, is_htmx, PageContext};

fn closed(reason: Closed) -> Result<HttpResponse, AppError> {
    let (status, title, message) = match reason {
        Closed::Unknown => (
            StatusCode::NOT_FOUND,
            "Unknown link",
            "This wall screen link does not exist. Ask an admin of your company for a new one.",
        ),
        Closed::Expired => (
            StatusCode::GONE,
            "Link expired",
            "This wall screen link has expired. Ask an admin of your company for a new one.",
        ),
        Closed::Revoked => (
            StatusCode::GONE,
            "Link revoked",
            "This wall screen link was revoked by an admin. Ask them for a new one.",
        ),
        Closed::CompanyInactive => (
            StatusCode::GONE,
            "Company inactive",
            "The company of this wall screen is not active on Hopper any more, so its dashboards are not shown.",
        ),
    };
    html(
        status,
        &ErrorPage {
            title,
            message: message.to_owned(),
            status: status.as_u16(),
            outsider: true,
            brand: None,
            lang: crate::domain::Language::En,
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    before: web::Query<BeforeQuery>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let client = ClientInfo::from_request(&req);
    // Only the full page counts as a use; its own refreshes do not flood the audit log.
    let resolved =
        share_links::resolve(&state.services, token.clone(), client, !is_htmx(&req)).await?;
    let scope = match resolved {
        Ok(scope) => scope,
        Err(reason) => return closed(reason),
    };
    let base = format!("/wall/{token}");
    // Nobody signed in: "today" is read in UTC, and the figures say so.
    let timezone = chrono_tz::Tz::UTC;
    let page = PageContext::anonymous(String::new(), None);
    let shown = match scope.link.project_id {
        None => Scope::Company(scope.link.company_id),
        Some(project) => Scope::Project(scope.link.company_id, project),
    };
    let headline = || wall_figures::headline(&state.services, &scope.actor, shown, timezone);
    match scope.link.project_id {
        None => {
            let query = SummaryQuery::default();
            let (rows, next) = summary_rows(&state, &scope.actor, shown, &query).await?;
            let headline = Some(headline().await?);
            let view = SummaryPage {
                page,
                title: format!("{} · {}", scope.company_name, scope.link.label),
                query,
                rows,
                next,
                show_company: false,
                base,
                refresh_seconds: 30,
                read_only_wall: true,
                headline,
                read_at: state.services.clock().now(),
            };
            crate::page_or_partial!(&req, StatusCode::OK, view, as_summary)
        }
        Some(project) => {
            let mut view = ProjectPage::load(
                &state,
                &scope.actor,
                shown,
                project,
                before.before,
                (page, timezone, base),
            )
            .await?;
            view.read_only_wall = true;
            view.headline = Some(headline().await?);
            crate::page_or_partial!(&req, StatusCode::OK, view, as_cycles)
        }
    }
}
