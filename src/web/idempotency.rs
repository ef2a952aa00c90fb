//! `Idempotency-Key` on every POST of the JSON API, as a middleware: a POST to `/api/v1`
//! with the header and a working token is hashed (method, address, body); the first with
//! a key runs and its answer is kept, sealed with the token (`services::idempotency`); a
//! repeat of the same request gets that answer again (`Idempotency-Replayed: true`) and
//! runs nothing. An answer of 5xx is not kept, so a retry runs afresh. Without the
//! header nothing changes.

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpResponse, ResponseError};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::auth::api_caller::ApiCaller;
use crate::domain::refusal::InputRefused;
use crate::error::AppError;
use crate::services::idempotency::{self, AnswerKey, Begun, Kept};
use crate::state::AppState;
use crate::web::problem::Problem;

/// The request header, and the one that marks a replayed answer.
pub const HEADER: &str = "Idempotency-Key";
pub const REPLAYED: &str = "Idempotency-Replayed";

/// The largest body a keyed request may have (the API's JSON limit).
const MAX_BODY: usize = 4 * 1024 * 1024;

pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let keyed = req.method() == Method::POST
        && req
            .match_pattern()
            .is_some_and(|p| crate::routes::is_api_route(&p))
        && req.headers().contains_key(HEADER);
    if !keyed {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let Some(state) = req.app_data::<actix_web::web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    // Without a working token the handler answers 401 as it always does.
    let Ok(caller) = ApiCaller::from_request(req.request(), &mut Payload::None).await else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    // A caller without the scope the route needs is refused by the handler before it
    // reads anything; its body is not read here either.
    let pattern = req.match_pattern().unwrap_or_default();
    if !caller
        .actor
        .may(crate::routes::api::scope_of_post(&pattern))
    {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    req.extensions_mut().insert(caller.clone());
    let sealing = match crate::auth::api_caller::bearer(req.request()) {
        Some(secret) => AnswerKey::of_token(&secret),
        None => {
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        }
    };
    let answer = |req: ServiceRequest, e: AppError| {
        let response = Problem::from(e).error_response();
        Ok(req.into_response(response))
    };
    let key = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or_default();
    let key = match idempotency::parse_key(key) {
        Ok(key) => key,
        Err(e) => return answer(req, e),
    };
    let body = match read_body(&mut req).await {
        Ok(body) => body,
        Err(e) => return answer(req, e),
    };
    let mut hash = Sha256::new();
    hash.update(req.method().as_str());
    hash.update(b"\n");
    hash.update(req.uri().path_and_query().map_or("", |p| p.as_str()));
    hash.update(b"\n");
    hash.update(&body);
    let hash: [u8; 32] = hash.finalize().into();
    req.set_payload(Payload::from(body));

    let services = &state.services;
    match idempotency::begin(services, &caller.actor, key.clone(), hash, sealing.clone()).await {
        Err(e) => return answer(req, e),
        Ok(Begun::Replay(kept)) => {
            tracing::info!(key = %key, status = kept.status, "idempotent request replayed");
            let mut response = HttpResponse::build(
                StatusCode::from_u16(kept.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            );
            if let Some(kind) = &kept.content_type {
                response.content_type(kind.as_str());
            }
            response.insert_header((REPLAYED, "true"));
            return Ok(req.into_response(response.body(kept.body)));
        }
        Ok(Begun::First) => {}
    }

    let response = next.call(req).await?;
    let status = response.status();
    if status.is_server_error() {
        if let Err(e) = idempotency::release(services, &caller.actor, key).await {
            tracing::warn!(error = %e, "could not release an idempotency key");
        }
        return Ok(response.map_into_boxed_body());
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (http_req, http_res) = response.into_parts();
    let (head, body) = http_res.into_parts();
    let bytes = to_bytes(body).await.map_err(|e| {
        let e: Box<dyn std::error::Error> = e.into();
        actix_web::error::ErrorInternalServerError(e.to_string())
    })?;
    let kept = Kept {
        status: status.as_u16(),
        content_type,
        body: bytes.to_vec(),
    };
    if let Err(e) = idempotency::finish(services, &caller.actor, (key, hash), sealing, kept).await {
        tracing::warn!(error = %e, "could not keep an idempotent answer");
    }
    Ok(ServiceResponse::new(
        http_req,
        head.set_body(bytes).map_into_boxed_body(),
    ))
}

/// The whole body, at most [`MAX_BODY`].
async fn read_body(req: &mut ServiceRequest) -> Result<actix_web::web::Bytes, AppError> {
    let mut payload = req.take_payload();
    let mut body = actix_web::web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| AppError::from(InputRefused::JsonUnreadable(e.to_string())))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(
                InputRefused::JsonUnreadable("the body is larger than 4 MiB".into()).into(),
            );
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
