//! Slow and hostile clients cannot freeze a node: a body must keep a minimum pace, a user
//! runs a few batches at once, and a saturated node says so with a 503 instead of hanging.

use std::time::Duration;

use crate::helpers::{grant_access, TestApp, UserFixture, UserSession};
use crate::streamed::StreamedUpload;
use crate::uploads::{
    assert_counters_match_rows, content, form, latest_session, rows, target, Target,
};

const MIB: usize = 1024 * 1024;

async fn second_uploader(app: &TestApp, t: &Target, name: &str) -> crate::helpers::TestUser {
    let user = UserFixture::new(name).create(app).await;
    grant_access(app, app.default_company(), t.project, user.id, "uploader");
    user
}

#[actix_web::test]
async fn a_trickling_client_is_cut_off_for_its_pace_and_keeps_nothing_half_done() {
    let app = TestApp::spawn_with_private_s3(|c| {
        c.uploads.min_rate = 1000;
        c.uploads.rate_window = Duration::from_secs(1);
    })
    .await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let upload = StreamedUpload::start(&uma, &t);
    upload.file("whole.txt", b"arrived in full").await;
    upload.file_header("trickled.bin").await;
    let response = upload
        .trickle(Duration::from_millis(300))
        .await
        .expect("an answer, not a reset");
    assert_eq!(response.status(), 408);
    let body = response.text().await.expect("body");
    assert!(body.contains("slower than"), "{body}");
    let session = latest_session(&app);
    let files = rows(&app, session);
    assert_eq!(files[0].4, "completed", "{files:?}");
    assert_eq!(files[1].4, "failed", "{files:?}");
    assert_counters_match_rows(&app, session);
    assert!(app.open_upload_files().is_empty());
}

#[actix_web::test]
async fn twenty_trickling_connections_do_not_stop_another_users_upload() {
    let app = TestApp::spawn_with_private_s3(|c| {
        c.uploads.min_rate = 1000;
        c.uploads.rate_window = Duration::from_secs(3);
        c.uploads.max_batches_per_user = 4;
        c.uploads.max_part_buffers = 8;
    })
    .await;
    let t = target(&app).await;
    let victim_user = second_uploader(&app, &t, "vera").await;
    let attacker = app.session_for(&t.uploader).await;
    let victim = app.session_for(&victim_user).await;

    let mut attacks = Vec::new();
    for n in 0..20 {
        let upload = StreamedUpload::start(&attacker, &t);
        upload.file_header(&format!("slow-{n}.bin")).await;
        attacks.push(tokio::spawn(upload.trickle(Duration::from_secs(1))));
    }
    // While they trickle: the victim's 20 MiB upload, a page and the health check.
    let bytes = content(20 * MIB, 7);
    let answer = victim
        .http
        .post(app.url(&t.path()))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &victim.csrf)
        .multipart(form(&[("big.bin", &bytes)]))
        .send()
        .await
        .expect("victim upload");
    assert_eq!(answer.status(), 200);
    assert_eq!(app.get("/healthz").await.status, 200);
    assert_eq!(victim.get("/").await.status, 200);
    let victim_session = latest_session_of(&app, victim_user.id);
    assert_eq!(rows(&app, victim_session)[0].4, "completed");

    let mut statuses = Vec::new();
    for attack in attacks {
        let answer = attack.await.expect("attack task").expect("an answer");
        statuses.push(answer.status().as_u16());
    }
    statuses.sort_unstable();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    let cut_off = statuses.iter().filter(|s| **s == 408).count();
    assert_eq!((refused, cut_off), (16, 4), "{statuses:?}");
    assert!(app.open_upload_files().is_empty());
}

