//! What goes into a cycle's evidence: its stored files with who sent them and how they
//! were reviewed (one row each, for `manifest.csv`), and its audit rows with the text each
//! row's hash is made of (for `audit.jsonl` and `chain.json`), read a batch at a time.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Jsonb, Nullable, Text, Timestamptz};

use crate::db::ids::{CompanyId, CycleId, FileUploadId, ProjectId};
use crate::db::models::storage_location::StorageLocation;
use crate::db::models::user::User;
use crate::domain::{FileStatus, RequestStatus};
use crate::schema::{cycle_requests, file_uploads, storage_locations, sync_sessions, users};

/// One stored file of the cycle, as the manifest lists it.
#[derive(Debug, Clone)]
pub struct ExportedFile {
    pub id: FileUploadId,
    pub path: String,
    pub size: i64,
    pub sha256: String,
    pub key: String,
    pub location: StorageLocation,
    pub request: Option<String>,
    pub sent_by: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub review: Option<RequestStatus>,
    pub reviewer: Option<String>,
    pub review_reason: Option<String>,
    /// Retention deleted its bytes (when, why): listed in the manifest, not in `files/`.
    pub retired: Option<(DateTime<Utc>, String)>,
}

type FileRow = (
    FileUploadId,
    String,
    Option<i64>,
    Option<String>,
    String,
    Option<DateTime<Utc>>,
    (Option<DateTime<Utc>>, Option<String>),
    StorageLocation,
    (Option<String>, Option<String>, Option<i32>),
    (
        Option<String>,
        Option<RequestStatus>,
        Option<String>,
        Option<i32>,
    ),
);

/// The cycle's current, stored files (not deleted), by path; tombstones of retention too.
pub fn files(
    conn: &mut PgConnection,
    company: CompanyId,
    cycle: CycleId,
) -> QueryResult<Vec<ExportedFile>> {
    let rows: Vec<FileRow> = file_uploads::table
        .inner_join(storage_locations::table)
        .inner_join(sync_sessions::table)
        .left_join(cycle_requests::table)
        .filter(file_uploads::company_id.eq(company))
        .filter(file_uploads::cycle_id.eq(cycle))
        .filter(crate::db::models::file_upload::status_is(
            FileStatus::Completed,
        ))
        .filter(file_uploads::replaced_by.is_null())
        // An admin's delete takes a file out; retention's tombstones stay listed.
        .filter(
            file_uploads::deleted_at
                .is_null()
                .or(file_uploads::retired_at.is_not_null()),
        )
        .order(file_uploads::file_path.asc())
        .select((
            file_uploads::id,
            file_uploads::file_path,
            file_uploads::file_size,
            file_uploads::checksum,
            file_uploads::s3_key,
            file_uploads::uploaded_at,
            (file_uploads::retired_at, file_uploads::retired_reason),
            StorageLocation::as_select(),
            (
                sync_sessions::uploader_name,
                sync_sessions::uploader_email,
                sync_sessions::user_id,
            ),
            (
                cycle_requests::name.nullable(),
                cycle_requests::status.nullable(),
                cycle_requests::note.nullable(),
                cycle_requests::reviewed_by.nullable(),
            ),
        ))
        .load(conn)?;
    let mut people = std::collections::HashMap::<i32, String>::new();
    let mut name_of = |conn: &mut PgConnection, id: i32| -> QueryResult<String> {
        if let Some(name) = people.get(&id) {
            return Ok(name.clone());
        }
        let name = users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .optional()?
            .map_or_else(|| format!("user {id}"), |u| u.display_name().to_owned());
        people.insert(id, name.clone());
        Ok(name)
    };
    let mut files = Vec::with_capacity(rows.len());
    for (id, path, size, sha256, key, sent_at, retired, location, sender, review) in rows {
        let sent_by = match sender {
            (Some(name), Some(email), _) => format!("{name} <{email}> (upload link)"),
            (Some(name), None, _) => format!("{name} (upload link)"),
            (_, _, Some(user)) => name_of(conn, user)?,
            _ => "a machine token".to_owned(),
        };
        let reviewer = match review.3 {
            Some(user) => Some(name_of(conn, user)?),
            None => None,
        };
        files.push(ExportedFile {
            id,
            path,
            size: size.unwrap_or(0),
            sha256: sha256.unwrap_or_default(),
            key,
            location,
            request: review.0,
            sent_by,
            sent_at,
            review: review.1,
            reviewer,
            review_reason: review.2,
            retired: retired.0.map(|at| (at, retired.1.unwrap_or_default())),
        });
    }
    Ok(files)
}

/// One audit row of the cycle, with what its hash is made of.
#[derive(Debug, Clone, QueryableByName, serde::Serialize)]
pub struct ChainedRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub chain_seq: Option<i64>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Text>)]
    pub actor_username: Option<String>,
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub resource_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub resource_id: Option<String>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub details: Option<serde_json::Value>,
    #[diesel(sql_type = Nullable<Text>)]
    pub ip_address: Option<String>,
    /// The exact text `audit_log_content_hash` hashes, before the predecessor's hash.
    #[serde(skip)]
    #[diesel(sql_type = Text)]
    pub content: String,
    #[serde(skip)]
    #[diesel(sql_type = Nullable<Text>)]
    pub prev_hash: Option<String>,
    #[serde(skip)]
    #[diesel(sql_type = Nullable<Text>)]
    pub row_hash: Option<String>,
    /// A row written before salted hashes (v1) and erased since: its content no longer
    /// makes its hash, which the erasure recorded (migration 120).
    #[serde(skip)]
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub erased_v1: bool,
}

/// The cycle's audit rows after chain position `after`: the cycle's own, its files',
/// batches' and requests'. The content is `audit_log_row_content` (migration 120), the text
/// the row's hash is made of (tests/it/evidence_export.rs recomputes each row's hash from it).
pub fn audit_rows(
    conn: &mut PgConnection,
    (company, project, cycle): (CompanyId, ProjectId, CycleId),
    after: i64,
    limit: i64,
) -> QueryResult<Vec<ChainedRow>> {
    diesel::sql_query(
        "SELECT a.id, a.chain_seq, a.created_at, a.actor_username, a.action, a.resource_type,
                a.resource_id, a.details, a.ip_address,
                audit_log_row_content(a) AS content,
                encode(a.prev_hash, 'hex') AS prev_hash, encode(a.row_hash, 'hex') AS row_hash,
                EXISTS (SELECT 1 FROM audit_v1_erasures e WHERE e.audit_id = a.id)
                    AS erased_v1
         FROM audit_log a
         WHERE a.company_id = $1 AND a.project_id = $2
           AND a.chain_seq IS NOT NULL AND a.chain_seq > $4
           AND ((a.resource_type = 'cycle' AND a.resource_id = $3::text)
             OR (a.resource_type = 'file' AND a.resource_id IN
                   (SELECT f.id::text FROM file_uploads f WHERE f.cycle_id = $3))
             OR (a.resource_type = 'sync_session' AND a.resource_id IN
                   (SELECT s.id::text FROM sync_sessions s WHERE s.cycle_id = $3))
             OR (a.resource_type = 'cycle_request' AND a.resource_id IN
                   (SELECT r.id::text FROM cycle_requests r WHERE r.cycle_id = $3)))
         ORDER BY a.chain_seq
         LIMIT $5",
    )
    .bind::<Integer, _>(company.0)
    .bind::<Integer, _>(project.0)
    .bind::<Integer, _>(cycle.0)
    .bind::<BigInt, _>(after)
    .bind::<BigInt, _>(limit)
    .load(conn)
}
