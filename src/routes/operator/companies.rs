use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::{session_keys, Operator};
use crate::config::Secret;
use crate::db::ids::CompanyId;
use crate::db::models::company::Company;
use crate::db::models::company_link::{CompanyLink, PLATFORMS};
use crate::db::{self};
use crate::domain::{fields, Role};
use crate::error::AppError;
use crate::routes::admin::users::OneTimePasswordPage;
use crate::services::accounts::one_time_password;
use crate::services::actor::Actor;
use crate::services::companies::{self, CompanyInput};
use crate::services::users::{self, UserInput};
use crate::startup::AppState;
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
    let q = query.clone();
    let rows = db::transaction(&state.pool, move |conn| {
        let active = match q.show.as_str() {
            "active" => Some(true),
            "inactive" => Some(false),
            _ => None,
        };
        Ok(Company::list(
            conn,
            q.text().as_deref(),
            active,
            q.offset(),
            crate::web::pagination::PER_PAGE + 1,
        )?)
    })
    .await?;
    let page = ListPage {
        page: PageContext::signed_in(&operator.user, &session),
        companies: Paged::from_rows(rows, &query),
        query,
    };
    crate::page_or_partial!(&req, StatusCode::OK, page, as_table)
}

/// The company form; links arrive as `link_<platform>` fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CompanyForm {
    #[serde(default)]
    company_name: String,
    #[serde(default)]
    company_code: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    link_website: String,
    #[serde(default)]
    link_linkedin: String,
    #[serde(default)]
    link_twitter: String,
    #[serde(default)]
    link_facebook: String,
    #[serde(default)]
    link_instagram: String,
    #[serde(default)]
    link_youtube: String,
}

impl CompanyForm {
    fn link(&self, platform: &str) -> &str {
        match platform {
            "website" => &self.link_website,
            "linkedin" => &self.link_linkedin,
            "twitter" => &self.link_twitter,
            "facebook" => &self.link_facebook,
            "instagram" => &self.link_instagram,
            "youtube" => &self.link_youtube,
            _ => "",
        }
    }

    fn from_company(company: &Company, links: &[CompanyLink]) -> Self {
        let url = |p: &str| {
            links
                .iter()
                .find(|l| l.platform == p)
                .map(|l| l.url.clone())
                .unwrap_or_default()
        };
        Self {
            company_name: company.company_name.clone(),
            company_code: company.company_code.clone(),
            contact_email: company.contact_email.clone().unwrap_or_default(),
            link_website: url("website"),
            link_linkedin: url("linkedin"),
            link_twitter: url("twitter"),
            link_facebook: url("facebook"),
            link_instagram: url("instagram"),
            link_youtube: url("youtube"),
        }
    }

    fn parse(&self, errors: &mut FieldErrors) -> Option<CompanyInput> {
        let name = errors.check(
            "company_name",
            fields::required_name(&self.company_name, "company name", 255),
        );
        let code = errors.check("company_code", fields::company_code(&self.company_code));
        let email = errors.check("contact_email", fields::optional_email(&self.contact_email));
        let mut links = Vec::new();
        for (platform, field) in [
            ("website", "link_website"),
            ("linkedin", "link_linkedin"),
            ("twitter", "link_twitter"),
            ("facebook", "link_facebook"),
            ("instagram", "link_instagram"),
            ("youtube", "link_youtube"),
        ] {
            if let Some(Some(url)) = errors.check(field, fields::optional_url(self.link(platform)))
            {
                links.push(CompanyLink {
                    platform: platform.to_owned(),
                    url,
                });
            }
        }
        Some(CompanyInput {
            name: name?,
            code: code?,
            contact_email: email?,
            links,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct FirstAdminForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    full_name: String,
}

#[derive(Template)]
#[template(path = "operator/companies/form.html", blocks = ["form"])]
struct FormPage {
    page: PageContext,
    company: Option<Company>,
    form: CompanyForm,
    errors: FieldErrors,
    admin_form: FirstAdminForm,
    admin_errors: FieldErrors,
    platforms: [(&'static str, &'static str); 6],
}

impl FormPage {
    fn new(page: PageContext, company: Option<Company>, form: CompanyForm) -> Self {
        Self {
            page,
            company,
            form,
            errors: FieldErrors::default(),
            admin_form: FirstAdminForm::default(),
            admin_errors: FieldErrors::default(),
            platforms: PLATFORMS,
        }
    }

    fn link_value(&self, platform: &str) -> &str {
        self.form.link(platform)
    }
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
        Some(input) => {
            let actor = operator.actor.clone();
            db::transaction(&state.pool, move |conn| {
                companies::create(conn, &actor, &input)
            })
            .await
        }
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

async fn load(state: &AppState, id: CompanyId) -> Result<(Company, Vec<CompanyLink>), AppError> {
    db::transaction(&state.pool, move |conn| companies::find(conn, id)).await
}

pub async fn edit(
    operator: Operator,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<CompanyId>,
) -> Result<HttpResponse, AppError> {
    let (company, links) = load(&state, path.into_inner()).await?;
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
    let (company, _) = load(&state, id).await?;
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    let parsed = form.parse(&mut errors).filter(|_| errors.is_empty());
    let result = match parsed {
        Some(input) => {
            let actor = operator.actor.clone();
            db::transaction(&state.pool, move |conn| {
                companies::update(conn, &actor, id, &input)
            })
            .await
        }
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
    let actor = operator.actor.clone();
    let company = db::transaction(&state.pool, move |conn| {
        companies::set_active(conn, &actor, id, active)
    })
    .await?;
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
    let (company, links) = load(&state, id).await?;
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
            let password = one_time_password();
            let hash = state.hasher.hash(&Secret::new(password.clone())).await?;
            // The operator acts inside the target company for this one use case.
            let actor = Actor {
                company_id: id,
                ..operator.actor.clone()
            };
            let input = UserInput {
                username,
                email,
                full_name,
                role: Role::Admin,
            };
            db::transaction(&state.pool, move |conn| {
                users::create(conn, &actor, &input, &hash)
            })
            .await
            .map(|user| (user, password))
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
    let actor = operator.actor.clone();
    let company =
        db::transaction(&state.pool, move |conn| companies::open(conn, &actor, id)).await?;
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
