//! Errors of the JSON API as problem details (RFC 9457, `application/problem+json`) with
//! a stable `code` programs can match on; the same causes as the pages' errors.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::error::AppError;

/// An API error: an [`AppError`] of a use case, or a missing or refused token.
#[derive(Debug)]
pub enum Problem {
    App(AppError),
    /// No usable token (401, with `WWW-Authenticate: Bearer`).
    Unauthorized(String),
}

impl From<AppError> for Problem {
    fn from(e: AppError) -> Self {
        Problem::App(e)
    }
}

/// The body of a problem; documented in the OpenAPI file.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemBody {
    /// A URI reference naming the problem (`/api/v1/problems/{code}`).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// A sentence for a person.
    pub detail: String,
    /// Stable: `unauthorized`, `forbidden`, `not_found`, `bad_request`, `conflict`,
    /// `too_large`, `unsupported_type`, `locked`, `invalid`, `too_many_requests`,
    /// `unavailable`, `internal`.
    pub code: String,
}

impl Problem {
    fn code(&self) -> &'static str {
        match self {
            Problem::Unauthorized(_) => "unauthorized",
            Problem::App(e) => match e {
                AppError::NotFound | AppError::Denied(_) => "not_found",
                AppError::Forbidden(_) => "forbidden",
                AppError::BadRequest(_) => "bad_request",
                AppError::Conflict(_) => "conflict",
                AppError::TooLarge(_) => "too_large",
                AppError::UnsupportedType(_) => "unsupported_type",
                AppError::Locked(_) => "locked",
                AppError::Invalid(_) => "invalid",
                AppError::TooManyRequests { .. } => "too_many_requests",
                AppError::Unauthenticated { .. } | AppError::PasswordChangeRequired { .. } => {
                    "unauthorized"
                }
                AppError::Unavailable(_) => "unavailable",
                AppError::Unexpected(_) => "internal",
            },
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::App(e) => e.fmt(f),
            Problem::Unauthorized(why) => f.write_str(why),
        }
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        match self {
            Problem::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Problem::App(
                AppError::Unauthenticated { .. } | AppError::PasswordChangeRequired { .. },
            ) => StatusCode::UNAUTHORIZED,
            Problem::App(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Problem::App(AppError::Unexpected(cause)) = self {
            tracing::error!(error = %format!("{cause:#}"), "API request failed");
        }
        let status = self.status_code();
        let code = self.code();
        let body = ProblemBody {
            kind: format!("/api/v1/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.to_string(),
            code: code.to_owned(),
        };
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        match self {
            Problem::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"hopper\""));
            }
            Problem::App(AppError::TooManyRequests {
                retry_after_secs, ..
            }) => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            Problem::App(AppError::Unavailable(_)) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&body).unwrap_or_default())
    }
}
