//! A resumable (tus) upload's progress: what has safely landed in S3, and who is
//! writing it now.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::ids::{
    ApiTokenId, CompanyId, CycleId, FileUploadId, ProjectId, SyncSessionId, UploadLinkVisitId,
    UserId,
};
use crate::db::kept_prepared::KeptPrepared;
use crate::schema::tus_uploads;

/// A part that landed in the multipart upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LandedPart {
    pub number: i32,
    pub etag: Option<String>,
    pub size: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tus_uploads, check_for_backend(diesel::pg::Pg))]
pub struct TusUpload {
    pub id: Uuid,
    /// The upload link's visit that created it (none for a member or a token).
    pub link_visit_id: Option<UploadLinkVisitId>,
    pub company_id: CompanyId,
    pub project_id: ProjectId,
    pub cycle_id: CycleId,
    pub session_id: SyncSessionId,
    pub file_id: FileUploadId,
    pub user_id: Option<UserId>,
    pub api_token_id: Option<ApiTokenId>,
    pub upload_length: i64,
    pub landed: i64,
    pub parts: serde_json::Value,
    pub hash_state: Vec<u8>,
    pub tail_size: i64,
    pub content_type: Option<String>,
    pub client_sha256: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub writer: Option<Uuid>,
    pub writer_seen_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub finishes_session: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = tus_uploads)]
pub struct NewTusUpload<'a> {
    pub id: Uuid,
    /// The upload link's visit that created it (none for a member or a token).
    pub link_visit_id: Option<UploadLinkVisitId>,
    pub company_id: CompanyId,
    pub project_id: ProjectId,
    pub cycle_id: CycleId,
    pub session_id: SyncSessionId,
    pub file_id: FileUploadId,
    pub user_id: Option<UserId>,
    pub api_token_id: Option<ApiTokenId>,
    pub upload_length: i64,
    pub hash_state: &'a [u8],
    pub client_sha256: Option<&'a str>,
    pub metadata: serde_json::Value,
    pub expires_at: DateTime<Utc>,
    pub outcome: Option<&'a str>,
    pub landed: i64,
    pub finishes_session: bool,
}

/// How long a writer's claim holds without a sign of life. A live writer's node renews
/// it every few seconds (`services::uploads::tus::liveness`), so a claim this old is a
/// dead node's (killed, cut off) and another node takes the upload over.
pub const WRITER_LAPSE_SECS: i64 = 20;

impl TusUpload {
    /// The offset a client resumes from: whole parts in S3 plus the staged tail.
    pub fn offset(&self) -> i64 {
        self.landed + self.tail_size
    }

    pub fn landed_parts(&self) -> Vec<LandedPart> {
        serde_json::from_value(self.parts.clone()).unwrap_or_default()
    }

    pub fn insert(conn: &mut PgConnection, new: &NewTusUpload<'_>) -> QueryResult<TusUpload> {
        diesel::insert_into(tus_uploads::table)
            .values(new)
            .returning(TusUpload::as_returning())
            .get_result(conn)
    }

