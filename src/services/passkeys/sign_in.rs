//! Signing in with a passkey instead of a password: the person names their account, the
//! browser signs the challenge with one of that account's passkeys, and the signature,
//! the origin, user verification and the counter are checked (webauthn-rs). An account
//! that does not exist or has no passkey gets a challenge all the same, which no
//! authenticator can answer for it: the page does not tell which accounts exist.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PublicKeyCredential,
    RequestChallengeResponse,
};

use crate::db::ids::{CompanyId, UserId};
use crate::domain::refusal::PasskeyRefused;
use crate::domain::ClientInfo;
use crate::error::AppError;
use crate::schema::{companies, passkeys, user_profiles, users};
use crate::services::audit::{actions, AuditEvent};
use crate::services::ServiceContext;

use super::ceremony::{self, Purpose};
use super::relying_party::relying_party;
use super::stored_passkeys;

/// What a sign-in ceremony waits for.
#[derive(Serialize, Deserialize)]
enum Awaiting {
    /// A signature by one of this account's passkeys.
    Account {
        user: UserId,
        state: PasskeyAuthentication,
    },
    /// Nothing can answer: the name is no account with a passkey.
    Nobody {
        username: String,
        state: DiscoverableAuthentication,
    },
}

/// Who signed in with a passkey.
#[derive(Debug, Clone)]
pub struct PasskeySignIn {
    pub user_id: UserId,
    pub username: String,
    pub must_change_password: bool,
}

/// The options for the browser's `navigator.credentials.get` for the account `username`,
/// and the ceremony that awaits its answer.
pub async fn start(
    ctx: &ServiceContext,
    username: &str,
) -> Result<(Uuid, RequestChallengeResponse), AppError> {
    let webauthn = relying_party(ctx.public_url())?;
    let now = ctx.clock().now();
    let username = username.trim().to_owned();
    ctx.run_unscoped(move |conn| {
        // No stored username is this long or holds control characters (PostgreSQL would
        // refuse a NUL outright): such a name is simply no account.
        let plausible = username.len() <= 100 && !username.chars().any(char::is_control);
        let user: Option<UserId> = if plausible {
            users::table
                .filter(users::username.eq(&username))
                .select(users::id)
                .first(conn)
                .optional()?
        } else {
            None
        };
        let keys: Vec<Passkey> = match user {
            Some(user) => stored_passkeys(conn, user)?
                .into_iter()
                .map(|(_, key)| key)
                .collect(),
            None => Vec::new(),
        };
        let refused = |e: webauthn_rs::prelude::WebauthnError| {
            AppError::Unexpected(anyhow::anyhow!("a passkey challenge: {e}"))
        };
        let (options, awaiting) = match user.filter(|_| !keys.is_empty()) {
            Some(user) => {
                let (options, state) = webauthn
                    .start_passkey_authentication(&keys)
                    .map_err(refused)?;
                (options, Awaiting::Account { user, state })
            }
            None => {
                let (mut options, state) = webauthn
                    .start_discoverable_authentication()
                    .map_err(refused)?;
                // A plain prompt, like an account's: not the autofill ("conditional") one.
                options.mediation = None;
                // Kept as the audit row will name it (JSONB takes no NUL either).
                let username = recorded(&username);
                (options, Awaiting::Nobody { username, state })
            }
        };
        let id = ceremony::begin(conn, (Purpose::SignIn, None), &awaiting, now)?;
        Ok((id, options))
    })
    .await
}

/// The options for the second step of `user`'s sign-in (their password was right): a
/// signature by one of their passkeys.
pub async fn start_second_factor(
    ctx: &ServiceContext,
    user: UserId,
) -> Result<(Uuid, RequestChallengeResponse), AppError> {
    let webauthn = relying_party(ctx.public_url())?;
    let now = ctx.clock().now();
    ctx.run_unscoped(move |conn| {
        let keys: Vec<Passkey> = stored_passkeys(conn, user)?
            .into_iter()
            .map(|(_, key)| key)
            .collect();
        if keys.is_empty() {
            return Err(PasskeyRefused::NotAccepted.into());
        }
        let (options, state) = webauthn
            .start_passkey_authentication(&keys)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("a passkey challenge: {e}")))?;
        let awaiting = Awaiting::Account { user, state };
        let id = ceremony::begin(conn, (Purpose::SignIn, None), &awaiting, now)?;
        Ok((id, options))
    })
    .await
}

