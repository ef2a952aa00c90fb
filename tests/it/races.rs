//! Races between uploads: the same content sent at the same moment in several batches is
//! stored once; the others end skipped as its duplicates, and nothing is left behind.

use diesel::prelude::*;
use hopper::schema::file_uploads;

use crate::helpers::TestApp;
use crate::uploads::assert_every_batch_matches_its_rows;
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
    // Six batches of one user at once: above the default of four per user.
    let app = TestApp::spawn_with_private_s3(|c| c.uploads.max_batches_per_user = 6).await;
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
    assert_eq!(assert_every_batch_matches_its_rows(&app), 12);
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
    use hopper::db::models::file_transitions;
    use hopper::db::models::new_file::{self, NewFile};
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
    let file = new_file::insert_uploading(
        &mut conn,
        &NewFile {
            runner: None,
            session,
            company: app.default_company(),
            location,
            cycle: t.cycle,
            file_path: "late.bin",
            s3_key: "default/late.bin",
            request: None,
        },
    )
    .expect("row")
    .expect("the key is free");
    assert!(file_transitions::fail(&mut conn, file, 0, &"reaped".into()).expect("fail"));
    let stored = file_transitions::StoredFile {
        size: 3,
        checksum: "abc",
        content_type: "text/plain",
    };
    assert!(file_transitions::complete(&mut conn, file, &stored, None)
        .expect("complete")
        .is_none());
    assert!(!file_transitions::skip(&mut conn, file, 3, "abc", file).expect("skip"));
    assert!(!file_transitions::fail(&mut conn, file, 3, &"again".into()).expect("fail twice"));
    assert!(
        !file_transitions::claim_content(&mut conn, file, "abc", 3, "text/plain").expect("claim")
    );
    let status: String = file_uploads::table
        .find(file)
        .select(file_uploads::status)
        .first(&mut conn)
        .expect("status");
    assert_eq!(status, "failed");
}

/// A node that restarts (after a crash or kill -9) settles the uploads its earlier run left
/// `uploading` at once, recording the bytes that had arrived, without waiting for the
/// staleness window; another node's fresh uploads are left alone.
#[actix_web::test]
async fn a_restarted_node_settles_its_own_interrupted_uploads_at_once() {
    use hopper::schema::sync_sessions;
    let app = TestApp::spawn().await;
    let t = target(&app).await;
    let node = app.state.config.node_id.clone();
    let location: hopper::db::ids::StorageLocationId = hopper::schema::projects::table
        .find(t.project)
        .select(hopper::schema::projects::storage_location_id)
        .first(&mut app.conn())
        .expect("location");
    let interrupted = |runner: &str, boot: uuid::Uuid, path: &str| {
        let session: hopper::db::ids::SyncSessionId = diesel::insert_into(sync_sessions::table)
            .values((
                sync_sessions::project_id.eq(t.project),
                sync_sessions::cycle_id.eq(t.cycle),
                sync_sessions::status.eq("in_progress"),
                sync_sessions::total_files.eq(1),
            ))
            .returning(sync_sessions::id)
            .get_result(&mut app.conn())
            .expect("session");
        diesel::insert_into(file_uploads::table)
            .values((
                file_uploads::session_id.eq(session),
                file_uploads::company_id.eq(app.default_company()),
                file_uploads::cycle_id.eq(t.cycle),
                file_uploads::storage_location_id.eq(location),
                file_uploads::file_path.eq(path),
                file_uploads::s3_key.eq(format!("default/{path}")),
                file_uploads::status.eq("uploading"),
                file_uploads::file_size.eq(96 * 1024 * 1024_i64),
                file_uploads::node_id.eq(runner),
                file_uploads::boot_id.eq(boot),
            ))
            .execute(&mut app.conn())
            .expect("file");
        session
    };
    let mine = interrupted(&node, uuid::Uuid::new_v4(), "mine.bin");
    let theirs = interrupted("another-node", uuid::Uuid::new_v4(), "theirs.bin");

    // The same node starts again on the same database.
    let mut config = crate::helpers::test_config(app.database_url.clone());
    config.node_id = node;
    let restarted = hopper::startup::Application::build(config)
        .await
        .expect("restart");
    let services = restarted.state().services.clone();
    let settled = hopper::services::reaper::settle_previous_boots(&services)
        .await
        .expect("settle");
    assert!(
        settled <= 1,
        "the background pass may have settled it first"
    );
    let status = |path: &str| -> (String, Option<i64>) {
        file_uploads::table
            .filter(file_uploads::file_path.eq(path))
            .select((file_uploads::status, file_uploads::file_size))
            .first(&mut app.conn())
            .expect("row")
    };
    // The background pass may hold the row in its own transaction (the call above then
    // skips it): wait for whichever settles it to commit.
    crate::upload_failures::eventually("this node's interrupted upload is settled", || {
        status("mine.bin").0 != "uploading"
    })
    .await;
    assert_eq!(
        status("mine.bin"),
        ("failed".to_owned(), Some(96 * 1024 * 1024))
    );
    assert_eq!(
        status("theirs.bin").0,
        "uploading",
        "another node's upload is left alone"
    );
    let session_status = |session: hopper::db::ids::SyncSessionId| -> String {
        sync_sessions::table
            .find(session)
            .select(sync_sessions::status)
            .first(&mut app.conn())
            .expect("session")
    };
    assert_eq!(session_status(mine), "failed");
    assert_eq!(session_status(theirs), "in_progress");
    assert_counters_match_rows(&app, mine);
}
