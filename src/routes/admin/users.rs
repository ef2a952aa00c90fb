use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::CompanyAdmin;
use crate::db::{ids::UserId, models::user::User};
use crate::domain::{fields, Role};
use crate::error::AppError;
use crate::services::users::{self, UserInput, ASSIGNABLE_ROLES};
use crate::state::AppState;
use crate::web::{filters, render, see_other, FieldErrors, Flash, ListQuery, PageContext, Paged};

#[derive(Template)]
#[template(path = "admin/users/list.html", blocks = ["table"])]
struct ListPage {
    page: PageContext,
    query: ListQuery,
    users: Paged<User>,
}

pub async fn list(
    admin: CompanyAdmin,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let rows = users::list(
        &state.services,
        &admin.actor,
        query.text(),
        query.active(),
        query.offset(),
        crate::web::pagination::PER_PAGE + 1,
    )
    .await?;
    let page = ListPage {
        page: PageContext::admin(&admin, &session),
        users: Paged::from_rows(rows, &query),
        query,
    };
    crate::page_or_partial!(&req, StatusCode::OK, page, as_table)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    role: String,
}

impl UserForm {
    fn parse(&self, errors: &mut FieldErrors) -> Option<UserInput> {
        let username = errors.check("username", fields::username(&self.username));
        let email = errors.check("email", fields::email(&self.email));
        let full_name = errors.check(
            "full_name",
            fields::optional_name(&self.full_name, "name", 255),
        );
        let role = Role::parse(&self.role).filter(|r| ASSIGNABLE_ROLES.contains(r));
        if role.is_none() {
            errors.add("role", "Choose a role.");
        }
        Some(UserInput {
            username: username?,
            email: email?,
            full_name: full_name?,
            role: role?,
        })
    }
}

#[derive(Template)]
#[template(path = "admin/users/form.html", blocks = ["form"])]
struct FormPage {
    page: PageContext,
    /// `None` while creating.
    user: Option<User>,
    form: UserForm,
    errors: FieldErrors,
    roles: [Role; 3],
}

fn form_page(
    admin: &CompanyAdmin,
    session: &Session,
    user: Option<User>,
    form: UserForm,
    errors: FieldErrors,
) -> FormPage {
    FormPage {
        page: PageContext::admin(admin, session),
        user,
        form,
        errors,
        roles: ASSIGNABLE_ROLES,
    }
}

fn invalid_form(req: &HttpRequest, page: FormPage) -> Result<HttpResponse, AppError> {
    crate::page_or_partial!(req, StatusCode::UNPROCESSABLE_ENTITY, page, as_form)
}

pub async fn new(admin: CompanyAdmin, session: Session) -> Result<HttpResponse, AppError> {
    let form = UserForm {
        role: Role::User.as_str().into(),
        ..UserForm::default()
    };
    render(&form_page(
        &admin,
        &session,
        None,
        form,
        FieldErrors::default(),
    ))
}

/// The one moment a one-time password is shown (new user, first admin or reset).
#[derive(Template)]
#[template(path = "admin/users/password.html")]
pub struct OneTimePasswordPage {
    pub page: PageContext,
    pub user: User,
    pub password: String,
    pub created: bool,
}

pub async fn create(
    admin: CompanyAdmin,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<UserForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    let Some(input) = form.parse(&mut errors).filter(|_| errors.is_empty()) else {
        return invalid_form(&req, form_page(&admin, &session, None, form, errors));
    };
    match users::create(&state.services, &admin.actor, input).await {
        Ok((user, password)) => render(&OneTimePasswordPage {
            page: PageContext::admin(&admin, &session),
            user,
            password,
            created: true,
        }),
        Err(AppError::Invalid(errors)) => {
            invalid_form(&req, form_page(&admin, &session, None, form, errors))
        }
        Err(other) => Err(other),
    }
}

pub async fn edit(
    admin: CompanyAdmin,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let user = users::find(&state.services, &admin.actor, id).await?;
    let form = UserForm {
        username: user.username.clone(),
        email: user.email.clone(),
        full_name: user.full_name.clone().unwrap_or_default(),
        role: user.role.as_str().to_owned(),
    };
    render(&form_page(
        &admin,
        &session,
        Some(user),
        form,
        FieldErrors::default(),
    ))
}

pub async fn update(
    admin: CompanyAdmin,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<UserId>,
    form: web::Form<UserForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let user = users::find(&state.services, &admin.actor, id).await?;
    // The username never changes: it is how the user signs in.
    let form = UserForm {
        username: user.username.clone(),
        ..form.into_inner()
    };
    let mut errors = FieldErrors::default();
    let Some(input) = form.parse(&mut errors).filter(|_| errors.is_empty()) else {
        return invalid_form(&req, form_page(&admin, &session, Some(user), form, errors));
    };
    match users::update(&state.services, &admin.actor, id, input).await {
        Ok(user) => {
            Flash::set(
                &session,
                Flash::success(format!("Saved {}.", user.username)),
            );
            Ok(see_other(&req, "/admin/users"))
        }
        Err(AppError::Invalid(errors)) => {
            invalid_form(&req, form_page(&admin, &session, Some(user), form, errors))
        }
        Err(other) => Err(other),
    }
}

async fn set_active(
    admin: CompanyAdmin,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: UserId,
    active: bool,
) -> Result<HttpResponse, AppError> {
    let user = users::set_active(&state.services, &admin.actor, id, active).await?;
    let text = if active {
        format!("{} can sign in again.", user.username)
    } else {
        format!(
            "{} is deactivated and signed out everywhere.",
            user.username
        )
    };
    Flash::set(&session, Flash::success(text));
    Ok(see_other(&req, &format!("/admin/users/{id}")))
}

pub async fn deactivate(
    admin: CompanyAdmin,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    set_active(admin, session, state, req, path.into_inner(), false).await
}

pub async fn activate(
    admin: CompanyAdmin,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    set_active(admin, session, state, req, path.into_inner(), true).await
}

pub async fn reset_password(
    admin: CompanyAdmin,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (user, password) = users::reset_password(&state.services, &admin.actor, id).await?;
    render(&OneTimePasswordPage {
        page: PageContext::admin(&admin, &session),
        user,
        password,
        created: false,
    })
}
