//! Every user's own profile, timezone and sessions.

use diesel::prelude::*;
use hopper::schema::{auth_sessions, user_profiles};

use crate::helpers::{TestApp, UserFixture};

#[actix_web::test]
async fn times_are_shown_in_the_timezone_the_user_chooses() {
    let app = TestApp::spawn().await;
    let user = UserFixture::new("grace").create(&app).await;
    let grace = app.session_for(&user).await;

    let sessions = grace.get("/account/sessions").await;
    assert!(sessions.body.contains(" UTC<"), "{}", sessions.body);

    let bad = grace
        .post_htmx(
            "/account/profile",
            &[("full_name", "Grace"), ("timezone", "Mars/Olympus")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Choose a timezone from the list."));

    let saved = grace
        .post(
            "/account/profile",
            &[
                ("full_name", "Grace Hopper"),
                ("phone", "+1 555 0100"),
                ("timezone", "Asia/Tokyo"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    let tz: String = user_profiles::table
        .find(user.id)
        .select(user_profiles::timezone)
        .first(&mut app.conn())
        .expect("profile");
    assert_eq!(tz, "Asia/Tokyo");
    let sessions = grace.get("/account/sessions").await;
    assert!(sessions.body.contains(" JST<"), "{}", sessions.body);
    assert!(!sessions.body.contains(" UTC<"));
    assert!(sessions.body.contains("Grace Hopper"));
    let rows = app.audit_rows("user.profile_updated");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].details["before"]["timezone"], "UTC");
    assert_eq!(rows[0].details["after"]["timezone"], "Asia/Tokyo");
}

#[actix_web::test]
async fn a_user_lists_their_sessions_and_signs_out_one_or_all_others() {
    let app = TestApp::spawn().await;
    let user = UserFixture::new("heidi").create(&app).await;
    let laptop = app.session_for(&user).await;
    let phone = app.session_for(&user).await;
    let tablet = app.session_for(&user).await;
    let other = UserFixture::new("ivan").create(&app).await;
    let ivan = app.session_for(&other).await;

    let list = laptop.get("/account/sessions").await;
    assert_eq!(list.body.matches("hopper-tests/1.0").count(), 3);
    assert!(list.body.contains("this session"));

    let ids: Vec<uuid::Uuid> = auth_sessions::table
        .filter(auth_sessions::user_id.eq(user.id))
        .order(auth_sessions::created_at.asc())
        .select(auth_sessions::id)
        .load(&mut app.conn())
        .expect("sessions");
    // Sign out the phone (the second session) from the laptop.
    let done = laptop
        .post(&format!("/account/sessions/{}/revoke", ids[1]), &[])
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(phone.get("/").await.location.as_deref(), Some("/login"));
    assert_eq!(tablet.get("/").await.status, 200);

    // Someone else's session is not found, and stays alive.
    let ivan_session: uuid::Uuid = auth_sessions::table
        .filter(auth_sessions::user_id.eq(other.id))
        .select(auth_sessions::id)
        .first(&mut app.conn())
        .expect("session");
    let foreign = laptop
        .post(&format!("/account/sessions/{ivan_session}/revoke"), &[])
        .await;
    assert_eq!(foreign.status, 404);
    assert_eq!(ivan.get("/").await.status, 200);

    let all = laptop.post("/account/sessions/revoke-others", &[]).await;
    assert_eq!(all.status, 303);
    assert_eq!(tablet.get("/").await.location.as_deref(), Some("/login"));
    assert_eq!(laptop.get("/").await.status, 200);
    assert_eq!(app.audit_rows("auth.session_revoked").len(), 2);
    assert_eq!(app.audit_rows("access_denied").len(), 1);
}
