use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::auth::{session_keys, Operator};
use crate::db::ids::CompanyId;
use crate::db::models::company::Company;
use crate::domain::{fields, Role};
use crate::error::AppError;
use crate::routes::admin::users::OneTimePasswordPage;
use crate::routes::operator::company_form::{CompanyForm, FirstAdminForm, FormPage};
use crate::services::companies;
use crate::services::users::UserInput;
use crate::state::AppState;
use crate::web::{invalid, render, see_other, FieldErrors, Flash, ListQuery, PageContext, Paged};

#[derive(Template)]
#[template(path = "operator/companies/list.html", blocks = ["table"])]
struct ListPage {
    page: PageContext,
    query: ListQuery,
    companies: Paged<Company>,
}

pub async fn list(
    operator: Operator,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let rows = companies::list(
        &state.services,
        &operator.actor,
        query.text(),
        query.active(),
        query.offset(),
        crate::web::pagination::PER_PAGE + 1,
    )
    .await?;
    let page = ListPage {
        page: PageContext::signed_in(&operator.user, &session),
        companies: Paged::from_rows(rows, &query),
        query,
    };
    crate::page_or_partial!(&req, StatusCode::OK, page, as_table)
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
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<CompanyForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    let parsed = form.parse(&mut errors).filter(|_| errors.is_empty());
    let result = match parsed {
        Some(input) => companies::create(&state.services, &operator.actor, input).await,
        None => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(company) => {
            Flash::set(
                &session,
                Flash::success(format!(
                    "Created {}. Now create its first admin.",
                    company.company_name
                )),
            );
            Ok(see_other(
                &req,
                &format!("/operator/companies/{}", company.id),
            ))
        }
        Err(AppError::Invalid(errors)) => {
            let mut page =
                FormPage::new(PageContext::signed_in(&operator.user, &session), None, form);
            page.errors = errors;
            invalid_form(&req, page)
        }
        Err(other) => Err(other),
    }
}

pub async fn edit(
    operator: Operator,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<CompanyId>,
) -> Result<HttpResponse, AppError> {
    let (company, links) =
        companies::find(&state.services, &operator.actor, path.into_inner()).await?;
    let form = CompanyForm::from_company(&company, &links);
    render(&FormPage::new(
        PageContext::signed_in(&operator.user, &session),
        Some(company),
        form,
    ))
}

pub async fn update(
    operator: Operator,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<CompanyId>,
    form: web::Form<CompanyForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (company, _) = companies::find(&state.services, &operator.actor, id).await?;
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    let parsed = form.parse(&mut errors).filter(|_| errors.is_empty());
    let result = match parsed {
        Some(input) => companies::update(&state.services, &operator.actor, id, input).await,
        None => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(company) => {
            Flash::set(
                &session,
                Flash::success(format!("Saved {}.", company.company_name)),
            );
            Ok(see_other(&req, &format!("/operator/companies/{id}")))
        }
        Err(AppError::Invalid(errors)) => {
            let mut page = FormPage::new(
                PageContext::signed_in(&operator.user, &session),
                Some(company),
                form,
            );
            page.errors = errors;
            invalid_form(&req, page)
        }
        Err(other) => Err(other),
    }
}

async fn set_active(
    operator: Operator,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: CompanyId,
    active: bool,
) -> Result<HttpResponse, AppError> {
    let company = companies::set_active(&state.services, &operator.actor, id, active).await?;
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
    Flash::set(&session, Flash::success(text));
    Ok(see_other(&req, &format!("/operator/companies/{id}")))
}

pub async fn deactivate(
    operator: Operator,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<CompanyId>,
) -> Result<HttpResponse, AppError> {
    set_active(operator, session, state, req, path.into_inner(), false).await
}

pub async fn activate(
    operator: Operator,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<CompanyId>,
) -> Result<HttpResponse, AppError> {
    set_active(operator, session, state, req, path.into_inner(), true).await
}

pub async fn create_first_admin(
    operator: Operator,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<CompanyId>,
    form: web::Form<FirstAdminForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (company, links) = companies::find(&state.services, &operator.actor, id).await?;
    let admin_form = form.into_inner();
    let mut errors = FieldErrors::default();
    let username = errors.check("username", fields::username(&admin_form.username));
    let email = errors.check("email", fields::email(&admin_form.email));
    let full_name = errors.check(
        "full_name",
        fields::optional_name(&admin_form.full_name, "name", 255),
    );
    let result = match (username, email, full_name) {
        (Some(username), Some(email), Some(full_name)) if errors.is_empty() => {
            let input = UserInput {
                username,
                email,
                full_name,
                role: Role::Admin,
            };
            companies::create_first_admin(&state.services, &operator.actor, id, input).await
        }
        _ => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok((user, password)) => render(&OneTimePasswordPage {
            page: PageContext::signed_in(&operator.user, &session),
            user,
            password,
            created: true,
        }),
        Err(AppError::Invalid(admin_errors)) => {
            let form = CompanyForm::from_company(&company, &links);
            let mut page = FormPage::new(
                PageContext::signed_in(&operator.user, &session),
                Some(company),
                form,
            );
            page.admin_form = admin_form;
            page.admin_errors = admin_errors;
            // The form swaps `#main` out of whole pages (success shows the password page).
            invalid(&page)
        }
        Err(other) => Err(other),
    }
}

/// Opens a company's administration: the company goes into the server-side session,
/// never into a request parameter the admin screens would trust.
pub async fn open(
    operator: Operator,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<CompanyId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let company = companies::open(&state.services, &operator.actor, id).await?;
    session
        .insert(session_keys::OPERATOR_COMPANY, company.id.0)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("session write failed: {e}")))?;
    Flash::set(
        &session,
        Flash::info(format!(
            "You are now administering {}.",
            company.company_name
        )),
    );
    Ok(see_other(&req, "/admin/users"))
}

pub async fn leave(
    _operator: Operator,
    session: Session,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    session.remove(session_keys::OPERATOR_COMPANY);
    Ok(see_other(&req, "/operator/companies"))
}
