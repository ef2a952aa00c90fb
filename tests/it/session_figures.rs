//! Each project's figures over its settled sessions are kept by triggers on the sessions
//! (migration 190): whatever writes the sessions — a session settling, a settled one's
//! counters moving, one reopened, moved or deleted, its project deleted — the kept row
//! equals the sum of its settled sessions' counters, and the project summary adds the
//! sessions still open.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Int4};

use crate::figures_agree::{row_of, value_at};
use crate::helpers::{create_cycle, create_project, TestApp, UserFixture};

#[derive(QueryableByName, Debug, PartialEq)]
struct Figures {
    #[diesel(sql_type = Int4)]
    project_id: i32,
    #[diesel(sql_type = BigInt)]
    sessions: i64,
    #[diesel(sql_type = BigInt)]
    total_files: i64,
    #[diesel(sql_type = BigInt)]
    files_uploaded: i64,
    #[diesel(sql_type = BigInt)]
    files_failed: i64,
    #[diesel(sql_type = BigInt)]
    files_skipped: i64,
    #[diesel(sql_type = BigInt)]
    total_bytes: i64,
    #[diesel(sql_type = BigInt)]
    uploaded_bytes: i64,
}

fn kept(app: &TestApp) -> Vec<Figures> {
    diesel::sql_query(
        "SELECT * FROM project_session_figures WHERE sessions <> 0 ORDER BY project_id",
    )
    .load(&mut app.conn())
    .expect("kept figures")
}

fn summed(app: &TestApp) -> Vec<Figures> {
    diesel::sql_query(
        "SELECT project_id, count(*) AS sessions,
                coalesce(sum(total_files), 0)::bigint AS total_files,
                coalesce(sum(files_uploaded), 0)::bigint AS files_uploaded,
                coalesce(sum(files_failed), 0)::bigint AS files_failed,
                coalesce(sum(files_skipped), 0)::bigint AS files_skipped,
                coalesce(sum(total_size_bytes), 0)::bigint AS total_bytes,
                coalesce(sum(uploaded_size_bytes), 0)::bigint AS uploaded_bytes
           FROM sync_sessions WHERE status IN ('completed', 'failed')
          GROUP BY project_id ORDER BY project_id",
    )
    .load(&mut app.conn())
    .expect("summed figures")
}

#[actix_web::test]
async fn kept_project_figures_follow_their_settled_sessions() {
    let app = TestApp::spawn().await;
    let company = app.default_company();
    let (alpha, beta) = (
        create_project(&app, company, "Alpha"),
        create_project(&app, company, "Beta"),
    );
    let (a1, b1) = (create_cycle(&app, alpha, 1), create_cycle(&app, beta, 1));
    let session = |project, cycle, status: &str, files: i32, uploaded: i32| {
        format!(
            "INSERT INTO sync_sessions (project_id, cycle_id, s3_prefix, status, total_files,
                 files_uploaded, files_failed, files_skipped, total_size_bytes, uploaded_size_bytes)
             VALUES ({project}, {cycle}, 'p{project}/C1', '{status}', {files}, {uploaded},
                     {files} - {uploaded}, 0, {files} * 100, {uploaded} * 100);"
        )
    };
    let step = |sql: String| {
        app.conn().batch_execute(&sql).expect("sessions");
        assert_eq!(kept(&app), summed(&app), "after {sql}");
    };
    step(
        session(alpha, a1, "in_progress", 5, 2)
            + &session(alpha, a1, "completed", 3, 3)
            + &session(alpha, a1, "failed", 4, 1)
            + &session(beta, b1, "completed", 7, 7),
    );
    assert_eq!(kept(&app).len(), 2);
    // The open one settles; a settled one's counters move; one reopens; one moves.
    step(format!(
        "UPDATE sync_sessions SET status = 'completed', files_uploaded = 5, files_failed = 0
          WHERE project_id = {alpha} AND status = 'in_progress';"
    ));
    step(format!(
        "UPDATE sync_sessions SET files_skipped = files_skipped + 2 WHERE project_id = {alpha};"
    ));
    step(format!(
        "UPDATE sync_sessions SET status = 'in_progress' WHERE project_id = {alpha} AND total_files = 4;"
    ));
    step(format!(
        "UPDATE sync_sessions SET project_id = {beta}, cycle_id = {b1}
          WHERE project_id = {alpha} AND total_files = 3;"
    ));
    step(format!(
        "DELETE FROM sync_sessions WHERE project_id = {beta} AND total_files = 7;"
    ));

    // The summary adds the sessions still open to the kept row.
    let admin = UserFixture::new("ada").role("admin").create(&app).await;
    let admin = app.session_for(&admin).await;
    let page = admin.get("/dashboard").await.body;
    let row = row_of(&page, &format!("data-project=\"{alpha}\""));
    let cell = |class: &str| value_at(&page, row, &format!("class=\"num {class}\""));
    let (open, settled): (i64, i64) = (
        count_of(&app, alpha, "status = 'in_progress'"),
        count_of(&app, alpha, "status IN ('completed', 'failed')"),
    );
    assert_eq!((open, settled), (1, 1));
    assert_eq!(cell("sessions"), "2");
    assert_eq!(cell("uploaded"), "6", "5 settled and 1 open");
    assert_eq!(cell("skipped"), "4");

    // A project deleted with its sessions takes its row along.
    step(format!("DELETE FROM projects WHERE id = {beta};"));
    let left: i64 = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM project_session_figures WHERE project_id = {beta}"
    ))
    .get_result::<Count>(&mut app.conn())
    .expect("rows")
    .n;
    assert_eq!(left, 0);
}

fn count_of(app: &TestApp, project: hopper::db::ids::ProjectId, filter: &str) -> i64 {
    diesel::sql_query(format!(
        "SELECT count(*) AS n FROM sync_sessions WHERE project_id = {project} AND {filter}"
    ))
    .get_result::<Count>(&mut app.conn())
    .expect("count")
    .n
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}
