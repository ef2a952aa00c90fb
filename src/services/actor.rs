//! Who performs a use case, and in which company. Services take an [`Actor`] and never
//! a company id from the request: the company is the signed-in user's own, or for the
//! operator the company they opened, which lives in the server-side session.

use std::fmt::Display;

use crate::auth::ClientInfo;
use crate::db::ids::{CompanyId, UserId};
use crate::domain::Role;
use crate::error::{AppError, Denial};
use crate::services::audit::AuditEvent;

#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: UserId,
    pub username: String,
    pub role: Role,
    /// The company every query of this use case is scoped to.
    pub company_id: CompanyId,
    pub client: ClientInfo,
}

impl Actor {
    /// An audit event already carrying the actor, the company and the client.
    pub fn audit<'a>(&'a self, action: &'a str) -> AuditEvent<'a> {
        AuditEvent::new(action)
            .actor(self.user_id, &self.username)
            .company(self.company_id)
            .client(&self.client)
    }

    /// The answer for an id that is not in the actor's company: a 404 that leaves an
    /// `access_denied` audit row behind.
    pub fn not_found(&self, resource_type: &'static str, id: impl Display) -> AppError {
        AppError::Denied(Box::new(Denial {
            actor: self.user_id,
            actor_username: self.username.clone(),
            company: self.company_id,
            resource_type,
            resource_id: id.to_string(),
            client: self.client.clone(),
        }))
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Superadmin)
    }
}
