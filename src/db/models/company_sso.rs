//! A company's OpenID Connect provider (`company_sso`) and the email domains that name the
//! company on the sign-in page (`sso_email_domains`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::CompanyId;
use crate::domain::Role;
use crate::schema::{companies, company_sso, sso_email_domains};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = company_sso, check_for_backend(diesel::pg::Pg))]
pub struct CompanySso {
    pub company_id: CompanyId,
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret_env: Option<String>,
    pub jit_enabled: bool,
    pub jit_role: Role,
    pub sso_only: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = company_sso, treat_none_as_null = true)]
pub struct CompanySsoForm<'a> {
    pub company_id: CompanyId,
    pub issuer_url: &'a str,
    pub client_id: &'a str,
    pub client_secret_env: Option<&'a str>,
    pub jit_enabled: bool,
    pub jit_role: Role,
    pub sso_only: bool,
}

impl CompanySso {
    pub fn find(conn: &mut PgConnection, company: CompanyId) -> QueryResult<Option<CompanySso>> {
        company_sso::table
            .find(company)
            .select(CompanySso::as_select())
            .first(conn)
            .optional()
    }

    /// The provider of the active company with this code.
    pub fn find_by_code(conn: &mut PgConnection, code: &str) -> QueryResult<Option<CompanySso>> {
        company_sso::table
            .inner_join(companies::table)
            .filter(companies::company_code.eq(code))
            .filter(companies::is_active.eq(true))
            .select(CompanySso::as_select())
            .first(conn)
            .optional()
    }

    /// The provider of the active company this email domain names.
    pub fn find_by_domain(
        conn: &mut PgConnection,
        domain: &str,
    ) -> QueryResult<Option<CompanySso>> {
        company_sso::table
            .inner_join(companies::table)
            .inner_join(
                sso_email_domains::table
                    .on(sso_email_domains::company_id.eq(company_sso::company_id)),
            )
            .filter(sso_email_domains::domain.eq(domain))
            .filter(companies::is_active.eq(true))
            .select(CompanySso::as_select())
            .first(conn)
            .optional()
    }

    /// Whether the company's members may sign in only through its provider.
    pub fn is_sso_only(conn: &mut PgConnection, company: CompanyId) -> QueryResult<bool> {
        Ok(company_sso::table
            .find(company)
            .select(company_sso::sso_only)
            .first::<bool>(conn)
            .optional()?
            .unwrap_or(false))
    }

    /// Inserts or replaces the company's provider.
    pub fn upsert(conn: &mut PgConnection, form: &CompanySsoForm<'_>) -> QueryResult<CompanySso> {
        diesel::insert_into(company_sso::table)
            .values(form)
            .on_conflict(company_sso::company_id)
            .do_update()
            .set(form)
            .returning(CompanySso::as_returning())
            .get_result(conn)
    }

    pub fn delete(conn: &mut PgConnection, company: CompanyId) -> QueryResult<bool> {
        diesel::delete(sso_email_domains::table.filter(sso_email_domains::company_id.eq(company)))
            .execute(conn)?;
        Ok(diesel::delete(company_sso::table.find(company)).execute(conn)? > 0)
    }

    pub fn domains(conn: &mut PgConnection, company: CompanyId) -> QueryResult<Vec<String>> {
        sso_email_domains::table
            .filter(sso_email_domains::company_id.eq(company))
            .order(sso_email_domains::domain)
            .select(sso_email_domains::domain)
            .load(conn)
    }

    /// Which of `domains` another company already has.
    pub fn domains_taken(
        conn: &mut PgConnection,
        company: CompanyId,
        domains: &[String],
    ) -> QueryResult<Vec<String>> {
        sso_email_domains::table
            .filter(sso_email_domains::domain.eq_any(domains))
            .filter(sso_email_domains::company_id.ne(company))
            .select(sso_email_domains::domain)
            .load(conn)
    }

    pub fn set_domains(
        conn: &mut PgConnection,
        company: CompanyId,
        domains: &[String],
    ) -> QueryResult<()> {
        diesel::delete(sso_email_domains::table.filter(sso_email_domains::company_id.eq(company)))
            .execute(conn)?;
        let rows: Vec<_> = domains
            .iter()
            .map(|d| {
                (
                    sso_email_domains::domain.eq(d.as_str()),
                    sso_email_domains::company_id.eq(company),
                )
            })
            .collect();
        diesel::insert_into(sso_email_domains::table)
            .values(rows)
            .execute(conn)
            .map(|_| ())
    }
}
