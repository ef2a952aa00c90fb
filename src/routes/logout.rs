use actix_session::Session;
use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::auth::{ClientInfo, SignedInUser};
use crate::error::AppError;
use crate::services::sign_out;
use crate::state::AppState;

pub async fn post(
    user: Option<SignedInUser>,
    session: Session,
    client: ClientInfo,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if let Some(user) = user {
        sign_out::sign_out(&state.services, &user.actor(client), user.session_id).await?;
    }
    session.purge();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/login?signed_out=1"))
        .insert_header(("Clear-Site-Data", "\"cache\", \"storage\""))
        .finish())
}
