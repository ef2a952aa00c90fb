//! The operator's administration of companies.

use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::CompanyId;
use crate::db::models::company::{Company, CompanyChanges, NewCompany};
use crate::db::models::company_link::CompanyLink;
use crate::db::models::storage_location::StorageLocation;
use crate::db::models::user::User;
use crate::db::sql_functions::lower;
use crate::domain::refusal::{AccessRefused, AccountRefused};
use crate::domain::{FieldErrors, ListWindow};
use crate::error::AppError;
use crate::schema::{auth_sessions, companies, users as user_rows};
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::users::{self, UserInput};
use crate::services::ServiceContext;

/// A company form, validated.
#[derive(Debug, Clone)]
pub struct CompanyInput {
    pub name: String,
    pub code: String,
    pub contact_email: Option<String>,
    pub links: Vec<CompanyLink>,
}

/// Companies by name, filtered by text and active state (the operator's list).
pub async fn list(
    ctx: &ServiceContext,
    actor: &Actor,
    window: ListWindow,
    active: Option<bool>,
) -> Result<Vec<Company>, AppError> {
    operator_only(actor)?;
    ctx.run(actor, move |conn, _| {
        Ok(Company::list(conn, &window, active)?)
    })
    .await
}

pub async fn create(
    ctx: &ServiceContext,
    actor: &Actor,
    input: CompanyInput,
) -> Result<Company, AppError> {
    operator_only(actor)?;
    ctx.run(actor, move |conn, actor| create_in(conn, actor, &input))
        .await
}

/// What the operator's company page shows.
pub struct CompanyView {
    pub company: Company,
    pub links: Vec<CompanyLink>,
    pub locations: Vec<StorageLocation>,
    /// Who administers the company (the operator sees whom to call).
    pub admins: Vec<User>,
}

/// A company with its links and storage locations.
pub async fn find(
    ctx: &ServiceContext,
    actor: &Actor,
    id: CompanyId,
) -> Result<CompanyView, AppError> {
    operator_only(actor)?;
    ctx.run(actor, move |conn, _| {
        let (company, links) = find_in(conn, id)?;
        let locations = StorageLocation::for_company(conn, id)?;
        let admins = User::admins_of(conn, id)?;
        Ok(CompanyView {
            company,
            links,
            locations,
            admins,
        })
    })
    .await
}

pub async fn update(
    ctx: &ServiceContext,
    actor: &Actor,
    id: CompanyId,
    input: CompanyInput,
) -> Result<Company, AppError> {
    operator_only(actor)?;
    ctx.run(actor, move |conn, actor| update_in(conn, actor, id, &input))
        .await
}

/// Deactivating a company signs out every one of its users at once.
pub async fn set_active(
    ctx: &ServiceContext,
    actor: &Actor,
    id: CompanyId,
    active: bool,
) -> Result<Company, AppError> {
    operator_only(actor)?;
    ctx.run(actor, move |conn, actor| {
        set_active_in(conn, actor, id, active)
    })
    .await
}

/// The operator opens a company's administration; each visit is on the record.
pub async fn open(ctx: &ServiceContext, actor: &Actor, id: CompanyId) -> Result<Company, AppError> {
    operator_only(actor)?;
    ctx.run(actor, move |conn, actor| open_in(conn, actor, id))
        .await
}

/// The operator creates a company's first admin, acting inside that company for this
/// one use case; returns the admin and the one-time password to show once.
pub async fn create_first_admin(
    ctx: &ServiceContext,
    actor: &Actor,
    company: CompanyId,
    input: UserInput,
) -> Result<(User, String), AppError> {
    operator_only(actor)?;
    find(ctx, actor, company).await?;
    users::create(ctx, &actor.operator_inside(company), input).await
}

fn operator_only(actor: &Actor) -> Result<(), AppError> {
    if actor.is_operator() {
        Ok(())
    } else {
        Err(AppError::from(AccessRefused::OperatorOnly))
    }
}

