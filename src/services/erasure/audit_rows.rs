//! The person in the audit trail: rows they made (their name, address and browser) and
//! details that name them (a top-level value that contains the email address, or a
//! string equal to one of their names). Each is erased by `audit_log_erase` (migration
//! 120), which keeps every chain verifiable: a v2 row's hash is made of salted digests
//! that stay; a v1 row's hash is recorded with the erasure.

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text};

use super::person::Person;
use crate::services::audit::actions;

#[derive(QueryableByName)]
struct Mention {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Nullable<Integer>)]
    company_id: Option<i32>,
    /// The row was made by the person (or by nobody and names them): its actor name,
    /// address and browser are theirs.
    #[diesel(sql_type = Bool)]
    theirs: bool,
    #[diesel(sql_type = Array<Text>)]
    keys: Vec<String>,
    #[diesel(sql_type = Text)]
    action: String,
}

impl Mention {
    /// The details to erase: those that name the person, and on a row of theirs what they
    /// wrote themselves (a question's answer).
    fn detail_keys(&self) -> Vec<String> {
        let mut keys = self.keys.clone();
        if self.theirs && self.action == actions::REQUEST_ANSWERED {
            for written in ["answer", "previous_answer"] {
                if !keys.iter().any(|k| k == written) {
                    keys.push(written.to_owned());
                }
            }
        }
        keys
    }
}

/// What was (or would be) erased from the audit trail.
#[derive(Debug, Clone, Default)]
pub struct AuditErasure {
    /// Rows changed, per company (`None`: rows of no company).
    pub rows: Vec<(Option<i32>, i64)>,
    /// Rows written before salted hashes (v1), with their company: their hashes are now
    /// the ones recorded at the erasure, and the erasure's own row lists them.
    pub v1_rows: Vec<(Option<i32>, i64)>,
}

impl AuditErasure {
    pub fn total(&self) -> i64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }

    /// The rows changed in one chain, and the v1 rows among them.
    pub fn in_chain(&self, company: Option<i32>) -> (i64, Vec<i64>) {
        let rows = self
            .rows
            .iter()
            .find(|(c, _)| *c == company)
            .map_or(0, |(_, n)| *n);
        let v1 = self
            .v1_rows
            .iter()
            .filter(|(c, _)| *c == company)
            .map(|(_, id)| *id)
            .collect();
        (rows, v1)
    }
}

/// The rows that mention the person, with what of them to erase.
fn mentions(
    conn: &mut PgConnection,
    email: &str,
    person: &Person,
    within: Option<i32>,
) -> QueryResult<Vec<Mention>> {
    diesel::sql_query(
        "WITH candidates AS (
             SELECT a.id, a.company_id, a.actor_user_id, a.actor_username, a.details, a.action
             FROM audit_log a
             WHERE ($4::int IS NULL OR a.company_id = $4)
               AND (a.actor_user_id = ANY($2)
                    OR strpos(lower(coalesce(a.actor_username, '')), $1) > 0
                    OR lower(a.actor_username) = ANY($3)
                    OR strpos(lower(a.details::text), $1) > 0
                    OR (cardinality($3) > 0 AND EXISTS (
                        SELECT 1 FROM jsonb_path_query(a.details, 'strict $.**') l
                        WHERE jsonb_typeof(l) = 'string' AND lower(l #>> '{}') = ANY($3))))
         ), keyed AS (
             SELECT c.*, coalesce((
                 SELECT array_agg(e.key ORDER BY e.key)
                 FROM jsonb_each(CASE WHEN jsonb_typeof(c.details) = 'object'
                                      THEN c.details ELSE '{}'::jsonb END) e
                 WHERE strpos(lower(e.value::text), $1) > 0
                    OR EXISTS (SELECT 1 FROM jsonb_path_query(e.value, 'strict $.**') l
                               WHERE jsonb_typeof(l) = 'string'
                                 AND lower(l #>> '{}') = ANY($3))), '{}') AS keys
             FROM candidates c
         )
         SELECT id, company_id,
                (actor_user_id = ANY($2)
                 OR strpos(lower(coalesce(actor_username, '')), $1) > 0
                 OR coalesce(lower(actor_username) = ANY($3), false)
                 OR (actor_user_id IS NULL AND actor_username IS NULL
                     AND cardinality(keys) > 0)) AS theirs,
                keys, action
         FROM keyed ORDER BY id",
    )
    .bind::<Text, _>(email)
    .bind::<Array<Integer>, _>(person.user_ids())
    .bind::<Array<Text>, _>(&person.names)
    .bind::<Nullable<Integer>, _>(within)
    .load(conn)
}

fn add(counts: &mut Vec<(Option<i32>, i64)>, company: Option<i32>) {
    match counts.iter_mut().find(|(c, _)| *c == company) {
        Some((_, n)) => *n += 1,
        None => counts.push((company, 1)),
    }
}

/// Erases what the audit trail holds of the person.
pub fn erase(
    conn: &mut PgConnection,
    email: &str,
    person: &Person,
    within: Option<i32>,
) -> QueryResult<AuditErasure> {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = Integer)]
        version: i32,
    }
    let mut done = AuditErasure::default();
    for mention in mentions(conn, email, person, within)? {
        let fields: Vec<&str> = if mention.theirs {
            vec!["actor_username", "ip_address", "user_agent"]
        } else {
            Vec::new()
        };
        let keys = mention.detail_keys();
        if fields.is_empty() && keys.is_empty() {
            continue;
        }
        let version: Version = diesel::sql_query("SELECT audit_log_erase($1, $2, $3) AS version")
            .bind::<BigInt, _>(mention.id)
            .bind::<Array<Text>, _>(&fields)
            .bind::<Array<Text>, _>(&keys)
            .get_result(conn)?;
        match version.version {
            0 => continue,
            1 => {
                add(&mut done.rows, mention.company_id);
                done.v1_rows.push((mention.company_id, mention.id));
            }
            _ => add(&mut done.rows, mention.company_id),
        }
    }
    Ok(done)
}