#[actix_web::test]
async fn a_node_without_free_part_buffers_answers_503_with_retry_after() {
    let app = two_buffer_node().await;
    let t = target(&app).await;
    let holders = uploaders(&app, &t, &["hana"]).await;
    // More than the 64 KiB a file stages before it takes a part buffer: both holders
    // hold one of the two buffers.
    let held = slow_files(&app, &t, &holders, 100 * 1024).await;
    crate::upload_failures::eventually("both slow files hold a part buffer", || {
        app.state.services.part_buffers_free() == 0
    })
    .await;

    let third = app
        .session_for(&second_uploader(&app, &t, "ivo").await)
        .await;
    let answer = third
        .http
        .post(app.url(&t.path()))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &third.csrf)
        .multipart(form(&[("third.bin", &content(200 * 1024, 9))]))
        .send()
        .await
        .expect("third upload");
    assert_eq!(answer.status(), 503);
    assert_eq!(
        answer.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(&b"60"[..])
    );
    let body = answer.text().await.expect("body");
    assert!(body.contains("busy"), "{body}");
    let session = latest_session_of(&app, third.user);
    assert_eq!(rows(&app, session)[0].4, "failed");
    assert_counters_match_rows(&app, session);

    for upload in held {
        upload.break_connection().await;
    }
    crate::upload_failures::eventually("no upload is left open", || uploading_rows(&app) == 0)
        .await;
}

/// A node with two part buffers and no pace rule, so slow files stay.
async fn two_buffer_node() -> TestApp {
    TestApp::spawn_with_private_s3(|c| {
        c.uploads.min_rate = 0;
        c.uploads.max_part_buffers = 2;
        c.uploads.buffer_wait = Duration::from_secs(1);
    })
    .await
}

/// The target's uploader and one more per name, each signed in.
async fn uploaders<'a>(app: &'a TestApp, t: &Target, names: &[&str]) -> Vec<UserSession<'a>> {
    let mut all = vec![app.session_for(&t.uploader).await];
    for name in names {
        let user = second_uploader(app, t, name).await;
        all.push(app.session_for(&user).await);
    }
    all
}

/// One file per session whose first `bytes` are sent and then nothing; returns once every
/// file's row is uploading.
async fn slow_files(
    app: &TestApp,
    t: &Target,
    sessions: &[UserSession<'_>],
    bytes: usize,
) -> Vec<StreamedUpload> {
    let mut held = Vec::new();
    for (n, session) in sessions.iter().enumerate() {
        let upload = StreamedUpload::start(session, t);
        upload.file_header(&format!("slow-{n}.bin")).await;
        upload.send(vec![1u8; bytes]).await;
        held.push(upload);
    }
    crate::upload_failures::eventually("every slow file streams", || {
        uploading_rows(app) == sessions.len() as i64
    })
    .await;
    held
}

fn uploading_rows(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use hopper::schema::file_uploads;
    file_uploads::table
        .filter(file_uploads::status.eq("uploading"))
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

fn latest_session_of(
    app: &TestApp,
    user: hopper::db::ids::UserId,
) -> hopper::db::ids::SyncSessionId {
    use diesel::prelude::*;
    use hopper::schema::sync_sessions;
    sync_sessions::table
        .filter(sync_sessions::user_id.eq(user))
        .order(sync_sessions::id.desc())
        .select(sync_sessions::id)
        .first(&mut app.conn())
        .expect("a session of the user")
}

#[actix_web::test]
async fn a_file_named_only_by_filename_star_is_stored_under_that_name() {
    let app = TestApp::spawn_with_private_s3(|_| {}).await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let upload = StreamedUpload::start(&uma, &t);
    upload
        .send(format!(
            "--{}\r\nContent-Disposition: form-data; name=\"files\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt\r\nContent-Type: text/plain\r\n\r\nCurriculum\r\n",
            crate::streamed::BOUNDARY
        ))
        .await;
    let response = upload.finish().await;
    assert_eq!(response.status(), 200);
    let files = rows(&app, latest_session(&app));
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].0, "résumé.txt");
    assert_eq!(files[0].4, "completed");
}

#[actix_web::test]
async fn small_files_and_trickles_never_take_a_part_buffer() {
    let app = two_buffer_node().await;
    let t = target(&app).await;
    let holders = uploaders(&app, &t, &["hana", "ivo"]).await;
    // Three slow files under the 64 KiB staging size: more than the two buffers.
    let held = slow_files(&app, &t, &holders, 1000).await;
    let other = app
        .session_for(&second_uploader(&app, &t, "olga").await)
        .await;
    let answer = other
        .upload(&t.path(), form(&[("whole.bin", &content(MIB, 10))]))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    for upload in held {
        upload.break_connection().await;
    }
}
