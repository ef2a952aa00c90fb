//! The signed-in user's passkeys: the list, adding one (the browser's WebAuthn prompt,
//! driven by static/passkeys.js over two JSON requests) and revoking one.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;
use webauthn_rs::prelude::RegisterPublicKeyCredential;

use crate::auth::Member;
use crate::db::ids::PasskeyId;
use crate::error::AppError;
use crate::services::passkeys::{self, PasskeyEntry};
use crate::web::problem::Problem;
use crate::web::{done, filters, render, Ctx, Flash, PageContext};

#[derive(Template)]
#[template(path = "account/passkeys.html")]
struct PasskeysPage {
    page: PageContext,
    passkeys: Vec<PasskeyEntry>,
}

pub async fn list(member: Member, ctx: Ctx) -> Result<HttpResponse, AppError> {
    let passkeys = passkeys::list(ctx.services(), &member.actor).await?;
    render(&PasskeysPage {
        page: PageContext::signed_in(&member.user, &ctx.session),
        passkeys,
    })
}

/// The options for the browser's prompt, and the ceremony its answer goes back to.
pub async fn options(member: Member, ctx: Ctx) -> Result<HttpResponse, Problem> {
    let (ceremony, options) = passkeys::start_registration(ctx.services(), &member.actor).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "ceremony": ceremony, "options": options })))
}

#[derive(Deserialize)]
pub struct Registration {
    ceremony: Uuid,
    name: String,
    credential: RegisterPublicKeyCredential,
}

/// The browser's answer: the passkey is kept under its name.
pub async fn register(
    member: Member,
    ctx: Ctx,
    body: web::Json<Registration>,
) -> Result<HttpResponse, Problem> {
    let Registration {
        ceremony,
        name,
        credential,
    } = body.into_inner();
    passkeys::finish_registration(
        ctx.services(),
        &member.actor,
        (ceremony, name.clone()),
        credential,
    )
    .await?;
    let said = format!("The passkey “{}” is registered.", name.trim());
    Flash::set(&ctx.session, Flash::success(said));
    Ok(HttpResponse::Ok().json(serde_json::json!({ "location": "/account/passkeys" })))
}

pub async fn revoke(
    member: Member,
    ctx: Ctx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    passkeys::revoke(ctx.services(), &member.actor, PasskeyId(path.into_inner())).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        "The passkey is revoked; it signs nobody in any more.",
        "/account/passkeys",
    ))
}
