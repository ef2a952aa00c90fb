//! Who may touch an upload by its id: its creator (the same user, the same machine
//! token, or the same visit of an upload link) or an admin of its company, and either only with the right to upload into its
//! project now (for a token: the `upload` scope and the project among its own). Anyone
//! else, and an id that does not exist, get the same 404.

use diesel::PgConnection;
use uuid::Uuid;

use crate::db::models::tus_upload::TusUpload;
use crate::domain::TokenScope;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::project_access::{self, ProjectRight};
use crate::services::uploads::tus::is_own;

/// The upload `id`, when the actor may touch it; checked before anything about the
/// upload is told.
pub(super) fn touchable_upload(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<TusUpload, AppError> {
    let absent = || actor.not_found("tus_upload", id);
    if !actor.may(TokenScope::Upload) {
        return Err(absent());
    }
    let upload = TusUpload::lock_in_company(conn, actor.company_id(), id)?.ok_or_else(absent)?;
    let may_upload = match actor.link_visitor() {
        // A link's visitor, only into the link's own cycle (while the link works: the
        // route resolved the visit through a live link).
        Some(visitor) => visitor.project == upload.project_id && visitor.cycle == upload.cycle_id,
        None => project_access::right_in(conn, actor, upload.project_id)?
            .is_some_and(ProjectRight::can_upload),
    };
    if may_upload && (is_own(actor, &upload) || actor.is_admin()) {
        Ok(upload)
    } else {
        Err(absent())
    }
}

/// Why a terminated upload's file failed, as its receipt says: its sender cancelled it,
/// or an admin did.
pub(super) fn cancel_reason(actor: &Actor, upload: &TusUpload) -> &'static str {
    if is_own(actor, upload) {
        "cancelled by the uploader"
    } else {
        "cancelled by an admin"
    }
}
