//! The guard of the JSON API: a bearer token (`Authorization: Bearer hop_…`), resolved
//! afresh on every request into the actor it calls as. Cookies are never looked at, so
//! API requests carry no ambient authority and need no CSRF token.

use actix_web::dev::Payload;
use actix_web::{http::header, web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::auth::ClientInfo;
use crate::services::{api_tokens, Actor};
use crate::state::AppState;
use crate::web::problem::Problem;

/// A program calling with a token that works.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub actor: Actor,
}

/// The token of `Authorization: Bearer <token>`, if the header has that shape.
pub fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty() && t.len() <= 200)
}

impl FromRequest for ApiCaller {
    type Error = Problem;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Resolved already (the idempotency middleware needed the token): the same caller.
        if let Some(caller) = req.extensions().get::<ApiCaller>().cloned() {
            return Box::pin(async move { Ok(caller) });
        }
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| Problem::Unauthorized("Hopper is starting.".into()))?;
            let Some(token) = bearer(&req) else {
                return Err(Problem::Unauthorized(
                    "Send an API token: Authorization: Bearer hop_…".into(),
                ));
            };
            match api_tokens::authenticate(&state.services, token, ClientInfo::from_request(&req))
                .await?
            {
                Ok(actor) => Ok(ApiCaller { actor }),
                Err(refused) => Err(Problem::Unauthorized(refused.sentence().into())),
            }
        })
    }
}
