//! Upload links for people without an account, and their visits. Only the SHA-256 of a
//! link's token and of a visit's cookie secret are stored.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};

use crate::db::ids::{
    CompanyId, CycleId, CycleRequestId, ProjectId, SyncSessionId, UploadLinkId, UploadLinkVisitId,
    UserId,
};
use crate::db::models::tenant_finder::tenant_finder;
use crate::schema::{sync_sessions, upload_link_visits, upload_links};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = upload_links, check_for_backend(diesel::pg::Pg))]
pub struct UploadLink {
    pub id: UploadLinkId,
    pub company_id: CompanyId,
    pub project_id: ProjectId,
    pub cycle_id: CycleId,
    pub label: String,
    /// The requests the link is for; empty: the whole cycle.
    pub request_ids: Vec<Option<i32>>,
    pub pin_hash: Option<String>,
    pub max_files: i32,
    pub max_bytes: i64,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    /// The language of the link's pages and emails; `None`: the company's default.
    pub language: Option<crate::domain::Language>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = upload_links)]
pub struct NewUploadLink<'a> {
    pub company_id: CompanyId,
    pub project_id: ProjectId,
    pub cycle_id: CycleId,
    pub label: &'a str,
    pub token_hash: &'a [u8],
    pub request_ids: &'a [i32],
    pub pin_hash: Option<&'a str>,
    pub max_files: i32,
    pub max_bytes: i64,
    pub expires_at: DateTime<Utc>,
    pub created_by: UserId,
    pub language: Option<crate::domain::Language>,
}

/// What a link has taken so far: sums over its batches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkUsage {
    pub batches: i64,
    /// Files stored or recognised as duplicates (refused and failed files do not count).
    pub files: i64,
    pub bytes: i64,
}

/// What a link still takes, for the checks at the start of a batch and of each file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkRoom {
    pub max_files: i32,
    pub max_bytes: i64,
    /// Files not failed, in flight included.
    pub files: i64,
    /// Bytes stored.
    pub bytes: i64,
    /// Bytes announced by resumable uploads still on their way (their `Upload-Length`),
    /// held for them so that parallel uploads cannot pass the link's limit together.
    pub reserved: i64,
}

impl LinkRoom {
    pub fn bytes_left(&self) -> u64 {
        u64::try_from(self.max_bytes - self.bytes - self.reserved).unwrap_or(0)
    }

    /// Why the link takes nothing more, if it does not.
    pub fn full(&self) -> Option<crate::domain::refusal::LinkRefused> {
        use crate::domain::refusal::LinkRefused;
        if self.files >= i64::from(self.max_files) {
            Some(LinkRefused::FullFiles {
                max_files: self.max_files,
            })
        } else if self.bytes + self.reserved >= self.max_bytes {
            Some(LinkRefused::FullBytes {
                limit: u64::try_from(self.max_bytes).unwrap_or(0),
            })
        } else {
            None
        }
    }
}