fn check_unique(
    conn: &mut PgConnection,
    input: &CompanyInput,
    except: Option<CompanyId>,
) -> Result<(), AppError> {
    let taken = |conn: &mut PgConnection, column: &str| -> QueryResult<bool> {
        let mut query = companies::table.select(companies::id).into_boxed();
        query = match column {
            // Names and codes that differ only in case are the same to a person.
            "name" => query.filter(lower(companies::company_name).eq(input.name.to_lowercase())),
            _ => query.filter(lower(companies::company_code).eq(input.code.to_lowercase())),
        };
        if let Some(except) = except {
            query = query.filter(companies::id.ne(except));
        }
        Ok(query.first::<CompanyId>(conn).optional()?.is_some())
    };
    let mut errors = FieldErrors::default();
    if taken(conn, "name")? {
        errors.add("company_name", "Another company already has this name.");
    }
    if taken(conn, "code")? {
        errors.add("company_code", "Another company already has this code.");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

fn create_in(
    conn: &mut PgConnection,
    actor: &Actor,
    input: &CompanyInput,
) -> Result<Company, AppError> {
    check_unique(conn, input, None)?;
    let company = Company::insert(
        conn,
        &NewCompany {
            company_name: &input.name,
            company_code: &input.code,
            contact_email: input.contact_email.as_deref(),
        },
    )?;
    CompanyLink::replace_all(conn, company.id, &input.links)?;
    actor
        .audit(actions::COMPANY_CREATED)
        .company(company.id)
        .resource("company", company.id)
        .details(json!({ "after": { "company": company, "links": input.links } }))
        .record(conn)?;
    Ok(company)
}

fn find_in(
    conn: &mut PgConnection,
    id: CompanyId,
) -> Result<(Company, Vec<CompanyLink>), AppError> {
    let company = Company::find(conn, id)?.ok_or(AppError::NotFound)?;
    let links = CompanyLink::for_company(conn, id)?;
    Ok((company, links))
}

fn update_in(
    conn: &mut PgConnection,
    actor: &Actor,
    id: CompanyId,
    input: &CompanyInput,
) -> Result<Company, AppError> {
    let (before, before_links) = find_in(conn, id)?;
    check_unique(conn, input, Some(id))?;
    let after = Company::update(
        conn,
        id,
        &CompanyChanges {
            company_name: &input.name,
            company_code: &input.code,
            contact_email: input.contact_email.as_deref(),
        },
    )?;
    CompanyLink::replace_all(conn, id, &input.links)?;
    actor
        .audit(actions::COMPANY_UPDATED)
        .company(id)
        .resource("company", id)
        .details(json!({
            "before": { "company": before, "links": before_links },
            "after": { "company": after, "links": input.links },
        }))
        .record(conn)?;
    Ok(after)
}

/// Deactivating a company signs out every one of its users at once.
fn set_active_in(
    conn: &mut PgConnection,
    actor: &Actor,
    id: CompanyId,
    active: bool,
) -> Result<Company, AppError> {
    let (before, _) = find_in(conn, id)?;
    if !active && id == actor.company_id() {
        return Err(AppError::from(AccountRefused::OwnCompany));
    }
    Company::set_active(conn, id, active)?;
    let signed_out = if active {
        0
    } else {
        let members = user_rows::table
            .filter(user_rows::company_id.eq(id))
            .select(user_rows::id);
        diesel::update(
            auth_sessions::table
                .filter(auth_sessions::user_id.eq_any(members))
                .filter(auth_sessions::revoked_at.is_null()),
        )
        .set(auth_sessions::revoked_at.eq(diesel::dsl::now))
        .execute(conn)?
    };
    let action = if active {
        actions::COMPANY_REACTIVATED
    } else {
        actions::COMPANY_DEACTIVATED
    };
    actor
        .audit(action)
        .company(id)
        .resource("company", id)
        .details(json!({
            "before": { "is_active": before.is_active },
            "after": { "is_active": active },
            "sessions_signed_out": signed_out,
        }))
        .record(conn)?;
    Ok(Company {
        is_active: active,
        ..before
    })
}

/// The operator opens a company's administration; each visit is on the record.
fn open_in(conn: &mut PgConnection, actor: &Actor, id: CompanyId) -> Result<Company, AppError> {
    let (company, _) = find_in(conn, id)?;
    actor
        .audit(actions::COMPANY_OPENED)
        .company(id)
        .resource("company", id)
        .details(json!({ "company_code": company.company_code }))
        .record(conn)?;
    Ok(company)
}
