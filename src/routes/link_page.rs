//! An upload link's own page for its named visitor: the requests as cards, what the link
//! still takes, what needs attention, the thank-you of a completed cycle, and the form for
//! many files, in the link's language under the firm's branding.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};

use crate::db::models::cycle_request::CycleRequest;
use crate::db::models::upload_link::LinkUsage;
use crate::domain::Language;
use crate::error::AppError;
use crate::routes::anonymous_page::anonymous_page;
use crate::routes::link_language::accept_language;
use crate::routes::uploads::Resumable;
use crate::services::cycle_requests::CycleRequests;
use crate::services::upload_links::{self, OpenLink};
use crate::services::Actor;
use crate::web::{Ctx, PageContext};

#[derive(Template)]
#[template(path = "uploads/link.html")]
struct LinkUploadPage {
    page: PageContext,
    open: OpenLink,
    token: String,
    uploader: String,
    cycle: crate::db::models::cycle::Cycle,
    requests: Vec<crate::services::cycle_requests::RequestItem>,
    figures: crate::db::models::completeness::Completeness,
    closed: Option<crate::domain::Refusal>,
    thank_you: Option<crate::services::thank_you::ThankYou>,
    usage: LinkUsage,
}

impl LinkUploadPage {
    fn accept(&self) -> String {
        let types = self.open.accepted_types.iter().map(String::as_str);
        crate::domain::file_kind::accept_attribute(types)
    }

    fn action(&self) -> String {
        format!("/u/{}/upload", self.token)
    }

    /// Visitors send resumable uploads through the link's own addresses.
    fn resumable(&self) -> Option<Resumable> {
        let token = &self.token;
        Some(Resumable {
            batches: format!("/u/{token}/batches"),
            tus: format!("/u/{token}/tus"),
            finish: format!("/u/{token}/batches/{{session}}/finish"),
        })
    }

    /// The form for many files comes after the requests here (before them for members).
    fn bulk_form_below(&self) -> bool {
        true
    }

    /// The page itself: read again for its figures and requests after each upload.
    fn live_url(&self) -> String {
        format!("/u/{}", self.token)
    }

    fn due_of(&self, request: &CycleRequest) -> Option<DateTime<Utc>> {
        request.due(self.cycle.due_at)
    }

    fn accept_of(&self, request: &CycleRequest) -> String {
        request.accept_attribute()
    }

    /// Where a question's card posts its answer.
    fn answer_action(&self, request: &CycleRequest) -> String {
        format!("/u/{}/requests/{}/answer", self.token, request.id)
    }

    /// What the sender must send again: the rejected items, each with its reason.
    fn needs_attention(&self) -> Vec<&crate::services::cycle_requests::RequestItem> {
        self.requests
            .iter()
            .filter(|item| item.request.status == crate::domain::RequestStatus::Rejected)
            .collect()
    }

    /// Why nothing more can be sent, in the page's language.
    fn closed_sentence(&self) -> Option<String> {
        self.closed
            .as_ref()
            .map(|refusal| crate::i18n::refusal(self.page.lang, refusal))
    }

    fn files_left(&self) -> i64 {
        (i64::from(self.open.link.max_files) - self.usage.files).max(0)
    }

    fn bytes_left(&self) -> String {
        self.page.size(self.open.link.max_bytes - self.usage.bytes)
    }
}

/// A page for an outsider, with the CSRF cookie set when the browser has none yet.
pub(super) fn with_csrf_cookie(
    req: &HttpRequest,
    (status, lang): (StatusCode, Language),
    render: impl FnOnce(PageContext) -> Result<String, askama::Error>,
) -> Result<HttpResponse, AppError> {
    anonymous_page(req, status, |token| {
        render(PageContext::anonymous(token, None).in_language(lang))
    })
}

pub(super) async fn upload_page(
    ctx: &Ctx,
    open: OpenLink,
    actor: &Actor,
    token: String,
) -> Result<HttpResponse, AppError> {
    let view = upload_links::page(ctx.services(), actor).await?;
    let CycleRequests {
        cycle,
        items,
        figures,
        ..
    } = view.view;
    let uploader = actor
        .link_visitor()
        .map(|v| format!("{} <{}>", v.uploader_name, v.uploader_email))
        .unwrap_or_default();
    let lang = open.language(accept_language(&ctx.req));
    with_csrf_cookie(&ctx.req, (StatusCode::OK, lang), |page| {
        LinkUploadPage {
            page: page.with_brand(Some(open.brand.clone())),
            open,
            token,
            uploader,
            cycle,
            requests: items,
            figures,
            closed: view.closed,
            thank_you: view.thank_you,
            usage: view.usage,
        }
        .render()
    })
}
