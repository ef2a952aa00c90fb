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

/// Whether `current` is the actor's password (argon2 runs off the async workers).
pub async fn is_current(
    ctx: &ServiceContext,
    actor: &Actor,
    current: &Secret,
) -> Result<bool, AppError> {
    let stored = ctx
        .run(actor, |conn, actor| {
            Ok(User::find(conn, actor.user()?)?
                .ok_or(AppError::NotFound)?
                .password_hash)
        })
        .await?;
    ctx.hasher().verify(current, Some(stored)).await
}

/// Stores the new password and signs out every session of the user but `keep_session`
/// (whoever knew the old password is out). Returns how many were signed out.
pub async fn change(
    ctx: &ServiceContext,
    actor: &Actor,
    new_password: &NewPassword,
    keep_session: Uuid,
    was_forced: bool,
) -> Result<usize, AppError> {
    let new_hash = ctx.hasher().hash(new_password.secret()).await?;
    ctx.run(actor, move |conn, actor| {
        let user = actor.user()?;
        User::set_password_hash(conn, user, &new_hash)?;
        UserProfile::set_must_change_password(conn, user, false)?;
        let revoked = AuthSession::revoke_all_for_user(conn, user, Some(keep_session))?;
        actor
            .audit(actions::PASSWORD_CHANGED)
            .resource("user", user)
            .details(json!({ "other_sessions_signed_out": revoked, "was_forced": was_forced }))
            .record(conn)?;
        Ok(revoked)
    })
    .await
}
