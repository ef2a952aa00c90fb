//! Projects, their cycles and who may use them, administered in the browser.

use diesel::prelude::*;
use hopper::db::ids::{CompanyId, ProjectId, StorageLocationId};
use hopper::schema::{cycles, project_tags, projects};

use crate::helpers::{
    add_sync_session, create_company, create_cycle, create_location, create_project, grant_access,
    TestApp, TestUser, UserFixture, UserSession,
};

async fn admin(app: &TestApp) -> TestUser {
    UserFixture::new("alice").role("admin").create(app).await
}

fn project_named(app: &TestApp, name: &str) -> ProjectId {
    projects::table
        .filter(projects::project_name.eq(name))
        .select(projects::id)
        .first(&mut app.conn())
        .expect("project")
}

/// The admin creates a project in a storage location of their company in `bucket` (the
/// operator's assignment, made here directly).
async fn create(session: &UserSession<'_>, name: &str, bucket: &str) -> crate::helpers::Page {
    let app = session.app;
    let company: CompanyId = hopper::schema::users::table
        .find(session.user)
        .select(hopper::schema::users::company_id)
        .first(&mut app.conn())
        .expect("company");
    let location = location_in(app, company, bucket);
    session
        .post(
            "/admin/projects",
            &[
                ("project_name", name),
                ("storage_location_id", &location.to_string()),
                ("description", "Quarterly statements"),
                ("tags", "finance, 2026"),
                ("is_active", "on"),
            ],
        )
        .await
}

/// The company's location in `bucket`, made on first use.
fn location_in(app: &TestApp, company: CompanyId, bucket: &str) -> StorageLocationId {
    use hopper::schema::storage_locations;
    storage_locations::table
        .filter(storage_locations::company_id.eq(company))
        .filter(storage_locations::bucket_name.eq(bucket))
        .select(storage_locations::id)
        .first(&mut app.conn())
        .optional()
        .expect("location")
        .unwrap_or_else(|| create_location(app, company, bucket))
}

#[actix_web::test]
async fn an_admin_creates_a_project_and_s3_bucket_rules_are_enforced() {
    let app = TestApp::spawn().await;
    let alice = app.session_for(&admin(&app).await).await;

    // Buckets are the operator's to name: the location form enforces S3's rules.
    let operator = UserFixture::new("olga")
        .role("superadmin")
        .create(&app)
        .await;
    let operator = app.session_for(&operator).await;
    let locations = format!("/operator/companies/{}/locations", app.default_company());
    for (bucket, message) in [
        ("Upper", "lowercase letters"),
        ("ab", "3 to 63"),
        ("192.168.1.1", "IP address"),
        ("a..b", "two dots"),
        ("xn--bucket", "cannot begin"),
    ] {
        let page = operator
            .post(
                &locations,
                &[
                    ("label", "Archive"),
                    ("bucket_name", bucket),
                    ("aws_region", "us-east-1"),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "{bucket}");
        assert!(page.body.contains(message), "{bucket}: {message}");
        assert!(
            page.body.contains(&format!("value=\"{bucket}\"")),
            "keeps the input"
        );
    }
    assert!(app.audit_rows("storage_location.created").len() <= 1);
    assert!(app.audit_rows("project.created").is_empty());

    let created = create(&alice, "Statements", "acme-statements").await;
    assert_eq!(created.status, 303, "{}", created.body);
    let id = project_named(&app, "Statements");
    assert_eq!(created.location, Some(format!("/admin/projects/{id}")));
    let tags: i64 = project_tags::table
        .filter(project_tags::project_id.eq(id))
        .count()
        .get_result(&mut app.conn())
        .expect("tags");
    assert_eq!(tags, 2);
    let rows = app.audit_rows("project.created");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].project_id, Some(id));
    assert_eq!(rows[0].details["after"]["bucket_name"], "acme-statements");

    // Names are unique within the company...
    let again = create(&alice, "Statements", "acme-other").await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("already has a project with this name"));
    // ...but another company may use the same name without learning anything.
    let other = create_company(&app, "OTHER", true);
    let bob = UserFixture::new("bob")
        .role("admin")
        .company(other)
        .create(&app)
        .await;
    let bob = app.session_for(&bob).await;
    assert_eq!(
        create(&bob, "Statements", "other-statements").await.status,
        303
    );
}

