use actix_session::Session;
use actix_web::HttpResponse;
use askama::Template;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::web::{render, PageContext};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: PageContext,
    last_login: Option<String>,
}

pub async fn get(user: CurrentUser, session: Session) -> Result<HttpResponse, AppError> {
    let last_login = user.last_login.map(|at| user.local_time(at));
    render(&HomePage {
        page: PageContext::signed_in(&user, &session),
        last_login,
    })
}
