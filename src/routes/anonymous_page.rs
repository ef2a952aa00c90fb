//! A page for someone who is not signed in (the sign-in steps, an upload link's pages):
//! its forms carry the anonymous double-submit CSRF token, whose cookie is set with the
//! page when the browser has none yet.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use crate::auth::csrf;
use crate::error::AppError;

/// The page `render` makes with the browser's CSRF token, answered with `status`.
pub(super) fn anonymous_page(
    req: &HttpRequest,
    status: StatusCode,
    render: impl FnOnce(String) -> Result<String, askama::Error>,
) -> Result<HttpResponse, AppError> {
    let (token, cookie) = csrf::token_for(req);
    let body = render(token)?;
    let mut response = HttpResponse::build(status);
    response.content_type("text/html; charset=utf-8");
    if let Some(cookie) = cookie {
        response.cookie(cookie);
    }
    Ok(response.body(body))
}
