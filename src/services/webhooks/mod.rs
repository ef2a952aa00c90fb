//! Webhooks per company: the endpoints a company admin registers (an address, the events
//! wanted, on or off; the signing secret shown once), each change audited; the outbox
//! the changes write ([`outbox`]), the delivery worker ([`delivery`]) and the rule of
//! where deliveries may go ([`target`]); the secret is kept sealed ([`sealed`]). Another
//! company's endpoint is a 404.

mod delivery;
pub(in crate::services) mod outbox;
mod sealed;
mod target;

pub use sealed::seal_stored;

pub use delivery::{
    back_off, prune, run_once, spawn_deliveries, DeliveryReport, DISABLE_AFTER, KEEP_LOG, RETRY_FOR,
};

use serde_json::json;

use crate::db::ids::WebhookEndpointId;
pub use crate::db::models::webhook::WebhookEndpoint;
use crate::db::models::webhook::{EndpointChange, NewEndpoint};
use crate::db::models::webhook_delivery as webhook;
pub use crate::db::models::webhook_delivery::DeliveryLine;
use crate::domain::refusal::WebhookRefused;
use crate::domain::webhook::new_secret;
use crate::domain::{TokenScope, WebhookEvent, WebhookUrl};
use crate::error::AppError;
use crate::services::audit::actions;
use crate::services::{Actor, ServiceContext};

/// Deliveries an endpoint's log shows.
const LOG_LINES: i64 = 100;

/// A new endpoint, parsed.
#[derive(Debug, Clone)]
pub struct EndpointRequest {
    pub url: WebhookUrl,
    pub description: String,
    pub events: Vec<WebhookEvent>,
}

fn admin_only(actor: &Actor) -> Result<(), AppError> {
    if actor.is_admin() && actor.may(TokenScope::Admin) {
        Ok(())
    } else {
        Err(WebhookRefused::AdminOnly.into())
    }
}

fn event_names(events: &[WebhookEvent]) -> Vec<String> {
    events.iter().map(|e| e.as_str().to_owned()).collect()
}

/// The company's endpoints.
pub async fn list(ctx: &ServiceContext, actor: &Actor) -> Result<Vec<WebhookEndpoint>, AppError> {
    admin_only(actor)?;
    ctx.run(actor, |conn, actor| {
        Ok(WebhookEndpoint::list(conn, actor.company_id())?)
    })
    .await
}

/// Registers an endpoint (its target checked first) and answers it with its signing
/// secret, which is never shown again.
pub async fn create(
    ctx: &ServiceContext,
    actor: &Actor,
    wanted: EndpointRequest,
) -> Result<(WebhookEndpoint, String), AppError> {
    admin_only(actor)?;
    target::check(&wanted.url, ctx.webhooks().allow_private).await?;
    let now = ctx.clock().now();
    let key = ctx.sealing_key(sealed::SEALING)?;
    ctx.run(actor, move |conn, actor| {
        let secret = new_secret();
        let endpoint = WebhookEndpoint::insert(
            conn,
            &NewEndpoint {
                company_id: actor.company_id(),
                url: wanted.url.as_str(),
                description: &wanted.description,
                events: event_names(&wanted.events),
                secret: &secret,
                created_by: actor.user_id(),
                created_at: now,
            },
        )?;
        // Sealed to its row, so the row is written first (the bare value never commits).
        WebhookEndpoint::set_sealed_secret(
            conn,
            endpoint.id,
            &sealed::seal(&key, endpoint.id, &secret)?,
        )?;
        actor
            .audit(actions::WEBHOOK_CREATED)
            .resource("webhook_endpoint", endpoint.id)
            .details(json!({
                "url": endpoint.url,
                "description": endpoint.description,
                "events": endpoint.events,
            }))
            .record(conn)?;
        Ok((endpoint, secret))
    })
    .await
}

/// One endpoint of the company with its newest deliveries.
pub async fn with_log(
    ctx: &ServiceContext,
    actor: &Actor,
    id: WebhookEndpointId,
) -> Result<(WebhookEndpoint, Vec<DeliveryLine>), AppError> {
    admin_only(actor)?;
    ctx.run(actor, move |conn, actor| {
        let endpoint = WebhookEndpoint::lock_in_company(conn, actor.company_id(), id)?
            .ok_or_else(|| actor.not_found("webhook_endpoint", id))?;
        let log = webhook::delivery_log(conn, actor.company_id(), id, LOG_LINES)?;
        Ok((endpoint, log))
    })
    .await
}

