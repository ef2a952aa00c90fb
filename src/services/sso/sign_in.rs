//! Signing in through a company's provider. `begin` finds the company by an email domain
//! or its code and sends the browser to the provider; `finish` takes the provider's answer
//! once, verifies it (`provider`), and finds the member: by the stored (issuer, subject)
//! link, or the first time by a verified email of an active member of *that* company only,
//! or (when the company allows it) creates them. Each refusal leaves an audit row.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::config::Secret;
use crate::db::ids::UserId;
use crate::db::models::company::Company;
use crate::db::models::company_sso::CompanySso;
use crate::db::models::sso_sign_in::SsoSignIn;
use crate::db::models::user::User;
use crate::db::models::user_profile::UserProfile;
use crate::domain::refusal::SsoRefused;
use crate::domain::sso_settings::domain_of;
use crate::domain::tokens::random_token;
use crate::domain::SignInMethod;
use crate::domain::{ClientInfo, Role};
use crate::error::AppError;
use crate::schema::user_profiles;
use crate::services::audit::{actions, AuditEvent};
use crate::services::sso::member;
use crate::services::sso::provider::{self, Identity};
use crate::services::ServiceContext;

/// How long a sign-in may spend at the provider.
const ATTEMPT_MINUTES: i64 = 10;

fn sha256(value: &str) -> Vec<u8> {
    Sha256::digest(value.as_bytes()).to_vec()
}

fn callback_url(ctx: &ServiceContext) -> String {
    format!("{}/login/sso/callback", ctx.public_url())
}

/// The provider's address for the browser, and the secret of the cookie that ties the
/// answer to this browser (only its hash is stored).
pub struct Started {
    pub url: String,
    pub browser_secret: String,
}

/// `who`: an email address (its domain names the company) or a company code.
pub async fn begin(
    ctx: &ServiceContext,
    who: &str,
    next: &str,
    client: &ClientInfo,
) -> Result<Started, AppError> {
    super::throttle::admit(ctx, client).await?;
    // Control characters are shown escaped and found nowhere (PostgreSQL, and JSONB in
    // the audit row, refuse a NUL outright).
    let who: String = crate::domain::client_info::sanitize(who.trim())
        .chars()
        .take(320)
        .collect();
    let email = who.contains('@').then(|| who.clone());
    let settings = {
        let who = who.clone();
        ctx.read_unscoped(move |conn| match domain_of(&who) {
            Some(domain) if who.contains('@') => CompanySso::find_by_domain(conn, &domain),
            _ => CompanySso::find_by_code(conn, &who.to_ascii_uppercase()),
        })
        .await?
    };
    let Some(settings) = settings else {
        let shown: String = who.chars().take(100).collect();
        return Err(refuse(
            ctx,
            None,
            SsoRefused::UnknownOrganisation(shown),
            None,
            client,
        )
        .await);
    };
    let authorization =
        match provider::authorization(&settings, &callback_url(ctx), email.as_deref()).await {
            Ok(a) => a,
            Err(refusal) => return Err(refuse(ctx, Some(&settings), refusal, None, client).await),
        };
    let browser_secret = random_token();
    let now = ctx.clock().now();
    let row = SsoSignIn {
        state_hash: sha256(&authorization.state),
        company_id: settings.company_id,
        browser_hash: sha256(&browser_secret),
        nonce: authorization.nonce,
        pkce_verifier: authorization.pkce_verifier,
        next_path: next.chars().take(1000).collect(),
        created_at: now,
        expires_at: now + Duration::minutes(ATTEMPT_MINUTES),
    };
    let (issuer, client) = (settings.issuer_url.clone(), client.clone());
    ctx.run_unscoped(move |conn| {
        SsoSignIn::insert(conn, &row, now)?;
        AuditEvent::new(actions::SSO_STARTED)
            .company(row.company_id)
            .details(json!({ "issuer": issuer }))
            .client(&client)
            .record(conn)?;
        Ok(())
    })
    .await?;
    Ok(Started {
        url: authorization.url,
        browser_secret,
    })
}

/// What the provider sent back to the callback.
#[derive(Debug, Default)]
pub struct Answer {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
}

/// A member who signed in through their company's provider.
#[derive(Debug)]
pub struct SignedIn {
    pub user_id: UserId,
    pub must_change_password: bool,
    pub next: String,
    /// How they signed in (`sso:<issuer>`): the session and its audit row keep it.
    pub method: SignInMethod,
}

