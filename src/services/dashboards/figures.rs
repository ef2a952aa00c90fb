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

/// What the sums of [`session_figures`] are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FiguresBy {
    Project,
    Cycle,
}

/// Counter sums of the sessions of the given projects or cycles.
pub(super) fn session_figures(
    conn: &mut PgConnection,
    by: FiguresBy,
    keys: &[i32],
) -> QueryResult<Vec<SessionFigures>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let column = match by {
        FiguresBy::Cycle => "cycle_id",
        FiguresBy::Project => "project_id",
    };
    diesel::sql_query(format!(
        "SELECT {column} AS key,
                count(*) AS sessions,
                coalesce(sum(total_files), 0)::bigint AS total_files,
                coalesce(sum(files_uploaded), 0)::bigint AS files_uploaded,
                coalesce(sum(files_failed), 0)::bigint AS files_failed,
                coalesce(sum(files_skipped), 0)::bigint AS files_skipped,
                coalesce(sum(total_size_bytes), 0)::bigint AS total_bytes,
                coalesce(sum(uploaded_size_bytes), 0)::bigint AS uploaded_bytes,
                max(coalesce(completed_at, started_at, created_at)) AS last_upload
         FROM sync_sessions WHERE {column} = ANY($1) GROUP BY {column}"
    ))
    .bind::<Array<Int4>, _>(keys)
    .load(conn)
}
