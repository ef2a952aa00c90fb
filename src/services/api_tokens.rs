//! API tokens: personal tokens (a user's own, narrowed to chosen projects and scopes) and
//! machine tokens (an admin's, for one project, with no user). A token is 256 random bits
//! shown once; only its SHA-256 is stored, so lookups compare hashes, never the secret.
//! A token stops at once when it expires or is revoked, or its user or company is
//! deactivated: every request resolves it afresh.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::db::ids::{ApiTokenId, CompanyId, ProjectId, UserId};
pub use crate::db::models::api_token::ApiToken;
use crate::db::models::api_token::{NewApiToken, TokenHolding};
use crate::db::models::project::Project;
use crate::domain::refusal::{AccessRefused, AccountRefused};
use crate::domain::{ClientInfo, TokenScope};
use crate::error::AppError;
use crate::services::actor::{Actor, TokenCaller};
use crate::services::audit::{actions, AuditEvent};
use crate::services::{project_access, projects, ServiceContext};

/// Tokens start with this, so a leaked one is easy to recognise (and to scan for).
pub const PREFIX: &str = "hop_";

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// What a new token is for (already parsed).
pub struct TokenRequest {
    pub name: String,
    pub scopes: Vec<TokenScope>,
    pub projects: Vec<ProjectId>,
    pub valid_for: Duration,
}

/// Stores a new token of `company` (for `user`, or a machine token) and returns it with
/// its secret; the caller writes the audit row through [`created`].
fn insert(
    conn: &mut PgConnection,
    (company, user, created_by): (CompanyId, Option<UserId>, Option<UserId>),
    wanted: &TokenRequest,
    now: DateTime<Utc>,
) -> QueryResult<(ApiToken, String)> {
    let secret = format!("{PREFIX}{}", crate::domain::tokens::random_token());
    let token = ApiToken::insert(
        conn,
        &NewApiToken {
            company_id: company,
            user_id: user,
            name: &wanted.name,
            token_hash: &hash(&secret),
            token_prefix: &secret[..PREFIX.len() + 6],
            scopes: wanted
                .scopes
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            project_ids: wanted.projects.iter().map(|p| p.0).collect(),
            expires_at: now + wanted.valid_for,
            created_by,
        },
    )?;
    Ok((token, secret))
}

/// The audit row of a new token (never its secret).
fn created<'a>(event: AuditEvent<'a>, token: &ApiToken, by: Option<&str>) -> AuditEvent<'a> {
    let event = event.resource("api_token", token.id).details(json!({
        "by": by,
        "name": token.name,
        "machine": token.user_id.is_none(),
        "scopes": token.scopes_text(),
        "projects": token.projects(),
        "expires_at": token.expires_at,
        "prefix": token.token_prefix,
    }));
    match token.projects()[..] {
        [project] => event.project(project),
        _ => event,
    }
}

/// A personal token of the signed-in user, for projects they may reach.
pub async fn create_personal(
    ctx: &ServiceContext,
    actor: &Actor,
    wanted: TokenRequest,
) -> Result<(ApiToken, String), AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let user = actor.user()?;
        for project in &wanted.projects {
            projects::find_live(conn, actor, *project)?;
            if project_access::right_in(conn, actor, *project)?.is_none() {
                return Err(actor.not_found("project", project));
            }
        }
        let (token, secret) = insert(
            conn,
            (actor.company_id(), Some(user), Some(user)),
            &wanted,
            now,
        )?;
        created(actor.audit(actions::API_TOKEN_CREATED), &token, None).record(conn)?;
        Ok((token, secret))
    })
    .await
}

/// A machine token acts for nobody: the admin scope, which acts for an admin, is not its.
fn machine_scopes(wanted: &TokenRequest) -> Result<(), AppError> {
    if wanted.scopes.contains(&TokenScope::Admin) {
        return Err(AccessRefused::AdminScopeForMachine.into());
    }
    Ok(())
}

/// A machine token for one project of the admin's company (no user).
pub async fn create_machine(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    mut wanted: TokenRequest,
) -> Result<(ApiToken, String), AppError> {
    machine_scopes(&wanted)?;
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let project = projects::find_live(conn, actor, project)?;
        wanted.projects = vec![project.id];
        let by = actor.user_id();
        let (token, secret) = insert(conn, (actor.company_id(), None, by), &wanted, now)?;
        created(actor.audit(actions::API_TOKEN_CREATED), &token, None).record(conn)?;
        Ok((token, secret))
    })
    .await
}

