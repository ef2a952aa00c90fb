//! The project summary: every project the viewer may see with its figures; filters in
//! the URL, the table refreshes itself, pages by keyset.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::auth::Member;
use crate::error::AppError;
use crate::routes::dashboard::PAGE_ROWS;
use crate::services::dashboards::{
    self, ProjectCursor, ProjectFilter, ProjectRow, ProjectSort, Scope,
};
use crate::services::wall_figures::Headline;
use crate::services::Actor;
use crate::state::AppState;
use crate::web::pagination::{active_filter, search_text};
use crate::web::{filters, Ctx, PageContext};

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
        ProjectFilter {
            text: search_text(&self.q),
            tag: search_text(&self.tag),
            active: active_filter(&self.active),
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
    /// A wall screen's figures in large type.
    pub headline: Option<Headline>,
    /// When the rows were read (on the service clock).
    pub read_at: DateTime<Utc>,
}

impl SummaryPage {
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
        self.page.time(&self.read_at)
    }

    /// The same moment for `static/updated.js` ("updated 12 s ago").
    pub fn read_at_stamp(&self) -> String {
        crate::web::page::stamp(&self.read_at)
    }

    pub fn first_link(&self) -> String {
        format!("{}?{}", self.base, self.query.link(None))
    }
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// One page of the summary in `scope` and the link to the next.
pub async fn summary_rows(
    state: &AppState,
    actor: &Actor,
    scope: Scope,
    query: &SummaryQuery,
) -> Result<(Vec<ProjectRow>, Option<String>), AppError> {
    let after = ProjectCursor::decode(&query.after);
    let (rows, next) = dashboards::summary(
        &state.services,
        actor,
        scope,
        query.filter(),
        query.sort(),
        after,
        PAGE_ROWS,
    )
    .await?;
    Ok((rows, next.map(|n| n.encode())))
}

pub async fn projects(
    member: Member,
    ctx: Ctx,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let scope = dashboards::scope_for(&member.actor);
    let read_at = ctx.services().clock().now();
    let (rows, next) = summary_rows(&ctx.state, &member.actor, scope, &query).await?;
    let page = SummaryPage {
        page: PageContext::signed_in(&member.user, &ctx.session),
        title: "Projects dashboard".into(),
        show_company: matches!(scope, Scope::All),
        query,
        rows,
        next,
        base: "/dashboard".into(),
        refresh_seconds: 15,
        read_only_wall: false,
        headline: None,
        read_at,
    };
    crate::page_or_partial!(&ctx.req, StatusCode::OK, page, as_summary)
}
