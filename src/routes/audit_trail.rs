//! The audit trail: filters in the URL (bookmarkable), newest first, "older" appends the
//! next keyset page in place, and the filtered set exports as streamed CSV.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use chrono_tz::Tz;
use futures_util::StreamExt;
use serde::Deserialize;

use crate::auth::Member;
use crate::db::ids::{CompanyId, ProjectId, UserId};
use crate::db::models::audit_log::AuditRow;
use crate::domain::refusal::InputRefused;
use crate::error::AppError;
use crate::services::audit::actions;
use crate::services::audit_chain::LastVerification;
use crate::services::audit_digests::DigestSummary;
use crate::services::audit_names::AuditNames;
use crate::services::audit_trail::{self, AuditCursor, AuditFilter};
use crate::state::AppState;
use crate::web::{
    audit_sentences, filters, history_words, htmx_target, is_htmx, render, Ctx, PageContext,
};

const PAGE_ROWS: i64 = 50;
const CSV_BATCH: i64 = 1000;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditQuery {
    /// The operator's choice; an admin always reads their own company.
    #[serde(default)]
    company: String,
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
    /// The filters as typed; the company is decided by the service, from the actor.
    fn filter(&self, member: &Member) -> Result<AuditFilter, AppError> {
        let tz: Tz = member.user.timezone;
        let day = |value: &str, name: &str| -> Result<Option<NaiveDate>, AppError> {
            if value.trim().is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
                .map(Some)
                .map_err(|_| AppError::from(InputRefused::DateMalformed(name.to_owned())))
        };
        let id = |value: &str| value.trim().parse::<i32>().ok();
        let from = day(&self.from, "from")?.and_then(|d| audit_trail::start_of_day(d, tz));
        let until = day(&self.to, "to")?
            .and_then(|d| d.succ_opt())
            .and_then(|d| audit_trail::start_of_day(d, tz));
        Ok(AuditFilter {
            company: id(&self.company).map(CompanyId),
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
            ("company", self.company.as_str()),
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
    names: AuditNames,
    next: Option<String>,
    projects: Vec<(ProjectId, String)>,
    users: Vec<(UserId, String)>,
    actions: &'static [&'static str],
    show_company: bool,
    companies: Vec<(CompanyId, String)>,
    last_verification: Option<LastVerification>,
    digests: DigestSummary,
    /// A table swapped in by the filters also replaces the export link (out of band),
    /// so that the CSV always holds what the screen shows.
    swapped: bool,
}

impl AuditPage {
    fn older_link(&self) -> Option<String> {
        self.next
            .as_ref()
            .map(|n| format!("/dashboard/audit?{}", self.query.link(Some(n))))
    }

    fn company_name(&self, id: &Option<CompanyId>) -> String {
        let Some(id) = id else {
            return String::new();
        };
        self.companies
            .iter()
            .find(|(c, _)| c == id)
            .map_or_else(|| format!("company {id}"), |(_, name)| name.clone())
    }

    /// Project and user filters belong to one company: the admin's, or the operator's choice.
    fn per_company_filters(&self) -> bool {
        !self.show_company || !self.query.company.trim().is_empty()
    }

    fn timezone_name(&self) -> &'static str {
        self.page.user.as_ref().map_or("UTC", |u| u.timezone.name())
    }

    fn csv_link(&self) -> String {
        format!("/dashboard/audit.csv?{}", self.query.link(None))
    }

    fn who(&self, row: &AuditRow) -> String {
        self.names.actor(row)
    }

    fn what(&self, row: &AuditRow) -> String {
        audit_sentences::sentence(&row.action)
    }

    fn action_label(&self, action: &str) -> String {
        audit_sentences::sentence(action)
    }

    /// What the row is about: the thing by its name, and the project it is in.
    fn about(&self, row: &AuditRow) -> String {
        let resource = self.names.resource(row);
        let project = self
            .names
            .project(row)
            .filter(|_| row.resource_type.as_deref() != Some("project"));
        match (resource, project) {
            (Some(resource), Some(project)) => format!("{resource} in {project}"),
            (Some(resource), None) => resource,
            (None, Some(project)) => format!("project “{project}”"),
            (None, None) => String::new(),
        }
    }

    /// The details in words, for the row's disclosure: what changed, then the other
    /// facts, then where the request came from.
    fn facts(&self, row: &AuditRow) -> Vec<(String, String)> {
        let mut facts: Vec<(String, String)> = row
            .changes()
            .into_iter()
            .map(|c| {
                let words = |recorded: &str| match c.field.as_str() {
                    "storage_location_id" => self
                        .names
                        .named("storage_location", recorded)
                        .map_or_else(|| recorded.to_owned(), str::to_owned),
                    _ => history_words::value_words(recorded, &c.field),
                };
                let (before, after) = (words(&c.before), words(&c.after));
                (
                    history_words::field_label(&c.field),
                    format!("{before} → {after}"),
                )
            })
            .collect();
        for (key, value) in row.facts() {
            let value = match key.as_str() {
                "user_id" => value
                    .parse()
                    .ok()
                    .and_then(|id| self.names.person(id))
                    .map_or(value, str::to_owned),
                _ => history_words::value_words(&value, &key),
            };
            facts.push((history_words::field_label(&key), value));
        }
        if let Some(ip) = &row.ip_address {
            facts.push(("Address".into(), ip.clone()));
        }
        if let Some(agent) = &row.user_agent {
            facts.push(("Browser".into(), agent.clone()));
        }
        facts
    }
}

pub async fn page(
    member: Member,
    ctx: Ctx,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let filter = query.filter(&member)?;
    let after = AuditCursor::decode(&query.after);
    let view = audit_trail::view(ctx.services(), &member.actor, filter, after, PAGE_ROWS).await?;
    let target = (is_htmx(&ctx.req), htmx_target(&ctx.req));
    let page = AuditPage {
        page: PageContext::signed_in(&member.user, &ctx.session),
        show_company: view.all_companies,
        companies: view.companies,
        swapped: matches!(target, (true, Some("audit-table"))),
        last_verification: view.last_verification,
        digests: view.digests,
        query,
        rows: view.rows,
        names: view.names,
        next: view.next.map(|n| n.encode()),
        projects: view.projects,
        users: view.users,
        actions: actions::ALL,
    };
    // "Older" appends rows to the table; the filters replace the whole table.
    match target {
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
    let stream = audit_trail::csv_stream(&state.services, &member.actor, filter, CSV_BATCH)?
        .map(|chunk| chunk.map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string())));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"hopper-audit.csv\"",
        ))
        .streaming(stream))
}
