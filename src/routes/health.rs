use actix_web::{web, HttpResponse};

use crate::services::health;
use crate::state::AppState;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

/// The database and S3 both answer.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let readiness = health::readiness(&state.services).await;
    let report = format!(
        "database: {}\ns3: {}\n",
        if readiness.database {
            "ok"
        } else {
            "unavailable"
        },
        if readiness.storage {
            "ok"
        } else {
            "unavailable"
        },
    );
    let mut response = if readiness.is_ready() {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    response.content_type("text/plain").body(report)
}
