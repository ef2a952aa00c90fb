//! Share links for wall screens: a read-only dashboard opened without signing in. The
//! link carries a random secret; only its SHA-256 is stored. A link is scoped to the
//! company or one project, expires, can be revoked, and every opening is audited.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::auth::ClientInfo;
use crate::db::ids::{CompanyId, ProjectId};
use crate::error::AppError;
use crate::schema::{companies, projects, share_links};
use crate::services::actor::Actor;
use crate::services::audit::{actions, AuditEvent};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = share_links, check_for_backend(diesel::pg::Pg))]
pub struct ShareLink {
    pub id: i32,
    pub company_id: CompanyId,
    pub project_id: Option<ProjectId>,
    pub label: String,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl ShareLink {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Creates a link; returns it with its secret token, which is shown once.
pub fn create(
    conn: &mut PgConnection,
    actor: &Actor,
    label: &str,
    project: Option<ProjectId>,
    valid_for: Duration,
) -> Result<(ShareLink, String), AppError> {
    if let Some(project) = project {
        crate::services::projects::find_live(conn, actor, project)?;
    }
    let token = crate::auth::csrf::generate_token();
    let link: ShareLink = diesel::insert_into(share_links::table)
        .values((
            share_links::company_id.eq(actor.company_id),
            share_links::project_id.eq(project),
            share_links::label.eq(label),
            share_links::token_hash.eq(hash(&token)),
            share_links::created_by.eq(actor.user_id),
            share_links::expires_at.eq(Utc::now() + valid_for),
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

pub fn list(
    conn: &mut PgConnection,
    actor: &Actor,
) -> Result<Vec<(ShareLink, Option<String>)>, AppError> {
    Ok(share_links::table
        .left_join(projects::table)
        .filter(share_links::company_id.eq(actor.company_id))
        .order(share_links::created_at.desc())
        .select((ShareLink::as_select(), projects::project_name.nullable()))
        .load(conn)?)
}

pub fn revoke(conn: &mut PgConnection, actor: &Actor, id: i32) -> Result<ShareLink, AppError> {
    let link: ShareLink = share_links::table
        .filter(share_links::id.eq(id))
        .filter(share_links::company_id.eq(actor.company_id))
        .select(ShareLink::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| actor.not_found("share_link", id))?;
    if link.revoked_at.is_some() {
        return Err(AppError::Conflict("This link is already revoked.".into()));
    }
    diesel::update(share_links::table.find(id))
        .set(share_links::revoked_at.eq(diesel::dsl::now))
        .execute(conn)?;
    actor
        .audit(actions::SHARE_LINK_REVOKED)
        .resource("share_link", id)
        .details(json!({ "label": link.label }))
        .record(conn)?;
    Ok(link)
}

/// What a wall screen may show.
#[derive(Debug, Clone)]
pub struct WallScope {
    pub link: ShareLink,
    pub company_name: String,
}

/// Why a link opens nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closed {
    Unknown,
    Expired,
    Revoked,
}

/// Resolves a token; `audit_use` records the opening (full page loads, not refreshes).
pub fn resolve(
    conn: &mut PgConnection,
    token: &str,
    audit_use: Option<&ClientInfo>,
) -> Result<Result<WallScope, Closed>, AppError> {
    let found: Option<(ShareLink, String)> = share_links::table
        .inner_join(companies::table)
        .filter(share_links::token_hash.eq(hash(token)))
        .select((ShareLink::as_select(), companies::company_name))
        .first(conn)
        .optional()?;
    let Some((link, company_name)) = found else {
        return Ok(Err(Closed::Unknown));
    };
    if link.revoked_at.is_some() {
        return Ok(Err(Closed::Revoked));
    }
    if link.expires_at <= Utc::now() {
        return Ok(Err(Closed::Expired));
    }
    if let Some(client) = audit_use {
        diesel::update(share_links::table.find(link.id))
            .set(share_links::last_used_at.eq(diesel::dsl::now))
            .execute(conn)?;
        let mut event = AuditEvent::new(actions::SHARE_LINK_USED)
            .company(link.company_id)
            .resource("share_link", link.id)
            .details(json!({ "label": link.label }))
            .client(client);
        if let Some(project) = link.project_id {
            event = event.project(project);
        }
        event.record(conn)?;
    }
    Ok(Ok(WallScope { link, company_name }))
}
