//! The deliveries of webhook events and their attempts: claimed by the worker across
//! companies, logged per endpoint, sent again on an admin's word.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Int4, Int8, Timestamptz};

use crate::db::ids::{CompanyId, WebhookEndpointId};
use crate::domain::DeliveryStatus;
use crate::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints, webhook_events};

/// A delivery a node took to send: where, with what key, the exact body and its id.
#[derive(Debug, Clone, QueryableByName)]
pub struct DueDelivery {
    #[diesel(sql_type = Int8)]
    pub id: i64,
    #[diesel(sql_type = Int4)]
    pub company_id: i32,
    #[diesel(sql_type = Int4)]
    pub endpoint_id: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub url: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub secret: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub msg_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub payload: String,
    #[diesel(sql_type = Int4)]
    pub attempts: i32,
    /// Unset until the first attempt.
    #[diesel(sql_type = diesel::sql_types::Nullable<Timestamptz>)]
    pub retry_until: Option<DateTime<Utc>>,
}

/// Takes up to `limit` due deliveries for `lease_secs` (their due time moves that far
/// ahead, so no other node sends them meanwhile; rows another node is taking are
/// skipped). A delivery waits while an earlier one of the same cycle to the same endpoint
/// is still pending, so an endpoint hears a cycle's events in their order.
pub fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    lease_secs: i32,
    limit: i64,
) -> QueryResult<Vec<DueDelivery>> {
    diesel::sql_query(
        "WITH taken AS (
             UPDATE webhook_deliveries SET next_attempt_at = $1 + make_interval(secs => $2)
              WHERE id IN (
                    SELECT d.id FROM webhook_deliveries d
                      JOIN webhook_events e ON e.id = d.event_id
                      JOIN webhook_endpoints w ON w.id = d.endpoint_id
                     WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND w.enabled
                       AND NOT EXISTS (
                           SELECT 1 FROM webhook_deliveries p
                             JOIN webhook_events pe ON pe.id = p.event_id
                            WHERE p.endpoint_id = d.endpoint_id AND p.status = 'pending'
                              AND pe.cycle_id = e.cycle_id AND p.id < d.id)
                     ORDER BY d.id LIMIT $3
                       FOR UPDATE OF d SKIP LOCKED)
             RETURNING id, company_id, endpoint_id, event_id, attempts, retry_until)
         SELECT t.id, t.company_id, t.endpoint_id, w.url::text AS url, w.secret::text AS secret,
                e.msg_id::text AS msg_id, e.payload, t.attempts, t.retry_until
           FROM taken t JOIN webhook_events e ON e.id = t.event_id
           JOIN webhook_endpoints w ON w.id = t.endpoint_id
          ORDER BY t.id",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Int4, _>(lease_secs)
    .bind::<Int8, _>(limit)
    .load(conn)
}

/// What one attempt found.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub succeeded: bool,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
}

/// Records an attempt of a delivery and where the delivery goes next: delivered, pending
/// again at `next` or failed for good (`next` None), retried until `retry_until`.
/// Answers whether it was still pending.
pub fn record_attempt(
    conn: &mut PgConnection,
    due: &DueDelivery,
    outcome: &AttemptOutcome,
    (now, next, retry_until): (DateTime<Utc>, Option<DateTime<Utc>>, DateTime<Utc>),
) -> QueryResult<bool> {
    let status = if outcome.succeeded {
        DeliveryStatus::Delivered
    } else if next.is_some() {
        DeliveryStatus::Pending
    } else {
        DeliveryStatus::Failed
    };
    let moved = diesel::update(
        webhook_deliveries::table
            .find(due.id)
            .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str())),
    )
    .set((
        webhook_deliveries::status.eq(status.as_str()),
        webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
        webhook_deliveries::last_attempt_at.eq(now),
        webhook_deliveries::next_attempt_at.eq(next.unwrap_or(now)),
        webhook_deliveries::delivered_at.eq(outcome.succeeded.then_some(now)),
        webhook_deliveries::retry_until.eq(retry_until),
    ))
    .execute(conn)?;
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::company_id.eq(due.company_id),
            webhook_attempts::delivery_id.eq(due.id),
            webhook_attempts::endpoint_id.eq(due.endpoint_id),
            webhook_attempts::attempted_at.eq(now),
            webhook_attempts::succeeded.eq(outcome.succeeded),
            webhook_attempts::status_code.eq(outcome.status_code),
            webhook_attempts::latency_ms.eq(outcome.latency_ms),
            webhook_attempts::response_excerpt.eq(outcome.response_excerpt.as_deref()),
            webhook_attempts::error.eq(outcome.error.as_deref()),
        ))
        .execute(conn)?;
    Ok(moved == 1)
}

