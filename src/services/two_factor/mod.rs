//! Two-factor sign-in with an authenticator app (TOTP) and recovery codes: enrolment,
//! the second step of a sign-in (`second_step`), the policy that requires it (`policy`)
//! and an admin's reset (`reset`).
//!
//! The secret being enrolled lives in the person's own server-side session until a code
//! proves their app holds it; only then is it stored, sealed (`services::sealing`), and it
//! is never shown again.

pub mod policy;
pub mod recovery;
pub mod reset;
pub mod second_step;
pub mod totp_code;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::config::Secret;
use crate::db::ids::UserId;
use crate::db::models::two_factor::{NewUserTotp, RecoveryCodes, UserTotp};
use crate::db::models::user::User;
use crate::domain::refusal::AccountRefused;
use crate::domain::{FieldErrors, SignInMethod};
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::sealing::SealingKey;
use crate::services::ServiceContext;

pub use totp_code::{new_secret, provisioning, Provisioning};

/// Where a user stands.
#[derive(Debug, Clone)]
pub struct Standing {
    pub enrolled: bool,
    pub unused_recovery_codes: i64,
    /// The company's or the operator's policy requires a second factor of this user.
    pub required: bool,
}

pub async fn standing(ctx: &ServiceContext, actor: &Actor) -> Result<Standing, AppError> {
    ctx.run(actor, |conn, actor| {
        let user = actor.user()?;
        Ok(Standing {
            enrolled: UserTotp::exists(conn, user)?,
            unused_recovery_codes: RecoveryCodes::unused_count(conn, user)?,
            required: policy::required_of(conn, user)?,
        })
    })
    .await
}

fn new_recovery_codes() -> (Vec<String>, Vec<Vec<u8>>) {
    let codes: Vec<String> = (0..recovery::COUNT).map(|_| recovery::new_code()).collect();
    let digests = codes
        .iter()
        .filter_map(|code| recovery::digest(code))
        .collect();
    (codes, digests)
}

/// The use the installation's sealing key is derived for here.
const TOTP_SEALING: &str = "totp secret v1";

/// What a sealed secret is bound to: its user's row.
fn row_of(user: UserId) -> Vec<u8> {
    format!("user_totp:{}", user.0).into_bytes()
}

/// Seals the secrets of authenticators stored before they were sealed (at a server's
/// start, once it has its key); the number sealed.
pub async fn seal_stored(ctx: &ServiceContext) -> Result<usize, AppError> {
    let key = ctx.sealing_key(TOTP_SEALING)?;
    ctx.run_unscoped(move |conn| {
        let bare = UserTotp::unsealed_for_update(conn)?;
        for totp in &bare {
            let sealed = key.seal(&row_of(totp.user_id), &totp.secret)?;
            UserTotp::set_sealed_secret(conn, totp.user_id, &sealed)?;
        }
        Ok(bare.len())
    })
    .await
}

fn wrong_code() -> AppError {
    let mut errors = FieldErrors::default();
    errors.add(
        "code",
        "That code is not right; check your app and try again.",
    );
    AppError::Invalid(errors)
}

/// Stores the authenticator once `code` proves the app holds `secret`; returns the ten
/// recovery codes, to be shown once. A wrong code is `AppError::Invalid`.
pub async fn confirm(
    ctx: &ServiceContext,
    actor: &Actor,
    secret: Vec<u8>,
    code: String,
) -> Result<Vec<String>, AppError> {
    let now = ctx.clock().now();
    let key = ctx.sealing_key(TOTP_SEALING)?;
    ctx.run(actor, move |conn, actor| {
        let user = User::find(conn, actor.user()?)?.ok_or(AppError::NotFound)?;
        if UserTotp::exists(conn, user.id)? {
            return Err(AccountRefused::TwoFactorAlreadyOn.into());
        }
        let step = totp_code::matching_step(&secret, &code, now, None)?.ok_or_else(wrong_code)?;
        UserTotp::insert(
            conn,
            &NewUserTotp {
                user_id: user.id,
                company_id: user.company_id,
                secret: &key.seal(&row_of(user.id), &secret)?,
                last_used_step: step,
                confirmed_at: now,
                sealed: true,
            },
        )?;
        let (codes, digests) = new_recovery_codes();
        RecoveryCodes::replace(conn, user.id, user.company_id, &digests, now)?;
        actor
            .audit(actions::TWO_FACTOR_ENABLED)
            .resource("user", user.id)
            .details(json!({ "factor": "totp", "recovery_codes": codes.len() }))
            .record(conn)?;
        Ok(codes)
    })
    .await
}

