//! What every page's layout needs: who is signed in, the CSRF token, a flash message.

use actix_session::Session;
use actix_web::HttpResponse;
use askama::Template;
use serde::{Deserialize, Serialize};

use crate::auth::session_keys;
use crate::auth::{CompanyAdmin, CompanySummary, SignedInUser};
use crate::domain::{Language, Role};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::services::branding::Brand;
use crate::web::filters::time_in;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

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
        // `remove` marks the session changed even for a missing key, and a changed
        // session is written back: without this check every page cost a database write.
        if !session.entries().contains_key(session_keys::FLASH) {
            return None;
        }
        session
            .remove_as::<Flash>(session_keys::FLASH)
            .and_then(Result::ok)
    }
}

pub struct PageContext {
    pub user: Option<SignedInUser>,
    pub csrf_token: String,
    pub flash: Option<Flash>,
    /// The company the operator is administering, shown as a banner on every page.
    pub operator_visit: Option<CompanySummary>,
    /// The firm an outsider's page belongs to: its name, logo and colour head the page
    /// instead of Hopper's bar.
    pub brand: Option<Brand>,
    /// The page's language (`<html lang>`, the catalogue's messages, dates and sizes):
    /// an upload link's for its visitor; English on the staff's pages for now.
    pub lang: Language,
}

impl PageContext {
    pub fn signed_in(user: &SignedInUser, session: &Session) -> Self {
        Self {
            user: Some(user.clone()),
            csrf_token: user.csrf_token.clone(),
            flash: Flash::take(session),
            operator_visit: None,
            brand: None,
            lang: Language::En,
        }
    }

    /// The page of a company administration screen.
    pub fn admin(admin: &CompanyAdmin, session: &Session) -> Self {
        let mut page = Self::signed_in(&admin.user, session);
        if admin.operator_visit {
            page.operator_visit = Some(admin.company.clone());
        }
        page
    }

    /// The viewer's timezone, for the `local` filter: every time on every page is shown
    /// in it.
    pub fn timezone(&self) -> Tz {
        self.user.as_ref().map_or(Tz::UTC, |u| u.timezone)
    }

    /// A time in the viewer's timezone, for code outside templates.
    pub fn time(&self, at: &DateTime<Utc>) -> String {
        time_in(*at, self.timezone())
    }

    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role.is_admin())
    }

    pub fn is_operator(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.role == Role::Superadmin)
    }

    pub fn anonymous(csrf_token: String, flash: Option<Flash>) -> Self {
        Self {
            user: None,
            csrf_token,
            flash,
            operator_visit: None,
            brand: None,
            lang: Language::En,
        }
    }

    /// The page headed by a firm's branding (an upload link's pages).
    pub fn with_brand(mut self, brand: Option<Brand>) -> Self {
        self.brand = brand;
        self
    }

    /// The same page in `lang`.
    pub fn in_language(mut self, lang: Language) -> Self {
        self.lang = lang;
        self
    }

    /// A message of the catalogue in the page's language: `{{ page.tr("link-title") }}`, with
    /// `.arg("name", value)` / `.num("count", n)` for its arguments.
    pub fn tr(&self, key: &'static str) -> Msg {
        Msg::new(self.lang, key)
    }

    /// A message whose key is made at run time (e.g. `request-status-{status}`).
    pub fn tr_dyn(&self, key: String) -> Msg {
        Msg::new(self.lang, key)
    }

    /// A size as the page's language writes it.
    pub fn size(&self, bytes: impl crate::web::filters::ByteCount) -> String {
        bytes.byte_count().map_or_else(
            || "—".to_owned(),
            |b| crate::i18n::format::size(self.lang, b),
        )
    }

    /// A moment in the viewer's timezone as the page's language writes it.
    pub fn when(&self, at: impl crate::web::filters::Moment) -> String {
        at.moment().map_or_else(
            || "—".to_owned(),
            |at| crate::i18n::format::moment(self.lang, at, self.timezone()),
        )
    }

    /// The scripts' messages in the page's language, as JSON for a data block.
    pub fn script_messages(&self) -> String {
        crate::i18n::script_messages(self.lang)
    }
}

pub fn render<T: Template>(template: &T) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(template.render()?))
}

/// A moment as `static/updated.js` reads it ("updated 12 s ago").
pub fn stamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
