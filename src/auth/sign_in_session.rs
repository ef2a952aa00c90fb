//! The session side of a sign-in. A sign-in is complete (`complete`: the session names its
//! user and how they signed in) or pending (`begin_pending`: the password was right and a
//! second factor is owed; the session names the user only as `PENDING_UID`, which no guard
//! accepts). Each step takes a new session key, so a key seen before a step is dead after
//! it. A passkey, or any later second factor, completes a pending sign-in the same way.

use actix_session::Session;

use crate::auth::{csrf, session_keys, ClientInfo};
use crate::db::ids::UserId;
use crate::domain::SignInMethod;
use crate::error::AppError;

fn failed(e: impl std::fmt::Display) -> AppError {
    AppError::Unexpected(anyhow::anyhow!("cannot start the session: {e}"))
}

/// Signs `user` in with `method` in a session of its own.
pub fn complete(
    session: &Session,
    user: UserId,
    method: &SignInMethod,
    client: &ClientInfo,
) -> Result<(), AppError> {
    session.renew();
    session.remove(session_keys::PENDING_UID);
    session.remove(session_keys::PENDING_NEXT);
    session
        .insert(session_keys::UID, user.0)
        .and_then(|()| session.insert(session_keys::METHOD, method.as_text()))
        .and_then(|()| session.insert(session_keys::CSRF, csrf::generate_token()))
        .and_then(|()| session.insert(session_keys::IP, &client.ip))
        .and_then(|()| session.insert(session_keys::UA, &client.user_agent))
        .map_err(failed)
}

/// Holds `user`'s sign-in until their second factor; `next` is where it then goes.
pub fn begin_pending(
    session: &Session,
    user: UserId,
    next: &str,
    client: &ClientInfo,
) -> Result<(), AppError> {
    session.renew();
    session
        .insert(session_keys::PENDING_UID, user.0)
        .and_then(|()| session.insert(session_keys::PENDING_NEXT, next))
        .and_then(|()| session.insert(session_keys::CSRF, csrf::generate_token()))
        .and_then(|()| session.insert(session_keys::IP, &client.ip))
        .and_then(|()| session.insert(session_keys::UA, &client.user_agent))
        .map_err(failed)
}

/// The user of a pending sign-in in this session, and where it goes next. The user comes
/// from the session's row (the store puts it there), never from what a browser sent.
pub fn pending(session: &Session) -> Option<(UserId, String)> {
    let user = session
        .get::<i32>(session_keys::PENDING_UID)
        .ok()
        .flatten()?;
    let next = session
        .get::<String>(session_keys::PENDING_NEXT)
        .ok()
        .flatten()
        .unwrap_or_else(|| "/".to_owned());
    Some((UserId(user), next))
}
