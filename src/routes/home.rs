use actix_web::HttpResponse;
use askama::Template;
use chrono::{DateTime, Utc};

use crate::auth::Member;
use crate::error::AppError;
use crate::services::missing::{self, MissingSort, OpenRequest};
use crate::web::{filters, render, Ctx, PageContext};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: PageContext,
    last_login: Option<String>,
    /// The first open requests by due date, and how many there are (up to the limit).
    soonest: Vec<OpenRequest>,
    open_count: usize,
    overdue_count: usize,
    now: DateTime<Utc>,
}

pub async fn get(member: Member, ctx: Ctx) -> Result<HttpResponse, AppError> {
    let last_login = member.user.last_login.map(|at| member.user.local_time(at));
    let open = missing::open_requests(ctx.services(), &member.actor, MissingSort::Due).await?;
    let now = ctx.services().clock().now();
    let overdue_count = open.iter().filter(|r| r.is_overdue(now)).count();
    let open_count = open.len();
    let soonest = open.into_iter().take(5).collect();
    render(&HomePage {
        page: PageContext::signed_in(&member.user, &ctx.session),
        last_login,
        soonest,
        open_count,
        overdue_count,
        now,
    })
}
