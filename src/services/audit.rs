//! The append-only audit trail. Every state change writes its row through [`AuditEvent`]
//! on the same connection, inside the same transaction, as the change it records.

use std::borrow::Cow;

use diesel::prelude::*;
use serde_json::Value;

use crate::db::ids::{CompanyId, ProjectId, UserId};
use crate::db::kept_prepared::KeptPrepared;
use crate::db::models::audit_log::NewAuditRow;
use crate::db::truncate;
use crate::domain::client_info::{sanitize, ClientInfo};
use crate::domain::Via;
use crate::schema::audit_log;

pub mod actions {
    pub const SIGN_IN: &str = "auth.sign_in";
    pub const SIGN_IN_FAILED: &str = "auth.sign_in_failed";
    pub const SIGN_IN_ATTEMPT: &str = "auth.sign_in_attempt";
    pub const SIGN_OUT: &str = "auth.sign_out";
    pub const PASSWORD_CHANGED: &str = "auth.password_changed";
    pub const PASSWORD_RESET: &str = "admin.password_reset";
    pub const SUPERADMIN_CREATED: &str = "admin.superadmin_created";
    pub const SESSION_REVOKED: &str = "auth.session_revoked";
    pub const PASSKEY_REGISTERED: &str = "auth.passkey_registered";
    pub const PASSKEY_REVOKED: &str = "auth.passkey_revoked";
    pub const ACCESS_DENIED: &str = "access_denied";
    pub const COMPANY_CREATED: &str = "company.created";
    pub const COMPANY_UPDATED: &str = "company.updated";
    pub const COMPANY_DEACTIVATED: &str = "company.deactivated";
    pub const COMPANY_REACTIVATED: &str = "company.reactivated";
    pub const COMPANY_OPENED: &str = "company.opened_by_operator";
    pub const SSO_CONFIGURED: &str = "company.sso_configured";
    pub const SSO_REMOVED: &str = "company.sso_removed";
    pub const SSO_STARTED: &str = "auth.sso_started";
    pub const SSO_LINKED: &str = "auth.sso_linked";
    pub const SSO_REFUSED: &str = "auth.sso_refused";
    pub const BRANDING_CHANGED: &str = "company.branding_changed";
    pub const LOGO_SET: &str = "company.logo_set";
    pub const LOGO_REMOVED: &str = "company.logo_removed";
    pub const LANGUAGE_CHANGED: &str = "company.language_changed";
    pub const USER_CREATED: &str = "user.created";
    pub const USER_UPDATED: &str = "user.updated";
    pub const USER_DEACTIVATED: &str = "user.deactivated";
    pub const USER_REACTIVATED: &str = "user.reactivated";
    pub const PROFILE_UPDATED: &str = "user.profile_updated";
    pub const PROJECT_CREATED: &str = "project.created";
    pub const PROJECT_UPDATED: &str = "project.updated";
    pub const PROJECT_DELETED: &str = "project.deleted";
    pub const PROJECT_RESTORED: &str = "project.restored";
    pub const CYCLE_CREATED: &str = "cycle.created";
    pub const CYCLE_UPDATED: &str = "cycle.updated";
    pub const CYCLE_STATUS_CHANGED: &str = "cycle.status_changed";
    pub const CYCLE_CLOSED: &str = "cycle.closed";
    pub const CYCLE_EXPORTED: &str = "cycle.exported";
    pub const ACCESS_GRANTED: &str = "project_access.granted";
    pub const ACCESS_REVOKED: &str = "project_access.revoked";
    pub const UPLOAD_STARTED: &str = "upload.started";
    pub const UPLOAD_FINISHED: &str = "upload.finished";
    pub const FILE_UPLOADED: &str = "file.uploaded";
    pub const FILE_SKIPPED: &str = "file.skipped";
    pub const FILE_FAILED: &str = "file.failed";
    pub const FILE_AWAITING_SCAN: &str = "file.awaiting_scan";
    pub const FILE_QUARANTINED: &str = "file.quarantined";
    pub const FILE_DOWNLOADED: &str = "file.downloaded";
    pub const FILE_DELETED: &str = "file.deleted";
    pub const FILE_RETENTION_DELETED: &str = "file.retention_deleted";
    pub const FILE_BYTES_DELETED: &str = "file.bytes_deleted";
    pub const LEGAL_HOLD_PLACED: &str = "legal_hold.placed";
    pub const LEGAL_HOLD_LIFTED: &str = "legal_hold.lifted";
    pub const PERSON_ERASED: &str = "person.erased";
    pub const PROJECT_RETENTION_CHANGED: &str = "project.retention_changed";
    pub const FILE_REVIEWED: &str = "file.reviewed";
    pub const UPLOADS_REAPED: &str = "upload.reaped";
    pub const FILE_RECONCILED: &str = "file.reconciled";
    pub const SHARE_LINK_CREATED: &str = "share_link.created";
    pub const SHARE_LINK_REVOKED: &str = "share_link.revoked";
    pub const SHARE_LINK_USED: &str = "share_link.used";
    pub const API_TOKEN_CREATED: &str = "api_token.created";
    pub const API_TOKEN_REVOKED: &str = "api_token.revoked";
    pub const API_TOKEN_USED: &str = "api_token.used";
    pub const UPLOAD_LINK_CREATED: &str = "upload_link.created";
    pub const UPLOAD_LINK_REVOKED: &str = "upload_link.revoked";
    pub const UPLOAD_LINK_INVITED: &str = "upload_link.invited";
    pub const UPLOAD_LINK_OPENED: &str = "upload_link.opened";
    pub const UPLOAD_LINK_PIN_ATTEMPT: &str = "upload_link.pin_attempt";
    pub const UPLOAD_LINK_PIN_FAILED: &str = "upload_link.pin_failed";
    pub const RECEIPT_EMAILED: &str = "upload_link.receipt_emailed";
    pub const STORAGE_LOCATION_CREATED: &str = "storage_location.created";
    pub const BUCKET_CHECKED: &str = "project.bucket_checked";
    pub const REQUEST_LIST_CHANGED: &str = "request_list.changed";
    pub const REQUEST_CHANGED: &str = "request.changed";
    pub const REQUEST_STATUS_CHANGED: &str = "request.status_changed";
    pub const REQUEST_ANSWERED: &str = "request.answered";
    pub const REAUTH_ATTEMPT: &str = "auth.reauth_attempt";
    pub const CYCLE_DUE_CHANGED: &str = "cycle.due_changed";
    pub const NOTIFICATION_SENT: &str = "notification.sent";
    pub const NOTIFICATION_FAILED: &str = "notification.failed";
    pub const TWO_FACTOR_ENABLED: &str = "auth.two_factor_enabled";
    pub const TWO_FACTOR_DISABLED: &str = "auth.two_factor_disabled";
    pub const RECOVERY_CODES_REGENERATED: &str = "auth.recovery_codes_regenerated";
    pub const TWO_FACTOR_RESET: &str = "admin.two_factor_reset";
    pub const TWO_FACTOR_POLICY_CHANGED: &str = "company.two_factor_policy_changed";
    pub const WEBHOOK_CREATED: &str = "webhook.created";
    pub const WEBHOOK_CHANGED: &str = "webhook.changed";
    pub const WEBHOOK_DELETED: &str = "webhook.deleted";
    pub const WEBHOOK_REDELIVERED: &str = "webhook.redelivered";
    pub const WEBHOOK_DISABLED: &str = "webhook.disabled";

