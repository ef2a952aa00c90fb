//! The API through its OpenAPI document, by a tool nobody here wrote: schemathesis reads
//! the document Hopper serves and generates requests for every operation — valid ones and
//! ones that break the schema — against a real Hopper with a token of every scope (a
//! company admin's, so the automation API is reached too). No answer may be a server
//! error, and every answer must be one the document declares, with the documented shape.

use std::process::Command;

use crate::api::create_token;
use crate::helpers::{test_python, TestApp};
use crate::requests::setup;
use crate::upload_links::cycle_with_requests;

#[actix_web::test]
async fn generated_requests_get_documented_answers_and_never_a_server_error() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let admin = app.session_for(&s.admin).await;
    // Real ids to find: a project, a cycle with requests.
    cycle_with_requests(&app, &admin, s.project).await;
    let token = create_token(
        &admin,
        "/account/tokens",
        &[
            ("name", "properties"),
            ("days", "1"),
            ("scope", "upload"),
            ("scope", "read"),
            ("scope", "admin"),
        ],
    )
    .await;
    let report = tempfile::tempdir().expect("report dir");
    let output = Command::new(test_python())
        .args(["-m", "schemathesis.cli", "run"])
        .arg(app.url("/api/v1/openapi.json"))
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,response_schema_conformance",
            "--max-examples",
            "50",
            "--seed",
            "20261206",
            "--workers",
            "1",
            "--phases",
            "examples,coverage,fuzzing",
            "--suppress-health-check",
            "all",
            "--report-dir",
        ])
        .arg(report.path())
        // schemathesis keeps a cache in its working directory: the test's own, not the
        // checkout's.
        .current_dir(report.path())
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .env("NO_COLOR", "1")
        .output()
        .expect("target/test-venv with schemathesis (scripts/install-deps.sh --test makes it)");
    let said = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{said}"
    );
}
