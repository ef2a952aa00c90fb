//! A project's machine tokens (no user; for scripts and `hopper sync` on a server):
//! created (shown once), listed with their last use, revoked.

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;

use crate::auth::CompanyAdmin;
use crate::db::ids::{ApiTokenId, ProjectId};
use crate::error::AppError;
use crate::routes::token_form::TokenForm;
use crate::services::api_tokens::{self, ApiToken};
use crate::web::{done, filters, form_status, html, Ctx, FieldErrors, PageContext};

#[derive(Template)]
#[template(path = "admin/projects/tokens.html")]
struct MachineTokensPage {
    page: PageContext,
    project: ProjectId,
    tokens: Vec<ApiToken>,
    created: Option<String>,
    form: TokenForm,
    errors: FieldErrors,
    now: chrono::DateTime<Utc>,
}

impl MachineTokensPage {
    fn revoke_base(&self) -> String {
        location(self.project)
    }

    fn projects_of(&self, _: &ApiToken) -> String {
        "This project".into()
    }
}

fn location(project: ProjectId) -> String {
    format!("/admin/projects/{project}/tokens")
}

async fn tokens_page(
    admin: &CompanyAdmin,
    ctx: &Ctx,
    project: ProjectId,
    (created, form, errors): (Option<String>, TokenForm, FieldErrors),
) -> Result<HttpResponse, AppError> {
    let tokens = api_tokens::machines(ctx.services(), &admin.actor, project).await?;
    html(
        form_status(&errors),
        &MachineTokensPage {
            page: PageContext::admin(admin, &ctx.session),
            project,
            tokens,
            created,
            form,
            errors,
            now: ctx.services().clock().now(),
        },
    )
}

pub async fn list(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<ProjectId>,
) -> Result<HttpResponse, AppError> {
    let blank = (None, TokenForm::default(), FieldErrors::default());
    tokens_page(&admin, &ctx, path.into_inner(), blank).await
}

pub async fn create(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<ProjectId>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let project = path.into_inner();
    let mut form = TokenForm::from_pairs(form.into_inner());
    // A machine token is for this project only, whatever the form says.
    form.projects.clear();
    let wanted = match form.parse() {
        Ok(wanted) => wanted,
        Err(errors) => return tokens_page(&admin, &ctx, project, (None, form, errors)).await,
    };
    let (_, secret) =
        api_tokens::create_machine(ctx.services(), &admin.actor, project, wanted).await?;
    let shown = (Some(secret), TokenForm::default(), FieldErrors::default());
    tokens_page(&admin, &ctx, project, shown).await
}

pub async fn revoke(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<(ProjectId, ApiTokenId)>,
) -> Result<HttpResponse, AppError> {
    let (project, id) = path.into_inner();
    let token = api_tokens::revoke(ctx.services(), &admin.actor, id, Some(project)).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!("Revoked “{}”; it stops working at once.", token.name),
        &location(project),
    ))
}
