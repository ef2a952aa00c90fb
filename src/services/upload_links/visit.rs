//! The visitor's side of an upload link: the link resolved from its token, the visitor
//! named (name and email, and the PIN when the link has one), and the upload page. A
//! named visitor gets a visit behind a cookie secret of its own; the visit dies with the
//! link (revoked, expired, its company or project gone).

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::config::Secret;
use crate::db::models::company_brand::CompanyBrand;
use crate::db::models::upload_link::{LinkUsage, UploadLink, UploadLinkVisit};
use crate::domain::refusal::LinkRefused;
use crate::domain::{ClientInfo, Language};
use crate::error::AppError;
use crate::schema::{companies, cycles, projects};
use crate::services::actor::{Actor, LinkVisitor};
use crate::services::audit::actions;
use crate::services::branding::Brand;
use crate::services::cycle_requests::{self, CycleRequests};
use crate::services::thank_you::ThankYou;
use crate::services::upload_links::hash;
use crate::services::uploads::{closed_reason, uploadable, CycleLock};
use crate::services::ServiceContext;

mod pin_throttle;

/// How long a visitor stays named without stating it again (never past the link's expiry).
const VISIT_HOURS: i64 = 12;

/// A link that opens, with the names its pages show.
#[derive(Debug, Clone)]
pub struct OpenLink {
    pub link: UploadLink,
    pub company_name: String,
    pub project_name: String,
    pub cycle_name: String,
    /// The extensions the project takes (empty: any).
    pub accepted_types: Vec<String>,
    /// The firm's name, logo and colour, heading the link's pages.
    pub brand: Brand,
    /// The company's default language for outsiders, if it chose one.
    pub company_language: Option<Language>,
}

impl OpenLink {
    /// The language of the link's pages: the link's, the company's, the browser's.
    pub fn language(&self, accept_language: Option<&str>) -> Language {
        Language::choose(self.link.language, self.company_language, accept_language)
    }
}

/// Why a link opens nothing more; the web edge says it in the visitor's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClosedWhy {
    Revoked { company: String },
    Expired { company: String, at: DateTime<Utc> },
    CompanyInactive,
    ProjectRemoved,
}

/// A link that no longer works: why, and the language its own settings choose.
#[derive(Debug, Clone)]
pub struct ClosedLink {
    pub why: ClosedWhy,
    pub link_language: Option<Language>,
    pub company_language: Option<Language>,
}

impl ClosedLink {
    pub fn language(&self, accept_language: Option<&str>) -> Language {
        Language::choose(self.link_language, self.company_language, accept_language)
    }
}

/// Where a request to a link's page stands.
pub enum Entry {
    /// No link has this token.
    Unknown,
    /// The link opens nothing, and why.
    Closed(ClosedLink),
    /// The link opens, but the visitor has not said who they are yet.
    Stranger(OpenLink),
    /// A named visitor: the actor their uploads run as.
    Visitor(OpenLink, Actor),
}

/// Why a link opens nothing: no such token, or why it closed.
enum Refusal {
    Unknown,
    Closed(ClosedLink),
}

impl From<Refusal> for Entry {
    fn from(refusal: Refusal) -> Entry {
        match refusal {
            Refusal::Unknown => Entry::Unknown,
            Refusal::Closed(reason) => Entry::Closed(reason),
        }
    }
}

