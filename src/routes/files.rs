//! Downloading a stored file: streamed through Hopper, always as an attachment, never
//! rendered inline (an uploaded HTML or SVG must not run in Hopper's origin).

use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;
use tokio_util::io::ReaderStream;

use crate::auth::Member;
use crate::db::ids::FileUploadId;
use crate::db::{self};
use crate::error::AppError;
use crate::services::files;
use crate::startup::AppState;

pub async fn download(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<FileUploadId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = member.actor.clone();
    let (file, project) =
        db::transaction(&state.pool, move |conn| files::download(conn, &actor, id)).await?;
    let object = state
        .storage
        .client_for_region(&project.aws_region)
        .get_object()
        .bucket(&project.bucket_name)
        .key(&file.s3_key)
        .send()
        .await
        .map_err(|e| {
            tracing::warn!(file = %id, error = %aws_sdk_s3::error::DisplayErrorContext(&e), "download failed");
            AppError::Unavailable("The file could not be read from storage right now; please try again.".into())
        })?;
    let name = file
        .file_path
        .rsplit('/')
        .next()
        .unwrap_or("download")
        .to_owned();
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: name.into_bytes(),
        })],
    };
    let body = ReaderStream::new(object.body.into_async_read())
        .map(|chunk| chunk.map_err(actix_web::error::ErrorInternalServerError));
    let mut response = HttpResponse::Ok();
    response
        .content_type("application/octet-stream")
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if let Some(length) = object.content_length.and_then(|l| u64::try_from(l).ok()) {
        return Ok(response.no_chunking(length).streaming(body));
    }
    Ok(response.streaming(body))
}
