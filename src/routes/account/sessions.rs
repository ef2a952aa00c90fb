use actix_web::{web, HttpResponse};
use askama::Template;
use uuid::Uuid;

use crate::auth::Member;
use crate::domain::refusal::AccountRefused;
use crate::error::AppError;
use crate::services::own_sessions::{self, LiveSession};
use crate::web::{done, filters, render, Ctx, PageContext};

#[derive(Template)]
#[template(path = "account/sessions.html")]
struct SessionsPage {
    page: PageContext,
    sessions: Vec<LiveSession>,
    current: Uuid,
}

pub async fn list(member: Member, ctx: Ctx) -> Result<HttpResponse, AppError> {
    let idle = ctx.state.config.session.idle_timeout;
    let sessions = own_sessions::list(ctx.services(), &member.actor, idle).await?;
    render(&SessionsPage {
        page: PageContext::signed_in(&member.user, &ctx.session),
        current: member.user.session_id,
        sessions,
    })
}

pub async fn revoke(
    member: Member,
    ctx: Ctx,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    if id == member.user.session_id {
        return Err(AppError::from(AccountRefused::CurrentSession));
    }
    own_sessions::revoke_one(ctx.services(), &member.actor, id).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        "That session is signed out.",
        "/account/sessions",
    ))
}

pub async fn revoke_others(member: Member, ctx: Ctx) -> Result<HttpResponse, AppError> {
    let n =
        own_sessions::revoke_others(ctx.services(), &member.actor, member.user.session_id).await?;
    let text = match n {
        0 => "You had no other sessions.".to_owned(),
        1 => "Your other session is signed out.".to_owned(),
        n => format!("Your {n} other sessions are signed out."),
    };
    Ok(done(&ctx.req, &ctx.session, text, "/account/sessions"))
}
