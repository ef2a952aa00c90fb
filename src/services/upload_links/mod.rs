//! Upload links: an admin lets people without an account send documents into one cycle
//! (optionally for chosen requests), with an expiry, an optional PIN and limits on files
//! and bytes. The link's token is shown once; only its SHA-256 is stored. This file is
//! the admin's side; `visit` is the visitor's (who they are, the PIN and its throttle).

mod visit;

pub use visit::{
    enter, identify, page, ClosedLink, ClosedWhy, Entry, Identity, LinkPage, OpenLink,
};

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::config::Secret;
use crate::db::ids::{CycleId, CycleRequestId, ProjectId, UploadLinkId};
use crate::db::models::cycle::Cycle;
use crate::db::models::cycle_request::CycleRequest;
use crate::db::models::project::Project;
use crate::db::models::upload_link::NewUploadLink;
pub use crate::db::models::upload_link::{LinkUsage, UploadLink};
use crate::domain::refusal::LinkRefused;
use crate::domain::Language;
use crate::error::AppError;
use crate::schema::{companies, users};
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::notifications::{upload_invitation, Invitation};
use crate::services::{cycles, ServiceContext};

pub(in crate::services) fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// What an admin asks of a new link (already parsed into its domain types).
pub struct LinkRequest {
    pub label: String,
    /// Empty: the whole cycle.
    pub requests: Vec<CycleRequestId>,
    pub pin: Option<Secret>,
    pub max_files: i32,
    pub max_bytes: i64,
    pub valid_for: Duration,
    /// `None`: the company's default language.
    pub language: Option<crate::domain::Language>,
    /// Send the link by email to this person too (without its PIN).
    pub invitation: Option<InvitationRequest>,
}

/// Whom an admin sends a new link to, with an optional note of their own.
pub struct InvitationRequest {
    pub email: String,
    pub message: Option<String>,
}

/// A cycle's links with what each has received, and the cycle's requests for the form.
pub struct CycleLinks {
    pub project: Project,
    pub cycle: Cycle,
    pub links: Vec<(UploadLink, LinkUsage)>,
    pub requests: Vec<CycleRequest>,
    pub now: DateTime<Utc>,
}

pub async fn list(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    cycle: CycleId,
) -> Result<CycleLinks, AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let (project, cycle) = cycles::find(conn, actor, project, cycle)?;
        let links = UploadLink::for_cycle(conn, actor.company_id(), cycle.id)?
            .into_iter()
            .map(|link| UploadLink::usage(conn, link.id).map(|usage| (link, usage)))
            .collect::<QueryResult<Vec<_>>>()?;
        let requests = CycleRequest::for_cycle(conn, actor.company_id(), cycle.id)?;
        Ok(CycleLinks {
            project,
            cycle,
            links,
            requests,
            now,
        })
    })
    .await
}

