//! Retention: a project that keeps files N days after their cycle closed has their bytes
//! deleted once the clock passes that, each row kept as a tombstone (path, size, checksum,
//! when, why) and audited; a dry run deletes nothing; `hopper retention run` prints it.

use std::process::Command;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use hopper::db::ids::{CycleId, FileUploadId, ProjectId};
use hopper::schema::{cycles, file_uploads};
use hopper::services::retention::{self, RetentionReport};

use crate::helpers::{app_role_url, cluster, create_cycle, TestApp, UserFixture, UserSession};
use crate::uploads::{content, form, s3_object, sha256, target, Target};

pub type Tombstone = (
    String,
    Option<i64>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

pub fn tombstone(app: &TestApp, id: FileUploadId) -> Tombstone {
    file_uploads::table
        .find(id)
        .select((
            file_uploads::file_path,
            file_uploads::file_size,
            file_uploads::checksum,
            file_uploads::retired_at,
            file_uploads::retired_reason,
            file_uploads::bytes_deleted_at,
            file_uploads::deleted_at,
        ))
        .first(&mut app.conn())
        .expect("the row stays")
}

pub fn file_of(app: &TestApp, cycle: CycleId, path: &str) -> (FileUploadId, String) {
    file_uploads::table
        .filter(file_uploads::cycle_id.eq(cycle))
        .filter(file_uploads::file_path.eq(path))
        .select((file_uploads::id, file_uploads::s3_key))
        .first(&mut app.conn())
        .expect("file")
}

pub async fn run(app: &TestApp, dry_run: bool) -> RetentionReport {
    retention::run_once(&app.state.services, dry_run)
        .await
        .expect("retention runs")
}

pub async fn upload(
    session: &UserSession<'_>,
    project: ProjectId,
    cycle: CycleId,
    files: &[(&str, &[u8])],
) {
    let sent = session
        .upload(
            &format!("/projects/{project}/cycles/{cycle}/upload"),
            form(files),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
}

pub async fn keep_for(admin: &UserSession<'_>, project: ProjectId, days: Option<i32>) {
    let days_text = days.map_or_else(String::new, |d| d.to_string());
    let keep = if days.is_some() { "days" } else { "forever" };
    let saved = admin
        .post(
            &format!("/admin/projects/{project}/retention"),
            &[("keep", keep), ("days", &days_text)],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
}

/// The project keeps files one day; its cycle is closed, and the clock moves two days on:
/// the cycle's files are due.
pub async fn closed_a_day_past_retention(app: &TestApp, admin: &UserSession<'_>, t: &Target) {
    keep_for(admin, t.project, Some(1)).await;
    close(admin, t.project, t.cycle).await;
    app.state
        .services
        .clock()
        .advance(chrono::Duration::days(2));
}

pub async fn close(admin: &UserSession<'_>, project: ProjectId, cycle: CycleId) {
    let closed = admin
        .post(
            &format!("/admin/projects/{project}/cycles/{cycle}/close"),
            &[],
        )
        .await;
    assert_eq!(closed.status, 303, "{}", closed.body);
}

/// A project, its first cycle with files sent by its uploader, and its admin.
pub async fn setup(app: &TestApp) -> (Target, crate::helpers::TestUser) {
    let t = target(app).await;
    let admin = UserFixture::new("alice").role("admin").create(app).await;
    (t, admin)
}

#[actix_web::test]
async fn retention_deletes_bytes_n_days_after_the_close_and_keeps_a_tombstone() {
    let app = TestApp::spawn().await;
    let (t, admin) = setup(&app).await;
    let alice = app.session_for(&admin).await;
    let uma = app.session_for(&t.uploader).await;
    let (a, b) = (content(3000, 1), content(5000, 2));
    upload(&uma, t.project, t.cycle, &[("a.bin", &a), ("b.bin", &b)]).await;
    // Cycle 2 stays open: its files are kept whatever the clock says.
    let open_cycle = create_cycle(&app, t.project, 2);
    upload(&uma, t.project, open_cycle, &[("c.bin", &content(100, 3))]).await;

    // A non-admin cannot change retention.
    let refused = uma
        .post(
            &format!("/admin/projects/{}/retention", t.project),
            &[("keep", "days"), ("days", "1")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let out_of_range = alice
        .post(
            &format!("/admin/projects/{}/retention", t.project),
            &[("keep", "days"), ("days", "0")],
        )
        .await;
    assert_eq!(out_of_range.status, 400, "{}", out_of_range.body);
    keep_for(&alice, t.project, Some(30)).await;
    let changed = app.audit_rows("project.retention_changed");
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].details["after"]["retention_days"], 30);
    let page = alice.get(&format!("/admin/projects/{}", t.project)).await;
    assert!(page.body.contains("id=\"records\""), "{}", page.body);

    // Not closed: nothing is due, however late.
    app.state
        .services
        .clock()
        .advance(chrono::Duration::days(400));
    assert!(run(&app, false).await.deleted.is_empty());
    // Sessions end while the clock moves: sign in again.
    let alice = app.session_for(&admin).await;
    close(&alice, t.project, t.cycle).await;

    // Closed 29 days ago: still kept.
    app.state
        .services
        .clock()
        .advance(chrono::Duration::days(29));
    let early = run(&app, false).await;
    assert!(early.deleted.is_empty(), "{early:?}");

    // 31 days: a dry run says what would go and deletes nothing.
    app.state
        .services
        .clock()
        .advance(chrono::Duration::days(2));
    let dry = run(&app, true).await;
    let mut paths: Vec<&str> = dry.deleted.iter().map(|l| l.path.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(paths, ["a.bin", "b.bin"], "{dry:?}");
    let (a_id, a_key) = file_of(&app, t.cycle, "a.bin");
    assert_eq!(
        s3_object(&app, &t.bucket, &a_key).await.as_deref(),
        Some(&a[..])
    );
    assert!(
        tombstone(&app, a_id).3.is_none(),
        "a dry run tombstones nothing"
    );
    assert!(app.audit_rows("file.retention_deleted").is_empty());

    let done = run(&app, false).await;
    assert_eq!(done.deleted.len(), 2, "{done:?}");
    assert_eq!(done.bytes_deleted, 2);
    assert_eq!(done.bytes_pending, 0);
    assert!(
        done.deleted[0].why.contains("30 days"),
        "{:?}",
        done.deleted[0]
    );
    assert_eq!(
        s3_object(&app, &t.bucket, &a_key).await,
        None,
        "the bytes are gone"
    );
    let (path, size, checksum, retired, why, bytes_gone, deleted) = tombstone(&app, a_id);
    assert_eq!(path, "a.bin");
    assert_eq!(size, Some(3000));
    assert_eq!(checksum.as_deref(), Some(sha256(&a).as_str()));
    // When: on Hopper's clock, now (31 days after the close), not the wall clock's.
    let retired = retired.expect("retired");
    let now = app.state.services.clock().now();
    assert!(
        retired <= now && retired > now - chrono::Duration::minutes(1),
        "{retired}"
    );
    assert!(why.is_some_and(|w| w.contains("retention")));
    assert!(bytes_gone.is_some() && deleted.is_some());
    assert_eq!(app.audit_rows("file.retention_deleted").len(), 2);
    assert_eq!(app.audit_rows("file.bytes_deleted").len(), 2);
    let uma = app.session_for(&t.uploader).await;
    assert_eq!(
        uma.get(&format!("/files/{a_id}/download")).await.status,
        404
    );
    // The receipt still lists it, as a tombstone.
    let batch: hopper::db::ids::SyncSessionId = file_uploads::table
        .find(a_id)
        .select(file_uploads::session_id)
        .first(&mut app.conn())
        .expect("batch");
    let receipt = uma.get(&format!("/uploads/{batch}")).await;
    assert!(receipt.body.contains("tombstone"), "{}", receipt.body);

    // The cycle's evidence still lists them, as deleted by retention, without bytes.
    let alice = app.session_for(&admin).await;
    let url = app.url(&format!("/dashboard/cycles/{}/export.zip", t.cycle));
    let (status, _, zip) = crate::evidence_export::fetch(&alice.http, &url, None).await;
    assert_eq!(status, 200);
    let read = crate::evidence_export::read_with_python(&zip);
    assert!(read["entries"].get("files/a.bin").is_none(), "{read}");
    let manifest = read["manifest"].as_str().expect("manifest");
    assert!(
        manifest
            .lines()
            .any(|l| l.starts_with("a.bin,") && l.contains("DELETED by retention")),
        "{manifest}"
    );

    // The open cycle's file stays; a second run finds nothing more.
    let (c_id, c_key) = file_of(&app, open_cycle, "c.bin");
    assert!(tombstone(&app, c_id).3.is_none());
    assert!(s3_object(&app, &t.bucket, &c_key).await.is_some());
    let again = run(&app, false).await;
    assert!(
        again.deleted.is_empty() && again.bytes_deleted == 0,
        "{again:?}"
    );
}

#[actix_web::test]
async fn a_failed_object_deletion_is_retried_by_the_next_run() {
    let app = TestApp::spawn_with_private_s3(|_| {}).await;
    let (t, admin) = setup(&app).await;
    let alice = app.session_for(&admin).await;
    let uma = app.session_for(&t.uploader).await;
    upload(&uma, t.project, t.cycle, &[("a.bin", &content(1000, 7))]).await;
    closed_a_day_past_retention(&app, &alice, &t).await;
    let (id, _) = file_of(&app, t.cycle, "a.bin");

    app.stop_s3();
    let failed = run(&app, false).await;
    assert_eq!(failed.deleted.len(), 1, "{failed:?}");
    assert_eq!(failed.bytes_pending, 1);
    let row = tombstone(&app, id);
    assert!(
        row.3.is_some() && row.5.is_none(),
        "decided, bytes still to go"
    );

    app.restart_s3();
    let retried = run(&app, false).await;
    assert!(retried.deleted.is_empty());
    assert_eq!(retried.bytes_deleted, 1, "{retried:?}");
    assert!(tombstone(&app, id).5.is_some());
}

#[actix_web::test]
async fn hopper_retention_run_prints_each_file_and_a_dry_run_deletes_nothing() {
    let app = TestApp::spawn().await;
    let (t, admin) = setup(&app).await;
    let alice = app.session_for(&admin).await;
    let uma = app.session_for(&t.uploader).await;
    upload(
        &uma,
        t.project,
        t.cycle,
        &[("ledger.bin", &content(2048, 9))],
    )
    .await;
    keep_for(&alice, t.project, Some(10)).await;
    close(&alice, t.project, t.cycle).await;
    // The command runs on the real clock: the cycle closed 11 days ago.
    diesel::update(cycles::table.find(t.cycle))
        .set(cycles::closed_at.eq(Utc::now() - chrono::Duration::days(11)))
        .execute(&mut app.conn())
        .expect("move the close back");
    let (id, key) = file_of(&app, t.cycle, "ledger.bin");

    let hopper = |args: &[&str]| {
        let credentials = cluster().s3.credentials();
        let output = Command::new(env!("CARGO_BIN_EXE_hopper"))
            .args(args)
            .env("RUST_LOG", "warn")
            .env("DATABASE_URL", &app.database_url)
            .env("HOPPER_APP_DATABASE_URL", app_role_url(&app.database_url))
            .env("HOPPER_S3_ENDPOINT", cluster().s3.endpoint())
            .env("HOPPER_S3_FORCE_PATH_STYLE", "true")
            .env("AWS_ACCESS_KEY_ID", &credentials.access_key_id)
            .env(
                "AWS_SECRET_ACCESS_KEY",
                credentials.secret_access_key.expose(),
            )
            .output()
            .expect("run hopper");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (ok, stdout, stderr) = hopper(&["retention", "run", "--dry-run"]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("would delete: DEFAULT / Intake / C1 / ledger.bin (2048 bytes)"),
        "{stdout}"
    );
    assert!(stdout.contains("dry run: 1 files"), "{stdout}");
    assert!(s3_object(&app, &t.bucket, &key).await.is_some());
    assert!(tombstone(&app, id).3.is_none());

    let (ok, stdout, stderr) = hopper(&["retention", "run"]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("deleted: DEFAULT / Intake / C1 / ledger.bin"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 objects removed from storage"),
        "{stdout}"
    );
    assert_eq!(s3_object(&app, &t.bucket, &key).await, None);
    assert!(tombstone(&app, id).5.is_some());
}

/// More files than one batch decides (1,000): every one is tombstoned and its object
/// deleted, a batch at a time.
#[actix_web::test]
async fn a_run_goes_through_more_files_than_one_batch() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::spawn().await;
    let project = crate::helpers::create_project(&app, app.default_company(), "Archive");
    let cycle = create_cycle(&app, project, 1);
    app.conn()
        .batch_execute(&format!(
            "UPDATE projects SET retention_days = 7 WHERE id = {project};
             UPDATE cycles SET closed_at = now() - interval '30 days' WHERE id = {cycle};
             INSERT INTO sync_sessions (project_id, cycle_id, status) VALUES ({project}, {cycle}, 'completed');
             INSERT INTO file_uploads (session_id, company_id, cycle_id, storage_location_id,
                                       file_path, s3_key, status, file_size, checksum)
             SELECT s.id, p.company_id, {cycle}, p.storage_location_id, 'f' || n || '.bin',
                    'default/p{project}/C1/f' || n || '.bin', 'completed', n, repeat('a', 64)
               FROM generate_series(1, 1002) AS n, projects p, sync_sessions s
              WHERE p.id = {project} AND s.cycle_id = {cycle};"
        ))
        .expect("a thousand and two files");
    let bucket: String = hopper::schema::projects::table
        .find(project)
        .select(hopper::schema::projects::bucket_name)
        .first(&mut app.conn())
        .expect("bucket");
    app.storage.ensure_bucket(&bucket).await.expect("bucket");
    let report = run(&app, false).await;
    assert_eq!(report.deleted.len(), 1002);
    assert_eq!(
        (report.bytes_deleted, report.bytes_pending),
        (1002, 0),
        "{:?}",
        report.held
    );
    let left: i64 = file_uploads::table
        .filter(file_uploads::bytes_deleted_at.is_null())
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(left, 0);
}

/// While another node runs retention (it holds the lock), a run does nothing and says so.
#[actix_web::test]
async fn one_node_runs_retention_at_a_time() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::spawn().await;
    let mut other_node = app.conn();
    other_node
        .batch_execute("SELECT pg_advisory_lock(x'686f707065720003'::bigint)")
        .expect("the other node's lock");
    let report = run(&app, false).await;
    assert!(report.busy, "{report:?}");
    other_node
        .batch_execute("SELECT pg_advisory_unlock(x'686f707065720003'::bigint)")
        .expect("unlock");
    assert!(!run(&app, false).await.busy);
}
