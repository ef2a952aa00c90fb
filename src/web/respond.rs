//! Responses shared by the form handlers: redirect after a successful POST (htmx or not)
//! and re-render a form with its errors.

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::error::AppError;
use crate::web::{FieldErrors, Flash};

pub fn is_htmx(req: &HttpRequest) -> bool {
    req.headers().contains_key("HX-Request")
}

/// The target element of an htmx request, if any.
pub fn htmx_target(req: &HttpRequest) -> Option<&str> {
    req.headers().get("HX-Target").and_then(|v| v.to_str().ok())
}

/// After a successful POST: 303 for a plain form, `HX-Redirect` for htmx (a full page
/// load, so the flash message and the new state show everywhere on the page).
pub fn see_other(req: &HttpRequest, location: &str) -> HttpResponse {
    if is_htmx(req) {
        // htmx sets `location.href`; a target differing from the current page only by its
        // `#fragment` would merely scroll, so the fragment is dropped to force the load.
        let path = location.split('#').next().unwrap_or(location);
        HttpResponse::Ok()
            .insert_header(("HX-Redirect", path))
            .finish()
    } else {
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location))
            .finish()
    }
}

/// After a successful POST: a success message for the next page, then the redirect.
pub fn done(
    req: &HttpRequest,
    session: &Session,
    message: impl Into<String>,
    location: &str,
) -> HttpResponse {
    Flash::set(session, Flash::success(message));
    see_other(req, location)
}

/// A page or fragment with the given status.
pub fn html<T: Template>(status: StatusCode, template: &T) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(template.render()?))
}

/// A form page's status: 200 blank or accepted, 422 when it shows what did not validate.
pub fn form_status(errors: &FieldErrors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A form that did not validate: 422, the form again with the messages and the input.
pub fn invalid<T: Template>(template: &T) -> Result<HttpResponse, AppError> {
    html(StatusCode::UNPROCESSABLE_ENTITY, template)
}

/// The whole page, or for an htmx request the block of it that the request swaps
/// (`as_table`, `as_form`, … from askama's `blocks`). A macro because the block borrows
/// the page.
#[macro_export]
macro_rules! page_or_partial {
    ($req:expr, $status:expr, $page:expr, $block:ident) => {
        if $crate::web::is_htmx($req) {
            $crate::web::html($status, &$page.$block())
        } else {
            $crate::web::html($status, &$page)
        }
    };
}
