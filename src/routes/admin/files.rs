use actix_web::{web, HttpResponse};

use crate::auth::CompanyAdmin;
use crate::db::ids::FileUploadId;
use crate::error::AppError;
use crate::services::files;
use crate::web::{done, Ctx};

pub async fn delete(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<FileUploadId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let file = files::delete(ctx.services(), &admin.actor, id).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!("Deleted {}; its history is kept.", file.file_path),
        &format!("/uploads/{}", file.session_id),
    ))
}