pub async fn finish(
    ctx: &ServiceContext,
    answer: Answer,
    browser_secret: Option<String>,
    client: &ClientInfo,
) -> Result<SignedIn, AppError> {
    let now = ctx.clock().now();
    let Some(state) = answer.state.filter(|s| !s.is_empty() && s.len() <= 200) else {
        return Err(refuse(ctx, None, SsoRefused::UnknownState, None, client).await);
    };
    // Taken once: a refused answer spends its attempt too, in the same transaction as the
    // refusal's audit row.
    let taken = {
        let client = client.clone();
        ctx.run_unscoped(move |conn| {
            let attempt = SsoSignIn::take(conn, &sha256(&state))?;
            let settings = match &attempt {
                Some(a) => CompanySso::find(conn, a.company_id)?,
                None => None,
            };
            let checked = match (&attempt, &settings) {
                (None, _) => Err(SsoRefused::UnknownState),
                (Some(_), None) => Err(SsoRefused::ProviderUnavailable),
                (Some(a), Some(_)) => {
                    check_attempt(a, &answer.code, &answer.error, browser_secret, now)
                }
            };
            match (attempt, settings, checked) {
                (Some(attempt), Some(settings), Ok(code)) => Ok(Ok((attempt, settings, code))),
                (_, settings, Err(refusal)) => {
                    record_refusal(conn, settings.as_ref(), &refusal, None, &client)?;
                    Ok(Err(refusal))
                }
                (_, _, Ok(_)) => Err(AppError::NotFound),
            }
        })
        .await?
    };
    let (attempt, settings, code) = taken.map_err(AppError::from)?;
    let identity = provider::identity(
        &settings,
        &callback_url(ctx),
        &code,
        &attempt.pkce_verifier,
        &attempt.nonce,
        ctx.clock(),
    )
    .await;
    let identity = match identity {
        Ok(identity) => identity,
        Err(refusal) => return Err(refuse(ctx, Some(&settings), refusal, None, client).await),
    };
    // A member created at sign-in gets a password nobody knows (they sign in through
    // the provider); hashed here, off the transaction.
    let unusable_hash = if settings.jit_enabled {
        Some(ctx.hasher().hash(&Secret::new(random_token())).await?)
    } else {
        None
    };
    let method = SignInMethod::Sso(settings.issuer_url.clone());
    let client = client.clone();
    let matched = ctx
        .run_unscoped(move |conn| {
            let found = member::member(
                conn,
                &settings,
                &identity,
                unusable_hash.as_deref(),
                now,
                &client,
            )?;
            match found {
                Ok(user) => {
                    let pending = password_change_pending(conn, &settings, user, now, &client)?;
                    Ok(Ok((user, pending)))
                }
                Err(refusal) => {
                    record_refusal(conn, Some(&settings), &refusal, Some(&identity), &client)?;
                    Ok(Err(refusal))
                }
            }
        })
        .await?;
    let (user, must_change_password) = matched.map_err(AppError::from)?;
    Ok(SignedIn {
        user_id: user,
        must_change_password,
        next: attempt.next_path,
        method,
    })
}

/// Whether the member must still choose a password. A member of an SSO-only company has
/// no use for one: a pending change (say, an admin's one-time password) would only trap
/// them on the password page, so it is waived, on the record.
fn password_change_pending(
    conn: &mut PgConnection,
    settings: &CompanySso,
    user: UserId,
    now: DateTime<Utc>,
    client: &ClientInfo,
) -> Result<bool, AppError> {
    let pending = user_profiles::table
        .find(user)
        .select(user_profiles::must_change_password)
        .first::<bool>(conn)
        .optional()?
        .unwrap_or(false);
    if !pending || !settings.sso_only {
        return Ok(pending);
    }
    UserProfile::set_must_change_password(conn, user, Some(now))?;
    AuditEvent::new(actions::USER_UPDATED)
        .company(settings.company_id)
        .resource("user", user)
        .details(json!({
            "before": { "must_change_password": true },
            "after": { "must_change_password": false },
            "reason": "the company signs in through its provider only",
        }))
        .client(client)
        .record(conn)?;
    Ok(false)
}

/// The answer belongs to this attempt: still fresh, in the browser that started it, and
/// the provider sent a code rather than an error. Gives the code.
fn check_attempt(
    attempt: &SsoSignIn,
    code: &Option<String>,
    error: &Option<String>,
    browser_secret: Option<String>,
    now: DateTime<Utc>,
) -> Result<String, SsoRefused> {
    if attempt.expires_at <= now {
        return Err(SsoRefused::AttemptExpired);
    }
    let same_browser = browser_secret.is_some_and(|secret| {
        use subtle::ConstantTimeEq;
        bool::from(sha256(&secret).ct_eq(&attempt.browser_hash))
    });
    if !same_browser {
        return Err(SsoRefused::OtherBrowser);
    }
    if let Some(error) = error {
        // The provider's error code only (RFC 6749 §4.1.2.1: ASCII), never more of it.
        let shown: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        return Err(SsoRefused::ProviderError(shown));
    }
    code.clone()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| SsoRefused::ProviderError("no code".into()))
}

/// Records a refusal in a transaction of its own and gives the error to show.
async fn refuse(
    ctx: &ServiceContext,
    settings: Option<&CompanySso>,
    refusal: SsoRefused,
    identity: Option<&Identity>,
    client: &ClientInfo,
) -> AppError {
    let (settings, identity, client) = (settings.cloned(), identity.cloned(), client.clone());
    let recorded = refusal.clone();
    let written = ctx
        .run_unscoped(move |conn| {
            Ok(record_refusal(
                conn,
                settings.as_ref(),
                &recorded,
                identity.as_ref(),
                &client,
            )?)
        })
        .await;
    match written {
        Ok(()) => AppError::from(refusal),
        Err(e) => e,
    }
}

fn record_refusal(
    conn: &mut PgConnection,
    settings: Option<&CompanySso>,
    refusal: &SsoRefused,
    identity: Option<&Identity>,
    client: &ClientInfo,
) -> QueryResult<()> {
    let mut event = AuditEvent::new(actions::SSO_REFUSED)
        .details(json!({
            "reason": refusal.code(),
            "issuer": settings.map(|s| s.issuer_url.as_str()),
            "subject": identity.map(|i| i.subject.as_str()),
            "email": identity.and_then(|i| i.email.as_deref()),
        }))
        .client(client);
    if let Some(settings) = settings {
        event = event.company(settings.company_id);
    }
    event.record(conn)
}

/// For the password sign-in: the name of the user's company when it signs its members
/// in only through its provider (operators keep their passwords).
pub fn password_refused(conn: &mut PgConnection, user: UserId) -> QueryResult<Option<String>> {
    let Some(user) = User::find(conn, user)? else {
        return Ok(None);
    };
    if user.role == Role::Superadmin || !CompanySso::is_sso_only(conn, user.company_id)? {
        return Ok(None);
    }
    Ok(Company::find(conn, user.company_id)?.map(|c| c.company_name))
}
