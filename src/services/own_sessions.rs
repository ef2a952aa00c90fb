//! A user's view of where they are signed in, and signing out other devices.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::db::models::auth_session::AuthSession;
use crate::domain::SignInMethod;
use crate::error::AppError;
use crate::schema::auth_sessions;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::ServiceContext;

#[derive(Debug, Clone, Queryable)]
pub struct LiveSession {
    pub id: Uuid,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_active_at: DateTime<Utc>,
    pub sign_in_method: Option<SignInMethod>,
}

impl LiveSession {
    /// How the session signed in, in words.
    pub fn method_label(&self) -> String {
        self.sign_in_method
            .as_ref()
            .map_or_else(|| "Not finished".to_owned(), SignInMethod::label)
    }
}

/// The user's live sessions (neither expired nor idle for `idle`), most recently active
/// first.
pub async fn list(
    ctx: &ServiceContext,
    actor: &Actor,
    idle: std::time::Duration,
) -> Result<Vec<LiveSession>, AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        list_in(conn, actor, now, now - idle)
    })
    .await
}

fn list_in(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> Result<Vec<LiveSession>, AppError> {
    Ok(auth_sessions::table
        .filter(auth_sessions::user_id.eq(actor.user()?))
        .filter(auth_sessions::revoked_at.is_null())
        .filter(auth_sessions::expires_at.gt(now))
        .filter(auth_sessions::last_active_at.gt(idle_since))
        // A pending sign-in (second factor still owed) is nobody's session yet.
        .filter(auth_sessions::sign_in_method.is_not_null())
        .select((
            auth_sessions::id,
            auth_sessions::ip_address,
            auth_sessions::user_agent,
            auth_sessions::created_at,
            auth_sessions::last_active_at,
            auth_sessions::sign_in_method,
        ))
        .order(auth_sessions::last_active_at.desc())
        .load(conn)?)
}

/// Signs out one of the user's own sessions; someone else's is a 404.
pub async fn revoke_one(ctx: &ServiceContext, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    ctx.run(actor, move |conn, actor| revoke_one_in(conn, actor, id))
        .await
}

fn revoke_one_in(conn: &mut PgConnection, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    if !AuthSession::revoke(conn, actor.user()?, id)? {
        return Err(actor.not_found("session", id));
    }
    actor
        .audit(actions::SESSION_REVOKED)
        .resource("session", id)
        .details(json!({ "scope": "one" }))
        .record(conn)?;
    Ok(())
}

/// Signs out every session of the user but `keep`; returns how many.
pub async fn revoke_others(
    ctx: &ServiceContext,
    actor: &Actor,
    keep: Uuid,
) -> Result<usize, AppError> {
    ctx.run(actor, move |conn, actor| {
        revoke_others_in(conn, actor, keep)
    })
    .await
}

fn revoke_others_in(conn: &mut PgConnection, actor: &Actor, keep: Uuid) -> Result<usize, AppError> {
    let user = actor.user()?;
    let revoked = AuthSession::revoke_all_for_user(conn, user, Some(keep))?;
    actor
        .audit(actions::SESSION_REVOKED)
        .resource("user", user)
        .details(json!({ "scope": "all_others", "sessions_signed_out": revoked }))
        .record(conn)?;
    Ok(revoked)
}
