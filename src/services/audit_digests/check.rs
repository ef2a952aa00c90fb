//! Checking the rows against digests kept elsewhere. A digest's position must still be in
//! its chain and hold the hash that was signed; the chain's own verification (recomputing
//! every hash) says whether the rows between are intact. Together: a row changed, removed
//! or inserted before a digested position is caught, even with every hash recomputed.

use diesel::prelude::*;

use crate::services::audit_digests::Statement;

/// One digest's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestCheck {
    pub statement: Statement,
    /// Why the rows no longer match it; `None`: they do.
    pub problem: Option<String>,
}

pub fn check(conn: &mut PgConnection, statements: Vec<Statement>) -> QueryResult<Vec<DigestCheck>> {
    let mut checks = Vec::with_capacity(statements.len());
    for statement in statements {
        let found = row_hash_at(conn, statement.chain, statement.head_seq)?;
        let problem = match found {
            None => Some(format!(
                "position {} is gone from the chain: rows were removed",
                statement.head_seq
            )),
            Some(hash) if hex::encode(&hash) != statement.head_hash => Some(format!(
                "the row at position {} no longer has the hash signed at {}: rows up to it \
                 were rewritten and their hashes recomputed",
                statement.head_seq,
                statement.digested_at.format("%Y-%m-%d %H:%M:%S UTC")
            )),
            Some(_) => None,
        };
        checks.push(DigestCheck { statement, problem });
    }
    Ok(checks)
}

#[derive(QueryableByName)]
struct RowHash {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Binary>)]
    row_hash: Option<Vec<u8>>,
}

fn row_hash_at(conn: &mut PgConnection, chain: i32, seq: i64) -> QueryResult<Option<Vec<u8>>> {
    let row: Option<RowHash> = diesel::sql_query(
        "SELECT row_hash FROM audit_log
         WHERE coalesce(company_id, 0) = $1 AND chain_seq = $2
         ORDER BY id LIMIT 1",
    )
    .bind::<diesel::sql_types::Integer, _>(chain)
    .bind::<diesel::sql_types::BigInt, _>(seq)
    .get_result(conn)
    .optional()?;
    Ok(row.and_then(|r| r.row_hash))
}
