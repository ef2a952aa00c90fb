//! The JSON API under `/api/v1`, for programs with a bearer token. Answers are JSON,
//! errors problem details (RFC 9457) with stable codes; the OpenAPI 3.1 document is
//! generated from these handlers and types and served at `/api/v1/openapi.json`.

pub mod answers;
pub mod automation;
pub mod automation_types;
mod types;
pub mod webhooks;

pub use types::*;

use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::auth::api_caller::ApiCaller;
use crate::db::ids::{CycleId, CycleRequestId, FileUploadId, ProjectId, SyncSessionId};
use crate::domain::refusal::UploadRefused;
use crate::domain::TokenScope;
use crate::error::AppError;
use crate::services::api;
use crate::services::uploads::manifest::{self, ManifestFile};
use crate::state::AppState;
use crate::web::problem::{Problem, ProblemBody};

/// The scope a POST of the API needs: sending (`/api/v1/sessions…`) needs `upload`;
/// every other POST drives the company (`admin`). The idempotency guard reads no body of
/// a caller without it.
pub fn scope_of_post(pattern: &str) -> TokenScope {
    if pattern.starts_with("/api/v1/sessions") {
        TokenScope::Upload
    } else {
        TokenScope::Admin
    }
}

/// Files per page of a cycle's file list, at most.
const MAX_FILES_PAGE: i64 = 1000;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hopper API",
        version = "1",
        description = "Send and read documents of a Hopper installation. Authenticate with \
                       `Authorization: Bearer hop_…` (a personal or a machine token). A company admin's token with the `admin` \
                       scope also drives cycles (the automation API). Every POST takes an \
                       `Idempotency-Key` header: the same key with the same request from the \
                       same token within 24 hours gets the first answer again \
                       (`Idempotency-Replayed: true`) and changes nothing; the key with \
                       another request is a 422 (`idempotency.key_reused`), a duplicate \
                       while the first still runs a 409 (`idempotency.in_progress`)."
    ),
    paths(
        list_projects, project_cycles, cycle_requests, cycle_files, download_file,
        cycle_export, start_session, finish_session, session_receipt,
        webhooks::list, webhooks::create, webhooks::delete,
        automation::start_cycle, automation::add_request, automation::edit_request,
        automation::remove_request, automation::review, automation::create_link,
        automation::revoke_link, automation::missing, answers::answer
    ),
    components(schemas(
        ProjectJson, CycleJson, RequestJson, FileJson, FilePage, ReceiptJson, ReceiptFileJson,
        ManifestJson, ManifestFileJson, SessionPlanJson, PlannedFileJson, ProblemBody,
        webhooks::WebhookEndpointJson, webhooks::CreatedWebhookJson, webhooks::NewWebhookJson,
        automation_types::StartedCycleJson, automation_types::NewCycleJson,
        automation_types::NewRequestJson,
        automation_types::RequestPatchJson, automation_types::ReviewJson,
        automation_types::NewLinkJson, automation_types::LinkJson,
        automation_types::CreatedLinkJson, automation_types::MissingRequestJson,
        automation_types::MissingJson, automation_types::AnswerJson
    )),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The whole document: the paths and schemas, and the events webhooks post (`webhooks`).
pub fn document() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    answers_of_every_operation(&mut doc);
    webhooks::document_webhooks(&mut doc);
    doc
}

/// What any operation may answer, whatever it does: 401 without a valid token, 400 for a
/// request that cannot be read (a malformed parameter or body). Declared once here rather
/// than on each handler, so a new one cannot forget them.
fn answers_of_every_operation(doc: &mut serde_json::Value) {
    let problem = |description: &str| {
        serde_json::json!({
            "description": description,
            "content": { "application/problem+json": {
                "schema": { "$ref": "#/components/schemas/ProblemBody" } } }
        })
    };
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    for operation in paths.values_mut().filter_map(|p| p.as_object_mut()) {
        for (_, op) in operation.iter_mut() {
            let Some(responses) = op.get_mut("responses").and_then(|r| r.as_object_mut()) else {
                continue;
            };
            responses.entry("400").or_insert_with(|| {
                problem("The request cannot be read (a malformed parameter or body).")
            });
            responses.entry("401").or_insert_with(|| {
                problem("No valid token (missing, unknown, expired or revoked).")
            });
        }
    }
}

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document().to_string())
}

