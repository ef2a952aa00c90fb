//! Verifying the audit trail's hash chains (see migration 10): every row's hash is
//! recomputed from its content and its predecessor's hash, positions must follow each
//! other, and each row must name its predecessor's hash. The first row where one of these
//! fails is named: altered (its hash), removed before it (a gap), or reordered (the link).
//! A row's hash is recomputed by `audit_log_row_hash` (migration 120): v1 rows from their
//! values, v2 rows from their personal fields' salted digests (which survive erasure), a
//! v1 row erased since from the hash recorded at its erasure.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary, Integer, Nullable};

use crate::db::ids::CompanyId;
use crate::error::AppError;
use crate::schema::audit_verifications;

const BATCH: i64 = 1000;

#[derive(QueryableByName)]
struct Link {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    chain_seq: i64,
    #[diesel(sql_type = Nullable<Binary>)]
    prev_hash: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Binary>)]
    row_hash: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Binary>)]
    expected: Option<Vec<u8>>,
}

/// The outcome for one chain (a company's, or the rows of no company: `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub company: Option<CompanyId>,
    pub rows_checked: i64,
    /// The first row that does not hold, and why.
    pub first_bad: Option<(i64, String)>,
}

/// Walks one chain from its start, a batch at a time.
pub fn verify_chain(
    conn: &mut PgConnection,
    company: Option<CompanyId>,
) -> Result<ChainReport, AppError> {
    let chain = company.map_or(0, |c| c.0);
    let mut report = ChainReport {
        company,
        rows_checked: 0,
        first_bad: None,
    };
    let (mut last_seq, mut last_hash): (i64, Option<Vec<u8>>) = (0, None);
    loop {
        let links: Vec<Link> = diesel::sql_query(
            "SELECT a.id, a.chain_seq, a.prev_hash, a.row_hash, audit_log_row_hash(a) AS expected
             FROM audit_log a
             WHERE coalesce(a.company_id, 0) = $1 AND a.chain_seq IS NOT NULL
               AND a.chain_seq > $2
             ORDER BY coalesce(a.company_id, 0), a.chain_seq
             LIMIT $3",
        )
        .bind::<Integer, _>(chain)
        .bind::<BigInt, _>(last_seq)
        .bind::<BigInt, _>(BATCH)
        .load(conn)?;
        let done = links.len() < usize::try_from(BATCH).unwrap_or(usize::MAX);
        for link in links {
            report.rows_checked += 1;
            let problem = if link.chain_seq != last_seq + 1 {
                Some(format!(
                    "chain position {} follows {last_seq}: rows before it were removed",
                    link.chain_seq
                ))
            } else if link.prev_hash != last_hash {
                Some(
                    "it does not follow its predecessor: rows were reordered or replaced"
                        .to_owned(),
                )
            } else if link.row_hash.is_none() || link.row_hash != link.expected {
                Some("its content was altered after it was written".to_owned())
            } else {
                None
            };
            if let Some(problem) = problem {
                report.first_bad = Some((link.id, problem));
                return Ok(report);
            }
            last_seq = link.chain_seq;
            last_hash = link.row_hash;
        }
        if done {
            return Ok(report);
        }
    }
}

/// Every chain (or one company's), each run recorded for the operator's audit page.
pub fn verify_all(
    conn: &mut PgConnection,
    only: Option<CompanyId>,
) -> Result<Vec<ChainReport>, AppError> {
    let chains: Vec<Option<CompanyId>> = match only {
        Some(company) => vec![Some(company)],
        None => {
            #[derive(QueryableByName)]
            struct Chain {
                #[diesel(sql_type = Integer)]
                chain: i32,
            }
            diesel::sql_query(
                "SELECT DISTINCT coalesce(company_id, 0) AS chain FROM audit_log
                 WHERE chain_seq IS NOT NULL ORDER BY 1",
            )
            .load::<Chain>(conn)?
            .into_iter()
            .map(|c| (c.chain != 0).then_some(CompanyId(c.chain)))
            .collect()
        }
    };
    let mut reports = Vec::new();
    for company in chains {
        reports.push(verify_chain(conn, company)?);
    }
    // One row per run: what was checked, and the first problem found.
    let first_bad = reports.iter().find_map(|r| r.first_bad.clone());
    diesel::insert_into(audit_verifications::table)
        .values((
            audit_verifications::company_id.eq(only),
            audit_verifications::rows_checked
                .eq(reports.iter().map(|r| r.rows_checked).sum::<i64>()),
            audit_verifications::first_bad_row.eq(first_bad.as_ref().map(|b| b.0)),
            audit_verifications::problem.eq(first_bad.map(|b| b.1)),
        ))
        .execute(conn)?;
    Ok(reports)
}

/// The last verification, for the operator's audit page.
#[derive(Debug, Clone, Queryable)]
pub struct LastVerification {
    pub verified_at: chrono::DateTime<chrono::Utc>,
    pub rows_checked: i64,
    pub first_bad_row: Option<i64>,
    pub problem: Option<String>,
}

pub fn last_verification(conn: &mut PgConnection) -> Result<Option<LastVerification>, AppError> {
    Ok(audit_verifications::table
        .order(audit_verifications::verified_at.desc())
        .select((
            audit_verifications::verified_at,
            audit_verifications::rows_checked,
            audit_verifications::first_bad_row,
            audit_verifications::problem,
        ))
        .first(conn)
        .optional()?)
}
