//! Share links for wall screens: a read-only dashboard opened without signing in. The
//! link carries a random secret; only its SHA-256 is stored. A link is scoped to the
//! company or one project, expires, can be revoked, and every opening is audited.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::db::ids::{ProjectId, ShareLinkId};
use crate::db::models::project::{Project, ProjectState};
pub use crate::db::models::share_link::ShareLink;
use crate::domain::refusal::LinkRefused;
use crate::domain::{ClientInfo, ListWindow};
use crate::error::AppError;
use crate::schema::{companies, projects, share_links};
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::ServiceContext;

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn create_in(
    conn: &mut PgConnection,
    actor: &Actor,
    label: &str,
    project: Option<ProjectId>,
    expires_at: DateTime<Utc>,
) -> Result<(ShareLink, String), AppError> {
    if let Some(project) = project {
        crate::services::projects::find_live(conn, actor, project)?;
    }
    let token = crate::domain::tokens::random_token();
    let link: ShareLink = diesel::insert_into(share_links::table)
        .values((
            share_links::company_id.eq(actor.company_id()),
            share_links::project_id.eq(project),
            share_links::label.eq(label),
            share_links::token_hash.eq(hash(&token)),
            share_links::created_by.eq(actor.user()?),
            share_links::expires_at.eq(expires_at),
        ))
        .returning(ShareLink::as_returning())
        .get_result(conn)?;
    let mut event = actor
        .audit(actions::SHARE_LINK_CREATED)
        .resource("share_link", link.id)
        .details(json!({ "label": label, "expires_at": link.expires_at, "project_id": project }));
    if let Some(project) = project {
        event = event.project(project);
    }
    event.record(conn)?;
    Ok((link, token))
}

/// Creates a link; returns it with its secret token, which is shown once.
pub async fn create(
    ctx: &ServiceContext,
    actor: &Actor,
    label: String,
    project: Option<ProjectId>,
    valid_for: Duration,
) -> Result<(ShareLink, String), AppError> {
    let expires_at = ctx.clock().now() + valid_for;
    ctx.run(actor, move |conn, actor| {
        create_in(conn, actor, &label, project, expires_at)
    })
    .await
}

/// The company's links (with their project's name), and its projects for the form.
pub async fn list(
    ctx: &ServiceContext,
    actor: &Actor,
) -> Result<(Vec<(ShareLink, Option<String>)>, Vec<Project>), AppError> {
    ctx.run(actor, |conn, actor| {
        let links = share_links::table
            .left_join(projects::table)
            .filter(share_links::company_id.eq(actor.company_id()))
            .order(share_links::created_at.desc())
            .select((ShareLink::as_select(), projects::project_name.nullable()))
            .load(conn)?;
        let projects = Project::list_in_company(
            conn,
            actor.company_id(),
            &ListWindow::first(500),
            ProjectState::Current,
        )?;
        Ok((links, projects))
    })
    .await
}

pub async fn revoke(
    ctx: &ServiceContext,
    actor: &Actor,
    id: ShareLinkId,
) -> Result<ShareLink, AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| revoke_in(conn, actor, id, now))
        .await
}

fn revoke_in(
    conn: &mut PgConnection,
    actor: &Actor,
    id: ShareLinkId,
    now: DateTime<Utc>,
) -> Result<ShareLink, AppError> {
    let link: ShareLink = share_links::table
        .filter(share_links::id.eq(id))
        .filter(share_links::company_id.eq(actor.company_id()))
        .select(ShareLink::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| actor.not_found("share_link", id))?;
    if link.revoked_at.is_some() {
        return Err(LinkRefused::ShareLinkAlreadyRevoked.into());
    }
    diesel::update(share_links::table.find(id))
        .set(share_links::revoked_at.eq(now))
        .execute(conn)?;
    actor
        .audit(actions::SHARE_LINK_REVOKED)
        .resource("share_link", id)
        .details(json!({ "label": link.label }))
        .record(conn)?;
    Ok(link)
}

/// What a wall screen may show, and who it acts as.
#[derive(Debug, Clone)]
pub struct WallScope {
    pub link: ShareLink,
    pub company_name: String,
    pub actor: Actor,
}

/// Why a link opens nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closed {
    Unknown,
    Expired,
    Revoked,
    /// The link's company was deactivated: its wall screens go dark with it.
    CompanyInactive,
}

/// Resolves a token; with `audit_use` the opening is recorded (full page loads, not the
/// wall's own refreshes).
pub async fn resolve(
    ctx: &ServiceContext,
    token: String,
    client: ClientInfo,
    audit_use: bool,
) -> Result<Result<WallScope, Closed>, AppError> {
    let now = ctx.clock().now();
    ctx.run_unscoped(move |conn| resolve_in(conn, &token, client, audit_use, now))
        .await
}

fn resolve_in(
    conn: &mut PgConnection,
    token: &str,
    client: ClientInfo,
    audit_use: bool,
    now: DateTime<Utc>,
) -> Result<Result<WallScope, Closed>, AppError> {
    let found: Option<(ShareLink, String, bool)> = share_links::table
        .inner_join(companies::table)
        .filter(share_links::token_hash.eq(hash(token)))
        .select((
            ShareLink::as_select(),
            companies::company_name,
            companies::is_active,
        ))
        .first(conn)
        .optional()?;
    let Some((link, company_name, company_active)) = found else {
        return Ok(Err(Closed::Unknown));
    };
    if !company_active {
        return Ok(Err(Closed::CompanyInactive));
    }
    if link.revoked_at.is_some() {
        return Ok(Err(Closed::Revoked));
    }
    if link.expires_at <= now {
        return Ok(Err(Closed::Expired));
    }
    let actor = Actor::share_link(link.id, &link.label, link.company_id, client);
    if audit_use {
        diesel::update(share_links::table.find(link.id))
            .set(share_links::last_used_at.eq(now))
            .execute(conn)?;
        let mut event = actor
            .audit(actions::SHARE_LINK_USED)
            .resource("share_link", link.id)
            .details(json!({ "label": link.label }));
        if let Some(project) = link.project_id {
            event = event.project(project);
        }
        event.record(conn)?;
    }
    Ok(Ok(WallScope {
        link,
        company_name,
        actor,
    }))
}
