//! The receipt of a batch as a page or a partial: for members a table with checksums and
//! downloads, for a visitor of an upload link what became of each file, in words.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::db::models::file_upload::FileUpload;
use crate::domain::RequestStatus;
use crate::error::AppError;
use crate::services::receipts::{self, Receipt};
use crate::services::uploads::Stop;
use crate::web::{filters, PageContext};

#[derive(Template)]
#[template(path = "uploads/receipt.html", blocks = ["receipt"])]
pub(super) struct ReceiptPage {
    pub(super) page: PageContext,
    pub(super) receipt: Receipt,
    pub(super) stopped: Option<String>,
    /// The upload link's token when shown to its visitor: no downloads, no links into
    /// Hopper, and a button to have the receipt emailed.
    pub(super) link: Option<String>,
}

impl ReceiptPage {
    fn for_visitor(&self) -> bool {
        self.link.is_some()
    }

    /// Where the visitor asks for the receipt by email (their own finished batch).
    fn email_action(&self) -> Option<String> {
        let token = self.link.as_deref()?;
        (!self.receipt.session.status.is_open())
            .then(|| format!("/u/{token}/batches/{}/email", self.receipt.session.id))
    }

    /// Who sent the batch, as its sender knows themselves: the name and address they gave
    /// (the firm's "(upload link)" label is not theirs to read).
    fn sender(&self) -> String {
        let session = &self.receipt.session;
        match (&session.uploader_name, &session.uploader_email) {
            (Some(name), Some(email)) => format!("{name} <{email}>"),
            _ => self.receipt.uploaded_by.clone(),
        }
    }

    fn counter(&self, value: &Option<i32>) -> i32 {
        value.unwrap_or(0)
    }

    /// Why a file did not arrive, in plain words: a refusal is "not accepted: why".
    fn failure(&self, file: &FileUpload) -> String {
        let reason = file.error_message.as_deref().unwrap_or("unknown reason");
        match reason.strip_prefix("refused: ") {
            Some(why) => format!("not accepted: {why}"),
            None => format!("failed: {reason}"),
        }
    }

    /// What a visitor's receipt says first: how many files arrived, and how many did not,
    /// in the page's language.
    fn headline(&self) -> String {
        let page = &self.page;
        let count = |n: usize| page.tr("receipt-files").num("count", n).to_string();
        let files = &self.receipt.files;
        let received = files.iter().filter(|f| f.status.is_completed()).count();
        let already = files.iter().filter(|f| f.status.is_skipped()).count();
        let not = files.iter().filter(|f| f.status.is_not_stored()).count();
        let mut said = Vec::new();
        if received > 0 || files.is_empty() {
            said.push(page.tr("receipt-received").arg("files", count(received)));
        }
        if already > 0 {
            said.push(page.tr("receipt-already").arg("files", count(already)));
        }
        if not > 0 {
            said.push(page.tr("receipt-not-accepted").arg("files", count(not)));
        }
        said.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Why a file did not arrive, as a sentence's start ("Not accepted: …"); the reason
    /// itself is the pipeline's own sentence.
    fn failure_sentence(&self, file: &FileUpload) -> String {
        receipts::failure_said(file, self.page.lang)
    }

    /// The request a file fulfils, or "other".
    fn request_of(&self, file: &FileUpload) -> String {
        self.receipt
            .request_of(file)
            .map_or_else(|| "other".to_owned(), |r| r.name.clone())
    }

    /// Where a stored file stands now, from the one review (its request's decision):
    /// superseded by a newer file, awaiting review, accepted or rejected with the reason.
    fn standing(&self, file: &FileUpload) -> String {
        if !file.is_downloadable() || file.replaced_by.is_some() {
            return String::new();
        }
        let said = if let Some((_, newer)) = self.receipt.replacement_of(file) {
            self.page.tr("standing-superseded").arg("newer", newer)
        } else {
            let Some(request) = self.receipt.request_of(file) else {
                return String::new();
            };
            match (request.status, &request.note) {
                (RequestStatus::Submitted, _) => self.page.tr("standing-awaiting"),
                (RequestStatus::Accepted, _) => self.page.tr("standing-accepted"),
                (RequestStatus::Rejected, Some(note)) => {
                    self.page.tr("standing-rejected-because").arg("note", note)
                }
                (RequestStatus::Rejected, None) => self.page.tr("standing-rejected"),
                _ => return String::new(),
            }
        };
        format!(" · {said}")
    }
}

pub(super) fn render_receipt(
    req: &HttpRequest,
    page: ReceiptPage,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mut response = crate::page_or_partial!(req, status, page, as_receipt)?;
    // The page that sent the files reads its requests and figures again (htmx fires the
    // event on the form; see templates/uploads/live_parts.html).
    response.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("hx-trigger"),
        actix_web::http::header::HeaderValue::from_static("hopper:stored"),
    );
    Ok(response)
}

fn status_for(stop: Option<&Stop>) -> StatusCode {
    match stop {
        None => StatusCode::OK,
        Some(Stop::TooManyFiles(_) | Stop::FileTooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
        Some(Stop::Idle(_) | Stop::TooSlow(_) | Stop::Deadline(_)) => StatusCode::REQUEST_TIMEOUT,
        Some(Stop::Busy) => StatusCode::SERVICE_UNAVAILABLE,
        Some(Stop::Disconnected(_) | Stop::Malformed(_)) => StatusCode::BAD_REQUEST,
        Some(Stop::LinkFull(_)) => StatusCode::PAYLOAD_TOO_LARGE,
        Some(Stop::LinkClosed(_)) => StatusCode::FORBIDDEN,
    }
}

/// The answer to an upload: its receipt, with the status of why it stopped early.
pub(super) fn respond_with_receipt(
    req: &HttpRequest,
    page: ReceiptPage,
    stop: Option<&Stop>,
) -> Result<HttpResponse, AppError> {
    let mut response = render_receipt(req, page, status_for(stop))?;
    if stop == Some(&Stop::Busy) {
        response.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from_static("60"),
        );
    }
    Ok(response)
}
