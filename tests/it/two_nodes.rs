//! Two Hopper nodes on one PostgreSQL and one S3: a session made on one works on the
//! other, the same content sent to both at the same moment is stored once, and the
//! reaper and the reconciler do their work once however many nodes run them.

use std::time::Duration;

use diesel::prelude::*;
use hopper::db::ids::FileUploadId;
use hopper::schema::file_uploads;
use hopper::startup::Application;

use crate::helpers::{test_config, TestApp};
use crate::planted::Abandoned;
use crate::uploads::assert_every_batch_matches_its_rows;
use crate::uploads::{content, form, sha256, target, Target};

pub struct SecondNode {
    pub address: String,
    pub state: actix_web::web::Data<hopper::state::AppState>,
}

/// Another node of the same installation: same database, S3 and secret key, its own
/// node id and port.
pub async fn second_node(app: &TestApp) -> SecondNode {
    let mut config = test_config(app.database_url.clone());
    config.s3 = app.state.config.s3.clone();
    config.secret_key = app.state.config.secret_key.clone();
    config.node_id = "node-two".into();
    let node = Application::build(config).await.expect("second node");
    let address = format!("http://{}", node.address());
    let state = node.state();
    actix_web::rt::spawn(node.run_until_stopped());
    SecondNode { address, state }
}

fn url(node: &SecondNode, path: &str) -> String {
    format!("{}{path}", node.address)
}

#[actix_web::test]
async fn a_session_made_on_one_node_works_on_the_other_and_shared_content_is_stored_once() {
    let app = TestApp::spawn_with_private_s3(|_| {}).await;
    let two = second_node(&app).await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;

    // Signed in on node one; node two knows the session (and its CSRF token).
    let home = uma.http.get(url(&two, "/")).send().await.expect("home");
    assert_eq!(home.status(), 200);
    assert!(home.text().await.expect("body").contains("uma"));

    let bytes = content(6 * 1024 * 1024, 31);
    let path = t.path();
    let on_one = uma.upload(&path, form(&[("one.bin", &bytes)]));
    let on_two = async {
        uma.http
            .post(url(&two, &path))
            .header("HX-Request", "true")
            .header("X-CSRF-Token", &uma.csrf)
            .multipart(form(&[("two.bin", &bytes)]))
            .send()
            .await
            .expect("upload on node two")
    };
    let (page_one, page_two) = futures_util::join!(on_one, on_two);
    assert_eq!(page_one.status, 200, "{}", page_one.body);
    assert_eq!(page_two.status(), 200);

    let outcomes: Vec<String> = file_uploads::table
        .filter(file_uploads::checksum.eq(sha256(&bytes)))
        .select(file_uploads::status)
        .load(&mut app.conn())
        .expect("rows");
    let mut outcomes = outcomes;
    outcomes.sort();
    assert_eq!(outcomes, ["completed", "skipped"]);
    assert_every_batch_matches_its_rows(&app);
    assert!(app.open_upload_files().is_empty());
}

/// A file a dead third node left: uploading, no progress for an hour, with or without
/// an intent to complete.
fn abandoned(app: &TestApp, t: &Target, path: &str, intent: Option<&[u8]>) -> FileUploadId {
    Abandoned {
        node: "node-three",
        intent,
        ..Abandoned::new(path)
    }
    .plant(app, t)
    .file
}

#[actix_web::test]
async fn the_reaper_and_the_reconciler_settle_each_file_once_across_nodes() {
    let app = TestApp::spawn_with_private_s3(|_| {}).await;
    let two = second_node(&app).await;
    let t = target(&app).await;
    let stale = abandoned(&app, &t, "stale.bin", None);
    let doubtful = abandoned(&app, &t, "doubt.bin", Some(b"never stored"));
    app.storage.ensure_bucket(&t.bucket).await.expect("bucket");

    let sweep = hopper::services::reconciler::Sweep {
        older_than: Duration::from_secs(60),
        earlier_runs_of_this_node: true,
    };
    let status_of = |file: FileUploadId| -> String {
        file_uploads::table
            .find(file)
            .select(file_uploads::status)
            .first(&mut app.conn())
            .expect("file")
    };
    // A pass that finds another holding the lock (a node's own start-up pass) does
    // nothing this time: passes run until both files are settled.
    let (mut settled, mut reaped) = (0, 0);
    for _ in 0..20 {
        let (one, other) = futures_util::join!(
            hopper::services::reconciler::run_once(&app.state.services, sweep),
            hopper::services::reconciler::run_once(&two.state.services, sweep),
        );
        settled += one.expect("node one").failed + other.expect("node two").failed;
        let (one, other) = futures_util::join!(
            hopper::services::reaper::run_once(&app.state.services, Duration::from_secs(60)),
            hopper::services::reaper::run_once(&two.state.services, Duration::from_secs(60)),
        );
        reaped += one.expect("node one").failed_files + other.expect("node two").failed_files;
        if status_of(stale) != "uploading" && status_of(doubtful) != "uploading" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The nodes' own start-up passes may have got there first; either way, once each.
    assert!(settled <= 1 && reaped <= 1, "{settled} {reaped}");
    for file in [stale, doubtful] {
        assert_eq!(status_of(file), "failed");
    }
    assert_eq!(app.audit_rows("file.reconciled").len(), 1);
    assert_eq!(app.audit_rows("upload.reaped").len(), 1);
}

#[actix_web::test]
async fn nodes_starting_at_once_each_migrate_and_grant_the_application_role() {
    // Every start migrates and re-grants the application role its privileges; several
    // nodes starting together (after an outage, a deploy) must not trip over each other's
    // GRANTs ("tuple concurrently updated" failed a node's start).
    let url = crate::helpers::fresh_database();
    let app_url = crate::helpers::app_role_url(&url);
    for _ in 0..5 {
        let starts = (0..4).map(|_| hopper::startup::connect_and_migrate(&url, Some(&app_url), 1));
        for started in futures_util::future::join_all(starts).await {
            if let Err(e) = started {
                panic!("a node failed to start: {e:#}");
            }
        }
    }
}
