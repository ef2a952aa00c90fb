//! API tokens and the JSON API: personal tokens act as their user within their projects
//! and scopes, machine tokens have only their project, tokens die with revocation,
//! expiry and their user or company, another company's ids are a 404 problem, and the
//! OpenAPI document describes every API route and passes an independent validator.

use std::collections::BTreeSet;

use diesel::prelude::*;
use hopper::db::ids::{CompanyId, CycleId, ProjectId};
use hopper::routes::{Access, ROUTES};
use hopper::schema::{api_tokens, companies, users};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::{
    create_company, create_cycle, create_project, grant_access, test_python, TestApp, UserFixture,
    UserSession,
};
use crate::uploads::{content, form};

/// Creates a token through a form; returns the secret shown once.
pub async fn create_token(
    session: &UserSession<'_>,
    path: &str,
    fields: &[(&str, &str)],
) -> String {
    let page = session.post(path, fields).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let marker = "id=\"new-token\">";
    let start = page.body.find(marker).expect("the token is shown") + marker.len();
    let end = page.body[start..].find('<').expect("token ends") + start;
    page.body[start..end].to_owned()
}

/// A personal token of `session`'s user, valid 30 days, with one scope.
pub async fn personal_token(session: &UserSession<'_>, name: &str, scope: &str) -> String {
    create_token(
        session,
        "/account/tokens",
        &[("name", name), ("days", "30"), ("scope", scope)],
    )
    .await
}

struct Api<'a> {
    app: &'a TestApp,
    token: String,
}

impl Api<'_> {
    async fn get(&self, path: &str) -> (u16, String, Value) {
        let response = self
            .app
            .client
            .get(self.app.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("API call");
        let status = response.status().as_u16();
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.text().await.expect("body");
        let json = serde_json::from_str(&body).unwrap_or(Value::Null);
        (status, kind, json)
    }
}

fn ids_of(list: &Value) -> Vec<i64> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|p| p["id"].as_i64().expect("id"))
        .collect()
}

struct Fixture {
    company: CompanyId,
    mine: ProjectId,
    theirs: ProjectId,
    cycle: CycleId,
}

async fn fixture(app: &TestApp) -> (Fixture, crate::helpers::TestUser) {
    let company = app.default_company();
    let mine = create_project(app, company, "Granted");
    let theirs = create_project(app, company, "Not granted");
    let cycle = create_cycle(app, mine, 1);
    let uma = UserFixture::new("uma").create(app).await;
    grant_access(app, company, mine, uma.id, "uploader");
    (
        Fixture {
            company,
            mine,
            theirs,
            cycle,
        },
        uma,
    )
}

