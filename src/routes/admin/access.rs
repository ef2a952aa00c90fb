use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::CompanyAdmin;
use crate::db::ids::{ProjectId, UserId};
use crate::domain::AccessRole;
use crate::error::AppError;
use crate::services::project_access;
use crate::state::AppState;
use crate::web::{see_other, Flash};

#[derive(Debug, Deserialize)]
pub struct GrantForm {
    user_id: Option<UserId>,
    #[serde(default)]
    access_role: String,
}

pub async fn grant(
    admin: CompanyAdmin,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<ProjectId>,
    form: web::Form<GrantForm>,
) -> Result<HttpResponse, AppError> {
    let project = path.into_inner();
    let user = form
        .user_id
        .ok_or_else(|| AppError::BadRequest("Choose a user to grant access to.".into()))?;
    let role = AccessRole::parse(&form.access_role)
        .ok_or_else(|| AppError::BadRequest("Choose uploader or viewer access.".into()))?;
    let user = project_access::grant(&state.services, &admin.actor, project, user, role).await?;
    Flash::set(
        &session,
        Flash::success(format!(
            "{} now has {} access.",
            user.username,
            role.label().to_lowercase()
        )),
    );
    Ok(see_other(
        &req,
        &format!("/admin/projects/{project}#access"),
    ))
}

pub async fn revoke(
    admin: CompanyAdmin,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(ProjectId, UserId)>,
) -> Result<HttpResponse, AppError> {
    let (project, user) = path.into_inner();
    let user = project_access::revoke(&state.services, &admin.actor, project, user).await?;
    Flash::set(
        &session,
        Flash::success(format!("{} no longer has access.", user.username)),
    );
    Ok(see_other(
        &req,
        &format!("/admin/projects/{project}#access"),
    ))
}
