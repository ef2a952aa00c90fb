//! Signed digests of the audit chains (the CloudTrail model). Every hour, and on demand
//! (`hopper audit digest`), each chain whose head moved since its last digest gets a signed
//! statement of its head: position and hash. Kept only in the database they would prove
//! little; their worth is in copies kept elsewhere (the audit page offers them as JSON
//! lines): `hopper audit verify --digests FILE` checks that each digested position still
//! holds the hash that was signed, so rows rewritten *with* their hashes recomputed — what
//! a database superuser can do and the hash chain alone cannot catch — are caught.
//!
//! Digests are not audit rows: writing one would move the chain it attests, and the next
//! hour's digest would have something new to sign for ever.

mod check;
mod signer;
mod statement;

pub use check::{check, DigestCheck};
pub use signer::{public_key, AuditSigner, KEY_FILE};
pub use statement::{DigestLine, DigestProblem, Statement, FORMAT};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};

use crate::db::ids::CompanyId;
use crate::domain::refusal::AccessRefused;
use crate::domain::Role;
use crate::error::AppError;
use crate::schema::{audit_digests, companies};
use crate::services::actor::Actor;
use crate::services::ServiceContext;

/// Taken with `pg_advisory_xact_lock` (its own key: …0001 is the reaper's, …0002 the
/// reconciler's, …0003 retention's): one digest run at a time across all nodes (a second
/// run then finds the heads digested and signs nothing twice).
const DIGEST_LOCK: i64 = 0x686f_7070_6572_0004;

#[derive(QueryableByName)]
struct Head {
    #[diesel(sql_type = BigInt)]
    chain_seq: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Binary>)]
    row_hash: Option<Vec<u8>>,
}

/// The chain's last chained row (through idx_audit_log_chain), if it has one.
pub(in crate::services) fn head(
    conn: &mut PgConnection,
    chain: i32,
) -> QueryResult<Option<(i64, Vec<u8>)>> {
    let head: Option<Head> = diesel::sql_query(
        "SELECT chain_seq, row_hash FROM audit_log
         WHERE coalesce(company_id, 0) = $1 AND chain_seq IS NOT NULL
         ORDER BY chain_seq DESC LIMIT 1",
    )
    .bind::<Integer, _>(chain)
    .get_result(conn)
    .optional()?;
    Ok(head.and_then(|h| Some((h.chain_seq, h.row_hash?))))
}

/// Signs a digest of every chain whose head moved since its last one; the new digests.
pub async fn digest_all(ctx: &ServiceContext) -> Result<Vec<DigestLine>, AppError> {
    let signer = ctx.audit_signer();
    let now = ctx.clock().now();
    ctx.run_unscoped(move |conn| digest_in(conn, &signer, now))
        .await
}

fn digest_in(
    conn: &mut PgConnection,
    signer: &AuditSigner,
    now: DateTime<Utc>,
) -> Result<Vec<DigestLine>, AppError> {
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<BigInt, _>(DIGEST_LOCK)
        .execute(conn)?;
    let mut chains: Vec<(i32, Option<String>)> = vec![(0, None)];
    chains.extend(
        companies::table
            .order(companies::id)
            .select((companies::id, companies::company_code))
            .load::<(CompanyId, String)>(conn)?
            .into_iter()
            .map(|(id, code)| (id.0, Some(code))),
    );
    let mut made = Vec::new();
    for (chain, company_code) in chains {
        let Some((head_seq, head_hash)) = head(conn, chain)? else {
            continue;
        };
        let previous: Option<(i64, i64, Vec<u8>)> = audit_digests::table
            .filter(audit_digests::chain.eq(chain))
            .order(audit_digests::id.desc())
            .select((
                audit_digests::id,
                audit_digests::head_seq,
                audit_digests::signature,
            ))
            .first(conn)
            .optional()?;
        if previous.as_ref().is_some_and(|p| p.1 == head_seq) {
            continue;
        }
        let statement = Statement {
            format: FORMAT.to_owned(),
            chain,
            company_code,
            head_seq,
            head_hash: hex::encode(&head_hash),
            digested_at: now,
            previous_signature: previous
                .as_ref()
                .map(|p| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &p.2)),
            public_key: signer.public_key_hex(),
        };
        let text = serde_json::to_string(&statement).map_err(|e| AppError::Unexpected(e.into()))?;
        let signature = signer.sign(text.as_bytes());
        diesel::insert_into(audit_digests::table)
            .values((
                audit_digests::chain.eq(chain),
                audit_digests::head_seq.eq(head_seq),
                audit_digests::head_hash.eq(&head_hash),
                audit_digests::digested_at.eq(now),
                audit_digests::previous_id.eq(previous.map(|p| p.0)),
                audit_digests::statement.eq(&text),
                audit_digests::signature.eq(signature.to_bytes().to_vec()),
                audit_digests::public_key.eq(signer.public_key().to_bytes().to_vec()),
            ))
            .execute(conn)?;
        made.push(DigestLine::new(text, &signature));
    }
    Ok(made)
}

