//! `/api/v1/webhooks`: a company's webhook endpoints, for a token of a company admin with
//! the `admin` scope. The events and their bodies are in the document's `webhooks`.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::auth::api_caller::ApiCaller;
use crate::db::ids::WebhookEndpointId;
use crate::domain::webhook::parse_events;
use crate::domain::{WebhookEvent, WebhookUrl};
use crate::error::AppError;
use crate::services::webhooks::{self, EndpointRequest, WebhookEndpoint};
use crate::state::AppState;
use crate::web::problem::{Problem, ProblemBody};

/// An endpoint (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEndpointJson {
    pub id: i32,
    pub url: String,
    pub description: String,
    /// The events it receives (see the document's `webhooks`).
    pub events: Vec<String>,
    pub enabled: bool,
    /// Why Hopper turned it off (three days of failed deliveries).
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl WebhookEndpointJson {
    pub fn of(e: &WebhookEndpoint) -> Self {
        Self {
            id: e.id.0,
            url: e.url.clone(),
            description: e.description.clone(),
            events: e.wanted().iter().map(|e| e.as_str().to_owned()).collect(),
            enabled: e.enabled,
            disabled_reason: e.disabled_reason.clone(),
            created_at: e.created_at,
        }
    }
}

/// A new endpoint and its signing secret (`whsec_…`), shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookJson {
    pub endpoint: WebhookEndpointJson,
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewWebhookJson {
    /// Where events are posted (http or https; a public address).
    pub url: String,
    /// At least one of the event types.
    pub events: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// The company's webhook endpoints; needs a company admin's token with the `admin` scope.
#[utoipa::path(get, path = "/api/v1/webhooks",
    responses((status = 200, body = [WebhookEndpointJson]), (status = 401, body = ProblemBody),
              (status = 403, body = ProblemBody)))]
pub async fn list(
    caller: ApiCaller,
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<WebhookEndpointJson>>, Problem> {
    let endpoints = webhooks::list(&state.services, &caller.actor).await?;
    Ok(web::Json(
        endpoints.iter().map(WebhookEndpointJson::of).collect(),
    ))
}

/// Registers an endpoint; the answer carries its signing secret, never shown again.
/// Needs a company admin's token with the `admin` scope. Audited.
#[utoipa::path(post, path = "/api/v1/webhooks", request_body = NewWebhookJson,
    responses((status = 201, body = CreatedWebhookJson), (status = 400, body = ProblemBody),
              (status = 403, body = ProblemBody)))]
pub async fn create(
    caller: ApiCaller,
    state: web::Data<AppState>,
    body: web::Json<NewWebhookJson>,
) -> Result<HttpResponse, Problem> {
    let body = body.into_inner();
    let wanted = EndpointRequest {
        url: WebhookUrl::parse(&body.url).map_err(AppError::from)?,
        description: description(body.description.as_deref())?,
        events: parse_events(&body.events).map_err(AppError::from)?,
    };
    let (endpoint, secret) = webhooks::create(&state.services, &caller.actor, wanted).await?;
    Ok(HttpResponse::Created().json(CreatedWebhookJson {
        endpoint: WebhookEndpointJson::of(&endpoint),
        secret,
    }))
}

/// A description of at most 200 characters (none is empty).
pub fn description(value: Option<&str>) -> Result<String, AppError> {
    crate::domain::fields::optional_name(value.unwrap_or(""), "description", 200)
        .map(Option::unwrap_or_default)
        .map_err(|e| crate::domain::refusal::InputRefused::Field(e).into())
}

/// Deletes an endpoint with its delivery log; another company's is a 404. Audited.
#[utoipa::path(delete, path = "/api/v1/webhooks/{endpoint_id}",
    params(("endpoint_id" = i32, Path)),
    responses((status = 204), (status = 403, body = ProblemBody),
              (status = 404, body = ProblemBody)))]