/// `hopper token create`: a machine token made by the operator at the command line,
/// audited as the installation's own act in the project's company.
pub fn create_machine_from_cli(
    conn: &mut PgConnection,
    project: ProjectId,
    wanted: TokenRequest,
    now: DateTime<Utc>,
) -> Result<(ApiToken, String, Project), AppError> {
    machine_scopes(&wanted)?;
    let project: Project = crate::schema::projects::table
        .find(project)
        .filter(crate::schema::projects::deleted_at.is_null())
        .select(Project::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let wanted = TokenRequest {
        projects: vec![project.id],
        ..wanted
    };
    let (token, secret) = insert(conn, (project.company_id, None, None), &wanted, now)?;
    created(
        AuditEvent::new(actions::API_TOKEN_CREATED).company(project.company_id),
        &token,
        Some("hopper token create"),
    )
    .record(conn)?;
    Ok((token, secret, project))
}

/// The signed-in user's own tokens.
pub async fn own(ctx: &ServiceContext, actor: &Actor) -> Result<Vec<ApiToken>, AppError> {
    ctx.run(actor, |conn, actor| {
        Ok(ApiToken::of_user(conn, actor.company_id(), actor.user()?)?)
    })
    .await
}

/// A project's machine tokens (admins).
pub async fn machines(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
) -> Result<Vec<ApiToken>, AppError> {
    ctx.run(actor, move |conn, actor| {
        let project = projects::find_live(conn, actor, project)?;
        Ok(ApiToken::machines_of(conn, actor.company_id(), project.id)?)
    })
    .await
}

/// Revokes a token: the user's own (`project` none), or (admins) a machine token of
/// `project`.
pub async fn revoke(
    ctx: &ServiceContext,
    actor: &Actor,
    id: ApiTokenId,
    project: Option<ProjectId>,
) -> Result<ApiToken, AppError> {
    ctx.run(actor, move |conn, actor| {
        if let Some(project) = project {
            projects::find_live(conn, actor, project)?;
        }
        let token = ApiToken::lock_in_company(conn, actor.company_id(), id)?
            .filter(|t| match (t.user_id, project) {
                (Some(owner), None) => actor.user_id() == Some(owner),
                (None, Some(project)) => actor.is_admin() && t.projects().contains(&project),
                _ => false,
            })
            .ok_or_else(|| actor.not_found("api_token", id))?;
        if token.revoked_at.is_some() {
            return Err(AppError::from(AccountRefused::TokenAlreadyRevoked));
        }
        ApiToken::revoke(conn, token.id)?;
        actor
            .audit(actions::API_TOKEN_REVOKED)
            .resource("api_token", token.id)
            .details(json!({ "name": token.name, "prefix": token.token_prefix }))
            .record(conn)?;
        Ok(token)
    })
    .await
}

/// Revokes every token of `user` (a password reset, a deactivation, a role change: a
/// token minted on the old standing must not outlive it), one `api_token.revoked` row
/// each, made by `audit` so it names whoever acted. Runs inside the caller's transaction.
/// Returns how many were revoked.
pub fn revoke_all_of_user<'a>(
    conn: &mut PgConnection,
    user: UserId,
    reason: &str,
    audit: impl Fn() -> AuditEvent<'a>,
) -> QueryResult<usize> {
    let revoked = ApiToken::revoke_all_of_user(conn, user)?;
    for (id, name, prefix) in &revoked {
        audit()
            .resource("api_token", id)
            .details(json!({ "name": name, "prefix": prefix, "user_id": user, "reason": reason }))
            .record(conn)?;
    }
    Ok(revoked.len())
}

/// Why a bearer token opens nothing (the API answers 401 with this).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    Unknown,
    Expired,
    Revoked,
    /// Its user or its company is deactivated.
    Inactive,
}

impl Refused {
    pub fn sentence(&self) -> &'static str {
        match self {
            Refused::Unknown => "This token is not known to Hopper.",
            Refused::Expired => "This token has expired; create a new one.",
            Refused::Revoked => "This token was revoked.",
            Refused::Inactive => "The token's user or company is deactivated.",
        }
    }
}

/// Resolves a bearer token into the actor it calls as, checking it afresh.
pub async fn authenticate(
    ctx: &ServiceContext,
    secret: String,
    client: ClientInfo,
) -> Result<Result<Actor, Refused>, AppError> {
    let now = ctx.clock().now();
    // One statement, outside a transaction: every request of a sync comes through here.
    let found = ctx
        .read_unscoped(move |conn| ApiToken::find_by_hash(conn, &hash(&secret)))
        .await?;
    let Some(TokenHolding {
        token,
        company_active,
        user,
    }) = found
    else {
        return Ok(Err(Refused::Unknown));
    };
    if token.revoked_at.is_some() {
        return Ok(Err(Refused::Revoked));
    }
    if token.expires_at <= now {
        return Ok(Err(Refused::Expired));
    }
    let user = match (token.user_id, user) {
        (None, _) => None,
        (Some(id), Some((name, role, true, company))) if company == token.company_id => {
            Some((id, name, role))
        }
        (Some(_), _) => return Ok(Err(Refused::Inactive)),
    };
    if !company_active {
        return Ok(Err(Refused::Inactive));
    }
    let actor = Actor::token(
        TokenCaller {
            token: token.id,
            name: token.name.clone(),
            user,
            scopes: token.scopes(),
            projects: token.projects(),
        },
        token.company_id,
        client,
    );
    // A use is recorded at most once a minute per token (a sync sends many requests);
    // what a token changes is audited by each use case as it happens.
    if token
        .last_used_at
        .is_some_and(|last| last > now - Duration::minutes(1))
    {
        return Ok(Ok(actor));
    }
    let (id, name) = (token.id, token.name);
    ctx.run(&actor, move |conn, actor| {
        // Another request (or node) may have recorded it meanwhile: one row a minute.
        if ApiToken::touch(conn, id, actor.client().ip.as_deref(), now)? {
            actor
                .audit(actions::API_TOKEN_USED)
                .resource("api_token", id)
                .details(json!({ "name": name }))
                .record(conn)?;
        }
        Ok(())
    })
    .await?;
    Ok(Ok(actor))
}
