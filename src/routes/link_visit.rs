//! The visit cookie of an upload link: one per link (so that two links do not collide),
//! set once the visitor said who they are, and read on every request of the link's pages
//! and uploads to find the visit among the browser's cookies.

use crate::auth::ClientInfo;
use crate::error::AppError;
use crate::services::upload_links::{self, Entry};
use crate::state::AppState;
use crate::web::Ctx;

/// The cookie of a visit to link `id` (one per link, so two links do not collide).
pub(super) fn cookie_name(state: &AppState, link: crate::db::ids::UploadLinkId) -> String {
    if state.config.session.cookie_secure {
        format!("__Host-hopper_visit_{link}")
    } else {
        format!("hopper_visit_{link}")
    }
}

/// Visit cookies looked at per request (one per link the browser has visited).
const MAX_VISIT_COOKIES: usize = 20;

/// Where the browser stands with the link `token`: unknown, closed, not yet named, or
/// a named visitor.
pub(super) async fn entry(ctx: &Ctx, token: &str) -> Result<Entry, AppError> {
    upload_links::enter(
        ctx.services(),
        token.to_owned(),
        visit_secrets(ctx),
        ClientInfo::from_request(&ctx.req),
    )
    .await
}

/// Every visit cookie the browser sent; the service keeps the one of this link.
fn visit_secrets(ctx: &Ctx) -> Vec<String> {
    ctx.req
        .cookies()
        .map(|cookies| {
            cookies
                .iter()
                .filter(|c| {
                    c.name().starts_with("hopper_visit_")
                        || c.name().starts_with("__Host-hopper_visit_")
                })
                .map(|c| c.value().to_owned())
                .take(MAX_VISIT_COOKIES)
                .collect()
        })
        .unwrap_or_default()
}
