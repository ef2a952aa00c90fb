//! Uploading files and folders into a project's cycle, and the receipt of each batch.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;

use crate::auth::csrf::{TokenInFirstField, FORM_FIELD};
use crate::auth::Member;
use crate::db::ids::{CycleId, ProjectId, SyncSessionId};
use crate::db::models::cycle::Cycle;
use crate::db::models::file_upload::FileUpload;
use crate::db::models::project::Project;
use crate::db::models::sync_session::SyncSession;
use crate::db::{self};
use crate::error::AppError;
use crate::services::files::{self, Receipt};
use crate::services::uploads::{self, human_size, Batch, Stop};
use crate::startup::AppState;
use crate::web::{render, PageContext};

#[derive(Template)]
#[template(path = "uploads/upload.html")]
struct UploadPage {
    page: PageContext,
    project: Project,
    cycle: Cycle,
    closed: Option<String>,
    recent: Vec<SyncSession>,
    max_files: usize,
    max_file_size: String,
}

pub async fn page(
    member: Member,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(ProjectId, CycleId)>,
) -> Result<HttpResponse, AppError> {
    let (project, cycle) = path.into_inner();
    let actor = member.actor.clone();
    let (project, cycle, recent) = db::transaction(&state.pool, move |conn| {
        let (project, cycle) = uploads::uploadable(conn, &actor, project, cycle)?;
        let recent = files::recent_sessions(conn, &cycle, 10)?;
        Ok((project, cycle, recent))
    })
    .await?;
    render(&UploadPage {
        page: PageContext::signed_in(&member.user, &session),
        closed: uploads::closed_reason(&project, &cycle),
        project,
        cycle,
        recent,
        max_files: state.config.uploads.max_files_per_batch,
        max_file_size: human_size(state.config.uploads.max_file_size),
    })
}

#[derive(Template)]
#[template(path = "uploads/receipt.html", blocks = ["receipt"])]
struct ReceiptPage {
    page: PageContext,
    receipt: Receipt,
    stopped: Option<String>,
}

impl ReceiptPage {
    fn size(&self, bytes: &Option<i64>) -> String {
        bytes.map_or_else(|| "—".into(), |b| human_size(b.max(0) as u64))
    }

    fn counter(&self, value: &Option<i32>) -> i32 {
        value.unwrap_or(0)
    }

    fn original(&self, file: &FileUpload) -> String {
        let id = file.duplicate_of;
        self.receipt
            .files
            .iter()
            .find(|f| Some(f.id) == id)
            .map(|f| f.file_path.clone())
            .or_else(|| id.map(|id| format!("file #{id} uploaded earlier")))
            .unwrap_or_default()
    }
}

fn render_receipt(
    req: &HttpRequest,
    page: ReceiptPage,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    crate::page_or_partial!(req, status, page, as_receipt)
}

fn status_for(stop: Option<&Stop>) -> StatusCode {
    match stop {
        None => StatusCode::OK,
        Some(Stop::TooManyFiles(_) | Stop::FileTooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
        Some(Stop::Idle(_)) => StatusCode::REQUEST_TIMEOUT,
        Some(Stop::Disconnected(_) | Stop::Malformed(_)) => StatusCode::BAD_REQUEST,
    }
}

/// Form fields that are not files are small; anything bigger is not one of ours.
const MAX_TEXT_FIELD: usize = 8 * 1024;

pub async fn upload(
    member: Member,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(ProjectId, CycleId)>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let (project, cycle) = path.into_inner();
    // Scope first: another company's project is a 404 whatever the body looks like.
    let actor = member.actor.clone();
    db::transaction(&state.pool, move |conn| {
        uploads::uploadable(conn, &actor, project, cycle).map(|_| ())
    })
    .await?;
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(AppError::BadRequest(
            "Send the files as a multipart/form-data form.".into(),
        ));
    }
    let idle = state.config.uploads.idle_timeout;
    let max_fields = state.config.uploads.max_files_per_batch + 16;
    let mut multipart = Multipart::new(req.headers(), payload);
    let deferred = req.extensions().get::<TokenInFirstField>().cloned();
    if let Some(token) = deferred {
        check_token_field(&mut multipart, &token, idle).await?;
    }
    let mut batch = Batch::start(&state, &member.actor, project, cycle).await?;
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
            stop = Some(Stop::TooManyFiles(state.config.uploads.max_files_per_batch));
            break;
        }
        let filename = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_owned);
        let result = match filename {
            // An empty file input sends a part with an empty name: nothing was chosen.
            Some(name) if !name.is_empty() => batch.file(&name, field).await,
            _ => skip_text_field(field, idle).await,
        };
        if let Err(s) = result {
            stop = Some(s);
            break;
        }
    }
    let message = stop.as_ref().map(Stop::message);
    let sync_session = batch.session_id();
    batch.finish(message.as_deref()).await?;
    let actor = member.actor.clone();
    let receipt = db::transaction(&state.pool, move |conn| {
        files::receipt(conn, &actor, sync_session)
    })
    .await?;
    let page = ReceiptPage {
        page: PageContext::signed_in(&member.user, &session),
        receipt,
        stopped: message,
    };
    render_receipt(&req, page, status_for(stop.as_ref()))
}

/// A plain form (no JavaScript) carries its CSRF token as the first field, before any file.
async fn check_token_field(
    multipart: &mut Multipart,
    token: &TokenInFirstField,
    idle: std::time::Duration,
) -> Result<(), AppError> {
    let refused = || {
        AppError::Forbidden(
            "This form has expired or did not come from Hopper. Reload the page and try again."
                .into(),
        )
    };
    let mut field = match tokio::time::timeout(idle, multipart.next()).await {
        Ok(Some(Ok(field))) => field,
        _ => return Err(refused()),
    };
    if field.name() != Some(FORM_FIELD) {
        return Err(refused());
    }
    let mut value = Vec::new();
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout(idle, field.next()).await {
        value.extend_from_slice(&chunk);
        if value.len() > 256 {
            return Err(refused());
        }
    }
    match std::str::from_utf8(&value) {
        Ok(provided) if token.matches(provided) => Ok(()),
        _ => Err(refused()),
    }
}

async fn skip_text_field(
    mut field: actix_multipart::Field,
    idle: std::time::Duration,
) -> Result<(), Stop> {
    let mut size = 0usize;
    loop {
        match tokio::time::timeout(idle, field.next()).await {
            Err(_) => return Err(Stop::Idle(idle)),
            Ok(None) => return Ok(()),
            Ok(Some(Err(e))) => return Err(Stop::Disconnected(e.to_string())),
            Ok(Some(Ok(chunk))) => {
                size += chunk.len();
                if size > MAX_TEXT_FIELD {
                    return Err(Stop::Malformed(
                        "a form field without a file name is too large".into(),
                    ));
                }
            }
        }
    }
}

pub async fn receipt(
    member: Member,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<SyncSessionId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = member.actor.clone();
    let receipt =
        db::transaction(&state.pool, move |conn| files::receipt(conn, &actor, id)).await?;
    let page = ReceiptPage {
        page: PageContext::signed_in(&member.user, &session),
        stopped: None,
        receipt,
    };
    render_receipt(&req, page, StatusCode::OK)
}
