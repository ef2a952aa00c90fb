//! The language of an upload link's answers: the link's own, else its company's, else the
//! browser's `Accept-Language`, else English; and what a link that opens nothing says
//! in it (an unknown link: the browser's language). Every such answer is the sender's:
//! without the staff's navigation and, where the link's firm is known, under its brand.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use std::future::Future;

use crate::domain::Language;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::routes::link_visit::entry;
use crate::services::branding::{self, Brand};
use crate::services::upload_links::{ClosedLink, ClosedWhy, Entry};
use crate::state::AppState;
use crate::web::app_error::ErrorPage;
use crate::web::{html, Ctx};

/// What the browser asks for (`Accept-Language`), for a link that chose no language.
pub(super) fn accept_language(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(actix_web::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}

/// The language of a link's answer.
pub(super) fn language_of(req: &HttpRequest, entry: &Entry) -> Language {
    let asked = accept_language(req);
    match entry {
        Entry::Stranger(open) | Entry::Visitor(open, _) => open.language(asked),
        Entry::Closed(closed) => closed.language(asked),
        Entry::Unknown => Language::choose(None, None, asked),
    }
}

/// Where the browser stands with the link and the language to answer in; a failure to
/// find out is already the outsider's error page, in the browser's language.
pub(super) async fn entered(ctx: &Ctx, token: &str) -> Result<(Entry, Language), HttpResponse> {
    match entry(ctx, token).await {
        Ok(entry) => {
            let lang = language_of(&ctx.req, &entry);
            Ok((entry, lang))
        }
        Err(e) => {
            let lang = Language::choose(None, None, accept_language(&ctx.req));
            Err(e.outsider_response(lang))
        }
    }
}

/// The branding of the link's firm, for a page that has nothing else to go on; none when
/// it cannot be had (an unknown token, the database busy).
async fn outsider_brand(state: &AppState, token: &str) -> Option<Brand> {
    branding::of_link(&state.services, token.to_owned())
        .await
        .unwrap_or_default()
}

/// Every answer of a link page is the sender's: an error too is shown without the staff's
/// navigation, even to a browser that is also signed in as staff, in the link's language
/// and under the firm's header.
pub(super) async fn for_outsider(
    state: &AppState,
    token: &str,
    answer: Result<HttpResponse, AppError>,
    lang: Language,
) -> Result<HttpResponse, AppError> {
    match answer {
        Ok(page) => Ok(page),
        Err(e) => {
            let brand = outsider_brand(state, token).await;
            Ok(e.branded_response(lang, brand.as_ref()))
        }
    }
}

/// A link page's answer: where the browser stands with the link `token` (a failure to find
/// out is the outsider's error page), a link that opens nothing answered by its own page
/// (`refusal_page`), else the `page` made of the entry; an error is shown as the sender's
/// (`for_outsider`).
pub(super) async fn link_page<Page>(
    ctx: Ctx,
    token: String,
    page: impl FnOnce(Ctx, Entry, Language) -> Page,
) -> Result<HttpResponse, AppError>
where
    Page: Future<Output = Result<HttpResponse, AppError>>,
{
    let (entry, lang) = match entered(&ctx, &token).await {
        Ok(entered) => entered,
        Err(refused) => return Ok(refused),
    };
    let state = ctx.state.clone();
    let answer = match refusal_page(&ctx, &token, &entry, lang).await {
        Some(refused) => refused,
        None => page(ctx, entry, lang).await,
    };
    for_outsider(&state, &token, answer, lang).await
}

/// Why a link no longer works, as `lang` says it.
fn closed_sentence(closed: &ClosedLink, lang: Language) -> String {
    match &closed.why {
        ClosedWhy::Revoked { company } => Msg::new(lang, "link-revoked").arg("company", company),
        ClosedWhy::Expired { company, at } => {
            Msg::new(lang, "link-expired").arg("company", company).arg(
                "at",
                crate::i18n::format::moment(lang, *at, chrono_tz::Tz::UTC),
            )
        }
        ClosedWhy::CompanyInactive => Msg::new(lang, "link-company-inactive"),
        ClosedWhy::ProjectRemoved => Msg::new(lang, "link-project-removed"),
    }
    .to_string()
}

/// A page of its own for a link that opens nothing: 404 for an unknown token, 410 with
/// the reason for a link that no longer works (headed by its firm's branding). `None` for
/// an entry that opens.
pub(super) async fn refusal_page(
    ctx: &Ctx,
    token: &str,
    entry: &Entry,
    lang: Language,
) -> Option<Result<HttpResponse, AppError>> {
    let (status, reason) = match entry {
        Entry::Unknown => (
            StatusCode::NOT_FOUND,
            Msg::new(lang, "link-unknown").to_string(),
        ),
        Entry::Closed(closed) => (StatusCode::GONE, closed_sentence(closed, lang)),
        Entry::Stranger(_) | Entry::Visitor(..) => return None,
    };
    let title = Msg::new(lang, "link-does-not-work").to_string();
    let brand = match entry {
        Entry::Closed(_) => outsider_brand(&ctx.state, token).await,
        _ => None,
    };
    Some(html(
        status,
        &ErrorPage {
            title: &title,
            message: reason,
            status: status.as_u16(),
            outsider: true,
            lang,
            brand: brand.as_ref(),
        },
    ))
}