    /// Every action, for the audit trail's filter.
    pub const ALL: &[&str] = &[
        SIGN_IN,
        SIGN_IN_FAILED,
        SIGN_IN_ATTEMPT,
        SIGN_OUT,
        PASSWORD_CHANGED,
        PASSWORD_RESET,
        SUPERADMIN_CREATED,
        SESSION_REVOKED,
        PASSKEY_REGISTERED,
        PASSKEY_REVOKED,
        ACCESS_DENIED,
        COMPANY_CREATED,
        COMPANY_UPDATED,
        COMPANY_DEACTIVATED,
        COMPANY_REACTIVATED,
        COMPANY_OPENED,
        SSO_CONFIGURED,
        SSO_REMOVED,
        SSO_STARTED,
        SSO_LINKED,
        SSO_REFUSED,
        BRANDING_CHANGED,
        LOGO_SET,
        LOGO_REMOVED,
        LANGUAGE_CHANGED,
        USER_CREATED,
        USER_UPDATED,
        USER_DEACTIVATED,
        USER_REACTIVATED,
        PROFILE_UPDATED,
        PROJECT_CREATED,
        PROJECT_UPDATED,
        PROJECT_DELETED,
        PROJECT_RESTORED,
        CYCLE_CREATED,
        CYCLE_UPDATED,
        CYCLE_STATUS_CHANGED,
        CYCLE_CLOSED,
        CYCLE_EXPORTED,
        ACCESS_GRANTED,
        ACCESS_REVOKED,
        UPLOAD_STARTED,
        UPLOAD_FINISHED,
        FILE_UPLOADED,
        FILE_SKIPPED,
        FILE_FAILED,
        FILE_AWAITING_SCAN,
        FILE_QUARANTINED,
        FILE_DOWNLOADED,
        FILE_DELETED,
        FILE_RETENTION_DELETED,
        FILE_BYTES_DELETED,
        LEGAL_HOLD_PLACED,
        LEGAL_HOLD_LIFTED,
        PERSON_ERASED,
        PROJECT_RETENTION_CHANGED,
        FILE_REVIEWED,
        UPLOADS_REAPED,
        FILE_RECONCILED,
        SHARE_LINK_CREATED,
        SHARE_LINK_REVOKED,
        SHARE_LINK_USED,
        API_TOKEN_CREATED,
        API_TOKEN_REVOKED,
        API_TOKEN_USED,
        UPLOAD_LINK_CREATED,
        UPLOAD_LINK_REVOKED,
        UPLOAD_LINK_INVITED,
        UPLOAD_LINK_OPENED,
        UPLOAD_LINK_PIN_ATTEMPT,
        UPLOAD_LINK_PIN_FAILED,
        RECEIPT_EMAILED,
        STORAGE_LOCATION_CREATED,
        BUCKET_CHECKED,
        REQUEST_LIST_CHANGED,
        REQUEST_CHANGED,
        REQUEST_STATUS_CHANGED,
        REQUEST_ANSWERED,
        REAUTH_ATTEMPT,
        CYCLE_DUE_CHANGED,
        NOTIFICATION_SENT,
        NOTIFICATION_FAILED,
        TWO_FACTOR_ENABLED,
        TWO_FACTOR_DISABLED,
        RECOVERY_CODES_REGENERATED,
        TWO_FACTOR_RESET,
        TWO_FACTOR_POLICY_CHANGED,
        WEBHOOK_CREATED,
        WEBHOOK_CHANGED,
        WEBHOOK_DELETED,
        WEBHOOK_REDELIVERED,
        WEBHOOK_DISABLED,
    ];
}

