use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::{CompanyId, UserId};
use crate::db::truncate;
use crate::domain::{NotificationKind, NotificationStatus};
use crate::schema::notifications;

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = notifications, check_for_backend(diesel::pg::Pg))]
pub struct Notification {
    pub id: i64,
    pub company_id: Option<CompanyId>,
    pub user_id: Option<UserId>,
    pub recipient: String,
    pub kind: NotificationKind,
    pub subject: String,
    pub body: String,
    pub status: NotificationStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// A message to queue.
pub struct NewNotification<'a> {
    pub company: Option<CompanyId>,
    pub user: Option<UserId>,
    pub recipient: &'a str,
    pub kind: NotificationKind,
    pub subject: &'a str,
    pub body: &'a str,
    /// Set for reminders: a second message with the same key is not queued.
    pub dedupe_key: Option<&'a str>,
}

/// After this many failed attempts a message is given up (status `failed`).
pub const MAX_ATTEMPTS: i32 = 5;

impl Notification {
    /// Queues a message; `false` when its dedupe key was already used.
    pub fn queue(conn: &mut PgConnection, new: &NewNotification<'_>) -> QueryResult<bool> {
        let inserted = diesel::insert_into(notifications::table)
            .values((
                notifications::company_id.eq(new.company),
                notifications::user_id.eq(new.user),
                notifications::recipient.eq(truncate(new.recipient, 255)),
                notifications::kind.eq(new.kind),
                notifications::subject.eq(truncate(new.subject, 300)),
                notifications::body.eq(new.body),
                notifications::dedupe_key.eq(new.dedupe_key.map(|k| truncate(k, 200))),
            ))
            .on_conflict(notifications::dedupe_key)
            .do_nothing()
            .execute(conn)?;
        Ok(inserted == 1)
    }

    /// Leases the oldest waiting messages to this sender for `lease_secs`: another node
    /// (or a later pass) takes them only once the lease has run out, so a message is not
    /// sent twice while its sender is alive.
    pub fn claim_pending(
        conn: &mut PgConnection,
        limit: i64,
        lease_secs: i32,
        now: DateTime<Utc>,
    ) -> QueryResult<Vec<Notification>> {
        diesel::sql_query(
            "UPDATE notifications SET claimed_at = $3
              WHERE id IN (SELECT id FROM notifications
                            WHERE status = 'pending'
                              AND (claimed_at IS NULL OR claimed_at < $3 - make_interval(secs => $2))
                            ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING id, company_id, user_id, recipient, kind, subject, body, status, attempts,
                    last_error, created_at, sent_at",
        )
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .bind::<diesel::sql_types::Int4, _>(lease_secs)
        .bind::<diesel::sql_types::Timestamptz, _>(now)
        .load(conn)
    }

    pub fn mark(
        conn: &mut PgConnection,
        id: i64,
        status: NotificationStatus,
        (error, now): (Option<&str>, DateTime<Utc>),
    ) -> QueryResult<()> {
        if status == NotificationStatus::Pending {
            // A try that failed for now: the lease stays, so the next try waits for it.
            return diesel::update(notifications::table.find(id))
                .set((
                    notifications::attempts.eq(notifications::attempts + 1),
                    notifications::last_error.eq(error.map(|e| truncate(e, 500))),
                ))
                .execute(conn)
                .map(|_| ());
        }
        let sent_at = matches!(
            status,
            NotificationStatus::Sent | NotificationStatus::Stored
        )
        .then_some(now);
        diesel::update(notifications::table.find(id))
            .set((
                notifications::status.eq(status),
                notifications::attempts.eq(notifications::attempts + 1),
                notifications::last_error.eq(error.map(|e| truncate(e, 500))),
                notifications::sent_at.eq(sent_at),
                notifications::claimed_at.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)
            .map(|_| ())
    }

    /// The newest messages, for the operator's outbox page.
    pub fn recent(conn: &mut PgConnection, limit: i64) -> QueryResult<Vec<Notification>> {
        notifications::table
            .order(notifications::id.desc())
            .limit(limit)
            .select(Notification::as_select())
            .load(conn)
    }
}
