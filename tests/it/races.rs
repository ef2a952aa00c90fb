//! Races between uploads: the same content sent at the same moment in several batches is
//! stored once; the others end skipped as its duplicates, and nothing is left behind.

use diesel::prelude::*;
use hopper::schema::file_uploads;

use crate::helpers::TestApp;
use crate::uploads::{assert_counters_match_rows, content, form, sha256, target, PART};

async fn race(app: &TestApp, path: &str, uploader: &crate::helpers::TestUser, bytes: &[u8]) {
    let mut sessions = Vec::new();
    for _ in 0..6 {
        sessions.push(app.session_for(uploader).await);
    }
    let uploads = sessions.iter().enumerate().map(|(i, session)| {
        let name = format!("copy-{i}-of-{}.bin", bytes.len());
        async move { session.upload(path, form(&[(name.as_str(), bytes)])).await }
    });
    for page in futures_util::future::join_all(uploads).await {
        assert_eq!(page.status, 200, "{}", page.body);
    }
}

fn outcomes(app: &TestApp, checksum: &str) -> (i64, i64) {
    let count = |status: &str| -> i64 {
        file_uploads::table
            .filter(file_uploads::checksum.eq(checksum))
            .filter(file_uploads::status.eq(status))
            .count()
            .get_result(&mut app.conn())
            .expect("count")
    };
    (count("completed"), count("skipped"))
}

#[actix_web::test]
async fn the_same_content_in_parallel_batches_is_stored_once() {
    let app = TestApp::spawn_with_private_s3(|_| {}).await;
    let t = target(&app).await;
    for bytes in [content(4096, 11), content(PART + 4096, 12)] {
        race(&app, &t.path(), &t.uploader, &bytes).await;
        assert_eq!(
            outcomes(&app, &sha256(&bytes)),
            (1, 5),
            "{} bytes: one stored, five skipped",
            bytes.len()
        );
    }
    let sessions: Vec<hopper::db::ids::SyncSessionId> = file_uploads::table
        .select(file_uploads::session_id)
        .distinct()
        .load(&mut app.conn())
        .expect("sessions");
    assert_eq!(sessions.len(), 12);
    for session in sessions {
        assert_counters_match_rows(&app, session);
    }
    assert!(
        app.open_upload_files().is_empty(),
        "no multipart upload is left open: {:?}",
        app.open_upload_files()
    );
}

/// Every status change is a guarded transition: a row the reaper failed never flips back
/// to completed or skipped when its upload's late answer arrives.
#[actix_web::test]
async fn a_reaped_file_never_moves_back() {
    use hopper::db::models::file_upload::{FileUpload, NewFile};
    use hopper::domain::FileStatus;
    use hopper::schema::sync_sessions;
    let app = TestApp::spawn().await;
    let t = target(&app).await;
    let session: hopper::db::ids::SyncSessionId = diesel::insert_into(sync_sessions::table)
        .values((
            sync_sessions::project_id.eq(t.project),
            sync_sessions::cycle_id.eq(t.cycle),
            sync_sessions::status.eq("in_progress"),
        ))
        .returning(sync_sessions::id)
        .get_result(&mut app.conn())
        .expect("session");
    let location = hopper::schema::projects::table
        .find(t.project)
        .select(hopper::schema::projects::storage_location_id)
        .first(&mut app.conn())
        .expect("location");
    let mut conn = app.conn();
    let file = FileUpload::insert(
        &mut conn,
        &NewFile {
            session,
            company: app.default_company(),
            location,
            cycle: t.cycle,
            file_path: "late.bin",
            s3_key: "default/late.bin",
        },
        FileStatus::Uploading,
        None,
    )
    .expect("row");
    assert!(FileUpload::mark_failed(&mut conn, file, 0, "reaped").expect("fail"));
    assert!(
        FileUpload::mark_completed(&mut conn, file, 3, "abc", "text/plain", false)
            .expect("complete")
            .is_none()
    );
    assert!(!FileUpload::mark_skipped(&mut conn, file, 3, "abc", file).expect("skip"));
    assert!(!FileUpload::claim_content(&mut conn, file, "abc").expect("claim"));
    let status: String = file_uploads::table
        .find(file)
        .select(file_uploads::status)
        .first(&mut conn)
        .expect("status");
    assert_eq!(status, "failed");
}
