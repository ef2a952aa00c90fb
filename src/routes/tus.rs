//! tus 1.0 resumable uploads (core protocol with the creation, termination and expiration
//! extensions) at `/uploads/tus`: the protocol's headers and statuses here, the upload
//! itself in `services::uploads::tus`. A signed-in browser calls with its session and CSRF
//! header, a program with a bearer token.
//!
//! `Upload-Metadata` keys: `filename` (the relative path, required), `cycle` (its id,
//! required), `session` (a batch to join), `request` (a request of the cycle), `sha256`
//! (hex; a content already in the cycle is answered as a duplicate at creation, and the
//! bytes must match it), `head` (the file's first bytes, base64, at most 8 KiB: content of
//! a kind the project or request does not take is refused at creation, before the body).

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::{DateTime, Utc};
use std::future::Future;
use uuid::Uuid;

use crate::auth::uploader::Uploader;
use crate::db::ids::{CycleId, CycleRequestId, SyncSessionId};
use crate::domain::file_kind::SNIFF_BYTES;
use crate::domain::refusal::{TusRefused, UploadRefused};
use crate::domain::FailReason;
use crate::error::AppError;
use crate::services::uploads::tus::{self, Created, Creation, Refusal};
use crate::services::Actor;
use crate::state::AppState;
use crate::web::paced_body::{Pace, PaceWatch, PacedBody};
use crate::web::problem::Problem;

const VERSION: &str = "1.0.0";
const EXTENSIONS: &str = "creation,termination,expiration";
const OFFSET_TYPE: &str = "application/offset+octet-stream";

fn header_of<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn base(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::build(status);
    response
        .insert_header(("Tus-Resumable", VERSION))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    response
}

fn expires(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The answer of a tus `verb` once its caller is known: a request in another version of
/// the protocol is refused (412) before the verb reads anything of it.
pub(super) async fn versioned(
    req: &HttpRequest,
    verb: impl Future<Output = Result<HttpResponse, Problem>>,
) -> Result<HttpResponse, Problem> {
    match header_of(req, "Tus-Resumable") {
        Some(VERSION) => verb.await,
        _ => Ok(base(StatusCode::PRECONDITION_FAILED)
            .insert_header(("Tus-Version", VERSION))
            .body("This server speaks tus 1.0.0 (send Tus-Resumable: 1.0.0).")),
    }
}

/// What the server supports (no authentication: it tells nothing about anyone).
pub async fn options(state: web::Data<AppState>) -> HttpResponse {
    options_of(&state)
}

pub(super) fn options_of(state: &AppState) -> HttpResponse {
    base(StatusCode::NO_CONTENT)
        .insert_header(("Tus-Version", VERSION))
        .insert_header(("Tus-Extension", EXTENSIONS))
        .insert_header((
            "Tus-Max-Size",
            state.config.uploads.max_file_size.to_string(),
        ))
        .finish()
}

/// `Upload-Metadata`: comma-separated `key base64(value)` pairs.
fn metadata(req: &HttpRequest) -> Result<Vec<(String, String)>, AppError> {
    let Some(raw) = header_of(req, "Upload-Metadata") else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once(' ').unwrap_or((pair, ""));
            let value = base64::engine::general_purpose::STANDARD
                .decode(value.trim())
                .ok()
                .and_then(|v| String::from_utf8(v).ok())
                .ok_or_else(|| {
                    AppError::from(TusRefused::MetadataNotText {
                        key: key.to_owned(),
                    })
                })?;
            Ok((key.to_owned(), value))
        })
        .collect()
}

fn creation(req: &HttpRequest) -> Result<Creation, AppError> {
    let length = header_of(req, "Upload-Length")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| AppError::from(TusRefused::LengthMissing))?;
    let pairs = metadata(req)?;
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let id = |key: &str| -> Result<Option<i32>, AppError> {
        get(key)
            .map(|v| {
                v.trim().parse::<i32>().map_err(|_| {
                    AppError::from(TusRefused::MetadataNotId {
                        key: key.to_owned(),
                    })
                })
            })
            .transpose()
    };
    let path = get("filename").ok_or_else(|| AppError::from(TusRefused::FilenameMissing))?;
    let cycle = id("cycle")?.ok_or_else(|| AppError::from(TusRefused::CycleMissing))?;
    let sha256 = match get("sha256") {
        Some(sha) if sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit()) => {
            Some(sha.to_ascii_lowercase())
        }
        Some(_) => {
            return Err(UploadRefused::Sha256Malformed {
                path: "Upload-Metadata".into(),
            }
            .into())
        }
        None => None,
    };
    let head = match get("head") {
        Some(head) => Some(
            base64::engine::general_purpose::STANDARD
                .decode(head.trim())
                .ok()
                .filter(|bytes| bytes.len() <= SNIFF_BYTES)
                .ok_or_else(|| AppError::from(TusRefused::HeadMalformed))?,
        ),
        None => None,
    };
    Ok(Creation {
        head,
        path: path.to_owned(),
        cycle: CycleId(cycle),
        session: id("session")?.map(SyncSessionId),
        request: id("request")?.map(CycleRequestId),
        sha256,
        length,
    })
}

