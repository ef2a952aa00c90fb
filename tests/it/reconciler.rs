//! Intent before effect: an object S3 stored whose row never completed (a crash, or a
//! commit that failed after S3 answered) is settled by reading it back; versions of a
//! file never overwrite each other's bytes.

use std::time::Duration;

use diesel::prelude::*;
use hopper::db::ids::{FileUploadId, SyncSessionId};
use hopper::schema::file_uploads;
use hopper::services::reconciler::{self, ReconcileReport, Sweep};

use crate::helpers::TestApp;
use crate::planted::Abandoned;
use crate::uploads::{
    assert_counters_match_rows, content, form, s3_object, sha256, target, Target,
};

/// What a node leaves when it dies between S3 storing an object and the row saying so,
/// last touched ten minutes ago (younger than the app's own 15-minute sweep, so only the
/// test's sweeps see it).
fn plant_intent(
    app: &TestApp,
    t: &Target,
    path: &str,
    expected: &[u8],
) -> (SyncSessionId, FileUploadId, String) {
    let planted = Abandoned {
        age: chrono::Duration::minutes(10),
        intent: Some(expected),
        ..Abandoned::new(path)
    }
    .plant(app, t);
    (planted.session, planted.file, planted.key)
}

async fn put(app: &TestApp, t: &Target, key: &str, bytes: &[u8]) {
    app.storage.ensure_bucket(&t.bucket).await.expect("bucket");
    app.storage
        .client()
        .put_object()
        .bucket(&t.bucket)
        .key(key)
        .body(bytes.to_vec().into())
        .send()
        .await
        .expect("put");
}

async fn sweep(app: &TestApp) -> ReconcileReport {
    let sweep = Sweep {
        older_than: Duration::from_secs(300),
        earlier_runs_of_this_node: false,
    };
    reconciler::run_once(&app.state.services, sweep)
        .await
        .expect("reconciler")
}

fn status_and_reason(app: &TestApp, file: FileUploadId) -> (String, Option<String>) {
    file_uploads::table
        .find(file)
        .select((file_uploads::status, file_uploads::error_message))
        .first(&mut app.conn())
        .expect("file")
}

#[actix_web::test]
async fn an_object_stored_before_a_crash_completes_its_row_once_its_bytes_are_verified() {
    let app = TestApp::spawn().await;
    let t = target(&app).await;
    let bytes = content(300_000, 3);
    let (session, file, key) = plant_intent(&app, &t, "stored.bin", &bytes);
    put(&app, &t, &key, &bytes).await;

    let report = sweep(&app).await;
    assert_eq!(
        (report.completed, report.failed, report.in_doubt),
        (1, 0, 0)
    );
    assert_eq!(status_and_reason(&app, file).0, "completed");
    assert_counters_match_rows(&app, session);
    let audit = app.audit_rows("file.reconciled");
    assert_eq!(audit.len(), 1);
    assert!(audit[0]
        .details
        .to_string()
        .contains("the stored bytes match"));
    // A second pass finds nothing left.
    assert_eq!(sweep(&app).await, ReconcileReport::default());
}

#[actix_web::test]
async fn a_stray_object_with_other_bytes_is_deleted_and_its_row_failed() {
    let app = TestApp::spawn().await;
    let t = target(&app).await;
    let (session, file, key) = plant_intent(&app, &t, "torn.bin", &content(300_000, 4));
    put(&app, &t, &key, b"not what was sent").await;

    let report = sweep(&app).await;
    assert_eq!((report.completed, report.failed), (0, 1));
    let (status, reason) = status_and_reason(&app, file);
    assert_eq!(status, "failed");
    assert!(reason.unwrap_or_default().contains("other bytes"));
    assert!(
        s3_object(&app, &t.bucket, &key).await.is_none(),
        "the stray object is gone"
    );
    assert_counters_match_rows(&app, session);
}

#[actix_web::test]
async fn an_intent_whose_object_never_arrived_fails_its_row() {
    let app = TestApp::spawn().await;
    let t = target(&app).await;
    let (session, file, _) = plant_intent(&app, &t, "never.bin", b"never stored");
    app.storage.ensure_bucket(&t.bucket).await.expect("bucket");

    assert_eq!(sweep(&app).await.failed, 1);
    let (status, reason) = status_and_reason(&app, file);
    assert_eq!(status, "failed");
    assert!(reason.unwrap_or_default().contains("did not store"));
    assert_counters_match_rows(&app, session);
}

#[actix_web::test]
async fn the_reaper_leaves_an_upload_in_doubt_to_the_reconciler() {
    let app = TestApp::spawn().await;
    let t = target(&app).await;
    let bytes = content(1000, 5);
    let (_, file, key) = plant_intent(&app, &t, "doubt.bin", &bytes);
    put(&app, &t, &key, &bytes).await;
    let reaped = hopper::services::reaper::run_once(&app.state.services, Duration::from_secs(60))
        .await
        .expect("reaper");
    assert_eq!(
        reaped.failed_files, 0,
        "failing it would orphan stored bytes"
    );
    assert_eq!(status_and_reason(&app, file).0, "uploading");
    sweep(&app).await;
    assert_eq!(status_and_reason(&app, file).0, "completed");
}

#[actix_web::test]
async fn versions_of_one_path_sent_at_once_each_keep_their_own_bytes() {
    let app = TestApp::spawn_with(|c| c.uploads.max_batches_per_user = 8).await;
    let t = target(&app).await;
    let mut sessions = Vec::new();
    for _ in 0..5 {
        sessions.push(app.session_for(&t.uploader).await);
    }
    let versions: Vec<Vec<u8>> = (0..5).map(|n| content(2000 + n, 40 + n as u8)).collect();
    let uploads = sessions.iter().zip(&versions).map(|(session, bytes)| {
        let path = t.path();
        async move { session.upload(&path, form(&[("same.txt", bytes)])).await }
    });
    for page in futures_util::future::join_all(uploads).await {
        assert_eq!(page.status, 200, "{}", page.body);
    }
    let stored: Vec<(String, String, Option<i32>)> = file_uploads::table
        .filter(file_uploads::file_path.eq("same.txt"))
        .filter(file_uploads::status.eq("completed"))
        .select((
            file_uploads::s3_key,
            file_uploads::checksum.assume_not_null(),
            file_uploads::replaced_by,
        ))
        .load::<(String, String, Option<hopper::db::ids::FileUploadId>)>(&mut app.conn())
        .expect("rows")
        .into_iter()
        .map(|(k, c, r)| (k, c, r.map(|id| id.0)))
        .collect();
    assert_eq!(stored.len(), 5);
    let mut keys: Vec<&String> = stored.iter().map(|s| &s.0).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 5, "one key per version: {keys:?}");
    for (key, checksum, _) in &stored {
        let object = s3_object(&app, &t.bucket, key).await.expect("object");
        assert_eq!(&sha256(&object), checksum, "{key} holds its own version");
    }
    let current = stored.iter().filter(|s| s.2.is_none()).count();
    assert_eq!(current, 1, "exactly one current version");
}
