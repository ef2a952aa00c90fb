//! SQL functions the queries call that diesel does not name itself.

use diesel::sql_types::{Array, Integer, Nullable, Text, Timestamptz};

diesel::define_sql_function! {
    /// PostgreSQL's `lower(text)`: names that differ only in case are the same name.
    fn lower(x: Text) -> Text;
}

diesel::define_sql_function! {
    /// How many of these due dates had passed at `at` (migrations 21 and 29): a project's
    /// overdue requests from the dates `project_completeness` keeps, on Hopper's clock.
    #[sql_name = "overdue_count"]
    fn overdue_count_at(due: Array<Nullable<Timestamptz>>, at: Timestamptz) -> Integer;
}

diesel::define_sql_function! {
    /// A cycle's open required requests past their due date at `at` (migration 29): the
    /// view's `overdue`, on Hopper's clock instead of the database's.
    fn cycle_overdue_requests(
        cycle: Integer,
        cycle_due: Nullable<Timestamptz>,
        open_required: Integer,
        at: Timestamptz,
    ) -> Integer;
}

diesel::define_sql_function! {
    /// Analyses `file_uploads` when autovacuum would (migration 23); whether it did.
    fn file_uploads_refresh_statistics() -> Bool;
}

diesel::define_sql_function! {
    /// PostgreSQL's `coalesce` of a moment and its fallback: the first that is set.
    #[sql_name = "coalesce"]
    fn coalesce_moment(x: Nullable<Timestamptz>, fallback: Timestamptz) -> Nullable<Timestamptz>;
}