#[actix_web::test]
async fn check_bucket_says_whether_hopper_can_write_there() {
    let app = TestApp::spawn().await;
    let alice = app.session_for(&admin(&app).await).await;
    assert_eq!(create(&alice, "Statements", "check-me").await.status, 303);
    let id = project_named(&app, "Statements");

    // Hopper's own endpoint creates a missing bucket on the first check.
    let first = alice
        .post_htmx(&format!("/admin/projects/{id}/check-bucket"), &[])
        .await;
    assert_eq!(first.status, 200);
    assert!(!first.body.contains("<html"));
    assert!(
        first
            .body
            .contains("Hopper created it; Hopper can write there."),
        "{}",
        first.body
    );
    let second = alice
        .post(&format!("/admin/projects/{id}/check-bucket"), &[])
        .await;
    assert!(second
        .body
        .contains("Hopper can write to check-me (us-east-1)."));

    // Against a store where Hopper may not create buckets, a missing one is reported.
    let strict = TestApp::spawn_with(|c| c.s3.create_missing_buckets = false).await;
    let alice = app_admin_session(&strict).await;
    assert_eq!(
        create(&alice, "Missing", "no-such-bucket-here")
            .await
            .status,
        303
    );
    let id = project_named(&strict, "Missing");
    let missing = alice
        .post_htmx(&format!("/admin/projects/{id}/check-bucket"), &[])
        .await;
    assert!(missing.body.contains("does not exist"), "{}", missing.body);
    assert!(missing.body.contains("class=\"error\""));
}

async fn app_admin_session(app: &TestApp) -> UserSession<'_> {
    let user = admin(app).await;
    app.session_for(&user).await
}

#[actix_web::test]
async fn deleting_hides_a_project_keeps_its_history_and_restoring_brings_it_back() {
    let app = TestApp::spawn().await;
    let alice = app_admin_session(&app).await;
    assert_eq!(
        create(&alice, "Statements", "acme-statements").await.status,
        303
    );
    let id = project_named(&app, "Statements");
    // The operator gave the company a second location, in another region.
    let eu = {
        use hopper::schema::storage_locations;
        diesel::insert_into(storage_locations::table)
            .values((
                storage_locations::company_id.eq(app.default_company()),
                storage_locations::label.eq("EU"),
                storage_locations::bucket_name.eq("acme-statements-eu"),
                storage_locations::aws_region.eq("eu-central-1"),
                storage_locations::key_root.eq("default"),
            ))
            .returning(storage_locations::id)
            .get_result::<StorageLocationId>(&mut app.conn())
            .expect("eu location")
    };
    let edited = alice
        .post(
            &format!("/admin/projects/{id}"),
            &[
                ("project_name", "Statements 2026"),
                ("storage_location_id", &eu.to_string()),
                ("tags", "finance"),
            ],
        )
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);

    let deleted = alice
        .post(&format!("/admin/projects/{id}/delete"), &[])
        .await;
    assert_eq!(deleted.status, 303);
    // (The flash message names the project once; the lists are read as partials.)
    assert!(!alice
        .get_htmx("/admin/projects")
        .await
        .body
        .contains("Statements 2026"));
    assert!(!alice
        .get_htmx("/projects")
        .await
        .body
        .contains("Statements 2026"));
    assert!(alice
        .get("/admin/projects?show=deleted")
        .await
        .body
        .contains("Statements 2026"));
    // A deleted project cannot be edited or get cycles until restored.
    assert_eq!(
        alice
            .post(&format!("/admin/projects/{id}/cycles"), &[])
            .await
            .status,
        409
    );

    let page = alice.get(&format!("/admin/projects/{id}")).await;
    assert!(page.body.contains("Restore project"));
    // History in words: who changed what, before and after.
    assert!(page.body.contains("project updated"));
    assert!(page
        .body
        .contains("<strong>Name</strong>: Statements → Statements 2026"));
    assert!(page
        .body
        .contains("<strong>Region</strong>: us-east-1 → eu-central-1"));
    // A location by its label, never its id.
    let location_changes: Vec<&str> = page
        .body
        .lines()
        .filter(|l| l.contains("<strong>Storage location</strong>"))
        .collect();
    assert!(
        location_changes.iter().any(|l| l.ends_with(" → EU</li>"))
            && location_changes
                .iter()
                .all(|l| !l.contains(&format!(" {eu}<")) && !l.contains(&format!(" {eu} "))),
        "{location_changes:?}"
    );
    assert!(page.body.contains("project deleted"));
    assert!(
        !page.body.contains("<strong>id</strong>"),
        "row ids are not history"
    );

    assert_eq!(
        alice
            .post(&format!("/admin/projects/{id}/restore"), &[])
            .await
            .status,
        303
    );
    assert!(alice
        .get("/admin/projects")
        .await
        .body
        .contains("Statements 2026"));
    for action in [
        "project.created",
        "project.updated",
        "project.deleted",
        "project.restored",
    ] {
        assert_eq!(app.audit_rows(action).len(), 1, "{action}");
    }
    let still_there: i64 = projects::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(still_there, 1, "soft delete keeps the row");
}

