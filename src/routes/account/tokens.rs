//! A user's personal API tokens: created (shown once), listed with their last use,
//! revoked.

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;

use crate::auth::Member;
use crate::db::ids::ApiTokenId;
use crate::db::models::project::Project;
use crate::domain::ListWindow;
use crate::error::AppError;
use crate::routes::token_form::TokenForm;
use crate::services::api_tokens::{self, ApiToken};
use crate::services::projects;
use crate::web::{done, filters, form_status, html, Ctx, FieldErrors, PageContext};

#[derive(Template)]
#[template(path = "account/tokens.html")]
struct TokensPage {
    page: PageContext,
    tokens: Vec<ApiToken>,
    projects: Vec<Project>,
    created: Option<String>,
    form: TokenForm,
    errors: FieldErrors,
    now: chrono::DateTime<Utc>,
}

impl TokensPage {
    fn revoke_base(&self) -> String {
        "/account/tokens".into()
    }

    fn projects_of(&self, token: &ApiToken) -> String {
        let ids = token.projects();
        if ids.is_empty() {
            return "All your projects".into();
        }
        self.projects
            .iter()
            .filter(|p| ids.contains(&p.id))
            .map(|p| p.project_name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

async fn tokens_page(
    member: &Member,
    ctx: &Ctx,
    created: Option<String>,
    form: TokenForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let tokens = api_tokens::own(ctx.services(), &member.actor).await?;
    let window = ListWindow {
        text: None,
        offset: 0,
        limit: 500,
    };
    let projects = projects::visible(ctx.services(), &member.actor, window).await?;
    html(
        form_status(&errors),
        &TokensPage {
            page: PageContext::signed_in(&member.user, &ctx.session),
            tokens,
            projects,
            created,
            form,
            errors,
            now: ctx.services().clock().now(),
        },
    )
}

pub async fn list(member: Member, ctx: Ctx) -> Result<HttpResponse, AppError> {
    tokens_page(
        &member,
        &ctx,
        None,
        TokenForm::default(),
        FieldErrors::default(),
    )
    .await
}

pub async fn create(
    member: Member,
    ctx: Ctx,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let form = TokenForm::from_pairs(form.into_inner());
    let wanted = match form.parse() {
        Ok(wanted) => wanted,
        Err(errors) => return tokens_page(&member, &ctx, None, form, errors).await,
    };
    let (_, secret) = api_tokens::create_personal(ctx.services(), &member.actor, wanted).await?;
    tokens_page(
        &member,
        &ctx,
        Some(secret),
        TokenForm::default(),
        FieldErrors::default(),
    )
    .await
}

pub async fn revoke(
    member: Member,
    ctx: Ctx,
    path: web::Path<ApiTokenId>,
) -> Result<HttpResponse, AppError> {
    let token = api_tokens::revoke(ctx.services(), &member.actor, path.into_inner(), None).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!("Revoked “{}”; it stops working at once.", token.name),
        "/account/tokens",
    ))
}
