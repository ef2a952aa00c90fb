//! Who sends a resumable upload: a program with a bearer token, or a signed-in browser
//! (its session; the CSRF middleware has checked its header). With a bearer token the
//! cookies are not looked at.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::auth::api_caller::{bearer, ApiCaller};
use crate::auth::Member;
use crate::error::AppError;
use crate::services::Actor;
use crate::web::problem::Problem;

#[derive(Debug, Clone)]
pub struct Uploader {
    pub actor: Actor,
}

impl FromRequest for Uploader {
    type Error = Problem;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if bearer(req).is_some() {
            let caller = ApiCaller::from_request(req, payload);
            return Box::pin(async move {
                Ok(Uploader {
                    actor: caller.await?.actor,
                })
            });
        }
        let member = Member::from_request(req, payload);
        Box::pin(async move {
            match member.await {
                Ok(member) => Ok(Uploader {
                    actor: member.actor,
                }),
                Err(
                    AppError::Unauthenticated { .. }
                    | AppError::PasswordChangeRequired { .. }
                    | AppError::SecondFactorEnrolmentRequired { .. },
                ) => Err(Problem::Unauthorized(
                    "Sign in, or send an API token (Authorization: Bearer hop_…).".into(),
                )),
                Err(other) => Err(other.into()),
            }
        })
    }
}
