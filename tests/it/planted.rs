//! What a node that died mid-upload leaves in the database: a batch still in progress
//! and a file still `uploading`, last touched a while ago, perhaps with an open multipart
//! upload's id or an intent to complete (checksum, size, `completing_since`).

use diesel::prelude::*;
use hopper::db::ids::{FileUploadId, SyncSessionId};
use hopper::schema::{file_uploads, sync_sessions};

use crate::helpers::TestApp;
use crate::uploads::{sha256, Target};

pub struct Abandoned<'a> {
    pub path: &'a str,
    /// How long ago the file last made progress.
    pub age: chrono::Duration,
    pub node: &'a str,
    /// The bytes the node meant to complete, when it got that far.
    pub intent: Option<&'a [u8]>,
    pub upload_id: Option<&'a str>,
}

pub struct Planted {
    pub session: SyncSessionId,
    pub file: FileUploadId,
    pub key: String,
}

impl<'a> Abandoned<'a> {
    pub fn new(path: &'a str) -> Self {
        Self {
            path,
            age: chrono::Duration::hours(1),
            node: "a-node-that-died",
            intent: None,
            upload_id: None,
        }
    }

    pub fn plant(&self, app: &TestApp, t: &Target) -> Planted {
        let since = chrono::Utc::now() - self.age;
        let key = format!("{}/{}", t.prefix, self.path);
        let session: SyncSessionId = diesel::insert_into(sync_sessions::table)
            .values((
                sync_sessions::project_id.eq(t.project),
                sync_sessions::cycle_id.eq(t.cycle),
                sync_sessions::user_id.eq(t.uploader.id),
                sync_sessions::status.eq("in_progress"),
                sync_sessions::total_files.eq(1),
                sync_sessions::total_size_bytes.eq(0i64),
                sync_sessions::created_at.eq(since),
            ))
            .returning(sync_sessions::id)
            .get_result(&mut app.conn())
            .expect("session");
        let file: FileUploadId = diesel::insert_into(file_uploads::table)
            .values((
                file_uploads::session_id.eq(session),
                file_uploads::company_id.eq(app.default_company()),
                file_uploads::cycle_id.eq(t.cycle),
                file_uploads::file_path.eq(self.path),
                file_uploads::s3_key.eq(&key),
                file_uploads::status.eq("uploading"),
                file_uploads::node_id.eq(self.node),
                file_uploads::s3_upload_id.eq(self.upload_id),
                file_uploads::checksum.eq(self.intent.map(sha256)),
                file_uploads::file_size.eq(self.intent.map(|b| b.len() as i64)),
                file_uploads::content_type.eq(self.intent.map(|_| "application/octet-stream")),
                file_uploads::completing_since.eq(self.intent.map(|_| since)),
                file_uploads::updated_at.eq(since),
            ))
            .returning(file_uploads::id)
            .get_result(&mut app.conn())
            .expect("file");
        Planted { session, file, key }
    }
}
