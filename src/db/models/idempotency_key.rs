//! `idempotency_keys`: per API token and `Idempotency-Key`, the hash of the request that
//! first used the key and, once it was answered, the answer to replay.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::{ApiTokenId, CompanyId};
use crate::schema::idempotency_keys;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyKey {
    pub id: i64,
    pub request_hash: Vec<u8>,
    pub response_status: Option<i16>,
    pub response_content_type: Option<String>,
    pub response_body: Option<Vec<u8>>,
    pub locked_until: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct NewIdempotencyKey<'a> {
    pub company_id: CompanyId,
    pub api_token_id: ApiTokenId,
    pub idempotency_key: &'a str,
    pub request_hash: &'a [u8],
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl IdempotencyKey {
    /// Takes the key for a first request; `false` when a row for it is already there.
    pub fn claim(conn: &mut PgConnection, new: &NewIdempotencyKey<'_>) -> QueryResult<bool> {
        let inserted = diesel::insert_into(idempotency_keys::table)
            .values(new)
            .on_conflict((
                idempotency_keys::api_token_id,
                idempotency_keys::idempotency_key,
            ))
            .do_nothing()
            .execute(conn)?;
        Ok(inserted == 1)
    }

    /// The token's row for `key`, locked.
    pub fn lock(
        conn: &mut PgConnection,
        token: ApiTokenId,
        key: &str,
    ) -> QueryResult<Option<IdempotencyKey>> {
        idempotency_keys::table
            .filter(idempotency_keys::api_token_id.eq(token))
            .filter(idempotency_keys::idempotency_key.eq(key))
            .select(IdempotencyKey::as_select())
            .for_update()
            .first(conn)
            .optional()
    }

    /// Gives the row to a new first request (the old one expired, or its runner died).
    pub fn retake(
        conn: &mut PgConnection,
        id: i64,
        new: &NewIdempotencyKey<'_>,
    ) -> QueryResult<()> {
        diesel::update(idempotency_keys::table.find(id))
            .set((
                idempotency_keys::request_hash.eq(new.request_hash),
                idempotency_keys::response_status.eq(None::<i16>),
                idempotency_keys::response_content_type.eq(None::<String>),
                idempotency_keys::response_body.eq(None::<Vec<u8>>),
                idempotency_keys::locked_until.eq(new.locked_until),
                idempotency_keys::created_at.eq(new.created_at),
                idempotency_keys::expires_at.eq(new.expires_at),
            ))
            .execute(conn)
            .map(|_| ())
    }

    /// Records the answer of the request that holds the key.
    pub fn answer(
        conn: &mut PgConnection,
        token: ApiTokenId,
        key: &str,
        (status, content_type, body): (i16, Option<&str>, &[u8]),
    ) -> QueryResult<usize> {
        diesel::update(
            idempotency_keys::table
                .filter(idempotency_keys::api_token_id.eq(token))
                .filter(idempotency_keys::idempotency_key.eq(key))
                .filter(idempotency_keys::response_status.is_null()),
        )
        .set((
            idempotency_keys::response_status.eq(Some(status)),
            idempotency_keys::response_content_type.eq(content_type),
            idempotency_keys::response_body.eq(Some(body)),
            idempotency_keys::locked_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
    }

    /// Lets the key go unanswered (the request failed on Hopper's side: it may be retried).
    pub fn release(conn: &mut PgConnection, token: ApiTokenId, key: &str) -> QueryResult<usize> {
        diesel::delete(
            idempotency_keys::table
                .filter(idempotency_keys::api_token_id.eq(token))
                .filter(idempotency_keys::idempotency_key.eq(key))
                .filter(idempotency_keys::response_status.is_null()),
        )
        .execute(conn)
    }

    /// Deletes the keys kept past their time.
    pub fn prune(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::expires_at.le(now)))
            .execute(conn)
    }
}
