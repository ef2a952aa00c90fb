//! Signing out: the current session is revoked and the sign-out recorded.

use uuid::Uuid;

use crate::db::models::auth_session::AuthSession;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::ServiceContext;

pub async fn sign_out(
    ctx: &ServiceContext,
    actor: &Actor,
    session_id: Uuid,
) -> Result<(), AppError> {
    ctx.run(actor, move |conn, actor| {
        if AuthSession::revoke(conn, actor.user()?, session_id)? {
            actor
                .audit(actions::SIGN_OUT)
                .resource("auth_session", session_id)
                .record(conn)?;
        }
        Ok(())
    })
    .await
}
