//! A WebAuthn ceremony between its two requests: the challenge state webauthn-rs needs to
//! check the authenticator's answer, kept in the database (any node may get the answer),
//! used once, for a few minutes.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

use crate::db::ids::UserId;
use crate::domain::refusal::PasskeyRefused;
use crate::error::AppError;
use crate::schema::webauthn_ceremonies;

/// How long a browser has to answer (WebAuthn's own prompt times out sooner).
const LIFETIME_MINUTES: i64 = 5;

/// What a ceremony is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    Register,
    SignIn,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::SignIn => "sign_in",
        }
    }
}

/// Keeps `state` for the ceremony's answer; expired ceremonies go first.
pub(super) fn begin<S: Serialize>(
    conn: &mut PgConnection,
    (purpose, user): (Purpose, Option<UserId>),
    state: &S,
    now: DateTime<Utc>,
) -> Result<Uuid, AppError> {
    diesel::delete(webauthn_ceremonies::table.filter(webauthn_ceremonies::expires_at.le(now)))
        .execute(conn)?;
    let state = serde_json::to_value(state)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("a ceremony's state: {e}")))?;
    Ok(diesel::insert_into(webauthn_ceremonies::table)
        .values((
            webauthn_ceremonies::purpose.eq(purpose.as_str()),
            webauthn_ceremonies::user_id.eq(user),
            webauthn_ceremonies::state.eq(state),
            webauthn_ceremonies::created_at.eq(now),
            webauthn_ceremonies::expires_at.eq(now + Duration::minutes(LIFETIME_MINUTES)),
        ))
        .returning(webauthn_ceremonies::id)
        .get_result(conn)?)
}

/// Takes the ceremony `id` (it cannot be answered twice): its user and state, if it is
/// live, for this purpose and — for a signed-in user's ceremony — this user.
pub(super) fn take<S: DeserializeOwned>(
    conn: &mut PgConnection,
    id: Uuid,
    (purpose, user): (Purpose, Option<UserId>),
    now: DateTime<Utc>,
) -> Result<(Option<UserId>, S), AppError> {
    let taken: Option<(Option<UserId>, serde_json::Value)> =
        diesel::delete(webauthn_ceremonies::table.find(id))
            .filter(webauthn_ceremonies::purpose.eq(purpose.as_str()))
            .filter(webauthn_ceremonies::expires_at.gt(now))
            .returning((webauthn_ceremonies::user_id, webauthn_ceremonies::state))
            .get_result(conn)
            .optional()?;
    let Some((owner, state)) = taken else {
        return Err(PasskeyRefused::CeremonyOver.into());
    };
    if user.is_some() && owner != user {
        return Err(PasskeyRefused::CeremonyOver.into());
    }
    let state = serde_json::from_value(state).map_err(|_| PasskeyRefused::CeremonyOver)?;
    Ok((owner, state))
}
