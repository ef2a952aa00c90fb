//! The two-factor policy (issue 29): a company admin requires a second factor, members
//! without one are sent to enrolment right after their password and reach nothing else;
//! an admin resets a member's factor (audited; the member's sessions end); another
//! company's admin cannot; the operator requires it of operators.

use diesel::prelude::*;
use hopper::schema::{api_tokens, auth_sessions};
use hopper::services::audit::actions;

use crate::helpers::{create_company, TestApp, UserFixture};
use crate::two_factor::{code_now, enrol, password_step, second_step, STEP};

#[actix_web::test]
async fn a_required_second_factor_is_set_up_before_anything_else() {
    let app = TestApp::spawn().await;
    let admin = UserFixture::new("ada").role("admin").create(&app).await;
    let member = UserFixture::new("max").create(&app).await;
    UserFixture::new("nia").create(&app).await;
    let admin_session = app.session_for(&admin).await;
    // The admin enrols first: the policy holds them too.
    enrol(&admin_session).await;
    let set = admin_session
        .post("/admin/two-factor-policy", &[("require", "on")])
        .await;
    assert_eq!(set.status, 303, "{}", set.body);
    let rows = app.audit_rows(actions::TWO_FACTOR_POLICY_CHANGED);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].details["after"]["require_two_factor"], true);

    // Right after the password: enrolment, and every other page sends there.
    let member_session = app.session_for(&member).await;
    for path in ["/", "/projects", "/account/sessions", "/dashboard"] {
        let page = member_session.get(path).await;
        assert_eq!(page.status, 303, "{path}");
        assert_eq!(
            page.location.as_deref(),
            Some("/account/two-factor"),
            "{path}"
        );
    }
    let owed = member_session.get("/account/two-factor").await;
    assert!(
        owed.body.contains("id=\"two-factor-owed\""),
        "{}",
        owed.body
    );
    let (secret, _) = enrol(&member_session).await;
    assert_eq!(member_session.get("/").await.status, 200);
    // Required: it cannot be turned off.
    app.state.services.clock().advance(STEP);
    let off = member_session
        .post(
            "/account/two-factor/disable",
            &[
                ("password", &member.password),
                ("code", &code_now(&app, &secret)),
            ],
        )
        .await;
    assert_ne!(off.status, 303);
    assert!(app.audit_rows(actions::TWO_FACTOR_DISABLED).is_empty());

    // The users page says who has which factor.
    let users = admin_session.get("/admin/users").await;
    let row = users
        .body
        .split("<tr>")
        .find(|r| r.contains(">max<"))
        .expect("max's row");
    assert!(row.contains("Authenticator app"), "{row}");
    let row = users
        .body
        .split("<tr>")
        .find(|r| r.contains(">nia<"))
        .expect("nia's row");
    assert!(row.contains("None"), "{row}");
}

#[actix_web::test]
async fn an_admin_reset_ends_the_members_sessions_and_another_companys_admin_cannot() {
    let app = TestApp::spawn().await;
    let admin = UserFixture::new("ada").role("admin").create(&app).await;
    let member = UserFixture::new("max").create(&app).await;
    let other_company = create_company(&app, "OTHER", true);
    let stranger = UserFixture::new("eve")
        .role("admin")
        .company(other_company)
        .create(&app)
        .await;
    let member_session = app.session_for(&member).await;
    enrol(&member_session).await;
    crate::api::create_token(
        &member_session,
        "/account/tokens",
        &[("name", "laptop"), ("days", "30"), ("scope", "read")],
    )
    .await;

    let path = format!("/admin/users/{}/reset-two-factor", member.id);
    let stranger_session = app.session_for(&stranger).await;
    let denied = stranger_session.post(&path, &[]).await;
    assert_eq!(denied.status, 404);
    assert!(app.audit_rows(actions::TWO_FACTOR_RESET).is_empty());

    let admin_session = app.session_for(&admin).await;
    let page = admin_session
        .get(&format!("/admin/users/{}", member.id))
        .await;
    assert!(page.body.contains("reset-two-factor"), "{}", page.body);
    let reset = admin_session.post(&path, &[]).await;
    assert_eq!(reset.status, 303, "{}", reset.body);
    let rows = app.audit_rows(actions::TWO_FACTOR_RESET);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].actor_username.as_deref(), Some("ada"));
    assert_eq!(rows[0].details["sessions_signed_out"], 1);
    // The member's session is over, and so are their tokens.
    let home = member_session.get("/").await;
    assert!(home.location.unwrap_or_default().starts_with("/login"));
    let live: i64 = auth_sessions::table
        .filter(auth_sessions::user_id.eq(member.id))
        .filter(auth_sessions::revoked_at.is_null())
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(live, 0);
    let live_tokens: i64 = api_tokens::table
        .filter(api_tokens::user_id.eq(member.id))
        .filter(api_tokens::revoked_at.is_null())
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(live_tokens, 0);
    // The password alone signs in again (no policy here).
    let page = app
        .sign_in_with(&TestApp::new_client(), &member.username, &member.password)
        .await;
    assert_eq!(page.location.as_deref(), Some("/"));
}

#[actix_web::test]
async fn the_operator_requires_two_factors_of_operators() {
    let app = TestApp::spawn().await;
    let operator = UserFixture::new("root")
        .role("superadmin")
        .create(&app)
        .await;
    let session = app.session_for(&operator).await;
    let set = session
        .post("/operator/two-factor-policy", &[("operators", "on")])
        .await;
    assert_eq!(set.status, 303, "{}", set.body);
    assert_eq!(
        session.get("/operator/companies").await.location.as_deref(),
        Some("/account/two-factor")
    );
    let (secret, _) = enrol(&session).await;
    assert_eq!(session.get("/operator/companies").await.status, 200);
    app.state.services.clock().advance(STEP);
    let browser = password_step(&app, &operator).await;
    let done = second_step(&app, &browser, &code_now(&app, &secret)).await;
    assert_eq!(done.status, 303);
}
