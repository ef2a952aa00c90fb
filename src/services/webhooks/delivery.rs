//! Sending the outbox: due deliveries are claimed (`FOR UPDATE SKIP LOCKED`, then leased,
//! so several nodes share the work and none sends what another is sending), signed and
//! posted; each attempt is logged. A failure is retried with exponential back-off and
//! jitter, each time with the same `webhook-id`, until its day is over; an endpoint that
//! has failed for three days is turned off and its company's admins are told by email.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::json;

use crate::db::ids::{CompanyId, WebhookEndpointId};
use crate::db::models::webhook::{EndpointChange, WebhookEndpoint};
use crate::db::models::webhook_delivery::{self as webhook, AttemptOutcome, DueDelivery};
use crate::domain::webhook::signature;
use crate::domain::WebhookUrl;
use crate::error::AppError;
use crate::services::audit::{actions, AuditEvent};
use crate::services::webhooks::target;
use crate::services::ServiceContext;

/// How long a node holds a delivery it is sending.
const LEASE_SECS: i32 = 60;
/// Deliveries claimed at once (sent side by side).
const BATCH: i64 = 16;
/// Passes of one run at most (a pass sends what became due through the previous one).
const PASSES: usize = 50;
/// How long a failing delivery is retried, from its first attempt.
pub const RETRY_FOR: chrono::Duration = chrono::Duration::hours(24);
/// An endpoint failing this long is turned off.
pub const DISABLE_AFTER: chrono::Duration = chrono::Duration::days(3);
/// How often a node looks for due deliveries.
const EVERY: Duration = Duration::from_secs(2);
/// The most of an answer the log keeps.
const EXCERPT: usize = 500;
/// How long sent (or given up) events and their delivery logs are kept.
pub const KEEP_LOG: chrono::Duration = chrono::Duration::days(30);
/// Ticks between two prunings of the log (an hour).
const PRUNE_EVERY: u32 = 1800;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub attempted: usize,
    pub delivered: usize,
    pub failed_for_good: usize,
    pub endpoints_disabled: usize,
}

/// The wait before attempt `n + 1` after `n` failed ones: 5 s doubling to at most an
/// hour, each between 75 % and 125 % of that (jitter, so endpoints that came back are
/// not hit by every sender at once).
pub fn back_off(failed_attempts: i32) -> chrono::Duration {
    let exponent = failed_attempts.clamp(1, 20) - 1;
    let base_ms: i64 = (5_000i64 << exponent).min(3_600_000);
    let factor: f64 = rand::rng().random_range(0.75..1.25);
    chrono::Duration::milliseconds((base_ms as f64 * factor) as i64)
}

/// Sends every delivery that is due now (by the context's clock), pass after pass, until
/// none is; tests call it after moving the clock.
pub async fn run_once(ctx: &ServiceContext) -> Result<DeliveryReport, AppError> {
    let mut report = DeliveryReport::default();
    let mut client = None;
    for _ in 0..PASSES {
        let now = ctx.clock().now();
        let due = ctx
            .run_unscoped(move |conn| Ok(webhook::claim_due(conn, now, LEASE_SECS, BATCH)?))
            .await?;
        if due.is_empty() {
            break;
        }
        let client = match &mut client {
            Some(client) => client,
            None => client.insert(
                target::client(ctx.webhooks().allow_private)
                    .map_err(|e| AppError::Unexpected(e.into()))?,
            ),
        };
        let sent =
            futures_util::future::join_all(due.iter().map(|d| attempt(ctx, client, d))).await;
        for (delivery, outcome) in due.into_iter().zip(sent) {
            report.attempted += 1;
            let settled = settle(ctx, delivery, outcome).await?;
            report.delivered += usize::from(settled.delivered);
            report.failed_for_good += usize::from(settled.given_up);
            report.endpoints_disabled += usize::from(settled.disabled);
        }
    }
    Ok(report)
}

/// Deletes what was sent (or given up) more than [`KEEP_LOG`] ago; answers how many events.
pub async fn prune(ctx: &ServiceContext) -> Result<usize, AppError> {
    let before = ctx.clock().now() - KEEP_LOG;
    ctx.run_unscoped(move |conn| Ok(webhook::prune(conn, before)?))
        .await
}

/// Looks for due deliveries every two seconds (and prunes the log hourly), on every node.
pub fn spawn_deliveries(ctx: ServiceContext) {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(EVERY);
        let mut tick: u32 = 0;
        loop {
            ticks.tick().await;
            tick = tick.wrapping_add(1);
            if tick % PRUNE_EVERY == 1 {
                if let Err(e) = prune(&ctx).await {
                    tracing::warn!(error = %e, "could not prune the webhook log");
                }
            }
            match run_once(&ctx).await {
                Ok(report) if report.attempted > 0 => {
                    tracing::info!(?report, "webhook deliveries");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhook deliveries failed"),
            }
        }
    });
}

