//! The operator runs the installation's companies from the browser.

use diesel::prelude::*;
use hopper::db::ids::CompanyId;
use hopper::schema::{auth_sessions, companies, company_links};

use crate::helpers::{create_company, create_project, TestApp, UserFixture, UserSession};

fn company_by_code(app: &TestApp, code: &str) -> CompanyId {
    companies::table
        .filter(companies::company_code.eq(code))
        .select(companies::id)
        .first(&mut app.conn())
        .expect("company")
}

async fn operator(app: &TestApp) -> UserSession<'_> {
    let user = UserFixture::new("operator")
        .role("superadmin")
        .create(app)
        .await;
    app.session_for(&user).await
}

#[actix_web::test]
async fn the_operator_creates_a_company_with_links_and_its_first_admin() {
    let app = TestApp::spawn().await;
    let op = operator(&app).await;

    let bad = op
        .post_htmx(
            "/operator/companies",
            &[
                ("company_name", "Acme"),
                ("company_code", "ac me"),
                ("contact_email", "nope"),
                ("link_linkedin", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("A code starts with"));
    assert!(bad.body.contains("Enter an email address"));
    assert!(bad
        .body
        .contains("Enter a full address starting with https://."));

    let created = op
        .post(
            "/operator/companies",
            &[
                ("company_name", "Acme Ltd"),
                ("company_code", "acme"),
                ("contact_email", "office@acme.test"),
                ("link_website", "https://acme.test"),
                ("link_linkedin", "https://www.linkedin.com/company/acme"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let acme = company_by_code(&app, "ACME");
    let links: i64 = company_links::table
        .filter(company_links::company_id.eq(acme))
        .count()
        .get_result(&mut app.conn())
        .expect("links");
    assert_eq!(links, 2);
    let rows = app.audit_rows("company.created");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].company_id, Some(acme));

    let duplicate = op
        .post(
            "/operator/companies",
            // Only the case differs: the same name to a person.
            &[("company_name", "ACME ltd"), ("company_code", "ACME2")],
        )
        .await;
    assert_eq!(duplicate.status, 422);
    assert!(duplicate
        .body
        .contains("Another company already has this name."));

    let before = op.get(&format!("/operator/companies/{acme}")).await;
    assert!(before.body.contains("No admin yet"), "{}", before.body);
    let first_admin = op
        .post(
            &format!("/operator/companies/{acme}/first-admin"),
            &[
                ("username", "acme.admin"),
                ("email", "admin@acme.test"),
                ("full_name", "Ada"),
            ],
        )
        .await;
    assert_eq!(first_admin.status, 200, "{}", first_admin.body);
    assert!(first_admin.body.contains("one-time-password"));
    // Every way on from that page opens for the operator (no 403 dead end).
    let links: Vec<String> = first_admin
        .body
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with("/operator/companies"))
        .map(str::to_owned)
        .collect();
    assert!(links.len() >= 2, "{}", first_admin.body);
    for link in &links {
        assert_eq!(op.get(link).await.status, 200, "{link}");
    }
    // The company's page names its admins, so the operator knows whom to call.
    let page = op.get(&format!("/operator/companies/{acme}")).await;
    let admins = &page.body[page.body.find("id=\"admins\"").expect("admins")..];
    assert!(
        admins.contains("acme.admin") && admins.contains("admin@acme.test"),
        "{}",
        page.body
    );
    let created = app.audit_rows("user.created");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].company_id, Some(acme));
    assert_eq!(created[0].details["after"]["role"], "admin");

    let list = op.get("/operator/companies?q=acme").await;
    assert!(list.body.contains("Acme Ltd"));
    assert!(!list.body.contains("<code>DEFAULT</code>"));
}

#[actix_web::test]
async fn deactivating_a_company_signs_out_all_its_users() {
    let app = TestApp::spawn().await;
    let op = operator(&app).await;
    let acme = create_company(&app, "ACME", true);
    let u1 = UserFixture::new("acme1").company(acme).create(&app).await;
    let u2 = UserFixture::new("acme2")
        .role("admin")
        .company(acme)
        .create(&app)
        .await;
    let s1 = app.session_for(&u1).await;
    let s2 = app.session_for(&u2).await;

    let done = op
        .post(&format!("/operator/companies/{acme}/deactivate"), &[])
        .await;
    assert_eq!(done.status, 303);
    let live: i64 = auth_sessions::table
        .filter(auth_sessions::revoked_at.is_null())
        .filter(auth_sessions::user_id.eq_any([u1.id, u2.id]))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(live, 0);
    assert_eq!(s1.get("/").await.location.as_deref(), Some("/login"));
    assert_eq!(
        s2.get("/admin/users").await.location.as_deref(),
        Some("/login")
    );
    let rows = app.audit_rows("company.deactivated");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].details["sessions_signed_out"], 2);

    assert_eq!(
        op.post(&format!("/operator/companies/{acme}/activate"), &[])
            .await
            .status,
        303
    );
    assert_eq!(app.sign_in(&u1.username, &u1.password).await.status, 303);
}

#[actix_web::test]
async fn the_operator_opens_a_companys_administration_and_each_visit_is_audited() {
    let app = TestApp::spawn().await;
    let op = operator(&app).await;
    let acme = create_company(&app, "ACME", true);
    let other = create_company(&app, "OTHER", true);
    UserFixture::new("acme.user")
        .company(acme)
        .create(&app)
        .await;
    let other_project = create_project(&app, other, "Other Books");

    // Without an opened company there is nothing to administer.
    assert_eq!(op.get("/admin/users").await.status, 403);

    let opened = op
        .post(&format!("/operator/companies/{acme}/open"), &[])
        .await;
    assert_eq!(opened.status, 303);
    let users = op.get("/admin/users").await;
    assert_eq!(users.status, 200);
    assert!(users.body.contains("acme.user"));
    assert!(users.body.contains("You are administering"));
    let rows = app.audit_rows("company.opened_by_operator");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].company_id, Some(acme));

    // Inside ACME, another company's project is as missing as for ACME's own admin.
    assert_eq!(
        op.get(&format!("/admin/projects/{other_project}"))
            .await
            .status,
        404
    );

    assert_eq!(op.post("/operator/leave", &[]).await.status, 303);
    assert_eq!(op.get("/admin/users").await.status, 403);
}

#[actix_web::test]
async fn only_the_operator_reaches_the_company_screens() {
    let app = TestApp::spawn().await;
    let admin = UserFixture::new("alice").role("admin").create(&app).await;
    let alice = app.session_for(&admin).await;
    assert_eq!(alice.get("/operator/companies").await.status, 403);
    let acme = create_company(&app, "ACME", true);
    assert_eq!(
        alice
            .post(&format!("/operator/companies/{acme}/deactivate"), &[])
            .await
            .status,
        403
    );
    let active: bool = companies::table
        .find(acme)
        .select(companies::is_active)
        .first(&mut app.conn())
        .expect("company");
    assert!(active);
}