#[derive(Debug)]
pub struct AuditEvent<'a> {
    action: &'a str,
    actor: Option<(UserId, &'a str)>,
    /// A link acting without a user (a wall screen's share link, an upload link).
    via: Option<(Via, Cow<'a, str>)>,
    company_id: Option<CompanyId>,
    project_id: Option<ProjectId>,
    resource: Option<(&'a str, String)>,
    details: Value,
    client: Option<&'a ClientInfo>,
}

impl<'a> AuditEvent<'a> {
    pub fn new(action: &'a str) -> Self {
        Self {
            action,
            actor: None,
            via: None,
            company_id: None,
            project_id: None,
            resource: None,
            details: Value::Object(Default::default()),
            client: None,
        }
    }

    pub fn actor(mut self, id: UserId, username: &'a str) -> Self {
        self.actor = Some((id, username));
        self
    }

    /// The row is made by a link, not a user: its id goes into the details, its name
    /// into `actor_username`.
    pub fn via(mut self, via: Via, name: impl Into<Cow<'a, str>>) -> Self {
        self.via = Some((via, name.into()));
        self
    }

    pub fn company(mut self, id: CompanyId) -> Self {
        self.company_id = Some(id);
        self
    }

    pub fn project(mut self, id: ProjectId) -> Self {
        self.project_id = Some(id);
        self
    }

    pub fn resource(mut self, kind: &'a str, id: impl ToString) -> Self {
        self.resource = Some((kind, id.to_string()));
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    pub fn client(mut self, client: &'a ClientInfo) -> Self {
        self.client = Some(client);
        self
    }

    pub fn record(mut self, conn: &mut PgConnection) -> QueryResult<()> {
        if let (Some((via, _)), Value::Object(details)) = (&self.via, &mut self.details) {
            let (key, id) = via.key();
            details.insert(key.into(), Value::from(id));
        }
        let user_agent = self
            .client
            .and_then(|c| c.user_agent.as_deref())
            .map(sanitize);
        let actor_username = self
            .actor
            .map(|(_, name)| name)
            .or(self.via.as_ref().map(|(_, name)| name.as_ref()))
            .map(|name| truncate(name, 100));
        let resource_id = self.resource.as_ref().map(|(_, id)| truncate(id, 100));
        let row = NewAuditRow {
            actor_user_id: self.actor.map(|(id, _)| id),
            actor_username: actor_username.as_deref(),
            company_id: self.company_id,
            project_id: self.project_id,
            action: self.action,
            resource_type: self.resource.as_ref().map(|(kind, _)| *kind),
            resource_id,
            details: self.details,
            ip_address: self.client.and_then(|c| c.ip.as_deref()),
            user_agent: user_agent.as_deref(),
        };
        KeptPrepared(
            diesel::insert_into(audit_log::table)
                .values(&row)
                .returning(audit_log::id),
        )
        .get_result::<i64>(conn)?;
        // What webhooks tell of this change goes into their outbox here, in the same
        // transaction: every path that records a change is covered, once.
        if let Some(company) = row.company_id {
            crate::services::webhooks::outbox::record(
                conn,
                &crate::services::webhooks::outbox::Change {
                    company,
                    action: row.action,
                    resource: self
                        .resource
                        .as_ref()
                        .map(|(kind, id)| (*kind, id.as_str())),
                    details: &row.details,
                },
            )?;
        }
        Ok(())
    }
}
