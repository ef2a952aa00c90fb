//! SQL functions the queries call that diesel does not name itself.

use diesel::sql_types::Text;

diesel::define_sql_function! {
    /// PostgreSQL's `lower(text)`: names that differ only in case are the same name.
    fn lower(x: Text) -> Text;
}
