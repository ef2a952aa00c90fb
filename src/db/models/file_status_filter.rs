//! A file's status as a filter the planner can prove partial indexes with.

use diesel::QueryResult;

use crate::domain::FileStatus;

/// `file_uploads.status = '…'` with the status written into the SQL, not bound. PostgreSQL
/// can use a partial index (`WHERE status = 'completed' …`) only when the query's own
/// constant proves its predicate; a prepared statement's generic plan (chosen after its
/// fifth run) sees a parameter instead. With a bound status the duplicate and path
/// lookups walked the whole cycle on every file once their plans went generic.
pub fn status_is(status: FileStatus) -> StatusIs {
    StatusIs(status)
}

/// See [`status_is`]. Its own expression rather than diesel's `sql()` literal, which
/// diesel never keeps prepared (it cannot know the text is fixed; this one is).
#[derive(Debug, Clone, Copy)]
pub struct StatusIs(FileStatus);

impl diesel::Expression for StatusIs {
    type SqlType = diesel::sql_types::Bool;
}

impl<QS> diesel::AppearsOnTable<QS> for StatusIs {}

impl<QS> diesel::SelectableExpression<QS> for StatusIs {}

impl diesel::expression::ValidGrouping<()> for StatusIs {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl diesel::query_builder::QueryId for StatusIs {
    type QueryId = ();
    // Kept by its SQL text, which names the status.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for StatusIs {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        // `as_str` is one of the enum's fixed names: nothing from outside reaches the SQL.
        out.push_sql("file_uploads.status = '");
        out.push_sql(self.0.as_str());
        out.push_sql("'");
        Ok(())
    }
}
