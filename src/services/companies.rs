//! The operator's administration of companies.

use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::CompanyId;
use crate::db::models::company::{Company, CompanyChanges, NewCompany};
use crate::db::models::company_link::CompanyLink;
use crate::error::AppError;
use crate::schema::{auth_sessions, companies, users};
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::web::FieldErrors;

/// A company form, validated.
#[derive(Debug, Clone)]
pub struct CompanyInput {
    pub name: String,
    pub code: String,
    pub contact_email: Option<String>,
    pub links: Vec<CompanyLink>,
}

fn check_unique(
    conn: &mut PgConnection,
    input: &CompanyInput,
    except: Option<CompanyId>,
) -> Result<(), AppError> {
    let taken = |conn: &mut PgConnection, column: &str| -> QueryResult<bool> {
        let mut query = companies::table.select(companies::id).into_boxed();
        query = match column {
            "name" => query.filter(companies::company_name.eq(&input.name)),
            _ => query.filter(companies::company_code.eq(&input.code)),
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

pub fn create(
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

pub fn find(
    conn: &mut PgConnection,
    id: CompanyId,
) -> Result<(Company, Vec<CompanyLink>), AppError> {
    let company = Company::find(conn, id)?.ok_or(AppError::NotFound)?;
    let links = CompanyLink::for_company(conn, id)?;
    Ok((company, links))
}

pub fn update(
    conn: &mut PgConnection,
    actor: &Actor,
    id: CompanyId,
    input: &CompanyInput,
) -> Result<Company, AppError> {
    let (before, before_links) = find(conn, id)?;
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
pub fn set_active(
    conn: &mut PgConnection,
    actor: &Actor,
    id: CompanyId,
    active: bool,
) -> Result<Company, AppError> {
    let (before, _) = find(conn, id)?;
    if !active && id == actor.company_id {
        return Err(AppError::Conflict(
            "You cannot deactivate the company your own account belongs to.".into(),
        ));
    }
    Company::set_active(conn, id, active)?;
    let signed_out = if active {
        0
    } else {
        let members = users::table
            .filter(users::company_id.eq(id))
            .select(users::id);
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
pub fn open(conn: &mut PgConnection, actor: &Actor, id: CompanyId) -> Result<Company, AppError> {
    let (company, _) = find(conn, id)?;
    actor
        .audit(actions::COMPANY_OPENED)
        .company(id)
        .resource("company", id)
        .details(json!({ "company_code": company.company_code }))
        .record(conn)?;
    Ok(company)
}
