use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::CompanyAdmin;
use crate::db::ids::{ProjectId, UserId};
use crate::domain::refusal::InputRefused;
use crate::domain::AccessRole;
use crate::error::AppError;
use crate::services::project_access;
use crate::web::{done, Ctx};

#[derive(Debug, Deserialize)]
pub struct GrantForm {
    user_id: Option<UserId>,
    #[serde(default)]
    access_role: String,
}

pub async fn grant(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<ProjectId>,
    form: web::Form<GrantForm>,
) -> Result<HttpResponse, AppError> {
    let project = path.into_inner();
    let user = form
        .user_id
        .ok_or_else(|| AppError::from(InputRefused::UserNotChosen))?;
    let role = AccessRole::parse(&form.access_role)
        .ok_or_else(|| AppError::from(InputRefused::AccessRoleNotChosen))?;
    let user = project_access::grant(ctx.services(), &admin.actor, project, user, role).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!(
            "{} now has {} access.",
            user.username,
            role.label().to_lowercase()
        ),
        &format!("/admin/projects/{project}#access"),
    ))
}

pub async fn revoke(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<(ProjectId, UserId)>,
) -> Result<HttpResponse, AppError> {
    let (project, user) = path.into_inner();
    let user = project_access::revoke(ctx.services(), &admin.actor, project, user).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!("{} no longer has access.", user.username),
        &format!("/admin/projects/{project}#access"),
    ))
}
