//! The outbox: messages sent, kept (no SMTP server set) or failed.

use actix_web::HttpResponse;
use askama::Template;

use crate::auth::Operator;
use crate::db::models::notification::Notification;
use crate::error::AppError;
use crate::services::outbox;
use crate::web::{filters, render, Ctx, PageContext};

#[derive(Template)]
#[template(path = "operator/outbox.html")]
struct OutboxPage {
    page: PageContext,
    messages: Vec<Notification>,
    smtp: bool,
}

pub async fn page(operator: Operator, ctx: Ctx) -> Result<HttpResponse, AppError> {
    let messages = outbox::recent(ctx.services(), &operator.actor).await?;
    render(&OutboxPage {
        page: PageContext::signed_in(&operator.user, &ctx.session),
        messages,
        smtp: ctx.services().mail().smtp_url.is_some(),
    })
}
