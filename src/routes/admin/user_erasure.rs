//! A company's admin erases one of its accounts' personal data (confirmed first); another
//! company's account is a 404, a legal hold a 409.

use actix_web::{web, HttpResponse};

use crate::auth::CompanyAdmin;
use crate::db::ids::UserId;
use crate::error::AppError;
use crate::services::erasure;
use crate::web::{done, Ctx};

pub async fn erase(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let report = erasure::erase_account(ctx.services(), &admin.actor, id).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!(
            "Erased: the account's personal data, {} other rows and {} audit rows. The audit trail still verifies.",
            report.rows_changed, report.audit_rows
        ),
        "/admin/users",
    ))
}
