//! CSRF protection for every state-changing request, as middleware so that no route can
//! forget it. The token travels in the `X-CSRF-Token` header (htmx sends it through
//! `hx-headers`) or in a `csrf_token` form field (plain forms, JavaScript off).
//!
//! Signed in, the token is bound to the session. Before sign-in (the sign-in form itself)
//! it is a double-submit cookie, so anonymous visitors never create session rows.

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpMessage, HttpRequest, ResponseError};
use base64::Engine;
use futures_util::StreamExt;
use rand::RngCore;
use subtle::ConstantTimeEq;

use crate::auth::session_keys;
use crate::error::AppError;

pub const HEADER: &str = "X-CSRF-Token";
pub const FORM_FIELD: &str = "csrf_token";
pub const ANONYMOUS_COOKIE: &str = "hopper_csrf";
/// Forms are small; a bigger url-encoded body is refused before it is buffered.
const MAX_FORM_BYTES: usize = 64 * 1024;

pub fn generate_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The token a page must embed: the session's when signed in, otherwise the anonymous
/// cookie's (a new one, with the cookie to set, when the visitor has none yet).
pub fn token_for(req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    if let Ok(Some(token)) = req.get_session().get::<String>(session_keys::CSRF) {
        return (token, None);
    }
    if let Some(cookie) = req.cookie(ANONYMOUS_COOKIE) {
        if !cookie.value().is_empty() {
            return (cookie.value().to_owned(), None);
        }
    }
    let token = generate_token();
    let cookie = Cookie::build(ANONYMOUS_COOKIE, token.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    (token, Some(cookie))
}

/// Set on an upload request whose token travels inside the multipart body (a plain form,
/// JavaScript off): the upload handler must find it in the first field before reading any
/// file. Only upload routes (`…/upload`) may defer the check.
#[derive(Debug, Clone)]
pub struct TokenInFirstField {
    expected: String,
}

impl TokenInFirstField {
    pub fn matches(&self, provided: &str) -> bool {
        tokens_match(&self.expected, provided)
    }
}

/// Constant-time comparison; an empty expected token never matches.
fn tokens_match(expected: &str, provided: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(provided.as_bytes()))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn forbidden(req: ServiceRequest, message: &str) -> ServiceResponse<BoxBody> {
    let response = AppError::Forbidden(message.to_owned()).error_response();
    req.into_response(response)
}

pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if is_safe(req.method()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let cross_site = req
        .headers()
        .get("Sec-Fetch-Site")
        .is_some_and(|v| v.as_bytes() == b"cross-site");
    if cross_site {
        return Ok(forbidden(
            req,
            "Requests from other sites are not accepted.",
        ));
    }

    let expected = match req.get_session().get::<String>(session_keys::CSRF) {
        Ok(Some(token)) => Some(token),
        _ => req.cookie(ANONYMOUS_COOKIE).map(|c| c.value().to_owned()),
    };

    let mut provided = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let is_multipart_upload = req.path().ends_with("/upload")
        && req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    if provided.is_none() && is_multipart_upload {
        if let Some(expected) = expected {
            req.extensions_mut().insert(TokenInFirstField { expected });
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body);
        }
    }
    if provided.is_none() && is_form {
        let mut payload = req.take_payload();
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            body.extend_from_slice(&chunk?);
            if body.len() > MAX_FORM_BYTES {
                let response =
                    AppError::BadRequest("The form is too large.".into()).error_response();
                return Ok(req.into_response(response));
            }
        }
        let body: Bytes = body.freeze();
        provided = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .ok()
            .and_then(|fields| fields.into_iter().find(|(k, _)| k == FORM_FIELD))
            .map(|(_, v)| v);
        req.set_payload(actix_web::dev::Payload::from(body));
    }

    let valid = match (expected, provided) {
        (Some(expected), Some(provided)) => tokens_match(&expected, &provided),
        _ => false,
    };
    if !valid {
        tracing::info!("request refused: missing or invalid CSRF token");
        return Ok(forbidden(
            req,
            "This form has expired or did not come from Hopper. Reload the page and try again.",
        ));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}
