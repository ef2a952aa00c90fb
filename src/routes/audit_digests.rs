//! The signed digests of the audit chains as JSON lines, to keep elsewhere: the operator's
//! hold every chain, a company admin's their company's. Streamed a batch at a time.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::auth::Member;
use crate::error::AppError;
use crate::services::audit_digests::{self, DigestLine};
use crate::state::AppState;

const BATCH: i64 = 1000;

type Batch = Result<Vec<(i64, DigestLine)>, AppError>;

pub async fn download(
    member: Member,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    // Asked up front, so that someone who may not take digests gets the refusal, not an
    // empty file.
    let first = audit_digests::batch(&state.services, &member.actor, 0, BATCH).await?;
    let (services, actor) = (state.services.clone(), member.actor.clone());
    let stream = futures_util::stream::unfold(Some(Ok(first)), move |state: Option<Batch>| {
        let (services, actor) = (services.clone(), actor.clone());
        async move {
            let batch = match state? {
                Ok(batch) if batch.is_empty() => return None,
                Ok(batch) => batch,
                Err(e) => {
                    return Some((
                        Err(actix_web::error::ErrorServiceUnavailable(e.to_string())),
                        None,
                    ))
                }
            };
            let mut text = String::new();
            for (_, line) in &batch {
                text.push_str(&line.to_json());
                text.push('\n');
            }
            let next = match batch.last() {
                Some((last, _)) if batch.len() == BATCH as usize => {
                    audit_digests::batch(&services, &actor, *last, BATCH).await
                }
                _ => Ok(Vec::new()),
            };
            Some((Ok(web::Bytes::from(text)), Some(next)))
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("application/jsonl; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"hopper-audit-digests.jsonl\"",
        ))
        .streaming(stream))
}
