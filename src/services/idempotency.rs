//! `Idempotency-Key` on the API's POSTs: the first request with a key runs and its answer
//! is kept for a day; the same key with the same request from the same token gets that
//! answer again without a second effect; the same key with another request is refused
//! (422), and so is a duplicate while the first still runs (409). Each step is its own
//! short transaction: no connection is held while the request itself runs.
//!
//! A kept answer may carry a secret shown once (an upload link's address, a webhook's
//! signing secret), so it is sealed (AES-256-GCM) with a key derived from the caller's
//! token, which Hopper keeps only as a hash: the table alone reveals no answer.

use chrono::Duration;

use crate::db::models::idempotency_key::{IdempotencyKey, NewIdempotencyKey};
use crate::domain::refusal::IdempotencyRefused;
use crate::error::AppError;
use crate::services::sealing::SealingKey;
use crate::services::{Actor, ServiceContext};

/// How long a key and its answer are kept.
pub const KEEP: Duration = Duration::hours(24);

/// How long a first request may run before a duplicate takes the key over (its node
/// died, or its answer could not be recorded).
pub const LEASE: Duration = Duration::minutes(5);

/// A key as a client may send it: 1 to 255 visible ASCII characters.
pub fn parse_key(value: &str) -> Result<String, AppError> {
    let ok = (1..=255).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(value.to_owned())
    } else {
        Err(IdempotencyRefused::KeyMalformed.into())
    }
}

/// The key that seals a token's kept answers, derived from the token's secret (never
/// stored); the request's hash is the associated data.
#[derive(Clone)]
pub struct AnswerKey(SealingKey);

impl AnswerKey {
    pub fn of_token(secret: &str) -> AnswerKey {
        AnswerKey(SealingKey::derive(
            secret.as_bytes(),
            "hopper idempotency answer v1",
        ))
    }

    fn seal(&self, hash: &[u8], body: &[u8]) -> Result<Vec<u8>, AppError> {
        self.0.seal(hash, body)
    }

    fn open(&self, hash: &[u8], sealed: &[u8]) -> Result<Vec<u8>, AppError> {
        self.0.open(hash, sealed)
    }
}

/// An answer kept for a key.
#[derive(Debug, Clone)]
pub struct Kept {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// What to do with a request that carries a key.
#[derive(Debug)]
pub enum Begun {
    /// The first with this key: run it, then [`finish`] (or [`release`]).
    First,
    /// Answered before: replay this, run nothing.
    Replay(Kept),
}

/// Claims `key` for this token and request (`hash`: SHA-256 of its method, address and
/// body), or says what was answered before.
pub async fn begin(
    ctx: &ServiceContext,
    actor: &Actor,
    key: String,
    hash: [u8; 32],
    sealing: AnswerKey,
) -> Result<Begun, AppError> {
    let Some(token) = actor.token_caller().map(|c| c.token) else {
        return Ok(Begun::First);
    };
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let new = NewIdempotencyKey {
            company_id: actor.company_id(),
            api_token_id: token,
            idempotency_key: &key,
            request_hash: &hash,
            locked_until: Some(now + LEASE),
            created_at: now,
            expires_at: now + KEEP,
        };
        if IdempotencyKey::claim(conn, &new)? {
            return Ok(Begun::First);
        }
        let Some(row) = IdempotencyKey::lock(conn, token, &key)? else {
            // Released meanwhile by a first request that failed: this one runs.
            return Ok(if IdempotencyKey::claim(conn, &new)? {
                Begun::First
            } else {
                return Err(IdempotencyRefused::InProgress.into());
            });
        };
        let abandoned = row.response_status.is_none() && row.locked_until.is_some_and(|t| t <= now);
        if row.expires_at <= now || abandoned {
            IdempotencyKey::retake(conn, row.id, &new)?;
            return Ok(Begun::First);
        }
        if row.request_hash != hash {
            return Err(IdempotencyRefused::KeyReused.into());
        }
        match (row.response_status, row.response_body) {
            (Some(status), Some(sealed)) => Ok(Begun::Replay(Kept {
                status: u16::try_from(status).unwrap_or(500),
                content_type: row.response_content_type,
                body: sealing.open(&hash, &sealed)?,
            })),
            _ => Err(IdempotencyRefused::InProgress.into()),
        }
    })
    .await
}

/// Keeps the answer of the first request with `key`.
pub async fn finish(
    ctx: &ServiceContext,
    actor: &Actor,
    (key, hash): (String, [u8; 32]),
    sealing: AnswerKey,
    answer: Kept,
) -> Result<(), AppError> {
    let Some(token) = actor.token_caller().map(|c| c.token) else {
        return Ok(());
    };
    let sealed = sealing.seal(&hash, &answer.body)?;
    ctx.run(actor, move |conn, _| {
        let status = i16::try_from(answer.status).unwrap_or(500);
        IdempotencyKey::answer(
            conn,
            token,
            &key,
            (status, answer.content_type.as_deref(), &sealed),
        )?;
        Ok(())
    })
    .await
}

/// Lets `key` go: its first request failed on Hopper's side, so a retry runs afresh.
pub async fn release(ctx: &ServiceContext, actor: &Actor, key: String) -> Result<(), AppError> {
    let Some(token) = actor.token_caller().map(|c| c.token) else {
        return Ok(());
    };
    ctx.run(actor, move |conn, _| {
        IdempotencyKey::release(conn, token, &key)?;
        Ok(())
    })
    .await
}

/// Deletes keys kept for more than [`KEEP`]; answers how many.
pub async fn prune(ctx: &ServiceContext) -> Result<usize, AppError> {
    let now = ctx.clock().now();
    ctx.run_unscoped(move |conn| Ok(IdempotencyKey::prune(conn, now)?))
        .await
}

#[cfg(test)]
mod tests {
    use super::AnswerKey;

    #[test]
    fn a_kept_answer_opens_only_with_its_token_and_request() {
        let key = AnswerKey::of_token("hop_secret");
        let sealed = key.seal(&[1; 32], b"{\"url\":\"/u/abc\"}").expect("sealed");
        assert!(
            !sealed.windows(5).any(|w| w == b"/u/ab"),
            "no plaintext kept"
        );
        let opened = key.open(&[1; 32], &sealed).expect("opens");
        assert_eq!(opened, b"{\"url\":\"/u/abc\"}");
        assert!(AnswerKey::of_token("hop_other")
            .open(&[1; 32], &sealed)
            .is_err());
        assert!(key.open(&[2; 32], &sealed).is_err());
        assert!(key.open(&[1; 32], &sealed[..5]).is_err());
    }
}
