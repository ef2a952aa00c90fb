//! Reminders on each project's schedule: N days before a required request is due (the
//! project's `reminder_days`, e.g. 7, 3, 1), then every `overdue_every_days` while it is
//! overdue. One message per person, cycle and step lists every request at that step;
//! its dedupe key makes a pass that runs again (or on another node) add nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Int4, Nullable, Text, Timestamptz};

use crate::db::ids::{CompanyId, CycleId, ProjectId, UserId};
use crate::db::models::notification::{NewNotification, Notification};
use crate::domain::NotificationKind;
use crate::error::AppError;
use crate::services::ServiceContext;

#[derive(QueryableByName)]
struct Owed {
    #[diesel(sql_type = Text)]
    request_name: String,
    #[diesel(sql_type = Timestamptz)]
    due_at: DateTime<Utc>,
    #[diesel(sql_type = Int4)]
    cycle_id: CycleId,
    #[diesel(sql_type = Text)]
    cycle_name: String,
    #[diesel(sql_type = Int4)]
    project_id: ProjectId,
    #[diesel(sql_type = Text)]
    project_name: String,
    #[diesel(sql_type = Int4)]
    company_id: CompanyId,
    #[diesel(sql_type = Array<Nullable<Int4>>)]
    reminder_days: Vec<Option<i32>>,
    #[diesel(sql_type = Int4)]
    overdue_every_days: i32,
    #[diesel(sql_type = Int4)]
    user_id: UserId,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    user_name: String,
}

/// Which reminder a request is at, if any: `(kind, step)`.
pub fn step(
    due: DateTime<Utc>,
    now: DateTime<Utc>,
    days_before: &[i32],
    overdue_every: i32,
) -> Option<(NotificationKind, i64)> {
    let day = 86_400;
    let seconds = (due - now).num_seconds();
    if seconds > 0 {
        // Whole days left, rounded up: 2 days 3 hours left is "3 days".
        let days_left = (seconds + day - 1) / day;
        days_before
            .iter()
            .any(|d| i64::from(*d) == days_left)
            .then_some((NotificationKind::DueSoon, days_left))
    } else {
        let late_days = -seconds / day;
        Some((
            NotificationKind::Overdue,
            late_days / i64::from(overdue_every.max(1)),
        ))
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReminderReport {
    pub queued: usize,
}

/// Queues the reminders due at `now` (the deadline loop runs it; tests pass a clock).
pub async fn reminder_pass(
    ctx: &ServiceContext,
    now: DateTime<Utc>,
) -> Result<ReminderReport, AppError> {
    let base = ctx.public_url().to_owned();
    ctx.run_unscoped(move |conn| {
        let owed: Vec<Owed> = diesel::sql_query(
            "SELECT r.name::text AS request_name, coalesce(r.due_at, c.due_at) AS due_at,
                    c.id AS cycle_id, c.cycle_name::text AS cycle_name,
                    p.id AS project_id, p.project_name::text AS project_name, p.company_id,
                    p.reminder_days, p.overdue_every_days,
                    u.id AS user_id, u.email::text AS email,
                    coalesce(u.full_name, u.username)::text AS user_name
               FROM cycle_requests r
               JOIN cycles c ON c.id = r.cycle_id
               JOIN projects p ON p.id = c.project_id
               JOIN project_access pa ON pa.project_id = p.id AND pa.access_role = 'uploader'
               JOIN users u ON u.id = pa.user_id
               LEFT JOIN user_profiles up ON up.user_id = u.id
              WHERE r.required AND r.status IN ('missing', 'rejected')
                AND c.status IN ('pending', 'in_progress', 'incomplete')
                AND c.closed_at IS NULL
                AND p.deleted_at IS NULL AND p.is_active AND u.is_active
                AND coalesce(up.notify_reminders, true)
                AND coalesce(r.due_at, c.due_at) IS NOT NULL
                AND coalesce(r.due_at, c.due_at) < $1 + interval '60 days'
              ORDER BY u.id, c.id, due_at, r.position, r.id",
        )
        .bind::<Timestamptz, _>(now)
        .load(conn)?;
        // One message per (person, cycle, step), listing its requests.
        let mut messages: BTreeMap<(UserId, CycleId, &'static str, i64), Vec<&Owed>> =
            BTreeMap::new();
        for row in &owed {
            let days: Vec<i32> = row.reminder_days.iter().flatten().copied().collect();
            if let Some((kind, n)) = step(row.due_at, now, &days, row.overdue_every_days) {
                messages
                    .entry((row.user_id, row.cycle_id, kind.as_str(), n))
                    .or_default()
                    .push(row);
            }
        }
        let mut report = ReminderReport::default();
        for ((user, cycle, kind, n), rows) in messages {
            let first = rows[0];
            let kind = NotificationKind::parse(kind).unwrap_or(NotificationKind::Overdue);
            let names: Vec<String> = rows
                .iter()
                .map(|r| format!("  - {}", r.request_name))
                .collect();
            let subject = match kind {
                NotificationKind::DueSoon => format!(
                    "{} {}: {} document{} due in {n} day{}",
                    first.project_name,
                    first.cycle_name,
                    rows.len(),
                    if rows.len() == 1 { "" } else { "s" },
                    if n == 1 { "" } else { "s" }
                ),
                _ => format!(
                    "{} {}: {} document{} overdue",
                    first.project_name,
                    first.cycle_name,
                    rows.len(),
                    if rows.len() == 1 { "" } else { "s" }
                ),
            };
            let body = format!(
                "Hello {},\n\n{}:\n\n{}\n\nUpload them here: {base}/projects/{}/cycles/{cycle}/upload\n\n— Hopper\n",
                first.user_name,
                subject,
                names.join("\n"),
                first.project_id
            );
            let key = format!("{}:{cycle}:{user}:{n}", kind.as_str());
            if Notification::queue(
                conn,
                &NewNotification {
                    company: Some(first.company_id),
                    user: Some(user),
                    recipient: &first.email,
                    kind,
                    subject: &subject,
                    body: &body,
                    dedupe_key: Some(&key),
                },
            )? {
                report.queued += 1;
            }
        }
        Ok(report)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::step;
    use crate::domain::NotificationKind::{DueSoon, Overdue};
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn steps_follow_the_schedule() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let days = [7, 3, 1];
        assert_eq!(
            step(now + Duration::hours(6 * 24 + 20), now, &days, 3),
            Some((DueSoon, 7))
        );
        assert_eq!(step(now + Duration::days(5), now, &days, 3), None);
        assert_eq!(
            step(now + Duration::hours(2), now, &days, 3),
            Some((DueSoon, 1))
        );
        assert_eq!(
            step(now - Duration::hours(1), now, &days, 3),
            Some((Overdue, 0))
        );
        assert_eq!(
            step(now - Duration::days(2), now, &days, 3),
            Some((Overdue, 0))
        );
        assert_eq!(
            step(now - Duration::days(3), now, &days, 3),
            Some((Overdue, 1))
        );
        assert_eq!(
            step(now - Duration::days(7), now, &days, 3),
            Some((Overdue, 2))
        );
    }
}
