use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::{ClientInfo, SignedInUser};
use crate::config::Secret;
use crate::domain::NewPassword;
use crate::error::AppError;
use crate::services::password_change;
use crate::state::AppState;
use crate::web::{Flash, PageContext};

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    page: PageContext,
    forced: bool,
    errors: FieldErrors,
}

#[derive(Default)]
struct FieldErrors {
    current_password: Option<String>,
    new_password: Option<String>,
    confirm_password: Option<String>,
}

impl FieldErrors {
    fn any(&self) -> bool {
        self.current_password.is_some()
            || self.new_password.is_some()
            || self.confirm_password.is_some()
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

fn page(
    user: &SignedInUser,
    session: &Session,
    status: StatusCode,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let body = PasswordPage {
        page: PageContext::signed_in(user, session),
        forced: user.must_change_password,
        errors,
    }
    .render()?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

pub async fn get(user: SignedInUser, session: Session) -> Result<HttpResponse, AppError> {
    page(&user, &session, StatusCode::OK, FieldErrors::default())
}

pub async fn post(
    user: SignedInUser,
    session: Session,
    client: ClientInfo,
    state: web::Data<AppState>,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = FieldErrors::default();

    let actor = user.actor(client);
    let current = Secret::new(form.current_password);
    if !password_change::is_current(&state.services, &actor, &current).await? {
        errors.current_password = Some("This is not your current password.".into());
    }
    let new_password = match NewPassword::parse(&form.new_password, &user.username) {
        Ok(p) => Some(p),
        Err(message) => {
            errors.new_password = Some(message);
            None
        }
    };
    if form.new_password == current.expose() && errors.new_password.is_none() {
        errors.new_password = Some("Choose a password different from the current one.".into());
    }
    if form.confirm_password != form.new_password {
        errors.confirm_password = Some("The two new passwords differ.".into());
    }
    let new_password = match new_password {
        Some(p) if !errors.any() => p,
        _ => return page(&user, &session, StatusCode::UNPROCESSABLE_ENTITY, errors),
    };

    let signed_out = password_change::change(
        &state.services,
        &actor,
        &new_password,
        user.session_id,
        user.must_change_password,
    )
    .await?;
    let mut text = match signed_out.other_sessions {
        0 => "Your password has been changed.".to_owned(),
        1 => "Your password has been changed; your other session was signed out.".to_owned(),
        n => format!("Your password has been changed; your {n} other sessions were signed out."),
    };
    match signed_out.api_tokens {
        0 => {}
        1 => text.push_str(" Your API token was revoked; create a new one where you need it."),
        n => text.push_str(&format!(
            " Your {n} API tokens were revoked; create new ones where you need them."
        )),
    }
    Flash::set(&session, Flash::success(text));
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .finish())
}
