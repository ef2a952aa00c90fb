use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::{CycleId, ProjectId};
use crate::domain::CycleStatus;
use crate::schema::{cycles, sync_sessions};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = cycles, check_for_backend(diesel::pg::Pg))]
pub struct Cycle {
    pub id: CycleId,
    pub project_id: ProjectId,
    pub cycle_name: String,
    pub cycle_number: i32,
    pub s3_prefix: String,
    pub status: CycleStatus,
    pub description: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    /// An admin set the status by hand: it no longer follows the requests.
    pub status_set_by_hand: bool,
    /// Why the admin set it.
    pub status_note: Option<String>,
    /// When an admin closed the cycle: from then on it takes no uploads, whatever its
    /// status.
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = cycles)]
pub struct NewCycle<'a> {
    pub project_id: ProjectId,
    pub cycle_name: &'a str,
    pub cycle_number: i32,
    pub s3_prefix: &'a str,
    pub description: Option<&'a str>,
}

impl Cycle {
    /// Whether the cycle takes uploads now (its project may still refuse them).
    pub fn takes_uploads(&self) -> bool {
        self.closed_at.is_none() && self.status.takes_uploads()
    }

    /// Closes the cycle (`None` when it was already closed).
    pub fn close(
        conn: &mut PgConnection,
        id: CycleId,
        at: DateTime<Utc>,
    ) -> QueryResult<Option<Cycle>> {
        diesel::update(cycles::table.find(id).filter(cycles::closed_at.is_null()))
            .set(cycles::closed_at.eq(at))
            .returning(Cycle::as_returning())
            .get_result(conn)
            .optional()
    }

    /// The project's cycles, newest first.
    pub fn for_project(conn: &mut PgConnection, project: ProjectId) -> QueryResult<Vec<Cycle>> {
        cycles::table
            .filter(cycles::project_id.eq(project))
            .select(Cycle::as_select())
            .order(cycles::cycle_number.desc())
            .load(conn)
    }

    /// A cycle of `project` (the caller has already scoped the project to a company).
    pub fn find_in_project(
        conn: &mut PgConnection,
        project: ProjectId,
        id: CycleId,
    ) -> QueryResult<Option<Cycle>> {
        in_project(project, id).first(conn).optional()
    }

    /// [`Cycle::find_in_project`], locked until the transaction ends: its status cannot
    /// move meanwhile. `FOR NO KEY UPDATE`, as every row lock taken to change a row that
    /// others refer to: inserting a row that refers to the cycle (a file, a batch) takes a
    /// key-share lock on it, which `FOR UPDATE` blocks, and parallel batches through one
    /// upload link deadlocked on that (a file start holding the link and a request, a
    /// file's completion holding the request and waiting for the cycle).
    pub fn lock_in_project(
        conn: &mut PgConnection,
        project: ProjectId,
        id: CycleId,
    ) -> QueryResult<Option<Cycle>> {
        in_project(project, id)
            .for_no_key_update()
            .first(conn)
            .optional()
    }

    /// Any cycle; the caller scopes it next, through its project.
    pub fn find(conn: &mut PgConnection, id: CycleId) -> QueryResult<Option<Cycle>> {
        cycles::table
            .find(id)
            .select(Cycle::as_select())
            .first(conn)
            .optional()
    }

    pub fn find_by_id(conn: &mut PgConnection, id: CycleId) -> QueryResult<Cycle> {
        cycles::table
            .find(id)
            .select(Cycle::as_select())
            .first(conn)
    }

    pub fn next_number(conn: &mut PgConnection, project: ProjectId) -> QueryResult<i32> {
        let max: Option<i32> = cycles::table
            .filter(cycles::project_id.eq(project))
            .select(diesel::dsl::max(cycles::cycle_number))
            .first(conn)?;
        Ok(max.unwrap_or(0) + 1)
    }

    pub fn insert(conn: &mut PgConnection, new: &NewCycle<'_>) -> QueryResult<Cycle> {
        diesel::insert_into(cycles::table)
            .values(new)
            .returning(Cycle::as_returning())
            .get_result(conn)
    }

    /// Whether any upload session has started in this cycle (its prefix is then fixed).
    pub fn has_uploads(conn: &mut PgConnection, id: CycleId) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            sync_sessions::table.filter(sync_sessions::cycle_id.eq(id)),
        ))
        .get_result(conn)
    }

    /// Which of these cycles have an upload session (one query for a whole list).
    pub fn with_uploads(conn: &mut PgConnection, ids: &[CycleId]) -> QueryResult<Vec<CycleId>> {
        sync_sessions::table
            .filter(sync_sessions::cycle_id.eq_any(ids))
            .select(sync_sessions::cycle_id.assume_not_null())
            .distinct()
            .load(conn)
    }

    pub fn set_details(
        conn: &mut PgConnection,
        id: CycleId,
        s3_prefix: &str,
        description: Option<&str>,
    ) -> QueryResult<Cycle> {
        diesel::update(cycles::table.find(id))
            .set((
                cycles::s3_prefix.eq(s3_prefix),
                cycles::description.eq(description),
            ))
            .returning(Cycle::as_returning())
            .get_result(conn)
    }

    pub fn set_status(
        conn: &mut PgConnection,
        id: CycleId,
        status: CycleStatus,
        started_at: Option<DateTime<Utc>>,
        completed_at: Option<DateTime<Utc>>,
    ) -> QueryResult<Cycle> {
        diesel::update(cycles::table.find(id))
            .set((
                cycles::status.eq(status),
                cycles::started_at.eq(started_at),
                cycles::completed_at.eq(completed_at),
            ))
            .returning(Cycle::as_returning())
            .get_result(conn)
    }

    /// Whether the status follows the requests (`None` note) or an admin's hand.
    pub fn set_by_hand(
        conn: &mut PgConnection,
        id: CycleId,
        by_hand: bool,
        note: Option<&str>,
    ) -> QueryResult<Cycle> {
        diesel::update(cycles::table.find(id))
            .set((
                cycles::status_set_by_hand.eq(by_hand),
                cycles::status_note.eq(note),
            ))
            .returning(Cycle::as_returning())
            .get_result(conn)
    }

    pub fn set_due(
        conn: &mut PgConnection,
        id: CycleId,
        due_at: Option<DateTime<Utc>>,
    ) -> QueryResult<Cycle> {
        diesel::update(cycles::table.find(id))
            .set(cycles::due_at.eq(due_at))
            .returning(Cycle::as_returning())
            .get_result(conn)
    }

    /// Open cycles following their requests whose due date passed before `now`.
    pub fn past_due(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<Vec<CycleId>> {
        cycles::table
            .filter(cycles::due_at.lt(now))
            .filter(cycles::status.eq_any([CycleStatus::Pending, CycleStatus::InProgress]))
            .filter(cycles::status_set_by_hand.eq(false))
            .select(cycles::id)
            .order(cycles::id.asc())
            .load(conn)
    }
}

/// The cycle `id` if it belongs to `project`.
#[diesel::dsl::auto_type(no_type_alias)]
fn in_project(project: ProjectId, id: CycleId) -> _ {
    let selection: diesel::dsl::AsSelect<Cycle, diesel::pg::Pg> = Cycle::as_select();
    cycles::table
        .filter(cycles::id.eq(id))
        .filter(cycles::project_id.eq(project))
        .select(selection)
}
