//! A user changes their own password: the current one is checked, the new one stored,
//! a pending forced change cleared and every other session signed out.

use serde_json::json;
use uuid::Uuid;

use crate::config::Secret;
use crate::db::models::auth_session::AuthSession;
use crate::db::models::user::User;
use crate::db::models::user_profile::UserProfile;
use crate::domain::NewPassword;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::ServiceContext;
use crate::services::{api_tokens, reauth_throttle};

/// Whether `current` is the actor's password (argon2 runs off the async workers); refused
/// (429) while the account has too many failed checks (see `reauth_throttle`).
pub async fn is_current(
    ctx: &ServiceContext,
    actor: &Actor,
    current: &Secret,
) -> Result<bool, AppError> {
    let now = ctx.clock().now();
    let stored = ctx
        .run(actor, move |conn, actor| {
            let user = actor.user()?;
            reauth_throttle::admit(conn, actor, user, now)?;
            Ok(User::find(conn, user)?
                .ok_or(AppError::NotFound)?
                .password_hash)
        })
        .await?;
    let held = ctx.hasher().verify(current, Some(stored)).await?;
    if held {
        ctx.run(actor, move |conn, actor| {
            reauth_throttle::held(conn, actor, actor.user()?)
        })
        .await?;
    }
    Ok(held)
}

/// What a password change ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedOut {
    pub other_sessions: usize,
    pub api_tokens: usize,
}

/// Stores the new password, signs out every session of the user but `keep_session` and
/// revokes the user's API tokens (whoever knew the old password is out, and so is any
/// token they minted with it).
pub async fn change(
    ctx: &ServiceContext,
    actor: &Actor,
    new_password: &NewPassword,
    keep_session: Uuid,
    was_forced: bool,
) -> Result<SignedOut, AppError> {
    let new_hash = ctx.hasher().hash(new_password.secret()).await?;
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let user = actor.user()?;
        User::set_password_hash(conn, user, &new_hash)?;
        UserProfile::set_must_change_password(conn, user, Some(now))?;
        let revoked = AuthSession::revoke_all_for_user(conn, user, Some(keep_session))?;
        let tokens = api_tokens::revoke_all_of_user(conn, user, "password changed", || {
            actor.audit(actions::API_TOKEN_REVOKED)
        })?;
        actor
            .audit(actions::PASSWORD_CHANGED)
            .resource("user", user)
            .details(json!({
                "other_sessions_signed_out": revoked,
                "api_tokens_revoked": tokens,
                "was_forced": was_forced,
            }))
            .record(conn)?;
        Ok(SignedOut {
            other_sessions: revoked,
            api_tokens: tokens,
        })
    })
    .await
}
