//! Messages to people: a request rejected (to its uploaders), requests due soon or
//! overdue (reminders on the project's schedule), and one digest per finished batch (to
//! the company's admins) — never one message per file. Each is queued in the
//! transaction of the change that causes it (so a rolled-back change sends nothing) and
//! sent afterwards by [`sender`]; people turn each kind off in their profile.

mod invitation;
mod reminders;
mod sender;

pub(in crate::services) use invitation::{upload_invitation, Invitation};
pub use reminders::{reminder_pass, ReminderReport};
pub use sender::{send_pending, spawn_sender, SendReport};

use diesel::prelude::*;
use diesel::sql_types::{Int4, Nullable, Text};

use crate::db::ids::{CompanyId, CycleRequestId, ProjectId, UserId};
use crate::db::models::notification::{NewNotification, Notification};
use crate::domain::{Language, NotificationKind};
use crate::error::AppError;
use crate::i18n::Msg;

/// Who receives a message.
#[derive(Debug, Clone, QueryableByName)]
pub(in crate::services) struct Recipient {
    /// None: somebody without an account (who sent files through an upload link).
    #[diesel(sql_type = Nullable<Int4>)]
    pub user_id: Option<UserId>,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub name: String,
}

/// The profile switch of a kind (a column name, never user input); none for a message a
/// person asks for themselves (a receipt sent on request).
fn preference(kind: NotificationKind) -> Option<&'static str> {
    match kind {
        NotificationKind::RequestRejected => Some("notify_rejections"),
        NotificationKind::DueSoon | NotificationKind::Overdue => Some("notify_reminders"),
        NotificationKind::UploadDigest => Some("notify_digests"),
        NotificationKind::UploadReceipt
        | NotificationKind::UploadInvitation
        | NotificationKind::VirusFound
        | NotificationKind::WebhookDisabled => None,
    }
}

/// The head of a query for the active users who want `kind`, as recipients; the caller
/// adds its own conditions (`AND …`) and the order.
fn users_wanting(kind: NotificationKind) -> String {
    format!(
        "SELECT u.id AS user_id, u.email::text AS email,
                coalesce(u.full_name, u.username)::text AS name
           FROM users u LEFT JOIN user_profiles up ON up.user_id = u.id
          WHERE u.is_active AND {wants}",
        wants = preference(kind).map_or("true".to_owned(), |p| format!("coalesce(up.{p}, true)"))
    )
}

/// Active uploaders granted on the project, plus (for a request) whoever uploaded its
/// files, who want `kind`.
fn uploaders(
    conn: &mut PgConnection,
    project: ProjectId,
    request: Option<CycleRequestId>,
    kind: NotificationKind,
) -> QueryResult<Vec<Recipient>> {
    diesel::sql_query(format!(
        "{}
            AND (u.id IN (SELECT user_id FROM project_access
                           WHERE project_id = $1 AND access_role = 'uploader')
                 OR u.id IN (SELECT s.user_id FROM file_uploads f
                               JOIN sync_sessions s ON s.id = f.session_id
                              WHERE f.request_id = $2)
                 OR u.id IN (SELECT answered_by FROM cycle_requests WHERE id = $2))
          ORDER BY u.id",
        users_wanting(kind)
    ))
    .bind::<Int4, _>(project.0)
    .bind::<Int4, _>(request.map_or(0, |r| r.0))
    .load(conn)
}

/// Somebody without an account who sent files through an upload link, with the language
/// of that link (its own, else its company's; `None`: English).
#[derive(Debug, Clone, QueryableByName)]
struct LinkRecipient {
    #[diesel(embed)]
    who: Recipient,
    #[diesel(sql_type = Nullable<Text>)]
    language: Option<String>,
}

