//! Account administration from the command line (`hopper create-superadmin`,
//! `hopper reset-password`): the operator's way in when no one can sign in.

use diesel::prelude::*;
use rand::distr::{Alphanumeric, SampleString};
use serde_json::json;

use crate::config::Secret;
use crate::db::models::auth_session::AuthSession;
use crate::db::models::company::Company;
use crate::db::models::user::{NewUser, User};
use crate::db::models::user_profile::UserProfile;
use crate::domain::refusal::AccountRefused;
use crate::domain::Role;
use crate::error::AppError;
use crate::services::api_tokens;
use crate::services::audit::{actions, AuditEvent};
use crate::services::ServiceContext;

/// Whether the seeded administrator still has the seed's password (`admin123`).
pub async fn seeded_admin_password_in_place(ctx: &ServiceContext) -> bool {
    let admin = ctx
        .run_unscoped(|conn| Ok(User::find_by_username(conn, "admin")?))
        .await;
    let Ok(Some(admin)) = admin else {
        return false;
    };
    ctx.hasher()
        .verify(&Secret::new("admin123"), Some(admin.password_hash))
        .await
        .unwrap_or(false)
}

/// A password shown once; its owner must replace it at first sign-in.
pub fn one_time_password() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 20)
}

pub struct NewSuperadmin<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub full_name: Option<&'a str>,
    pub company_code: &'a str,
    pub password_hash: &'a str,
}

pub fn create_superadmin(
    conn: &mut PgConnection,
    new: &NewSuperadmin<'_>,
) -> Result<User, AppError> {
    let company = Company::find_by_code(conn, new.company_code)?.ok_or_else(|| {
        AppError::from(AccountRefused::CompanyUnknown(new.company_code.to_owned()))
    })?;
    if User::find_by_username(conn, new.username)?.is_some() {
        return Err(AccountRefused::UsernameTaken(new.username.to_owned()).into());
    }
    let user = User::insert(
        conn,
        &NewUser {
            company_id: company.id,
            username: new.username,
            email: new.email,
            password_hash: new.password_hash,
            full_name: new.full_name,
            role: Role::Superadmin,
        },
    )?;
    UserProfile::set_must_change_password(conn, user.id, None)?;
    AuditEvent::new(actions::SUPERADMIN_CREATED)
        .company(company.id)
        .resource("user", user.id)
        .details(json!({ "username": user.username, "via": "cli" }))
        .record(conn)?;
    Ok(user)
}

/// Sets a one-time password, forces a change at next sign-in, ends every session and
/// revokes every API token of the user (returned: how many tokens).
pub fn reset_password(
    conn: &mut PgConnection,
    username: &str,
    password_hash: &str,
) -> Result<(User, usize), AppError> {
    let user = User::find_by_username(conn, username)?
        .ok_or_else(|| AppError::from(AccountRefused::UserUnknown(username.to_owned())))?;
    User::set_password_hash(conn, user.id, password_hash)?;
    UserProfile::set_must_change_password(conn, user.id, None)?;
    let revoked = AuthSession::revoke_all_for_user(conn, user.id, None)?;
    let tokens_revoked = api_tokens::revoke_all_of_user(conn, user.id, "password reset", || {
        AuditEvent::new(actions::API_TOKEN_REVOKED).company(user.company_id)
    })?;
    AuditEvent::new(actions::PASSWORD_RESET)
        .company(user.company_id)
        .resource("user", user.id)
        .details(json!({
            "username": user.username,
            "via": "cli",
            "sessions_signed_out": revoked,
            "api_tokens_revoked": tokens_revoked,
        }))
        .record(conn)?;
    Ok((user, tokens_revoked))
}
