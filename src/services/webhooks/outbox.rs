//! The outbox: what a change tells webhooks, written where its audit row is written, in
//! the same transaction (a change that rolls back sends nothing, one that commits is
//! never lost). The audit row says what happened; this decides which event it is, and
//! writes the event with the names of what it is about (company, project, cycle,
//! request, file, sender) only when an enabled endpoint of the company wants it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Int4, Jsonb, Nullable, Timestamptz};
use serde_json::{json, Value};

use crate::db::ids::CompanyId;
use crate::db::models::webhook::{self, NewEvent, WebhookEndpoint};
use crate::domain::WebhookEvent;
use crate::services::audit::actions;

/// A change as its audit row records it.
pub struct Change<'a> {
    pub company: CompanyId,
    pub action: &'a str,
    /// `(resource_type, id)`.
    pub resource: Option<(&'a str, &'a str)>,
    pub details: &'a Value,
}

/// The event a change may be, before its rows are read.
fn candidate(change: &Change<'_>) -> Option<WebhookEvent> {
    let (kind, _) = change.resource?;
    let after = |key: &str| change.details.get("after")?.get(key)?.as_str();
    let before = |key: &str| change.details.get("before")?.get(key)?.as_str();
    match (change.action, kind) {
        (actions::FILE_UPLOADED | actions::FILE_RECONCILED, "file") => {
            Some(WebhookEvent::FileStored)
        }
        (actions::FILE_FAILED, "file") => Some(WebhookEvent::FileRefused),
        (actions::FILE_QUARANTINED, "file") => Some(WebhookEvent::FileQuarantined),
        (actions::REQUEST_ANSWERED, "cycle_request") => Some(WebhookEvent::RequestAnswered),
        (actions::REQUEST_STATUS_CHANGED, "cycle_request")
            if after("status") != before("status") =>
        {
            match after("status")? {
                "submitted" => Some(WebhookEvent::RequestSubmitted),
                "accepted" => Some(WebhookEvent::RequestAccepted),
                "rejected" => Some(WebhookEvent::RequestRejected),
                _ => None,
            }
        }
        (actions::CYCLE_STATUS_CHANGED, "cycle") if after("status") != before("status") => {
            let by_hand = change.details["after"]["status_set_by_hand"] == json!(true);
            match after("status")? {
                "completed" => Some(WebhookEvent::CycleCompleted),
                "incomplete" if !by_hand => Some(WebhookEvent::CycleOverdue),
                _ => None,
            }
        }
        (actions::UPLOAD_FINISHED, "sync_session")
            if change.details.get("upload_link").is_some()
                && change.details["total_files"].as_i64().unwrap_or(0) > 0 =>
        {
            Some(WebhookEvent::UploadLinkUsed)
        }
        _ => None,
    }
}

/// Writes the event `change` is, if any endpoint of its company wants it.
pub(in crate::services) fn record(conn: &mut PgConnection, change: &Change<'_>) -> QueryResult<()> {
    let Some(event) = candidate(change) else {
        return Ok(());
    };
    let Some(id) = change.resource.and_then(|(_, id)| id.parse::<i32>().ok()) else {
        return Ok(());
    };
    let endpoints = WebhookEndpoint::subscribed(conn, change.company, event)?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let Some(facts) = facts(conn, event, change.company, id)? else {
        return Ok(());
    };
    // A read-back that found the bytes stored tells `file.stored`; one that failed the file
    // tells nothing (it was no refusal). A failed file tells `file.refused` only when it
    // was refused (its name, type, request or size), not when its upload broke off.
    let file = &facts.data["file"];
    let keep = match event {
        WebhookEvent::FileStored => file["status"] == "completed",
        WebhookEvent::FileRefused => !file["refusal_code"].is_null(),
        _ => true,
    };
    if !keep {
        return Ok(());
    }
    let msg_id = format!("msg_{}", uuid::Uuid::new_v4().simple());
    let body = json!({
        "type": event.as_str(),
        "timestamp": facts.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": facts.data,
    });
    webhook::insert_event(
        conn,
        &NewEvent {
            company: change.company,
            msg_id: &msg_id,
            event,
            cycle: facts.cycle,
            payload: &body.to_string(),
            at: facts.at,
            endpoints: &endpoints,
        },
    )?;
    Ok(())
}

