//! Errors of the JSON API as problem details (RFC 9457, `application/problem+json`) with
//! a stable, specific `code` programs can match on (a refusal's own, e.g.
//! `upload.cycle_closed`); the same causes as the pages' errors.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::{Language, Refusal};
use crate::error::AppError;
use crate::web::app_error::sentence_in;

/// The codes of problems that are not a domain refusal.
const GENERAL_CODES: &[&str] = &[
    "unauthorized",
    "not_found",
    "invalid",
    "too_many_requests",
    "unavailable",
    "internal",
];

/// Every `code` a problem can carry: the general ones and each refusal's.
pub fn all_codes() -> impl Iterator<Item = &'static str> {
    GENERAL_CODES.iter().copied().chain(Refusal::all_codes())
}

/// `code` in the OpenAPI document: a string, one of [`all_codes`].
fn code_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "Stable and specific: what went wrong, for a program to match on \
             (`upload.cycle_closed`, `tus.offset_moved`, `not_found`, …).",
        ))
        .enum_values(Some(all_codes()))
        .build()
}

/// An API error: an [`AppError`] of a use case, or a missing or refused token.
#[derive(Debug)]
pub enum Problem {
    App(AppError),
    /// An upload link's sender's problem: the same code and status, its detail in the
    /// sender's language (the page shows it beside the file).
    Said(AppError, Language),
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
    #[schema(schema_with = code_schema)]
    pub code: String,
}

impl Problem {
    /// This problem with its detail in `lang` (a sender's page reads it).
    pub fn in_language(self, lang: Language) -> Problem {
        match self {
            Problem::App(e) | Problem::Said(e, _) => Problem::Said(e.as_outsider_hears(), lang),
            other => other,
        }
    }

    fn app(&self) -> Option<&AppError> {
        match self {
            Problem::App(e) | Problem::Said(e, _) => Some(e),
            Problem::Unauthorized(_) => None,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Problem::Unauthorized(_) => "unauthorized",
            Problem::App(e) | Problem::Said(e, _) => match e {
                AppError::NotFound | AppError::Denied(_) => "not_found",
                AppError::Refused(refusal) => refusal.code(),
                AppError::Invalid(_) => "invalid",
                AppError::TooManyRequests { .. } => "too_many_requests",
                AppError::Unauthenticated { .. }
                | AppError::PasswordChangeRequired { .. }
                | AppError::SecondFactorEnrolmentRequired { .. } => "unauthorized",
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
            Problem::Said(e, lang) => f.write_str(&sentence_in(e, *lang)),
            Problem::Unauthorized(why) => f.write_str(why),
        }
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        match self.app() {
            None
            | Some(
                AppError::Unauthenticated { .. }
                | AppError::PasswordChangeRequired { .. }
                | AppError::SecondFactorEnrolmentRequired { .. },
            ) => StatusCode::UNAUTHORIZED,
            Some(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(AppError::Unexpected(cause)) = self.app() {
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
        match self.app() {
            None => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"hopper\""));
            }
            Some(AppError::TooManyRequests {
                retry_after_secs, ..
            }) => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            Some(AppError::Unavailable(_)) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&body).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::{all_codes, Problem};
    use crate::domain::refusal::{CycleRefused, TusRefused, UploadRefused};
    use crate::error::AppError;

    /// Whatever the error, its problem's code is one of those the OpenAPI document lists.
    #[test]
    fn every_problem_code_is_a_listed_one() {
        let listed: Vec<&str> = all_codes().collect();
        let problems = [
            Problem::Unauthorized("no token".into()),
            Problem::App(AppError::NotFound),
            Problem::App(AppError::Invalid(Default::default())),
            Problem::App(AppError::TooManyRequests {
                message: "slow down".into(),
                retry_after_secs: 1,
            }),
            Problem::App(AppError::Unauthenticated { htmx: false }),
            Problem::App(AppError::PasswordChangeRequired { htmx: false }),
            Problem::App(AppError::Unavailable("busy".into())),
            Problem::App(AppError::Unexpected(anyhow::anyhow!("boom"))),
            Problem::App(UploadRefused::BatchFinished.into()),
            Problem::App(CycleRefused::MoveNeedsReason("Why.".into()).into()),
            Problem::App(TusRefused::Claimed.into()),
            Problem::App(AppError::SecondFactorEnrolmentRequired { htmx: false }),
        ];
        for problem in &problems {
            assert!(listed.contains(&problem.code()), "{}", problem.code());
        }
        // Two refusals of one status, told apart.
        assert_ne!(problems[8].code(), problems[9].code());
    }
}
