//! The operator's admin commands against an existing database.

use std::process::Command;

use diesel::prelude::*;
use hopper::schema::{auth_sessions, users};

use crate::helpers::{TestApp, UserFixture};

fn run_hopper(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_hopper"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run hopper");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn one_time_password(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.split("sign-in): ").nth(1))
        .expect("the one-time password is printed")
        .trim()
        .to_owned()
}

#[actix_web::test]
async fn create_superadmin_and_reset_password_print_a_one_time_password() {
    let app = TestApp::spawn().await;
    let (ok, stdout, stderr) = run_hopper(
        &app.database_url,
        &[
            "create-superadmin",
            "--username",
            "operator",
            "--email",
            "ops@example.test",
        ],
    );
    assert!(ok, "{stderr}");
    let password = one_time_password(&stdout);
    let page = app.sign_in("operator", &password).await;
    assert_eq!(
        page.location.as_deref(),
        Some("/account/password"),
        "must change it first"
    );
    assert_eq!(app.audit_rows("admin.superadmin_created").len(), 1);

    let (ok, _, stderr) = run_hopper(
        &app.database_url,
        &[
            "create-superadmin",
            "--username",
            "operator",
            "--email",
            "other@example.test",
        ],
    );
    assert!(!ok);
    assert!(stderr.contains("is taken"), "{stderr}");

    let alice = UserFixture::new("alice").create(&app).await;
    let client = TestApp::new_client();
    app.sign_in_with(&client, "alice", &alice.password).await;
    let (ok, stdout, stderr) = run_hopper(
        &app.database_url,
        &["reset-password", "--username", "alice"],
    );
    assert!(ok, "{stderr}");
    let new_password = one_time_password(&stdout);
    assert_eq!(
        app.get_with(&client, "/").await.location.as_deref(),
        Some("/login"),
        "signed out everywhere"
    );
    let live: i64 = auth_sessions::table
        .inner_join(users::table)
        .filter(users::username.eq("alice"))
        .filter(auth_sessions::revoked_at.is_null())
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(live, 0);
    let fresh = TestApp::new_client();
    assert_eq!(
        app.sign_in_with(&fresh, "alice", &alice.password)
            .await
            .status,
        401
    );
    let page = app.sign_in_with(&fresh, "alice", &new_password).await;
    assert_eq!(page.location.as_deref(), Some("/account/password"));
    assert_eq!(app.audit_rows("admin.password_reset").len(), 1);
}