#[derive(QueryableByName)]
struct Facts {
    #[diesel(sql_type = Jsonb)]
    data: Value,
    #[diesel(sql_type = Nullable<Int4>)]
    cycle: Option<i32>,
    #[diesel(sql_type = Timestamptz)]
    at: DateTime<Utc>,
}

/// The company, project and cycle, by id and name (`co`, `p`, `c` in the query).
const NAMES: &str = "'company', jsonb_build_object('id', co.id, 'code', co.company_code,
                         'name', coalesce(co.display_name, co.company_name)),
       'project', jsonb_build_object('id', p.id, 'name', p.project_name),
       'cycle', CASE WHEN c.id IS NULL THEN NULL ELSE jsonb_build_object(
                    'id', c.id, 'name', c.cycle_name, 'status', c.status, 'due_at', c.due_at,
                    'completed_at', c.completed_at) END";

/// Who sent a batch (`s`, with its user `u` and link `l`).
const SENDER: &str = "jsonb_build_object(
           'user', u.username, 'name', coalesce(s.uploader_name, u.full_name, u.username),
           'email', coalesce(s.uploader_email, u.email),
           'upload_link', CASE WHEN l.id IS NULL THEN NULL
                               ELSE jsonb_build_object('id', l.id, 'label', l.label) END,
           'api_token', s.api_token_id)";

