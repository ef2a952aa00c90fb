use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::{CompanyId, ProjectId, UserId};
use crate::schema::audit_log;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log, check_for_backend(diesel::pg::Pg))]
pub struct AuditRow {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub actor_user_id: Option<UserId>,
    pub actor_username: Option<String>,
    pub company_id: Option<CompanyId>,
    pub project_id: Option<ProjectId>,
    pub action: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub details: serde_json::Value,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditRow<'a> {
    pub actor_user_id: Option<UserId>,
    pub actor_username: Option<&'a str>,
    pub company_id: Option<CompanyId>,
    pub project_id: Option<ProjectId>,
    pub action: &'a str,
    pub resource_type: Option<&'a str>,
    pub resource_id: Option<String>,
    pub details: serde_json::Value,
    pub ip_address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}
