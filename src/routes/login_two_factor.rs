//! `/login/two-factor`: the second step of a sign-in, for an account with an authenticator
//! app. The session holds a pending sign-in (see `auth::sign_in_session`); a code from the
//! app, a recovery code, or a passkey of the account completes it.

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use uuid::Uuid;
use webauthn_rs::prelude::PublicKeyCredential;

use crate::auth::{device_cookie, sign_in_session, ClientInfo};
use crate::db::ids::UserId;
use crate::domain::refusal::PasskeyRefused;
use crate::domain::SignInMethod;
use crate::error::AppError;
use crate::routes::anonymous_page::anonymous_page;
use crate::services::passkeys::sign_in as passkey_sign_in;
use crate::services::two_factor::second_step;
use crate::state::AppState;
use crate::web::problem::Problem;
use crate::web::PageContext;

/// The same sentence for a wrong code, a used one and an unknown recovery code.
pub const WRONG_CODE: &str = "That code is not right, or it was used already. Try the next code from your app, or a recovery code.";

#[derive(Template)]
#[template(path = "login_two_factor.html")]
struct SecondStepPage {
    page: PageContext,
    error: Option<String>,
    /// The factors the account has: an authenticator app (the code form), a passkey.
    app: bool,
    passkey: bool,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

fn to_login() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/login"))
        .finish()
}

async fn second_step_page(
    (req, state): (&HttpRequest, &AppState),
    user: UserId,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (app, passkey) = passkey_sign_in::second_factors(&state.services, user).await?;
    anonymous_page(req, status, |token| {
        SecondStepPage {
            page: PageContext::anonymous(token, None),
            error,
            app,
            passkey,
        }
        .render()
    })
}

pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let Some((user, _)) = sign_in_session::pending(&session) else {
        return Ok(to_login());
    };
    second_step_page((&req, &state), user, StatusCode::OK, None).await
}

pub async fn post(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    client: ClientInfo,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let Some((user, next)) = sign_in_session::pending(&session) else {
        return Ok(to_login());
    };
    let secure = state.config.session.cookie_secure;
    let username = second_step::username_of(&state.services, user)
        .await?
        .unwrap_or_default();
    let device = device_cookie::device_for(&req, &state.device_key, secure, &username);
    let Some(completed) = second_step::attempt(
        &state.services,
        user,
        &form.code,
        &client,
        device.as_deref(),
    )
    .await?
    else {
        let wrong = Some(WRONG_CODE.to_owned());
        return second_step_page((&req, &state), user, StatusCode::UNAUTHORIZED, wrong).await;
    };
    sign_in_session::complete(&session, user, &completed.method, &client)?;
    let target = if completed.must_change_password {
        "/account/password".to_owned()
    } else {
        next
    };
    // This browser is now known: nobody else's guessing delays its next sign-in.
    let mut response = HttpResponse::SeeOther();
    response.insert_header((header::LOCATION, target));
    if let Some(cookie) = device_cookie::issue(&state.device_key, secure, &completed.username) {
        response.cookie(cookie);
    }
    Ok(response.finish())
}

/// The options for the browser's passkey prompt, for the pending sign-in's account only.
pub async fn passkey_options(
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, Problem> {
    let Some((user, _)) = sign_in_session::pending(&session) else {
        return Err(AppError::from(PasskeyRefused::CeremonyOver).into());
    };
    let (ceremony, options) = passkey_sign_in::start_second_factor(&state.services, user).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "ceremony": ceremony, "options": options })))
}

#[derive(Deserialize)]
pub struct PasskeyAnswer {
    ceremony: Uuid,
    credential: PublicKeyCredential,
}

/// The passkey's answer completes the pending sign-in, if it is that account's.
pub async fn passkey(
    state: web::Data<AppState>,
    session: Session,
    client: ClientInfo,
    body: web::Json<PasskeyAnswer>,
) -> Result<HttpResponse, Problem> {
    let Some((user, next)) = sign_in_session::pending(&session) else {
        return Err(AppError::from(PasskeyRefused::CeremonyOver).into());
    };
    let PasskeyAnswer {
        ceremony,
        credential,
    } = body.into_inner();
    let signed_in = passkey_sign_in::finish(&state.services, ceremony, credential, &client).await?;
    if signed_in.user_id != user {
        return Err(AppError::from(PasskeyRefused::NotAccepted).into());
    }
    sign_in_session::complete(&session, user, &SignInMethod::PasswordPasskey, &client)?;
    let location = if signed_in.must_change_password {
        "/account/password".to_owned()
    } else {
        next
    };
    Ok(HttpResponse::Ok().json(serde_json::json!({ "location": location })))
}
