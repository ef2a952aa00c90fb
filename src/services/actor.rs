//! Who performs a use case, and in which company. Services take an [`Actor`] and never
//! a company id from the request: the company is the signed-in user's own, for the
//! operator the company they opened (kept in the server-side session), and for a wall
//! screen the company of its share link. The fields are private: an actor is made only by
//! the named constructors below, so no handler can invent one.

use std::fmt::Display;

use crate::db::ids::{CompanyId, ShareLinkId, UserId};
use crate::domain::{ClientInfo, Role};
use crate::error::{AppError, Denial};
use crate::services::audit::AuditEvent;

#[derive(Debug, Clone)]
pub struct Actor {
    who: Who,
    /// The company every query of this use case is scoped to.
    company_id: CompanyId,
    client: ClientInfo,
}

#[derive(Debug, Clone)]
enum Who {
    User {
        id: UserId,
        username: String,
        role: Role,
    },
    /// A wall screen opened through a share link: read-only, nobody signed in.
    ShareLink { id: ShareLinkId, label: String },
}

impl Actor {
    /// A signed-in user acting in their own company.
    pub fn member(
        id: UserId,
        username: &str,
        role: Role,
        company: CompanyId,
        client: ClientInfo,
    ) -> Self {
        Self {
            who: Who::User {
                id,
                username: username.to_owned(),
                role,
            },
            company_id: company,
            client,
        }
    }

    /// The operator acting inside a company they opened.
    pub fn operator_in(id: UserId, username: &str, company: CompanyId, client: ClientInfo) -> Self {
        Self::member(id, username, Role::Superadmin, company, client)
    }

    /// A wall screen showing what its share link allows.
    pub fn share_link(
        id: ShareLinkId,
        label: &str,
        company: CompanyId,
        client: ClientInfo,
    ) -> Self {
        Self {
            who: Who::ShareLink {
                id,
                label: label.to_owned(),
            },
            company_id: company,
            client,
        }
    }

    /// The operator, moved into `company` for one use case (e.g. its first admin).
    pub(in crate::services) fn operator_inside(&self, company: CompanyId) -> Actor {
        Actor {
            company_id: company,
            ..self.clone()
        }
    }

    pub fn company_id(&self) -> CompanyId {
        self.company_id
    }

    pub fn client(&self) -> &ClientInfo {
        &self.client
    }

    /// The signed-in user, if a person acts.
    pub fn user_id(&self) -> Option<UserId> {
        match &self.who {
            Who::User { id, .. } => Some(*id),
            Who::ShareLink { .. } => None,
        }
    }

    /// The signed-in user, for use cases only a person may perform.
    pub fn user(&self) -> Result<UserId, AppError> {
        self.user_id()
            .ok_or_else(|| AppError::Forbidden("A wall screen can only show dashboards.".into()))
    }

    pub fn role(&self) -> Option<Role> {
        match &self.who {
            Who::User { role, .. } => Some(*role),
            Who::ShareLink { .. } => None,
        }
    }

    pub fn is_operator(&self) -> bool {
        self.role() == Some(Role::Superadmin)
    }

    pub fn is_admin(&self) -> bool {
        self.role().is_some_and(Role::is_admin)
    }

    /// How the actor is named in logs and audit rows.
    pub fn audit_name(&self) -> String {
        match &self.who {
            Who::User { username, .. } => username.clone(),
            Who::ShareLink { label, .. } => format!("wall screen: {label}"),
        }
    }

    /// An audit event already carrying the actor, the company and the client. A wall
    /// screen's rows name its share link, never a user.
    pub fn audit<'a>(&'a self, action: &'a str) -> AuditEvent<'a> {
        let event = AuditEvent::new(action)
            .company(self.company_id)
            .client(&self.client);
        match &self.who {
            Who::User { id, username, .. } => event.actor(*id, username),
            Who::ShareLink { id, label } => event.share_link(*id, label),
        }
    }

    /// The answer for an id that is not in the actor's company: a 404 that leaves an
    /// `access_denied` audit row behind.
    pub fn not_found(&self, resource_type: &'static str, id: impl Display) -> AppError {
        let (user, share_link) = match &self.who {
            Who::User { id, .. } => (Some(*id), None),
            Who::ShareLink { id, .. } => (None, Some(*id)),
        };
        AppError::Denied(Box::new(Denial {
            user,
            share_link,
            name: self.audit_name(),
            company: self.company_id,
            client: self.client.clone(),
            resource_type,
            resource_id: id.to_string(),
        }))
    }
}