impl UploadLink {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }

    pub fn has_pin(&self) -> bool {
        self.pin_hash.is_some()
    }

    /// The requests the link is limited to (empty: all of the cycle's).
    pub fn requests(&self) -> Vec<CycleRequestId> {
        self.request_ids
            .iter()
            .flatten()
            .map(|id| CycleRequestId(*id))
            .collect()
    }

    pub fn insert(conn: &mut PgConnection, new: &NewUploadLink<'_>) -> QueryResult<UploadLink> {
        diesel::insert_into(upload_links::table)
            .values(new)
            .returning(UploadLink::as_returning())
            .get_result(conn)
    }

    tenant_finder!(
        /// A link of `company`.
        pub fn find_in_company(upload_links, id: UploadLinkId)
    );

    tenant_finder!(
        /// A link of `company`, locked; batches that refer to it can still be inserted.
        pub fn lock_in_company(upload_links, id: UploadLinkId) for no key update
    );

    pub fn find_by_token_hash(
        conn: &mut PgConnection,
        hash: &[u8],
    ) -> QueryResult<Option<UploadLink>> {
        upload_links::table
            .filter(upload_links::token_hash.eq(hash))
            .select(UploadLink::as_select())
            .first(conn)
            .optional()
    }

    /// A cycle's links, newest first.
    pub fn for_cycle(
        conn: &mut PgConnection,
        company: CompanyId,
        cycle: CycleId,
    ) -> QueryResult<Vec<UploadLink>> {
        upload_links::table
            .filter(upload_links::company_id.eq(company))
            .filter(upload_links::cycle_id.eq(cycle))
            .order(upload_links::created_at.desc())
            .select(UploadLink::as_select())
            .load(conn)
    }

    pub fn usage(conn: &mut PgConnection, id: UploadLinkId) -> QueryResult<LinkUsage> {
        #[derive(QueryableByName)]
        struct Sums {
            #[diesel(sql_type = BigInt)]
            batches: i64,
            #[diesel(sql_type = BigInt)]
            files: i64,
            #[diesel(sql_type = BigInt)]
            bytes: i64,
        }
        let sums: Sums = diesel::sql_query(
            "SELECT count(*) AS batches,
                    coalesce(sum(coalesce(files_uploaded, 0) + coalesce(files_skipped, 0)), 0)::bigint AS files,
                    coalesce(sum(uploaded_size_bytes), 0)::bigint AS bytes
               FROM sync_sessions WHERE upload_link_id = $1",
        )
        .bind::<Integer, _>(id.0)
        .get_result(conn)?;
        Ok(LinkUsage {
            batches: sums.batches,
            files: sums.files,
            bytes: sums.bytes,
        })
    }

    /// What the link still takes: its files not failed (in flight included), its stored
    /// bytes and the bytes its unfinished resumable uploads announced. The caller holds the link's row lock.
    pub fn room(conn: &mut PgConnection, link: &UploadLink) -> QueryResult<LinkRoom> {
        #[derive(QueryableByName)]
        struct Taken {
            #[diesel(sql_type = BigInt)]
            files: i64,
            #[diesel(sql_type = BigInt)]
            bytes: i64,
            #[diesel(sql_type = BigInt)]
            reserved: i64,
        }
        let taken: Taken = diesel::sql_query(
            "SELECT (SELECT count(*) FROM file_uploads f JOIN sync_sessions s ON s.id = f.session_id
                      WHERE s.upload_link_id = $1 AND f.company_id = $2 AND f.status <> 'failed') AS files,
                    (SELECT coalesce(sum(uploaded_size_bytes), 0)::bigint FROM sync_sessions
                      WHERE upload_link_id = $1) AS bytes,
                    (SELECT coalesce(sum(t.upload_length), 0)::bigint FROM tus_uploads t
                       JOIN sync_sessions s ON s.id = t.session_id
                      WHERE s.upload_link_id = $1 AND t.company_id = $2 AND t.outcome IS NULL) AS reserved",
        )
        .bind::<Integer, _>(link.id.0)
        .bind::<Integer, _>(link.company_id.0)
        .get_result(conn)?;
        Ok(LinkRoom {
            max_files: link.max_files,
            max_bytes: link.max_bytes,
            files: taken.files,
            bytes: taken.bytes,
            reserved: taken.reserved,
        })
    }

    /// The batches sent through the link (by any of its visits).
    pub fn batches(conn: &mut PgConnection, id: UploadLinkId) -> QueryResult<Vec<SyncSessionId>> {
        sync_sessions::table
            .filter(sync_sessions::upload_link_id.eq(id))
            .select(sync_sessions::id)
            .load(conn)
    }

    /// The visits of the link (each browser that said who it is).
    pub fn visits(
        conn: &mut PgConnection,
        id: UploadLinkId,
    ) -> QueryResult<Vec<UploadLinkVisitId>> {
        upload_link_visits::table
            .filter(upload_link_visits::link_id.eq(id))
            .select(upload_link_visits::id)
            .load(conn)
    }

    pub fn touch(conn: &mut PgConnection, id: UploadLinkId) -> QueryResult<()> {
        diesel::update(upload_links::table.find(id))
            .set(upload_links::last_used_at.eq(diesel::dsl::now))
            .execute(conn)
            .map(|_| ())
    }

    pub fn revoke(conn: &mut PgConnection, id: UploadLinkId) -> QueryResult<()> {
        diesel::update(upload_links::table.find(id))
            .set(upload_links::revoked_at.eq(diesel::dsl::now))
            .execute(conn)
            .map(|_| ())
    }
}

/// A visitor of a link, as they named themselves.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = upload_link_visits, check_for_backend(diesel::pg::Pg))]
pub struct UploadLinkVisit {
    pub id: UploadLinkVisitId,
    pub link_id: UploadLinkId,
    pub uploader_name: String,
    pub uploader_email: String,
    pub expires_at: DateTime<Utc>,
}

impl UploadLinkVisit {
    pub fn insert(
        conn: &mut PgConnection,
        link: &UploadLink,
        secret_hash: &[u8],
        name: &str,
        email: &str,
        expires_at: DateTime<Utc>,
    ) -> QueryResult<UploadLinkVisit> {
        diesel::insert_into(upload_link_visits::table)
            .values((
                upload_link_visits::company_id.eq(link.company_id),
                upload_link_visits::link_id.eq(link.id),
                upload_link_visits::secret_hash.eq(secret_hash),
                upload_link_visits::uploader_name.eq(name),
                upload_link_visits::uploader_email.eq(email),
                upload_link_visits::expires_at.eq(expires_at),
            ))
            .returning(UploadLinkVisit::as_returning())
            .get_result(conn)
    }

    /// The visit of `link` behind one of the cookie secrets (a cookie of another link
    /// opens nothing here).
    pub fn find(
        conn: &mut PgConnection,
        link: UploadLinkId,
        secret_hashes: &[Vec<u8>],
    ) -> QueryResult<Option<UploadLinkVisit>> {
        if secret_hashes.is_empty() {
            return Ok(None);
        }
        upload_link_visits::table
            .filter(upload_link_visits::secret_hash.eq_any(secret_hashes))
            .filter(upload_link_visits::link_id.eq(link))
            .select(UploadLinkVisit::as_select())
            .first(conn)
            .optional()
    }
}
