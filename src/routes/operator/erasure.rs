//! The operator erases a person's personal data: an address, a preview of what it would
//! erase (a dry run), then the erasure, confirmed first. A legal hold refuses it (409).

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::Operator;
use crate::error::AppError;
use crate::services::erasure::{self, ErasureReport};
use crate::web::{done, render, Ctx, PageContext};

#[derive(Template)]
#[template(path = "operator/erasure.html")]
struct ErasurePage {
    page: PageContext,
    email: String,
    /// The dry run's outcome, once an address was previewed.
    preview: Option<ErasureReport>,
}

#[derive(Deserialize)]
pub struct ErasureForm {
    /// Missing reads as blank (refused as not an address), so that a body without it
    /// meets the operator guard first.
    #[serde(default)]
    email: String,
}

pub async fn page(operator: Operator, ctx: Ctx) -> Result<HttpResponse, AppError> {
    render(&ErasurePage {
        page: PageContext::signed_in(&operator.user, &ctx.session),
        email: String::new(),
        preview: None,
    })
}

/// What erasing the address would change; nothing is changed.
pub async fn preview(
    operator: Operator,
    ctx: Ctx,
    form: web::Form<ErasureForm>,
) -> Result<HttpResponse, AppError> {
    let report = erasure::erase_address(ctx.services(), &operator.actor, &form.email, true).await?;
    render(&ErasurePage {
        page: PageContext::signed_in(&operator.user, &ctx.session),
        email: form.email.trim().to_owned(),
        preview: Some(report),
    })
}

pub async fn erase(
    operator: Operator,
    ctx: Ctx,
    form: web::Form<ErasureForm>,
) -> Result<HttpResponse, AppError> {
    let report =
        erasure::erase_address(ctx.services(), &operator.actor, &form.email, false).await?;
    let text = if report.is_empty() {
        "Nothing holds that address; nothing was changed.".to_owned()
    } else {
        format!(
            "Erased: {} accounts, {} upload-link visits, {} other rows and {} audit rows. The audit trail still verifies.",
            report.accounts, report.visits, report.rows_changed, report.audit_rows
        )
    };
    Ok(done(&ctx.req, &ctx.session, text, "/operator/erasure"))
}