/// The chain an actor may take digests of: the operator every chain (`None`), a company
/// admin their company's.
fn chain_of(actor: &Actor) -> Result<Option<i32>, AppError> {
    match actor.role() {
        Some(Role::Superadmin) => Ok(None),
        Some(Role::Admin) => Ok(Some(actor.company_id().0)),
        _ => Err(AppError::from(AccessRefused::AuditTrailAdminOnly)),
    }
}

/// The chain's latest digest, for an evidence export.
pub(in crate::services) fn latest(
    conn: &mut PgConnection,
    chain: i32,
) -> QueryResult<Option<DigestLine>> {
    let row: Option<(String, Vec<u8>)> = audit_digests::table
        .filter(audit_digests::chain.eq(chain))
        .order(audit_digests::id.desc())
        .select((audit_digests::statement, audit_digests::signature))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(statement, signature)| {
        let signature = ed25519_dalek::Signature::from_slice(&signature).ok()?;
        Some(DigestLine::new(statement, &signature))
    }))
}

/// One batch of the digests the actor may download, oldest first, after `after` (an id).
pub async fn batch(
    ctx: &ServiceContext,
    actor: &Actor,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, DigestLine)>, AppError> {
    let chain = chain_of(actor)?;
    ctx.run(actor, move |conn, _| {
        let mut query = audit_digests::table
            .filter(audit_digests::id.gt(after))
            .order(audit_digests::id.asc())
            .limit(limit)
            .select((
                audit_digests::id,
                audit_digests::statement,
                audit_digests::signature,
            ))
            .into_boxed();
        if let Some(chain) = chain {
            query = query.filter(audit_digests::chain.eq(chain));
        }
        Ok(query
            .load::<(i64, String, Vec<u8>)>(conn)?
            .into_iter()
            .filter_map(|(id, statement, signature)| {
                let signature = ed25519_dalek::Signature::from_slice(&signature).ok()?;
                Some((id, DigestLine::new(statement, &signature)))
            })
            .collect())
    })
    .await
}

/// What the audit page says about digests.
#[derive(Debug, Clone)]
pub struct DigestSummary {
    pub last_at: Option<DateTime<Utc>>,
    pub count: i64,
    /// This installation's key, to pin when checking copies.
    pub public_key: String,
}

pub(in crate::services) fn summary(
    conn: &mut PgConnection,
    signer: &AuditSigner,
    chain: Option<i32>,
) -> QueryResult<DigestSummary> {
    let mut query = audit_digests::table
        .select((
            diesel::dsl::max(audit_digests::digested_at),
            diesel::dsl::count_star(),
        ))
        .into_boxed();
    if let Some(chain) = chain {
        query = query.filter(audit_digests::chain.eq(chain));
    }
    let (last_at, count) = query.first(conn)?;
    Ok(DigestSummary {
        last_at,
        count,
        public_key: signer.public_key_hex(),
    })
}

/// The chain whose summary the actor's audit page shows.
pub(in crate::services) fn summary_chain(actor: &Actor) -> Option<i32> {
    chain_of(actor).ok().flatten()
}
