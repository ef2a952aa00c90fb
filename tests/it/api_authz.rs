//! Who may reach what through the API and tus, tried as a hostile client would: a token
//! with the wrong scope, a token limited to another project (personal or machine) and a
//! user without a grant each get exactly the answer of an id that does not exist, and
//! nothing changes. The manifest tells nothing about a cycle's files, tus HEAD and DELETE
//! leave another's upload alone, and a receipt is read only with the read scope.

use diesel::prelude::*;
use hopper::db::ids::{CycleId, ProjectId};
use hopper::schema::{file_uploads, sync_sessions, tus_uploads};

use crate::api::create_token;
use crate::helpers::{create_cycle, create_project, grant_access, TestApp, TestUser, UserFixture};
use crate::tus::{create, head, location_of, patch};
use crate::uploads::{content, form, sha256};

/// The default company's project `mine` with its cycle, a second project `other`, and the
/// people and tokens that try them.
struct World {
    app: TestApp,
    mine: ProjectId,
    cycle: CycleId,
    uma: TestUser,
    /// uma, uploader in `mine` (and in `other`): upload and read.
    owner: String,
    /// uma again, read only.
    owner_read_only: String,
    /// uma again, upload only.
    owner_upload_only: String,
    /// uma again, upload and read, limited to `other`.
    owner_in_other: String,
    /// A machine token of `other`: upload and read.
    machine_of_other: String,
    /// nora, without any grant: upload and read.
    no_grant: String,
    /// vic, viewer of `mine`: upload and read.
    viewer: String,
    /// ula, another uploader of `mine`: upload only.
    other_uploader_upload_only: String,
    /// alice, an admin: upload and read.
    admin: String,
}

const BOTH: [(&str, &str); 2] = [("scope", "upload"), ("scope", "read")];

async fn personal(app: &TestApp, user: &TestUser, extra: &[(&str, &str)]) -> String {
    let session = app.session_for(user).await;
    let mut fields = vec![("name", "t"), ("days", "1")];
    fields.extend_from_slice(extra);
    create_token(&session, "/account/tokens", &fields).await
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let company = app.default_company();
    let mine = create_project(&app, company, "Books");
    let other = create_project(&app, company, "Elsewhere");
    let cycle = create_cycle(&app, mine, 1);
    let uma = UserFixture::new("uma").create(&app).await;
    grant_access(&app, company, mine, uma.id, "uploader");
    grant_access(&app, company, other, uma.id, "uploader");
    let nora = UserFixture::new("nora").create(&app).await;
    let vic = UserFixture::new("vic").create(&app).await;
    grant_access(&app, company, mine, vic.id, "viewer");
    let ula = UserFixture::new("ula").create(&app).await;
    grant_access(&app, company, mine, ula.id, "uploader");
    let alice = UserFixture::new("alice").role("admin").create(&app).await;
    let other_id = other.to_string();
    let in_other = [BOTH[0], BOTH[1], ("project", other_id.as_str())];
    let machine_of_other = create_token(
        &app.session_for(&alice).await,
        &format!("/admin/projects/{other}/tokens"),
        &[("name", "m"), ("days", "1"), BOTH[0], BOTH[1]],
    )
    .await;
    World {
        owner: personal(&app, &uma, &BOTH).await,
        owner_read_only: personal(&app, &uma, &[("scope", "read")]).await,
        owner_upload_only: personal(&app, &uma, &[("scope", "upload")]).await,
        owner_in_other: personal(&app, &uma, &in_other).await,
        machine_of_other,
        no_grant: personal(&app, &nora, &BOTH).await,
        viewer: personal(&app, &vic, &BOTH).await,
        other_uploader_upload_only: personal(&app, &ula, &[("scope", "upload")]).await,
        admin: personal(&app, &alice, &BOTH).await,
        app,
        mine,
        cycle,
        uma,
    }
}