/// The people without an account who sent files for `request` through an upload link, or
/// answered it there (each address once, in the language of the link they last used).
fn link_uploaders(
    conn: &mut PgConnection,
    company: CompanyId,
    request: CycleRequestId,
) -> QueryResult<Vec<LinkRecipient>> {
    diesel::sql_query(
        "SELECT DISTINCT ON (lower(email)) user_id, email, name, language FROM (
             SELECT NULL::int AS user_id, s.uploader_email::text AS email,
                    s.uploader_name::text AS name,
                    coalesce(l.language, c.default_language) AS language, s.created_at AS at
               FROM file_uploads f JOIN sync_sessions s ON s.id = f.session_id
               JOIN upload_links l ON l.id = s.upload_link_id
               JOIN companies c ON c.id = l.company_id
              WHERE f.company_id = $1 AND f.request_id = $2
                AND s.upload_link_id IS NOT NULL AND s.uploader_email IS NOT NULL
             UNION ALL
             SELECT NULL::int, v.uploader_email::text, v.uploader_name::text,
                    coalesce(l.language, c.default_language), r.answered_at
               FROM cycle_requests r JOIN upload_link_visits v ON v.id = r.answer_visit_id
               JOIN upload_links l ON l.id = v.link_id
               JOIN companies c ON c.id = l.company_id
              WHERE r.company_id = $1 AND r.id = $2
         ) senders
         ORDER BY lower(email), at DESC NULLS LAST",
    )
    .bind::<Int4, _>(company.0)
    .bind::<Int4, _>(request.0)
    .load(conn)
}

/// Active admins of the company who want `kind`.
fn admins(
    conn: &mut PgConnection,
    company: CompanyId,
    kind: NotificationKind,
) -> QueryResult<Vec<Recipient>> {
    diesel::sql_query(format!(
        "{} AND u.company_id = $1 AND u.role = 'admin' ORDER BY u.id",
        users_wanting(kind)
    ))
    .bind::<Int4, _>(company.0)
    .load(conn)
}

fn queue_to(
    conn: &mut PgConnection,
    company: CompanyId,
    to: &[Recipient],
    kind: NotificationKind,
    subject: &str,
    body: impl Fn(&Recipient) -> String,
) -> QueryResult<usize> {
    let mut queued = 0;
    for recipient in to {
        let text = body(recipient);
        queued += usize::from(Notification::queue(
            conn,
            &NewNotification {
                company: Some(company),
                user: recipient.user_id,
                recipient: &recipient.email,
                kind,
                subject,
                body: &text,
                dedupe_key: None,
            },
        )?);
    }
    Ok(queued)
}

/// What a rejection tells the uploaders.
pub(in crate::services) struct Rejection<'a> {
    pub company: CompanyId,
    pub project: ProjectId,
    pub project_name: &'a str,
    pub cycle_name: &'a str,
    pub upload_url: String,
    pub request: CycleRequestId,
    pub request_name: &'a str,
    pub reason: &'a str,
    /// A question: its answer, not a file, was not accepted.
    pub question: bool,
}

pub(in crate::services) fn request_rejected(
    conn: &mut PgConnection,
    r: &Rejection<'_>,
) -> Result<usize, AppError> {
    let kind = NotificationKind::RequestRejected;
    let to = uploaders(conn, r.project, Some(r.request), kind)?;
    let mut queued = 0;
    for outsider in link_uploaders(conn, r.company, r.request)? {
        let lang = outsider.language.as_deref().and_then(Language::parse);
        let message = |key: &'static str| {
            Msg::new(lang.unwrap_or_default(), key)
                .arg("project", r.project_name)
                .arg("cycle", r.cycle_name)
                .arg("request", r.request_name)
                .arg("reason", r.reason)
                .arg("name", &outsider.who.name)
        };
        let (subject, body) = if r.question {
            (
                "email-rejected-answer-subject",
                "email-rejected-answer-body",
            )
        } else {
            ("email-rejected-subject", "email-rejected-body")
        };
        let subject = message(subject).to_string();
        let body = format!("{}\n", message(body));
        queued += queue_to(
            conn,
            r.company,
            std::slice::from_ref(&outsider.who),
            kind,
            &subject,
            |_| body.clone(),
        )?;
    }
    let (needs, what, again) = if r.question {
        ("a new answer", "answer to", "answer again")
    } else {
        ("a new file", "file for", "upload a new file")
    };
    let subject = format!(
        "{} {}: “{}” needs {needs}",
        r.project_name, r.cycle_name, r.request_name
    );
    Ok(queued
        + queue_to(conn, r.company, &to, kind, &subject, |who| {
            format!(
                "Hello {},\n\nthe {what} “{}” in {} {} was not accepted:\n\n    {}\n\n\
             Please {}\n\n— Hopper\n",
                who.name,
                r.request_name,
                r.project_name,
                r.cycle_name,
                r.reason,
                match who.user_id {
                    Some(_) => format!("{again}: {}", r.upload_url),
                    // The link's address is a secret Hopper does not keep.
                    None => format!("{again} through the upload link you were given."),
                }
            )
        })?)
}

