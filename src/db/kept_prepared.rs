//! Keeping an UPDATE prepared. Diesel prepares every UPDATE afresh (a `SET` list may vary
//! from call to call), so PostgreSQL parses and plans it on every call: 0.1–0.3 ms each
//! on a table with as many indexes as `file_uploads`, several times per uploaded file.
//! The updates on an upload's path have one fixed shape each; wrapped in
//! [`KeptPrepared`] they are kept per connection, by their SQL text, like a SELECT.
//!
//! Run them with `RETURNING` and `load`/`get_result`. Through `execute` they were still
//! planned on every call (pg_stat_statements: plans = calls): diesel passes a reference
//! there, and the reference's blanket `QueryFragment` seems to ask the inner statement,
//! not this wrapper, whether it may be kept.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl};

/// A statement of one fixed shape, kept prepared although diesel would not keep it.
#[derive(Debug, Clone, Copy)]
pub struct KeptPrepared<T>(pub T);

impl<T: QueryFragment<Pg>> QueryFragment<Pg> for KeptPrepared<T> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<T> QueryId for KeptPrepared<T> {
    type QueryId = ();
    // Kept by its SQL text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<T: Query> Query for KeptPrepared<T> {
    type SqlType = T::SqlType;
}

impl<T, Conn> RunQueryDsl<Conn> for KeptPrepared<T> {}
