//! "Close this cycle": the admin's own act that stops a cycle's uploads (the page asks
//! to confirm first).

use actix_web::{web, HttpResponse};

use crate::auth::CompanyAdmin;
use crate::db::ids::{CycleId, ProjectId};
use crate::error::AppError;
use crate::services::cycle_closing;
use crate::web::{done, Ctx};

pub async fn close(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<(ProjectId, CycleId)>,
) -> Result<HttpResponse, AppError> {
    let (project, cycle) = path.into_inner();
    let closed = cycle_closing::close(ctx.services(), &admin.actor, project, cycle).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!(
            "{} is closed; its upload links and upload page take no more files.",
            closed.cycle_name
        ),
        &format!("/admin/projects/{project}/cycles/{}/requests", closed.id),
    ))
}
