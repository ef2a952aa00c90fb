//! The operator sets up a company's single sign-on (its OpenID Connect provider), changes
//! or removes it, on a page of the company's own.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::Operator;
use crate::db::ids::CompanyId;
use crate::db::models::company::Company;
use crate::domain::sso_settings::{self, SsoSettings};
use crate::domain::{FieldErrors, Role};
use crate::error::AppError;
use crate::services::sso;
use crate::web::{done, submit, validated, Ctx, PageContext};

#[derive(Debug, Clone, Deserialize)]
pub struct SsoForm {
    #[serde(default)]
    pub issuer_url: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub client_secret_env: String,
    #[serde(default)]
    pub email_domains: String,
    /// Checkboxes: present when ticked.
    #[serde(default)]
    pub jit_enabled: Option<String>,
    #[serde(default = "default_role")]
    pub jit_role: String,
    #[serde(default)]
    pub sso_only: Option<String>,
}

fn default_role() -> String {
    Role::User.as_str().to_owned()
}

impl Default for SsoForm {
    fn default() -> Self {
        Self {
            issuer_url: String::new(),
            client_id: String::new(),
            client_secret_env: String::new(),
            email_domains: String::new(),
            jit_enabled: None,
            jit_role: default_role(),
            sso_only: None,
        }
    }
}

impl SsoForm {
    fn parse(&self, errors: &mut FieldErrors) -> Option<SsoSettings> {
        let issuer_url = errors.check("issuer_url", sso_settings::issuer_url(&self.issuer_url));
        let client_id = errors.check("client_id", sso_settings::client_id(&self.client_id));
        let secret = errors.check(
            "client_secret_env",
            sso_settings::secret_env(&self.client_secret_env),
        );
        let domains = errors.check(
            "email_domains",
            sso_settings::email_domains(&self.email_domains),
        );
        let jit_role = errors.check("jit_role", sso_settings::jit_role(&self.jit_role));
        Some(SsoSettings {
            issuer_url: issuer_url?,
            client_id: client_id?,
            client_secret_env: secret?,
            email_domains: domains?,
            jit_enabled: self.jit_enabled.is_some(),
            jit_role: jit_role?,
            sso_only: self.sso_only.is_some(),
        })
    }

    fn from_view(view: &sso::CompanySsoView) -> Self {
        let Some(s) = &view.settings else {
            return Self::default();
        };
        Self {
            issuer_url: s.issuer_url.clone(),
            client_id: s.client_id.clone(),
            client_secret_env: s.client_secret_env.clone().unwrap_or_default(),
            email_domains: view.email_domains.join(", "),
            jit_enabled: s.jit_enabled.then(|| "on".to_owned()),
            jit_role: s.jit_role.as_str().to_owned(),
            sso_only: s.sso_only.then(|| "on".to_owned()),
        }
    }
}

#[derive(Template)]
#[template(path = "operator/companies/sso.html")]
struct SsoPage {
    page: PageContext,
    company: Company,
    configured: bool,
    form: SsoForm,
    errors: FieldErrors,
    callback_url: String,
}

impl SsoPage {
    fn roles(&self) -> [Role; 2] {
        [Role::User, Role::Viewer]
    }
}

fn sso_page(ctx: &Ctx, operator: &Operator, view: sso::CompanySsoView, form: SsoForm) -> SsoPage {
    SsoPage {
        page: PageContext::signed_in(&operator.user, &ctx.session),
        configured: view.settings.is_some(),
        company: view.company,
        form,
        errors: FieldErrors::default(),
        callback_url: format!("{}/login/sso/callback", ctx.services().public_url()),
    }
}

pub async fn page(
    operator: Operator,
    ctx: Ctx,
    path: web::Path<CompanyId>,
) -> Result<HttpResponse, AppError> {
    let view = sso::find(ctx.services(), &operator.actor, path.into_inner()).await?;
    let form = SsoForm::from_view(&view);
    crate::web::html(StatusCode::OK, &sso_page(&ctx, &operator, view, form))
}

pub async fn save(
    operator: Operator,
    ctx: Ctx,
    path: web::Path<CompanyId>,
    form: web::Form<SsoForm>,
) -> Result<HttpResponse, AppError> {
    let company = path.into_inner();
    let view = sso::find(ctx.services(), &operator.actor, company).await?;
    let form = form.into_inner();
    let input = validated(|errors| form.parse(errors));
    match submit(input, |input| {
        sso::set(ctx.services(), &operator.actor, company, input)
    })
    .await?
    {
        Ok(_) => Ok(done(
            &ctx.req,
            &ctx.session,
            format!(
                "{} now signs in through its organisation's provider.",
                view.company.company_name
            ),
            &format!("/operator/companies/{company}/sso"),
        )),
        Err(errors) => {
            let mut page = sso_page(&ctx, &operator, view, form);
            page.errors = errors;
            crate::web::html(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

pub async fn remove(
    operator: Operator,
    ctx: Ctx,
    path: web::Path<CompanyId>,
) -> Result<HttpResponse, AppError> {
    let company = path.into_inner();
    sso::remove(ctx.services(), &operator.actor, company).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        "Single sign-on removed: the company's members sign in with their passwords again.",
        &format!("/operator/companies/{company}/sso"),
    ))
}
