//! A company admin's part in two-factor sign-in: requiring it of every member, and
//! resetting a member's second factor when they lost it.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::CompanyAdmin;
use crate::db::ids::UserId;
use crate::error::AppError;
use crate::services::two_factor::{policy, reset};
use crate::web::{done, Ctx};

#[derive(Deserialize)]
pub struct PolicyForm {
    /// A checkbox: present ("on") when ticked.
    require: Option<String>,
}

pub async fn set_policy(
    admin: CompanyAdmin,
    ctx: Ctx,
    form: web::Form<PolicyForm>,
) -> Result<HttpResponse, AppError> {
    let require = form.require.is_some();
    policy::set_for_company(ctx.services(), &admin.actor, require).await?;
    let text = if require {
        "Every member now signs in with two factors; those without one set it up at their next sign-in."
    } else {
        "Two factors are no longer required; members who set one up keep it."
    };
    Ok(done(&ctx.req, &ctx.session, text, "/admin/users"))
}

pub async fn reset(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let done_reset = reset::reset(ctx.services(), &admin.actor, id).await?;
    let tokens = match done_reset.api_tokens_revoked {
        0 => String::new(),
        1 => " Their API token was revoked.".to_owned(),
        n => format!(" Their {n} API tokens were revoked."),
    };
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!(
            "{}'s second factor is reset and they are signed out everywhere.{tokens}",
            done_reset.user.username
        ),
        &format!("/admin/users/{id}"),
    ))
}