/// What a finished batch tells the company's admins (one message per batch).
pub(in crate::services) struct Digest<'a> {
    pub company: CompanyId,
    /// Who sent the files, as the admins know them (`Bob Example (upload link)`).
    pub sender: &'a str,
    /// The same in the audit trail's full words (with the email and the link's label).
    pub uploader: &'a str,
    pub project_name: &'a str,
    pub cycle_name: &'a str,
    pub uploaded: i32,
    pub skipped: i32,
    pub failed: i32,
    pub requests_submitted: i64,
    pub still_missing: i32,
    pub review_url: String,
}

pub(in crate::services) fn upload_digest(
    conn: &mut PgConnection,
    d: &Digest<'_>,
) -> Result<usize, AppError> {
    let kind = NotificationKind::UploadDigest;
    let to = admins(conn, d.company, kind)?;
    let subject = format!(
        "{} sent {} file{} to {} {}",
        d.sender,
        d.uploaded,
        if d.uploaded == 1 { "" } else { "s" },
        d.project_name,
        d.cycle_name
    );
    let summary = format!(
        "{} uploaded {} file{} to {} {}: {} request{} submitted, {} still missing.",
        d.uploader,
        d.uploaded,
        if d.uploaded == 1 { "" } else { "s" },
        d.project_name,
        d.cycle_name,
        d.requests_submitted,
        if d.requests_submitted == 1 { "" } else { "s" },
        d.still_missing
    );
    Ok(queue_to(conn, d.company, &to, kind, &subject, |who| {
        format!(
            "Hello {},\n\n{summary}\n({} already there, {} failed.)\n\nReview: {}\n\n— Hopper\n",
            who.name, d.skipped, d.failed, d.review_url
        )
    })?)
}

/// A file with a virus was refused: its company's admins are told, whatever their profile
/// says (a safety message, not a digest).
pub(in crate::services) struct VirusFound<'a> {
    pub company: CompanyId,
    pub path: &'a str,
    pub signature: &'a str,
    /// Who sent it, as the audit trail names them.
    pub sender: &'a str,
}

pub(in crate::services) fn virus_found(
    conn: &mut PgConnection,
    v: &VirusFound<'_>,
) -> Result<usize, AppError> {
    let kind = NotificationKind::VirusFound;
    let to = admins(conn, v.company, kind)?;
    let subject = format!("A virus was found in “{}”", v.path);
    Ok(queue_to(conn, v.company, &to, kind, &subject, |who| {
        format!(
            "Hello {},\n\nthe file “{}” sent by {} contains a virus ({}). Hopper refused it: \
             it was not stored, and nobody can download it.\n\n— Hopper\n",
            who.name, v.path, v.sender, v.signature
        )
    })?)
}

/// Tells the company's admins that Hopper turned off a webhook endpoint that kept failing.
pub(in crate::services) fn webhook_disabled(
    conn: &mut PgConnection,
    company: CompanyId,
    url: &str,
    reason: &str,
) -> Result<usize, AppError> {
    let kind = NotificationKind::WebhookDisabled;
    let to = admins(conn, company, kind)?;
    let subject = "A webhook endpoint was turned off";
    Ok(queue_to(conn, company, &to, kind, subject, |who| {
        format!(
            "Hello {},\n\nHopper turned off the webhook endpoint {url}: it failed to accept \
             events for three days. {reason}\n\nEvents that happen while it is off are not \
             sent to it. Fix the receiver, then switch the endpoint on again under \
             Admin → Webhooks, where its delivery log shows each attempt.\n\n— Hopper\n",
            who.name
        )
    })?)
}
