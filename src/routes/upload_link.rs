//! Upload links, the visitor's side: `/u/{token}` asks who they are (and the PIN), then
//! shows the cycle's requests and the upload form; files go through the same pipeline,
//! deduplication and receipt as a member's. The visit lives behind a cookie of its own.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::csrf::{self, CheckedMultipart};
use crate::auth::ClientInfo;
use crate::config::Secret;
use crate::domain::fields;
use crate::domain::refusal::LinkRefused;
use crate::domain::Language;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::routes::link_language::{accept_language, link_page, refusal_page};
use crate::routes::link_page::{upload_page, with_csrf_cookie};
use crate::routes::link_visit::cookie_name;
use crate::routes::receipt_page::{respond_with_receipt, ReceiptPage};
use crate::routes::uploads::receive;
use crate::services::upload_links::{self, Entry, OpenLink};
use crate::web::app_error::sentence_in;
use crate::web::{form_status, Ctx, FieldErrors, PageContext};

#[derive(Template)]
#[template(path = "uploads/link_start.html")]
struct StartPage {
    page: PageContext,
    open: OpenLink,
    token: String,
    visitor_name: String,
    visitor_email: String,
    errors: FieldErrors,
}

fn start_page(
    ctx: &Ctx,
    open: OpenLink,
    token: String,
    (name, email): (String, String),
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let status = form_status(&errors);
    start_page_as(ctx, (open, token), (name, email), errors, status)
}

/// The start page again, with what the sender typed kept and `errors` said, as `status`.
fn start_page_as(
    ctx: &Ctx,
    (open, token): (OpenLink, String),
    (name, email): (String, String),
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let lang = open.language(accept_language(&ctx.req));
    with_csrf_cookie(&ctx.req, (status, lang), |page| {
        StartPage {
            page: page.with_brand(Some(open.brand.clone())),
            open,
            token,
            visitor_name: name,
            visitor_email: email,
            errors,
        }
        .render()
    })
}

pub async fn show(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    link_page(ctx, token.clone(), |ctx, entry, _| {
        show_link(ctx, token, entry)
    })
    .await
}

async fn show_link(ctx: Ctx, token: String, entry: Entry) -> Result<HttpResponse, AppError> {
    match entry {
        Entry::Unknown | Entry::Closed(_) => Err(AppError::NotFound),
        Entry::Stranger(open) => start_page(
            &ctx,
            open,
            token,
            (String::new(), String::new()),
            FieldErrors::default(),
        ),
        Entry::Visitor(open, actor) => upload_page(&ctx, open, &actor, token).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct IdentityForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    pin: String,
}

pub async fn identify(
    ctx: Ctx,
    path: web::Path<String>,
    form: web::Form<IdentityForm>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    link_page(ctx, token.clone(), |ctx, entry, lang| {
        identify_visitor(ctx, (token, entry, lang), form.into_inner())
    })
    .await
}

async fn identify_visitor(
    ctx: Ctx,
    (token, entry, lang): (String, Entry, Language),
    form: IdentityForm,
) -> Result<HttpResponse, AppError> {
    let (Entry::Stranger(open) | Entry::Visitor(open, _)) = entry else {
        return Err(AppError::NotFound);
    };
    let mut errors = FieldErrors::default();
    // English keeps the fields' own sentences; another language says each field's one.
    let in_words = |key: &'static str| {
        move |e: String| match lang {
            Language::En => e,
            _ => Msg::new(lang, key).to_string(),
        }
    };
    let name = errors.check(
        "name",
        fields::required_name(&form.name, "name", 100).map_err(in_words("field-name-invalid")),
    );
    let email = errors.check(
        "email",
        fields::email(&form.email).map_err(in_words("field-email-invalid")),
    );
    let pin = form.pin.trim();
    if open.link.has_pin() && pin.is_empty() {
        errors.add("pin", Msg::new(lang, "field-pin-missing").to_string());
    }
    let (Some(name), Some(email)) = (name, email) else {
        return start_page(&ctx, open, token, (form.name, form.email), errors);
    };
    if !errors.is_empty() {
        return start_page(&ctx, open, token, (name, email), errors);
    }
    let identity = upload_links::Identity {
        name: name.clone(),
        email: email.clone(),
        pin: (!pin.is_empty()).then(|| Secret::new(pin)),
    };
    let opened = upload_links::identify(
        ctx.services(),
        token.clone(),
        identity,
        ClientInfo::from_request(&ctx.req),
    )
    .await;
    // A wrong PIN, or guesses too fast: the form again, with what was typed kept and the
    // refusal's own sentence under the PIN.
    let again = match &opened {
        Err(e @ AppError::Refused(refusal)) if refusal.code() == LinkRefused::WrongPin.code() => {
            Some((sentence_in(e, lang), StatusCode::FORBIDDEN, None))
        }
        Err(
            e @ AppError::TooManyRequests {
                retry_after_secs, ..
            },
        ) => Some((
            sentence_in(e, lang),
            StatusCode::TOO_MANY_REQUESTS,
            Some(*retry_after_secs),
        )),
        _ => None,
    };
    if let Some((reason, status, wait)) = again {
        errors.add("pin", reason);
        let mut page = start_page_as(&ctx, (open, token), (name, email), errors, status)?;
        if let Some(wait) = wait {
            page.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(wait),
            );
        }
        return Ok(page);
    }
    let opened = opened?;
    let (secret, until) = match opened {
        Ok(opened) => opened,
        Err(refused) => {
            return refusal_page(&ctx, &token, &refused, lang)
                .await
                .unwrap_or(Err(AppError::NotFound))
        }
    };
    let max_age = (until - ctx.services().clock().now()).num_seconds().max(1);
    let cookie = Cookie::build(cookie_name(&ctx.state, open.link.id), secret)
        .path("/")
        .http_only(true)
        .secure(ctx.state.config.session.cookie_secure)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(max_age))
        .finish();
    let mut response = crate::web::see_other(&ctx.req, &format!("/u/{token}"));
    response.add_cookie(&cookie).map_err(|e| {
        AppError::Unexpected(anyhow::anyhow!("could not set the visit cookie: {e}"))
    })?;
    Ok(response)
}

pub async fn upload(
    ctx: Ctx,
    path: web::Path<String>,
    body: CheckedMultipart,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    link_page(ctx, token.clone(), |ctx, entry, lang| {
        send(ctx, (token, entry, lang), body)
    })
    .await
}

async fn send(
    ctx: Ctx,
    (token, entry, lang): (String, Entry, Language),
    body: CheckedMultipart,
) -> Result<HttpResponse, AppError> {
    let (actor, brand) = match entry {
        Entry::Unknown | Entry::Closed(_) => return Err(AppError::NotFound),
        Entry::Stranger(_) => return Err(AppError::from(LinkRefused::UploaderUnknown)),
        Entry::Visitor(open, actor) => (actor, open.brand),
    };
    let (project, cycle) = match actor.link_visitor() {
        Some(v) => (v.project, v.cycle),
        None => return Err(AppError::NotFound),
    };
    let (receipt, stop) = receive(&ctx, &actor, project, cycle, body).await?;
    let (csrf_token, _) = csrf::token_for(&ctx.req);
    let page = ReceiptPage {
        page: PageContext::anonymous(csrf_token, None)
            .with_brand(Some(brand))
            .in_language(lang),
        receipt,
        stopped: stop.clone().map(|stop| stop.for_outsider().said(lang)),
        link: Some(token),
    };
    respond_with_receipt(&ctx.req, page, stop.as_ref())
}
