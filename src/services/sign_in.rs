//! Sign-in: throttling, the candidate account, and the record of a failed attempt.
//! (A successful sign-in is recorded where its session row is created: `PgSessionStore::save`.)

use diesel::prelude::*;
use serde_json::json;

use crate::config::Secret;
use crate::db::ids::{CompanyId, UserId};
use crate::db::models::two_factor::UserTotp;
use crate::domain::refusal::SsoRefused;
use crate::domain::ClientInfo;
use crate::error::AppError;
use crate::schema::{companies, user_profiles, users};
use crate::services::audit::{actions, AuditEvent};
use crate::services::{sign_in_throttle, sso, ServiceContext};

pub use crate::services::sign_in_throttle::{
    MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS, UNTRUSTED_BEFORE_CAP,
    UNTRUSTED_PER_SPACING, WINDOW_MINUTES,
};
/// Usernames are at most this long; anything longer is cut before it is recorded.
const MAX_RECORDED_USERNAME: usize = 100;

#[derive(Debug, Clone)]
pub struct LoginCandidate {
    pub user_id: UserId,
    pub username: String,
    pub company_id: CompanyId,
    pub password_hash: String,
    /// The user and their company are both active.
    pub active: bool,
    pub must_change_password: bool,
    /// An authenticator app is enrolled: the password alone does not sign in.
    pub second_factor: bool,
}

fn find_candidate(
    conn: &mut PgConnection,
    username: &str,
) -> Result<Option<LoginCandidate>, AppError> {
    // No stored username is this long or holds control characters (PostgreSQL would
    // refuse a NUL outright): such a name is simply unknown.
    if username.len() > MAX_RECORDED_USERNAME || username.chars().any(char::is_control) {
        return Ok(None);
    }
    let row = users::table
        .inner_join(companies::table)
        .left_join(user_profiles::table)
        .filter(users::username.eq(username))
        .select((
            users::id,
            users::username,
            users::company_id,
            users::password_hash,
            users::is_active,
            companies::is_active,
            user_profiles::must_change_password.nullable(),
        ))
        .first::<(UserId, String, CompanyId, String, bool, bool, Option<bool>)>(conn)
        .optional()?;
    Ok(row.map(
        |(
            user_id,
            username,
            company_id,
            password_hash,
            user_active,
            company_active,
            must_change,
        )| {
            LoginCandidate {
                user_id,
                username,
                company_id,
                password_hash,
                active: user_active && company_active,
                must_change_password: must_change.unwrap_or(false),
                second_factor: false,
            }
        },
    ))
}

/// Checks the throttle, then the password (argon2 off the async workers, a dummy hash for
/// an unknown user so that both take as long), and records a failure. `Ok(None)` is a
/// failed attempt; the person is told the same sentence whatever the reason. `device` is
/// the id of the browser's device cookie, verified to name this account (see
/// `sign_in_throttle`).
pub async fn attempt(
    ctx: &ServiceContext,
    username: &str,
    password: &Secret,
    client: &ClientInfo,
    device: Option<&str>,
) -> Result<Option<LoginCandidate>, AppError> {
    let clock = ctx.clock();
    let (candidate, slot) = {
        let (username, client) = (username.to_owned(), client.clone());
        let device = device.map(str::to_owned);
        let policy = ctx.sign_in_policy().clone();
        let now = clock.now();
        ctx.run_unscoped(move |conn| {
            let attempt = sign_in_throttle::Attempt {
                username: &username,
                client: &client,
                device: device.as_deref(),
                now,
            };
            let slot = sign_in_throttle::reserve(conn, &attempt, &policy)?;
            let candidate = match find_candidate(conn, &username)? {
                Some(found) => Some(LoginCandidate {
                    second_factor: UserTotp::exists(conn, found.user_id)?
                        || crate::services::passkeys::any(conn, found.user_id)?,
                    ..found
                }),
                None => None,
            };
            Ok((candidate, slot))
        })
        .await?
    };
    // A spaced attempt waits for its slot (the lock is released; no connection is held).
    if let Ok(wait) = (slot - clock.now()).to_std() {
        tokio::time::sleep(wait).await;
    }
    let password_matches = ctx
        .hasher()
        .verify(
            password,
            candidate.as_ref().map(|c| c.password_hash.clone()),
        )
        .await?;
    let reason = match &candidate {
        None => FailureReason::UnknownUser,
        Some(_) if !password_matches => FailureReason::WrongPassword,
        Some(c) if !c.active => FailureReason::Inactive,
        Some(c) => {
            let user = c.user_id;
            let sso_only = ctx
                .read_unscoped(move |conn| sso::sign_in::password_refused(conn, user))
                .await?;
            match sso_only {
                None => return Ok(candidate),
                Some(company) => {
                    let (attempted, client) = (username.to_owned(), client.clone());
                    ctx.run_unscoped(move |conn| {
                        let reason = FailureReason::SsoOnly;
                        record_failure(conn, &attempted, candidate.as_ref(), reason, &client)
                    })
                    .await?;
                    // Said only to whoever knew the password: it reveals no account.
                    return Err(SsoRefused::SsoOnly { company }.into());
                }
            }
        }
    };
    let (attempted, client) = (username.to_owned(), client.clone());
    ctx.run_unscoped(move |conn| {
        record_failure(conn, &attempted, candidate.as_ref(), reason, &client)
    })
    .await?;
    Ok(None)
}

/// Why an attempt failed, for the audit trail only: the person is told the same thing
/// whatever the reason.
#[derive(Debug, Clone, Copy)]
pub enum FailureReason {
    UnknownUser,
    WrongPassword,
    Inactive,
    /// The right password, but the company signs in through its provider only.
    SsoOnly,
}

impl FailureReason {
    fn as_str(self) -> &'static str {
        match self {
            FailureReason::UnknownUser => "unknown_user",
            FailureReason::WrongPassword => "wrong_password",
            FailureReason::Inactive => "inactive",
            FailureReason::SsoOnly => "sso_only",
        }
    }
}

fn record_failure(
    conn: &mut PgConnection,
    attempted_username: &str,
    candidate: Option<&LoginCandidate>,
    reason: FailureReason,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let mut event = AuditEvent::new(actions::SIGN_IN_FAILED)
        .details(json!({
            "username": recorded_username(attempted_username),
            "reason": reason.as_str(),
        }))
        .client(client);
    if let Some(c) = candidate {
        event = event.company(c.company_id).resource("user", c.user_id);
    }
    event.record(conn)?;
    Ok(())
}

pub(crate) fn recorded_username(username: &str) -> String {
    crate::domain::client_info::sanitize(username)
        .chars()
        .take(MAX_RECORDED_USERNAME)
        .collect()
}