#[actix_web::test]
async fn cycles_are_numbered_get_a_prefix_and_move_only_along_their_lifecycle() {
    let app = TestApp::spawn().await;
    let alice = app_admin_session(&app).await;
    assert_eq!(
        create(&alice, "Annual Report", "acme-annual").await.status,
        303
    );
    let project = project_named(&app, "Annual Report");

    for _ in 0..2 {
        assert_eq!(
            alice
                .post(&format!("/admin/projects/{project}/cycles"), &[])
                .await
                .status,
            303
        );
    }
    let rows: Vec<(i32, String, String, String)> = cycles::table
        .filter(cycles::project_id.eq(project))
        .order(cycles::cycle_number.asc())
        .select((
            cycles::id,
            cycles::cycle_name,
            cycles::s3_prefix,
            cycles::status,
        ))
        .load(&mut app.conn())
        .expect("cycles");
    assert_eq!(rows[0].1, "C1");
    assert_eq!(rows[0].2, "annual-report/C1");
    assert_eq!(rows[1].1, "C2");
    assert_eq!(rows[1].2, "annual-report/C2");
    assert_eq!(rows[0].3, "pending");
    let c1 = rows[0].0;
    let base = format!("/admin/projects/{project}/cycles/{c1}");

    // The prefix is editable before the first upload...
    let edited = alice
        .post_htmx(
            &base,
            &[("s3_prefix", "annual/first"), ("description", "Q1")],
        )
        .await;
    assert_eq!(edited.status, 200);
    let bad = alice.post_htmx(&base, &[("s3_prefix", "a/../b")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("segments"));
    // ...and fixed after it.
    add_sync_session(&app, project, hopper::db::ids::CycleId(c1));
    let fixed = alice.post(&base, &[("s3_prefix", "elsewhere")]).await;
    assert_eq!(fixed.status, 422);
    assert!(fixed.body.contains("can no longer change"));
    let prefix: String = cycles::table
        .find(c1)
        .select(cycles::s3_prefix)
        .first(&mut app.conn())
        .expect("cycle");
    assert_eq!(prefix, "annual/first");

    let status = format!("{base}/status");
    let refused = alice.post(&status, &[("status", "completed")]).await;
    assert_eq!(refused.status, 409);
    assert!(refused
        .body
        .contains("A pending cycle cannot become completed"));
    for to in ["in_progress", "incomplete", "in_progress", "completed"] {
        let moved = alice.post(&status, &[("status", to)]).await;
        assert_eq!(moved.status, 303, "to {to}: {}", moved.body);
    }
    let (started, completed): (
        Option<chrono::DateTime<chrono::Utc>>,
        Option<chrono::DateTime<chrono::Utc>>,
    ) = cycles::table
        .find(c1)
        .select((cycles::started_at, cycles::completed_at))
        .first(&mut app.conn())
        .expect("cycle");
    assert!(started.is_some() && completed.is_some());
    // "Closed" is an admin's act of its own now (cycle_close.rs), not a status.
    let back = alice.post(&status, &[("status", "in_progress")]).await;
    assert_eq!(back.status, 409);
    assert!(back
        .body
        .contains("A completed cycle cannot become in progress"));
    assert_eq!(app.audit_rows("cycle.created").len(), 2);
    assert_eq!(app.audit_rows("cycle.updated").len(), 1);
    assert_eq!(app.audit_rows("cycle.status_changed").len(), 4);
}

#[actix_web::test]
async fn users_see_only_the_projects_granted_to_them_and_admins_see_all() {
    let app = TestApp::spawn().await;
    let company = app.default_company();
    let alice = app_admin_session(&app).await;
    let open = create_project(&app, company, "Open Books");
    let secret = create_project(&app, company, "Board Minutes");
    create_cycle(&app, open, 1);
    let frank = UserFixture::new("frank").create(&app).await;
    let as_frank = app.session_for(&frank).await;
    assert!(as_frank
        .get("/projects")
        .await
        .body
        .contains("You have no projects yet"));

    let granted = alice
        .post(
            &format!("/admin/projects/{open}/access"),
            &[
                ("user_id", &frank.id.to_string()),
                ("access_role", "uploader"),
            ],
        )
        .await;
    assert_eq!(granted.status, 303);
    let list = as_frank.get("/projects").await;
    assert!(list.body.contains("Open Books"));
    assert!(!list.body.contains("Board Minutes"));
    let page = as_frank.get(&format!("/projects/{open}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("You may upload here."));
    assert!(page.body.contains("C1"));
    assert_eq!(
        as_frank.get(&format!("/projects/{secret}")).await.status,
        404
    );
    assert_eq!(app.audit_rows("access_denied").len(), 1);

    let admin_list = alice.get("/projects").await;
    assert!(admin_list.body.contains("Open Books") && admin_list.body.contains("Board Minutes"));

    // Changing the role, then revoking.
    alice
        .post(
            &format!("/admin/projects/{open}/access"),
            &[
                ("user_id", &frank.id.to_string()),
                ("access_role", "viewer"),
            ],
        )
        .await;
    assert!(as_frank
        .get(&format!("/projects/{open}"))
        .await
        .body
        .contains("You may view this project."));
    let revoked = alice
        .post(
            &format!("/admin/projects/{open}/access/{}/revoke", frank.id),
            &[],
        )
        .await;
    assert_eq!(revoked.status, 303);
    assert_eq!(as_frank.get(&format!("/projects/{open}")).await.status, 404);
    let grants = app.audit_rows("project_access.granted");
    assert_eq!(grants.len(), 2);
    assert_eq!(grants[1].details["before"]["access_role"], "uploader");
    assert_eq!(grants[1].details["after"]["access_role"], "viewer");
    assert_eq!(app.audit_rows("project_access.revoked").len(), 1);
    // The project's history names whom access was given, and the access in words.
    let history = alice.get(&format!("/admin/projects/{open}")).await.body;
    assert!(
        history.contains(
            "project access granted: <span class=\"subject\">frank Example (frank)</span>"
        ),
        "{history}"
    );
    assert!(history
        .contains("project access revoked: <span class=\"subject\">frank Example (frank)</span>"));
    assert!(history.contains("<strong>Access</strong>: Uploader → Viewer"));
    assert!(history.contains("<strong>Access</strong>: no access → Uploader"));
    assert!(history.contains("<strong>Access</strong>: Viewer → no access"));
    assert!(
        !history.contains(&format!("user {}", frank.id)),
        "no user ids in the history"
    );

    let bad_role = alice
        .post(
            &format!("/admin/projects/{open}/access"),
            &[("user_id", &frank.id.to_string()), ("access_role", "owner")],
        )
        .await;
    assert_eq!(bad_role.status, 400);
}

/// One decision for "may upload": an admin who also holds a viewer grant keeps every
/// right of an admin, on the project page and at the upload itself alike.
#[actix_web::test]
async fn an_admin_with_a_viewer_grant_still_sees_and_uses_the_upload_link() {
    let app = TestApp::spawn().await;
    let company = app.default_company();
    let alice_user = admin(&app).await;
    let alice = app.session_for(&alice_user).await;
    let project = create_project(&app, company, "Ledgers");
    let cycle = create_cycle(&app, project, 1);
    grant_access(&app, company, project, alice_user.id, "viewer");

    let page = alice.get(&format!("/projects/{project}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("You administer this project."),
        "{}",
        page.body
    );
    let upload_link = format!("/projects/{project}/cycles/{cycle}/upload");
    assert!(page.body.contains(&upload_link), "{}", page.body);
    assert_eq!(alice.get(&upload_link).await.status, 200);

    // A plain viewer sees the project without the link, and is refused the upload page.
    let victor = UserFixture::new("victor").create(&app).await;
    grant_access(&app, company, project, victor.id, "viewer");
    let as_victor = app.session_for(&victor).await;
    let page = as_victor.get(&format!("/projects/{project}")).await;
    assert!(page.body.contains("You may view this project."));
    assert!(!page.body.contains(&upload_link));
    assert_eq!(as_victor.get(&upload_link).await.status, 403);
}
