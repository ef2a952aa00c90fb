//! Starting a single sign-on is open to anybody, and each start reads a provider and
//! writes a row (the sign-in in progress, or the refusal's audit row). An address may
//! start `MAX_STARTS_PER_ADDRESS` in `WINDOW_MINUTES` (counted from the audit trail, so
//! every node agrees); beyond that it is told to wait (429). People behind one proxy
//! share an address only when the proxy is not trusted to name them (see
//! `HOPPER_TRUSTED_PROXIES`).

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz};

use crate::domain::ClientInfo;
use crate::error::AppError;
use crate::services::audit::actions;
use crate::services::sign_in_throttle::too_many;
use crate::services::ServiceContext;

pub const MAX_STARTS_PER_ADDRESS: i64 = 20;
pub const WINDOW_MINUTES: i64 = 15;

#[derive(QueryableByName)]
struct Standing {
    #[diesel(sql_type = BigInt)]
    starts: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    oldest: Option<DateTime<Utc>>,
}

/// Refuses a start from an address that has made too many in the window. A burst sent at
/// once is counted as its starts are written, so it may pass by what is in flight.
pub async fn admit(ctx: &ServiceContext, client: &ClientInfo) -> Result<(), AppError> {
    let Some(ip) = client.ip.clone() else {
        return Ok(());
    };
    let now = ctx.clock().now();
    let since = now - Duration::minutes(WINDOW_MINUTES);
    let standing: Standing = ctx
        .read_unscoped(move |conn| {
            diesel::sql_query(
                "SELECT count(*) AS starts, min(created_at) AS oldest FROM audit_log
                  WHERE action = ANY($1) AND ip_address = $2 AND created_at > $3",
            )
            .bind::<Array<Text>, _>(vec![actions::SSO_STARTED, actions::SSO_REFUSED])
            .bind::<Text, _>(ip)
            .bind::<Timestamptz, _>(since)
            .get_result(conn)
        })
        .await?;
    if standing.starts < MAX_STARTS_PER_ADDRESS {
        return Ok(());
    }
    let free_at = standing.oldest.unwrap_or(now) + Duration::minutes(WINDOW_MINUTES);
    Err(too_many(
        free_at - now,
        "Too many sign-ins started from here: wait a few minutes, then try again.".into(),
    ))
}
