//! The automation API: with a company admin's token of the `admin` scope, a firm's own
//! system drives a cycle as the admin pages do (the same services): start a cycle from
//! the project's request list, add, edit and remove its requests, make and revoke upload
//! links, decide on requests, read what is missing. Every change is audited (and heard
//! by webhooks) as on the pages; every POST honours `Idempotency-Key`.

use actix_web::{web, HttpResponse};

use crate::auth::api_caller::ApiCaller;
use crate::db::ids::{CycleId, CycleRequestId, ProjectId, UploadLinkId};
use crate::db::models::document_request::RequestFields;
use crate::domain::refusal::{AutomationRefused, InputRefused};
use crate::domain::request_kind::parse_choices;
use crate::domain::{
    fields, FieldErrors, RequestDecision, RequestKind, RequestPattern, TokenScope,
};
use crate::error::AppError;
use crate::routes::admin::request_form::RequestForm;
use crate::routes::admin::upload_links::LinkForm;
use crate::routes::api::automation_types::*;
use crate::routes::api::{CycleJson, RequestJson};
use crate::services::automation;
use crate::services::request_edit::RequestPatch;
use crate::services::Actor;
use crate::state::AppState;
use crate::web::problem::{Problem, ProblemBody};

/// The caller, when its token has the `admin` scope (the service checks the rest).
fn admin(caller: &ApiCaller) -> Result<&Actor, Problem> {
    if caller.actor.may(TokenScope::Admin) {
        Ok(&caller.actor)
    } else {
        Err(AppError::from(AutomationRefused::AdminScopeMissing).into())
    }
}

/// Fields that did not parse, as one problem naming each.
fn input(errors: &FieldErrors) -> Problem {
    AppError::from(InputRefused::Field(errors.sentence())).into()
}

/// A use case's error; fields it refused are named in the problem's detail.
fn said(e: AppError) -> Problem {
    match e {
        AppError::Invalid(errors) => input(&errors),
        e => e.into(),
    }
}

/// Starts the project's next cycle (`C{n}`) with a copy of the project's request list,
/// due when the body says (`{"due_at": "2027-01-31T17:00:00Z"}`; no body: no due date).
/// Needs a company admin's token with the `admin` scope. Audited.
#[utoipa::path(post, path = "/api/v1/projects/{project_id}/cycles",
    request_body(content = Option<NewCycleJson>),
    params(("project_id" = i32, Path)),
    responses((status = 201, body = StartedCycleJson), (status = 403, body = ProblemBody),
              (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
pub async fn start_cycle(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<ProjectId>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let actor = admin(&caller)?;
    // The body is optional: none starts a cycle without a due date.
    let wanted: NewCycleJson = if body.iter().all(u8::is_ascii_whitespace) {
        NewCycleJson::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            Problem::from(AppError::Refused(
                InputRefused::JsonUnreadable(e.to_string()).into(),
            ))
        })?
    };
    let (cycle, requests) =
        automation::start_cycle(&state.services, actor, path.into_inner(), wanted.due_at)
            .await
            .map_err(said)?;
    Ok(HttpResponse::Created().json(StartedCycleJson {
        requests: requests
            .iter()
            .map(|r| RequestJson::of(r, cycle.due_at))
            .collect(),
        cycle: CycleJson::of(&cycle),
    }))
}

