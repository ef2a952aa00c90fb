//! Answering a question through the API, as a sender does on the request's card.

use actix_web::web;

use crate::auth::api_caller::ApiCaller;
use crate::db::ids::CycleRequestId;
use crate::domain::TokenScope;
use crate::error::AppError;
use crate::routes::api::automation_types::AnswerJson;
use crate::routes::api::RequestJson;
use crate::services::answers;
use crate::state::AppState;
use crate::web::problem::{Problem, ProblemBody};

/// Answers a question (a request whose `kind` is not `file`): `{"value": "…"}` in the
/// form its kind takes. The request is then `submitted` (or `accepted` where the project
/// does not review); a rejected answer is answered again the same way. The same answer
/// twice changes nothing. Needs the `upload` scope and the right to upload into the
/// project (else 404, as for an id that does not exist); the cycle must take uploads.
/// Audited; heard by webhooks as `request.answered`.
#[utoipa::path(put, path = "/api/v1/requests/{request_id}/answer", request_body = AnswerJson,
    params(("request_id" = i32, Path)),
    responses((status = 200, body = RequestJson), (status = 400, body = ProblemBody),
              (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
pub async fn answer(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<CycleRequestId>,
    body: web::Json<AnswerJson>,
) -> Result<web::Json<RequestJson>, Problem> {
    if !caller.actor.may(TokenScope::Upload) {
        return Err(AppError::NotFound.into());
    }
    let answered = answers::answer(
        &state.services,
        &caller.actor,
        None,
        path.into_inner(),
        body.into_inner().value,
    )
    .await?;
    Ok(web::Json(RequestJson::of(
        &answered.request,
        answered.cycle.due_at,
    )))
}
