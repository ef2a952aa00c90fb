//! SQL functions the queries call that diesel does not name itself.

use diesel::sql_types::{Array, Nullable, Text, Timestamptz};

diesel::define_sql_function! {
    /// PostgreSQL's `lower(text)`: names that differ only in case are the same name.
    fn lower(x: Text) -> Text;
}

diesel::define_sql_function! {
    /// How many of these due dates have passed (migration 21): a project's overdue
    /// requests from the dates `project_completeness` keeps, counted at the moment.
    fn overdue_count(due: Array<Nullable<Timestamptz>>) -> Integer;
}

diesel::define_sql_function! {
    /// Analyses `file_uploads` when autovacuum would (migration 23); whether it did.
    fn file_uploads_refresh_statistics() -> Bool;
}
