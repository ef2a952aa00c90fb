//! The audit trail: filters in the URL (bookmarkable), newest first, "older" appends the
//! next keyset page in place, and the filtered set exports as streamed CSV.

use actix_session::Session;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Deserialize;

use crate::auth::Member;
use crate::db::ids::{ProjectId, UserId};
use crate::db::models::audit_log::AuditRow;
use crate::db::{self};
use crate::domain::Role;
use crate::error::AppError;
use crate::schema::{projects, users};
use crate::services::audit::actions;
use crate::services::audit_trail::{self, AuditCursor, AuditFilter, CSV_HEADER};
use crate::startup::AppState;
use crate::web::{is_htmx, render, PageContext};

const PAGE_ROWS: i64 = 50;
const CSV_BATCH: i64 = 1000;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    project: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    action: String,
    /// Days as `YYYY-MM-DD`, in the viewer's timezone.
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    after: String,
}

impl AuditQuery {
    fn filter(&self, member: &Member) -> Result<AuditFilter, AppError> {
        let company = match member.user.role {
            Role::Superadmin => None,
            Role::Admin => Some(member.actor.company_id),
            Role::User | Role::Viewer => {
                return Err(AppError::Forbidden(
                    "Only admins can read the audit trail.".into(),
                ))
            }
        };
        let tz: Tz = member.user.timezone;
        let day = |value: &str, name: &str| -> Result<Option<NaiveDate>, AppError> {
            if value.trim().is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    AppError::BadRequest(format!("The {name} date must look like 2026-11-22."))
                })
        };
        let id = |value: &str| value.trim().parse::<i32>().ok();
        let from = day(&self.from, "from")?.and_then(|d| audit_trail::start_of_day(d, tz));
        let until = day(&self.to, "to")?
            .and_then(|d| d.succ_opt())
            .and_then(|d| audit_trail::start_of_day(d, tz));
        Ok(AuditFilter {
            company,
            project: id(&self.project).map(ProjectId),
            actor: id(&self.user).map(UserId),
            action: actions::ALL
                .iter()
                .find(|a| **a == self.action.trim())
                .map(|a| (*a).to_owned()),
            from,
            until,
        })
    }

    fn link(&self, after: Option<&str>) -> String {
        let mut pairs = vec![
            ("project", self.project.as_str()),
            ("user", self.user.as_str()),
            ("action", self.action.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
        ];
        if let Some(after) = after {
            pairs.push(("after", after));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "dashboard/audit.html", blocks = ["rows", "table"])]
struct AuditPage {
    page: PageContext,
    query: AuditQuery,
    rows: Vec<AuditRow>,
    next: Option<String>,
    projects: Vec<(ProjectId, String)>,
    users: Vec<(UserId, String)>,
    actions: &'static [&'static str],
    show_company: bool,
}

impl AuditPage {
    fn older_link(&self) -> Option<String> {
        self.next
            .as_ref()
            .map(|n| format!("/dashboard/audit?{}", self.query.link(Some(n))))
    }

    fn timezone_name(&self) -> &'static str {
        self.page.user.as_ref().map_or("UTC", |u| u.timezone.name())
    }

    fn csv_link(&self) -> String {
        format!("/dashboard/audit.csv?{}", self.query.link(None))
    }

    fn details(&self, row: &AuditRow) -> String {
        let text = row.details.to_string();
        if text.chars().count() > 160 {
            format!("{}…", text.chars().take(160).collect::<String>())
        } else {
            text
        }
    }
}

pub async fn page(
    member: Member,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let filter = query.filter(&member)?;
    let after = AuditCursor::decode(&query.after);
    let scope = filter.company;
    let (rows, next, projects, users) = db::transaction(&state.pool, move |conn| {
        let (rows, next) = audit_trail::page(conn, &filter, after, PAGE_ROWS)?;
        let (projects, users) = match scope {
            Some(company) => (
                projects::table
                    .filter(projects::company_id.eq(company))
                    .order(projects::project_name.asc())
                    .select((projects::id, projects::project_name))
                    .load(conn)?,
                users::table
                    .filter(users::company_id.eq(company))
                    .order(users::username.asc())
                    .select((users::id, users::username))
                    .load(conn)?,
            ),
            None => (Vec::new(), Vec::new()),
        };
        Ok((rows, next, projects, users))
    })
    .await?;
    let page = AuditPage {
        page: PageContext::signed_in(&member.user, &session),
        show_company: scope.is_none(),
        query,
        rows,
        next: next.map(|n| n.encode()),
        projects,
        users,
        actions: actions::ALL,
    };
    // "Older" appends rows to the table; the filters replace the whole table.
    let target = req.headers().get("HX-Target").and_then(|v| v.to_str().ok());
    match (is_htmx(&req), target) {
        (true, Some("older")) => render(&page.as_rows()),
        (true, _) => render(&page.as_table()),
        _ => render(&page),
    }
}

pub async fn csv(
    member: Member,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let filter = query.filter(&member)?;
    let pool = state.pool.clone();
    let mut header_line = csv::Writer::from_writer(Vec::new());
    header_line
        .write_record(CSV_HEADER)
        .map_err(|e| AppError::Unexpected(e.into()))?;
    let header_bytes = header_line
        .into_inner()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("csv: {e}")))?;
    // One keyset batch per chunk: memory stays flat however many rows match.
    let stream = futures_util::stream::unfold(
        (Some(header_bytes), None::<AuditCursor>, false),
        move |(header, after, done)| {
            let (pool, filter) = (pool.clone(), filter.clone());
            async move {
                if let Some(header) = header {
                    return Some((Ok(web::Bytes::from(header)), (None, None, false)));
                }
                if done {
                    return None;
                }
                let batch = db::transaction(&pool, move |conn| {
                    let (rows, next) = audit_trail::page(conn, &filter, after, CSV_BATCH)?;
                    Ok((audit_trail::csv_lines(&rows)?, next))
                })
                .await;
                match batch {
                    Ok((bytes, next)) => {
                        Some((Ok(web::Bytes::from(bytes)), (None, next, next.is_none())))
                    }
                    Err(e) => Some((
                        Err(actix_web::error::ErrorInternalServerError(e.to_string())),
                        (None, None, true),
                    )),
                }
            }
        },
    );
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"hopper-audit.csv\"",
        ))
        .streaming(stream))
}
