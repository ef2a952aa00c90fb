//! Who a session belongs to, read from the database on every request: a deactivated
//! user or company, or a demoted admin, loses access on the very next request.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::ids::{CompanyId, UserId};
use crate::db::models::auth_session::AuthSession;
use crate::domain::Role;
use crate::error::AppError;
use crate::schema::{companies, user_profiles, users};
use crate::services::{two_factor, ServiceContext};

#[derive(Debug, Clone)]
pub struct CompanySummary {
    pub id: CompanyId,
    pub name: String,
    pub code: String,
}

/// The account behind a live session.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub id: UserId,
    pub username: String,
    pub email: String,
    pub full_name: Option<String>,
    pub role: Role,
    pub last_login: Option<DateTime<Utc>>,
    pub company: CompanySummary,
    pub timezone: Option<String>,
    pub must_change_password: bool,
    /// A policy requires a second factor and the user has none yet.
    pub second_factor_owed: bool,
}

type UserRow = (
    UserId,
    String,
    String,
    Option<String>,
    Role,
    bool,
    Option<DateTime<Utc>>,
    CompanyId,
    String,
    String,
    bool,
    Option<String>,
    Option<bool>,
);

/// The session's user, or `None` (and the session revoked) when the user or their
/// company is no longer active.
pub async fn session_user(
    ctx: &ServiceContext,
    user_id: UserId,
    session_id: Uuid,
) -> Result<Option<SessionUser>, AppError> {
    ctx.run_unscoped(move |conn| {
        let row = users::table
            .inner_join(companies::table)
            .left_join(user_profiles::table)
            .filter(users::id.eq(user_id))
            .select((
                users::id,
                users::username,
                users::email,
                users::full_name,
                users::role,
                users::is_active,
                users::last_login,
                companies::id,
                companies::company_name,
                companies::company_code,
                companies::is_active,
                user_profiles::timezone.nullable(),
                user_profiles::must_change_password.nullable(),
            ))
            .first::<UserRow>(conn)
            .optional()?;
        let Some(row) = row.filter(|r| r.5 && r.10) else {
            // The account or its company was deactivated (or removed): end this session.
            AuthSession::revoke(conn, user_id, session_id)?;
            return Ok(None);
        };
        Ok(Some(SessionUser {
            id: row.0,
            username: row.1,
            email: row.2,
            full_name: row.3,
            role: row.4,
            last_login: row.6,
            company: CompanySummary {
                id: row.7,
                name: row.8,
                code: row.9,
            },
            timezone: row.11,
            must_change_password: row.12.unwrap_or(false),
            second_factor_owed: two_factor::policy::enrolment_owed(conn, user_id)?,
        }))
    })
    .await
}

/// The company the operator opened, if it still exists.
pub async fn opened_company(
    ctx: &ServiceContext,
    id: CompanyId,
) -> Result<Option<CompanySummary>, AppError> {
    ctx.run_unscoped(move |conn| {
        let row: Option<(CompanyId, String, String)> = companies::table
            .find(id)
            .select((
                companies::id,
                companies::company_name,
                companies::company_code,
            ))
            .first(conn)
            .optional()?;
        Ok(row.map(|(id, name, code)| CompanySummary { id, name, code }))
    })
    .await
}
