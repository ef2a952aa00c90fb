//! A signed-in person typing their password again (to change it, to turn two-factor
//! sign-in off, to make new recovery codes) is throttled like a sign-in: whoever holds a
//! stolen session must not be able to guess the password behind it at argon2's speed.
//! Each check is recorded (`auth.reauth_attempt`, with whether it held) before the
//! password is verified, under a lock per account, so a parallel burst counts in full;
//! after `MAX_FAILURES` failed checks in `WINDOW_MINUTES` the next is refused (429) until
//! the oldest of them leaves the window. Time is the app's clock.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use serde_json::json;

use crate::db::advisory_lock::lock_until_commit;
use crate::db::ids::UserId;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::sign_in_throttle::too_many;

/// Failed password checks of a signed-in account before the next is refused.
pub const MAX_FAILURES: i64 = 5;
pub const WINDOW_MINUTES: i64 = 15;

#[derive(QueryableByName)]
struct Standing {
    #[diesel(sql_type = BigInt)]
    failures: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    oldest: Option<DateTime<Utc>>,
}

/// Refuses the check while the account has `MAX_FAILURES` failed ones in the window;
/// otherwise records it as pending (`held: null`); [`held`] then says whether the
/// password held. A pending check without its success is a failure (also one whose node
/// died between the two steps).
pub(in crate::services) fn admit(
    conn: &mut PgConnection,
    actor: &Actor,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    lock_until_commit(conn, &format!("hopper.reauth:{}", user.0))?;
    let since = now - Duration::minutes(WINDOW_MINUTES);
    let standing: Standing = diesel::sql_query(
        "SELECT count(*) FILTER (WHERE details->'held' = 'null'::jsonb)
                - count(*) FILTER (WHERE details->'held' = 'true'::jsonb) AS failures,
                min(created_at) FILTER (WHERE details->'held' = 'null'::jsonb) AS oldest
           FROM audit_log
          WHERE action = $1 AND resource_type = 'user' AND resource_id = $2
            AND created_at > $3",
    )
    .bind::<Text, _>(actions::REAUTH_ATTEMPT)
    .bind::<Text, _>(user.0.to_string())
    .bind::<Timestamptz, _>(since)
    .get_result(conn)?;
    if standing.failures >= MAX_FAILURES {
        let free_at = standing.oldest.unwrap_or(now) + Duration::minutes(WINDOW_MINUTES);
        return Err(too_many(
            free_at - now,
            "Too many wrong passwords: wait a few minutes, then try again.".into(),
        ));
    }
    actor
        .audit(actions::REAUTH_ATTEMPT)
        .resource("user", user)
        .details(json!({ "held": null }))
        .record(conn)?;
    Ok(())
}

/// A check whose password held: written down as such (audit rows are append-only, so a
/// second row says it), which takes it off the failures.
pub(in crate::services) fn held(
    conn: &mut PgConnection,
    actor: &Actor,
    user: UserId,
) -> Result<(), AppError> {
    actor
        .audit(actions::REAUTH_ATTEMPT)
        .resource("user", user)
        .details(json!({ "held": true }))
        .record(conn)?;
    Ok(())
}
