//! When the session store cannot reach the database (pool exhausted, PostgreSQL
//! restarting), actix-session answers with a bare 500. This middleware, just outside the
//! session middleware, turns that into Hopper's 503 page with `Retry-After`; error pages
//! carry the security headers themselves (see `AppError::error_response`), since such an
//! error passes the headers middleware by.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::error::AppError;

pub async fn session_store_failures(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    match next.call(req).await {
        Ok(response) => Ok(response.map_into_boxed_body()),
        Err(error) => {
            tracing::warn!(error = %error, "the session store failed; answering 503");
            Err(AppError::Unavailable(
                "Hopper is busy right now; please try again in a moment.".into(),
            )
            .into())
        }
    }
}
