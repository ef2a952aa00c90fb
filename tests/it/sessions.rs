//! Server-side sessions: revocation, expiry, forged and replayed cookies.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use hopper::schema::{auth_sessions, companies, users};

use crate::helpers::{session_cookie, TestApp, UserFixture};

/// The raw session cookie the app set on `client` (read back from a sign-in response).
async fn sign_in_and_capture_cookie(
    app: &TestApp,
    client: &reqwest::Client,
    user: &str,
    password: &str,
) -> String {
    let login = app.get_with(client, "/login").await;
    let response = client
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", login.csrf_token().as_str()),
            ("username", user),
            ("password", password),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 303);
    session_cookie(response.headers()).expect("session cookie")
}

/// GET `path` with exactly this cookie and nothing else.
async fn get_with_cookie(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(app.url(path))
        .header("Cookie", cookie)
        .send()
        .await
        .expect("GET")
}

fn session_count(app: &TestApp) -> i64 {
    auth_sessions::table
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

fn live_session_count(app: &TestApp) -> i64 {
    auth_sessions::table
        .filter(auth_sessions::revoked_at.is_null())
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

#[actix_web::test]
async fn the_old_cookie_is_refused_after_sign_out() {
    let app = TestApp::spawn().await;
    let alice = UserFixture::new("alice").create(&app).await;
    let cookie = sign_in_and_capture_cookie(&app, &app.client, "alice", &alice.password).await;
    assert_eq!(get_with_cookie(&app, "/", &cookie).await.status(), 200);

    let token = app.csrf_token().await;
    assert_eq!(
        app.post_form("/logout", &[("csrf_token", &token)])
            .await
            .status,
        303
    );

    let replay = get_with_cookie(&app, "/", &cookie).await;
    assert_eq!(replay.status(), 303);
    assert_eq!(replay.headers()["location"], "/login");
    let revoked: Option<chrono::DateTime<Utc>> = auth_sessions::table
        .select(auth_sessions::revoked_at)
        .first(&mut app.conn())
        .expect("row");
    assert!(revoked.is_some(), "the row is revoked, not deleted");
}

#[actix_web::test]
async fn a_forged_cookie_creates_no_session() {
    let app = TestApp::spawn().await;
    for forged in [
        "hopper_session=forged-value",
        "hopper_session=",
        "hopper_session=%00%01",
    ] {
        let response = get_with_cookie(&app, "/", forged).await;
        assert_eq!(response.status(), 303);
        assert!(
            response.headers().get("set-cookie").is_none(),
            "no session for {forged}"
        );
    }
    assert_eq!(session_count(&app), 0);
}

#[actix_web::test]
async fn signing_in_again_replaces_the_session_key() {
    let app = TestApp::spawn().await;
    let alice = UserFixture::new("alice").create(&app).await;
    let first = sign_in_and_capture_cookie(&app, &app.client, "alice", &alice.password).await;
    let token = app.csrf_token().await;
    // A second sign-in from the same browser (e.g. another tab) renews the key.
    let response = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", "alice"),
            ("password", alice.password.as_str()),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 303);
    let second = session_cookie(response.headers()).expect("new cookie");
    assert_ne!(first, second);
    assert_eq!(
        get_with_cookie(&app, "/", &first).await.status(),
        303,
        "old key is dead"
    );
    assert_eq!(get_with_cookie(&app, "/", &second).await.status(), 200);
}

#[actix_web::test]
async fn idle_and_absolute_expiry_end_a_session() {
    let app = TestApp::spawn().await;
    let alice = UserFixture::new("alice").create(&app).await;

    app.signed_in_as(&alice).await;
    // Idle for longer than the 30-minute timeout.
    diesel::update(auth_sessions::table)
        .set(auth_sessions::last_active_at.eq(Utc::now() - Duration::minutes(31)))
        .execute(&mut app.conn())
        .expect("age session");
    assert_eq!(app.get("/").await.location.as_deref(), Some("/login"));

    // Active all along, but past the absolute lifetime.
    let client = TestApp::new_client();
    let page = app.sign_in_with(&client, "alice", &alice.password).await;
    assert_eq!(page.status, 303);
    assert_eq!(app.get_with(&client, "/").await.status, 200);
    diesel::update(auth_sessions::table.filter(auth_sessions::revoked_at.is_null()))
        .set((
            auth_sessions::created_at.eq(Utc::now() - Duration::hours(13)),
            auth_sessions::expires_at.eq(Utc::now() - Duration::minutes(1)),
        ))
        .execute(&mut app.conn())
        .expect("expire session");
    assert_eq!(
        app.get_with(&client, "/").await.location.as_deref(),
        Some("/login")
    );
}

#[actix_web::test]
async fn deactivating_a_user_or_company_ends_sessions_on_the_next_request() {
    let app = TestApp::spawn().await;
    let alice = UserFixture::new("alice").create(&app).await;
    app.signed_in_as(&alice).await;
    diesel::update(users::table.find(alice.id))
        .set(users::is_active.eq(false))
        .execute(&mut app.conn())
        .expect("deactivate");
    assert_eq!(app.get("/").await.location.as_deref(), Some("/login"));
    assert_eq!(live_session_count(&app), 0, "the session was revoked");

    let bob = UserFixture::new("bob").create(&app).await;
    let client = TestApp::new_client();
    assert_eq!(
        app.sign_in_with(&client, "bob", &bob.password).await.status,
        303
    );
    diesel::update(companies::table.find(bob.company_id))
        .set(companies::is_active.eq(false))
        .execute(&mut app.conn())
        .expect("deactivate company");
    assert_eq!(
        app.get_with(&client, "/").await.location.as_deref(),
        Some("/login")
    );
}

#[actix_web::test]
async fn changing_the_password_signs_out_the_other_sessions() {
    let app = TestApp::spawn().await;
    let alice = UserFixture::new("alice").create(&app).await;
    let laptop = TestApp::new_client();
    let phone = TestApp::new_client();
    app.sign_in_with(&laptop, "alice", &alice.password).await;
    app.sign_in_with(&phone, "alice", &alice.password).await;

    let form = app.get_with(&laptop, "/account/password").await;
    let new_password = "a completely new passphrase";
    let changed = app
        .post_form_with(
            &laptop,
            "/account/password",
            &[
                ("csrf_token", &form.csrf_token()),
                ("current_password", &alice.password),
                ("new_password", new_password),
                ("confirm_password", new_password),
            ],
        )
        .await;
    assert_eq!(changed.status, 303);
    let home = app.get_with(&laptop, "/").await;
    assert!(
        home.body.contains("your other session was signed out"),
        "{}",
        home.body
    );
    assert_eq!(
        app.get_with(&phone, "/").await.location.as_deref(),
        Some("/login")
    );
    let audit = app.audit_rows("auth.password_changed");
    assert_eq!(audit[0].details["other_sessions_signed_out"], 1);
}

#[actix_web::test]
async fn htmx_requests_without_a_session_are_told_to_load_the_sign_in_page() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/"))
        .header("HX-Request", "true")
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["hx-redirect"], "/login");
}