/// What the body's `data` says of the thing `event` is about (`id` of its kind).
fn facts(
    conn: &mut PgConnection,
    event: WebhookEvent,
    company: CompanyId,
    id: i32,
) -> QueryResult<Option<Facts>> {
    let request = "CASE WHEN r.id IS NULL THEN NULL ELSE jsonb_build_object(
                      'id', r.id, 'name', r.name, 'kind', r.kind, 'status', r.status,
                      'required', r.required, 'note', r.note, 'due_at', r.due_at,
                      'answer', r.answer, 'answered_at', r.answered_at) END";
    let query = match event {
        WebhookEvent::FileStored | WebhookEvent::FileRefused | WebhookEvent::FileQuarantined => {
            format!(
                "SELECT jsonb_build_object({NAMES}, 'request', {request},
                    'file', jsonb_build_object('id', f.id, 'path', f.file_path,
                        'name', regexp_replace(f.file_path, '^.*/', ''), 'size', f.file_size,
                        'sha256', f.checksum, 'content_type', f.content_type, 'status', f.status,
                        'reason', f.error_message, 'refusal_code', f.refusal->>'code',
                        'scan', f.scan_result, 'virus', f.virus_name),
                    'sender', {SENDER}) AS data, c.id AS cycle, now() AS at
               FROM file_uploads f JOIN sync_sessions s ON s.id = f.session_id
               JOIN projects p ON p.id = s.project_id JOIN companies co ON co.id = f.company_id
               LEFT JOIN cycles c ON c.id = f.cycle_id
               LEFT JOIN cycle_requests r ON r.id = f.request_id
               LEFT JOIN users u ON u.id = s.user_id
               LEFT JOIN upload_links l ON l.id = s.upload_link_id
              WHERE f.id = $1 AND f.company_id = $2"
            )
        }
        WebhookEvent::RequestSubmitted
        | WebhookEvent::RequestAccepted
        | WebhookEvent::RequestRejected => format!(
            "SELECT jsonb_build_object({NAMES}, 'request', {request},
                    'reviewed_by', (SELECT coalesce(v.full_name, v.username) FROM users v
                                     WHERE v.id = r.reviewed_by)) AS data,
                    c.id AS cycle, now() AS at
               FROM cycle_requests r JOIN cycles c ON c.id = r.cycle_id
               JOIN projects p ON p.id = c.project_id JOIN companies co ON co.id = r.company_id
              WHERE r.id = $1 AND r.company_id = $2"
        ),
        WebhookEvent::RequestAnswered => format!(
            "SELECT jsonb_build_object({NAMES}, 'request', {request},
                    'answered_by', jsonb_build_object(
                        'user', u.username,
                        'name', coalesce(v.uploader_name, u.full_name, u.username),
                        'email', coalesce(v.uploader_email, u.email),
                        'upload_link', CASE WHEN l.id IS NULL THEN NULL
                                            ELSE jsonb_build_object('id', l.id, 'label', l.label) END))
                    AS data, c.id AS cycle, now() AS at
               FROM cycle_requests r JOIN cycles c ON c.id = r.cycle_id
               JOIN projects p ON p.id = c.project_id JOIN companies co ON co.id = r.company_id
               LEFT JOIN users u ON u.id = r.answered_by
               LEFT JOIN upload_link_visits v ON v.id = r.answer_visit_id
               LEFT JOIN upload_links l ON l.id = v.link_id
              WHERE r.id = $1 AND r.company_id = $2"
        ),
        WebhookEvent::CycleCompleted | WebhookEvent::CycleOverdue => format!(
            "SELECT jsonb_build_object({NAMES},
                    'requests', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                     'id', r.id, 'name', r.name, 'status', r.status,
                                     'required', r.required) ORDER BY r.position, r.id), '[]')
                                   FROM cycle_requests r WHERE r.cycle_id = c.id)) AS data,
                    c.id AS cycle, now() AS at
               FROM cycles c JOIN projects p ON p.id = c.project_id
               JOIN companies co ON co.id = p.company_id
              WHERE c.id = $1 AND p.company_id = $2"
        ),
        WebhookEvent::UploadLinkUsed => format!(
            "SELECT jsonb_build_object({NAMES}, 'sender', {SENDER},
                    'batch', jsonb_build_object('id', s.id, 'status', s.status,
                        'total_files', s.total_files, 'files_uploaded', s.files_uploaded,
                        'files_skipped', s.files_skipped, 'files_failed', s.files_failed,
                        'uploaded_size_bytes', s.uploaded_size_bytes)) AS data,
                    c.id AS cycle, now() AS at
               FROM sync_sessions s JOIN projects p ON p.id = s.project_id
               JOIN companies co ON co.id = p.company_id
               LEFT JOIN cycles c ON c.id = s.cycle_id
               LEFT JOIN users u ON u.id = s.user_id
               LEFT JOIN upload_links l ON l.id = s.upload_link_id
              WHERE s.id = $1 AND p.company_id = $2"
        ),
    };
    diesel::sql_query(query)
        .bind::<Int4, _>(id)
        .bind::<Int4, _>(company.0)
        .get_result(conn)
        .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change<'a>(action: &'a str, kind: &'a str, details: &'a Value) -> Change<'a> {
        Change {
            company: CompanyId(1),
            action,
            resource: Some((kind, "7")),
            details,
        }
    }

    #[test]
    fn changes_become_events() {
        let d = json!({});
        assert_eq!(
            candidate(&change(actions::FILE_UPLOADED, "file", &d)),
            Some(WebhookEvent::FileStored)
        );
        assert_eq!(
            candidate(&change(actions::FILE_QUARANTINED, "file", &d)),
            Some(WebhookEvent::FileQuarantined)
        );
        assert_eq!(
            candidate(&change(actions::FILE_AWAITING_SCAN, "file", &d)),
            None
        );
        let reviewed = json!({"before": {"status": "submitted"}, "after": {"status": "accepted"}});
        assert_eq!(
            candidate(&change(
                actions::REQUEST_STATUS_CHANGED,
                "cycle_request",
                &reviewed
            )),
            Some(WebhookEvent::RequestAccepted)
        );
        let same = json!({"before": {"status": "accepted"}, "after": {"status": "accepted"}});
        assert_eq!(
            candidate(&change(
                actions::REQUEST_STATUS_CHANGED,
                "cycle_request",
                &same
            )),
            None
        );
        let overdue =
            json!({"before": {"status": "in_progress"}, "after": {"status": "incomplete"}});
        assert_eq!(
            candidate(&change(actions::CYCLE_STATUS_CHANGED, "cycle", &overdue)),
            Some(WebhookEvent::CycleOverdue)
        );
        let by_hand = json!({"before": {"status": "in_progress"},
                             "after": {"status": "incomplete", "status_set_by_hand": true}});
        assert_eq!(
            candidate(&change(actions::CYCLE_STATUS_CHANGED, "cycle", &by_hand)),
            None
        );
        let link = json!({"upload_link": 3, "total_files": 2});
        assert_eq!(
            candidate(&change(actions::UPLOAD_FINISHED, "sync_session", &link)),
            Some(WebhookEvent::UploadLinkUsed)
        );
        let own = json!({"total_files": 2});
        assert_eq!(
            candidate(&change(actions::UPLOAD_FINISHED, "sync_session", &own)),
            None
        );
    }
}
