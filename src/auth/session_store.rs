//! actix-session's `SessionStore` over the `auth_sessions` table (through
//! `services::auth_sessions`).
//!
//! The cookie carries an opaque random key; the table keeps only its SHA-256. Sessions
//! end when revoked, after the idle timeout, or at the absolute lifetime counted from
//! sign-in (actix-session's TTL has no absolute limit, hence our own `expires_at`).

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use anyhow::anyhow;
use sha2::{Digest, Sha256};

use crate::auth::session_keys;
use crate::config::SessionConfig;
use crate::db::ids::UserId;
use crate::domain::tokens::random_token;
use crate::domain::ClientInfo;
use crate::services::auth_sessions::{self, NewSession};
use crate::services::ServiceContext;

type SessionState = HashMap<String, String>;

#[derive(Clone)]
pub struct PgSessionStore {
    services: ServiceContext,
    config: SessionConfig,
}

impl PgSessionStore {
    pub fn new(services: ServiceContext, config: SessionConfig) -> Self {
        Self { services, config }
    }
}

pub fn hash_key(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
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
        let Some(session) = auth_sessions::load(&self.services, hash, idle)
            .await
            .map_err(|e| LoadError::Other(anyhow!(e)))?
        else {
            return Ok(None);
        };
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
            serde_json::to_string(&session.id).map_err(|e| LoadError::Other(e.into()))?,
        );
        Ok(Some(state))
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
        let key = random_token();
        let new = NewSession {
            user: UserId(user_id),
            key_hash: hash_key(&key),
            state: document(&session_state),
            lifetime: duration(self.config.absolute_lifetime),
            client,
            method: decode(&session_state, session_keys::SIGN_IN_METHOD),
        };
        auth_sessions::create(&self.services, new)
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
        auth_sessions::save_state(&self.services, hash, document(&session_state))
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
        auth_sessions::end(&self.services, hash)
            .await
            .map_err(|e| anyhow!(e))
    }
}
