//! The signed-in user's passkeys: the list, adding one (the browser's WebAuthn prompt,
//! driven by static/passkeys.js over two JSON requests) and revoking one.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;
use webauthn_rs::prelude::RegisterPublicKeyCredential;

use crate::auth::{ClientInfo, SignedInUser};
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

// Signed in is enough: a member whom the policy sends to enrolment may choose a passkey
// as their second factor.

pub async fn list(user: SignedInUser, ctx: Ctx) -> Result<HttpResponse, AppError> {
    let actor = user.actor(ClientInfo::from_request(&ctx.req));
    let passkeys = passkeys::list(ctx.services(), &actor).await?;
    render(&PasskeysPage {
        page: PageContext::signed_in(&user, &ctx.session),
        passkeys,
    })
}

/// The options for the browser's prompt, and the ceremony its answer goes back to.
pub async fn options(user: SignedInUser, ctx: Ctx) -> Result<HttpResponse, Problem> {
    let actor = user.actor(ClientInfo::from_request(&ctx.req));
    let (ceremony, options) = passkeys::start_registration(ctx.services(), &actor).await?;
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
    user: SignedInUser,
    ctx: Ctx,
    body: web::Json<Registration>,
) -> Result<HttpResponse, Problem> {
    let Registration {
        ceremony,
        name,
        credential,
    } = body.into_inner();
    let actor = user.actor(ClientInfo::from_request(&ctx.req));
    passkeys::finish_registration(ctx.services(), &actor, (ceremony, name.clone()), credential)
        .await?;
    let said = format!("The passkey “{}” is registered.", name.trim());
    Flash::set(&ctx.session, Flash::success(said));
    Ok(HttpResponse::Ok().json(serde_json::json!({ "location": "/account/passkeys" })))
}

pub async fn revoke(
    user: SignedInUser,
    ctx: Ctx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let actor = user.actor(ClientInfo::from_request(&ctx.req));
    passkeys::revoke(ctx.services(), &actor, PasskeyId(path.into_inner())).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        "The passkey is revoked; it signs nobody in any more.",
        "/account/passkeys",
    ))
}