#[actix_web::test]
async fn a_personal_token_acts_as_its_user_within_its_scopes() {
    let app = TestApp::spawn().await;
    let (f, uma) = fixture(&app).await;
    let session = app.session_for(&uma).await;
    // The form ticks no scope for its user: a token may do only what was chosen.
    let blank = session.get("/account/tokens").await;
    assert!(
        blank.body.contains("name=\"scope\"") && !blank.body.contains(" checked>"),
        "{}",
        blank.body
    );
    let secret = create_token(
        &session,
        "/account/tokens",
        &[
            ("name", "laptop"),
            ("days", "30"),
            ("scope", "upload"),
            ("scope", "read"),
        ],
    )
    .await;
    assert!(secret.starts_with("hop_") && secret.len() > 40, "{secret}");
    let stored: Vec<u8> = api_tokens::table
        .select(api_tokens::token_hash)
        .first(&mut app.conn())
        .expect("token row");
    assert_eq!(
        stored,
        Sha256::digest(secret.as_bytes()).to_vec(),
        "only the hash is kept"
    );
    let api = Api {
        app: &app,
        token: secret.clone(),
    };

    let (status, _, projects) = api.get("/api/v1/projects").await;
    assert_eq!(status, 200);
    assert_eq!(
        ids_of(&projects),
        [i64::from(f.mine.0)],
        "only the granted project"
    );
    let (status, kind, problem) = api
        .get(&format!("/api/v1/projects/{}/cycles", f.theirs))
        .await;
    assert_eq!((status, kind.as_str()), (404, "application/problem+json"));
    assert_eq!(problem["code"], "not_found");
    let (status, _, cycles) = api
        .get(&format!("/api/v1/projects/{}/cycles", f.mine))
        .await;
    assert_eq!(status, 200);
    assert_eq!(ids_of(&cycles), [i64::from(f.cycle.0)]);

    // A file sent through the browser is listed, downloadable and its receipt readable.
    let bytes = content(5000, 7);
    let upload = session
        .upload(
            &format!("/projects/{}/cycles/{}/upload", f.mine, f.cycle),
            form(&[("ledger.csv", &bytes)]),
        )
        .await;
    assert_eq!(upload.status, 200, "{}", upload.body);
    let (status, _, page) = api.get(&format!("/api/v1/cycles/{}/files", f.cycle)).await;
    assert_eq!(status, 200);
    let file = &page["files"][0];
    assert_eq!(file["path"], "ledger.csv");
    assert_eq!(file["sha256"], hex::encode(Sha256::digest(&bytes)));
    let download = app
        .client
        .get(app.url(&format!("/api/v1/files/{}/download", file["id"])))
        .bearer_auth(&secret)
        .send()
        .await
        .expect("download");
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.expect("bytes").to_vec(), bytes);
    let downloaded = app.audit_rows("file.downloaded");
    let row = downloaded.last().expect("audited");
    assert_eq!(row.actor_username.as_deref(), Some("uma"));
    assert!(row.details["api_token"].is_number(), "{:?}", row.details);
    let session_id: i32 = hopper::schema::sync_sessions::table
        .select(hopper::schema::sync_sessions::id)
        .first(&mut app.conn())
        .expect("session");
    let (status, _, receipt) = api.get(&format!("/api/v1/sessions/{session_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(receipt["files_uploaded"], 1);
    assert_eq!(receipt["files"][0]["status"], "completed");

    // An upload-only token may list projects but not read files.
    let upload_only = Api {
        app: &app,
        token: create_token(
            &session,
            "/account/tokens",
            &[("name", "ci"), ("days", "1"), ("scope", "upload")],
        )
        .await,
    };
    assert_eq!(upload_only.get("/api/v1/projects").await.0, 200);
    let (status, _, problem) = upload_only
        .get(&format!("/api/v1/cycles/{}/files", f.cycle))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("access.read_scope_missing"))
    );

    // A token cannot be made for a project its user cannot reach.
    let refused = session
        .post(
            "/account/tokens",
            &[
                ("name", "x"),
                ("days", "1"),
                ("scope", "read"),
                ("project", &f.theirs.to_string()),
            ],
        )
        .await;
    assert_eq!(refused.status, 404);

    // The list shows the last use; revoking stops the token at once.
    let list = session.get("/account/tokens").await;
    assert!(list.body.contains("from 127.0.0.1"), "{}", list.body);
    let id: i32 = api_tokens::table
        .filter(api_tokens::name.eq("ci"))
        .select(api_tokens::id)
        .first(&mut app.conn())
        .expect("ci token");
    let revoked = session
        .post(&format!("/account/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    let (status, _, problem) = upload_only.get("/api/v1/projects").await;
    assert_eq!(status, 401);
    assert_eq!(problem["detail"], "This token was revoked.");

    // Expired, a deactivated user, a deactivated company: 401 each time.
    diesel::update(api_tokens::table.filter(api_tokens::name.eq("laptop")))
        .set(api_tokens::expires_at.eq(chrono::Utc::now() - chrono::Duration::minutes(1)))
        .execute(&mut app.conn())
        .expect("expire");
    assert_eq!(api.get("/api/v1/projects").await.0, 401);
    diesel::update(api_tokens::table.filter(api_tokens::name.eq("laptop")))
        .set(api_tokens::expires_at.eq(chrono::Utc::now() + chrono::Duration::days(1)))
        .execute(&mut app.conn())
        .expect("renew");
    assert_eq!(api.get("/api/v1/projects").await.0, 200);
    diesel::update(users::table.find(uma.id))
        .set(users::is_active.eq(false))
        .execute(&mut app.conn())
        .expect("deactivate");
    assert_eq!(api.get("/api/v1/projects").await.0, 401);
    diesel::update(users::table.find(uma.id))
        .set(users::is_active.eq(true))
        .execute(&mut app.conn())
        .expect("reactivate");
    diesel::update(companies::table.find(f.company))
        .set(companies::is_active.eq(false))
        .execute(&mut app.conn())
        .expect("deactivate company");
    let (status, _, problem) = api.get("/api/v1/projects").await;
    assert_eq!(status, 401);
    assert_eq!(problem["code"], "unauthorized");
    assert_eq!(app.audit_rows("api_token.created").len(), 2);
    assert_eq!(app.audit_rows("api_token.revoked").len(), 1);
}

#[actix_web::test]
async fn a_machine_token_has_its_project_and_no_user() {
    let app = TestApp::spawn().await;
    let (f, _) = fixture(&app).await;
    let admin = UserFixture::new("alice").role("admin").create(&app).await;
    let admin = app.session_for(&admin).await;
    let secret = create_token(
        &admin,
        &format!("/admin/projects/{}/tokens", f.mine),
        &[("name", "export server"), ("days", "30"), ("scope", "read")],
    )
    .await;
    let (user, projects): (Option<i32>, Vec<Option<i32>>) = api_tokens::table
        .select((api_tokens::user_id, api_tokens::project_ids))
        .first(&mut app.conn())
        .expect("token");
    assert_eq!(user, None);
    assert_eq!(projects, [Some(f.mine.0)]);
    let api = Api {
        app: &app,
        token: secret,
    };
    let (_, _, list) = api.get("/api/v1/projects").await;
    assert_eq!(ids_of(&list), [i64::from(f.mine.0)]);
    assert_eq!(
        api.get(&format!("/api/v1/projects/{}/cycles", f.theirs))
            .await
            .0,
        404
    );
    assert_eq!(
        api.get(&format!("/api/v1/cycles/{}/files", f.cycle))
            .await
            .0,
        200
    );
    let used = app.audit_rows("api_token.used");
    assert_eq!(
        used.last()
            .and_then(|r| r.actor_username.clone())
            .as_deref(),
        Some("machine token: export server")
    );

    // Another company's admin neither sees nor revokes it.
    let other = create_company(&app, "OTHER", true);
    let intruder = UserFixture::new("ivan")
        .role("admin")
        .company(other)
        .create(&app)
        .await;
    let intruder = app.session_for(&intruder).await;
    assert_eq!(
        intruder
            .get(&format!("/admin/projects/{}/tokens", f.mine))
            .await
            .status,
        404
    );
    let id: i32 = api_tokens::table
        .select(api_tokens::id)
        .first(&mut app.conn())
        .expect("id");
    let theirs = create_project(&app, other, "Theirs");
    let revoke = intruder
        .post(&format!("/admin/projects/{theirs}/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(revoke.status, 404);
    assert_eq!(api.get("/api/v1/projects").await.0, 200, "still live");
}

#[actix_web::test]
async fn another_companys_ids_look_missing_to_a_token() {
    let app = TestApp::spawn().await;
    let (f, uma) = fixture(&app).await;
    let session = app.session_for(&uma).await;
    let api = Api {
        app: &app,
        token: create_token(
            &session,
            "/account/tokens",
            &[("name", "t"), ("days", "1"), ("scope", "read")],
        )
        .await,
    };
    let other = create_company(&app, "OTHER", true);
    let theirs = create_project(&app, other, "Books");
    let their_cycle = create_cycle(&app, theirs, 1);
    for (other_path, missing_path) in [
        (
            format!("/api/v1/projects/{theirs}/cycles"),
            "/api/v1/projects/999999/cycles".to_owned(),
        ),
        (
            format!("/api/v1/cycles/{their_cycle}/requests"),
            "/api/v1/cycles/999999/requests".to_owned(),
        ),
        (
            format!("/api/v1/cycles/{their_cycle}/files"),
            "/api/v1/cycles/999999/files".to_owned(),
        ),
    ] {
        let before = app.audit_rows("access_denied").len();
        let (status, _, body) = api.get(&other_path).await;
        assert_eq!(status, 404, "{other_path}");
        assert_eq!(
            app.audit_rows("access_denied").len(),
            before + 1,
            "{other_path}"
        );
        let (_, _, missing) = api.get(&missing_path).await;
        assert_eq!(body, missing, "{other_path} looks like a missing id");
    }
    assert_eq!(
        ids_of(&api.get("/api/v1/projects").await.2),
        [i64::from(f.mine.0)]
    );
}

#[actix_web::test]
async fn the_openapi_document_describes_every_api_route() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status, 200);
    let doc: Value = serde_json::from_str(&response.body).expect("JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for route in ROUTES.iter().filter(|r| r.access == Access::Token) {
        let operation = &doc["paths"][route.path][route.method];
        assert!(
            operation.is_object(),
            "{} {} is not documented",
            route.method,
            route.path
        );
        let responses = &operation["responses"];
        assert!(
            responses["200"].is_object()
                || responses["201"].is_object()
                || responses["204"].is_object(),
            "{}",
            route.path
        );
    }
    // Every reference resolves to a schema of the document.
    let mut refs = BTreeSet::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {reference}"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{reference} dangles"
        );
    }
}

