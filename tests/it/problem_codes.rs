//! Errors that speak the domain: the API tells two refusals of the same status apart by
//! their specific `code`, every code is listed in the OpenAPI document, and a browser
//! still reads the refusal's own sentence on the page.

use diesel::prelude::*;
use hopper::schema::cycles;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::api::create_token;
use crate::helpers::{create_cycle, create_project, grant_access, TestApp, UserFixture};
use crate::uploads::form;

/// Sends a manifest of one small file; returns the status and the JSON answer.
async fn send_manifest(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/sessions"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("manifest");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[actix_web::test]
async fn two_conflicts_answer_with_two_codes_and_the_page_keeps_the_sentence() {
    let app = TestApp::spawn().await;
    let company = app.default_company();
    let project = create_project(&app, company, "Ledgers");
    let cycle = create_cycle(&app, project, 1);
    let uma = UserFixture::new("uma").create(&app).await;
    grant_access(&app, company, project, uma.id, "uploader");
    let admin = UserFixture::new("alice").role("admin").create(&app).await;
    let admin = app.session_for(&admin).await;
    let token = create_token(
        &admin,
        &format!("/admin/projects/{project}/tokens"),
        &[("name", "sync"), ("days", "1"), ("scope", "upload")],
    )
    .await;
    let bytes = b"a,b\n1,2\n";
    let file = serde_json::json!({
        "path": "a.csv", "size": bytes.len(), "sha256": hex::encode(Sha256::digest(bytes)),
    });

    // A batch started and finished: joining it again is refused.
    let (status, plan) = send_manifest(
        &app,
        &token,
        serde_json::json!({ "cycle_id": cycle.0, "files": [file] }),
    )
    .await;
    assert_eq!(status, 201, "{plan}");
    let batch = plan["session_id"].as_i64().expect("a batch");
    let finished = app
        .client
        .post(app.url(&format!("/api/v1/sessions/{batch}/finish")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("finish");
    assert_eq!(finished.status(), 200);
    let (status, finished) = send_manifest(
        &app,
        &token,
        serde_json::json!({ "cycle_id": cycle.0, "session_id": batch, "files": [file] }),
    )
    .await;
    assert_eq!(status, 409, "{finished}");
    assert_eq!(finished["code"], "upload.batch_finished");
    assert_eq!(finished["type"], "/api/v1/problems/upload.batch_finished");
    assert_eq!(
        finished["detail"],
        "This batch is finished; start another one."
    );

    // The cycle closed (an admin closed it; `completed` alone still takes optional items):
    // a new batch is refused, with the same status and another code.
    diesel::update(cycles::table.find(cycle))
        .set(cycles::closed_at.eq(Some(chrono::Utc::now())))
        .execute(&mut app.conn())
        .expect("close the cycle");
    let (status, closed) = send_manifest(
        &app,
        &token,
        serde_json::json!({ "cycle_id": cycle.0, "files": [file] }),
    )
    .await;
    assert_eq!(status, 409, "{closed}");
    assert_eq!(closed["code"], "upload.cycle_closed");
    let sentence = "C1 is closed; it accepts no more uploads.";
    assert_eq!(closed["detail"], sentence);

    // Both codes are in the OpenAPI document, with every other one the API can give.
    let doc: Value =
        serde_json::from_str(&app.get("/api/v1/openapi.json").await.body).expect("JSON");
    let listed: Vec<&str> = doc["components"]["schemas"]["ProblemBody"]["properties"]["code"]
        ["enum"]
        .as_array()
        .expect("code lists its values")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for code in hopper::web::problem::all_codes() {
        assert!(
            listed.contains(&code),
            "{code} is not in the OpenAPI document"
        );
    }
    assert!(listed.contains(&"upload.batch_finished") && listed.contains(&"upload.cycle_closed"));

    // A browser hears the same refusal as a page with its sentence.
    let uma = app.session_for(&uma).await;
    let page = uma
        .upload(
            &format!("/projects/{project}/cycles/{cycle}/upload"),
            form(&[("a.csv", bytes)]),
        )
        .await;
    assert_eq!(page.status, 409);
    assert!(page.body.contains(sentence), "{}", page.body);
    assert!(page.body.contains("Not possible now"), "{}", page.body);
}
