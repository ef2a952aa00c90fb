//! Share links for wall screens; only the SHA-256 of a link's token is stored.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::{CompanyId, ProjectId, ShareLinkId};
use crate::schema::share_links;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = share_links, check_for_backend(diesel::pg::Pg))]
pub struct ShareLink {
    pub id: ShareLinkId,
    pub company_id: CompanyId,
    pub project_id: Option<ProjectId>,
    pub label: String,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl ShareLink {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}