/// An independent validator (openapi-spec-validator) accepts the whole document; the file
/// list's `after` was once declared a path parameter, which no generator check noticed.
#[actix_web::test]
async fn the_openapi_document_passes_an_independent_validator() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status, 200);
    let doc: Value = serde_json::from_str(&response.body).expect("JSON");
    let params = &doc["paths"]["/api/v1/cycles/{cycle_id}/files"]["get"]["parameters"];
    let place = |name: &str| {
        params
            .as_array()
            .expect("parameters")
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["in"].clone())
    };
    assert_eq!(place("after"), Some(Value::from("query")));
    assert_eq!(place("cycle_id"), Some(Value::from("path")));
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, &response.body).expect("write the document");
    let output = std::process::Command::new(test_python())
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .expect("the tests' Python (scripts/install-deps.sh --test)");
    assert!(
        output.status.success(),
        "openapi-spec-validator refused the document:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn collect_refs(value: &Value, refs: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => {
                        refs.insert(target.clone());
                    }
                    _ => collect_refs(inner, refs),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_refs(i, refs)),
        _ => {}
    }
}

#[actix_web::test]
async fn a_manifest_says_what_to_send_and_nothing_moves_twice() {
    let app = TestApp::spawn().await;
    let (f, uma) = fixture(&app).await;
    let session = app.session_for(&uma).await;
    let already = content(3000, 1);
    let old_version = content(2000, 2);
    let upload = session
        .upload(
            &format!("/projects/{}/cycles/{}/upload", f.mine, f.cycle),
            form(&[("kept.csv", &already), ("ledger.csv", &old_version)]),
        )
        .await;
    assert_eq!(upload.status, 200, "{}", upload.body);
    let admin = UserFixture::new("alice").role("admin").create(&app).await;
    let admin = app.session_for(&admin).await;
    let token = create_token(
        &admin,
        &format!("/admin/projects/{}/tokens", f.mine),
        &[
            ("name", "export"),
            ("days", "1"),
            ("scope", "upload"),
            ("scope", "read"),
        ],
    )
    .await;
    let fresh = content(4000, 3);
    let new_version = content(2500, 4);
    let sha = |b: &[u8]| hex::encode(Sha256::digest(b));
    let manifest = serde_json::json!({
        "cycle_id": f.cycle.0,
        "files": [
            { "path": "new/fresh.csv", "size": fresh.len(), "sha256": sha(&fresh) },
            { "path": "copy-of-kept.csv", "size": already.len(), "sha256": sha(&already) },
            { "path": "ledger.csv", "size": new_version.len(), "sha256": sha(&new_version) },
            { "path": "kept.csv", "size": already.len(), "sha256": sha(&already) },
            { "path": "../escape.csv", "size": 1, "sha256": sha(b"x") },
        ]
    });
    let response = app
        .client
        .post(app.url("/api/v1/sessions"))
        .bearer_auth(&token)
        .json(&manifest)
        .send()
        .await
        .expect("manifest");
    assert_eq!(response.status(), 201);
    let plan: Value = response.json().await.expect("JSON");
    let actions: Vec<&str> = plan["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        ["upload", "duplicate", "replaces", "unchanged", "refused"]
    );
    for (index, bytes) in [(0usize, &fresh), (2, &new_version)] {
        let url = plan["files"][index]["upload_url"].as_str().expect("url");
        let sent = app
            .client
            .patch(app.url(url))
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Content-Type", "application/offset+octet-stream")
            .header("Upload-Offset", "0")
            .body(bytes.clone())
            .send()
            .await
            .expect("patch");
        assert_eq!(sent.status(), 204);
    }
    let session_id = plan["session_id"].as_i64().expect("session");
    // A larger manifest comes in parts: the next part joins the same batch.
    let more = app
        .client
        .post(app.url("/api/v1/sessions"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "cycle_id": f.cycle.0,
            "session_id": session_id,
            "files": [{ "path": "kept-again.csv", "size": already.len(), "sha256": sha(&already) }],
        }))
        .send()
        .await
        .expect("second part");
    assert_eq!(more.status(), 201);
    let more: Value = more.json().await.expect("JSON");
    assert_eq!(more["session_id"].as_i64(), Some(session_id));
    assert_eq!(more["files"][0]["action"], "duplicate");
    let finished = app
        .client
        .post(app.url(&format!("/api/v1/sessions/{session_id}/finish")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("finish");
    assert_eq!(finished.status(), 200);
    let receipt: Value = finished.json().await.expect("receipt");
    assert_eq!(receipt["status"], "completed");
    assert_eq!(
        (
            receipt["files_uploaded"].as_i64(),
            receipt["files_skipped"].as_i64(),
            receipt["files_failed"].as_i64()
        ),
        (Some(2), Some(2), Some(1))
    );
    // A manifest counts its files once, at its end; an unchanged file is not one.
    assert_eq!(receipt["total_files"].as_i64(), Some(5), "{receipt}");
    assert_eq!(
        receipt["files"].as_array().map(Vec::len),
        Some(5),
        "one row per counted file"
    );
    let (user, token_id): (Option<i32>, Option<i32>) = hopper::schema::sync_sessions::table
        .find(i32::try_from(session_id).expect("id"))
        .select((
            hopper::schema::sync_sessions::user_id,
            hopper::schema::sync_sessions::api_token_id,
        ))
        .first(&mut app.conn())
        .expect("session row");
    assert_eq!(user, None, "a machine token's batch has no user");
    assert!(token_id.is_some());

    // Nothing changed: no batch is recorded.
    let batches = || -> i64 {
        hopper::schema::sync_sessions::table
            .count()
            .get_result(&mut app.conn())
            .expect("count")
    };
    let before = batches();
    let same = app
        .client
        .post(app.url("/api/v1/sessions"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "cycle_id": f.cycle.0,
            // Listed twice: each listing is answered alike.
            "files": [
                { "path": "kept.csv", "size": already.len(), "sha256": sha(&already) },
                { "path": "kept.csv", "size": already.len(), "sha256": sha(&already) },
            ],
        }))
        .send()
        .await
        .expect("unchanged manifest");
    assert_eq!(same.status(), 201);
    let same: Value = same.json().await.expect("JSON");
    assert!(same["session_id"].is_null(), "{same}");
    assert_eq!(same["files"][0]["action"], "unchanged");
    assert_eq!(same["files"][1]["action"], "unchanged", "{same}");
    assert_eq!(batches(), before);

    // A malformed manifest is a problem, not a 500; a read-only token may not send (the
    // cycle is missing to it: api_authz.rs).
    let broken = app
        .client
        .post(app.url("/api/v1/sessions"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body("{\"cycle_id\": ")
        .send()
        .await
        .expect("broken");
    assert_eq!(broken.status(), 400);
    let reader = create_token(
        &session,
        "/account/tokens",
        &[("name", "r"), ("days", "1"), ("scope", "read")],
    )
    .await;
    let refused = app
        .client
        .post(app.url("/api/v1/sessions"))
        .bearer_auth(&reader)
        .json(&manifest)
        .send()
        .await
        .expect("read-only");
    assert_eq!(refused.status(), 404);
}