/// Whether `code` is the user's: a TOTP code of a step not used before (then that step
/// is remembered) or an unused recovery code (then it is used up). The authenticator's
/// row stays locked until the caller's transaction ends, so a code is accepted once even
/// when sent twice at the same moment.
pub fn use_code(
    conn: &mut PgConnection,
    (user, key): (UserId, &SealingKey),
    code: &str,
    now: DateTime<Utc>,
) -> Result<Option<SignInMethod>, AppError> {
    let Some(totp) = UserTotp::find_for_update(conn, user)? else {
        return Ok(None);
    };
    let secret = if totp.sealed {
        key.open(&row_of(user), &totp.secret)?
    } else {
        totp.secret
    };
    if let Some(step) = totp_code::matching_step(&secret, code, now, Some(totp.last_used_step))? {
        UserTotp::set_last_used_step(conn, user, step)?;
        return Ok(Some(SignInMethod::PasswordTotp));
    }
    if let Some(digest) = recovery::digest(code) {
        if RecoveryCodes::use_once(conn, user, &digest, now)? {
            return Ok(Some(SignInMethod::PasswordRecoveryCode));
        }
    }
    Ok(None)
}

/// The password and a current code, asked before the factor is changed; field errors
/// otherwise.
async fn check_password_and_code(
    ctx: &ServiceContext,
    actor: &Actor,
    password: &Secret,
    code: &str,
) -> Result<(), AppError> {
    if !crate::services::password_change::is_current(ctx, actor, password).await? {
        let mut errors = FieldErrors::default();
        errors.add("password", "This is not your current password.");
        return Err(AppError::Invalid(errors));
    }
    let (code, now, key) = (
        code.to_owned(),
        ctx.clock().now(),
        ctx.sealing_key(TOTP_SEALING)?,
    );
    let method = ctx
        .run(actor, move |conn, actor| {
            use_code(conn, (actor.user()?, &key), &code, now)
        })
        .await?;
    method.map(|_| ()).ok_or_else(wrong_code)
}

/// New recovery codes replace the old ones (password and a code first); returned to be
/// shown once.
pub async fn regenerate_recovery_codes(
    ctx: &ServiceContext,
    actor: &Actor,
    password: &Secret,
    code: &str,
) -> Result<Vec<String>, AppError> {
    check_password_and_code(ctx, actor, password, code).await?;
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let user = actor.user()?;
        if !UserTotp::exists(conn, user)? {
            return Err(AccountRefused::TwoFactorOff.into());
        }
        let (codes, digests) = new_recovery_codes();
        RecoveryCodes::replace(conn, user, actor.company_id(), &digests, now)?;
        actor
            .audit(actions::RECOVERY_CODES_REGENERATED)
            .resource("user", user)
            .details(json!({ "recovery_codes": codes.len() }))
            .record(conn)?;
        Ok(codes)
    })
    .await
}

/// Turns two-factor sign-in off (password and a code first); refused while a policy
/// requires it.
pub async fn turn_off(
    ctx: &ServiceContext,
    actor: &Actor,
    password: &Secret,
    code: &str,
) -> Result<(), AppError> {
    let required = ctx
        .run(actor, |conn, actor| {
            policy::required_of(conn, actor.user()?)
        })
        .await?;
    if required {
        return Err(AccountRefused::TwoFactorRequired.into());
    }
    check_password_and_code(ctx, actor, password, code).await?;
    ctx.run(actor, move |conn, actor| {
        let user = actor.user()?;
        if !UserTotp::remove_all(conn, user)? {
            return Err(AccountRefused::TwoFactorOff.into());
        }
        actor
            .audit(actions::TWO_FACTOR_DISABLED)
            .resource("user", user)
            .details(json!({ "factor": "totp" }))
            .record(conn)?;
        Ok(())
    })
    .await
}
