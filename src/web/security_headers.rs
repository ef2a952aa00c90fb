//! Headers every response carries. The CSP allows no inline script or style: htmx is
//! configured from a meta tag and the stylesheet is a file of our own.

use actix_web::middleware::DefaultHeaders;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Every response's headers (HSTS aside, which depends on HTTPS). Pages show tenant data:
/// nothing is cached; static files set their own policy.
pub const HEADERS: [(&str, &str); 7] = [
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    (
        "Permissions-Policy",
        "camera=(), microphone=(), geolocation=()",
    ),
    ("Cache-Control", "no-store"),
];

pub fn default_headers(https: bool) -> DefaultHeaders {
    let headers = HEADERS
        .iter()
        .fold(DefaultHeaders::new(), |headers, header| {
            headers.add(*header)
        });
    if https {
        headers.add((
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ))
    } else {
        headers
    }
}
