//! "What is missing": every open request across the projects the viewer sees.

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::auth::Member;
use crate::error::AppError;
use crate::services::missing::{self, MissingSort, OpenRequest};
use crate::web::{filters, render, Ctx, PageContext};

#[derive(Template)]
#[template(path = "missing.html")]
struct MissingPage {
    page: PageContext,
    rows: Vec<OpenRequest>,
    more: bool,
    sort: MissingSort,
    now: DateTime<Utc>,
}

#[derive(Debug, Default, Deserialize)]
pub struct MissingQuery {
    #[serde(default)]
    sort: String,
}

pub async fn page(
    member: Member,
    ctx: Ctx,
    query: web::Query<MissingQuery>,
) -> Result<HttpResponse, AppError> {
    let sort = MissingSort::parse(&query.sort);
    let mut rows = missing::open_requests(ctx.services(), &member.actor, sort).await?;
    let more = rows.len() as i64 > missing::LIMIT;
    rows.truncate(missing::LIMIT as usize);
    render(&MissingPage {
        page: PageContext::signed_in(&member.user, &ctx.session),
        rows,
        more,
        sort,
        now: ctx.services().clock().now(),
    })
}
