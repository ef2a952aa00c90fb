//! The project summary ordered by a figure of each project's latest cycle that depends
//! on the clock: most overdue first. It cannot be kept with the rows, so the projects
//! the filters let through are ranked per request: one index probe for each latest
//! cycle and the view's count of its open requests, never a scan of `file_uploads`.
//! (Least complete first needs no ranking: `project_completeness` keeps that figure.)
//! Pages by keyset on (figure, name, id).

use diesel::prelude::*;
use diesel::sql_types::{Array, Int4, Nullable, Text};

use crate::db::ids::ProjectId;

/// Which figure orders the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    /// Overdue requests, most first (ordered by their negation, so both sorts ascend).
    Overdue,
}

impl Figure {
    /// The ordering key of a project's latest cycle `l` (NULL without cycles).
    fn key_sql(self) -> &'static str {
        match self {
            Figure::Overdue => {
                "coalesce(-(SELECT v.overdue FROM v_cycle_completeness v
                             WHERE v.cycle_id = l.id), 0)"
            }
        }
    }
}

/// The position a page starts after: the last row's key, name and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureAfter {
    pub key: i32,
    pub name: String,
    pub id: ProjectId,
}

#[derive(QueryableByName)]
struct Ranked {
    #[diesel(sql_type = Int4)]
    id: i32,
    #[diesel(sql_type = Text)]
    project_name: String,
    #[diesel(sql_type = Int4)]
    key: i32,
}

/// Of `candidates` (the projects the filters let through), up to `limit` in the order of
/// `figure`, after `after`.
pub fn rank(
    conn: &mut PgConnection,
    candidates: &[ProjectId],
    figure: Figure,
    after: Option<&FigureAfter>,
    limit: i64,
) -> QueryResult<Vec<FigureAfter>> {
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let key = figure.key_sql();
    let ids: Vec<i32> = candidates.iter().map(|id| id.0).collect();
    let rows: Vec<Ranked> = diesel::sql_query(format!(
        "SELECT id, project_name, key FROM (
           SELECT p.id, p.project_name::text AS project_name, ({key})::int AS key
             FROM projects p
             LEFT JOIN LATERAL (SELECT c.id FROM cycles c WHERE c.project_id = p.id
                                 ORDER BY c.cycle_number DESC LIMIT 1) l ON true
            WHERE p.id = ANY($1)) ranked
          WHERE $2::int IS NULL OR (key, project_name, id) > ($2, $3, $4)
          ORDER BY key, project_name, id
          LIMIT {limit}"
    ))
    .bind::<Array<Int4>, _>(ids)
    .bind::<Nullable<Int4>, _>(after.map(|a| a.key))
    .bind::<Text, _>(after.map_or(String::new(), |a| a.name.clone()))
    .bind::<Int4, _>(after.map_or(0, |a| a.id.0))
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| FigureAfter {
            key: r.key,
            name: r.project_name,
            id: ProjectId(r.id),
        })
        .collect())
}
