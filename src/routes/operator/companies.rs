use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::auth::{session_keys, Operator};
use crate::db::ids::CompanyId;
use crate::db::models::company::Company;
use crate::error::AppError;
use crate::routes::admin::users::OneTimePasswordPage;
use crate::routes::operator::company_form::{CompanyForm, FirstAdminForm, FormPage};
use crate::services::companies;
use crate::services::two_factor::{self, policy::InstallationPolicy};
use crate::web::{
    done, invalid, render, see_other, submit, validated, Activation, Ctx, Flash, ListQuery,
    PageContext, Paged,
};

#[derive(Template)]
#[template(path = "operator/companies/list.html", blocks = ["table"])]
struct ListPage {
    page: PageContext,
    query: ListQuery,
    companies: Paged<Company>,
    two_factor: InstallationPolicy,
}

pub async fn list(
    operator: Operator,
    ctx: Ctx,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let rows = companies::list(
        ctx.services(),
        &operator.actor,
        query.window(),
        query.active(),
    )
    .await?;
    let two_factor = two_factor::policy::of_installation(ctx.services(), &operator.actor).await?;
    let page = ListPage {
        page: PageContext::signed_in(&operator.user, &ctx.session),
        companies: Paged::from_rows(rows, &query),
        two_factor,
        query,
    };
    crate::page_or_partial!(&ctx.req, StatusCode::OK, page, as_table)
}

pub async fn new(operator: Operator, session: Session) -> Result<HttpResponse, AppError> {
    render(&FormPage::new(
        PageContext::signed_in(&operator.user, &session),
        None,
        CompanyForm::default(),
    ))
}

fn invalid_form(req: &HttpRequest, page: FormPage) -> Result<HttpResponse, AppError> {
    crate::page_or_partial!(req, StatusCode::UNPROCESSABLE_ENTITY, page, as_form)
}

pub async fn create(
    operator: Operator,
    ctx: Ctx,
    form: web::Form<CompanyForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let input = validated(|errors| form.parse(errors));
    match submit(input, |input| {
        companies::create(ctx.services(), &operator.actor, input)
    })
    .await?
    {
        Ok(company) => Ok(done(
            &ctx.req,
            &ctx.session,
            format!(
                "Created {}. Now create its first admin.",
                company.company_name
            ),
            &format!("/operator/companies/{}", company.id),
        )),
        Err(errors) => {
            let mut page = FormPage::new(
                PageContext::signed_in(&operator.user, &ctx.session),
                None,
                form,
            );
            page.errors = errors;
            invalid_form(&ctx.req, page)
        }
    }
}

pub async fn edit(
    operator: Operator,
    ctx: Ctx,
    path: web::Path<CompanyId>,
) -> Result<HttpResponse, AppError> {
    let view = companies::find(ctx.services(), &operator.actor, path.into_inner()).await?;
    let form = CompanyForm::from_company(&view.company, &view.links);
    let mut page = FormPage::new(
        PageContext::signed_in(&operator.user, &ctx.session),
        Some(view.company),
        form,
    );
    page.locations = view.locations;
    page.admins = view.admins;
    render(&page)
}

pub async fn update(
    operator: Operator,
    ctx: Ctx,
    path: web::Path<CompanyId>,
    form: web::Form<CompanyForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let view = companies::find(ctx.services(), &operator.actor, id).await?;
    let (company, locations) = (view.company, view.locations);
    let form = form.into_inner();
    let input = validated(|errors| form.parse(errors));
    match submit(input, |input| {
        companies::update(ctx.services(), &operator.actor, id, input)
    })
    .await?
    {
        Ok(company) => Ok(done(
            &ctx.req,
            &ctx.session,
            format!("Saved {}.", company.company_name),
            &format!("/operator/companies/{id}"),
        )),
        Err(errors) => {
            let mut page = FormPage::new(
                PageContext::signed_in(&operator.user, &ctx.session),
                Some(company),
                form,
            );
            page.locations = locations;
            page.errors = errors;
            invalid_form(&ctx.req, page)
        }
    }
}

/// `…/activate` and `…/deactivate`.
pub async fn set_active(
    operator: Operator,
    ctx: Ctx,
    path: web::Path<CompanyId>,
    Activation(active): Activation,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let company = companies::set_active(ctx.services(), &operator.actor, id, active).await?;
    let text = if active {
        format!(
            "{} is active again; its users can sign in.",
            company.company_name
        )
    } else {
        format!(
            "{} is deactivated; all its users were signed out.",
            company.company_name
        )
    };
    Ok(done(
        &ctx.req,
        &ctx.session,
        text,
        &format!("/operator/companies/{id}"),
    ))
}

pub async fn create_first_admin(
    operator: Operator,
    ctx: Ctx,
    path: web::Path<CompanyId>,
    form: web::Form<FirstAdminForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let view = companies::find(ctx.services(), &operator.actor, id).await?;
    let (company, links, locations) = (view.company, view.links, view.locations);
    let admin_form = form.into_inner();
    let input = validated(|errors| admin_form.parse(errors));
    let created = submit(input, |input| {
        companies::create_first_admin(ctx.services(), &operator.actor, id, input)
    })
    .await?;
    match created {
        Ok((user, password)) => render(&OneTimePasswordPage {
            page: PageContext::signed_in(&operator.user, &ctx.session),
            next: vec![
                (
                    format!("/operator/companies/{id}"),
                    format!("Back to {}", company.company_name),
                ),
                ("/operator/companies".to_owned(), "All companies".to_owned()),
            ],
            user,
            password,
            created: true,
            tokens_revoked: 0,
        }),
        Err(admin_errors) => {
            let form = CompanyForm::from_company(&company, &links);
            let mut page = FormPage::new(
                PageContext::signed_in(&operator.user, &ctx.session),
                Some(company),
                form,
            );
            page.locations = locations;
            page.admin_form = admin_form;
            page.admin_errors = admin_errors;
            // The form swaps `#main` out of whole pages (success shows the password page).
            invalid(&page)
        }
    }
}

/// Opens a company's administration: the company goes into the server-side session,
/// never into a request parameter the admin screens would trust.
pub async fn open(
    operator: Operator,
    ctx: Ctx,
    path: web::Path<CompanyId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let company = companies::open(ctx.services(), &operator.actor, id).await?;
    ctx.session
        .insert(session_keys::OPERATOR_COMPANY, company.id.0)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("session write failed: {e}")))?;
    Flash::set(
        &ctx.session,
        Flash::info(format!(
            "You are now administering {}.",
            company.company_name
        )),
    );
    Ok(see_other(&ctx.req, "/admin/users"))
}

pub async fn leave(_operator: Operator, ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.session.remove(session_keys::OPERATOR_COMPANY);
    Ok(see_other(&ctx.req, "/operator/companies"))
}