pub async fn delete(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<WebhookEndpointId>,
) -> Result<HttpResponse, Problem> {
    webhooks::delete(&state.services, &caller.actor, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The OpenAPI 3.1 `webhooks` of the document: every event Hopper posts, its headers and
/// its body, with the schemas they use.
pub fn document_webhooks(doc: &mut Value) {
    let names = |what: &str| {
        json!({ "type": "object", "description": what,
        "properties": { "id": { "type": "integer" }, "name": { "type": "string" } } })
    };
    let nullable = |schema: Value| json!({ "oneOf": [schema, { "type": "null" }] });
    let data_of = |event: WebhookEvent| -> Value {
        let common = json!({
            "company": names("The company (`code` too)."),
            "project": names("The project."),
            "cycle": nullable(json!({ "type": "object", "description":
                "The cycle: id, name (`C1`…), status, due_at, completed_at." })),
        });
        let mut props = common.as_object().cloned().unwrap_or_default();
        let extra = match event {
            WebhookEvent::FileStored
            | WebhookEvent::FileRefused
            | WebhookEvent::FileQuarantined => json!({
                "request": nullable(json!({ "type": "object", "description":
                    "The request the file is filed under: id, name, status, required, note, due_at." })),
                "file": { "type": "object", "description":
                    "id, path, name, size, sha256, content_type, status, reason and refusal_code (refused files), scan (clean, infected, too_large; null: not scanned) and virus (the signature's name, quarantined files)." },
                "sender": { "type": "object", "description":
                    "user (username), name, email, upload_link (id, label) and api_token (id), where known." },
            }),
            WebhookEvent::RequestSubmitted
            | WebhookEvent::RequestAccepted
            | WebhookEvent::RequestRejected => json!({
                "request": { "type": "object", "description":
                    "id, name, kind, status, required, note (a rejection's reason), due_at, answer (a question's)." },
                "reviewed_by": nullable(json!({ "type": "string" })),
            }),
            WebhookEvent::RequestAnswered => json!({
                "request": { "type": "object", "description":
                    "id, name, kind (text, number, date, yes_no, choice), status, required, due_at, answer (canonical: a number without grouping, a date YYYY-MM-DD, yes or no, a choice's text), answered_at." },
                "answered_by": { "type": "object", "description":
                    "user (username), name and email of who answered, and upload_link (id, label) when through one." },
            }),
            WebhookEvent::CycleCompleted | WebhookEvent::CycleOverdue => json!({
                "requests": { "type": "array", "items": { "type": "object", "description":
                    "id, name, status, required." } },
            }),
            WebhookEvent::UploadLinkUsed => json!({
                "sender": { "type": "object", "description":
                    "name and email the sender gave, upload_link (id, label)." },
                "batch": { "type": "object", "description":
                    "id, status, total_files, files_uploaded, files_skipped, files_failed, uploaded_size_bytes." },
            }),
        };
        props.extend(extra.as_object().cloned().unwrap_or_default());
        Value::Object(props)
    };
    let header = |name: &str, what: &str| {
        json!({ "name": name, "in": "header", "required": true,
        "description": what, "schema": { "type": "string" } })
    };
    let mut hooks = serde_json::Map::new();
    for &event in WebhookEvent::ALL {
        hooks.insert(event.as_str().to_owned(), json!({ "post": {
            "summary": event.label(),
            "description": "Signed per Standard Webhooks: `webhook-signature` is `v1,` and the base64 HMAC-SHA256, keyed with the base64-decoded part of the endpoint's `whsec_` secret, of `webhook-id.webhook-timestamp.body`. Retried with back-off for 24 hours until a 2xx answer, each attempt with the same `webhook-id`; a cycle's events arrive in order.",
            "parameters": [
                header("webhook-id", "The event's id (`msg_…`), the same on every attempt: deduplicate on it."),
                header("webhook-timestamp", "Seconds since the epoch when this attempt was signed."),
                header("webhook-signature", "`v1,<base64 signature>`."),
            ],
            "requestBody": { "required": true, "content": { "application/json": { "schema": {
                "type": "object", "required": ["type", "timestamp", "data"],
                "properties": {
                    "type": { "type": "string", "const": event.as_str() },
                    "timestamp": { "type": "string", "format": "date-time" },
                    "data": { "type": "object", "properties": data_of(event) },
                },
            } } } },
            "responses": { "200": { "description": "Any 2xx answer accepts the event." } },
        } }));
    }
    if let Value::Object(doc) = doc {
        doc.insert("webhooks".into(), Value::Object(hooks));
    }
}
