//! The throttle on an upload link's PIN, the sign-in throttle's rules for a short secret.
//! The check and the record of an attempt happen under one lock per link, so a parallel
//! burst cannot slip past the count. Per link, after `FREE_ATTEMPTS` attempts without a
//! success, each further attempt must wait `SPACING` after the previous one: a guesser of
//! a 6-digit PIN gets two tries a minute (years for the whole space), and the person the
//! link is for is delayed, never locked out. Per address, too many failures on any link
//! are refused for the window. Counted from the audit log, so every node agrees.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamptz};
use serde_json::json;

use crate::db::advisory_lock::lock_until_commit;
use crate::db::models::upload_link::UploadLink;
use crate::domain::{ClientInfo, Via};
use crate::error::AppError;
use crate::services::audit::{actions, AuditEvent};

pub const FREE_ATTEMPTS: i64 = 5;
pub const SPACING_SECONDS: i64 = 30;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const WINDOW_MINUTES: i32 = 15;

#[derive(QueryableByName)]
struct Standing {
    #[diesel(sql_type = BigInt)]
    failures_by_address: i64,
    #[diesel(sql_type = BigInt)]
    attempts: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_attempt: Option<DateTime<Utc>>,
}

fn event<'a>(action: &'a str, link: &'a UploadLink, client: &'a ClientInfo) -> AuditEvent<'a> {
    AuditEvent::new(action)
        .company(link.company_id)
        .project(link.project_id)
        .via(
            Via::UploadLink(link.id),
            format!("visitor of upload link: {}", link.label),
        )
        .resource("upload_link", link.id)
        .client(client)
}

/// Records a PIN attempt, or refuses it (429) while the link or the address is throttled.
pub(super) fn reserve(
    conn: &mut PgConnection,
    link: &UploadLink,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    lock_until_commit(conn, &format!("hopper.upload_link_pin:{}", link.id))?;
    let standing: Standing = diesel::sql_query(
        "SELECT
           (SELECT count(*) FROM audit_log WHERE action = $4
              AND created_at > $8 - make_interval(mins => $2) AND ip_address = $3) AS failures_by_address,
           count(*) AS attempts,
           max(created_at) AS last_attempt
         FROM audit_log
         WHERE company_id = $5 AND action = $6 AND details->>'upload_link' = $1
           AND created_at > $8 - make_interval(mins => $2)
           AND created_at > coalesce((SELECT max(created_at) FROM audit_log
                 WHERE company_id = $5 AND action = $7 AND details->>'upload_link' = $1), '-infinity')",
    )
    .bind::<Text, _>(link.id.to_string())
    .bind::<Integer, _>(WINDOW_MINUTES)
    .bind::<Text, _>(client.ip.clone().unwrap_or_default())
    .bind::<Text, _>(actions::UPLOAD_LINK_PIN_FAILED)
    .bind::<Integer, _>(link.company_id.0)
    .bind::<Text, _>(actions::UPLOAD_LINK_PIN_ATTEMPT)
    .bind::<Text, _>(actions::UPLOAD_LINK_OPENED)
    .bind::<Timestamptz, _>(now)
    .get_result(conn)?;
    if standing.failures_by_address >= MAX_FAILURES_PER_ADDRESS {
        return Err(AppError::TooManyRequests {
            message: format!(
                "Too many wrong PINs from your address. Please wait {WINDOW_MINUTES} minutes and try again."
            ),
            retry_after_secs: u64::try_from(WINDOW_MINUTES).unwrap_or(15) * 60,
        });
    }
    if let Some(last) = standing.last_attempt {
        let wait = last + Duration::seconds(SPACING_SECONDS) - now;
        if standing.attempts >= FREE_ATTEMPTS && wait > Duration::zero() {
            let seconds = wait.num_seconds().max(1);
            return Err(AppError::TooManyRequests {
                message: format!(
                    "Too many wrong PINs for this link. Please wait {seconds} seconds and try again."
                ),
                retry_after_secs: u64::try_from(seconds).unwrap_or(1),
            });
        }
    }
    event(actions::UPLOAD_LINK_PIN_ATTEMPT, link, client)
        .details(json!({}))
        .record(conn)?;
    Ok(())
}

/// Records a wrong PIN (the per-address count reads these).
pub(super) fn failed(
    conn: &mut PgConnection,
    link: &UploadLink,
    client: &ClientInfo,
) -> Result<(), AppError> {
    event(actions::UPLOAD_LINK_PIN_FAILED, link, client)
        .details(json!({}))
        .record(conn)?;
    Ok(())
}