fn resolve(
    conn: &mut PgConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Result<OpenLink, Refusal>, AppError> {
    let Some(link) = UploadLink::find_by_token_hash(conn, &hash(token))? else {
        return Ok(Err(Refusal::Unknown));
    };
    let company = CompanyBrand::find(conn, link.company_id)?.ok_or(AppError::NotFound)?;
    let brand = Brand::of(&company);
    // Outsiders know the company by its display name.
    let (company_name, company_active) = (brand.display_name.clone(), company.is_active);
    let company_language: Option<String> = companies::table
        .find(link.company_id)
        .select(companies::default_language)
        .first(conn)?;
    let company_language = company_language.as_deref().and_then(Language::parse);
    let project: Option<(String, Vec<Option<String>>)> = projects::table
        .filter(projects::id.eq(link.project_id))
        .filter(projects::company_id.eq(link.company_id))
        .filter(projects::deleted_at.is_null())
        .select((projects::project_name, projects::allowed_file_types))
        .first(conn)
        .optional()?;
    let cycle_name: String = cycles::table
        .find(link.cycle_id)
        .select(cycles::cycle_name)
        .first(conn)?;
    let closed = if link.revoked_at.is_some() {
        Some(ClosedWhy::Revoked {
            company: company_name.clone(),
        })
    } else if link.expires_at <= now {
        Some(ClosedWhy::Expired {
            company: company_name.clone(),
            at: link.expires_at,
        })
    } else if !company_active {
        Some(ClosedWhy::CompanyInactive)
    } else if project.is_none() {
        Some(ClosedWhy::ProjectRemoved)
    } else {
        None
    };
    if let Some(why) = closed {
        return Ok(Err(Refusal::Closed(ClosedLink {
            why,
            link_language: link.language,
            company_language,
        })));
    }
    let (project_name, accepted) = project.unwrap_or_default();
    Ok(Ok(OpenLink {
        link,
        company_name,
        project_name,
        cycle_name,
        accepted_types: accepted.into_iter().flatten().collect(),
        brand,
        company_language,
    }))
}

fn visitor_actor(open: &OpenLink, visit: &UploadLinkVisit, client: ClientInfo) -> Actor {
    Actor::upload_link(
        LinkVisitor {
            link: open.link.id,
            visit: visit.id,
            label: open.link.label.clone(),
            project: open.link.project_id,
            cycle: open.link.cycle_id,
            requests: open.link.requests(),
            uploader_name: visit.uploader_name.clone(),
            uploader_email: visit.uploader_email.clone(),
        },
        open.link.company_id,
        client,
    )
}

/// Resolves a link's token and, among the visit cookies' secrets, this link's visit.
pub async fn enter(
    ctx: &ServiceContext,
    token: String,
    secrets: Vec<String>,
    client: ClientInfo,
) -> Result<Entry, AppError> {
    let now = ctx.clock().now();
    ctx.run_unscoped(move |conn| {
        let open = match resolve(conn, &token, now)? {
            Ok(open) => open,
            Err(refusal) => return Ok(refusal.into()),
        };
        let hashes: Vec<Vec<u8>> = secrets.iter().map(|s| hash(s)).collect();
        let visit =
            UploadLinkVisit::find(conn, open.link.id, &hashes)?.filter(|v| v.expires_at > now);
        Ok(match visit {
            Some(visit) => {
                let actor = visitor_actor(&open, &visit, client);
                Entry::Visitor(open, actor)
            }
            None => Entry::Stranger(open),
        })
    })
    .await
}

/// Who the visitor says they are; the PIN when the link has one.
pub struct Identity {
    pub name: String,
    pub email: String,
    pub pin: Option<Secret>,
}

/// Names a visitor: checks the PIN (throttled per link and per address) and opens a
/// visit. Returns the visit's cookie secret and its expiry, or why the link opens nothing
/// (`Entry::Unknown` or `Entry::Closed`).
pub async fn identify(
    ctx: &ServiceContext,
    token: String,
    identity: Identity,
    client: ClientInfo,
) -> Result<Result<(String, DateTime<Utc>), Entry>, AppError> {
    let attempt_client = client.clone();
    let attempt_token = token.clone();
    let now = ctx.clock().now();
    let checked = ctx
        .run_unscoped(move |conn| {
            let open = match resolve(conn, &attempt_token, now)? {
                Ok(open) => open,
                Err(refusal) => return Ok(Err(Entry::from(refusal))),
            };
            if open.link.has_pin() {
                pin_throttle::reserve(conn, &open.link, &attempt_client, now)?;
            }
            Ok(Ok(open))
        })
        .await?;
    let open = match checked {
        Ok(open) => open,
        Err(reason) => return Ok(Err(reason)),
    };
    if let Some(stored) = open.link.pin_hash.clone() {
        let pin = identity
            .pin
            .clone()
            .unwrap_or_else(|| Secret::new(String::new()));
        if !ctx.hasher().verify(&pin, Some(stored)).await? {
            let link = open.link.clone();
            let failed_client = client.clone();
            ctx.run_unscoped(move |conn| pin_throttle::failed(conn, &link, &failed_client))
                .await?;
            return Err(AppError::from(LinkRefused::WrongPin));
        }
    }
    let now = ctx.clock().now();
    ctx.run_unscoped(move |conn| {
        let open = match resolve(conn, &token, now)? {
            Ok(open) => open,
            Err(refusal) => return Ok(Err(Entry::from(refusal))),
        };
        let secret = crate::domain::tokens::random_token();
        let expires_at = (now + Duration::hours(VISIT_HOURS)).min(open.link.expires_at);
        let visit = UploadLinkVisit::insert(
            conn,
            &open.link,
            &hash(&secret),
            &identity.name,
            &identity.email,
            expires_at,
        )?;
        UploadLink::touch(conn, open.link.id)?;
        let actor = visitor_actor(&open, &visit, client);
        actor
            .audit(actions::UPLOAD_LINK_OPENED)
            .project(open.link.project_id)
            .resource("upload_link", open.link.id)
            .details(json!({
                "name": visit.uploader_name,
                "email": visit.uploader_email,
                "pin": open.link.has_pin(),
            }))
            .record(conn)?;
        Ok(Ok((secret, expires_at)))
    })
    .await
}

/// What a link's upload page shows: the cycle's requests the link is for, what the link
/// has taken of its limits, and why uploads are closed, if they are.
pub struct LinkPage {
    pub view: CycleRequests,
    pub usage: LinkUsage,
    pub closed: Option<crate::domain::Refusal>,
    pub thank_you: Option<ThankYou>,
}

pub async fn page(ctx: &ServiceContext, actor: &Actor) -> Result<LinkPage, AppError> {
    let now = ctx.clock().now();
    let visitor = actor.link_visitor().cloned().ok_or(AppError::NotFound)?;
    ctx.run(actor, move |conn, actor| {
        let (project, cycle) = uploadable(
            conn,
            actor,
            (visitor.project, visitor.cycle),
            CycleLock::NotNeeded,
        )?;
        // The sender reads why in their words, without the cycle's code.
        let closed = closed_reason(&project, &cycle)
            .map(|_| crate::domain::Refusal::from(LinkRefused::CollectionClosed));
        let mut view = cycle_requests::view_of(conn, project, cycle, now)?;
        if !visitor.requests.is_empty() {
            view.items
                .retain(|i| visitor.requests.contains(&i.request.id));
        }
        // A visitor sees what was asked of them and what was sent through their link,
        // not what others have sent.
        let sent_here = UploadLink::batches(conn, visitor.link)?;
        let answered_here = UploadLink::visits(conn, visitor.link)?;
        for item in &mut view.items {
            let request = &mut item.request;
            if request
                .answer_visit_id
                .is_none_or(|v| !answered_here.contains(&v))
            {
                request.answer = None;
                request.answered_at = None;
            }
        }
        let thank_you = ThankYou::of(&view, Some(&sent_here));
        for item in &mut view.items {
            item.files.retain(|f| sent_here.contains(&f.session_id));
        }
        view.other_files.clear();
        let usage = UploadLink::usage(conn, visitor.link)?;
        Ok(LinkPage {
            view,
            usage,
            closed,
            thank_you,
        })
    })
    .await
}
