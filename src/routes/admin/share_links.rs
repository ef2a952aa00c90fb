use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::auth::CompanyAdmin;
use crate::db::ids::{ProjectId, ShareLinkId};
use crate::db::models::project::Project;
use crate::domain::fields;
use crate::domain::refusal::InputRefused;
use crate::error::AppError;
use crate::services::share_links::{self, ShareLink};
use crate::state::AppState;
use crate::web::{done, filters, render, Ctx, PageContext};

#[derive(Template)]
#[template(path = "admin/share_links.html")]
struct LinksPage {
    page: PageContext,
    links: Vec<(ShareLink, Option<String>)>,
    projects: Vec<Project>,
    /// A link just created: its full address, shown once.
    created: Option<String>,
    now: chrono::DateTime<Utc>,
}

async fn links_page(
    admin: &CompanyAdmin,
    session: &Session,
    state: &AppState,
    created: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (links, projects) = share_links::list(&state.services, &admin.actor).await?;
    render(&LinksPage {
        page: PageContext::admin(admin, session),
        links,
        projects,
        created,
        now: state.services.clock().now(),
    })
}

pub async fn list(admin: CompanyAdmin, ctx: Ctx) -> Result<HttpResponse, AppError> {
    links_page(&admin, &ctx.session, &ctx.state, None).await
}

#[derive(Debug, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    project: String,
    #[serde(default)]
    days: String,
}

pub async fn create(
    admin: CompanyAdmin,
    ctx: Ctx,
    form: web::Form<LinkForm>,
) -> Result<HttpResponse, AppError> {
    let label = fields::required_name(&form.label, "label", 100).map_err(InputRefused::Field)?;
    let project = match form.project.trim() {
        "" => None,
        id => Some(ProjectId(
            id.parse()
                .map_err(|_| AppError::from(InputRefused::ScopeNotChosen))?,
        )),
    };
    let days: i64 = form
        .days
        .trim()
        .parse()
        .ok()
        .filter(|d| (1..=365).contains(d))
        .ok_or_else(|| AppError::from(InputRefused::LinkDaysOutOfRange))?;
    let (_, token) = share_links::create(
        ctx.services(),
        &admin.actor,
        label,
        project,
        Duration::days(days),
    )
    .await?;

    links_page(
        &admin,
        &ctx.session,
        &ctx.state,
        // From the configured public URL, never from the request's (forgeable) Host.
        Some(format!("{}/wall/{token}", ctx.state.public_url)),
    )
    .await
}

pub async fn revoke(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<ShareLinkId>,
) -> Result<HttpResponse, AppError> {
    let link = share_links::revoke(ctx.services(), &admin.actor, path.into_inner()).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!(
            "Revoked “{}”; screens showing it stop at their next refresh.",
            link.label
        ),
        "/admin/share-links",
    ))
}
