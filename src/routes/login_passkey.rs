//! Signing in with a passkey from the sign-in page (static/passkeys.js): the options for
//! the account named, then the browser's signed answer; a good one starts the session as
//! a password does.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use uuid::Uuid;
use webauthn_rs::prelude::PublicKeyCredential;

use crate::auth::{sign_in_session, ClientInfo};
use crate::domain::SignInMethod;
use crate::routes::safe_next;
use crate::services::passkeys::sign_in;
use crate::state::AppState;
use crate::web::problem::Problem;

#[derive(Deserialize)]
pub struct Named {
    #[serde(default)]
    username: String,
}

pub async fn options(
    state: web::Data<AppState>,
    body: web::Json<Named>,
) -> Result<HttpResponse, Problem> {
    let (ceremony, options) = sign_in::start(&state.services, &body.username).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "ceremony": ceremony, "options": options })))
}

#[derive(Deserialize)]
pub struct Answer {
    ceremony: Uuid,
    credential: PublicKeyCredential,
    #[serde(default)]
    next: String,
}

pub async fn finish(
    state: web::Data<AppState>,
    session: Session,
    client: ClientInfo,
    body: web::Json<Answer>,
) -> Result<HttpResponse, Problem> {
    let Answer {
        ceremony,
        credential,
        next,
    } = body.into_inner();
    let signed_in = sign_in::finish(&state.services, ceremony, credential, &client).await?;
    // A passkey verified its user (screen lock or PIN) and is held by them: two factors.
    sign_in_session::complete(&session, signed_in.user_id, &SignInMethod::Passkey, &client)?;
    let location = if signed_in.must_change_password {
        "/account/password".to_owned()
    } else {
        safe_next(Some(&next)).to_owned()
    };
    Ok(HttpResponse::Ok().json(serde_json::json!({ "location": location })))
}
