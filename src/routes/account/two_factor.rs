//! `/account/two-factor`: turning on two-factor sign-in with an authenticator app (a QR
//! code and the `otpauth://` URI, confirmed with a code; ten recovery codes shown once),
//! new recovery codes, and turning it off (password and a code). Reached with a password
//! change or an enrolment still owed: this is where a policy sends its members.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::{session_keys, ClientInfo, SignedInUser};
use crate::config::Secret;
use crate::error::AppError;
use crate::services::two_factor::{self, Provisioning, Standing};
use crate::web::{done, html, Ctx, FieldErrors, PageContext};

#[derive(Template)]
#[template(path = "account/two_factor.html")]
struct TwoFactorPage {
    page: PageContext,
    standing: Standing,
    /// While enrolling: what the app needs.
    provisioning: Option<Provisioning>,
    /// Just made: shown this once.
    recovery_codes: Vec<String>,
    errors: FieldErrors,
    /// Which form `errors` belong to: "enrol", "recovery" or "off".
    failed_form: &'static str,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

#[derive(Deserialize)]
pub struct PasswordAndCode {
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

/// The secret being enrolled, kept in the server-side session; a new one the first time.
fn enrolment_secret(session: &Session) -> Result<Vec<u8>, AppError> {
    let kept = session
        .get::<String>(session_keys::TOTP_ENROLMENT)
        .ok()
        .flatten()
        .and_then(|text| hex::decode(text).ok());
    if let Some(secret) = kept {
        return Ok(secret);
    }
    let secret = two_factor::new_secret();
    session
        .insert(session_keys::TOTP_ENROLMENT, hex::encode(&secret))
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cannot keep the secret: {e}")))?;
    Ok(secret)
}

struct Shown {
    recovery_codes: Vec<String>,
    errors: FieldErrors,
    failed_form: &'static str,
}

impl Shown {
    fn nothing() -> Self {
        Shown {
            recovery_codes: Vec::new(),
            errors: FieldErrors::default(),
            failed_form: "",
        }
    }
}

async fn page(
    user: &SignedInUser,
    ctx: &Ctx,
    status: StatusCode,
    shown: Shown,
) -> Result<HttpResponse, AppError> {
    let actor = user.actor(ClientInfo::from_request(&ctx.req));
    let standing = two_factor::standing(ctx.services(), &actor).await?;
    let provisioning = if standing.enrolled {
        None
    } else {
        Some(two_factor::provisioning(
            &enrolment_secret(&ctx.session)?,
            &user.username,
        )?)
    };
    html(
        status,
        &TwoFactorPage {
            page: PageContext::signed_in(user, &ctx.session),
            standing,
            provisioning,
            recovery_codes: shown.recovery_codes,
            errors: shown.errors,
            failed_form: shown.failed_form,
        },
    )
}

/// A form refused with field errors is shown again with them; anything else goes on.
fn refused_fields(result: Result<(), AppError>) -> Result<Option<FieldErrors>, AppError> {
    match result {
        Ok(()) => Ok(None),
        Err(AppError::Invalid(errors)) => Ok(Some(errors)),
        Err(other) => Err(other),
    }
}

pub async fn get(user: SignedInUser, ctx: Ctx) -> Result<HttpResponse, AppError> {
    page(&user, &ctx, StatusCode::OK, Shown::nothing()).await
}

/// Confirms the app with a code; the recovery codes are shown once, on this answer.
pub async fn confirm(
    user: SignedInUser,
    ctx: Ctx,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let secret = enrolment_secret(&ctx.session)?;
    let actor = user.actor(ClientInfo::from_request(&ctx.req));
    match two_factor::confirm(ctx.services(), &actor, secret, form.into_inner().code).await {
        Ok(codes) => {
            ctx.session.remove(session_keys::TOTP_ENROLMENT);
            // The policy may have been all that held this person back.
            let user = SignedInUser {
                second_factor_owed: false,
                ..user
            };
            let shown = Shown {
                recovery_codes: codes,
                ..Shown::nothing()
            };
            page(&user, &ctx, StatusCode::OK, shown).await
        }
        Err(e) => {
            let errors = refused_fields(Err(e))?.unwrap_or_default();
            let shown = Shown {
                errors,
                failed_form: "enrol",
                ..Shown::nothing()
            };
            page(&user, &ctx, StatusCode::UNPROCESSABLE_ENTITY, shown).await
        }
    }
}

pub async fn new_recovery_codes(
    user: SignedInUser,
    ctx: Ctx,
    form: web::Form<PasswordAndCode>,
) -> Result<HttpResponse, AppError> {
    let actor = user.actor(ClientInfo::from_request(&ctx.req));
    let PasswordAndCode { password, code } = form.into_inner();
    let made = two_factor::regenerate_recovery_codes(
        ctx.services(),
        &actor,
        &Secret::new(password),
        &code,
    )
    .await;
    let shown = match made {
        Ok(codes) => Shown {
            recovery_codes: codes,
            ..Shown::nothing()
        },
        Err(e) => Shown {
            errors: refused_fields(Err(e))?.unwrap_or_default(),
            failed_form: "recovery",
            ..Shown::nothing()
        },
    };
    let status = if shown.failed_form.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page(&user, &ctx, status, shown).await
}

pub async fn turn_off(
    user: SignedInUser,
    ctx: Ctx,
    form: web::Form<PasswordAndCode>,
) -> Result<HttpResponse, AppError> {
    let actor = user.actor(ClientInfo::from_request(&ctx.req));
    let PasswordAndCode { password, code } = form.into_inner();
    let result = two_factor::turn_off(ctx.services(), &actor, &Secret::new(password), &code).await;
    match refused_fields(result)? {
        None => Ok(done(
            &ctx.req,
            &ctx.session,
            "Two-factor sign-in is off. Your password alone signs you in now.",
            "/account/two-factor",
        )),
        Some(errors) => {
            let shown = Shown {
                errors,
                failed_form: "off",
                ..Shown::nothing()
            };
            page(&user, &ctx, StatusCode::UNPROCESSABLE_ENTITY, shown).await
        }
    }
}
