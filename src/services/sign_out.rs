use uuid::Uuid;

use crate::auth::{ClientInfo, SignedInUser};
use crate::db::models::auth_session::AuthSession;
use crate::error::AppError;
use crate::services::audit::{actions, AuditEvent};
use diesel::PgConnection;

/// Revokes the current session and records the sign-out.
pub fn sign_out(
    conn: &mut PgConnection,
    user: &SignedInUser,
    session_id: Uuid,
    client: &ClientInfo,
) -> Result<(), AppError> {
    if AuthSession::revoke(conn, user.id, session_id)? {
        AuditEvent::new(actions::SIGN_OUT)
            .actor(user.id, &user.username)
            .company(user.company.id)
            .resource("auth_session", session_id)
            .client(client)
            .record(conn)?;
    }
    Ok(())
}
