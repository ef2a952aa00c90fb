//! Webhook endpoints and the outbox of events (each with a delivery per endpoint that
//! wants it); finders of one company's rows take the company.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Int4;

use crate::db::ids::{CompanyId, UserId, WebhookEndpointId};
use crate::db::models::tenant_finder::tenant_finder;
use crate::domain::WebhookEvent;
use crate::schema::{webhook_deliveries, webhook_endpoints, webhook_events};

/// An endpoint as its admins see it (never its secret).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints, check_for_backend(diesel::pg::Pg))]
pub struct WebhookEndpoint {
    pub id: WebhookEndpointId,
    pub company_id: CompanyId,
    pub url: String,
    pub description: String,
    pub events: Vec<Option<String>>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl WebhookEndpoint {
    /// The events it wants, as Hopper knows them.
    pub fn wanted(&self) -> Vec<WebhookEvent> {
        self.events
            .iter()
            .flatten()
            .filter_map(|e| WebhookEvent::parse(e))
            .collect()
    }

    pub fn wants(&self, event: &WebhookEvent) -> bool {
        self.wanted().contains(event)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct NewEndpoint<'a> {
    pub company_id: CompanyId,
    pub url: &'a str,
    pub description: &'a str,
    pub events: Vec<String>,
    pub secret: &'a str,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

/// A change of an endpoint: its address, events, description, or switched on or off.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointChange<'a> {
    pub url: Option<&'a str>,
    pub description: Option<&'a str>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
    /// `Some(None)` clears it (switched on again).
    pub disabled_reason: Option<Option<&'a str>>,
    pub failing_since: Option<Option<DateTime<Utc>>>,
}

impl WebhookEndpoint {
    tenant_finder!(
        /// One endpoint of `company`, locked for its change.
        pub fn lock_in_company(webhook_endpoints, id: WebhookEndpointId) for update
    );

    pub fn insert(conn: &mut PgConnection, new: &NewEndpoint<'_>) -> QueryResult<Self> {
        diesel::insert_into(webhook_endpoints::table)
            .values(new)
            .returning(Self::as_returning())
            .get_result(conn)
    }

    /// Stores the endpoint's signing secret, sealed.
    pub fn set_sealed_secret(
        conn: &mut PgConnection,
        id: WebhookEndpointId,
        sealed: &str,
    ) -> QueryResult<()> {
        diesel::update(webhook_endpoints::table.find(id))
            .set(webhook_endpoints::secret.eq(sealed))
            .execute(conn)
            .map(|_| ())
    }

    /// `(id, secret)` of the endpoints whose secret is still bare, locked to be sealed.
    pub fn bare_secrets_for_update(
        conn: &mut PgConnection,
    ) -> QueryResult<Vec<(WebhookEndpointId, String)>> {
        webhook_endpoints::table
            .filter(webhook_endpoints::secret.like("whsec\\_%"))
            .select((webhook_endpoints::id, webhook_endpoints::secret))
            .for_update()
            .load(conn)
    }

    pub fn list(conn: &mut PgConnection, company: CompanyId) -> QueryResult<Vec<Self>> {
        webhook_endpoints::table
            .filter(webhook_endpoints::company_id.eq(company))
            .order(webhook_endpoints::id)
            .select(Self::as_select())
            .load(conn)
    }

    pub fn change(
        conn: &mut PgConnection,
        id: WebhookEndpointId,
        change: &EndpointChange<'_>,
    ) -> QueryResult<Self> {
        diesel::update(webhook_endpoints::table.find(id))
            .set(change)
            .returning(Self::as_returning())
            .get_result(conn)
    }

    /// Deletes the endpoint with its deliveries and their attempts.
    pub fn delete(conn: &mut PgConnection, id: WebhookEndpointId) -> QueryResult<usize> {
        diesel::delete(webhook_endpoints::table.find(id)).execute(conn)
    }

    /// The enabled endpoints of `company` that want `event`.
    pub fn subscribed(
        conn: &mut PgConnection,
        company: CompanyId,
        event: WebhookEvent,
    ) -> QueryResult<Vec<WebhookEndpointId>> {
        diesel::sql_query(
            "SELECT id FROM webhook_endpoints
              WHERE company_id = $1 AND enabled AND $2 = ANY (events) ORDER BY id",
        )
        .bind::<Int4, _>(company.0)
        .bind::<diesel::sql_types::Text, _>(event.as_str())
        .load::<IdRow>(conn)
        .map(|rows| rows.into_iter().map(|r| WebhookEndpointId(r.id)).collect())
    }
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Int4)]
    id: i32,
}

/// One event in the outbox, with a delivery to each endpoint that wants it.
pub struct NewEvent<'a> {
    pub company: CompanyId,
    pub msg_id: &'a str,
    pub event: WebhookEvent,
    pub cycle: Option<i32>,
    pub payload: &'a str,
    pub at: DateTime<Utc>,
    pub endpoints: &'a [WebhookEndpointId],
}

/// Writes the event and its deliveries (due at once).
pub fn insert_event(conn: &mut PgConnection, new: &NewEvent<'_>) -> QueryResult<i64> {
    let id: i64 = diesel::insert_into(webhook_events::table)
        .values((
            webhook_events::company_id.eq(new.company),
            webhook_events::msg_id.eq(new.msg_id),
            webhook_events::event_type.eq(new.event.as_str()),
            webhook_events::cycle_id.eq(new.cycle),
            webhook_events::payload.eq(new.payload),
            webhook_events::created_at.eq(new.at),
        ))
        .returning(webhook_events::id)
        .get_result(conn)?;
    let rows: Vec<_> = new
        .endpoints
        .iter()
        .map(|endpoint| {
            (
                webhook_deliveries::company_id.eq(new.company),
                webhook_deliveries::event_id.eq(id),
                webhook_deliveries::endpoint_id.eq(*endpoint),
                webhook_deliveries::next_attempt_at.eq(new.at),
                webhook_deliveries::created_at.eq(new.at),
            )
        })
        .collect();
    diesel::insert_into(webhook_deliveries::table)
        .values(rows)
        .execute(conn)?;
    Ok(id)
}
