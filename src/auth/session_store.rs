//! actix-session's `SessionStore` over the `auth_sessions` table.
//!
//! The cookie carries an opaque random key; the table keeps only its SHA-256. Sessions
//! end when revoked, after the idle timeout, or at the absolute lifetime counted from
//! sign-in (actix-session's TTL has no absolute limit, hence our own `expires_at`).
//! Creating a session is the sign-in: the row, `users.last_login` and the audit row are
//! written in one transaction. Updates never re-insert a revoked session.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use anyhow::anyhow;
use base64::Engine;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::auth::client_info::ClientInfo;
use crate::auth::session_keys;
use crate::config::SessionConfig;
use crate::db::ids::UserId;
use crate::db::models::auth_session::{AuthSession, NewAuthSession};
use crate::db::models::user::User;
use crate::db::{self, PgPool};
use crate::error::AppError;
use crate::schema::{auth_sessions, users};
use crate::services::audit::{actions, AuditEvent};

type SessionState = HashMap<String, String>;

/// `last_active_at` is written at most this often, not on every request.
const TOUCH_INTERVAL_SECS: i64 = 30;

#[derive(Clone)]
pub struct PgSessionStore {
    pool: PgPool,
    config: SessionConfig,
}

impl PgSessionStore {
    pub fn new(pool: PgPool, config: SessionConfig) -> Self {
        Self { pool, config }
    }
}

pub fn hash_key(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

fn generate_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// actix-session stores each value as JSON text.
fn decode<T: serde::de::DeserializeOwned>(state: &SessionState, key: &str) -> Option<T> {
    state.get(key).and_then(|v| serde_json::from_str(v).ok())
}

/// The part of the state kept in the `state` column (everything but the column keys).
fn document(state: &SessionState) -> serde_json::Value {
    let kept: serde_json::Map<String, serde_json::Value> = state
        .iter()
        .filter(|(k, _)| !session_keys::COLUMN_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::Value::Object(kept)
}

fn duration(d: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::hours(12))
}

impl SessionStore for PgSessionStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        let hash = hash_key(session_key.as_ref());
        let idle = duration(self.config.idle_timeout);
        db::transaction(&self.pool, move |conn| {
            let now: DateTime<Utc> = Utc::now();
            let Some(session) = AuthSession::find_live(conn, &hash, now, now - idle)? else {
                return Ok(None);
            };
            if (now - session.last_active_at).num_seconds() >= TOUCH_INTERVAL_SECS {
                AuthSession::touch(conn, session.id, now)?;
            }
            let mut state: SessionState = match session.state {
                serde_json::Value::Object(map) => map
                    .into_iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
                    .collect(),
                _ => SessionState::new(),
            };
            state.insert(session_keys::UID.into(), session.user_id.0.to_string());
            state.insert(
                session_keys::SID.into(),
                serde_json::to_string(&session.id).map_err(|e| AppError::Unexpected(e.into()))?,
            );
            Ok(Some(state))
        })
        .await
        .map_err(|e| LoadError::Other(anyhow!(e)))
    }

    async fn save(
        &self,
        session_state: SessionState,
        _ttl: &CookieDuration,
    ) -> Result<SessionKey, SaveError> {
        let user_id: i32 = decode(&session_state, session_keys::UID).ok_or_else(|| {
            SaveError::Other(anyhow!("refusing to store a session without a user"))
        })?;
        let client = ClientInfo {
            ip: decode(&session_state, session_keys::IP),
            user_agent: decode(&session_state, session_keys::UA),
        };
        let key = generate_key();
        let hash = hash_key(&key);
        let lifetime = duration(self.config.absolute_lifetime);
        let state = document(&session_state);
        db::transaction(&self.pool, move |conn| {
            let user_id = UserId(user_id);
            let user = User::find(conn, user_id)?.ok_or(AppError::NotFound)?;
            let now = Utc::now();
            let session_id: uuid::Uuid = diesel::insert_into(auth_sessions::table)
                .values(NewAuthSession {
                    user_id,
                    key_hash: &hash,
                    state,
                    created_at: now,
                    expires_at: now + lifetime,
                    last_active_at: now,
                    ip_address: client.ip.as_deref(),
                    user_agent: client.user_agent.as_deref(),
                })
                .returning(auth_sessions::id)
                .get_result(conn)?;
            diesel::update(users::table.find(user_id))
                .set(users::last_login.eq(now))
                .execute(conn)?;
            AuditEvent::new(actions::SIGN_IN)
                .actor(user.id, &user.username)
                .company(user.company_id)
                .resource("auth_session", session_id)
                .client(&client)
                .record(conn)?;
            Ok(())
        })
        .await
        .map_err(|e| SaveError::Other(anyhow!(e)))?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        session_state: SessionState,
        _ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        let hash = hash_key(session_key.as_ref());
        let state = document(&session_state);
        // A request still running when its session was revoked must not bring it back:
        // only a live row is updated, and nothing is ever re-inserted.
        db::transaction(&self.pool, move |conn| {
            diesel::update(
                auth_sessions::table
                    .filter(auth_sessions::key_hash.eq(hash))
                    .filter(auth_sessions::revoked_at.is_null()),
            )
            .set(auth_sessions::state.eq(state))
            .execute(conn)?;
            Ok(())
        })
        .await
        .map_err(|e| UpdateError::Other(anyhow!(e)))?;
        Ok(session_key)
    }

    async fn update_ttl(
        &self,
        _key: &SessionKey,
        _ttl: &CookieDuration,
    ) -> Result<(), anyhow::Error> {
        // Idleness is tracked through last_active_at on load.
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        let hash = hash_key(session_key.as_ref());
        db::transaction(&self.pool, move |conn| {
            diesel::update(
                auth_sessions::table
                    .filter(auth_sessions::key_hash.eq(hash))
                    .filter(auth_sessions::revoked_at.is_null()),
            )
            .set(auth_sessions::revoked_at.eq(diesel::dsl::now))
            .execute(conn)?;
            Ok(())
        })
        .await
        .map_err(|e| anyhow!(e))
    }
}