/// Adds a request to a cycle (this cycle only). Needs the `admin` scope. Audited.
#[utoipa::path(post, path = "/api/v1/cycles/{cycle_id}/requests", request_body = NewRequestJson,
    params(("cycle_id" = i32, Path)),
    responses((status = 201, body = RequestJson), (status = 400, body = ProblemBody),
              (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub async fn add_request(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<CycleId>,
    body: web::Json<NewRequestJson>,
) -> Result<HttpResponse, Problem> {
    let actor = admin(&caller)?;
    let body = body.into_inner();
    let form = RequestForm {
        name: body.name,
        instructions: body.instructions.unwrap_or_default(),
        required: body.required.then(|| "on".to_owned()),
        accepted_types: body.accepted_types.join(","),
        pattern: body.pattern.unwrap_or_default(),
        multiple_files: body.multiple_files.then(|| "on".to_owned()),
        kind: body.kind.unwrap_or_default(),
        choices: body.choices.join("\n"),
        due: String::new(),
    };
    let mut errors = FieldErrors::default();
    let fields: RequestFields = match form.parse(&mut errors) {
        Some(fields) if errors.is_empty() => fields,
        _ => return Err(input(&errors)),
    };
    let (cycle, added) = automation::add_request(
        &state.services,
        actor,
        path.into_inner(),
        fields,
        body.due_at,
    )
    .await
    .map_err(said)?;
    Ok(HttpResponse::Created().json(RequestJson::of(&added, cycle.due_at)))
}

/// The patch's fields, parsed by the same rules as the admin's form.
fn patch_of(body: RequestPatchJson) -> Result<RequestPatch, FieldErrors> {
    let mut errors = FieldErrors::default();
    let patch = RequestPatch {
        name: body
            .name
            .and_then(|n| errors.check("name", fields::required_name(&n, "name", 200))),
        instructions: body.instructions.map(|i| {
            errors
                .check(
                    "instructions",
                    fields::optional_text(i.as_deref().unwrap_or(""), 2000),
                )
                .flatten()
        }),
        required: body.required,
        accepted_types: body
            .accepted_types
            .and_then(|t| errors.check("accepted_types", fields::file_types(&t.join(",")))),
        pattern: body.pattern.map(|p| {
            errors
                .check("pattern", RequestPattern::parse(p.as_deref().unwrap_or("")))
                .flatten()
                .map(|p| p.as_str().to_owned())
        }),
        multiple_files: body.multiple_files,
        kind: body.kind.and_then(|k| {
            errors.check(
                "kind",
                RequestKind::parse(&k).ok_or_else(|| format!("“{k}” is not a kind of request.")),
            )
        }),
        choices: body
            .choices
            .and_then(|c| errors.check("choices", parse_choices(&c.join("\n")))),
        due_at: body.due_at,
    };
    if errors.is_empty() {
        Ok(patch)
    } else {
        Err(errors)
    }
}

/// Changes what a request asks for: only the fields sent (`null` clears instructions,
/// pattern and due date). Needs the `admin` scope. Audited.
#[utoipa::path(patch, path = "/api/v1/requests/{request_id}", request_body = RequestPatchJson,
    params(("request_id" = i32, Path)),
    responses((status = 200, body = RequestJson), (status = 400, body = ProblemBody),
              (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub async fn edit_request(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<CycleRequestId>,
    body: web::Json<RequestPatchJson>,
) -> Result<web::Json<RequestJson>, Problem> {
    let actor = admin(&caller)?;
    let patch = patch_of(body.into_inner()).map_err(|e| input(&e))?;
    let (cycle, edited) =
        automation::edit_request(&state.services, actor, path.into_inner(), patch)
            .await
            .map_err(said)?;
    Ok(web::Json(RequestJson::of(&edited, cycle.due_at)))
}

/// Removes a request from its cycle; its files stay, as other files. Needs the `admin`
/// scope. Audited.
#[utoipa::path(delete, path = "/api/v1/requests/{request_id}",
    params(("request_id" = i32, Path)),
    responses((status = 204), (status = 403, body = ProblemBody),
              (status = 404, body = ProblemBody)))]
pub async fn remove_request(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<CycleRequestId>,
) -> Result<HttpResponse, Problem> {
    let actor = admin(&caller)?;
    automation::remove_request(&state.services, actor, path.into_inner())
        .await
        .map_err(said)?;
    Ok(HttpResponse::NoContent().finish())
}

/// Records a review decision: `accept`, `reject` (with a reason the sender reads),
/// `not_applicable` (with a reason) or `reopen` (undoes the decision: back to `submitted`
/// when a file is there, else `missing`). Needs the `admin` scope. Audited; a rejection is
/// emailed to the sender as on the review page.
#[utoipa::path(post, path = "/api/v1/requests/{request_id}/review", request_body = ReviewJson,
    params(("request_id" = i32, Path)),
    responses((status = 200, body = RequestJson), (status = 400, body = ProblemBody),
              (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody)))]
pub async fn review(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<CycleRequestId>,
    body: web::Json<ReviewJson>,
) -> Result<web::Json<RequestJson>, Problem> {
    let actor = admin(&caller)?;
    let body = body.into_inner();
    let decision = RequestDecision::parse(&body.decision)
        .ok_or_else(|| Problem::from(AppError::from(AutomationRefused::DecisionUnknown)))?;
    let reason = fields::optional_text(body.reason.as_deref().unwrap_or(""), 2000)
        .map_err(|e| Problem::from(AppError::from(InputRefused::Field(format!("reason: {e}")))))?;
    let (cycle, decided) =
        automation::review(&state.services, actor, path.into_inner(), decision, reason)
            .await
            .map_err(said)?;
    Ok(web::Json(RequestJson::of(&decided, cycle.due_at)))
}

/// Makes an upload link into a cycle (optionally for some of its requests, with a PIN,
/// days, limits, a language); answers its address, shown this once. Needs the `admin`
/// scope. Audited.
#[utoipa::path(post, path = "/api/v1/cycles/{cycle_id}/links", request_body = NewLinkJson,
    params(("cycle_id" = i32, Path)),
    responses((status = 201, body = CreatedLinkJson), (status = 400, body = ProblemBody),
              (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody)))]
pub async fn create_link(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<CycleId>,
    body: web::Json<NewLinkJson>,
) -> Result<HttpResponse, Problem> {
    let actor = admin(&caller)?;
    let wanted = LinkForm::from_pairs(body.pairs())
        .parse()
        .map_err(|e| input(&e))?;
    let (link, url) = automation::create_link(&state.services, actor, path.into_inner(), wanted)
        .await
        .map_err(said)?;
    Ok(HttpResponse::Created().json(CreatedLinkJson {
        link: LinkJson::of(&link),
        url,
    }))
}

/// Revokes an upload link: its page and every visit end at once. Needs the `admin`
/// scope. Audited.
#[utoipa::path(delete, path = "/api/v1/links/{link_id}",
    params(("link_id" = i32, Path)),
    responses((status = 204), (status = 403, body = ProblemBody),
              (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
pub async fn revoke_link(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<UploadLinkId>,
) -> Result<HttpResponse, Problem> {
    let actor = admin(&caller)?;
    automation::revoke_link(&state.services, actor, path.into_inner())
        .await
        .map_err(said)?;
    Ok(HttpResponse::NoContent().finish())
}

/// What is missing across the company (the token's projects, when it names some): open
/// requests of open cycles, soonest due first. Needs the `admin` scope.
#[utoipa::path(get, path = "/api/v1/missing",
    responses((status = 200, body = MissingJson), (status = 403, body = ProblemBody)))]
pub async fn missing(
    caller: ApiCaller,
    state: web::Data<AppState>,
) -> Result<web::Json<MissingJson>, Problem> {
    let actor = admin(&caller)?;
    let missing = automation::missing(&state.services, actor)
        .await
        .map_err(said)?;
    Ok(web::Json(MissingJson {
        requests: missing
            .requests
            .iter()
            .map(|r| MissingRequestJson::of(r, missing.now))
            .collect(),
        more: missing.more,
    }))
}