/// One line of an endpoint's delivery log: the event, where its delivery stands, and its
/// last attempt.
#[derive(Debug, Clone, QueryableByName)]
pub struct DeliveryLine {
    #[diesel(sql_type = Int8)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub msg_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub event_type: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub status: String,
    #[diesel(sql_type = Int4)]
    pub attempts: i32,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub next_attempt_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Timestamptz>)]
    pub last_attempt_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Int4>)]
    pub status_code: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Int4>)]
    pub latency_ms: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub response_excerpt: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub error: Option<String>,
}

/// The newest `limit` deliveries of an endpoint of `company`, newest first.
pub fn delivery_log(
    conn: &mut PgConnection,
    company: CompanyId,
    endpoint: WebhookEndpointId,
    limit: i64,
) -> QueryResult<Vec<DeliveryLine>> {
    diesel::sql_query(
        "SELECT d.id, e.msg_id::text AS msg_id, e.event_type::text AS event_type,
                d.status::text AS status, d.attempts, d.created_at, d.next_attempt_at,
                d.last_attempt_at, a.status_code, a.latency_ms,
                a.response_excerpt::text AS response_excerpt, a.error::text AS error
           FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
           LEFT JOIN LATERAL (SELECT * FROM webhook_attempts x WHERE x.delivery_id = d.id
                               ORDER BY x.id DESC LIMIT 1) a ON TRUE
          WHERE d.company_id = $1 AND d.endpoint_id = $2
          ORDER BY d.id DESC LIMIT $3",
    )
    .bind::<Int4, _>(company.0)
    .bind::<Int4, _>(endpoint.0)
    .bind::<Int8, _>(limit)
    .load(conn)
}

/// Sends a delivery of `company`'s endpoint again: pending now, retried for a day more.
/// Answers the event's id and type, or `None` for a delivery that is not there.
pub fn redeliver(
    conn: &mut PgConnection,
    (company, endpoint): (CompanyId, WebhookEndpointId),
    delivery: i64,
    now: DateTime<Utc>,
    retry_until: DateTime<Utc>,
) -> QueryResult<Option<(String, String)>> {
    let moved: Option<i64> = diesel::update(
        webhook_deliveries::table
            .find(delivery)
            .filter(webhook_deliveries::company_id.eq(company))
            .filter(webhook_deliveries::endpoint_id.eq(endpoint)),
    )
    .set((
        webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()),
        webhook_deliveries::next_attempt_at.eq(now),
        webhook_deliveries::retry_until.eq(retry_until),
    ))
    .returning(webhook_deliveries::event_id)
    .get_result(conn)
    .optional()?;
    let Some(event) = moved else {
        return Ok(None);
    };
    webhook_events::table
        .find(event)
        .select((webhook_events::msg_id, webhook_events::event_type))
        .first(conn)
        .optional()
}

/// Marks an endpoint failing since `now` unless it already is; answers since when.
pub fn failing(
    conn: &mut PgConnection,
    endpoint: WebhookEndpointId,
    now: DateTime<Utc>,
) -> QueryResult<Option<DateTime<Utc>>> {
    diesel::update(webhook_endpoints::table.find(endpoint))
        .set(
            webhook_endpoints::failing_since.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<Timestamptz>,
            >("coalesce(failing_since, ")
            .bind::<Timestamptz, _>(now)
            .sql(")")),
        )
        .returning(webhook_endpoints::failing_since)
        .get_result(conn)
}

/// An endpoint that answered: no longer failing.
pub fn answered(conn: &mut PgConnection, endpoint: WebhookEndpointId) -> QueryResult<()> {
    diesel::update(
        webhook_endpoints::table
            .find(endpoint)
            .filter(webhook_endpoints::failing_since.is_not_null()),
    )
    .set(webhook_endpoints::failing_since.eq(None::<DateTime<Utc>>))
    .execute(conn)
    .map(|_| ())
}

/// Deletes the events made before `before` that nothing waits to send any more, with
/// their deliveries and attempts; answers how many.
pub fn prune(conn: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM webhook_events e
          WHERE e.created_at < $1
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
                             WHERE d.event_id = e.id AND d.status = 'pending')",
    )
    .bind::<Timestamptz, _>(before)
    .execute(conn)
}
