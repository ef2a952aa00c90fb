//! One error type for every use case: a domain refusal with its sentence and code, a
//! form's field errors, or a cause people cannot act on (carried whole for the log). The
//! web edge (`web::app_error`, `web::problem`) alone turns it into a status and a page or
//! problem document.

use crate::db::ids::{CompanyId, UserId};
use crate::domain::refusal::{ConcurrencyRefused, InputRefused};
use crate::domain::ClientInfo;
use crate::domain::FieldErrors;
use crate::domain::Refusal;
use crate::domain::Via;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("The page you asked for does not exist.")]
    NotFound,
    /// Something outside the asker's company (or missing): answered exactly like
    /// [`AppError::NotFound`]; the service context records an `access_denied` row.
    #[error("The page you asked for does not exist.")]
    Denied(Box<Denial>),
    /// A rule of the domain refuses the request; the refusal says which and why.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A form did not validate; the handler re-renders the form with these messages.
    /// Rendered on its own (a handler forgot to), it is a plain 422.
    #[error("Some fields need your attention.")]
    Invalid(FieldErrors),
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    #[error("Please sign in.")]
    Unauthenticated { htmx: bool },
    #[error("Please choose a new password first.")]
    PasswordChangeRequired { htmx: bool },
    /// A policy requires a second factor and the user has none yet.
    #[error("Please set up two-factor sign-in first.")]
    SecondFactorEnrolmentRequired { htmx: bool },
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
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                ConcurrencyRefused::SavedMeanwhile.into()
            }
            // PostgreSQL stores no NUL in text: whatever field a person (or a hostile
            // client) typed one into, the use case rolls back and says so.
            Error::DatabaseError(_, info)
                if info.message().contains("invalid byte sequence")
                    && info.message().contains("0x00") =>
            {
                InputRefused::NulCharacter.into()
            }
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
