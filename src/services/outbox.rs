//! The operator's view of the messages Hopper sent, stored or could not send.

use crate::db::models::notification::Notification;
use crate::error::AppError;
use crate::services::{Actor, ServiceContext};

/// The newest messages of every company; the operator's only.
pub async fn recent(ctx: &ServiceContext, actor: &Actor) -> Result<Vec<Notification>, AppError> {
    if !actor.is_operator() {
        return Err(AppError::NotFound);
    }
    ctx.run(actor, |conn, _| Ok(Notification::recent(conn, 200)?))
        .await
}
