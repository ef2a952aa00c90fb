//! Sign-in, sign-out, password changes and CSRF, through HTTP as a browser does it.

use diesel::prelude::*;
use hopper::schema::{auth_sessions, user_profiles, users};

use crate::helpers::{create_company, set_cookie_header, TestApp, UserFixture};

const FAILED: &str = "Wrong username or password, or the account is not active.";

#[actix_web::test]
async fn sign_in_and_sign_out_are_audited_with_address_and_user_agent() {
    let app = TestApp::spawn().await;
    let alice = UserFixture::new("alice").create(&app).await;

    app.signed_in_as(&alice).await;
    let home = app.get("/").await;
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("alice Example"),
        "home shows who is signed in"
    );
    assert!(
        home.body.contains("Default Company (DEFAULT)"),
        "home shows the company"
    );

    let token = home.csrf_token();
    let out = app.post_form("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location.as_deref(), Some("/login?signed_out=1"));
    assert!(out.headers.contains_key("clear-site-data"));
    assert_eq!(app.get("/").await.location.as_deref(), Some("/login"));

    let sign_ins = app.audit_rows("auth.sign_in");
    let sign_outs = app.audit_rows("auth.sign_out");
    assert_eq!(sign_ins.len(), 1);
    assert_eq!(sign_outs.len(), 1);
    for row in sign_ins.iter().chain(&sign_outs) {
        assert_eq!(row.actor_user_id, Some(alice.id));
        assert_eq!(row.company_id, Some(alice.company_id));
        assert_eq!(row.ip_address.as_deref(), Some("127.0.0.1"));
        assert_eq!(row.user_agent.as_deref(), Some("hopper-tests/1.0"));
    }
    let last_login: Option<chrono::DateTime<chrono::Utc>> = users::table
        .find(alice.id)
        .select(users::last_login)
        .first(&mut app.conn())
        .expect("user");
    assert!(last_login.is_some(), "last_login is recorded");
}

#[actix_web::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let alice = UserFixture::new("alice").create(&app).await;

    let wrong = app.sign_in(&alice.username, "not-the-password").await;
    let unknown = app.sign_in("nobody-here", "not-the-password").await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    assert!(wrong.body.contains(FAILED));
    assert!(unknown.body.contains(FAILED));
    // Same page apart from the username typed back into the form.
    assert_eq!(
        wrong
            .body
            .replace(&alice.username, "X")
            .replace(&wrong.csrf_token(), "T"),
        unknown
            .body
            .replace("nobody-here", "X")
            .replace(&unknown.csrf_token(), "T"),
    );

    let failures = app.audit_rows("auth.sign_in_failed");
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0].details["reason"], "wrong_password");
    assert_eq!(failures[0].details["username"], "alice");
    assert_eq!(failures[1].details["reason"], "unknown_user");
    assert_eq!(failures[1].ip_address.as_deref(), Some("127.0.0.1"));
    assert_eq!(app.get("/").await.location.as_deref(), Some("/login"));
}

