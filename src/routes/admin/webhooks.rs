//! A company's webhook endpoints: registered (the signing secret shown once), changed,
//! switched on or off, deleted; each with its delivery log and *Send again*.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::CompanyAdmin;
use crate::db::ids::WebhookEndpointId;
use crate::domain::webhook::parse_events;
use crate::domain::{WebhookEvent, WebhookUrl};
use crate::error::AppError;
use crate::routes::api::webhooks::description;
use crate::services::webhooks::{
    self, DeliveryLine, EndpointEdit, EndpointRequest, WebhookEndpoint,
};
use crate::web::{done, filters, render, Ctx, PageContext};

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
struct EndpointsPage {
    page: PageContext,
    endpoints: Vec<WebhookEndpoint>,
    events: &'static [WebhookEvent],
    /// An endpoint just made, and its secret (shown once).
    created: Option<(WebhookEndpoint, String)>,
}

#[derive(Template)]
#[template(path = "admin/webhook.html")]
struct EndpointPage {
    page: PageContext,
    endpoint: WebhookEndpoint,
    events: &'static [WebhookEvent],
    log: Vec<DeliveryLine>,
}

const LIST: &str = "/admin/webhooks";

fn location(id: WebhookEndpointId) -> String {
    format!("{LIST}/{id}")
}

async fn endpoints_page(
    admin: &CompanyAdmin,
    ctx: &Ctx,
    created: Option<(WebhookEndpoint, String)>,
) -> Result<HttpResponse, AppError> {
    let endpoints = webhooks::list(ctx.services(), &admin.actor).await?;
    render(&EndpointsPage {
        page: PageContext::admin(admin, &ctx.session),
        endpoints,
        events: WebhookEvent::ALL,
        created,
    })
}

pub async fn list(admin: CompanyAdmin, ctx: Ctx) -> Result<HttpResponse, AppError> {
    endpoints_page(&admin, &ctx, None).await
}

/// The endpoint a form describes: `url`, `description` and repeated `events`.
fn parse_form(fields: Vec<(String, String)>) -> Result<EndpointRequest, AppError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let events = fields
        .iter()
        .filter(|(k, _)| k == "events")
        .map(|(_, v)| v.as_str());
    Ok(EndpointRequest {
        url: WebhookUrl::parse(field("url").unwrap_or(""))?,
        description: description(field("description"))?,
        events: parse_events(events)?,
    })
}

pub async fn create(
    admin: CompanyAdmin,
    ctx: Ctx,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let wanted = parse_form(form.into_inner())?;
    let created = webhooks::create(ctx.services(), &admin.actor, wanted).await?;
    endpoints_page(&admin, &ctx, Some(created)).await
}

pub async fn show(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<WebhookEndpointId>,
) -> Result<HttpResponse, AppError> {
    let (endpoint, log) =
        webhooks::with_log(ctx.services(), &admin.actor, path.into_inner()).await?;
    render(&EndpointPage {
        page: PageContext::admin(&admin, &ctx.session),
        endpoint,
        events: WebhookEvent::ALL,
        log,
    })
}

pub async fn update(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<WebhookEndpointId>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    // Parsed by the service once the endpoint is known to be this company's.
    let edit = EndpointEdit::Target(parse_form(form.into_inner()));
    webhooks::change(ctx.services(), &admin.actor, id, edit).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        "Saved the endpoint.",
        &location(id),
    ))
}

pub async fn enable(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<WebhookEndpointId>,
) -> Result<HttpResponse, AppError> {
    let message = "Switched on; events from now on are sent to it.";
    switch(admin, ctx, path.into_inner(), (true, message)).await
}

pub async fn disable(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<WebhookEndpointId>,
) -> Result<HttpResponse, AppError> {
    let message = "Switched off; nothing is sent to it until it is switched on again.";
    switch(admin, ctx, path.into_inner(), (false, message)).await
}

/// Switches an endpoint on or off and says so.
async fn switch(
    admin: CompanyAdmin,
    ctx: Ctx,
    id: WebhookEndpointId,
    (on, message): (bool, &str),
) -> Result<HttpResponse, AppError> {
    webhooks::change(ctx.services(), &admin.actor, id, EndpointEdit::Enabled(on)).await?;
    Ok(done(&ctx.req, &ctx.session, message, &location(id)))
}

pub async fn delete(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<WebhookEndpointId>,
) -> Result<HttpResponse, AppError> {
    let endpoint = webhooks::delete(ctx.services(), &admin.actor, path.into_inner()).await?;
    let message = format!("Deleted the endpoint {}.", endpoint.url);
    Ok(done(&ctx.req, &ctx.session, message, LIST))
}

pub async fn redeliver(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<(WebhookEndpointId, i64)>,
) -> Result<HttpResponse, AppError> {
    let (id, delivery) = path.into_inner();
    let msg_id = webhooks::redeliver(ctx.services(), &admin.actor, id, delivery).await?;
    let message = format!("Sending {msg_id} again.");
    Ok(done(&ctx.req, &ctx.session, message, &location(id)))
}
