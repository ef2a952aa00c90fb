//! What every page's layout needs: who is signed in, the CSRF token, a flash message.

use actix_session::Session;
use actix_web::HttpResponse;
use askama::Template;
use serde::{Deserialize, Serialize};

use crate::auth::session_keys;
use crate::auth::SignedInUser;
use crate::error::AppError;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// `success` or `info`.
    pub kind: String,
    pub text: String,
}

impl Flash {
    pub fn success(text: impl Into<String>) -> Self {
        Self {
            kind: "success".into(),
            text: text.into(),
        }
    }

    pub fn info(text: impl Into<String>) -> Self {
        Self {
            kind: "info".into(),
            text: text.into(),
        }
    }

    /// Shown once, on the next page this session renders.
    pub fn set(session: &Session, flash: Flash) {
        if let Err(e) = session.insert(session_keys::FLASH, flash) {
            tracing::warn!(error = %e, "could not store a flash message");
        }
    }

    pub fn take(session: &Session) -> Option<Flash> {
        session
            .remove_as::<Flash>(session_keys::FLASH)
            .and_then(Result::ok)
    }
}

pub struct PageContext {
    pub user: Option<SignedInUser>,
    pub csrf_token: String,
    pub flash: Option<Flash>,
}

impl PageContext {
    pub fn signed_in(user: &SignedInUser, session: &Session) -> Self {
        Self {
            user: Some(user.clone()),
            csrf_token: user.csrf_token.clone(),
            flash: Flash::take(session),
        }
    }

    pub fn anonymous(csrf_token: String, flash: Option<Flash>) -> Self {
        Self {
            user: None,
            csrf_token,
            flash,
        }
    }
}

pub fn render<T: Template>(template: &T) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(template.render()?))
}
