//! A company admin (or the operator) resets a member's second factor: the authenticator
//! and the recovery codes are removed, every session of the member ends and their API
//! tokens are revoked, so whoever held the lost device holds nothing. The member enrols
//! again at their next sign-in if a policy requires it.

use serde_json::json;

use crate::db::ids::UserId;
use crate::db::models::auth_session::AuthSession;
use crate::db::models::two_factor::UserTotp;
use crate::db::models::user::User;
use crate::domain::refusal::AccountRefused;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::api_tokens;
use crate::services::audit::actions;
use crate::services::users::find_manageable;
use crate::services::ServiceContext;

/// What the reset ended.
#[derive(Debug, Clone)]
pub struct Reset {
    pub user: User,
    pub sessions_signed_out: usize,
    pub api_tokens_revoked: usize,
}

pub async fn reset(ctx: &ServiceContext, actor: &Actor, id: UserId) -> Result<Reset, AppError> {
    ctx.run(actor, move |conn, actor| {
        let user = find_manageable(conn, actor, id)?;
        let had_totp = UserTotp::remove_all(conn, id)?;
        let passkeys_removed = crate::services::passkeys::remove_all(conn, id)?;
        if !had_totp && passkeys_removed == 0 {
            return Err(AccountRefused::TwoFactorOff.into());
        }
        let sessions_signed_out = AuthSession::revoke_all_for_user(conn, id, None)?;
        let api_tokens_revoked =
            api_tokens::revoke_all_of_user(conn, id, "second factor reset", || {
                actor.audit(actions::API_TOKEN_REVOKED)
            })?;
        actor
            .audit(actions::TWO_FACTOR_RESET)
            .resource("user", id)
            .details(json!({
                "username": user.username,
                "authenticator_app": had_totp,
                "passkeys_removed": passkeys_removed,
                "sessions_signed_out": sessions_signed_out,
                "api_tokens_revoked": api_tokens_revoked,
            }))
            .record(conn)?;
        Ok(Reset {
            user,
            sessions_signed_out,
            api_tokens_revoked,
        })
    })
    .await
}

/// Which of the actor's company's users have an authenticator app, for the users page.
pub async fn enrolled_in_company(
    ctx: &ServiceContext,
    actor: &Actor,
) -> Result<Vec<UserId>, AppError> {
    ctx.run(actor, |conn, actor| {
        Ok(UserTotp::users_in_company(conn, actor.company_id())?)
    })
    .await
}

/// Which of them have any second factor (an authenticator app or a passkey).
pub async fn with_second_factor(
    ctx: &ServiceContext,
    actor: &Actor,
) -> Result<Vec<UserId>, AppError> {
    let mut users = enrolled_in_company(ctx, actor).await?;
    users.extend(crate::services::passkeys::users_in_company(ctx, actor).await?);
    Ok(users)
}
