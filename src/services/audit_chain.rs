//! Verifying the audit trail's hash chains (see migration 10): every row's hash is
//! recomputed from its content and its predecessor's hash, positions must follow each
//! other, and each row must name its predecessor's hash. The first row where one of these
//! fails is named: altered (its hash), removed before it (a gap), or reordered (the link).
//! A row's hash is recomputed here, by `domain::audit_content` (the text of migration
//! 120's `audit_log_content`: v1 rows from their values, v2 rows from their personal
//! fields' salted digests, which survive erasure), not by SQL functions a superuser could
//! replace; a v1 row erased since is held to the hash recorded at its erasure.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary, Integer, Nullable, Text};

use crate::db::ids::CompanyId;
use crate::domain::audit_content::{self, StoredRow};
use crate::error::AppError;
use crate::schema::audit_verifications;

/// Chain positions read at once: a window of positions, not a LIMIT, so that the query
/// is a range scan of each monthly partition's chain index whatever the statistics say.
const WINDOW: i64 = 2000;

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
    #[diesel(sql_type = BigInt)]
    created_micros: i64,
    #[diesel(sql_type = Nullable<Integer>)]
    actor_user_id: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    actor_username: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    company_id: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    project_id: Option<i32>,
    #[diesel(sql_type = Text)]
    action: String,
    #[diesel(sql_type = Nullable<Text>)]
    resource_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    resource_id: Option<String>,
    #[diesel(sql_type = Text)]
    details: String,
    #[diesel(sql_type = Nullable<Text>)]
    ip_address: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    user_agent: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    salts: Option<String>,
    /// Recorded when a v1 row was erased (`audit_v1_erasures`).
    #[diesel(sql_type = Nullable<Binary>)]
    erased_hash: Option<Vec<u8>>,
}

/// A stored row of a chain, as verification reads it.
#[derive(Debug, Clone)]
pub struct ChainLink {
    pub row: StoredRow,
    pub prev_hash: Option<Vec<u8>>,
    pub row_hash: Option<Vec<u8>>,
    /// Recorded when a v1 row was erased (`audit_v1_erasures`).
    pub erased_hash: Option<Vec<u8>>,
}

impl ChainLink {
    /// The hash the row must have (`audit_log_row_hash`).
    pub fn expected_hash(&self) -> Vec<u8> {
        match &self.erased_hash {
            Some(recorded) => recorded.clone(),
            None => audit_content::row_hash(&self.row, self.prev_hash.as_deref()),
        }
    }
}

impl From<Link> for ChainLink {
    fn from(link: Link) -> Self {
        ChainLink {
            row: StoredRow {
                id: link.id,
                chain_seq: link.chain_seq,
                created_micros: link.created_micros,
                actor_user_id: link.actor_user_id,
                actor_username: link.actor_username,
                company_id: link.company_id,
                project_id: link.project_id,
                action: link.action,
                resource_type: link.resource_type,
                resource_id: link.resource_id,
                details: link.details,
                ip_address: link.ip_address,
                user_agent: link.user_agent,
                salts: link.salts,
            },
            prev_hash: link.prev_hash,
            row_hash: link.row_hash,
            erased_hash: link.erased_hash,
        }
    }
}

/// The rows of `chain` (a company's id, 0: the rows of no company) at positions
/// `(after, up_to]`, in order.
pub fn window(
    conn: &mut PgConnection,
    chain: i32,
    after: i64,
    up_to: i64,
) -> QueryResult<Vec<ChainLink>> {
    let links: Vec<Link> = diesel::sql_query(
        "SELECT a.id, a.chain_seq, a.prev_hash, a.row_hash,
                (extract(epoch FROM a.created_at) * 1000000)::bigint AS created_micros,
                a.actor_user_id, a.actor_username::text AS actor_username, a.company_id,
                a.project_id, a.action::text AS action, a.resource_type::text AS resource_type,
                a.resource_id::text AS resource_id, a.details::text AS details,
                a.ip_address::text AS ip_address, a.user_agent::text AS user_agent,
                s.salts::text AS salts, e.row_hash AS erased_hash
         FROM (SELECT * FROM audit_log
               WHERE coalesce(company_id, 0) = $1 AND chain_seq > $2 AND chain_seq <= $3) a
         LEFT JOIN audit_salts s ON s.audit_id = a.id
         LEFT JOIN audit_v1_erasures e ON e.audit_id = a.id
         ORDER BY a.chain_seq, a.id",
    )
    .bind::<Integer, _>(chain)
    .bind::<BigInt, _>(after)
    .bind::<BigInt, _>(up_to)
    .load(conn)?;
    Ok(links.into_iter().map(ChainLink::from).collect())
}

/// The first position of `chain` after `after`, if any (past a gap).
fn next_position(conn: &mut PgConnection, chain: i32, after: i64) -> QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Next {
        #[diesel(sql_type = Nullable<BigInt>)]
        position: Option<i64>,
    }
    let next: Next = diesel::sql_query(
        "SELECT min(chain_seq) AS position FROM audit_log
         WHERE coalesce(company_id, 0) = $1 AND chain_seq > $2",
    )
    .bind::<Integer, _>(chain)
    .bind::<BigInt, _>(after)
    .get_result(conn)?;
    Ok(next.position)
}

/// The outcome for one chain (a company's, or the rows of no company: `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub company: Option<CompanyId>,
    pub rows_checked: i64,
    /// The first row that does not hold, and why.
    pub first_bad: Option<(i64, String)>,
}

/// Walks one chain from its start, a window of positions at a time; memory stays one
/// window's rows whatever the chain's length.
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
    let mut from = 0;
    loop {
        let links = window(conn, chain, from, from + WINDOW)?;
        let full = links.len() as i64 == WINDOW;
        for link in links {
            report.rows_checked += 1;
            let problem = if link.row.chain_seq != last_seq + 1 {
                Some(format!(
                    "chain position {} follows {last_seq}: rows before it were removed",
                    link.row.chain_seq
                ))
            } else if link.prev_hash != last_hash {
                Some(
                    "it does not follow its predecessor: rows were reordered or replaced"
                        .to_owned(),
                )
            } else if link.row_hash.is_none() || link.row_hash != Some(link.expected_hash()) {
                Some("its content was altered after it was written".to_owned())
            } else {
                None
            };
            if let Some(problem) = problem {
                report.first_bad = Some((link.row.id, problem));
                return Ok(report);
            }
            last_seq += 1;
            last_hash = link.row_hash;
        }
        from += WINDOW;
        // A window with fewer rows than positions has a gap, or is the chain's end.
        if !full {
            match next_position(conn, chain, from)? {
                Some(next) => from = next - 1,
                None => return Ok(report),
            }
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
