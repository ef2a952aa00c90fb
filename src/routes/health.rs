use actix_web::{web, HttpResponse};
use diesel::RunQueryDsl;

use crate::db;
use crate::startup::AppState;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

/// The database and S3 both answer.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = db::transaction(&state.pool, |conn| {
        diesel::sql_query("SELECT 1").execute(conn)?;
        Ok(())
    })
    .await;
    let storage = state.storage.check_ready().await;
    let mut report = String::new();
    report.push_str(match &database {
        Ok(()) => "database: ok\n",
        Err(_) => "database: unavailable\n",
    });
    match &storage {
        Ok(()) => report.push_str("s3: ok\n"),
        Err(e) => {
            tracing::warn!(error = %e, "S3 is not ready");
            report.push_str("s3: unavailable\n");
        }
    }
    let mut response = if database.is_ok() && storage.is_ok() {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    response.content_type("text/plain").body(report)
}