#[actix_web::test]
async fn inactive_users_and_users_of_inactive_companies_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let dormant = UserFixture::new("dormant").inactive().create(&app).await;
    let closed = create_company(&app, "CLOSED", false);
    let bob = UserFixture::new("bob").company(closed).create(&app).await;

    for user in [&dormant, &bob] {
        let page = app.sign_in(&user.username, &user.password).await;
        assert_eq!(page.status, 401, "{} must not sign in", user.username);
        assert!(page.body.contains(FAILED));
    }
    let reasons: Vec<_> = app
        .audit_rows("auth.sign_in_failed")
        .iter()
        .map(|r| r.details["reason"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(reasons, ["inactive", "inactive"]);
    let sessions: i64 = auth_sessions::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(sessions, 0);
}

#[actix_web::test]
async fn the_seeded_admin_must_change_the_password_before_anything_else() {
    let app = TestApp::spawn().await;

    let page = app.sign_in("admin", "admin123").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/account/password"));
    // Every other page sends them back to the password form.
    assert_eq!(
        app.get("/").await.location.as_deref(),
        Some("/account/password")
    );
    let form = app.get("/account/password").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("forced-notice"));

    // Weak, mismatched or reused passwords are refused next to the field.
    let token = form.csrf_token();
    let weak = app
        .post_form(
            "/account/password",
            &[
                ("csrf_token", &token),
                ("current_password", "admin123"),
                ("new_password", "password123"),
                ("confirm_password", "password123"),
            ],
        )
        .await;
    assert_eq!(weak.status, 422);
    assert!(weak.body.contains("too common"), "{}", weak.body);
    let mismatch = app
        .post_form(
            "/account/password",
            &[
                ("csrf_token", &token),
                ("current_password", "admin123"),
                ("new_password", "a brand new passphrase"),
                ("confirm_password", "a different passphrase"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, 422);
    assert!(mismatch.body.contains("The two new passwords differ."));
    let wrong_current = app
        .post_form(
            "/account/password",
            &[
                ("csrf_token", &token),
                ("current_password", "guess"),
                ("new_password", "a brand new passphrase"),
                ("confirm_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(wrong_current.status, 422);
    assert!(wrong_current
        .body
        .contains("This is not your current password."));

    let long_unicode = "ünïcödé passphrase — ".repeat(5);
    let changed = app
        .post_form(
            "/account/password",
            &[
                ("csrf_token", &token),
                ("current_password", "admin123"),
                ("new_password", &long_unicode),
                ("confirm_password", &long_unicode),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    let home = app.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Your password has been changed."));
    let must_change: bool = user_profiles::table
        .inner_join(users::table)
        .filter(users::username.eq("admin"))
        .select(user_profiles::must_change_password)
        .first(&mut app.conn())
        .expect("profile");
    assert!(!must_change);
    assert_eq!(app.audit_rows("auth.password_changed").len(), 1);

    // The old password no longer works; the new one, untruncated, does.
    let fresh = TestApp::new_client();
    assert_eq!(
        app.sign_in_with(&fresh, "admin", "admin123").await.status,
        401
    );
    let truncated: String = long_unicode.chars().take(20).collect();
    assert_eq!(
        app.sign_in_with(&fresh, "admin", &truncated).await.status,
        401
    );
    assert_eq!(
        app.sign_in_with(&fresh, "admin", &long_unicode)
            .await
            .status,
        303
    );
}

#[actix_web::test]
async fn state_changing_requests_need_the_csrf_token() {
    let app = TestApp::spawn().await;
    let alice = UserFixture::new("alice").create(&app).await;

    // The sign-in form itself: no token, a wrong token.
    let no_token = app
        .post_form(
            "/login",
            &[("username", "alice"), ("password", &alice.password)],
        )
        .await;
    assert_eq!(no_token.status, 403);
    assert!(no_token.body.contains("Reload the page"));
    app.get("/login").await;
    let wrong = app
        .post_form(
            "/login",
            &[
                ("csrf_token", "forged"),
                ("username", "alice"),
                ("password", &alice.password),
            ],
        )
        .await;
    assert_eq!(wrong.status, 403);

    app.signed_in_as(&alice).await;
    let token = app.csrf_token().await;
    // Signed in: a form without the token, a cross-site request with it, a bad header.
    assert_eq!(app.post_form("/logout", &[]).await.status, 403);
    let cross_site = app
        .client
        .post(app.url("/logout"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .expect("POST");
    assert_eq!(cross_site.status(), 403);
    let bad_header = app
        .client
        .post(app.url("/logout"))
        .header("X-CSRF-Token", "nope")
        .send()
        .await
        .expect("POST");
    assert_eq!(bad_header.status(), 403);
    assert_eq!(app.get("/").await.status, 200, "still signed in");

    // The header htmx sends is accepted.
    let by_header = app
        .client
        .post(app.url("/logout"))
        .header("X-CSRF-Token", token.as_str())
        .send()
        .await
        .expect("POST");
    assert_eq!(by_header.status(), 303);
    assert_eq!(app.get("/").await.location.as_deref(), Some("/login"));
}

#[actix_web::test]
async fn repeated_failures_are_throttled_per_account_and_address() {
    let app = TestApp::spawn().await;
    let alice = UserFixture::new("alice").create(&app).await;
    for _ in 0..hopper::services::sign_in::MAX_FAILURES_PER_ACCOUNT {
        assert_eq!(app.sign_in("alice", "wrong-password").await.status, 401);
    }
    let throttled = app.sign_in("alice", &alice.password).await;
    assert_eq!(throttled.status, 429);
    assert!(throttled.headers.contains_key("retry-after"));
    assert!(throttled.body.contains("Too many failed sign-in attempts"));
    // Another account from the same address is not locked by alice's failures.
    let bob = UserFixture::new("bob").create(&app).await;
    app.signed_in_as(&bob).await;
}

#[actix_web::test]
async fn pages_carry_security_headers_and_a_hardened_session_cookie() {
    let app = TestApp::spawn().await;
    let alice = UserFixture::new("alice").create(&app).await;
    let login = app.get("/login").await;
    let csp = login.headers["content-security-policy"]
        .to_str()
        .expect("csp");
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(login.headers["x-content-type-options"], "nosniff");
    assert_eq!(login.headers["cache-control"], "no-store");
    assert!(login.headers.contains_key("x-request-id"));
    assert!(!login.body.contains("<script>"), "no inline script");

    let token = login.csrf_token();
    let response = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", "alice"),
            ("password", &alice.password),
        ])
        .send()
        .await
        .expect("POST");
    let cookie = set_cookie_header(response.headers()).expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Domain"), "{cookie}");
    // The cookie holds an opaque key; the table holds only its hash.
    let stored: Vec<u8> = auth_sessions::table
        .select(auth_sessions::key_hash)
        .first(&mut app.conn())
        .expect("session row");
    assert_eq!(stored.len(), 32);
    let value = cookie["hopper_session=".len()..]
        .split(';')
        .next()
        .unwrap_or_default();
    assert!(!value.contains(&hex::encode(&stored)));
}

/// The check and the record of an attempt are one step: a parallel burst of wrong guesses
/// gets exactly the allowed number of password checks, the rest 429. A correct password
/// afterwards is delayed (spaced), never locked out.
#[actix_web::test]
async fn a_parallel_burst_gets_no_more_guesses_and_the_owner_still_gets_in() {
    let app = TestApp::spawn().await;
    let alice = UserFixture::new("alice").create(&app).await;
    let clients: Vec<reqwest::Client> = (0..20).map(|_| TestApp::new_client()).collect();
    let burst = clients
        .iter()
        .map(|client| app.sign_in_with(client, "alice", "wrong-password"));
    let statuses: Vec<u16> = futures_util::future::join_all(burst)
        .await
        .into_iter()
        .map(|page| page.status)
        .collect();
    let max = usize::try_from(hopper::services::sign_in::MAX_FAILURES_PER_ACCOUNT).unwrap();
    assert_eq!(
        app.audit_rows("auth.sign_in_failed").len(),
        max,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), max);
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 20 - max);

    // Straight away this address is spaced; after the spacing (on the app's clock) the
    // owner signs in.
    assert_eq!(app.sign_in("alice", &alice.password).await.status, 429);
    app.state
        .services
        .clock()
        .advance(chrono::Duration::milliseconds(2_200));
    let owner = app.sign_in("alice", &alice.password).await;
    assert_eq!(owner.status, 303, "{}", owner.body);
}

/// X-Forwarded-For names the client only when the peer is a configured trusted proxy.
#[actix_web::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    async fn recorded_ip(app: &TestApp) -> Option<String> {
        let login = app.get("/login").await;
        app.client
            .post(app.url("/login"))
            .header("X-Forwarded-For", "203.0.113.50, 198.51.100.7")
            .form(&[
                ("csrf_token", login.csrf_token().as_str()),
                ("username", "nobody"),
                ("password", "wrong"),
            ])
            .send()
            .await
            .expect("POST");
        app.audit_rows("auth.sign_in_failed")
            .last()
            .and_then(|row| row.ip_address.clone())
    }
    let direct = TestApp::spawn().await;
    assert_eq!(recorded_ip(&direct).await.as_deref(), Some("127.0.0.1"));
    let proxied = TestApp::spawn_with(|config| {
        config.trusted_proxies = vec!["127.0.0.1/32".parse().expect("cidr")];
    })
    .await;
    assert_eq!(recorded_ip(&proxied).await.as_deref(), Some("198.51.100.7"));
}

/// Under HTTPS the anonymous CSRF cookie of the sign-in form is `Secure` and `__Host-`.
#[actix_web::test]
async fn the_anonymous_csrf_cookie_is_secure_under_https() {
    let app = TestApp::spawn_with(|config| config.session.cookie_secure = true).await;
    let login = app.get("/login").await;
    let set_cookie: Vec<String> = login
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let csrf = set_cookie
        .iter()
        .find(|c| c.contains("hopper_csrf"))
        .expect("csrf cookie");
    assert!(csrf.starts_with("__Host-hopper_csrf="), "{csrf}");
    assert!(csrf.contains("Secure"), "{csrf}");
}