/// One signed POST of the delivery's body.
async fn attempt(
    ctx: &ServiceContext,
    client: &reqwest::Client,
    due: &DueDelivery,
) -> AttemptOutcome {
    let started = Instant::now();
    let failed = |error: String, started: Instant| AttemptOutcome {
        succeeded: false,
        status_code: None,
        latency_ms: elapsed_ms(started),
        response_excerpt: None,
        error: Some(excerpt(&error)),
    };
    let allow_private = ctx.webhooks().allow_private;
    let url = match WebhookUrl::parse(&due.url) {
        Ok(url) => url,
        Err(refused) => return failed(refused.to_string(), started),
    };
    if let Err(refused) = target::check(&url, allow_private).await {
        return failed(refused.to_string(), started);
    }
    let timestamp = ctx.clock().now().timestamp();
    let endpoint = WebhookEndpointId(due.endpoint_id);
    let secret = ctx
        .sealing_key(super::sealed::SEALING)
        .and_then(|key| super::sealed::open(&key, endpoint, &due.secret));
    let Some(signed) = secret
        .ok()
        .and_then(|secret| signature(&secret, &due.msg_id, timestamp, due.payload.as_bytes()))
    else {
        return failed("the endpoint's secret is unusable".into(), started);
    };
    let sent = client
        .post(url.url().clone())
        .header("content-type", "application/json")
        .header("webhook-id", &due.msg_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signed)
        .body(due.payload.clone())
        .send()
        .await;
    match sent {
        Ok(mut response) => {
            let status = response.status();
            // The start of the answer only: an endpoint cannot make Hopper hold a large one.
            let mut head = Vec::new();
            while head.len() < EXCERPT * 4 {
                match response.chunk().await {
                    Ok(Some(chunk)) => head.extend_from_slice(&chunk),
                    _ => break,
                }
            }
            let text = String::from_utf8_lossy(&head);
            AttemptOutcome {
                succeeded: status.is_success(),
                status_code: Some(i32::from(status.as_u16())),
                latency_ms: elapsed_ms(started),
                response_excerpt: Some(excerpt(&text)).filter(|t| !t.is_empty()),
                error: (!status.is_success()).then(|| format!("answered {status}")),
            }
        }
        Err(e) => failed(error_chain(&e), started),
    }
}

fn elapsed_ms(started: Instant) -> i32 {
    i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX)
}

fn excerpt(text: &str) -> String {
    text.chars().take(EXCERPT).collect()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

struct Settled {
    delivered: bool,
    given_up: bool,
    disabled: bool,
}

/// Records the attempt and what follows from it, in one transaction.
async fn settle(
    ctx: &ServiceContext,
    due: DueDelivery,
    outcome: AttemptOutcome,
) -> Result<Settled, AppError> {
    let now = ctx.clock().now();
    // Retried for a day from the first attempt (or from a redelivery).
    let retry_until = due.retry_until.unwrap_or(now + RETRY_FOR);
    let next = (!outcome.succeeded)
        .then(|| now + back_off(due.attempts + 1))
        .filter(|next| *next <= retry_until);
    ctx.run_unscoped(move |conn| {
        let endpoint = WebhookEndpointId(due.endpoint_id);
        webhook::record_attempt(conn, &due, &outcome, (now, next, retry_until))?;
        if outcome.succeeded {
            webhook::answered(conn, endpoint)?;
            return Ok(Settled {
                delivered: true,
                given_up: false,
                disabled: false,
            });
        }
        let given_up = next.is_none();
        let since = webhook::failing(conn, endpoint, now)?;
        let disabled = match since {
            Some(since) if now - since >= DISABLE_AFTER => {
                disable(conn, (CompanyId(due.company_id), endpoint), since, now)?
            }
            _ => false,
        };
        Ok(Settled {
            delivered: false,
            given_up,
            disabled,
        })
    })
    .await
}

/// Turns off an endpoint that has failed since `since`, audits it as Hopper's own act and
/// tells the company's admins; `false` when it was already off.
fn disable(
    conn: &mut diesel::PgConnection,
    (company, endpoint): (CompanyId, WebhookEndpointId),
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let Some(before) = WebhookEndpoint::lock_in_company(conn, company, endpoint)? else {
        return Ok(false);
    };
    if !before.enabled {
        return Ok(false);
    }
    let reason = format!(
        "Every delivery failed from {} to {}.",
        since.format("%Y-%m-%d %H:%M UTC"),
        now.format("%Y-%m-%d %H:%M UTC")
    );
    let after = WebhookEndpoint::change(
        conn,
        endpoint,
        &EndpointChange {
            url: None,
            description: None,
            events: None,
            enabled: Some(false),
            disabled_reason: Some(Some(&reason)),
            failing_since: None,
        },
    )?;
    AuditEvent::new(actions::WEBHOOK_DISABLED)
        .company(company)
        .resource("webhook_endpoint", endpoint)
        .details(json!({
            "url": after.url,
            "reason": reason,
            "failing_since": since,
            "before": { "enabled": true },
            "after": { "enabled": false },
        }))
        .record(conn)?;
    crate::services::notifications::webhook_disabled(conn, company, &after.url, &reason)?;
    Ok(true)
}
