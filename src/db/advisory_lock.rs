//! Transaction-scoped advisory locks by name: a decision that must be made one at a time
//! across nodes (one content in a cycle, one path's versions, one throttled key) takes the
//! lock of its name, held until the transaction ends.

use diesel::sql_types::{Integer, Text};
use diesel::{PgConnection, QueryResult, QueryableByName, RunQueryDsl};

use crate::db::kept_prepared::KeptPrepared;

#[derive(QueryableByName)]
struct Taken {
    #[diesel(sql_type = Integer)]
    #[allow(dead_code)]
    taken: i32,
}

/// Waits for the lock called `name`, then holds it until the transaction ends. Kept
/// prepared (diesel would parse and plan a raw query on every call): an upload takes two
/// per file.
pub fn lock_until_commit(conn: &mut PgConnection, name: &str) -> QueryResult<()> {
    KeptPrepared(
        diesel::sql_query("SELECT 1 AS taken FROM pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind::<Text, _>(name),
    )
    .get_result::<Taken>(conn)
    .map(|_| ())
}
