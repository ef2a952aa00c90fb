//! `answers.csv`: the cycle's questions, one row each, with the answer as it stands, who
//! gave it and when, and how it was reviewed (the audit rows hold every earlier answer).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Timestamptz};

use crate::db::ids::{CompanyId, CycleId};
use crate::services::audit_trail::csv_safe;

/// One question of the cycle.
#[derive(Debug, Clone, QueryableByName)]
pub struct ExportedAnswer {
    #[diesel(sql_type = Text)]
    request: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    answer: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    answered_by: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    answered_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Text>)]
    reviewer: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    note: Option<String>,
}

/// The cycle's questions in list order.
pub fn of_cycle(
    conn: &mut PgConnection,
    company: CompanyId,
    cycle: CycleId,
) -> QueryResult<Vec<ExportedAnswer>> {
    diesel::sql_query(
        "SELECT r.name AS request, r.kind, r.answer, r.answered_at, r.status, r.note,
                CASE WHEN v.id IS NOT NULL
                     THEN v.uploader_name || ' <' || v.uploader_email || '>'
                     ELSE coalesce(u.full_name, u.username) END AS answered_by,
                coalesce(w.full_name, w.username) AS reviewer
           FROM cycle_requests r
           LEFT JOIN users u ON u.id = r.answered_by
           LEFT JOIN upload_link_visits v ON v.id = r.answer_visit_id
           LEFT JOIN users w ON w.id = r.reviewed_by
          WHERE r.company_id = $1 AND r.cycle_id = $2 AND r.kind <> 'file'
          ORDER BY r.position, r.id",
    )
    .bind::<diesel::sql_types::Integer, _>(company.0)
    .bind::<diesel::sql_types::Integer, _>(cycle.0)
    .load(conn)
}

const HEADER: [&str; 8] = [
    "request",
    "kind",
    "answer",
    "answered_by",
    "answered_at_utc",
    "review_state",
    "reviewer",
    "review_reason",
];

pub fn csv(answers: &[ExportedAnswer]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;
    for a in answers {
        writer.write_record([
            csv_safe(&a.request),
            a.kind.clone(),
            csv_safe(a.answer.as_deref().unwrap_or("")),
            csv_safe(a.answered_by.as_deref().unwrap_or("")),
            a.answered_at
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default(),
            a.status.clone(),
            csv_safe(a.reviewer.as_deref().unwrap_or("")),
            csv_safe(a.note.as_deref().unwrap_or("")),
        ])?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
}
