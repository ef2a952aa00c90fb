//! Sends queued messages: over SMTP when `HOPPER_SMTP_URL` is set, else into the outbox
//! (the table, shown to the operator, and the maildir `<data-dir>/outbox`). Each message
//! is leased to one sender, sent, then marked and audited (recipient and kind only: a
//! message's body may carry links that are nobody else's business).

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::json;

use crate::config::create_private_dir;
use crate::db::models::notification::{Notification, MAX_ATTEMPTS};
use crate::domain::NotificationStatus;
use crate::error::AppError;
use crate::services::audit::{actions, AuditEvent};
use crate::services::branding::brand_of;
use crate::services::ServiceContext;

/// How long a sender holds a message before another may try it.
const LEASE_SECS: i32 = 300;
const BATCH: i64 = 50;
const EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    pub stored: usize,
    pub failed: usize,
}

enum Outcome {
    Sent,
    Stored,
    /// Worth another try (the server did not answer, refused for now).
    Retry(String),
    /// Never deliverable (a malformed address).
    GiveUp(String),
}

/// A message to someone without an account (an upload link's sender) comes from the firm
/// they dealt with: its display name, "via" Hopper's own sender name, at Hopper's address.
fn sender(ctx: &ServiceContext, firm: Option<&str>) -> Result<Mailbox, String> {
    let from: Mailbox = ctx
        .mail()
        .from
        .parse()
        .map_err(|e| format!("the sender address is not valid: {e}"))?;
    Ok(match firm {
        Some(firm) => {
            let via = from.name.as_deref().unwrap_or("Hopper");
            Mailbox::new(Some(format!("{firm} via {via}")), from.email)
        }
        None => from,
    })
}

/// The display names of the firms whose outsiders get these messages, by message.
fn firms_of(
    conn: &mut diesel::PgConnection,
    batch: &[Notification],
) -> diesel::QueryResult<HashMap<i64, String>> {
    let mut names = HashMap::new();
    for n in batch.iter().filter(|n| n.user_id.is_none()) {
        if let Some(company) = n.company_id {
            if let Some(brand) = brand_of(conn, company)? {
                names.insert(n.id, brand.display_name);
            }
        }
    }
    Ok(names)
}

fn message(ctx: &ServiceContext, n: &Notification, firm: Option<&str>) -> Result<Message, String> {
    let from = sender(ctx, firm)?;
    let to: Mailbox = n
        .recipient
        .parse()
        .map_err(|e| format!("the recipient address is not valid: {e}"))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(n.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(n.body.clone())
        .map_err(|e| format!("the message could not be built: {e}"))
}

/// Writes the message into a maildir (`tmp/` then renamed into `new/`, as maildir wants).
/// Mails carry links and names: the folders are 0700 and each mail 0600.
async fn store(dir: &Path, id: i64, at: i64, bytes: Vec<u8>) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;

    let (tmp, new) = (dir.join("tmp"), dir.join("new"));
    let folders = [dir.to_path_buf(), tmp.clone(), new.clone()];
    tokio::task::spawn_blocking(move || folders.iter().try_for_each(|f| create_private_dir(f)))
        .await
        .map_err(std::io::Error::other)??;
    let name = format!("{at}.hopper-{id}.eml");
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(tmp.join(&name))
        .await?;
    file.write_all(&bytes).await?;
    file.flush().await?;
    drop(file);
    tokio::fs::rename(tmp.join(&name), new.join(&name)).await
}

async fn deliver(
    ctx: &ServiceContext,
    smtp: Option<&AsyncSmtpTransport<Tokio1Executor>>,
    n: &Notification,
    firm: Option<&str>,
) -> Outcome {
    let email = match message(ctx, n, firm) {
        Ok(email) => email,
        Err(why) => return Outcome::GiveUp(why),
    };
    match smtp {
        Some(transport) => match transport.send(email).await {
            Ok(_) => Outcome::Sent,
            Err(e) if e.is_permanent() => {
                Outcome::GiveUp(format!("the mail server refused it: {e}"))
            }
            Err(e) => Outcome::Retry(format!("the mail server could not take it: {e}")),
        },
        None => match &ctx.mail().outbox_dir {
            Some(dir) => match store(dir, n.id, ctx.clock().now().timestamp(), email.formatted())
                .await
            {
                Ok(()) => Outcome::Stored,
                Err(e) => Outcome::Retry(format!("the outbox folder could not be written: {e}")),
            },
            None => Outcome::Stored,
        },
    }
}

fn transport(ctx: &ServiceContext) -> Result<Option<AsyncSmtpTransport<Tokio1Executor>>, AppError> {
    let Some(url) = &ctx.mail().smtp_url else {
        return Ok(None);
    };
    let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("HOPPER_SMTP_URL is not usable: {e}")))?;
    Ok(Some(builder.timeout(Some(Duration::from_secs(30))).build()))
}

/// Sends (or stores) every waiting message once; failures are retried by later passes
/// up to a limit.
pub async fn send_pending(ctx: &ServiceContext) -> Result<SendReport, AppError> {
    let smtp = transport(ctx)?;
    let mut report = SendReport::default();
    loop {
        let now = ctx.clock().now();
        let (batch, firms) = ctx
            .run_unscoped(move |conn| {
                let batch = Notification::claim_pending(conn, BATCH, LEASE_SECS, now)?;
                let firms = firms_of(conn, &batch)?;
                Ok((batch, firms))
            })
            .await?;
        if batch.is_empty() {
            return Ok(report);
        }
        for n in batch {
            let firm = firms.get(&n.id).map(String::as_str);
            let outcome = deliver(ctx, smtp.as_ref(), &n, firm).await;
            let (status, error) = match outcome {
                Outcome::Sent => (NotificationStatus::Sent, None),
                Outcome::Stored => (NotificationStatus::Stored, None),
                Outcome::GiveUp(why) => (NotificationStatus::Failed, Some(why)),
                Outcome::Retry(why) if n.attempts + 1 >= MAX_ATTEMPTS => {
                    (NotificationStatus::Failed, Some(why))
                }
                Outcome::Retry(why) => (NotificationStatus::Pending, Some(why)),
            };
            match status {
                NotificationStatus::Sent => report.sent += 1,
                NotificationStatus::Stored => report.stored += 1,
                _ => report.failed += 1,
            }
            let retry_later = status == NotificationStatus::Pending;
            let marked_at = ctx.clock().now();
            ctx.run_unscoped(move |conn| {
                Notification::mark(conn, n.id, status, (error.as_deref(), marked_at))?;
                if retry_later {
                    return Ok(());
                }
                let action = if status == NotificationStatus::Failed {
                    actions::NOTIFICATION_FAILED
                } else {
                    actions::NOTIFICATION_SENT
                };
                let mut event = AuditEvent::new(action).resource("notification", n.id);
                if let Some(company) = n.company_id {
                    event = event.company(company);
                }
                event
                    .details(json!({
                        "recipient": n.recipient,
                        "kind": n.kind,
                        "status": status,
                        "error": error,
                    }))
                    .record(conn)?;
                Ok(())
            })
            .await?;
        }
    }
}

/// Sends waiting messages every few seconds for as long as the server runs.
pub fn spawn_sender(ctx: ServiceContext) {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(EVERY);
        loop {
            ticks.tick().await;
            if let Err(e) = send_pending(&ctx).await {
                tracing::warn!(error = %e, "sending notifications failed");
            }
        }
    });
}