impl World {
    /// uma's batch through the browser: `ledger.csv` with `bytes`; its session id.
    async fn owners_batch(&self, bytes: &[u8]) -> i32 {
        let session = self.app.session_for(&self.uma).await;
        let page = session
            .upload(
                &format!("/projects/{}/cycles/{}/upload", self.mine, self.cycle),
                form(&[("ledger.csv", bytes)]),
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        sync_sessions::table
            .order(sync_sessions::id.desc())
            .select(sync_sessions::id)
            .first(&mut self.app.conn())
            .expect("the batch")
    }

    /// Rows that any of these requests could change.
    fn rows(&self) -> (i64, i64, i64, Vec<(String, Option<String>)>) {
        let mut conn = self.app.conn();
        let sessions = sync_sessions::table.count().get_result(&mut conn);
        let files = file_uploads::table.count().get_result(&mut conn);
        let uploads = tus_uploads::table.count().get_result(&mut conn);
        let states = tus_uploads::table
            .inner_join(file_uploads::table)
            .order(tus_uploads::created_at)
            .select((file_uploads::status, tus_uploads::outcome))
            .load(&mut conn)
            .expect("states");
        (
            sessions.expect("sessions"),
            files.expect("files"),
            uploads.expect("uploads"),
            states,
        )
    }
}

/// Status and body of a request.
async fn answer(request: reqwest::RequestBuilder) -> (u16, String) {
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

#[actix_web::test]
async fn a_manifest_tells_nothing_about_a_cycle_its_caller_may_not_send_into() {
    let w = world().await;
    let bytes = content(3000, 5);
    w.owners_batch(&bytes).await;
    let guessed = serde_json::json!([
        { "path": "ledger.csv", "size": bytes.len(), "sha256": sha256(&bytes) }
    ]);
    let wrong = serde_json::json!([
        { "path": "ledger.csv", "size": 1, "sha256": sha256(b"not it") }
    ]);
    let post = |token: &str, cycle: i32, files: &serde_json::Value| {
        answer(
            w.app
                .client
                .post(w.app.url("/api/v1/sessions"))
                .bearer_auth(token)
                .json(&serde_json::json!({ "cycle_id": cycle, "files": files })),
        )
    };
    // The owner's right guess is answered: the path holds these bytes.
    let (status, body) = post(&w.owner, w.cycle.0, &guessed).await;
    assert_eq!(status, 201, "{body}");
    assert!(body.contains("\"unchanged\""), "{body}");

    let before = w.rows();
    for (who, token) in [
        ("a read-only token", &w.owner_read_only),
        ("a token limited to another project", &w.owner_in_other),
        ("another project's machine token", &w.machine_of_other),
        ("a user without a grant", &w.no_grant),
        ("a viewer", &w.viewer),
    ] {
        let missing = post(token, 999_999, &guessed).await;
        assert_eq!(missing.0, 404, "{who}: {}", missing.1);
        for files in [&guessed, &wrong, &serde_json::json!([])] {
            assert_eq!(
                post(token, w.cycle.0, files).await,
                missing,
                "{who} with {files} hears what a missing cycle says"
            );
        }
    }
    assert_eq!(w.rows(), before, "nothing was recorded");
}

#[actix_web::test]
async fn tus_head_and_delete_leave_anothers_upload_alone() {
    let w = world().await;
    let base = w.app.address.clone();
    let bytes = content(3000, 9);
    let created = create(&base, &w.owner, w.cycle, "draft.bin", bytes.len(), "").await;
    assert_eq!(created.status(), 201);
    let upload = location_of(&created);
    assert_eq!(
        patch(&base, &upload, &w.owner, 0, &bytes[..1000])
            .await
            .status(),
        204
    );
    let unknown = format!("/uploads/tus/{}", uuid::Uuid::new_v4());
    let delete = |token: &str, location: &str| {
        answer(
            w.app
                .client
                .delete(w.app.url(location))
                .bearer_auth(token)
                .header("Tus-Resumable", "1.0.0"),
        )
    };

    let before = w.rows();
    for (who, token) in [
        ("the owner's read-only token", &w.owner_read_only),
        (
            "the owner's token limited to another project",
            &w.owner_in_other,
        ),
        ("another project's machine token", &w.machine_of_other),
        ("a user without a grant", &w.no_grant),
        ("a viewer", &w.viewer),
        ("another uploader", &w.other_uploader_upload_only),
    ] {
        let missing = head(&base, &unknown, token).await;
        assert_eq!(missing, (404, None), "{who}");
        assert_eq!(head(&base, &upload, token).await, missing, "{who}: HEAD");
        let missing = delete(token, &unknown).await;
        assert_eq!(missing.0, 404, "{who}: {}", missing.1);
        assert_eq!(delete(token, &upload).await, missing, "{who}: DELETE");
    }
    assert_eq!(w.rows(), before, "the upload is untouched");

    // An admin of the project may look; the owner resumes where the upload stood.
    assert_eq!(head(&base, &upload, &w.admin).await, (200, Some(1000)));
    assert_eq!(head(&base, &upload, &w.owner).await, (200, Some(1000)));
    assert_eq!(
        patch(&base, &upload, &w.owner, 1000, &bytes[1000..])
            .await
            .status(),
        204
    );
    let (status, checksum, ..) = crate::tus::file_of(&w.app, &upload);
    assert_eq!(
        (status.as_str(), checksum),
        ("completed", Some(sha256(&bytes)))
    );

    // An admin may cancel someone's upload; the receipt says who did.
    let created = create(&base, &w.owner, w.cycle, "second.bin", 10, "").await;
    let second = location_of(&created);
    assert_eq!(delete(&w.admin, &second).await.0, 204);
    let reason: Option<String> = tus_uploads::table
        .inner_join(file_uploads::table)
        .filter(tus_uploads::id.eq(upload_id(&second)))
        .select(file_uploads::error_message)
        .first(&mut w.app.conn())
        .expect("file");
    assert_eq!(reason.as_deref(), Some("cancelled by an admin"));
}

fn upload_id(location: &str) -> uuid::Uuid {
    location
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("uuid")
}

#[actix_web::test]
async fn a_receipt_is_read_only_with_the_read_scope_within_the_tokens_projects() {
    let w = world().await;
    let batch = w.owners_batch(&content(2000, 3)).await;
    let get = |token: &str, id: i32| {
        answer(
            w.app
                .client
                .get(w.app.url(&format!("/api/v1/sessions/{id}")))
                .bearer_auth(token),
        )
    };
    // Its sender, a viewer and an admin of the project read it (as on the receipt page).
    for (who, token) in [
        ("its sender", &w.owner),
        ("a viewer", &w.viewer),
        ("an admin", &w.admin),
    ] {
        let (status, body) = get(token, batch).await;
        assert_eq!(status, 200, "{who}: {body}");
        assert!(body.contains("ledger.csv"), "{who}: {body}");
    }
    for (who, token) in [
        ("the sender's upload-only token", &w.owner_upload_only),
        (
            "another uploader's upload-only token",
            &w.other_uploader_upload_only,
        ),
        (
            "the sender's token limited to another project",
            &w.owner_in_other,
        ),
        ("another project's machine token", &w.machine_of_other),
        ("a user without a grant", &w.no_grant),
    ] {
        let missing = get(token, 999_999).await;
        assert_eq!(missing.0, 404, "{who}: {}", missing.1);
        assert_eq!(get(token, batch).await, missing, "{who}");
    }
}
