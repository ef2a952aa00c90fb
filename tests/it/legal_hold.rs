//! Legal hold: placed by an admin on a company, a project or a cycle (who, why, when;
//! audited), it blocks every deletion of what it covers — retention, an admin's delete of
//! a file or a project — with a 409 and a sentence, until an admin lifts it with a reason.

use diesel::prelude::*;
use hopper::db::ids::{CycleId, ProjectId};
use hopper::schema::legal_holds;

use crate::helpers::{create_company, create_project, TestApp, UserFixture, UserSession};
use crate::retention::{closed_a_day_past_retention, file_of, run, setup, tombstone, upload};
use crate::uploads::{content, s3_object};

/// The newest hold's id.
fn last_hold(app: &TestApp) -> i32 {
    legal_holds::table
        .order(legal_holds::id.desc())
        .select(legal_holds::id)
        .first(&mut app.conn())
        .expect("a hold")
}

async fn place(
    admin: &UserSession<'_>,
    project: Option<ProjectId>,
    cycle: Option<CycleId>,
    reason: &str,
) -> u16 {
    let project = project.map_or_else(String::new, |p| p.to_string());
    let cycle = cycle.map_or_else(String::new, |c| c.to_string());
    admin
        .post(
            "/admin/holds",
            &[
                ("project_id", &project),
                ("cycle_id", &cycle),
                ("reason", reason),
            ],
        )
        .await
        .status
}

async fn lift(admin: &UserSession<'_>, hold: i32, reason: &str) -> crate::helpers::Page {
    admin
        .post(&format!("/admin/holds/{hold}/lift"), &[("reason", reason)])
        .await
}

#[actix_web::test]
async fn a_hold_on_the_company_a_project_or_a_cycle_keeps_files_from_retention() {
    let app = TestApp::spawn().await;
    let (t, admin) = setup(&app).await;
    let alice = app.session_for(&admin).await;
    let uma = app.session_for(&t.uploader).await;
    upload(&uma, t.project, t.cycle, &[("a.bin", &content(1200, 4))]).await;
    closed_a_day_past_retention(&app, &alice, &t).await;
    // Sessions end while the clock moves: sign in again.
    let alice = app.session_for(&admin).await;
    let (id, key) = file_of(&app, t.cycle, "a.bin");

    for (project, cycle) in [
        (None, None),
        (Some(t.project), None),
        (Some(t.project), Some(t.cycle)),
    ] {
        assert_eq!(place(&alice, project, cycle, "Smith v. Acme").await, 303);
        let hold = last_hold(&app);
        for dry_run in [true, false] {
            let report = run(&app, dry_run).await;
            assert!(report.deleted.is_empty(), "{report:?}");
            assert_eq!(report.held.len(), 1, "{report:?}");
            assert!(report.held[0].why.contains("Smith v. Acme"), "{report:?}");
        }
        assert!(tombstone(&app, id).3.is_none(), "kept whole");
        assert!(s3_object(&app, &t.bucket, &key).await.is_some());
        assert_eq!(lift(&alice, hold, "Case settled").await.status, 303);
    }
    assert_eq!(app.audit_rows("legal_hold.placed").len(), 3);
    assert_eq!(app.audit_rows("legal_hold.lifted").len(), 3);

    // Every hold lifted: retention deletes it.
    let report = run(&app, false).await;
    assert_eq!(report.deleted.len(), 1, "{report:?}");
    assert_eq!(s3_object(&app, &t.bucket, &key).await, None);
}

