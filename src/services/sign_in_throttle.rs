//! The sign-in throttle. The check and the record of an attempt happen under one lock per
//! account, so a parallel burst cannot slip past the count. Everything is counted from the
//! audit log (attempts carry their slot), so every node agrees; time is the app's clock.
//!
//! A browser that signed in to the account before holds its device cookie (OWASP's
//! "device cookies", checked by the route): its attempts are counted on their own, and
//! only after `MAX_FAILURES_PER_ACCOUNT` of them in the window is it treated like any
//! other browser. Nothing another client does delays it.
//!
//! Any other attempt is throttled three ways. Per address, too many failures are refused
//! for the window (that address is the attacker's). Per account and address, after
//! `MAX_FAILURES_PER_ACCOUNT` attempts without a success from there, attempts are spaced:
//! each waits for its slot, `spacing` after the previous one. Per account, once it has
//! seen `UNTRUSTED_BEFORE_CAP` failures in the window (the owner signing in does not
//! reset this count: the guessing may go on), all addresses together get at most
//! `UNTRUSTED_PER_SPACING` attempts per `spacing`: a guesser from fewer addresses than that
//! leaves room for the owner at a new address, who is delayed, never refused for good.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Interval, Nullable, Text, Timestamptz};
use serde_json::json;

use crate::config::SignInPolicy;
use crate::db::advisory_lock::lock_until_commit;
use crate::domain::ClientInfo;
use crate::error::AppError;
use crate::services::audit::{actions, AuditEvent};

/// Attempts without a success (per account and address, or per device cookie) before
/// they are spaced, and failures per address refused.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;
pub const WINDOW_MINUTES: i32 = 15;
/// Failed sign-ins at an account before the account-wide cap applies (successes do not
/// count: people signing in from new browsers in a row are no guessing), and that cap:
/// attempts per `spacing` from all browsers without its device cookie together.
pub const UNTRUSTED_BEFORE_CAP: i64 = 10;
pub const UNTRUSTED_PER_SPACING: i64 = 4;

#[derive(QueryableByName)]
struct Standing {
    #[diesel(sql_type = BigInt)]
    by_address: i64,
    #[diesel(sql_type = BigInt)]
    here: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    here_last_slot: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    account: i64,
    #[diesel(sql_type = BigInt)]
    recent: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    oldest_recent: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct DeviceStanding {
    #[diesel(sql_type = BigInt)]
    attempts: i64,
}

/// A 429 that says when to come back (at least a second from now).
pub(in crate::services) fn too_many(retry_after: Duration, message: String) -> AppError {
    AppError::TooManyRequests {
        message,
        retry_after_secs: u64::try_from(retry_after.num_seconds().max(1)).unwrap_or(1),
    }
}

fn wait_message(whose: &str, wait: Duration) -> String {
    format!(
        "Too many failed sign-in attempts {whose}. Please wait {} seconds and try again.",
        wait.num_seconds().max(1)
    )
}

/// The attempt to be made: who, from where, with which device cookie (its id, already
/// verified to be Hopper's and to name this account), at what time.
pub struct Attempt<'a> {
    /// The name as it was typed; the throttle keys and records it sanitised and bounded.
    pub username: &'a str,
    pub client: &'a ClientInfo,
    pub device: Option<&'a str>,
    pub now: DateTime<Utc>,
}

/// Takes the attempt's slot (now, or later when it is being spaced) and records it, or
/// refuses.
pub fn reserve(
    conn: &mut PgConnection,
    attempt: &Attempt<'_>,
    policy: &SignInPolicy,
) -> Result<DateTime<Utc>, AppError> {
    let Attempt {
        username,
        client,
        device,
        now,
    } = *attempt;
    let recorded = crate::services::sign_in::recorded_username(username);
    let username = recorded.as_str();
    lock_until_commit(conn, &format!("hopper.sign_in:{username}"))?;
    let window = diesel::pg::data_types::PgInterval::from_microseconds(
        i64::from(WINDOW_MINUTES) * 60 * 1_000_000,
    );
    let trusted = match device {
        Some(device) => {
            let standing: DeviceStanding = diesel::sql_query(
                "SELECT count(*) AS attempts FROM audit_log
                 WHERE action = 'auth.sign_in_attempt' AND details->>'username' = $1
                   AND details->>'device' = $2 AND created_at > $3 - $4",
            )
            .bind::<Text, _>(username)
            .bind::<Text, _>(device)
            .bind::<Timestamptz, _>(now)
            .bind::<Interval, _>(window)
            .get_result(conn)?;
            standing.attempts < MAX_FAILURES_PER_ACCOUNT
        }
        None => false,
    };
    let slot = if trusted {
        now
    } else {
        untrusted_slot(conn, username, client, now, window, policy)?
    };
    AuditEvent::new(actions::SIGN_IN_ATTEMPT)
        .details(json!({
            "username": username,
            "slot": slot,
            "trusted": trusted,
            "device": device,
        }))
        .client(client)
        .record(conn)?;
    Ok(slot)
}

