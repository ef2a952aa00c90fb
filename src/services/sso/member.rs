//! Who a provider's verified answer is in Hopper, within the provider's company only: the
//! member linked to that provider account, or the first time the active member with that
//! verified email (then linked), or a member created just in time when the company allows.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::UserId;
use crate::db::models::company::Company;
use crate::db::models::company_sso::CompanySso;
use crate::db::models::sso_link::{NewSsoLink, SsoLink};
use crate::db::models::user::{NewUser, User};
use crate::db::models::user_profile::UserProfile;
use crate::domain::refusal::SsoRefused;
use crate::domain::sso_settings::domain_of;
use crate::domain::tokens::random_token;
use crate::domain::{fields, ClientInfo, Role};
use crate::error::AppError;
use crate::services::audit::{actions, AuditEvent};
use crate::services::sso::provider::Identity;

/// The member `identity` is, within the provider's company only.
pub(super) fn member(
    conn: &mut PgConnection,
    settings: &CompanySso,
    identity: &Identity,
    unusable_hash: Option<&str>,
    now: DateTime<Utc>,
    client: &ClientInfo,
) -> Result<Result<UserId, SsoRefused>, AppError> {
    let company = Company::find(conn, settings.company_id)?.ok_or(AppError::NotFound)?;
    let issuer = settings.issuer_url.as_str();
    if let Some(link) = SsoLink::find(conn, company.id, issuer, &identity.subject)? {
        let user = User::find(conn, link.user_id)?.ok_or(AppError::NotFound)?;
        if let Err(refusal) = may_sign_in(&company, &user) {
            return Ok(Err(refusal));
        }
        SsoLink::touch(conn, link.id, now)?;
        return Ok(Ok(user.id));
    }
    let Some(email) = identity.email.as_deref().map(str::trim) else {
        return Ok(Err(SsoRefused::NoEmail));
    };
    if !identity.email_verified {
        return Ok(Err(SsoRefused::EmailUnverified));
    }
    let domain = domain_of(email).unwrap_or_default();
    let domains = CompanySso::domains(conn, company.id)?;
    if !domains.is_empty() && !domains.contains(&domain) {
        return Ok(Err(SsoRefused::DomainNotAllowed(domain)));
    }
    // Only this company's members: an address of another company's member is unknown here.
    let existing = SsoLink::member_by_email(conn, company.id, email)?;
    let user = match (existing, unusable_hash) {
        (Some(user), _) => {
            if let Err(refusal) = may_sign_in(&company, &user) {
                return Ok(Err(refusal));
            }
            if SsoLink::of_user(conn, user.id, issuer)?.is_some() {
                return Ok(Err(SsoRefused::LinkedElsewhere));
            }
            user
        }
        (None, Some(hash)) if settings.jit_enabled && company.is_active => {
            if User::email_taken(conn, email, None)? {
                return Ok(Err(SsoRefused::NoAccount(email.to_owned())));
            }
            create_member(conn, settings, identity, email, hash, now, client)?
        }
        (None, _) => return Ok(Err(SsoRefused::NoAccount(email.to_owned()))),
    };
    let link = SsoLink::insert(
        conn,
        &NewSsoLink {
            company_id: company.id,
            user_id: user.id,
            issuer_url: issuer,
            subject: &identity.subject,
            created_at: now,
            last_used_at: now,
        },
    )?;
    AuditEvent::new(actions::SSO_LINKED)
        .actor(user.id, &user.username)
        .company(company.id)
        .resource("user", user.id)
        .details(json!({ "issuer": issuer, "subject": link.subject, "email": email }))
        .client(client)
        .record(conn)?;
    Ok(Ok(user.id))
}

fn may_sign_in(company: &Company, user: &User) -> Result<(), SsoRefused> {
    if !company.is_active || !user.is_active {
        return Err(SsoRefused::Inactive);
    }
    // The operator's account opens every company: it is never handed to a provider.
    if user.role == Role::Superadmin {
        return Err(SsoRefused::NoAccount(user.email.clone()));
    }
    Ok(())
}

/// Just-in-time creation: a member of the company with its default role, audited.
fn create_member(
    conn: &mut PgConnection,
    settings: &CompanySso,
    identity: &Identity,
    email: &str,
    unusable_hash: &str,
    now: DateTime<Utc>,
    client: &ClientInfo,
) -> Result<User, AppError> {
    let username = free_username(conn, email)?;
    let full_name = identity
        .name
        .as_deref()
        .and_then(|n| fields::optional_name(n, "name", 255).ok().flatten());
    let user = User::insert(
        conn,
        &NewUser {
            company_id: settings.company_id,
            username: &username,
            email,
            password_hash: unusable_hash,
            full_name: full_name.as_deref(),
            role: settings.jit_role,
        },
    )?;
    // Their password is not theirs to change first: they have none to know.
    UserProfile::set_must_change_password(conn, user.id, Some(now))?;
    AuditEvent::new(actions::USER_CREATED)
        .actor(user.id, &user.username)
        .company(settings.company_id)
        .resource("user", user.id)
        .details(json!({
            "via": "sso",
            "issuer": settings.issuer_url,
            "after": { "username": user.username, "email": user.email, "role": user.role },
        }))
        .client(client)
        .record(conn)?;
    Ok(user)
}

/// The email as username when it is one and free, else with a number after it.
fn free_username(conn: &mut PgConnection, email: &str) -> Result<String, AppError> {
    let base: String = email
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'))
        .take(90)
        .collect();
    let base = if base.len() < 3 {
        format!("sso-{base}")
    } else {
        base
    };
    for n in 1..100 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        if User::find_by_username(conn, &candidate)?.is_none() {
            return Ok(candidate);
        }
    }
    Ok(format!("sso-{}", &random_token()[..12]))
}
