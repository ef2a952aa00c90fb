use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::auth::{ClientInfo, SignedInUser};
use crate::db::ids::UserId;
use crate::db::models::auth_session::AuthSession;
use crate::db::models::user::User;
use crate::db::models::user_profile::UserProfile;
use crate::error::AppError;
use crate::services::audit::{actions, AuditEvent};

/// The stored hash to check the current password against.
pub fn current_hash(conn: &mut PgConnection, user: UserId) -> Result<String, AppError> {
    Ok(User::find(conn, user)?
        .ok_or(AppError::NotFound)?
        .password_hash)
}

/// Stores the new hash, clears a pending forced change and signs out every other session
/// of the user (whoever knew the old password is out). Returns how many were signed out.
pub fn change_password(
    conn: &mut PgConnection,
    user: &SignedInUser,
    new_hash: &str,
    keep_session: Uuid,
    client: &ClientInfo,
) -> Result<usize, AppError> {
    User::set_password_hash(conn, user.id, new_hash)?;
    UserProfile::set_must_change_password(conn, user.id, false)?;
    let revoked = AuthSession::revoke_all_for_user(conn, user.id, Some(keep_session))?;
    AuditEvent::new(actions::PASSWORD_CHANGED)
        .actor(user.id, &user.username)
        .company(user.company.id)
        .resource("user", user.id)
        .details(json!({ "other_sessions_signed_out": revoked, "was_forced": user.must_change_password }))
        .client(client)
        .record(conn)?;
    Ok(revoked)
}
