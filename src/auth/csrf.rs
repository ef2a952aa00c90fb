//! CSRF protection for every state-changing request, as middleware so that no route can
//! forget it. The token travels in the `X-CSRF-Token` header (htmx sends it through
//! `hx-headers`) or in a `csrf_token` form field (plain forms, JavaScript off).
//!
//! Signed in, the token is bound to the session. Before sign-in (the sign-in form itself)
//! it is a double-submit cookie, so anonymous visitors never create session rows.

use actix_multipart::Multipart;
use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpMessage, HttpRequest, ResponseError};
use futures_util::StreamExt;
use subtle::ConstantTimeEq;

use crate::auth::session_keys;
use crate::domain::refusal::{AccessRefused, InputRefused};
use crate::error::AppError;
use crate::web::paced_body::{Pace, PaceWatch, PacedBody};

pub const HEADER: &str = "X-CSRF-Token";
pub const FORM_FIELD: &str = "csrf_token";
pub const ANONYMOUS_COOKIE: &str = "hopper_csrf";
/// The same under HTTPS: `Secure`, and `__Host-` so no subdomain can set or shadow it.
pub const SECURE_ANONYMOUS_COOKIE: &str = "__Host-hopper_csrf";

/// Whether cookies are marked `Secure` (Hopper is served over HTTPS).
fn cookies_secure(req: &HttpRequest) -> bool {
    req.app_data::<actix_web::web::Data<crate::state::AppState>>()
        .is_some_and(|state| state.config.session.cookie_secure)
}

fn anonymous_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_ANONYMOUS_COOKIE
    } else {
        ANONYMOUS_COOKIE
    }
}
/// Forms are small; a bigger url-encoded body is refused before it is buffered.
const MAX_FORM_BYTES: usize = 64 * 1024;

pub use crate::domain::tokens::random_token as generate_token;

/// The token a page must embed: the session's when signed in, otherwise the anonymous
/// cookie's (a new one, with the cookie to set, when the visitor has none yet).
pub fn token_for(req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    if let Ok(Some(token)) = req.get_session().get::<String>(session_keys::CSRF) {
        return (token, None);
    }
    let secure = cookies_secure(req);
    if let Some(cookie) = req.cookie(anonymous_cookie_name(secure)) {
        if !cookie.value().is_empty() {
            return (cookie.value().to_owned(), None);
        }
    }
    let token = generate_token();
    let cookie = Cookie::build(anonymous_cookie_name(secure), token.clone())
        .secure(secure)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    (token, Some(cookie))
}

/// What the middleware concluded, for [`CheckedMultipart`]: the token was verified, or
/// (a multipart route of [`crate::routes::MULTIPART_ROUTES`] posted by a plain form,
/// JavaScript off) it travels as the body's first field and is still to be checked.
#[derive(Debug, Clone)]
enum Verdict {
    Verified,
    InFirstField { expected: String },
}

/// Constant-time comparison; an empty expected token never matches.
fn tokens_match(expected: &str, provided: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(provided.as_bytes()))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn forbidden(req: ServiceRequest, refused: AccessRefused) -> ServiceResponse<BoxBody> {
    let response = AppError::from(refused).error_response();
    req.into_response(response)
}

pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // A bearer token carries no ambient authority: no cookie is read on its requests.
    let bearer = crate::auth::api_caller::bearer(req.request()).is_some();
    let api = req.match_pattern().is_some_and(|pattern| {
        crate::routes::is_api_route(&pattern) || (bearer && crate::routes::takes_bearer(&pattern))
    });
    if is_safe(req.method()) || api {
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
        return Ok(forbidden(req, AccessRefused::CrossSite));
    }

    let expected = match req.get_session().get::<String>(session_keys::CSRF) {
        Ok(Some(token)) => Some(token),
        _ => req
            .cookie(anonymous_cookie_name(cookies_secure(req.request())))
            .map(|c| c.value().to_owned()),
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
    // Declared in the route table, not guessed from the path: only these handlers read
    // their body through `CheckedMultipart`, which checks the first field.
    let deferrable = req
        .match_pattern()
        .is_some_and(|pattern| crate::routes::MULTIPART_ROUTES.contains(&pattern.as_str()));
    if provided.is_none() && deferrable && is_multipart(req.headers()) {
        if let Some(expected) = expected {
            req.extensions_mut()
                .insert(Verdict::InFirstField { expected });
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
                let response = AppError::from(InputRefused::FormTooLarge).error_response();
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
        return Ok(forbidden(req, AccessRefused::FormNotFromHopper));
    }
    req.extensions_mut().insert(Verdict::Verified);
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

fn is_multipart(headers: &header::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"))
}

/// A multipart body that can only be opened through its CSRF check: verified by the
/// middleware (header), or here from the body's first field before any file is read. A
/// multipart handler takes this instead of the raw payload, so it cannot forget the check;
/// it opens the body when it is ready to read it (after its own scope checks).
pub struct CheckedMultipart {
    verdict: Option<Verdict>,
    multipart: Option<Multipart>,
    idle: std::time::Duration,
    pace: PaceWatch,
}

impl CheckedMultipart {
    /// Whether the body was cut off for its pace (too slow, or past its deadline).
    pub fn pace(&self) -> PaceWatch {
        self.pace.clone()
    }

    /// The body, once its token is known to be good.
    pub async fn open(self) -> Result<Multipart, AppError> {
        let Some(mut multipart) = self.multipart else {
            return Err(AppError::from(InputRefused::NotMultipart));
        };
        match self.verdict {
            Some(Verdict::Verified) => Ok(multipart),
            Some(Verdict::InFirstField { expected }) => {
                check_first_field(&mut multipart, &expected, self.idle).await?;
                Ok(multipart)
            }
            None => Err(AccessRefused::FormNotFromHopper.into()),
        }
    }
}

impl FromRequest for CheckedMultipart {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let limits = req
            .app_data::<actix_web::web::Data<crate::state::AppState>>()
            .map(|s| s.config.uploads.clone())
            .unwrap_or_default();
        let pace = Pace {
            min_rate: limits.min_rate,
            window: limits.rate_window,
            deadline: limits.max_request_duration,
        };
        let watch = PaceWatch::default();
        let multipart = is_multipart(req.headers()).then(|| {
            let body = PacedBody::new(payload.take(), pace, watch.clone());
            Multipart::new(req.headers(), body)
        });
        std::future::ready(Ok(CheckedMultipart {
            verdict: req.extensions().get::<Verdict>().cloned(),
            multipart,
            idle: limits.idle_timeout,
            pace: watch,
        }))
    }
}

/// A plain form (no JavaScript) carries its CSRF token as the first field, before any file.
async fn check_first_field(
    multipart: &mut Multipart,
    expected: &str,
    idle: std::time::Duration,
) -> Result<(), AppError> {
    let refused = || AppError::from(AccessRefused::FormNotFromHopper);
    let mut field = match tokio::time::timeout(idle, multipart.next()).await {
        Ok(Some(Ok(field))) => field,
        _ => return Err(refused()),
    };
    if field.name() != Some(FORM_FIELD) {
        return Err(refused());
    }
    let mut value = Vec::new();
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout(idle, field.next()).await {
        value.extend_from_slice(&chunk);
        if value.len() > 256 {
            return Err(refused());
        }
    }
    match std::str::from_utf8(&value) {
        Ok(provided) if tokens_match(expected, provided) => Ok(()),
        _ => Err(refused()),
    }
}
