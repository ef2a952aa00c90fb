//! The operator's admin commands against an existing database.

use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use hopper::schema::{auth_sessions, companies, projects, storage_locations, users};

use crate::helpers::{cluster, TestApp, UserFixture};

fn run_hopper(database_url: &str, args: &[&str]) -> (bool, String, String) {
    run_hopper_with(database_url, args, &[])
}

/// `hopper ARGS` against the test's database, with more environment.
pub fn run_hopper_with(
    database_url: &str,
    args: &[&str],
    env: &[(&str, &std::ffi::OsStr)],
) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_hopper"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
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
    let token = crate::api::create_token(
        &app.session_for(&alice).await,
        "/account/tokens",
        &[("name", "laptop"), ("days", "30"), ("scope", "read")],
    )
    .await;
    let token_status = || async {
        app.client
            .get(app.url("/api/v1/projects"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("API call")
            .status()
            .as_u16()
    };
    assert_eq!(token_status().await, 200);
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
    // Her API token went with the reset, audited as the installation's own act.
    assert!(stdout.contains("1 API token(s) revoked"), "{stdout}");
    assert_eq!(token_status().await, 401);
    let revoked = app.audit_rows("api_token.revoked");
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].details["reason"], "password reset");
    assert_eq!(revoked[0].company_id, Some(alice.company_id));
}

/// `hopper audit verify` walks every company's hash chain: a clean log passes; a row a
/// superuser edits behind the triggers' back, or removes, is named; the operator's audit
/// page says when the chains were last verified and what was found.
#[actix_web::test]
async fn audit_verify_names_the_first_row_a_superuser_altered() {
    let app = TestApp::spawn().await;
    let alice = UserFixture::new("alice").create(&app).await;
    app.signed_in_as(&alice).await;
    let stranger = TestApp::new_client();
    assert_eq!(
        app.sign_in_with(&stranger, "nobody", "wrong").await.status,
        401
    );
    let operator = UserFixture::new("olga")
        .role("superadmin")
        .create(&app)
        .await;
    let olga = app.session_for(&operator).await;
    let never = olga.get("/dashboard/audit").await;
    assert!(
        never.body.contains("have not been verified yet"),
        "{}",
        never.body
    );

    let (ok, stdout, stderr) = run_hopper(&app.database_url, &["audit", "verify"]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("every hash holds"), "{stdout}");
    assert!(!stdout.contains("ALTERED"), "{stdout}");

    // A superuser rewrites one of the company's rows behind the triggers' back.
    let row: i64 = hopper::schema::audit_log::table
        .filter(hopper::schema::audit_log::action.eq("auth.sign_in"))
        .filter(hopper::schema::audit_log::actor_username.eq("alice"))
        .select(hopper::schema::audit_log::id)
        .first(&mut app.conn())
        .expect("alice's sign-in");
    app.conn()
        .batch_execute(&format!(
            "ALTER TABLE audit_log DISABLE TRIGGER ALL;
             UPDATE audit_log SET ip_address = '203.0.113.66' WHERE id = {row};
             ALTER TABLE audit_log ENABLE TRIGGER ALL;"
        ))
        .expect("tamper as a superuser");
    let (ok, stdout, _) = run_hopper(&app.database_url, &["audit", "verify"]);
    assert!(!ok, "verify must fail: {stdout}");
    assert!(
        stdout.contains(&format!("audit row {row}: its content was altered")),
        "{stdout}"
    );
    let page = olga.get("/dashboard/audit").await;
    assert!(
        page.body
            .contains(&format!("audit row {row} does not hold")),
        "{}",
        page.body
    );

    // Removing a row is named too: the next row of its chain no longer follows. (The rows
    // of no company, e.g. sign-in attempts, form a chain of their own.)
    app.conn()
        .batch_execute(
            "ALTER TABLE audit_log DISABLE TRIGGER ALL;
             DELETE FROM audit_log WHERE company_id IS NULL AND chain_seq = 1;
             ALTER TABLE audit_log ENABLE TRIGGER ALL;",
        )
        .expect("remove as a superuser");
    let (ok, stdout, _) = run_hopper(&app.database_url, &["audit", "verify"]);
    assert!(!ok);
    assert!(stdout.contains("rows before it were removed"), "{stdout}");
}

