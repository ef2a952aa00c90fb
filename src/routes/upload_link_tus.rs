//! Resumable uploads through an upload link: the visitor's browser opens a batch, sends
//! each file over tus at `/u/{token}/tus` (the same protocol and pipeline as a member's
//! `/uploads/tus`, run as the link's visitor), and finishes the batch for its receipt.
//! Every request resolves the visit again from its cookie, so a revoked or expired link
//! stops its uploads at once; uploads and batches are the visit's own (another visitor of
//! the same link gets a 404).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use std::future::Future;
use uuid::Uuid;

use crate::auth::csrf;
use crate::db::ids::SyncSessionId;
use crate::domain::refusal::LinkRefused;
use crate::domain::Language;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::routes::link_language::{entered, language_of};
use crate::routes::link_visit::entry;
use crate::routes::receipt_page::{render_receipt, ReceiptPage};
use crate::routes::tus;
use crate::services::receipt_email::{self, Emailed};
use crate::services::upload_links::Entry;
use crate::services::uploads::manifest;
use crate::services::Actor;
use crate::web::problem::Problem;
use crate::web::{Ctx, PageContext};

/// The named visitor of the link `token` and the language their page speaks, or why not: a
/// link that does not open is a 404 (unknown) or its refusal, a visitor who has not said who
/// they are is refused. The tus answers' refusals are shown beside the files, so they are
/// said in that language.
async fn visitor_in(ctx: &Ctx, token: &str) -> Result<(Actor, Language), Problem> {
    let entry = entry(ctx, token).await?;
    let lang = language_of(&ctx.req, &entry);
    let actor = actor_of(entry).map_err(|e| Problem::from(e).in_language(lang))?;
    Ok((actor, lang))
}

fn actor_of(entry: Entry) -> Result<Actor, AppError> {
    match entry {
        Entry::Visitor(_, actor) => Ok(actor),
        Entry::Stranger(_) => Err(LinkRefused::UploaderUnknown.into()),
        Entry::Closed(_) => Err(LinkRefused::Closed.into()),
        Entry::Unknown => Err(AppError::NotFound),
    }
}

/// The answer to the named visitor of the link `token` about one of their batches: `answer`
/// made as them, in the link's language; a link that does not open for them, and any
/// error, is the outsider's error page in that language.
async fn as_visitor<Answer>(
    ctx: Ctx,
    token: &str,
    answer: impl FnOnce(Ctx, Actor, Language) -> Answer,
) -> HttpResponse
where
    Answer: Future<Output = Result<HttpResponse, AppError>>,
{
    let (entry, lang) = match entered(&ctx, token).await {
        Ok(entered) => entered,
        Err(refused) => return refused,
    };
    let answered = match actor_of(entry) {
        Ok(actor) => answer(ctx, actor, lang).await,
        Err(e) => Err(e),
    };
    answered.unwrap_or_else(|e| e.outsider_response(lang))
}

/// Where the visitor's uploads live.
fn tus_address(token: &str) -> String {
    format!("/u/{token}/tus")
}

/// Opens an empty batch in the link's cycle for the files that follow.
pub async fn open_batch(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, Problem> {
    let (actor, lang) = visitor_in(&ctx, &path).await?;
    let Some(link) = actor.link_visitor() else {
        return Err(AppError::NotFound.into());
    };
    let session = manifest::open(ctx.services(), &actor, link.project, link.cycle)
        .await
        .map_err(|e| Problem::from(e).in_language(lang))?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "session_id": session })))
}

/// Ends the visitor's batch (what was not sent is dropped) and shows its receipt.
pub async fn finish_batch(
    ctx: Ctx,
    path: web::Path<(String, SyncSessionId)>,
) -> Result<HttpResponse, AppError> {
    let (token, session) = path.into_inner();
    let link = Some(token.clone());
    let answer = as_visitor(ctx, &token, |ctx, actor, lang| async move {
        let receipt = manifest::finish(ctx.services(), &actor, session).await?;
        let (csrf_token, _) = csrf::token_for(&ctx.req);
        let page = ReceiptPage {
            page: PageContext::anonymous(csrf_token, None).in_language(lang),
            receipt,
            stopped: None,
            link,
        };
        render_receipt(&ctx.req, page, StatusCode::OK)
    });
    Ok(answer.await)
}

/// What replaces the "Email me this receipt" button.
#[derive(Template)]
#[template(
    source = r#"<p class="notice" id="receipt-emailed" role="status">{{ said }}</p>"#,
    ext = "html"
)]
struct ReceiptEmailed {
    said: String,
}

/// Emails the receipt of the visitor's finished batch to the address they gave; answers
/// the sentence that replaces the button.
pub async fn email_receipt(
    ctx: Ctx,
    path: web::Path<(String, SyncSessionId)>,
) -> Result<HttpResponse, AppError> {
    let (token, session) = path.into_inner();
    let answer = as_visitor(ctx, &token, |ctx, actor, lang| async move {
        let said =
            match receipt_email::email_to_sender(ctx.services(), &actor, session, lang).await? {
                Emailed::Queued(to) => Msg::new(lang, "receipt-emailed").arg("to", to),
                Emailed::AlreadySent(to) => Msg::new(lang, "receipt-email-already").arg("to", to),
            }
            .to_string();
        let body = ReceiptEmailed { said }.render()?;
        Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(body))
    });
    Ok(answer.await)
}

pub async fn options(ctx: Ctx) -> HttpResponse {
    tus::options_of(&ctx.state)
}

pub async fn create(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, Problem> {
    let (actor, lang) = visitor_in(&ctx, &path).await?;
    tus::versioned(
        &ctx.req,
        tus::create_as(&ctx.state, &ctx.req, &actor, &tus_address(&path)),
    )
    .await
    .map_err(|p| p.in_language(lang))
}

pub async fn head(ctx: Ctx, path: web::Path<(String, Uuid)>) -> Result<HttpResponse, Problem> {
    let (token, id) = path.into_inner();
    let (actor, lang) = visitor_in(&ctx, &token).await?;
    tus::versioned(&ctx.req, tus::head_as(&ctx.state, &actor, id))
        .await
        .map_err(|p| p.in_language(lang))
}

pub async fn patch(
    ctx: Ctx,
    path: web::Path<(String, Uuid)>,
    body: web::Payload,
) -> Result<HttpResponse, Problem> {
    let (token, id) = path.into_inner();
    let (actor, lang) = visitor_in(&ctx, &token).await?;
    tus::versioned(
        &ctx.req,
        tus::patch_as(&ctx.state, &ctx.req, &actor, id, body),
    )
    .await
    .map_err(|p| p.in_language(lang))
}

pub async fn terminate(ctx: Ctx, path: web::Path<(String, Uuid)>) -> Result<HttpResponse, Problem> {
    let (token, id) = path.into_inner();
    let (actor, lang) = visitor_in(&ctx, &token).await?;
    tus::versioned(&ctx.req, tus::terminate_as(&ctx.state, &actor, id))
        .await
        .map_err(|p| p.in_language(lang))
}
