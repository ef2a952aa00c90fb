//! The answers of an upload link's pages that are not the link's own pages: the page of a
//! link that opens nothing, and any error, both shown to the sender without the staff's
//! navigation and, where the link's firm is known, under its branding.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;

use crate::error::AppError;
use crate::services::branding::{self, Brand};
use crate::services::upload_links::Entry;
use crate::state::AppState;
use crate::web::app_error::ErrorPage;
use crate::web::{html, Ctx};

/// A page of its own for a link that opens nothing: 404 for an unknown token, 410 with
/// the reason for a link that no longer works (headed by its firm's branding). `None` for
/// an entry that opens.
pub(super) async fn refusal_page(
    ctx: &Ctx,
    token: &str,
    entry: &Entry,
) -> Option<Result<HttpResponse, AppError>> {
    let (status, reason) = match entry {
        Entry::Unknown => (
            StatusCode::NOT_FOUND,
            "This upload link does not exist. Check the address, or ask whoever sent it for a new one.".to_owned(),
        ),
        Entry::Closed(reason) => (StatusCode::GONE, reason.clone()),
        Entry::Stranger(_) | Entry::Visitor(..) => return None,
    };
    let brand = match entry {
        Entry::Closed(_) => outsider_brand(&ctx.state, token).await,
        _ => None,
    };
    Some(html(
        status,
        &ErrorPage {
            title: "This upload link does not work",
            message: reason,
            status: status.as_u16(),
            outsider: true,
            brand: brand.as_ref(),
        },
    ))
}

/// The branding of the link's firm, for a page that has nothing else to go on; none when
/// it cannot be had (an unknown token, the database busy).
async fn outsider_brand(state: &AppState, token: &str) -> Option<Brand> {
    branding::of_link(&state.services, token.to_owned())
        .await
        .unwrap_or_default()
}

/// Every answer of a link page is the sender's: an error too is shown without the staff's
/// navigation, even to a browser that is also signed in as staff, under the firm's header.
pub(super) async fn for_outsider(
    state: &AppState,
    token: &str,
    answer: Result<HttpResponse, AppError>,
) -> Result<HttpResponse, AppError> {
    match answer {
        Ok(page) => Ok(page),
        Err(e) => Ok(e.branded_response(outsider_brand(state, token).await.as_ref())),
    }
}