#[actix_web::test]
async fn token_create_prints_a_machine_token_that_works() {
    let app = TestApp::spawn().await;
    let project = crate::helpers::create_project(&app, app.default_company(), "Exports");
    let (ok, stdout, stderr) = run_hopper(
        &app.database_url,
        &[
            "token",
            "create",
            "--project",
            &project.to_string(),
            "--scope",
            "upload,read",
            "--expires-days",
            "7",
        ],
    );
    assert!(ok, "{stderr}");
    let token = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Token (shown once): "))
        .expect("the token is printed")
        .trim()
        .to_owned();
    let response = app
        .client
        .get(app.url("/api/v1/projects"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("API call");
    assert_eq!(response.status(), 200);
    let projects: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(projects[0]["id"], project.0);
    let created = app.audit_rows("api_token.created");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].details["by"], "hopper token create");
    assert!(
        !created[0].details.to_string().contains(&token),
        "never the secret"
    );

    let (ok, _, stderr) = run_hopper(
        &app.database_url,
        &["token", "create", "--project", "999999"],
    );
    assert!(!ok);
    assert!(stderr.contains("no live project has id 999999"), "{stderr}");
    let (ok, _, stderr) = run_hopper(
        &app.database_url,
        &[
            "token",
            "create",
            "--project",
            &project.to_string(),
            "--scope",
            "everything",
        ],
    );
    assert!(!ok);
    assert!(stderr.contains("unknown scope"), "{stderr}");
    // The admin scope acts for an admin: a machine token, which acts for nobody, cannot have it.
    let (ok, _, stderr) = run_hopper(
        &app.database_url,
        &[
            "token",
            "create",
            "--project",
            &project.to_string(),
            "--scope",
            "admin",
        ],
    );
    assert!(!ok);
    assert!(stderr.contains("machine token cannot have it"), "{stderr}");
}

/// Logs go to stderr, for every command: `T=$(hopper token create …)` holds the token and
/// nothing else. Beside a running embedded cluster (as beside `hopper serve`), each
/// command logs that it attached to it; that line must not reach stdout.
#[actix_web::test]
async fn logs_go_to_stderr_and_stdout_carries_only_the_commands_output() {
    // The test cluster is an embedded one at `<dir>/postgres`, as under a data dir.
    let data_dir = cluster().dir.clone();
    let hopper = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_hopper"))
            .arg("--data-dir")
            .arg(&data_dir)
            .args(args)
            .env_remove("DATABASE_URL")
            .env_remove("HOPPER_APP_DATABASE_URL")
            .env("RUST_LOG", "info")
            .output()
            .expect("run hopper");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let attached = "attached to the running embedded PostgreSQL";

    let (ok, stdout, stderr) = hopper(&["migrate"]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "database is up to date\n");
    assert!(
        stderr.contains(attached),
        "the log line is on stderr: {stderr}"
    );

    let mut conn = PgConnection::establish(&cluster().postgres.database_url("hopper"))
        .expect("the data dir's database");
    let company: i32 = companies::table
        .filter(companies::company_code.eq("DEFAULT"))
        .select(companies::id)
        .first(&mut conn)
        .expect("the default company");
    let bucket = format!("bucket-{}", uuid::Uuid::new_v4().simple());
    let location: i32 = diesel::insert_into(storage_locations::table)
        .values((
            storage_locations::company_id.eq(company),
            storage_locations::label.eq(&bucket),
            storage_locations::bucket_name.eq(&bucket),
            storage_locations::aws_region.eq("us-east-1"),
            storage_locations::key_root.eq("default"),
        ))
        .returning(storage_locations::id)
        .get_result(&mut conn)
        .expect("a storage location");
    let project: i32 = diesel::insert_into(projects::table)
        .values((
            projects::company_id.eq(company),
            projects::storage_location_id.eq(location),
            projects::project_name.eq("Exports"),
            projects::bucket_name.eq(&bucket),
            projects::aws_region.eq("us-east-1"),
        ))
        .returning(projects::id)
        .get_result(&mut conn)
        .expect("a project");

    let (ok, stdout, stderr) = hopper(&["token", "create", "--project", &project.to_string()]);
    assert!(ok, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "only the token's lines: {stdout}");
    assert!(
        lines[0].starts_with("Created machine token")
            && lines[1].starts_with("Token (shown once): "),
        "{stdout}"
    );
    assert!(
        stderr.contains(attached),
        "the log line is on stderr: {stderr}"
    );
    // What a script keeps: `hopper token create … | sed -n 's/^Token (shown once): //p'`.
    let token = lines[1].trim_start_matches("Token (shown once): ");
    assert!(!token.contains(' ') && !token.is_empty(), "{token:?}");
}
