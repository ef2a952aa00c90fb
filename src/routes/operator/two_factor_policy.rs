//! The operator requires two factors of every company's members, of operators, or both.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::Operator;
use crate::error::AppError;
use crate::services::two_factor::policy::{self, InstallationPolicy};
use crate::web::{done, Ctx};

#[derive(Deserialize)]
pub struct PolicyForm {
    /// Checkboxes: present ("on") when ticked.
    all_companies: Option<String>,
    operators: Option<String>,
}

pub async fn set(
    operator: Operator,
    ctx: Ctx,
    form: web::Form<PolicyForm>,
) -> Result<HttpResponse, AppError> {
    let after = InstallationPolicy {
        all_companies: form.all_companies.is_some(),
        operators: form.operators.is_some(),
    };
    policy::set_for_installation(ctx.services(), &operator.actor, after).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        "Saved who must sign in with two factors.",
        "/operator/companies",
    ))
}
