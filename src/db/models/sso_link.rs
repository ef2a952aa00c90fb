//! Which provider account (issuer, subject) is which user, within one company.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::{CompanyId, UserId};
use crate::db::models::user::User;
use crate::db::sql_functions::lower;
use crate::schema::{sso_links, users};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sso_links, check_for_backend(diesel::pg::Pg))]
pub struct SsoLink {
    pub id: i32,
    pub company_id: CompanyId,
    pub user_id: UserId,
    pub issuer_url: String,
    pub subject: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sso_links)]
pub struct NewSsoLink<'a> {
    pub company_id: CompanyId,
    pub user_id: UserId,
    pub issuer_url: &'a str,
    pub subject: &'a str,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
}

impl SsoLink {
    pub fn find(
        conn: &mut PgConnection,
        company: CompanyId,
        issuer: &str,
        subject: &str,
    ) -> QueryResult<Option<SsoLink>> {
        sso_links::table
            .filter(sso_links::company_id.eq(company))
            .filter(sso_links::issuer_url.eq(issuer))
            .filter(sso_links::subject.eq(subject))
            .select(SsoLink::as_select())
            .first(conn)
            .optional()
    }

    /// The user's link to this issuer, whatever its subject.
    pub fn of_user(
        conn: &mut PgConnection,
        user: UserId,
        issuer: &str,
    ) -> QueryResult<Option<SsoLink>> {
        sso_links::table
            .filter(sso_links::user_id.eq(user))
            .filter(sso_links::issuer_url.eq(issuer))
            .select(SsoLink::as_select())
            .first(conn)
            .optional()
    }

    pub fn insert(conn: &mut PgConnection, new: &NewSsoLink<'_>) -> QueryResult<SsoLink> {
        diesel::insert_into(sso_links::table)
            .values(new)
            .returning(SsoLink::as_returning())
            .get_result(conn)
    }

    pub fn touch(conn: &mut PgConnection, id: i32, now: DateTime<Utc>) -> QueryResult<()> {
        diesel::update(sso_links::table.find(id))
            .set(sso_links::last_used_at.eq(now))
            .execute(conn)
            .map(|_| ())
    }

    /// The member of `company` with this email address, in any case: the first sign-in's
    /// match, never across companies.
    pub fn member_by_email(
        conn: &mut PgConnection,
        company: CompanyId,
        email: &str,
    ) -> QueryResult<Option<User>> {
        users::table
            .filter(users::company_id.eq(company))
            .filter(lower(users::email).eq(email.to_lowercase()))
            .select(User::as_select())
            .first(conn)
            .optional()
    }
}
