//! A user's passkeys: registered (several, each named by its owner), listed, revoked, and
//! used to sign in ([`sign_in`]). webauthn-rs runs the ceremonies and their checks;
//! Hopper keeps the credentials, the ceremonies' state between their two requests, and the
//! audit rows.

mod ceremony;
mod relying_party;
pub mod sign_in;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyRegistration, RegisterPublicKeyCredential,
};

use crate::db::ids::{PasskeyId, UserId};
use crate::domain::refusal::PasskeyRefused;
use crate::error::AppError;
use crate::schema::{passkeys, users};
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::ServiceContext;

use ceremony::Purpose;
use relying_party::relying_party;

/// A passkey as its owner sees it in the list.
#[derive(Debug, Clone, Queryable)]
pub struct PasskeyEntry {
    pub id: PasskeyId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// The signed-in user's passkeys, newest first.
pub async fn list(ctx: &ServiceContext, actor: &Actor) -> Result<Vec<PasskeyEntry>, AppError> {
    ctx.run(actor, move |conn, actor| {
        Ok(passkeys::table
            .filter(passkeys::user_id.eq(actor.user()?))
            .order(passkeys::created_at.desc())
            .select((
                passkeys::id,
                passkeys::name,
                passkeys::created_at,
                passkeys::last_used_at,
            ))
            .load(conn)?)
    })
    .await
}

/// Starts registering a passkey for the signed-in user: the options for the browser's
/// `navigator.credentials.create` and the ceremony that awaits its answer. The user's
/// passkeys are excluded, so one authenticator is not registered twice.
pub async fn start_registration(
    ctx: &ServiceContext,
    actor: &Actor,
) -> Result<(Uuid, CreationChallengeResponse), AppError> {
    let webauthn = relying_party(ctx.public_url())?;
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let user = actor.user()?;
        let (handle, username, full_name): (Uuid, String, Option<String>) = users::table
            .find(user)
            .select((users::webauthn_handle, users::username, users::full_name))
            .first(conn)?;
        let existing: Vec<Passkey> = stored_passkeys(conn, user)?
            .into_iter()
            .map(|(_, key)| key)
            .collect();
        let exclude = existing.iter().map(|k| k.cred_id().clone()).collect();
        let display = full_name.unwrap_or_else(|| username.clone());
        let (options, state) = webauthn
            .start_passkey_registration(handle, &username, &display, Some(exclude))
            .map_err(|e| PasskeyRefused::NotRegistered {
                reason: e.to_string(),
            })?;
        let id = ceremony::begin(conn, (Purpose::Register, Some(user)), &state, now)?;
        Ok((id, options))
    })
    .await
}

/// Finishes a registration with the browser's answer: the passkey is the user's, under
/// `name` (1–100 characters), audited.
pub async fn finish_registration(
    ctx: &ServiceContext,
    actor: &Actor,
    (ceremony_id, name): (Uuid, String),
    answer: RegisterPublicKeyCredential,
) -> Result<PasskeyId, AppError> {
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(PasskeyRefused::NameMalformed.into());
    }
    let webauthn = relying_party(ctx.public_url())?;
    let now = ctx.clock().now();
    // Taken in a transaction of its own: a refused answer spends the ceremony too.
    let (_, state): (_, PasskeyRegistration) = ctx
        .run(actor, move |conn, actor| {
            let user = Some(actor.user()?);
            ceremony::take(conn, ceremony_id, (Purpose::Register, user), now)
        })
        .await?;
    ctx.run(actor, move |conn, actor| {
        let user = actor.user()?;
        let key = webauthn
            .finish_passkey_registration(&answer, &state)
            .map_err(|e| PasskeyRefused::NotRegistered {
                reason: e.to_string(),
            })?;
        let credential = serde_json::to_value(&key)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("a passkey: {e}")))?;
        let id: PasskeyId = diesel::insert_into(passkeys::table)
            .values((
                passkeys::user_id.eq(user),
                passkeys::company_id.eq(actor.company_id()),
                passkeys::name.eq(&name),
                passkeys::credential_id.eq(key.cred_id().as_slice()),
                passkeys::credential.eq(credential),
                passkeys::created_at.eq(now),
            ))
            .on_conflict(passkeys::credential_id)
            .do_nothing()
            .returning(passkeys::id)
            .get_result(conn)
            .optional()?
            .ok_or(PasskeyRefused::NotRegistered {
                reason: "that authenticator is already registered".into(),
            })?;
        actor
            .audit(actions::PASSKEY_REGISTERED)
            .resource("passkey", id)
            .details(json!({ "name": name }))
            .record(conn)?;
        Ok(id)
    })
    .await
}

/// Revokes one of the user's own passkeys; anyone else's is a 404.
pub async fn revoke(ctx: &ServiceContext, actor: &Actor, id: PasskeyId) -> Result<(), AppError> {
    ctx.run(actor, move |conn, actor| {
        let name: Option<String> = diesel::delete(
            passkeys::table
                .find(id)
                .filter(passkeys::user_id.eq(actor.user()?)),
        )
        .returning(passkeys::name)
        .get_result(conn)
        .optional()?;
        let Some(name) = name else {
            return Err(actor.not_found("passkey", id));
        };
        actor
            .audit(actions::PASSKEY_REVOKED)
            .resource("passkey", id)
            .details(json!({ "name": name }))
            .record(conn)?;
        Ok(())
    })
    .await
}

/// Whether the user has a passkey (a second factor, like an authenticator app).
pub(in crate::services) fn any(conn: &mut PgConnection, user: UserId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        passkeys::table.filter(passkeys::user_id.eq(user)),
    ))
    .get_result(conn)
}

/// Removes every passkey of the user (an admin's reset of their second factor); how many.
pub(in crate::services) fn remove_all(conn: &mut PgConnection, user: UserId) -> QueryResult<usize> {
    diesel::delete(passkeys::table.filter(passkeys::user_id.eq(user))).execute(conn)
}

/// Which of the actor's company's users have a passkey, for the users page.
pub async fn users_in_company(
    ctx: &ServiceContext,
    actor: &Actor,
) -> Result<Vec<UserId>, AppError> {
    ctx.run(actor, |conn, actor| {
        Ok(passkeys::table
            .filter(passkeys::company_id.eq(actor.company_id()))
            .select(passkeys::user_id)
            .distinct()
            .load(conn)?)
    })
    .await
}

/// A user's passkeys as webauthn-rs reads them, with their row ids.
fn stored_passkeys(
    conn: &mut PgConnection,
    user: UserId,
) -> Result<Vec<(PasskeyId, Passkey)>, AppError> {
    let rows: Vec<(PasskeyId, serde_json::Value)> = passkeys::table
        .filter(passkeys::user_id.eq(user))
        .select((passkeys::id, passkeys::credential))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, value)| serde_json::from_value(value).ok().map(|key| (id, key)))
        .collect())
}
