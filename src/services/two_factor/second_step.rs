//! The second step of a sign-in: the password was right, and the person now gives a code
//! from their authenticator app or a recovery code. It is throttled like the password
//! (the same counts, per account and address, in `sign_in_throttle`: the attempts of both
//! steps add up), so knowing the password does not buy a million guesses at the code, and
//! the owner is delayed, never locked out.

use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::UserId;
use crate::db::models::user::User;
use crate::domain::{ClientInfo, SignInMethod};
use crate::error::AppError;
use crate::schema::{companies, user_profiles};
use crate::services::audit::{actions, AuditEvent};
use crate::services::sign_in::recorded_username;
use crate::services::{sign_in_throttle, ServiceContext};

/// Who completed a sign-in, and how.
#[derive(Debug, Clone)]
pub struct Completed {
    pub username: String,
    pub method: SignInMethod,
    pub must_change_password: bool,
}

/// Checks the throttle, then the code. `Ok(None)` is a wrong (or used) code, recorded as
/// a failed sign-in; a user who is gone or deactivated meanwhile fails the same way.
pub async fn attempt(
    ctx: &ServiceContext,
    user: UserId,
    code: &str,
    client: &ClientInfo,
    device: Option<&str>,
) -> Result<Option<Completed>, AppError> {
    let clock = ctx.clock();
    let (found, slot) = {
        let (client, device) = (client.clone(), device.map(str::to_owned));
        let policy = ctx.sign_in_policy().clone();
        let now = clock.now();
        ctx.run_unscoped(move |conn| {
            let Some(found) = User::find(conn, user)? else {
                return Ok((None, now));
            };
            let attempt = sign_in_throttle::Attempt {
                username: &found.username,
                client: &client,
                device: device.as_deref(),
                now,
            };
            let slot = sign_in_throttle::reserve(conn, &attempt, &policy)?;
            Ok((Some(found), slot))
        })
        .await?
    };
    let Some(found) = found else {
        return Ok(None);
    };
    // A spaced attempt waits for its slot (no connection is held meanwhile).
    if let Ok(wait) = (slot - clock.now()).to_std() {
        tokio::time::sleep(wait).await;
    }
    let (code, client, now) = (code.to_owned(), client.clone(), clock.now());
    let key = ctx.sealing_key(super::TOTP_SEALING)?;
    ctx.run_unscoped(move |conn| {
        let company_active: bool = companies::table
            .find(found.company_id)
            .select(companies::is_active)
            .first(conn)?;
        let active = found.is_active && company_active;
        let method = if active {
            super::use_code(conn, (found.id, &key), &code, now)?
        } else {
            None
        };
        let Some(method) = method else {
            AuditEvent::new(actions::SIGN_IN_FAILED)
                .details(json!({
                    "username": recorded_username(&found.username),
                    "reason": if active { "wrong_code" } else { "inactive" },
                    "step": "second_factor",
                }))
                .company(found.company_id)
                .resource("user", found.id)
                .client(&client)
                .record(conn)?;
            return Ok(None);
        };
        let must_change_password: Option<bool> = user_profiles::table
            .find(found.id)
            .select(user_profiles::must_change_password)
            .first(conn)
            .optional()?;
        Ok(Some(Completed {
            must_change_password: must_change_password.unwrap_or(false),
            username: found.username,
            method,
        }))
    })
    .await
}

/// The username of a pending sign-in's user (for the device cookie, which names it).
pub async fn username_of(ctx: &ServiceContext, user: UserId) -> Result<Option<String>, AppError> {
    ctx.run_unscoped(move |conn| Ok(User::find(conn, user)?.map(|u| u.username)))
        .await
}
