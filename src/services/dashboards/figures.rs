//! Figures are sums of per-session counters, never scans of `file_uploads`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Int4, Nullable, Timestamptz};

#[derive(QueryableByName)]
pub(super) struct SessionFigures {
    #[diesel(sql_type = Int4)]
    pub(super) key: i32,
    #[diesel(sql_type = BigInt)]
    pub(super) sessions: i64,
    #[diesel(sql_type = BigInt)]
    pub(super) total_files: i64,
    #[diesel(sql_type = BigInt)]
    pub(super) files_uploaded: i64,
    #[diesel(sql_type = BigInt)]
    pub(super) files_failed: i64,
    #[diesel(sql_type = BigInt)]
    pub(super) files_skipped: i64,
    #[diesel(sql_type = BigInt)]
    pub(super) total_bytes: i64,
    #[diesel(sql_type = BigInt)]
    pub(super) uploaded_bytes: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub(super) last_upload: Option<DateTime<Utc>>,
}

/// The counters of a set of sessions, summed.
const SUMS: &str = "coalesce(sum(total_files), 0)::bigint AS total_files,
    coalesce(sum(files_uploaded), 0)::bigint AS files_uploaded,
    coalesce(sum(files_failed), 0)::bigint AS files_failed,
    coalesce(sum(files_skipped), 0)::bigint AS files_skipped,
    coalesce(sum(total_size_bytes), 0)::bigint AS total_bytes,
    coalesce(sum(uploaded_size_bytes), 0)::bigint AS uploaded_bytes";

/// What the sums of [`session_figures`] are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FiguresBy {
    Project,
    Cycle,
}

/// Counter sums of the sessions of the given projects or cycles. A cycle's are summed
/// from its sessions (a few); a project's are its settled sessions' sums, kept in
/// `project_session_figures` (migration 190), plus those of its sessions still open.
pub(super) fn session_figures(
    conn: &mut PgConnection,
    by: FiguresBy,
    keys: &[i32],
) -> QueryResult<Vec<SessionFigures>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let sql = match by {
        FiguresBy::Cycle => format!(
            "SELECT cycle_id AS key, count(*) AS sessions, {SUMS},
                    max(coalesce(completed_at, started_at, created_at)) AS last_upload
             FROM sync_sessions WHERE cycle_id = ANY($1) GROUP BY cycle_id"
        ),
        FiguresBy::Project => format!(
            "SELECT k.key,
                    coalesce(f.sessions, 0) + coalesce(o.sessions, 0) AS sessions,
                    coalesce(f.total_files, 0) + coalesce(o.total_files, 0) AS total_files,
                    coalesce(f.files_uploaded, 0) + coalesce(o.files_uploaded, 0) AS files_uploaded,
                    coalesce(f.files_failed, 0) + coalesce(o.files_failed, 0) AS files_failed,
                    coalesce(f.files_skipped, 0) + coalesce(o.files_skipped, 0) AS files_skipped,
                    coalesce(f.total_bytes, 0) + coalesce(o.total_bytes, 0) AS total_bytes,
                    coalesce(f.uploaded_bytes, 0) + coalesce(o.uploaded_bytes, 0) AS uploaded_bytes,
                    (SELECT max(coalesce(s.completed_at, s.started_at, s.created_at))
                       FROM sync_sessions s WHERE s.project_id = k.key) AS last_upload
             FROM unnest($1::int[]) AS k (key)
             LEFT JOIN project_session_figures f ON f.project_id = k.key
             LEFT JOIN (SELECT project_id, count(*) AS sessions, {SUMS}
                          FROM sync_sessions
                         WHERE project_id = ANY($1) AND status NOT IN ('completed', 'failed')
                         GROUP BY project_id) o ON o.project_id = k.key
             WHERE coalesce(f.sessions, 0) + coalesce(o.sessions, 0) > 0"
        ),
    };
    diesel::sql_query(sql)
        .bind::<Array<Int4>, _>(keys)
        .load(conn)
}
