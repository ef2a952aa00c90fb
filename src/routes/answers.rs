//! Answering a question on its card: a member's upload page and an upload link's page post
//! here. With htmx the answer is a line in the page's receipt area and the page reads its
//! requests and figures again (`hopper:stored`); an answer that does not fit says why on
//! the card (422). Without JavaScript the browser goes back to the card, or sees why not.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::Member;
use crate::db::ids::{CycleId, CycleRequestId, ProjectId};
use crate::domain::refusal::LinkRefused;
use crate::domain::Language;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::routes::link_language::link_page;
use crate::services::answers::{self, Answered};
use crate::services::upload_links::Entry;
use crate::services::Actor;
use crate::web::app_error::sentence_in;
use crate::web::{html, is_htmx, see_other, Ctx};

#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    answer: String,
}

/// One line for the card or the receipt area.
#[derive(Template)]
#[template(path = "uploads/answer_note.html")]
struct AnswerNote {
    saved: bool,
    sentence: String,
}

/// Answers `id` as `actor` and says how it went, in `lang`; `back` is the page to return
/// to without htmx.
async fn answer_and_say(
    ctx: &Ctx,
    actor: &Actor,
    (within, id): (Option<(ProjectId, CycleId)>, CycleRequestId),
    answer: String,
    (lang, back): (Language, String),
) -> Result<HttpResponse, AppError> {
    let answered = answers::answer(ctx.services(), actor, within, id, answer)
        .await
        // A sender through a link hears the refusal in their words (no cycle codes).
        .map_err(|e| match e {
            AppError::Refused(refusal) if actor.link_visitor().is_some() => {
                AppError::Refused(refusal.for_outsider())
            }
            other => other,
        });
    let htmx = is_htmx(&ctx.req);
    match answered {
        Ok(Answered { request, .. }) if htmx => {
            let note = AnswerNote {
                saved: true,
                sentence: Msg::new(lang, "answer-saved")
                    .arg("name", request.name.as_str())
                    .to_string(),
            };
            let mut response = html(StatusCode::OK, &note)?;
            let headers = response.headers_mut();
            headers.insert(
                actix_web::http::header::HeaderName::from_static("hx-retarget"),
                actix_web::http::header::HeaderValue::from_static("#receipt"),
            );
            headers.insert(
                actix_web::http::header::HeaderName::from_static("hx-trigger"),
                actix_web::http::header::HeaderValue::from_static("hopper:stored"),
            );
            Ok(response)
        }
        Ok(_) => Ok(see_other(&ctx.req, &format!("{back}#request-{id}"))),
        Err(e @ AppError::Refused(_)) if htmx => html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &AnswerNote {
                saved: false,
                sentence: sentence_in(&e, lang),
            },
        ),
        Err(e) => Err(e),
    }
}

pub async fn member(
    member: Member,
    ctx: Ctx,
    path: web::Path<(ProjectId, CycleId, CycleRequestId)>,
    form: web::Form<AnswerForm>,
) -> Result<HttpResponse, AppError> {
    let (project, cycle, id) = path.into_inner();
    let back = format!("/projects/{project}/cycles/{cycle}/upload");
    answer_and_say(
        &ctx,
        &member.actor,
        (Some((project, cycle)), id),
        form.into_inner().answer,
        (Language::En, back),
    )
    .await
}

pub async fn visitor(
    ctx: Ctx,
    path: web::Path<(String, CycleRequestId)>,
    form: web::Form<AnswerForm>,
) -> Result<HttpResponse, AppError> {
    let (token, id) = path.into_inner();
    let answer = form.into_inner().answer;
    link_page(ctx, token.clone(), |ctx, entry, lang| async move {
        let actor = match entry {
            Entry::Unknown | Entry::Closed(_) => return Err(AppError::NotFound),
            Entry::Stranger(_) => return Err(AppError::from(LinkRefused::UploaderUnknown)),
            Entry::Visitor(_, actor) => actor,
        };
        let within = actor.link_visitor().map(|v| (v.project, v.cycle));
        let back = format!("/u/{token}");
        answer_and_say(&ctx, &actor, (within, id), answer, (lang, back)).await
    })
    .await
}
