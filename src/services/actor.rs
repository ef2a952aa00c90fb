//! Who performs a use case, and in which company. Services take an [`Actor`] and never
//! a company id from the request: the company is the signed-in user's own, for the
//! operator the company they opened (kept in the server-side session), for a wall
//! screen the company of its share link, and for a visitor of an upload link the
//! company, project and cycle of that link. The fields are private: an actor is made only by
//! the named constructors below, so no handler can invent one.

use std::fmt::Display;

use crate::db::ids::{
    ApiTokenId, CompanyId, CycleId, CycleRequestId, ProjectId, ShareLinkId, UploadLinkId,
    UploadLinkVisitId, UserId,
};
use crate::domain::refusal::AccessRefused;
use crate::domain::{ClientInfo, Role, TokenScope, Via};
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
    /// Somebody without an account, sending files through an upload link into its cycle.
    UploadLink(Box<LinkVisitor>),
    /// A program with an API token: its user's rights (none for a machine token, which
    /// has only its project), narrowed to the token's projects and scopes.
    Token(Box<TokenCaller>),
}

/// Who calls the API, and what the token allows.
#[derive(Debug, Clone)]
pub struct TokenCaller {
    pub token: ApiTokenId,
    pub name: String,
    /// The token's user (id, username, role); none for a machine token.
    pub user: Option<(UserId, String, Role)>,
    pub scopes: Vec<TokenScope>,
    /// Empty: every project the user may reach (never empty for a machine token).
    pub projects: Vec<ProjectId>,
}

/// Who sends files through an upload link, and where the link lets them.
/// Who sent a batch or a resumable upload, as its row records it.
#[derive(Debug, Clone, Copy)]
pub struct Sender {
    pub user: Option<UserId>,
    pub token: Option<ApiTokenId>,
    pub visit: Option<UploadLinkVisitId>,
}

#[derive(Debug, Clone)]
pub struct LinkVisitor {
    pub link: UploadLinkId,
    /// The visit (the browser's cookie): batches and resumable uploads are its own.
    pub visit: UploadLinkVisitId,
    pub label: String,
    pub project: ProjectId,
    pub cycle: CycleId,
    /// The requests the link is for (empty: all of the cycle's).
    pub requests: Vec<CycleRequestId>,
    pub uploader_name: String,
    pub uploader_email: String,
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

    /// A visitor of an upload link, in the link's company.
    pub fn upload_link(visitor: LinkVisitor, company: CompanyId, client: ClientInfo) -> Self {
        Self {
            who: Who::UploadLink(Box::new(visitor)),
            company_id: company,
            client,
        }
    }

    /// A program calling the API with a token.
    pub fn token(caller: TokenCaller, company: CompanyId, client: ClientInfo) -> Self {
        Self {
            who: Who::Token(Box::new(caller)),
            company_id: company,
            client,
        }
    }

    /// The token the actor calls with, if any.
    pub fn token_caller(&self) -> Option<&TokenCaller> {
        match &self.who {
            Who::Token(caller) => Some(caller),
            _ => None,
        }
    }

    /// Whether the actor may do `scope`: always for people, per its scopes for a token.
    pub fn may(&self, scope: TokenScope) -> bool {
        self.token_caller()
            .is_none_or(|caller| caller.scopes.contains(&scope))
    }

    /// The upload link the actor came through, if any.
    pub fn link_visitor(&self) -> Option<&LinkVisitor> {
        match &self.who {
            Who::UploadLink(visitor) => Some(visitor),
            _ => None,
        }
    }

    /// The link the actor acts through, when nobody is signed in.
    fn via(&self) -> Option<Via> {
        match &self.who {
            Who::User { .. } => None,
            Who::ShareLink { id, .. } => Some(Via::ShareLink(*id)),
            Who::UploadLink(visitor) => Some(Via::UploadLink(visitor.link)),
            Who::Token(caller) => Some(Via::ApiToken(caller.token)),
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
            Who::Token(caller) => caller.user.as_ref().map(|(id, _, _)| *id),
            Who::ShareLink { .. } | Who::UploadLink(_) => None,
        }
    }

    /// Whether this actor sent what `sender` sent (a batch, a resumable upload): the same
    /// user, the same machine token, or the same visit of an upload link. Only its sender
    /// joins a batch or resumes an upload.
    pub fn is_sender(&self, sender: Sender) -> bool {
        match (&self.who, self.user_id()) {
            (Who::UploadLink(visitor), _) => sender.visit == Some(visitor.visit),
            (_, Some(me)) => sender.user == Some(me),
            (Who::Token(caller), None) => {
                sender.user.is_none() && sender.token == Some(caller.token)
            }
            (Who::User { .. } | Who::ShareLink { .. }, None) => false,
        }
    }

    /// The signed-in user, for use cases only a person may perform.
    pub fn user(&self) -> Result<UserId, AppError> {
        self.user_id()
            .ok_or_else(|| AppError::from(AccessRefused::AccountNeeded))
    }

    pub fn role(&self) -> Option<Role> {
        match &self.who {
            Who::User { role, .. } => Some(*role),
            Who::Token(caller) => caller.user.as_ref().map(|(_, _, role)| *role),
            Who::ShareLink { .. } | Who::UploadLink(_) => None,
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
            Who::UploadLink(v) => format!(
                "{} <{}> via upload link: {}",
                v.uploader_name, v.uploader_email, v.label
            ),
            Who::Token(caller) => match &caller.user {
                Some((_, username, _)) => username.clone(),
                None => format!("machine token: {}", caller.name),
            },
        }
    }

    /// An audit event already carrying the actor, the company and the client. A wall
    /// screen's rows name its share link, an upload link's the link and the person who
    /// said who they are; never a user.
    pub fn audit<'a>(&'a self, action: &'a str) -> AuditEvent<'a> {
        let event = AuditEvent::new(action)
            .company(self.company_id)
            .client(&self.client);
        match &self.who {
            Who::User { id, username, .. } => event.actor(*id, username),
            Who::ShareLink { id, label } => event.via(Via::ShareLink(*id), label.as_str()),
            Who::UploadLink(visitor) => event.via(Via::UploadLink(visitor.link), self.audit_name()),
            // A personal token's rows name its user, and the token in their details.
            Who::Token(caller) => match &caller.user {
                Some((id, username, _)) => event
                    .actor(*id, username)
                    .via(Via::ApiToken(caller.token), username.as_str()),
                None => event.via(Via::ApiToken(caller.token), self.audit_name()),
            },
        }
    }

    /// The answer for an id that is not in the actor's company: a 404 that leaves an
    /// `access_denied` audit row behind.
    pub fn not_found(&self, resource_type: &'static str, id: impl Display) -> AppError {
        AppError::Denied(Box::new(Denial {
            user: self.user_id(),
            via: self.via(),
            name: self.audit_name(),
            company: self.company_id,
            client: self.client.clone(),
            resource_type,
            resource_id: id.to_string(),
        }))
    }
}