/// The slot of an attempt without a (still trusted) device cookie, or its refusal.
fn untrusted_slot(
    conn: &mut PgConnection,
    username: &str,
    client: &ClientInfo,
    now: DateTime<Utc>,
    window: diesel::pg::data_types::PgInterval,
    policy: &SignInPolicy,
) -> Result<DateTime<Utc>, AppError> {
    let spacing = Duration::from_std(policy.spacing).unwrap_or(Duration::seconds(30));
    let standing: Standing = diesel::sql_query(
        "WITH attempts AS (
           SELECT created_at, ip_address, (details->>'slot')::timestamptz AS slot
           FROM audit_log
           WHERE action = 'auth.sign_in_attempt' AND details->>'username' = $1
             AND details->>'trusted' IS DISTINCT FROM 'true' AND created_at > $3 - $4
         ), since AS (
           SELECT coalesce(max(created_at), '-infinity') AS here
           FROM audit_log
           WHERE action = 'auth.sign_in' AND actor_username = $1 AND ip_address = $2
             AND created_at > $3 - $4
         )
         SELECT
           (SELECT count(*) FROM audit_log WHERE action = 'auth.sign_in_failed'
              AND created_at > $3 - $4 AND ip_address = $2) AS by_address,
           count(*) FILTER (WHERE ip_address = $2 AND created_at > since.here) AS here,
           max(slot) FILTER (WHERE ip_address = $2 AND created_at > since.here) AS here_last_slot,
           (SELECT count(*) FROM audit_log WHERE action = 'auth.sign_in_failed'
              AND details->>'username' = $1 AND created_at > $3 - $4) AS account,
           count(*) FILTER (WHERE slot > $3 - $5) AS recent,
           min(slot) FILTER (WHERE slot > $3 - $5) AS oldest_recent
         FROM since LEFT JOIN attempts ON true
         GROUP BY since.here",
    )
    .bind::<Text, _>(username)
    .bind::<Text, _>(client.ip.clone().unwrap_or_default())
    .bind::<Timestamptz, _>(now)
    .bind::<Interval, _>(window)
    .bind::<Interval, _>(diesel::pg::data_types::PgInterval::from_microseconds(
        spacing.num_microseconds().unwrap_or(30_000_000),
    ))
    .get_result(conn)?;
    if standing.by_address >= MAX_FAILURES_PER_ADDRESS {
        return Err(too_many(
            Duration::minutes(i64::from(WINDOW_MINUTES)),
            format!(
                "Too many failed sign-in attempts from your address. Please wait {WINDOW_MINUTES} minutes and try again."
            ),
        ));
    }
    let slot = match standing.here_last_slot {
        Some(last) if standing.here >= MAX_FAILURES_PER_ACCOUNT => (last + spacing).max(now),
        _ => now,
    };
    let wait = slot - now;
    if wait > Duration::from_std(policy.max_hold).unwrap_or(Duration::seconds(10)) {
        return Err(too_many(
            wait,
            wait_message("for this account from your address", wait),
        ));
    }
    if standing.account >= UNTRUSTED_BEFORE_CAP && standing.recent >= UNTRUSTED_PER_SPACING {
        let wait = standing
            .oldest_recent
            .map_or(spacing, |oldest| oldest + spacing - now);
        return Err(too_many(wait, wait_message("for this account", wait)));
    }
    Ok(slot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_is_told_in_whole_seconds_and_at_least_one() {
        assert!(wait_message("x", Duration::milliseconds(200)).contains("wait 1 seconds"));
        let AppError::TooManyRequests {
            retry_after_secs, ..
        } = too_many(Duration::milliseconds(-5), String::new())
        else {
            panic!("not a 429");
        };
        assert_eq!(retry_after_secs, 1);
    }
}