pub async fn create(
    uploader: Uploader,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    versioned(
        &req,
        create_as(&state, &req, &uploader.actor, "/uploads/tus"),
    )
    .await
}

/// Creates an upload for `actor`; its address is under `address` (where this actor sends
/// its uploads: `/uploads/tus`, or an upload link's own).
pub(super) async fn create_as(
    state: &AppState,
    req: &HttpRequest,
    actor: &Actor,
    address: &str,
) -> Result<HttpResponse, Problem> {
    let wanted = creation(req)?;
    let created = tus::create(&state.services, actor, wanted.clone()).await?;
    let (id, extra) = match created {
        Created::Upload { id, expires_at } => (id, ("Upload-Expires", expires(expires_at))),
        Created::Duplicate { id, of } => (id, ("Hopper-Duplicate-Of", of.to_string())),
        Created::Refused { reason } => {
            let refused = match reason {
                FailReason::Refused(refused) => AppError::Refused(refused),
                FailReason::Happened(why) => {
                    UploadRefused::NotAccepted(format!("{}: {why}.", wanted.path)).into()
                }
            };
            return Err(refused.into());
        }
    };
    let status = tus::status(&state.services, actor, id).await?;
    Ok(base(StatusCode::CREATED)
        .insert_header((header::LOCATION, format!("{address}/{id}")))
        .insert_header(extra)
        .insert_header(("Upload-Offset", status.offset.to_string()))
        .insert_header(("Hopper-Session", status.session.to_string()))
        .insert_header(("Hopper-File", status.file.to_string()))
        .finish())
}

pub async fn head(
    uploader: Uploader,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    versioned(&req, head_as(&state, &uploader.actor, path.into_inner())).await
}

pub(super) async fn head_as(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
) -> Result<HttpResponse, Problem> {
    let status = tus::status(&state.services, actor, id).await?;
    Ok(base(StatusCode::OK)
        .insert_header(("Upload-Offset", status.offset.to_string()))
        .insert_header(("Upload-Length", status.length.to_string()))
        .insert_header(("Upload-Expires", expires(status.expires_at)))
        .insert_header(("Hopper-Session", status.session.to_string()))
        .finish())
}

pub async fn patch(
    uploader: Uploader,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    body: web::Payload,
) -> Result<HttpResponse, Problem> {
    versioned(
        &req,
        patch_as(&state, &req, &uploader.actor, path.into_inner(), body),
    )
    .await
}

pub(super) async fn patch_as(
    state: &AppState,
    req: &HttpRequest,
    actor: &Actor,
    id: Uuid,
    body: web::Payload,
) -> Result<HttpResponse, Problem> {
    if header_of(req, "Content-Type") != Some(OFFSET_TYPE) {
        return Err(AppError::from(TusRefused::WrongContentType).into());
    }
    let offset = header_of(req, "Upload-Offset")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .ok_or_else(|| AppError::from(TusRefused::OffsetMissing))?;
    let limits = &state.config.uploads;
    let pace = Pace {
        min_rate: limits.min_rate,
        window: limits.rate_window,
        deadline: limits.max_request_duration,
    };
    let content_length = header_of(req, "Content-Length").and_then(|v| v.trim().parse().ok());
    let body = PacedBody::new(body.into_inner(), pace, PaceWatch::default());
    let patched = tus::patch(&state.services, actor, (id, offset), body, content_length);
    match patched.await {
        Ok(patched) => Ok(base(StatusCode::NO_CONTENT)
            .insert_header(("Upload-Offset", patched.offset.to_string()))
            .insert_header(("Upload-Expires", expires(patched.expires_at)))
            .finish()),
        Err(Refusal::WrongOffset(current)) => Ok(base(StatusCode::CONFLICT)
            .insert_header(("Upload-Offset", current.to_string()))
            .body(format!(
                "The upload is at offset {current}; resume from there."
            ))),
        // Complete (or known as a duplicate): the offset is its length, for a HEAD to see.
        Err(Refusal::Ended) => match tus::status(&state.services, actor, id).await {
            Ok(status) => Ok(base(StatusCode::CONFLICT)
                .insert_header(("Upload-Offset", status.offset.to_string()))
                .body("This upload takes no more bytes.")),
            Err(e) => Err(e.into()),
        },
        Err(Refusal::App(e)) => Err(e.into()),
    }
}

pub async fn terminate(
    uploader: Uploader,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    versioned(
        &req,
        terminate_as(&state, &uploader.actor, path.into_inner()),
    )
    .await
}

pub(super) async fn terminate_as(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
) -> Result<HttpResponse, Problem> {
    tus::terminate(&state.services, actor, id).await?;
    Ok(base(StatusCode::NO_CONTENT).finish())
}
