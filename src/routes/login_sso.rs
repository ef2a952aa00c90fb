//! "Sign in with your organisation": the form that asks for an email address or a company
//! code, the redirect to that company's OpenID Connect provider, and its answer, which
//! starts a session the way a password sign-in does.

use actix_session::Session;
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::sign_in_session;
use crate::auth::{ClientInfo, SignedInUser};
use crate::domain::refusal::SsoRefused;
use crate::domain::Refusal;
use crate::error::AppError;
use crate::routes::anonymous_page::anonymous_page;
use crate::routes::safe_next;
use crate::services::sso::sign_in::{self, Answer};
use crate::state::AppState;
use crate::web::PageContext;

#[derive(Template)]
#[template(path = "login_sso.html")]
struct SsoPage {
    page: PageContext,
    who: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct SsoQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct SsoForm {
    #[serde(default)]
    who: String,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

/// The cookie that ties the provider's answer to the browser that asked. `Lax`: the
/// answer arrives as a top-level navigation from the provider's site.
fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-hopper_sso"
    } else {
        "hopper_sso"
    }
}

fn browser_cookie(secure: bool, value: String, max_age: CookieDuration) -> Cookie<'static> {
    Cookie::build(cookie_name(secure), value)
        .secure(secure)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(max_age)
        .finish()
}

fn page(
    req: &HttpRequest,
    status: StatusCode,
    who: String,
    next: &str,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    anonymous_page(req, status, |token| {
        SsoPage {
            page: PageContext::anonymous(token, None),
            who,
            next: next.to_owned(),
            error,
        }
        .render()
    })
}

pub async fn get(
    req: HttpRequest,
    query: web::Query<SsoQuery>,
    user: Option<SignedInUser>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref());
    if user.is_some() {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, next.to_owned()))
            .finish());
    }
    page(&req, StatusCode::OK, String::new(), next, None)
}

pub async fn post(
    req: HttpRequest,
    state: web::Data<AppState>,
    client: ClientInfo,
    form: web::Form<SsoForm>,
) -> Result<HttpResponse, AppError> {
    let SsoForm { who, next } = form.into_inner();
    let next = safe_next(next.as_deref()).to_owned();
    match sign_in::begin(&state.services, &who, &next, &client).await {
        Ok(started) => {
            let secure = state.config.session.cookie_secure;
            let minutes = CookieDuration::minutes(10);
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, started.url))
                .cookie(browser_cookie(secure, started.browser_secret, minutes))
                .finish())
        }
        // Mistyped: the form again, with what was typed and why.
        Err(AppError::Refused(Refusal::Sso(refusal @ SsoRefused::UnknownOrganisation(_)))) => {
            let who = who.trim().to_owned();
            page(
                &req,
                StatusCode::NOT_FOUND,
                who,
                &next,
                Some(refusal.to_string()),
            )
        }
        Err(other) => Err(other),
    }
}

pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    client: ClientInfo,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let secure = state.config.session.cookie_secure;
    let browser = req
        .cookie(cookie_name(secure))
        .map(|c| c.value().to_owned());
    let answer = Answer {
        state: query.state,
        code: query.code,
        error: query.error,
    };
    let signed_in = sign_in::finish(&state.services, answer, browser, &client).await?;

    // A new key at sign-in, as for a password: whatever key the browser had is dead.
    sign_in_session::complete(&session, signed_in.user_id, &signed_in.method, &client)?;
    let target = if signed_in.must_change_password {
        "/account/password".to_owned()
    } else {
        safe_next(Some(&signed_in.next)).to_owned()
    };
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, target))
        .cookie(browser_cookie(secure, String::new(), CookieDuration::ZERO))
        .finish())
}
