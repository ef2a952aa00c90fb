//! Uploading files and folders into a project's cycle, and the receipt of each batch.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use futures_util::StreamExt;

use crate::auth::csrf::CheckedMultipart;
use crate::auth::Member;
use crate::db::ids::{CycleId, ProjectId, SyncSessionId};
use crate::db::models::completeness::Completeness;
use crate::db::models::cycle::Cycle;
use crate::db::models::cycle_request::CycleRequest;
use crate::db::models::project::Project;
use crate::db::models::sync_session::SyncSession;
use crate::domain::refusal::UploadRefused;
use crate::domain::sizes::human_size;
use crate::error::AppError;
use crate::routes::receipt_page::{render_receipt, respond_with_receipt, ReceiptPage};
use crate::services::cycle_requests::RequestItem;
use crate::services::receipts::{self, Receipt};
use crate::services::thank_you::ThankYou;
use crate::services::uploads::{self, manifest, Batch, Stop};
use crate::services::Actor;
use crate::web::paced_body::PaceBreach;
use crate::web::{filters, render, Ctx, PageContext};

#[derive(Template)]
#[template(path = "uploads/upload.html")]
struct UploadPage {
    page: PageContext,
    project: Project,
    cycle: Cycle,
    requests: Vec<RequestItem>,
    figures: Completeness,
    closed: Option<String>,
    thank_you: Option<ThankYou>,
    recent: Vec<SyncSession>,
    max_files: usize,
    max_file_size: String,
}

impl UploadPage {
    fn accept(&self) -> String {
        let types = self.project.allowed_file_types.iter().flatten();
        crate::domain::file_kind::accept_attribute(types.map(String::as_str))
    }

    fn action(&self) -> String {
        format!(
            "/projects/{}/cycles/{}/upload",
            self.project.id, self.cycle.id
        )
    }

    fn resumable(&self) -> Option<Resumable> {
        Some(Resumable {
            batches: format!(
                "/projects/{}/cycles/{}/batches",
                self.project.id, self.cycle.id
            ),
            tus: "/uploads/tus".into(),
            finish: "/uploads/{session}/finish".into(),
        })
    }

    /// The form for many files comes before the requests here.
    fn bulk_form_below(&self) -> bool {
        false
    }

    /// The page itself: read again for its figures and requests after each upload.
    fn live_url(&self) -> String {
        self.action()
    }

    fn due_of(&self, request: &CycleRequest) -> Option<chrono::DateTime<chrono::Utc>> {
        request.due(self.cycle.due_at)
    }

    fn accept_of(&self, request: &CycleRequest) -> String {
        request.accept_attribute()
    }

    /// Where a question's card posts its answer.
    fn answer_action(&self, request: &CycleRequest) -> String {
        format!(
            "/projects/{}/cycles/{}/requests/{}/answer",
            self.project.id, self.cycle.id, request.id
        )
    }
}

pub async fn page(
    member: Member,
    ctx: Ctx,
    path: web::Path<(ProjectId, CycleId)>,
) -> Result<HttpResponse, AppError> {
    let (project, cycle) = path.into_inner();
    let (view, recent) =
        uploads::upload_page(ctx.services(), &member.actor, project, cycle).await?;
    render(&UploadPage {
        page: PageContext::signed_in(&member.user, &ctx.session),
        closed: uploads::closed_reason(&view.project, &view.cycle).map(|r| r.to_string()),
        thank_you: ThankYou::of(&view, None),
        project: view.project,
        cycle: view.cycle,
        requests: view.items,
        figures: view.figures,
        recent,
        max_files: ctx.state.config.uploads.max_files_per_batch,
        max_file_size: human_size(ctx.state.config.uploads.max_file_size),
    })
}

/// Where an upload page's script sends resumable uploads (tus): it opens a batch at
/// `batches`, sends each file to `tus`, and ends the batch at `finish` (`{session}`
/// standing for the batch's id). Without a script the page's form is used.
pub(super) struct Resumable {
    pub(super) batches: String,
    pub(super) tus: String,
    pub(super) finish: String,
}

/// Form fields that are not files are small; anything bigger is not one of ours.
const MAX_TEXT_FIELD: usize = 8 * 1024;

pub async fn upload(
    member: Member,
    ctx: Ctx,
    path: web::Path<(ProjectId, CycleId)>,
    body: CheckedMultipart,
) -> Result<HttpResponse, AppError> {
    let (project, cycle) = path.into_inner();
    let (receipt, stop) = receive(&ctx, &member.actor, project, cycle, body).await?;
    let page = ReceiptPage {
        page: PageContext::signed_in(&member.user, &ctx.session),
        receipt,
        stopped: stop.as_ref().map(Stop::message),
        link: None,
    };
    respond_with_receipt(&ctx.req, page, stop.as_ref())
}

