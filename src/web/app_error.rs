//! How an [`AppError`] answers a browser: the status its cause calls for, and a page with
//! its sentence (or a redirect to sign in); the full cause chain in the log, never a stack
//! trace in a page. The API answers the same errors as problem documents (`problem`).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::domain::{Language, RefusalKind};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::services::branding::Brand;

/// The page of an error, or of anything else that has only a sentence to say.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub message: String,
    pub status: u16,
    /// Shown to someone outside the company (an upload link's sender, a wall screen):
    /// no staff navigation, nothing that leads into the staff's pages.
    pub outsider: bool,
    /// The firm whose page this is, for an outsider: its header instead of Hopper's.
    pub brand: Option<&'a Brand>,
    /// The page's language (an upload link's for its visitor).
    pub lang: Language,
}

impl ErrorPage<'_> {
    fn tr(&self, key: &'static str) -> Msg {
        Msg::new(self.lang, key)
    }
}

/// The status of a refusal of this kind.
fn refusal_status(kind: RefusalKind) -> StatusCode {
    match kind {
        RefusalKind::StateForbids => StatusCode::CONFLICT,
        RefusalKind::BadInput => StatusCode::BAD_REQUEST,
        RefusalKind::NoRight => StatusCode::FORBIDDEN,
        RefusalKind::OverLimit => StatusCode::PAYLOAD_TOO_LARGE,
        RefusalKind::TypeNotTaken => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        RefusalKind::InUse => StatusCode::LOCKED,
        RefusalKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

fn title(error: &AppError) -> &'static str {
    match error {
        AppError::NotFound | AppError::Denied(_) => "Not found",
        AppError::Refused(refusal) => match refusal.kind() {
            RefusalKind::NoRight => "Not allowed",
            RefusalKind::BadInput => "Bad request",
            RefusalKind::StateForbids | RefusalKind::InUse | RefusalKind::Unprocessable => {
                "Not possible now"
            }
            RefusalKind::OverLimit => "Too large",
            RefusalKind::TypeNotTaken => "Not accepted",
        },
        AppError::Invalid(_) => "Check the form",
        AppError::TooManyRequests { .. } => "Too many attempts",
        AppError::Unauthenticated { .. }
        | AppError::PasswordChangeRequired { .. }
        | AppError::SecondFactorEnrolmentRequired { .. } => "Sign in",
        AppError::Unavailable(_) => "Busy",
        AppError::Unexpected(_) => "Something went wrong",
    }
}

/// [`title`] as `lang` says it, by the same cases.
fn title_in(error: &AppError, lang: Language) -> String {
    if lang == Language::En {
        return title(error).to_owned();
    }
    let key = match error {
        AppError::NotFound | AppError::Denied(_) => "error-not-found",
        AppError::Refused(refusal) => match refusal.kind() {
            RefusalKind::NoRight => "error-not-allowed",
            RefusalKind::BadInput => "error-bad-request",
            RefusalKind::StateForbids | RefusalKind::InUse | RefusalKind::Unprocessable => {
                "error-not-possible"
            }
            RefusalKind::OverLimit => "error-too-large",
            RefusalKind::TypeNotTaken => "error-not-accepted",
        },
        AppError::Invalid(_) => "error-check-form",
        AppError::TooManyRequests { .. } => "error-too-many",
        AppError::Unavailable(_) => "error-busy",
        AppError::Unauthenticated { .. }
        | AppError::PasswordChangeRequired { .. }
        | AppError::SecondFactorEnrolmentRequired { .. } => return title(error).to_owned(),
        AppError::Unexpected(_) => "error-went-wrong",
    };
    Msg::new(lang, key).to_string()
}

/// An error's sentence as `lang` says it: a refusal by its code, the rest by its case;
/// English is the error's own sentence.
pub fn sentence_in(error: &AppError, lang: Language) -> String {
    if lang == Language::En {
        return error.to_string();
    }
    let key = match error {
        AppError::Refused(refusal) => return crate::i18n::refusal(lang, refusal),
        AppError::NotFound | AppError::Denied(_) => "error-page-missing",
        AppError::Invalid(_) => "error-fields",
        AppError::TooManyRequests {
            retry_after_secs, ..
        } => {
            return Msg::new(lang, "error-too-many-wait")
                .num("seconds", *retry_after_secs)
                .to_string()
        }
        AppError::Unexpected(_) => "error-unexpected",
        _ => return error.to_string(),
    };
    Msg::new(lang, key).to_string()
}

/// Where a redirecting error sends the browser.
fn redirect_target(error: &AppError) -> Option<(&'static str, bool)> {
    match error {
        AppError::Unauthenticated { htmx } => Some(("/login", *htmx)),
        AppError::PasswordChangeRequired { htmx } => Some(("/account/password", *htmx)),
        AppError::SecondFactorEnrolmentRequired { htmx } => Some(("/account/two-factor", *htmx)),
        _ => None,
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::Denied(_) => StatusCode::NOT_FOUND,
            AppError::Refused(refusal) => refusal_status(refusal.kind()),
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unauthenticated { .. }
            | AppError::PasswordChangeRequired { .. }
            | AppError::SecondFactorEnrolmentRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Some((target, htmx)) = redirect_target(self) {
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
        self.page_response(None, None)
    }
}

impl AppError {
    /// The error as a page for someone outside the company (an upload link's sender):
    /// the same status, title and sentence, without the staff's navigation.
    pub fn outsider_response(&self, lang: Language) -> HttpResponse {
        let hears = self.in_outsiders_words();
        hears
            .as_ref()
            .unwrap_or(self)
            .page_response(Some(lang), None)
    }

    /// [`AppError::outsider_response`] headed by the firm's branding.
    pub fn branded_response(&self, lang: Language, brand: Option<&Brand>) -> HttpResponse {
        let hears = self.in_outsiders_words();
        hears
            .as_ref()
            .unwrap_or(self)
            .page_response(Some(lang), brand)
    }

    /// The error as a sender hears it: [`AppError::in_outsiders_words`], else itself.
    pub fn as_outsider_hears(self) -> AppError {
        self.in_outsiders_words().unwrap_or(self)
    }

    /// The error in the words a sender knows, where the staff's differ: a cycle that
    /// closed meanwhile is "this collection is closed" (a sender never sees cycle codes
    /// such as "C1").
    fn in_outsiders_words(&self) -> Option<AppError> {
        match self {
            AppError::Refused(refusal) => {
                let heard = refusal.clone().for_outsider();
                (&heard != refusal).then_some(AppError::Refused(heard))
            }
            _ => None,
        }
    }

    /// `outsider`: the language of an outsider's page; `None` for the staff's.
    fn page_response(&self, outsider: Option<Language>, brand: Option<&Brand>) -> HttpResponse {
        if let AppError::Unexpected(cause) = self {
            tracing::error!(error = %format!("{cause:#}"), "request failed");
        }
        let status = self.status_code();
        let lang = outsider.unwrap_or_default();
        let said_title = title_in(self, lang);
        let page = ErrorPage {
            title: &said_title,
            message: sentence_in(self, lang),
            status: status.as_u16(),
            outsider: outsider.is_some(),
            lang,
            brand,
        };
        let body = page
            .render()
            .unwrap_or_else(|_| format!("{} {}", status.as_u16(), title(self)));
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
