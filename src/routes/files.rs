//! Downloading a stored file: streamed through Hopper, always as an attachment, never
//! rendered inline (an uploaded HTML or SVG must not run in Hopper's origin).

use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;

use crate::auth::Member;
use crate::db::ids::{CycleId, FileUploadId};
use crate::error::AppError;
use crate::services::files;
use crate::state::AppState;

pub async fn download(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<FileUploadId>,
) -> Result<HttpResponse, AppError> {
    let download = files::download(&state.services, &member.actor, path.into_inner()).await?;
    Ok(attachment(download))
}

/// A file's bytes as an attachment (never inline), streamed.
pub fn attachment(download: files::Download) -> HttpResponse {
    attachment_of(download, "application/octet-stream")
}

/// A zip archive made on the fly (its length is not known ahead).
pub fn zip_attachment(download: files::Download) -> HttpResponse {
    attachment_of(download, "application/zip")
}

fn attachment_of(download: files::Download, content_type: &str) -> HttpResponse {
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: download.file_name.into_bytes(),
        })],
    };
    let body = download
        .body
        .map(|chunk| chunk.map_err(actix_web::error::ErrorInternalServerError));
    let mut response = HttpResponse::Ok();
    response
        .content_type(content_type)
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if let Some(length) = download.length {
        return response.no_chunking(length).streaming(body);
    }
    response.streaming(body)
}

/// A cycle as evidence (a zip), for anyone who may read the cycle. Audited.
pub async fn cycle_export(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<CycleId>,
) -> Result<HttpResponse, AppError> {
    let export =
        crate::services::evidence_export::cycle(&state.services, &member.actor, path.into_inner())
            .await?;
    Ok(zip_attachment(export))
}
