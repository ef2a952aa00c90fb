//! Single sign-on per company through its OpenID Connect provider: the operator's
//! settings (here), the provider's protocol (`provider`) and the sign-in (`sign_in`).

mod member;
pub mod provider;
pub mod sign_in;
pub mod throttle;

use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::CompanyId;
use crate::db::models::company::Company;
use crate::db::models::company_sso::{CompanySso, CompanySsoForm};
use crate::domain::refusal::AccessRefused;
use crate::domain::sso_settings::SsoSettings;
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::services::audit::{actions, AuditEvent};
use crate::services::{Actor, ServiceContext};

/// A company with its provider, if it has one.
pub struct CompanySsoView {
    pub company: Company,
    pub settings: Option<CompanySso>,
    pub email_domains: Vec<String>,
}

fn operator_only(actor: &Actor) -> Result<(), AppError> {
    if actor.is_operator() {
        Ok(())
    } else {
        Err(AppError::from(AccessRefused::OperatorOnly))
    }
}

pub async fn find(
    ctx: &ServiceContext,
    actor: &Actor,
    company: CompanyId,
) -> Result<CompanySsoView, AppError> {
    operator_only(actor)?;
    ctx.run(actor, move |conn, _| {
        let company = Company::find(conn, company)?.ok_or(AppError::NotFound)?;
        Ok(CompanySsoView {
            settings: CompanySso::find(conn, company.id)?,
            email_domains: CompanySso::domains(conn, company.id)?,
            company,
        })
    })
    .await
}

/// Reads the provider's discovery document before anything is stored, so a mistyped
/// issuer is said at once rather than at somebody's first sign-in.
pub async fn check_issuer(issuer: &str) -> Result<(), FieldErrors> {
    match provider::discover(issuer).await {
        Ok(_) => Ok(()),
        Err(_) => {
            let mut errors = FieldErrors::default();
            errors.add(
                "issuer_url",
                format!("Hopper could not read this provider's discovery document ({}/.well-known/openid-configuration), or it names another issuer.", issuer.trim_end_matches('/')),
            );
            Err(errors)
        }
    }
}

/// The operator sets up (or changes) a company's provider; audited.
pub async fn set(
    ctx: &ServiceContext,
    actor: &Actor,
    company: CompanyId,
    settings: SsoSettings,
) -> Result<CompanySso, AppError> {
    operator_only(actor)?;
    check_issuer(&settings.issuer_url)
        .await
        .map_err(AppError::Invalid)?;
    ctx.run(actor, move |conn, actor| {
        Company::find(conn, company)?.ok_or(AppError::NotFound)?;
        let event = actor.audit(actions::SSO_CONFIGURED);
        set_in(conn, company, &settings, event)
    })
    .await
}

/// The operator removes a company's provider: its members sign in with passwords again
/// (links to provider accounts stay, for a provider set up again). Audited.
pub async fn remove(
    ctx: &ServiceContext,
    actor: &Actor,
    company: CompanyId,
) -> Result<bool, AppError> {
    operator_only(actor)?;
    ctx.run(actor, move |conn, actor| {
        Company::find(conn, company)?.ok_or(AppError::NotFound)?;
        remove_in(conn, company, actor.audit(actions::SSO_REMOVED))
    })
    .await
}

/// `hopper sso set`, as the database's owner: the same rules, audited in the company.
pub fn set_from_cli(
    conn: &mut PgConnection,
    code: &str,
    settings: &SsoSettings,
) -> Result<(Company, CompanySso), AppError> {
    let company = company_by_code(conn, code)?;
    let event = AuditEvent::new(actions::SSO_CONFIGURED);
    let saved = set_in(conn, company.id, settings, event)?;
    Ok((company, saved))
}

/// `hopper sso remove`: whether there was a provider to remove.
pub fn remove_from_cli(conn: &mut PgConnection, code: &str) -> Result<(Company, bool), AppError> {
    let company = company_by_code(conn, code)?;
    let removed = remove_in(conn, company.id, AuditEvent::new(actions::SSO_REMOVED))?;
    Ok((company, removed))
}

fn company_by_code(conn: &mut PgConnection, code: &str) -> Result<Company, AppError> {
    let code = code.trim().to_ascii_uppercase();
    Company::find_by_code(conn, &code)?
        .ok_or_else(|| AppError::from(crate::domain::refusal::AccountRefused::CompanyUnknown(code)))
}

/// What the audit trail keeps of the settings: never a secret (there is none here: only
/// the name of the variable that holds it).
fn recorded(settings: Option<&CompanySso>, domains: &[String]) -> serde_json::Value {
    settings.map_or(serde_json::Value::Null, |s| {
        json!({
            "issuer_url": s.issuer_url,
            "client_id": s.client_id,
            "client_secret_env": s.client_secret_env,
            "email_domains": domains,
            "jit_enabled": s.jit_enabled,
            "jit_role": s.jit_role,
            "sso_only": s.sso_only,
        })
    })
}

fn set_in(
    conn: &mut PgConnection,
    company: CompanyId,
    settings: &SsoSettings,
    event: AuditEvent<'_>,
) -> Result<CompanySso, AppError> {
    let taken = CompanySso::domains_taken(conn, company, &settings.email_domains)?;
    if !taken.is_empty() {
        let mut errors = FieldErrors::default();
        errors.add(
            "email_domains",
            format!(
                "Another company signs in people of {} already.",
                taken.join(", ")
            ),
        );
        return Err(AppError::Invalid(errors));
    }
    let before = CompanySso::find(conn, company)?;
    let before_domains = CompanySso::domains(conn, company)?;
    let after = CompanySso::upsert(
        conn,
        &CompanySsoForm {
            company_id: company,
            issuer_url: &settings.issuer_url,
            client_id: &settings.client_id,
            client_secret_env: settings.client_secret_env.as_deref(),
            jit_enabled: settings.jit_enabled,
            jit_role: settings.jit_role,
            sso_only: settings.sso_only,
        },
    )?;
    CompanySso::set_domains(conn, company, &settings.email_domains)?;
    event
        .company(company)
        .resource("company", company)
        .details(json!({
            "before": recorded(before.as_ref(), &before_domains),
            "after": recorded(Some(&after), &settings.email_domains),
        }))
        .record(conn)?;
    Ok(after)
}

fn remove_in(
    conn: &mut PgConnection,
    company: CompanyId,
    event: AuditEvent<'_>,
) -> Result<bool, AppError> {
    let before = CompanySso::find(conn, company)?;
    let before_domains = CompanySso::domains(conn, company)?;
    if before.is_none() {
        return Ok(false);
    }
    CompanySso::delete(conn, company)?;
    event
        .company(company)
        .resource("company", company)
        .details(json!({ "before": recorded(before.as_ref(), &before_domains) }))
        .record(conn)?;
    Ok(true)
}