/// Which of the user's factors can complete their sign-in: an authenticator app, a passkey.
pub async fn second_factors(ctx: &ServiceContext, user: UserId) -> Result<(bool, bool), AppError> {
    ctx.run_unscoped(move |conn| {
        let app: bool = diesel::select(diesel::dsl::exists(
            crate::schema::user_totp::table.find(user),
        ))
        .get_result(conn)?;
        Ok((app, super::any(conn, user)?))
    })
    .await
}

/// Checks the browser's answer to the ceremony `id`. A refusal is audited (with the
/// account, when there is one) and said the same way whatever its reason.
pub async fn finish(
    ctx: &ServiceContext,
    id: Uuid,
    answer: PublicKeyCredential,
    client: &ClientInfo,
) -> Result<PasskeySignIn, AppError> {
    let webauthn = relying_party(ctx.public_url())?;
    let now = ctx.clock().now();
    let client = client.clone();
    let outcome = ctx
        .run_unscoped(move |conn| {
            let (_, awaiting): (_, Awaiting) =
                ceremony::take(conn, id, (Purpose::SignIn, None), now)?;
            let (user, state) = match awaiting {
                Awaiting::Account { user, state } => (user, state),
                Awaiting::Nobody { username, .. } => {
                    refused(conn, (&username, None), "unknown_account", &client)?;
                    return Ok(None);
                }
            };
            let (username, company, active, must_change) = account(conn, user)?;
            let checked = webauthn.finish_passkey_authentication(&answer, &state);
            let result = match checked {
                Ok(result) if active => result,
                Ok(_) => {
                    refused(
                        conn,
                        (&username, Some((user, company))),
                        "inactive",
                        &client,
                    )?;
                    return Ok(None);
                }
                Err(e) => {
                    let why = format!("passkey_{e}");
                    refused(conn, (&username, Some((user, company))), &why, &client)?;
                    return Ok(None);
                }
            };
            // The counter and flags the authenticator reported, for the next check.
            for (key_id, mut key) in stored_passkeys(conn, user)? {
                if key.update_credential(&result).is_some() {
                    let credential = serde_json::to_value(&key)
                        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("a passkey: {e}")))?;
                    diesel::update(passkeys::table.find(key_id))
                        .set((
                            passkeys::credential.eq(credential),
                            passkeys::last_used_at.eq(now),
                        ))
                        .execute(conn)?;
                }
            }
            Ok(Some(PasskeySignIn {
                user_id: user,
                username,
                must_change_password: must_change,
            }))
        })
        .await?;
    outcome.ok_or_else(|| PasskeyRefused::NotAccepted.into())
}

/// The account's name, company, whether it may sign in, and whether it must change its
/// password first.
fn account(
    conn: &mut PgConnection,
    user: UserId,
) -> Result<(String, CompanyId, bool, bool), AppError> {
    let (username, company, user_active, company_active, must_change): (
        String,
        CompanyId,
        bool,
        bool,
        Option<bool>,
    ) = users::table
        .find(user)
        .inner_join(companies::table)
        .left_join(user_profiles::table)
        .select((
            users::username,
            users::company_id,
            users::is_active,
            companies::is_active,
            user_profiles::must_change_password.nullable(),
        ))
        .first(conn)?;
    Ok((
        username,
        company,
        user_active && company_active,
        must_change.unwrap_or(false),
    ))
}

/// The audit row of a refused passkey sign-in.
fn refused(
    conn: &mut PgConnection,
    (username, account): (&str, Option<(UserId, CompanyId)>),
    reason: &str,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let username = recorded(username);
    let mut event = AuditEvent::new(actions::SIGN_IN_FAILED)
        .details(json!({ "username": username, "reason": reason, "method": "passkey" }))
        .client(client);
    if let Some((user, company)) = account {
        event = event.company(company).resource("user", user);
    }
    event.record(conn)?;
    Ok(())
}

/// A typed username as an audit row names it: control characters out, 100 characters.
fn recorded(username: &str) -> String {
    crate::domain::client_info::sanitize(username)
        .chars()
        .take(100)
        .collect()
}