    /// Many uploads in one statement (a manifest's).
    pub fn insert_all(conn: &mut PgConnection, new: &[NewTusUpload<'_>]) -> QueryResult<()> {
        for chunk in new.chunks(crate::db::models::new_file::ROWS_PER_STATEMENT) {
            diesel::insert_into(tus_uploads::table)
                .values(chunk)
                .execute(conn)?;
        }
        Ok(())
    }

    /// An upload of `company`; `None` for a missing id and another company's alike.
    /// The upload as it stands, unlocked: a check before any work, outside a transaction.
    pub fn peek(
        conn: &mut PgConnection,
        company: CompanyId,
        id: Uuid,
    ) -> QueryResult<Option<Self>> {
        let ours = tus_uploads::id
            .eq(id)
            .and(tus_uploads::company_id.eq(company));
        let found = tus_uploads::table.filter(ours).select(Self::as_select());
        found.first(conn).optional()
    }

    /// The upload `id` of `company`, its row locked until the transaction ends.
    pub fn lock_in_company(
        conn: &mut PgConnection,
        company: CompanyId,
        id: Uuid,
    ) -> QueryResult<Option<TusUpload>> {
        tus_uploads::table
            .filter(tus_uploads::id.eq(id))
            .filter(tus_uploads::company_id.eq(company))
            .select(TusUpload::as_select())
            .for_update()
            .first(conn)
            .optional()
    }

    /// Claims the upload `id` of `company` for one writer when it is open, unexpired and
    /// at `offset`, unless another writer wrote in the last minute; the claimed row.
    /// A claim held by an earlier run of this node (`node`, now in run `boot`) is dead:
    /// that run crashed or stopped, so it is taken over at once.
    pub fn claim(
        conn: &mut PgConnection,
        (company, id, offset): (CompanyId, Uuid, i64),
        writer: Uuid,
        (node, boot): (&str, Uuid),
        now: DateTime<Utc>,
    ) -> QueryResult<Option<TusUpload>> {
        let lapsed = now - chrono::Duration::seconds(WRITER_LAPSE_SECS);
        let earlier_run_of_mine = tus_uploads::writer_node
            .eq(node)
            .and(tus_uploads::writer_boot.ne(boot));
        KeptPrepared(
            diesel::update(tus_uploads::table.find(id))
                .filter(tus_uploads::company_id.eq(company))
                .filter(tus_uploads::outcome.is_null())
                .filter(tus_uploads::expires_at.gt(now))
                .filter((tus_uploads::landed + tus_uploads::tail_size).eq(offset))
                .filter(
                    tus_uploads::writer
                        .is_null()
                        .or(tus_uploads::writer_seen_at.lt(lapsed))
                        .or(earlier_run_of_mine.assume_not_null()),
                )
                .set((
                    tus_uploads::writer.eq(writer),
                    tus_uploads::writer_seen_at.eq(now),
                    tus_uploads::writer_node.eq(node),
                    tus_uploads::writer_boot.eq(boot),
                ))
                .returning(TusUpload::as_returning()),
        )
        .get_result(conn)
        .optional()
    }

    /// The writers' sign of life: each `(upload, writer)` claim still held is seen `now`.
    /// One statement for all the requests a node is serving.
    pub fn renew_claims(
        conn: &mut PgConnection,
        claims: &[(Uuid, Uuid)],
        now: DateTime<Utc>,
    ) -> QueryResult<usize> {
        let (uploads, writers): (Vec<Uuid>, Vec<Uuid>) = claims.iter().copied().unzip();
        diesel::update(tus_uploads::table)
            .filter(tus_uploads::id.eq_any(uploads))
            .filter(tus_uploads::writer.assume_not_null().eq_any(writers))
            .set(tus_uploads::writer_seen_at.eq(now))
            .execute(conn)
    }

    /// Gives the claim back (only the writer holding it can).
    pub fn release(conn: &mut PgConnection, id: Uuid, writer: Uuid) -> QueryResult<()> {
        diesel::update(tus_uploads::table.find(id))
            .filter(tus_uploads::writer.eq(writer))
            .set((
                tus_uploads::writer.eq(None::<Uuid>),
                tus_uploads::writer_seen_at.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)
            .map(|_| ())
    }

    /// A part landed: the offset moves past it with the hash state after it; the tail,
    /// now inside the part, is empty.
    pub fn part_landed(
        conn: &mut PgConnection,
        id: Uuid,
        writer: Uuid,
        (part, hash_state): (&LandedPart, &[u8]),
        now: DateTime<Utc>,
    ) -> QueryResult<bool> {
        let size = part.size;
        let part = serde_json::to_value(vec![part]).unwrap_or_default();
        diesel::update(tus_uploads::table.find(id))
            .filter(tus_uploads::writer.eq(writer))
            .set((
                tus_uploads::landed.eq(tus_uploads::landed + size),
                tus_uploads::parts.eq(diesel::dsl::sql::<diesel::sql_types::Jsonb>("parts || ")
                    .bind::<diesel::sql_types::Jsonb, _>(part)),
                tus_uploads::hash_state.eq(hash_state),
                tus_uploads::tail_size.eq(0),
                // The clock's: a claim lapses when the clock says so (see `claim`).
                tus_uploads::writer_seen_at.eq(now),
            ))
            .execute(conn)
            .map(|n| n == 1)
    }

    pub fn set_tail(
        conn: &mut PgConnection,
        id: Uuid,
        writer: Uuid,
        tail_size: i64,
    ) -> QueryResult<bool> {
        diesel::update(tus_uploads::table.find(id))
            .filter(tus_uploads::writer.eq(writer))
            .set(tus_uploads::tail_size.eq(tail_size))
            .execute(conn)
            .map(|n| n == 1)
    }

    pub fn set_content_type(conn: &mut PgConnection, id: Uuid, kind: &str) -> QueryResult<()> {
        diesel::update(tus_uploads::table.find(id))
            .set(tus_uploads::content_type.eq(kind))
            .execute(conn)
            .map(|_| ())
    }

    /// Ends the upload with `outcome` (no more bytes are taken).
    pub fn finish(conn: &mut PgConnection, id: Uuid, outcome: &str) -> QueryResult<bool> {
        KeptPrepared(
            diesel::update(tus_uploads::table.find(id))
                .filter(tus_uploads::outcome.is_null())
                .set((
                    tus_uploads::outcome.eq(outcome),
                    tus_uploads::writer.eq(None::<Uuid>),
                ))
                .returning(tus_uploads::id),
        )
        .load::<Uuid>(conn)
        .map(|rows| rows.len() == 1)
    }

    /// Open uploads past their expiry, for the reaper.
    pub fn expired(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<Vec<TusUpload>> {
        tus_uploads::table
            .filter(tus_uploads::outcome.is_null())
            .filter(tus_uploads::expires_at.lt(now))
            .order(tus_uploads::expires_at)
            .limit(500)
            .for_update()
            .skip_locked()
            .select(TusUpload::as_select())
            .load(conn)
    }
}