/// What an admin changes of an endpoint: its address and events (as the form said them:
/// parsed once the endpoint is known to be the company's), or switched on or off.
#[derive(Debug)]
pub enum EndpointEdit {
    Target(Result<EndpointRequest, AppError>),
    Enabled(bool),
}

/// Changes an endpoint; switching it on again clears why it was off. Another company's
/// endpoint is a 404 whatever the form says.
pub async fn change(
    ctx: &ServiceContext,
    actor: &Actor,
    id: WebhookEndpointId,
    edit: EndpointEdit,
) -> Result<WebhookEndpoint, AppError> {
    admin_only(actor)?;
    let edit = match edit {
        EndpointEdit::Target(wanted) => {
            ctx.run(actor, move |conn, actor| {
                WebhookEndpoint::lock_in_company(conn, actor.company_id(), id)?
                    .ok_or_else(|| actor.not_found("webhook_endpoint", id))
            })
            .await?;
            let wanted = wanted?;
            target::check(&wanted.url, ctx.webhooks().allow_private).await?;
            Edit::Target(wanted)
        }
        EndpointEdit::Enabled(on) => Edit::Enabled(on),
    };
    ctx.run(actor, move |conn, actor| {
        let before = WebhookEndpoint::lock_in_company(conn, actor.company_id(), id)?
            .ok_or_else(|| actor.not_found("webhook_endpoint", id))?;
        let change = match &edit {
            Edit::Target(wanted) => EndpointChange {
                url: Some(wanted.url.as_str()),
                description: Some(&wanted.description),
                events: Some(event_names(&wanted.events)),
                enabled: None,
                disabled_reason: None,
                failing_since: None,
            },
            Edit::Enabled(on) => EndpointChange {
                url: None,
                description: None,
                events: None,
                enabled: Some(*on),
                disabled_reason: Some(None),
                failing_since: Some(None),
            },
        };
        let after = WebhookEndpoint::change(conn, id, &change)?;
        actor
            .audit(actions::WEBHOOK_CHANGED)
            .resource("webhook_endpoint", id)
            .details(json!({
                "before": { "url": before.url, "events": before.events, "enabled": before.enabled },
                "after": { "url": after.url, "events": after.events, "enabled": after.enabled },
            }))
            .record(conn)?;
        Ok(after)
    })
    .await
}

/// An edit whose form has been parsed.
enum Edit {
    Target(EndpointRequest),
    Enabled(bool),
}

/// Deletes an endpoint with its delivery log.
pub async fn delete(
    ctx: &ServiceContext,
    actor: &Actor,
    id: WebhookEndpointId,
) -> Result<WebhookEndpoint, AppError> {
    admin_only(actor)?;
    ctx.run(actor, move |conn, actor| {
        let endpoint = WebhookEndpoint::lock_in_company(conn, actor.company_id(), id)?
            .ok_or_else(|| actor.not_found("webhook_endpoint", id))?;
        WebhookEndpoint::delete(conn, id)?;
        actor
            .audit(actions::WEBHOOK_DELETED)
            .resource("webhook_endpoint", id)
            .details(json!({ "url": endpoint.url, "events": endpoint.events }))
            .record(conn)?;
        Ok(endpoint)
    })
    .await
}

/// Sends one delivery of an endpoint again (the same event, the same `webhook-id`), now
/// and, should it fail, with back-off for another day.
pub async fn redeliver(
    ctx: &ServiceContext,
    actor: &Actor,
    id: WebhookEndpointId,
    delivery: i64,
) -> Result<String, AppError> {
    admin_only(actor)?;
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        WebhookEndpoint::lock_in_company(conn, actor.company_id(), id)?
            .ok_or_else(|| actor.not_found("webhook_endpoint", id))?;
        let (msg_id, event) = webhook::redeliver(
            conn,
            (actor.company_id(), id),
            delivery,
            now,
            now + RETRY_FOR,
        )?
        .ok_or_else(|| actor.not_found("webhook_delivery", delivery))?;
        actor
            .audit(actions::WEBHOOK_REDELIVERED)
            .resource("webhook_endpoint", id)
            .details(json!({ "delivery": delivery, "webhook_id": msg_id, "event": event }))
            .record(conn)?;
        Ok(msg_id)
    })
    .await
}
