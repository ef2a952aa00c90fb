//! The rows behind server-side sessions (`auth_sessions`), for the session store. The
//! table keeps only the SHA-256 of a cookie's key. Creating a session is the sign-in: the
//! row, `users.last_login` and the audit row are written in one transaction. Updates never
//! re-insert a revoked session.

use chrono::Duration;
use diesel::prelude::*;

use crate::db::ids::UserId;
use crate::db::models::auth_session::{AuthSession, NewAuthSession};
use crate::db::models::user::User;
use crate::domain::ClientInfo;
use crate::error::AppError;
use crate::schema::{auth_sessions, users};
use crate::services::audit::{actions, AuditEvent};
use crate::services::ServiceContext;

/// `last_active_at` is written at most this often, not on every request.
const TOUCH_INTERVAL_SECS: i64 = 30;

/// The live session with this key hash, marked active; `None` when it was revoked, or
/// went idle for `idle`, or outlived its absolute lifetime.
pub async fn load(
    ctx: &ServiceContext,
    key_hash: Vec<u8>,
    idle: Duration,
) -> Result<Option<AuthSession>, AppError> {
    let now = ctx.clock().now();
    ctx.run_unscoped(move |conn| {
        let Some(session) = AuthSession::find_live(conn, &key_hash, now, now - idle)? else {
            return Ok(None);
        };
        if (now - session.last_active_at).num_seconds() >= TOUCH_INTERVAL_SECS {
            AuthSession::touch(conn, session.id, now)?;
        }
        Ok(Some(session))
    })
    .await
}

/// A new session for a user who just signed in.
pub struct NewSession {
    pub user: UserId,
    pub key_hash: Vec<u8>,
    pub state: serde_json::Value,
    pub lifetime: Duration,
    pub client: ClientInfo,
    /// How they signed in when not by password (`sso:<issuer>`).
    pub method: Option<String>,
}

/// Stores the session, sets `last_login` and records the sign-in.
pub async fn create(ctx: &ServiceContext, new: NewSession) -> Result<(), AppError> {
    let now = ctx.clock().now();
    ctx.run_unscoped(move |conn| {
        let user = User::find(conn, new.user)?.ok_or(AppError::NotFound)?;
        let session_id: uuid::Uuid = diesel::insert_into(auth_sessions::table)
            .values(NewAuthSession {
                user_id: user.id,
                key_hash: &new.key_hash,
                state: new.state,
                created_at: now,
                expires_at: now + new.lifetime,
                last_active_at: now,
                ip_address: new.client.ip.as_deref(),
                user_agent: new.client.user_agent.as_deref(),
            })
            .returning(auth_sessions::id)
            .get_result(conn)?;
        diesel::update(users::table.find(user.id))
            .set(users::last_login.eq(now))
            .execute(conn)?;
        AuditEvent::new(actions::SIGN_IN)
            .actor(user.id, &user.username)
            .company(user.company_id)
            .resource("auth_session", session_id)
            .details(serde_json::json!({
                "method": new.method.as_deref().unwrap_or("password"),
            }))
            .client(&new.client)
            .record(conn)?;
        Ok(())
    })
    .await
}

/// Saves the session's state. A request still running when its session was revoked
/// must not bring it back: only a live row is updated, and nothing is ever re-inserted.
pub async fn save_state(
    ctx: &ServiceContext,
    key_hash: Vec<u8>,
    state: serde_json::Value,
) -> Result<(), AppError> {
    ctx.run_unscoped(move |conn| {
        diesel::update(
            auth_sessions::table
                .filter(auth_sessions::key_hash.eq(key_hash))
                .filter(auth_sessions::revoked_at.is_null()),
        )
        .set(auth_sessions::state.eq(state))
        .execute(conn)?;
        Ok(())
    })
    .await
}

/// Ends the session (sign-out, or the key renewed at sign-in).
pub async fn end(ctx: &ServiceContext, key_hash: Vec<u8>) -> Result<(), AppError> {
    let now = ctx.clock().now();
    ctx.run_unscoped(move |conn| {
        diesel::update(
            auth_sessions::table
                .filter(auth_sessions::key_hash.eq(key_hash))
                .filter(auth_sessions::revoked_at.is_null()),
        )
        .set(auth_sessions::revoked_at.eq(now))
        .execute(conn)?;
        Ok(())
    })
    .await
}
