//! One error type for the web layer: a clear sentence and the right status for the user,
//! the full cause chain in the log, never a stack trace in a page.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::db::ids::{CompanyId, UserId};
use crate::domain::ClientInfo;
use crate::domain::FieldErrors;
use crate::domain::Via;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("The page you asked for does not exist.")]
    NotFound,
    /// Something outside the asker's company (or missing): answered exactly like
    /// [`AppError::NotFound`]; the service context records an `access_denied` row.
    #[error("The page you asked for does not exist.")]
    Denied(Box<Denial>),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadRequest(String),
    /// The request is understood but the current state refuses it (e.g. a cycle move).
    #[error("{0}")]
    Conflict(String),
    /// A form did not validate; the handler re-renders the form with these messages.
    /// Rendered on its own (a handler forgot to), it is a plain 422.
    #[error("Some fields need your attention.")]
    Invalid(FieldErrors),
    /// More than a limit allows (a file larger than the largest accepted).
    #[error("{0}")]
    TooLarge(String),
    /// A file of a kind the project does not take.
    #[error("{0}")]
    UnsupportedType(String),
    /// Another request holds the thing now (a resumable upload being written).
    #[error("{0}")]
    Locked(String),
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    #[error("Please sign in.")]
    Unauthenticated { htmx: bool },
    #[error("Please choose a new password first.")]
    PasswordChangeRequired { htmx: bool },
    #[error("{0}")]
    Unavailable(String),
    #[error("Something went wrong on our side. It has been logged; please try again.")]
    Unexpected(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::NotFound,
            // Forms check uniqueness first; landing here means a concurrent request won.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => AppError::Conflict(
                "Someone else just saved the same thing. Reload the page and try again.".into(),
            ),
            // The server went away mid-request (a restart, a failover): retryable.
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => {
                tracing::warn!(error = %info.message(), "lost the database connection");
                AppError::Unavailable(
                    "Hopper lost its database connection; please try again in a moment.".into(),
                )
            }
            other => AppError::Unexpected(anyhow::Error::new(other).context("database error")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        tracing::warn!(error = %e, "no database connection available");
        AppError::Unavailable("Hopper is busy right now; please try again in a moment.".into())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Unexpected(anyhow::Error::new(e).context("template rendering failed"))
    }
}

/// Who asked for what they may not see; becomes one `access_denied` audit row.
#[derive(Debug, Clone)]
pub struct Denial {
    /// Who asked: a user, or a link acting without one (wall screen, upload link).
    pub user: Option<UserId>,
    pub via: Option<Via>,
    pub name: String,
    pub company: CompanyId,
    pub resource_type: &'static str,
    pub resource_id: String,
    pub client: ClientInfo,
}

/// The page of an error, or of anything else that has only a sentence to say.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub message: String,
    pub status: u16,
}

impl AppError {
    fn title(&self) -> &'static str {
        match self {
            AppError::NotFound | AppError::Denied(_) => "Not found",
            AppError::Forbidden(_) => "Not allowed",
            AppError::BadRequest(_) => "Bad request",
            AppError::Conflict(_) | AppError::Locked(_) => "Not possible now",
            AppError::TooLarge(_) => "Too large",
            AppError::UnsupportedType(_) => "Not accepted",
            AppError::Invalid(_) => "Check the form",
            AppError::TooManyRequests { .. } => "Too many attempts",
            AppError::Unauthenticated { .. } | AppError::PasswordChangeRequired { .. } => "Sign in",
            AppError::Unavailable(_) => "Busy",
            AppError::Unexpected(_) => "Something went wrong",
        }
    }

    /// Where a redirecting error sends the browser.
    fn redirect_target(&self) -> Option<(&'static str, bool)> {
        match self {
            AppError::Unauthenticated { htmx } => Some(("/login", *htmx)),
            AppError::PasswordChangeRequired { htmx } => Some(("/account/password", *htmx)),
            _ => None,
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::Denied(_) => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Locked(_) => StatusCode::LOCKED,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unauthenticated { .. } | AppError::PasswordChangeRequired { .. } => {
                StatusCode::SEE_OTHER
            }
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Some((target, htmx)) = self.redirect_target() {
            // An htmx request would follow a 303 inside its XHR and swap the sign-in page
            // into a fragment; HX-Redirect makes it load the whole page instead.
            return if htmx {
                HttpResponse::Ok()
                    .insert_header(("HX-Redirect", target))
                    .finish()
            } else {
                HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, target))
                    .finish()
            };
        }
        if let AppError::Unexpected(cause) = self {
            tracing::error!(error = %format!("{cause:#}"), "request failed");
        }
        let status = self.status_code();
        let page = ErrorPage {
            title: self.title(),
            message: self.to_string(),
            status: status.as_u16(),
        };
        let body = page
            .render()
            .unwrap_or_else(|_| format!("{} {}", status.as_u16(), self.title()));
        let mut response = HttpResponse::build(status);
        response.content_type("text/html; charset=utf-8");
        // An error raised in a middleware (e.g. the session store) passes the headers
        // middleware by: the page carries them itself.
        for header in crate::web::security_headers::HEADERS {
            response.insert_header(header);
        }
        match self {
            AppError::TooManyRequests {
                retry_after_secs, ..
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            // Busy or an outage: worth another try in a few seconds.
            AppError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        response.body(body)
    }
}
