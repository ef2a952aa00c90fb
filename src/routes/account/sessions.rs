use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use uuid::Uuid;

use crate::auth::Member;
use crate::error::AppError;
use crate::services::own_sessions::{self, LiveSession};
use crate::state::AppState;
use crate::web::{filters, render, see_other, Flash, PageContext};

#[derive(Template)]
#[template(path = "account/sessions.html")]
struct SessionsPage {
    page: PageContext,
    sessions: Vec<LiveSession>,
    current: Uuid,
}

pub async fn list(
    member: Member,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let idle_since = Utc::now() - state.config.session.idle_timeout;
    let sessions = own_sessions::list(&state.services, &member.actor, idle_since).await?;
    render(&SessionsPage {
        page: PageContext::signed_in(&member.user, &session),
        current: member.user.session_id,
        sessions,
    })
}

pub async fn revoke(
    member: Member,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    if id == member.user.session_id {
        return Err(AppError::Conflict(
            "This is the session you are using; sign out instead.".into(),
        ));
    }
    own_sessions::revoke_one(&state.services, &member.actor, id).await?;
    Flash::set(&session, Flash::success("That session is signed out."));
    Ok(see_other(&req, "/account/sessions"))
}

pub async fn revoke_others(
    member: Member,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let n =
        own_sessions::revoke_others(&state.services, &member.actor, member.user.session_id).await?;
    let text = match n {
        0 => "You had no other sessions.".to_owned(),
        1 => "Your other session is signed out.".to_owned(),
        n => format!("Your {n} other sessions are signed out."),
    };
    Flash::set(&session, Flash::success(text));
    Ok(see_other(&req, "/account/sessions"))
}