/// The projects the token may reach.
#[utoipa::path(get, path = "/api/v1/projects",
    responses((status = 200, body = [ProjectJson]), (status = 401, body = ProblemBody)))]
pub async fn list_projects(
    caller: ApiCaller,
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<ProjectJson>>, Problem> {
    let projects = api::projects(&state.services, &caller.actor).await?;
    Ok(web::Json(projects.iter().map(ProjectJson::of).collect()))
}

/// A project's cycles, newest first.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}/cycles",
    params(("project_id" = i32, Path)),
    responses((status = 200, body = [CycleJson]), (status = 404, body = ProblemBody)))]
pub async fn project_cycles(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<ProjectId>,
) -> Result<web::Json<Vec<CycleJson>>, Problem> {
    let (_, cycles) = api::cycles(&state.services, &caller.actor, path.into_inner()).await?;
    Ok(web::Json(cycles.iter().map(CycleJson::of).collect()))
}

/// What a cycle asks for, and where each request stands.
#[utoipa::path(get, path = "/api/v1/cycles/{cycle_id}/requests",
    params(("cycle_id" = i32, Path)),
    responses((status = 200, body = [RequestJson]), (status = 404, body = ProblemBody)))]
pub async fn cycle_requests(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<CycleId>,
) -> Result<web::Json<Vec<RequestJson>>, Problem> {
    let (cycle, requests) =
        api::requests(&state.services, &caller.actor, path.into_inner()).await?;
    Ok(web::Json(
        requests
            .iter()
            .map(|r| RequestJson::of(r, cycle.due_at))
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilesQuery {
    /// The last file id of the previous page.
    after: Option<i32>,
    /// Files per page (1–1000, default 100).
    limit: Option<i64>,
}

/// A cycle's stored files (current versions), by id; needs the `read` scope.
#[utoipa::path(get, path = "/api/v1/cycles/{cycle_id}/files",
    params(("cycle_id" = i32, Path), FilesQuery),
    responses((status = 200, body = FilePage), (status = 403, body = ProblemBody),
              (status = 404, body = ProblemBody)))]
pub async fn cycle_files(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<CycleId>,
    query: web::Query<FilesQuery>,
) -> Result<web::Json<FilePage>, Problem> {
    let limit = query.limit.unwrap_or(100).clamp(1, MAX_FILES_PAGE);
    let (files, newest) = api::files(
        &state.services,
        &caller.actor,
        path.into_inner(),
        query.after.map(FileUploadId),
        limit + 1,
    )
    .await?;
    Ok(web::Json(FilePage::of(files, &newest, limit)))
}

/// A cycle as evidence, one streamed zip: its stored files under `files/`,
/// `manifest.csv`, `audit.jsonl` and `chain.json`; needs the `read` scope. Audited.
#[utoipa::path(get, path = "/api/v1/cycles/{cycle_id}/export.zip",
    params(("cycle_id" = i32, Path)),
    responses((status = 200, content_type = "application/zip", body = Vec<u8>),
              (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub async fn cycle_export(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<CycleId>,
) -> Result<HttpResponse, Problem> {
    let export =
        crate::services::evidence_export::cycle(&state.services, &caller.actor, path.into_inner())
            .await?;
    Ok(crate::routes::files::zip_attachment(export))
}

/// A stored file's bytes, as an attachment; needs the `read` scope. Audited.
#[utoipa::path(get, path = "/api/v1/files/{file_id}/download",
    params(("file_id" = i32, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
              (status = 404, body = ProblemBody)))]
pub async fn download_file(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<FileUploadId>,
) -> Result<HttpResponse, Problem> {
    let download = api::download(&state.services, &caller.actor, path.into_inner()).await?;
    Ok(crate::routes::files::attachment(download))
}

/// Starts a batch from its manifest and says per file what to do: `upload` (send the
/// bytes to `upload_url` with tus), `replaces`, `duplicate` (nothing to send) or
/// `refused`. Needs the `upload` scope and the right to upload into the cycle's project;
/// without them the cycle is answered as missing (404), like an id that does not exist.
#[utoipa::path(post, path = "/api/v1/sessions", request_body = ManifestJson,
    responses((status = 201, body = SessionPlanJson), (status = 400, body = ProblemBody),
              (status = 404, body = ProblemBody), (status = 413, body = ProblemBody)))]
