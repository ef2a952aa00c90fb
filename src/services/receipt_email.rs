//! A receipt by email, for whoever sent a batch through an upload link: on their asking,
//! to the address they gave, once per batch (a second asking is told it went already),
//! in the language of the page they asked from (the link's, else its company's, else
//! their browser's). Queued in the outbox and audited in one transaction; the sender
//! sends it afterwards.

use diesel::PgConnection;
use serde_json::json;

use crate::db::ids::SyncSessionId;
use crate::db::models::notification::{NewNotification, Notification};
use crate::domain::refusal::UploadRefused;
use crate::domain::{Language, NotificationKind};
use crate::error::AppError;
use crate::i18n::{format, Msg};
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::receipts::{receipt_in, sender_outcome, Reader, Receipt};
use crate::services::ServiceContext;

/// What came of the asking: the address it goes to, queued now or earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Emailed {
    Queued(String),
    AlreadySent(String),
}

/// Emails the receipt of the visitor's own finished batch `session` to the visitor, in
/// `lang`: the language their page is in, which the sending later has no browser to ask.
pub async fn email_to_sender(
    ctx: &ServiceContext,
    actor: &Actor,
    session: SyncSessionId,
    lang: Language,
) -> Result<Emailed, AppError> {
    ctx.run(actor, move |conn, actor| queue(conn, actor, session, lang))
        .await
}

fn queue(
    conn: &mut PgConnection,
    actor: &Actor,
    session: SyncSessionId,
    lang: Language,
) -> Result<Emailed, AppError> {
    let absent = || actor.not_found("sync_session", session);
    let visitor = actor.link_visitor().ok_or_else(absent)?;
    let receipt = receipt_in(conn, actor, session, Reader::Finisher)?;
    // Only the visit that sent the batch: another visitor of the link, even with the
    // same address, does not have it mailed.
    if receipt.session.link_visit_id != Some(visitor.visit) {
        return Err(absent());
    }
    if receipt.session.status.is_open() {
        return Err(UploadRefused::BatchStillOpen.into());
    }
    let to = visitor.uploader_email.clone();
    let subject = Msg::new(lang, "email-receipt-subject")
        .arg("project", &receipt.project.project_name)
        .to_string();
    let body = text_of(&receipt, &visitor.uploader_name, lang);
    let key = format!("upload_receipt:{session}");
    let queued = Notification::queue(
        conn,
        &NewNotification {
            company: Some(actor.company_id()),
            user: None,
            recipient: &to,
            kind: NotificationKind::UploadReceipt,
            subject: &subject,
            body: &body,
            dedupe_key: Some(&key),
        },
    )?;
    if !queued {
        return Ok(Emailed::AlreadySent(to));
    }
    actor
        .audit(actions::RECEIPT_EMAILED)
        .project(receipt.project.id)
        .resource("sync_session", session)
        .details(json!({ "to": to }))
        .record(conn)?;
    Ok(Emailed::Queued(to))
}

/// The receipt as plain text: each file with what became of it, and its fingerprint.
fn text_of(receipt: &Receipt, name: &str, lang: Language) -> String {
    let greeting = Msg::new(lang, "email-receipt-greeting")
        .arg("name", name)
        .arg("project", &receipt.project.project_name);
    let mut text = format!("{greeting}\n\n");
    for file in &receipt.files {
        let size = format::size(
            lang,
            file.file_size
                .and_then(|s| u64::try_from(s).ok())
                .unwrap_or(0),
        );
        text.push_str(&format!(
            "- {} ({size}): {}\n",
            file.file_path,
            sender_outcome(file, lang)
        ));
        if let Some(sha) = &file.checksum {
            text.push_str(&format!("  SHA-256 {sha}\n"));
        }
    }
    if receipt.files.is_empty() {
        text.push_str(&format!("{}\n", Msg::new(lang, "receipt-none")));
    }
    text.push_str(&format!("\n{}\n", Msg::new(lang, "email-receipt-closing")));
    text
}
