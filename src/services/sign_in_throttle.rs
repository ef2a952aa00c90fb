//! The sign-in throttle. The check and the record of an attempt happen under one lock per
//! account, so a parallel burst cannot slip past the count. Per address, too many failures
//! are refused for the window (that address is the attacker's). Per account, after
//! `MAX_FAILURES_PER_ACCOUNT` attempts without a success, attempts are spaced: each waits
//! for its slot, `spacing` after the previous one. A correct password is then delayed,
//! never refused for good: nobody can lock another person out, and a guesser gets a few
//! tries a minute. Everything is counted from the audit log, so every node agrees.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamptz};
use serde_json::json;

use crate::config::SignInPolicy;
use crate::db::advisory_lock::lock_until_commit;
use crate::domain::ClientInfo;
use crate::error::AppError;
use crate::services::audit::{actions, AuditEvent};

/// Attempts without a success before they are spaced, and failures per address refused.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;
pub const WINDOW_MINUTES: i32 = 15;

#[derive(QueryableByName)]
struct Standing {
    #[diesel(sql_type = BigInt)]
    by_address: i64,
    #[diesel(sql_type = BigInt)]
    attempts: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_slot: Option<DateTime<Utc>>,
}

fn too_many(retry_after: Duration, message: String) -> AppError {
    AppError::TooManyRequests {
        message,
        retry_after_secs: u64::try_from(retry_after.num_seconds().max(1)).unwrap_or(1),
    }
}

/// Takes the attempt's slot (now, or later when the account is being guessed at) and
/// records it, or refuses. `username` is the recorded (sanitised, bounded) name.
pub fn reserve(
    conn: &mut PgConnection,
    username: &str,
    client: &ClientInfo,
    policy: &SignInPolicy,
) -> Result<DateTime<Utc>, AppError> {
    lock_until_commit(conn, &format!("hopper.sign_in:{username}"))?;
    let standing: Standing = diesel::sql_query(
        "SELECT
           (SELECT count(*) FROM audit_log WHERE action = 'auth.sign_in_failed'
              AND created_at > now() - make_interval(mins => $2) AND ip_address = $3) AS by_address,
           count(*) AS attempts,
           max((details->>'slot')::timestamptz) AS last_slot
         FROM audit_log
         WHERE action = 'auth.sign_in_attempt' AND details->>'username' = $1
           AND created_at > now() - make_interval(mins => $2)
           AND created_at > coalesce((SELECT max(created_at) FROM audit_log
                 WHERE action = 'auth.sign_in' AND actor_username = $1), '-infinity')",
    )
    .bind::<Text, _>(username)
    .bind::<Integer, _>(WINDOW_MINUTES)
    .bind::<Text, _>(client.ip.clone().unwrap_or_default())
    .get_result(conn)?;
    if standing.by_address >= MAX_FAILURES_PER_ADDRESS {
        return Err(too_many(
            Duration::minutes(i64::from(WINDOW_MINUTES)),
            format!(
                "Too many failed sign-in attempts from your address. Please wait {WINDOW_MINUTES} minutes and try again."
            ),
        ));
    }
    let now = Utc::now();
    let spacing = Duration::from_std(policy.spacing).unwrap_or(Duration::seconds(30));
    let slot = match standing.last_slot {
        Some(last) if standing.attempts >= MAX_FAILURES_PER_ACCOUNT => (last + spacing).max(now),
        _ => now,
    };
    let wait = slot - now;
    if wait > Duration::from_std(policy.max_hold).unwrap_or(Duration::seconds(10)) {
        return Err(too_many(
            wait,
            format!(
                "Too many failed sign-in attempts for this account. Please wait {} seconds and try again.",
                wait.num_seconds().max(1)
            ),
        ));
    }
    AuditEvent::new(actions::SIGN_IN_ATTEMPT)
        .details(json!({ "username": username, "slot": slot }))
        .client(client)
        .record(conn)?;
    Ok(slot)
}
