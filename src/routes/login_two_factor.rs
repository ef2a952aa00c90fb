//! `/login/two-factor`: the second step of a sign-in, for an account with an authenticator
//! app. The session holds a pending sign-in (see `auth::sign_in_session`); a code from the
//! app or a recovery code completes it.

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::{csrf, device_cookie, sign_in_session, ClientInfo};
use crate::error::AppError;
use crate::services::two_factor::second_step;
use crate::state::AppState;
use crate::web::PageContext;

/// The same sentence for a wrong code, a used one and an unknown recovery code.
pub const WRONG_CODE: &str = "That code is not right, or it was used already. Try the next code from your app, or a recovery code.";

#[derive(Template)]
#[template(path = "login_two_factor.html")]
struct SecondStepPage {
    page: PageContext,
    error: Option<String>,
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

fn second_step_page(
    req: &HttpRequest,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (token, cookie) = csrf::token_for(req);
    let body = SecondStepPage {
        page: PageContext::anonymous(token, None),
        error,
    }
    .render()?;
    let mut response = HttpResponse::build(status);
    response.content_type("text/html; charset=utf-8");
    if let Some(cookie) = cookie {
        response.cookie(cookie);
    }
    Ok(response.body(body))
}

pub async fn get(req: HttpRequest, session: Session) -> Result<HttpResponse, AppError> {
    if sign_in_session::pending(&session).is_none() {
        return Ok(to_login());
    }
    second_step_page(&req, StatusCode::OK, None)
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
        return second_step_page(&req, StatusCode::UNAUTHORIZED, Some(WRONG_CODE.to_owned()));
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
