//! The stylesheet, the upload script and the vendored htmx and tus-js-client, compiled into the binary so that a deployment
//! is one file.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::error::AppError;

/// Pinned htmx; version and sha256 are recorded in static/vendor/README.md.
pub const HTMX_PATH: &str = "/static/vendor/htmx-2.0.11.min.js";
/// Pinned tus-js-client (resumable uploads from the upload page), recorded alike.
pub const TUS_PATH: &str = "/static/vendor/tus-js-client-4.3.1.min.js";

const FILES: &[(&str, &str, &[u8], &str)] = &[
    (
        "vendor/htmx-2.0.11.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/vendor/htmx-2.0.11.min.js"),
        // Versioned name: never changes.
        "public, max-age=31536000, immutable",
    ),
    (
        "vendor/tus-js-client-4.3.1.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/vendor/tus-js-client-4.3.1.min.js"),
        "public, max-age=31536000, immutable",
    ),
    (
        "upload.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/upload.js"),
        "public, max-age=300",
    ),
    (
        "page_words.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/page_words.js"),
        "public, max-age=300",
    ),
    (
        "resumable.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/resumable.js"),
        "public, max-age=300",
    ),
    (
        "local_time.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/local_time.js"),
        "public, max-age=300",
    ),
    (
        "menu.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/menu.js"),
        "public, max-age=300",
    ),
    (
        "updated.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/updated.js"),
        "public, max-age=300",
    ),
    (
        "passkeys.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/passkeys.js"),
        "public, max-age=300",
    ),
    (
        "copy.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/copy.js"),
        "public, max-age=300",
    ),
    (
        "refusal.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/refusal.js"),
        "public, max-age=300",
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../static/favicon.svg"),
        "public, max-age=86400",
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/app.css"),
        "public, max-age=300",
    ),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/{path:.*}", web::get().to(serve));
}

async fn serve(path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (_, content_type, body, cache) = FILES
        .iter()
        .find(|(name, ..)| *name == path.as_str())
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(*content_type)
        .insert_header((header::CACHE_CONTROL, *cache))
        .body(*body))
}