#[actix_web::test]
async fn a_hold_blocks_an_admins_deletes_with_a_409_until_an_admin_lifts_it_with_a_reason() {
    let app = TestApp::spawn().await;
    let (t, admin) = setup(&app).await;
    let alice = app.session_for(&admin).await;
    let uma = app.session_for(&t.uploader).await;
    upload(&uma, t.project, t.cycle, &[("a.bin", &content(900, 5))]).await;
    let (file, _) = file_of(&app, t.cycle, "a.bin");

    // Only an admin places a hold, and with a reason.
    assert_eq!(place(&uma, Some(t.project), None, "Because").await, 403);
    assert_eq!(
        place(&alice, Some(t.project), Some(t.cycle), "  ").await,
        400
    );
    assert_eq!(
        place(&alice, Some(t.project), Some(t.cycle), "Audit of FY2026").await,
        303
    );
    let hold = last_hold(&app);
    let placed = app.audit_rows("legal_hold.placed");
    assert_eq!(placed.len(), 1);
    assert_eq!(placed[0].details["reason"], "Audit of FY2026");
    assert_eq!(placed[0].details["covers"], "cycle C1 of Intake");
    assert_eq!(placed[0].actor_username.as_deref(), Some("alice"));

    // The pages list it, with who, why and a lift form.
    let holds = alice.get("/admin/holds").await;
    assert_eq!(holds.status, 200);
    let lift_action = format!("/admin/holds/{hold}/lift");
    for said in [
        "cycle C1 of Intake",
        "Audit of FY2026",
        "alice",
        lift_action.as_str(),
    ] {
        assert!(holds.body.contains(said), "{said}: {}", holds.body);
    }
    let project_page = alice.get(&format!("/admin/projects/{}", t.project)).await;
    assert!(
        project_page.body.contains("Audit of FY2026"),
        "{}",
        project_page.body
    );

    // An admin's delete of the file, and of the project, answer 409 with the sentence.
    let refused = alice
        .post(&format!("/admin/files/{file}/delete"), &[])
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("This file is under legal hold (placed by alice on")
            && refused.body.contains("Audit of FY2026"),
        "{}",
        refused.body
    );
    let refused = alice
        .post(&format!("/admin/projects/{}/delete", t.project), &[])
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused.body.contains("This project is under legal hold"),
        "{}",
        refused.body
    );
    assert!(app.audit_rows("file.deleted").is_empty());
    assert!(app.audit_rows("project.deleted").is_empty());

    // Lifting: an admin only, with a reason, once; audited.
    assert_eq!(lift(&uma, hold, "Done").await.status, 403);
    assert_eq!(lift(&alice, hold, "").await.status, 400);
    assert_eq!(lift(&alice, hold, "Audit closed").await.status, 303);
    assert_eq!(lift(&alice, hold, "Again").await.status, 409);
    let lifted = app.audit_rows("legal_hold.lifted");
    assert_eq!(lifted.len(), 1);
    assert_eq!(lifted[0].details["reason"], "Audit closed");
    assert_eq!(lifted[0].details["hold_reason"], "Audit of FY2026");

    // Now the deletes go through.
    assert_eq!(
        alice
            .post(&format!("/admin/files/{file}/delete"), &[])
            .await
            .status,
        303
    );
    assert_eq!(
        alice
            .post(&format!("/admin/projects/{}/delete", t.project), &[])
            .await
            .status,
        303
    );
}

#[actix_web::test]
async fn another_companys_hold_or_project_is_a_404() {
    let app = TestApp::spawn().await;
    let (t, admin) = setup(&app).await;
    let alice = app.session_for(&admin).await;
    let other = create_company(&app, "OTHER", true);
    let theirs = create_project(&app, other, "Theirs");
    let bob = UserFixture::new("bob")
        .role("admin")
        .company(other)
        .create(&app)
        .await;
    let bob = app.session_for(&bob).await;
    assert_eq!(place(&bob, None, None, "Their litigation").await, 303);
    let their_hold = last_hold(&app);

    assert_eq!(lift(&alice, their_hold, "Not mine").await.status, 404);
    assert_eq!(place(&alice, Some(theirs), None, "Not mine").await, 404);
    // A cycle named without its project, or of another project, is a 404 too.
    assert_eq!(place(&alice, None, Some(t.cycle), "No project").await, 404);
    let their_cycle = crate::helpers::create_cycle(&app, theirs, 1);
    assert_eq!(
        place(&alice, Some(t.project), Some(their_cycle), "Not mine").await,
        404
    );
    // Their company-wide hold does not cover alice's company.
    let page = alice.get("/admin/holds").await;
    assert!(!page.body.contains("Their litigation"), "{}", page.body);
    assert!(page.body.contains("No active legal holds"), "{}", page.body);
}

/// Text with a NUL character (PostgreSQL stores none) is refused with a sentence, never a
/// 500: a free-text reason by the database's refusal (400, `input.nul_character`), a
/// name by its own field check (422).
#[actix_web::test]
async fn a_nul_character_in_typed_text_is_a_400() {
    let app = TestApp::spawn().await;
    let (t, admin) = setup(&app).await;
    let alice = app.session_for(&admin).await;
    let status = place(&alice, Some(t.project), None, "Smith\0v. Acme").await;
    assert_eq!(status, 400);
    let location: i32 = hopper::schema::projects::table
        .find(t.project)
        .select(hopper::schema::projects::storage_location_id)
        .first(&mut app.conn())
        .expect("the project's location");
    let created = alice
        .post(
            "/admin/projects",
            &[
                ("project_name", "Year\0end"),
                ("storage_location_id", &location.to_string()),
                ("is_active", "on"),
            ],
        )
        .await;
    // A name field says it itself, beside the field.
    assert_eq!(created.status, 422, "{}", created.body);
    assert!(created.body.contains("control"), "{}", created.body);
    assert!(app.audit_rows("legal_hold.placed").is_empty());
}