/// Creates a link; returns it with its secret token, which is shown once.
pub async fn create(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    cycle: CycleId,
    wanted: LinkRequest,
) -> Result<(UploadLink, String), AppError> {
    // The PIN is hashed like a password, off the async workers and before the transaction.
    let pin_hash = match &wanted.pin {
        Some(pin) => Some(ctx.hasher().hash(pin).await?),
        None => None,
    };
    let now = ctx.clock().now();
    let public_url = ctx.public_url().to_owned();
    ctx.run(actor, move |conn, actor| {
        let (project, cycle) = cycles::find(conn, actor, project, cycle)?;
        if !cycle.takes_uploads() {
            return Err(LinkRefused::CycleClosed {
                cycle: cycle.cycle_name,
            }
            .into());
        }
        let known: Vec<CycleRequestId> =
            CycleRequest::for_cycle(conn, actor.company_id(), cycle.id)?
                .iter()
                .map(|r| r.id)
                .collect();
        if let Some(stranger) = wanted.requests.iter().find(|r| !known.contains(r)) {
            return Err(actor.not_found("cycle_request", stranger));
        }
        let token = crate::domain::tokens::random_token();
        let request_ids: Vec<i32> = wanted.requests.iter().map(|r| r.0).collect();
        let link = UploadLink::insert(
            conn,
            &NewUploadLink {
                company_id: actor.company_id(),
                project_id: project.id,
                cycle_id: cycle.id,
                label: &wanted.label,
                token_hash: &hash(&token),
                request_ids: &request_ids,
                pin_hash: pin_hash.as_deref(),
                max_files: wanted.max_files,
                max_bytes: wanted.max_bytes,
                expires_at: now + wanted.valid_for,
                created_by: actor.user()?,
                language: wanted.language,
            },
        )?;
        actor
            .audit(actions::UPLOAD_LINK_CREATED)
            .project(project.id)
            .resource("upload_link", link.id)
            .details(json!({
                "label": link.label,
                "cycle": cycle.cycle_name,
                "requests": request_ids,
                "pin": link.has_pin(),
                "max_files": link.max_files,
                "max_bytes": link.max_bytes,
                "expires_at": link.expires_at,
                "language": link.language.map(|l| l.as_str()),
            }))
            .record(conn)?;
        if let Some(invitation) = &wanted.invitation {
            invite(
                conn,
                actor,
                &link,
                &format!("{public_url}/u/{token}"),
                invitation,
            )?;
        }
        Ok((link, token))
    })
    .await
}

/// Queues the invitation email for a new link and audits it, in the link's transaction.
fn invite(
    conn: &mut PgConnection,
    actor: &Actor,
    link: &UploadLink,
    url: &str,
    invitation: &InvitationRequest,
) -> Result<(), AppError> {
    let (company_name, company_language): (String, Option<String>) = companies::table
        .find(actor.company_id())
        .select((companies::company_name, companies::default_language))
        .first(conn)?;
    let language = link
        .language
        .or_else(|| company_language.as_deref().and_then(Language::parse))
        .unwrap_or_default();
    let (username, full_name): (String, Option<String>) = users::table
        .find(actor.user()?)
        .select((users::username, users::full_name))
        .first(conn)?;
    let from = full_name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(username);
    upload_invitation(
        conn,
        &Invitation {
            company: actor.company_id(),
            company_name: &company_name,
            from: &from,
            to: &invitation.email,
            label: &link.label,
            url,
            expires: &crate::i18n::format::moment(language, link.expires_at, chrono_tz::UTC),
            has_pin: link.has_pin(),
            message: invitation.message.as_deref(),
            language,
        },
    )?;
    actor
        .audit(actions::UPLOAD_LINK_INVITED)
        .project(link.project_id)
        .resource("upload_link", link.id)
        .details(json!({
            "label": link.label,
            "recipient": invitation.email,
            "message": invitation.message.is_some(),
            "pin_sent_separately": link.has_pin(),
        }))
        .record(conn)?;
    Ok(())
}

/// Revokes a link: its page and every visit end at once.
pub async fn revoke(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    cycle: CycleId,
    id: UploadLinkId,
) -> Result<UploadLink, AppError> {
    ctx.run(actor, move |conn, actor| {
        let (project, cycle) = cycles::find(conn, actor, project, cycle)?;
        let link = UploadLink::lock_in_company(conn, actor.company_id(), id)?
            .filter(|l| l.cycle_id == cycle.id)
            .ok_or_else(|| actor.not_found("upload_link", id))?;
        if link.revoked_at.is_some() {
            return Err(LinkRefused::AlreadyRevoked.into());
        }
        UploadLink::revoke(conn, link.id)?;
        actor
            .audit(actions::UPLOAD_LINK_REVOKED)
            .project(project.id)
            .resource("upload_link", link.id)
            .details(json!({ "label": link.label, "cycle": cycle.cycle_name }))
            .record(conn)?;
        Ok(link)
    })
    .await
}