/// Reads an upload body into one batch of `cycle`, as `actor` (a member, or a visitor of
/// an upload link): every file streams through the same pipeline. Returns the receipt
/// and why the batch stopped early, if it did.
pub(super) async fn receive(
    ctx: &Ctx,
    actor: &Actor,
    project: ProjectId,
    cycle: CycleId,
    body: CheckedMultipart,
) -> Result<(Receipt, Option<Stop>), AppError> {
    // Scope first: another company's project is a 404 whatever the files are.
    uploads::check_uploadable(ctx.services(), actor, project, cycle).await?;
    let idle = ctx.state.config.uploads.idle_timeout;
    let max_fields = ctx.state.config.uploads.max_files_per_batch + 16;
    let pace = body.pace();
    let mut multipart = body.open().await?;
    // The batch starts with its first file: a form without files records nothing.
    let mut batch: Option<Batch> = None;
    let mut request_choice: Option<String> = None;
    let mut stop: Option<Stop> = None;
    let mut fields = 0usize;
    loop {
        let field = match tokio::time::timeout(idle, multipart.next()).await {
            Err(_) => {
                stop = Some(Stop::Idle(idle));
                break;
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                stop = Some(Stop::Malformed(e.to_string()));
                break;
            }
            Ok(Some(Ok(field))) => field,
        };
        fields += 1;
        if fields > max_fields {
            stop = Some(Stop::TooManyFiles(
                ctx.state.config.uploads.max_files_per_batch,
            ));
            break;
        }
        let filename = field.content_disposition().and_then(sent_name);
        let is_request_choice = field.name() == Some("request_id");
        let result = match (filename, batch.as_mut()) {
            // An empty file input sends a part with an empty name: nothing was chosen.
            (Some(name), Some(open)) if !name.is_empty() => open.file(&name, field).await,
            (Some(name), None) if !name.is_empty() => {
                let mut open = Batch::start(ctx.services(), actor, project, cycle).await?;
                let chosen = match request_choice.take() {
                    Some(choice) => open.choose_request(&choice),
                    None => Ok(()),
                };
                let result = match chosen {
                    Ok(()) => open.file(&name, field).await,
                    Err(stop) => Err(stop),
                };
                batch = Some(open);
                result
            }
            (_, open) if is_request_choice => match read_text_field(field, idle).await {
                Ok(value) => match open {
                    Some(open) => open.choose_request(&value),
                    None => {
                        request_choice = Some(value);
                        Ok(())
                    }
                },
                Err(stop) => Err(stop),
            },
            _ => read_text_field(field, idle).await.map(|_| ()),
        };
        if let Err(s) = result {
            stop = Some(s);
            break;
        }
    }
    // A body cut off for its pace reads as "interrupted" to the parser; say why.
    if let Some(breach) = pace.breach() {
        stop = Some(match breach {
            PaceBreach::TooSlow { min_rate } => Stop::TooSlow(min_rate),
            PaceBreach::Deadline(after) => Stop::Deadline(after),
        });
    }
    let message = stop.as_ref().map(Stop::message);
    let Some(batch) = batch else {
        return Err(match (stop, message) {
            (Some(Stop::TooManyFiles(_)), Some(message)) => {
                UploadRefused::TooManyFiles(message).into()
            }
            (_, Some(message)) => UploadRefused::BatchStopped(message).into(),
            (_, None) => AppError::from(UploadRefused::NothingChosen),
        });
    };
    let sync_session = batch.session_id();
    batch.finish(message.as_deref()).await?;
    let receipt = receipts::receipt(ctx.services(), actor, sync_session).await?;
    Ok((receipt, stop))
}

/// The file name a part carries: RFC 6266 prefers `filename*` (UTF-8, percent-encoded)
/// over `filename` when both are there. A part named only by `filename*` used to be
/// taken for a text field and silently dropped.
fn sent_name(disposition: &actix_web::http::header::ContentDisposition) -> Option<String> {
    let extended = disposition
        .get_filename_ext()
        .map(|ext| String::from_utf8_lossy(&ext.value).into_owned());
    extended.or_else(|| disposition.get_filename().map(str::to_owned))
}

/// A form field that is not a file (read whole, it is small).
async fn read_text_field(
    mut field: actix_multipart::Field,
    idle: std::time::Duration,
) -> Result<String, Stop> {
    let mut value = Vec::new();
    loop {
        match tokio::time::timeout(idle, field.next()).await {
            Err(_) => return Err(Stop::Idle(idle)),
            Ok(None) => return Ok(String::from_utf8_lossy(&value).into_owned()),
            Ok(Some(Err(e))) => return Err(Stop::Disconnected(e.to_string())),
            Ok(Some(Ok(chunk))) => {
                if value.len() + chunk.len() > MAX_TEXT_FIELD {
                    return Err(Stop::Malformed(
                        "a form field without a file name is too large".into(),
                    ));
                }
                value.extend_from_slice(&chunk);
            }
        }
    }
}

/// Starts a batch for the upload page's resumable uploads (JavaScript on).
pub async fn open_batch(
    member: Member,
    ctx: Ctx,
    path: web::Path<(ProjectId, CycleId)>,
) -> Result<HttpResponse, AppError> {
    let (project, cycle) = path.into_inner();
    let session = manifest::open(ctx.services(), &member.actor, project, cycle).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "session_id": session })))
}

/// Ends the page's batch (what was not sent is dropped) and shows its receipt.
pub async fn finish_batch(
    member: Member,
    ctx: Ctx,
    path: web::Path<SyncSessionId>,
) -> Result<HttpResponse, AppError> {
    let receipt = manifest::finish(ctx.services(), &member.actor, path.into_inner()).await?;
    show_receipt(&member, &ctx, receipt)
}

fn show_receipt(member: &Member, ctx: &Ctx, receipt: Receipt) -> Result<HttpResponse, AppError> {
    let page = ReceiptPage {
        page: PageContext::signed_in(&member.user, &ctx.session),
        stopped: None,
        receipt,
        link: None,
    };
    render_receipt(&ctx.req, page, StatusCode::OK)
}

pub async fn receipt(
    member: Member,
    ctx: Ctx,
    path: web::Path<SyncSessionId>,
) -> Result<HttpResponse, AppError> {
    let receipt = receipts::receipt(ctx.services(), &member.actor, path.into_inner()).await?;
    show_receipt(&member, &ctx, receipt)
}
