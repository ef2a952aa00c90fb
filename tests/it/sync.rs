//! `hopper sync` end to end against the real application: a first run sends everything,
//! an unchanged re-run reads and sends nothing, a changed file is the only one sent, an
//! interrupted run is resumed by the next, a dry run sends nothing, and a refused file
//! makes the exit code 1 with its reason.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use diesel::prelude::*;
use hopper::db::ids::CycleId;
use hopper::schema::{file_uploads, projects, sync_sessions, tus_uploads};

use crate::helpers::TestApp;
use crate::uploads::{content, sha256};

pub fn sync(app: &TestApp, token: &str, dir: &Path, project: i32, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hopper"));
    command
        .args(["sync", &dir.display().to_string(), "--server", &app.address])
        .args(["--project", &project.to_string()])
        .args(extra)
        .env("HOPPER_TOKEN", token)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

pub fn run(mut command: Command) -> (bool, String, String) {
    let output = command.output().expect("run hopper sync");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs `hopper sync` of `dir` into `project` (off the test's runtime) to its end.
pub async fn sync_now(
    app: &TestApp,
    token: &str,
    dir: &Path,
    project: i32,
) -> (bool, String, String) {
    let command = sync(app, token, dir, project, &[]);
    tokio::task::spawn_blocking(move || run(command))
        .await
        .expect("sync")
}

pub fn write(dir: &Path, path: &str, bytes: &[u8]) {
    let full = dir.join(path);
    std::fs::create_dir_all(full.parent().expect("parent")).expect("folder");
    std::fs::write(full, bytes).expect("write");
}

fn batches(app: &TestApp) -> i64 {
    sync_sessions::table
        .count()
        .get_result(&mut app.conn())
        .expect("batches")
}

fn last_session(app: &TestApp) -> (i32, i32, i32) {
    let (uploaded, skipped, failed): (Option<i32>, Option<i32>, Option<i32>) = sync_sessions::table
        .order(sync_sessions::id.desc())
        .select((
            sync_sessions::files_uploaded,
            sync_sessions::files_skipped,
            sync_sessions::files_failed,
        ))
        .first(&mut app.conn())
        .expect("a batch");
    (
        uploaded.unwrap_or(0),
        skipped.unwrap_or(0),
        failed.unwrap_or(0),
    )
}

/// A project, a cycle and a machine token for it (as the tus tests make them).
pub async fn setup(app: &TestApp) -> (i32, CycleId, String) {
    let s = crate::tus::setup(app).await;
    (s.project.0, s.cycle, s.token)
}

#[actix_web::test]
async fn a_folder_syncs_once_and_only_changes_travel_again() {
    let app = TestApp::spawn().await;
    let (project, cycle, token) = setup(&app).await;
    let dir = tempfile::tempdir().expect("folder");
    for i in 0..30 {
        write(
            dir.path(),
            &format!("ledgers/{}/entry-{i}.csv", i % 3),
            &content(2000 + i, i as u8),
        );
    }
    let big = content(6 * 1024 * 1024 + 99, 77);
    write(dir.path(), "scans/big.bin", &big);

    let (ok, stdout, stderr) = sync_now(&app, &token, dir.path(), project).await;
    assert!(ok, "{stdout}\n{stderr}");
    assert_eq!(last_session(&app), (31, 0, 0), "{stdout}");
    let stored: Option<String> = file_uploads::table
        .filter(file_uploads::file_path.eq("scans/big.bin"))
        .select(file_uploads::checksum)
        .first(&mut app.conn())
        .expect("big file");
    assert_eq!(stored.as_deref(), Some(sha256(&big).as_str()));
    assert!(dir.path().join(".hopper-sync.json").exists());

    // Unchanged: nothing is read, nothing is sent, and no (empty) batch is recorded.
    let before = batches(&app);
    let (ok, stdout, _) = run(sync(&app, &token, dir.path(), project, &[]));
    assert!(ok);
    assert!(
        stdout.contains("0 sent") && stdout.contains("0 read"),
        "{stdout}"
    );
    assert!(stdout.contains("no batch was recorded"), "{stdout}");
    assert_eq!(batches(&app), before);
    // Without its state file everything is read again, and still nothing is recorded.
    std::fs::remove_file(dir.path().join(".hopper-sync.json")).expect("forget");
    let (ok, stdout, _) = run(sync(&app, &token, dir.path(), project, &[]));
    assert!(
        ok && stdout.contains("31 read") && stdout.contains("0 sent"),
        "{stdout}"
    );
    assert_eq!(batches(&app), before);

    // One file changed: that one is read and sent.
    std::thread::sleep(Duration::from_millis(20));
    write(dir.path(), "ledgers/0/entry-0.csv", b"changed,1\n");
    let (ok, stdout, _) = run(sync(&app, &token, dir.path(), project, &[]));
    assert!(ok);
    assert!(
        stdout.contains("1 sent") && stdout.contains("1 read"),
        "{stdout}"
    );
    assert_eq!(last_session(&app), (1, 0, 0));

    // A dry run compares and sends nothing.
    write(dir.path(), "new.csv", b"new,1\n");
    let sessions_before: i64 = sync_sessions::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    let (ok, stdout, _) = run(sync(
        &app,
        &token,
        dir.path(),
        project,
        &["--dry-run", "--json"],
    ));
    assert!(ok);
    let plan: serde_json::Value = serde_json::from_str(stdout.trim()).expect("JSON");
    assert_eq!(plan["would_send"], serde_json::json!(["new.csv"]));
    let sessions_after: i64 = sync_sessions::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(sessions_before, sessions_after, "a dry run starts no batch");
    let _ = cycle;
}

#[actix_web::test]
async fn an_interrupted_sync_is_finished_by_the_next_and_failures_set_the_exit_code() {
    let app = TestApp::spawn().await;
    let (project, _, token) = setup(&app).await;
    let dir = tempfile::tempdir().expect("folder");
    let big = content(40 * 1024 * 1024, 5);
    write(dir.path(), "video.bin", &big);

    let mut child = sync(&app, &token, dir.path(), project, &[])
        .spawn()
        .expect("spawn");
    // Killed once a part has landed.
    let mut landed = 0i64;
    for _ in 0..600 {
        landed = tus_uploads::table
            .select(diesel::dsl::max(tus_uploads::landed))
            .first::<Option<i64>>(&mut app.conn())
            .expect("landed")
            .unwrap_or(0);
        if landed > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("kill");
    let _ = child.wait();
    assert!(landed > 0 && landed < big.len() as i64, "landed {landed}");

    let (ok, stdout, stderr) = run(sync(&app, &token, dir.path(), project, &[]));
    assert!(ok, "{stdout}\n{stderr}");
    let (status, checksum): (String, Option<String>) = file_uploads::table
        .filter(file_uploads::file_path.eq("video.bin"))
        .filter(file_uploads::status.eq("completed"))
        .select((file_uploads::status, file_uploads::checksum))
        .first(&mut app.conn())
        .expect("completed");
    assert_eq!(status, "completed");
    assert_eq!(checksum.as_deref(), Some(sha256(&big).as_str()));
    let open: i64 = sync_sessions::table
        .filter(sync_sessions::status.eq("in_progress"))
        .count()
        .get_result(&mut app.conn())
        .expect("open");
    assert_eq!(open, 0, "the interrupted batch was finished too");

    // A file the project does not take: exit code 1, with the reason.
    diesel::update(projects::table)
        .set(projects::allowed_file_types.eq(vec![Some("bin".to_owned())]))
        .execute(&mut app.conn())
        .expect("types");
    write(dir.path(), "notes.txt", b"hello\n");
    let (ok, _, stderr) = run(sync(&app, &token, dir.path(), project, &[]));
    assert!(!ok);
    assert!(
        stderr.contains("notes.txt") && stderr.contains("accepts only bin"),
        "{stderr}"
    );
}

/// Empty files in the folder: the manifest's answer says to upload them, and nothing is
/// sent for them (there are no bytes), so the manifest completes them itself: the run
/// succeeds, one empty object is stored, the second empty file is its duplicate.
#[actix_web::test]
async fn empty_files_sync_without_a_byte_sent() {
    let app = TestApp::spawn().await;
    let (project, _, token) = setup(&app).await;
    let dir = tempfile::tempdir().expect("folder");
    write(dir.path(), "forms/blank.txt", b"");
    write(dir.path(), "forms/blank-too.txt", b"");
    write(dir.path(), "forms/filled.txt", b"something in it");
    let (ok, stdout, stderr) = sync_now(&app, &token, dir.path(), project).await;
    assert!(ok, "{stdout}\n{stderr}");
    assert_eq!(last_session(&app), (2, 1, 0), "{stdout}");
    let empty: Vec<(String, Option<String>)> = file_uploads::table
        .filter(file_uploads::file_size.eq(0))
        .select((file_uploads::status, file_uploads::checksum))
        .order(file_uploads::status)
        .load(&mut app.conn())
        .expect("empty files");
    let nothing = Some(sha256(b""));
    assert_eq!(
        empty,
        vec![
            ("completed".to_owned(), nothing.clone()),
            ("skipped".to_owned(), nothing)
        ]
    );
}