pub async fn start_session(
    caller: ApiCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    // Refused before the body is read: a token that may not send has nothing buffered,
    // and hears what a missing cycle would say.
    if !caller.actor.may(TokenScope::Upload) {
        return Err(Problem::from(AppError::NotFound).into());
    }
    let body = web::Json::<ManifestJson>::from_request(&req, &mut body.into_inner())
        .await?
        .into_inner();
    let mut files = Vec::with_capacity(body.files.len());
    for f in body.files {
        let sha = f.sha256.to_ascii_lowercase();
        if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(
                Problem::from(AppError::from(UploadRefused::Sha256Malformed {
                    path: f.path,
                }))
                .into(),
            );
        }
        files.push(ManifestFile {
            path: f.path,
            size: f.size,
            sha256: sha,
            request: f.request_id.map(CycleRequestId),
        });
    }
    let (session, decided) = manifest::start(
        &state.services,
        &caller.actor,
        CycleId(body.cycle_id),
        body.session_id.map(SyncSessionId),
        files,
    )
    .await
    .map_err(Problem::from)?;
    Ok(HttpResponse::Created().json(SessionPlanJson::of(session, decided)))
}

/// Ends a batch (uploads not finished are dropped as failed) and returns its receipt.
#[utoipa::path(post, path = "/api/v1/sessions/{sync_session_id}/finish",
    params(("sync_session_id" = i32, Path)),
    responses((status = 200, body = ReceiptJson), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody)))]
pub async fn finish_session(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<SyncSessionId>,
) -> Result<web::Json<ReceiptJson>, Problem> {
    let receipt = manifest::finish(&state.services, &caller.actor, path.into_inner()).await?;
    Ok(web::Json(ReceiptJson::of(&receipt)))
}

/// A batch's receipt: its counters and every file's outcome. Needs the `read` scope and
/// the batch's project among the token's; its sender reads it, and so does anyone with a
/// right in the project (as on the receipt page). Anyone else hears what a missing id
/// would say (404).
#[utoipa::path(get, path = "/api/v1/sessions/{sync_session_id}",
    params(("sync_session_id" = i32, Path)),
    responses((status = 200, body = ReceiptJson), (status = 404, body = ProblemBody)))]
pub async fn session_receipt(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<SyncSessionId>,
) -> Result<web::Json<ReceiptJson>, Problem> {
    let receipt =
        crate::services::receipts::receipt(&state.services, &caller.actor, path.into_inner())
            .await?;
    Ok(web::Json(ReceiptJson::of(&receipt)))
}

#[cfg(test)]
mod tests {
    use utoipa::OpenApi;

    use super::ApiDoc;
    use crate::web::problem::all_codes;

    /// Every code a problem can carry (each refusal's and the general ones) is listed on
    /// `ProblemBody.code`, so a client can match on all of them.
    #[test]
    fn the_problem_code_lists_every_code() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("the document as JSON");
        let listed: Vec<&str> = doc["components"]["schemas"]["ProblemBody"]["properties"]["code"]
            ["enum"]
            .as_array()
            .expect("code lists its values")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let all: Vec<&str> = all_codes().collect();
        assert_eq!(listed, all);
        for code in [
            "upload.cycle_closed",
            "kind.not_what_its_name_says",
            "not_found",
        ] {
            assert!(listed.contains(&code), "{code}");
        }
    }
}
