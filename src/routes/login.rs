use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::{device_cookie, sign_in_session, ClientInfo, SignedInUser};
use crate::config::Secret;
use crate::domain::SignInMethod;
use crate::error::AppError;
use crate::routes::anonymous_page::anonymous_page;
use crate::routes::safe_next;
use crate::services::sign_in;
use crate::state::AppState;
use crate::web::{Flash, PageContext};

/// The same sentence whatever went wrong, so the form does not reveal which accounts exist.
pub const FAILED_MESSAGE: &str = "Wrong username or password, or the account is not active.";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: PageContext,
    username: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

fn login_page(
    req: &HttpRequest,
    status: StatusCode,
    username: String,
    next: &str,
    error: Option<String>,
    flash: Option<Flash>,
) -> Result<HttpResponse, AppError> {
    anonymous_page(req, status, |token| {
        LoginPage {
            page: PageContext::anonymous(token, flash),
            username,
            next: next.to_owned(),
            error,
        }
        .render()
    })
}

pub async fn get(
    req: HttpRequest,
    query: web::Query<LoginQuery>,
    user: Option<SignedInUser>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref());
    if user.is_some() {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, next.to_owned()))
            .finish());
    }
    let flash = query
        .signed_out
        .as_ref()
        .map(|_| Flash::info("You have signed out."));
    login_page(&req, StatusCode::OK, String::new(), next, None, flash)
}

pub async fn post(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    client: ClientInfo,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let LoginForm {
        username,
        password,
        next,
    } = form.into_inner();
    let username = username.trim().to_owned();
    let next = safe_next(next.as_deref()).to_owned();
    let password = Secret::new(password);

    let secure = state.config.session.cookie_secure;
    let device = device_cookie::device_for(&req, &state.device_key, secure, &username);
    let Some(candidate) = sign_in::attempt(
        &state.services,
        &username,
        &password,
        &client,
        device.as_deref(),
    )
    .await?
    else {
        return login_page(
            &req,
            StatusCode::UNAUTHORIZED,
            username,
            &next,
            Some(FAILED_MESSAGE.into()),
            None,
        );
    };

    let target = if candidate.must_change_password {
        "/account/password".to_owned()
    } else {
        next
    };
    // A new key at each step: whatever key the browser had before is dead.
    if candidate.second_factor {
        sign_in_session::begin_pending(&session, candidate.user_id, &target, &client)?;
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/login/two-factor"))
            .finish());
    }
    sign_in_session::complete(
        &session,
        candidate.user_id,
        &SignInMethod::Password,
        &client,
    )?;
    // This browser is now known: nobody else's guessing delays its next sign-in.
    let mut response = HttpResponse::SeeOther();
    response.insert_header((header::LOCATION, target));
    if let Some(cookie) = device_cookie::issue(&state.device_key, secure, &candidate.username) {
        response.cookie(cookie);
    }
    Ok(response.finish())
}
