use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::CompanyAdmin;
use crate::db::{ids::UserId, models::user::User};
use crate::domain::{fields, Role};
use crate::error::AppError;
use crate::services::passkeys;
use crate::services::two_factor::{self, policy::CompanyPolicy};
use crate::services::users::{self, UserInput, ASSIGNABLE_ROLES};
use crate::web::{
    done, filters, render, submit, validated, Activation, Ctx, FieldErrors, ListQuery, PageContext,
    Paged,
};

#[derive(Template)]
#[template(path = "admin/users/list.html", blocks = ["table"])]
struct ListPage {
    page: PageContext,
    query: ListQuery,
    users: Paged<User>,
    /// Users with an authenticator app.
    with_totp: Vec<UserId>,
    with_passkey: Vec<UserId>,
    two_factor: CompanyPolicy,
}

pub async fn list(
    admin: CompanyAdmin,
    ctx: Ctx,
    web::Query(query): web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let rows = users::list(ctx.services(), &admin.actor, query.window(), query.active()).await?;
    let with_totp = two_factor::reset::enrolled_in_company(ctx.services(), &admin.actor).await?;
    let with_passkey = passkeys::users_in_company(ctx.services(), &admin.actor).await?;
    let two_factor = two_factor::policy::of_company(ctx.services(), &admin.actor).await?;
    let page = ListPage {
        page: PageContext::admin(&admin, &ctx.session),
        users: Paged::from_rows(rows, &query),
        with_totp,
        with_passkey,
        two_factor,
        query,
    };
    crate::page_or_partial!(&ctx.req, StatusCode::OK, page, as_table)
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
    /// The user has an authenticator app (shown on the user's own page).
    second_factor: bool,
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
        second_factor: false,
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
    /// After a reset: how many of the user's API tokens were revoked with it.
    pub tokens_revoked: usize,
    /// Where the person goes next (links they may open: an operator's differ).
    pub next: Vec<(String, String)>,
}

impl OneTimePasswordPage {
    /// A company admin goes back to the user or to the user list.
    pub fn next_for_admin(user: &User) -> Vec<(String, String)> {
        vec![
            (
                format!("/admin/users/{}", user.id),
                format!("Back to {}", user.username),
            ),
            ("/admin/users".to_owned(), "All users".to_owned()),
        ]
    }
}

pub async fn create(
    admin: CompanyAdmin,
    ctx: Ctx,
    form: web::Form<UserForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let input = validated(|errors| form.parse(errors));
    match submit(input, |input| {
        users::create(ctx.services(), &admin.actor, input)
    })
    .await?
    {
        Ok((user, password)) => render(&OneTimePasswordPage {
            page: PageContext::admin(&admin, &ctx.session),
            next: OneTimePasswordPage::next_for_admin(&user),
            user,
            password,
            created: true,
            tokens_revoked: 0,
        }),
        Err(errors) => invalid_form(
            &ctx.req,
            form_page(&admin, &ctx.session, None, form, errors),
        ),
    }
}

pub async fn edit(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let user = users::find(ctx.services(), &admin.actor, id).await?;
    let form = UserForm {
        username: user.username.clone(),
        email: user.email.clone(),
        full_name: user.full_name.clone().unwrap_or_default(),
        role: user.role.as_str().to_owned(),
    };
    let second_factor = two_factor::reset::with_second_factor(ctx.services(), &admin.actor)
        .await?
        .contains(&id);
    render(&FormPage {
        second_factor,
        ..form_page(
            &admin,
            &ctx.session,
            Some(user),
            form,
            FieldErrors::default(),
        )
    })
}

pub async fn update(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<UserId>,
    form: web::Form<UserForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let user = users::find(ctx.services(), &admin.actor, id).await?;
    // The username never changes: it is how the user signs in.
    let form = UserForm {
        username: user.username.clone(),
        ..form.into_inner()
    };
    let input = validated(|errors| form.parse(errors));
    match submit(input, |input| {
        users::update(ctx.services(), &admin.actor, id, input)
    })
    .await?
    {
        Ok((user, tokens_revoked)) => Ok(done(
            &ctx.req,
            &ctx.session,
            match their_tokens(tokens_revoked) {
                None => format!("Saved {}.", user.username),
                Some(tokens) => format!(
                    "Saved {}. The role changed: {tokens} revoked.",
                    user.username
                ),
            },
            "/admin/users",
        )),
        Err(errors) => invalid_form(
            &ctx.req,
            form_page(&admin, &ctx.session, Some(user), form, errors),
        ),
    }
}

/// `…/activate` and `…/deactivate`.
pub async fn set_active(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<UserId>,
    Activation(active): Activation,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (user, tokens_revoked) =
        users::set_active(ctx.services(), &admin.actor, id, active).await?;
    let text = if active {
        format!("{} can sign in again.", user.username)
    } else {
        match their_tokens(tokens_revoked) {
            None => format!(
                "{} is deactivated and signed out everywhere.",
                user.username
            ),
            Some(tokens) => format!(
                "{} is deactivated and signed out everywhere; {tokens} revoked.",
                user.username
            ),
        }
    };
    Ok(done(
        &ctx.req,
        &ctx.session,
        text,
        &format!("/admin/users/{id}"),
    ))
}

pub async fn reset_password(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (user, password, tokens_revoked) =
        users::reset_password(ctx.services(), &admin.actor, id).await?;
    render(&OneTimePasswordPage {
        page: PageContext::admin(&admin, &ctx.session),
        next: OneTimePasswordPage::next_for_admin(&user),
        user,
        password,
        created: false,
        tokens_revoked,
    })
}

/// "their API token was" / "their N API tokens were", for a revocation's flash.
fn their_tokens(count: usize) -> Option<String> {
    match count {
        0 => None,
        1 => Some("their API token was".to_owned()),
        n => Some(format!("their {n} API tokens were")),
    }
}
