use actix_web::{web, HttpResponse};

use crate::services::health;
use crate::services::scanning::ScannerState;
use crate::state::AppState;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

/// The database and S3 both answer; the virus scanner's state is reported beside them.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let readiness = health::readiness(&state.services).await;
    let status = |ok: bool| if ok { "ok" } else { "unavailable" };
    let role = match &readiness.role {
        Some(role) if role.is_least_privilege() => format!("{} (owns nothing)", role.name),
        Some(role) => format!(
            "{} (WARNING: the owner or a superuser; set HOPPER_APP_DATABASE_URL)",
            role.name
        ),
        None => "unknown".to_owned(),
    };
    let scanner = match &readiness.scanner {
        ScannerState::Off => "off (files are not scanned for viruses)".to_owned(),
        ScannerState::Ready => "ok".to_owned(),
        ScannerState::Unreachable(why) => {
            format!("unavailable ({why}); new files wait for their scan")
        }
    };
    let report = format!(
        "database: {}\ns3: {}\nvirus scanner: {scanner}\ndatabase role: {role}\n",
        status(readiness.database),
        status(readiness.storage),
    );
    let mut response = if readiness.is_ready() {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    response.content_type("text/plain").body(report)
}
