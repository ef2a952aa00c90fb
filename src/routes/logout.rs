use actix_session::Session;
use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::auth::{ClientInfo, SignedInUser};
use crate::db;
use crate::error::AppError;
use crate::services::sign_out;
use crate::startup::AppState;

pub async fn post(
    user: Option<SignedInUser>,
    session: Session,
    client: ClientInfo,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if let Some(user) = user {
        let session_id = user.session_id;
        db::transaction(&state.pool, move |conn| {
            sign_out::sign_out(conn, &user, session_id, &client)
        })
        .await?;
    }
    session.purge();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/login?signed_out=1"))
        .insert_header(("Clear-Site-Data", "\"cache\", \"storage\""))
        .finish())
}
