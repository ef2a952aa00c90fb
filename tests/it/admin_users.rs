//! A company admin manages the company's users in the browser.

use diesel::prelude::*;
use hopper::schema::{auth_sessions, user_profiles, users};

use crate::helpers::{create_company, TestApp, UserFixture};

fn one_time_password(body: &str) -> String {
    let marker = "id=\"one-time-password\">";
    let start = body.find(marker).expect("password shown") + marker.len();
    let end = body[start..].find('<').expect("password ends") + start;
    body[start..end].to_owned()
}

#[actix_web::test]
async fn an_admin_creates_a_user_who_must_choose_a_password_at_first_sign_in() {
    let app = TestApp::spawn().await;
    let admin = UserFixture::new("alice").role("admin").create(&app).await;
    let alice = app.session_for(&admin).await;

    let form = alice.get("/admin/users/new").await;
    assert_eq!(form.status, 200);
    let created = alice
        .post(
            "/admin/users",
            &[
                ("username", "bob.smith"),
                ("email", "bob@example.test"),
                ("full_name", "Bob Smith"),
                ("role", "user"),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let password = one_time_password(&created.body);
    assert_eq!(password.len(), 20);

    let rows = app.audit_rows("user.created");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].actor_username.as_deref(), Some("alice"));
    assert_eq!(rows[0].company_id, Some(admin.company_id));
    assert_eq!(rows[0].details["after"]["username"], "bob.smith");
    assert!(rows[0].details.to_string().find("argon2").is_none());

    // Bob signs in with it and is sent to choose his own password.
    let bob = TestApp::new_client();
    let signed_in = app.sign_in_with(&bob, "bob.smith", &password).await;
    assert_eq!(signed_in.status, 303);
    let home = app.get_with(&bob, "/").await;
    assert_eq!(home.location.as_deref(), Some("/account/password"));

    let list = alice.get("/admin/users?q=bob").await;
    assert!(list.body.contains("bob.smith"));
    assert!(
        !list.body.contains(">alice<"),
        "filtered list shows only bob"
    );
}

#[actix_web::test]
async fn invalid_input_comes_back_next_to_its_field_with_what_was_typed() {
    let app = TestApp::spawn().await;
    let admin = UserFixture::new("alice").role("admin").create(&app).await;
    UserFixture::new("taken").create(&app).await;
    let alice = app.session_for(&admin).await;

    // htmx: only the form comes back, as a 422 htmx swaps.
    let page = alice
        .post_htmx(
            "/admin/users",
            &[
                ("username", "taken"),
                ("email", "not-an-email"),
                ("full_name", "Typed <Name>"),
                ("role", "superadmin"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.trim_start().starts_with("<form"));
    assert!(!page.body.contains("<html"), "a partial, not a page");
    assert!(page.body.contains("This username is taken") || page.body.contains("Enter an email"));
    assert!(page.body.contains("Enter an email address"));
    assert!(page.body.contains("Choose a role."));
    assert!(
        page.body.contains("value=\"Typed &#60;Name&#62;\"")
            || page.body.contains("value=\"Typed &lt;Name&gt;\"")
    );

    // Without JavaScript: the whole page, same messages.
    let plain = alice
        .post(
            "/admin/users",
            &[
                ("username", "taken"),
                ("email", "new@example.test"),
                ("role", "user"),
            ],
        )
        .await;
    assert_eq!(plain.status, 422);
    assert!(plain.body.contains("<html"));
    assert!(plain
        .body
        .contains("This username is taken; choose another."));
    assert!(plain.body.contains("value=\"new@example.test\""));
    assert!(app.audit_rows("user.created").is_empty());
}

#[actix_web::test]
async fn a_demoted_admin_loses_admin_rights_on_the_next_request() {
    let app = TestApp::spawn().await;
    let alice = UserFixture::new("alice").role("admin").create(&app).await;
    let carol = UserFixture::new("carol").role("admin").create(&app).await;
    let as_alice = app.session_for(&alice).await;
    let as_carol = app.session_for(&carol).await;
    assert_eq!(as_carol.get("/admin/users").await.status, 200);

    let saved = as_alice
        .post(
            &format!("/admin/users/{}", carol.id),
            &[
                ("email", "carol@example.test"),
                ("full_name", "Carol"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(as_carol.get("/admin/users").await.status, 403);

    let rows = app.audit_rows("user.updated");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].details["before"]["role"], "admin");
    assert_eq!(rows[0].details["after"]["role"], "viewer");

    // Nobody changes their own role (the last admin cannot lock the company out).
    let own = as_alice
        .post(
            &format!("/admin/users/{}", alice.id),
            &[("email", "alice@example.test"), ("role", "user")],
        )
        .await;
    assert_eq!(own.status, 422);
    assert!(own.body.contains("You cannot change your own role"));
}

#[actix_web::test]
async fn deactivating_a_user_signs_them_out_everywhere_at_once() {
    let app = TestApp::spawn().await;
    let alice = UserFixture::new("alice").role("admin").create(&app).await;
    let dave = UserFixture::new("dave").create(&app).await;
    let as_alice = app.session_for(&alice).await;
    let dave_laptop = app.session_for(&dave).await;
    let dave_phone = app.session_for(&dave).await;
    assert_eq!(dave_laptop.get("/").await.status, 200);

    let done = as_alice
        .post_htmx(&format!("/admin/users/{}/deactivate", dave.id), &[])
        .await;
    assert_eq!(done.status, 200);
    assert_eq!(
        done.headers
            .get("HX-Redirect")
            .and_then(|v| v.to_str().ok()),
        Some(format!("/admin/users/{}", dave.id).as_str())
    );
    let live: i64 = auth_sessions::table
        .filter(auth_sessions::user_id.eq(dave.id))
        .filter(auth_sessions::revoked_at.is_null())
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(live, 0);
    assert_eq!(
        dave_laptop.get("/").await.location.as_deref(),
        Some("/login")
    );
    assert_eq!(
        dave_phone.get("/").await.location.as_deref(),
        Some("/login")
    );
    let rows = app.audit_rows("user.deactivated");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].details["sessions_signed_out"], 2);

    // Nobody deactivates themselves.
    let own = as_alice
        .post(&format!("/admin/users/{}/deactivate", alice.id), &[])
        .await;
    assert_eq!(own.status, 409);

    let again = as_alice
        .post(&format!("/admin/users/{}/activate", dave.id), &[])
        .await;
    assert_eq!(again.status, 303);
    assert_eq!(app.audit_rows("user.reactivated").len(), 1);
    let signed_in = app.sign_in(&dave.username, &dave.password).await;
    assert_eq!(signed_in.status, 303);
}

#[actix_web::test]
async fn a_password_reset_shows_a_one_time_password_and_ends_the_users_sessions() {
    let app = TestApp::spawn().await;
    let alice = UserFixture::new("alice").role("admin").create(&app).await;
    let erin = UserFixture::new("erin").create(&app).await;
    let as_alice = app.session_for(&alice).await;
    let as_erin = app.session_for(&erin).await;

    let reset = as_alice
        .post(&format!("/admin/users/{}/reset-password", erin.id), &[])
        .await;
    assert_eq!(reset.status, 200);
    let password = one_time_password(&reset.body);
    assert_eq!(as_erin.get("/").await.location.as_deref(), Some("/login"));
    assert_eq!(
        app.sign_in(&erin.username, &erin.password).await.status,
        401,
        "old password refused"
    );
    assert_eq!(app.sign_in(&erin.username, &password).await.status, 303);
    let must_change: bool = user_profiles::table
        .find(erin.id)
        .select(user_profiles::must_change_password)
        .first(&mut app.conn())
        .expect("profile");
    assert!(must_change);
    assert_eq!(app.audit_rows("admin.password_reset").len(), 1);
}

#[actix_web::test]
async fn the_user_list_paginates_and_shows_only_the_admins_company() {
    let app = TestApp::spawn().await;
    let alice = UserFixture::new("alice").role("admin").create(&app).await;
    let other = create_company(&app, "OTHER", true);
    UserFixture::new("outsider")
        .company(other)
        .create(&app)
        .await;
    for i in 0..30 {
        UserFixture::new(&format!("user{i:02}")).create(&app).await;
    }
    let as_alice = app.session_for(&alice).await;
    let first = as_alice.get("/admin/users").await;
    assert!(first.body.contains("rel=\"next\""));
    assert!(!first.body.contains("rel=\"prev\""));
    let second = as_alice.get("/admin/users?page=2").await;
    assert!(second.body.contains("rel=\"prev\""));
    assert!(!second.body.contains("rel=\"next\""));
    let count_rows = |body: &str| body.matches("<a href=\"/admin/users/").count();
    // 32 users of the default company (admin seed, alice, 30) over two pages.
    assert_eq!(count_rows(&first.body) + count_rows(&second.body), 32);
    assert!(!first.body.contains("outsider") && !second.body.contains("outsider"));
    let total: i64 = users::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(total, 33);

    let partial = as_alice.get_htmx("/admin/users?q=user0").await;
    assert!(!partial.body.contains("<html"));
    assert_eq!(count_rows(&partial.body), 10);
}

#[actix_web::test]
async fn a_company_admin_cannot_change_the_operators_account() {
    let app = TestApp::spawn().await;
    let alice = UserFixture::new("alice").role("admin").create(&app).await;
    let operator = UserFixture::new("operator")
        .role("superadmin")
        .create(&app)
        .await;
    let as_alice = app.session_for(&alice).await;
    for action in ["deactivate", "reset-password"] {
        let page = as_alice
            .post(&format!("/admin/users/{}/{action}", operator.id), &[])
            .await;
        assert_eq!(page.status, 403, "{action}");
    }
    let demote = as_alice
        .post(
            &format!("/admin/users/{}", operator.id),
            &[("email", "op@example.test"), ("role", "user")],
        )
        .await;
    assert_eq!(demote.status, 403);
    let (role, active): (String, bool) = users::table
        .find(operator.id)
        .select((users::role, users::is_active))
        .first(&mut app.conn())
        .expect("operator");
    assert_eq!((role.as_str(), active), ("superadmin", true));
}

/// The hash stored in the users table for `username`, checked to be argon2id (v19) with
/// at least OWASP's parameters: m ≥ 19456 KiB, t ≥ 2, p = 1.
fn assert_argon2id(app: &TestApp, username: &str) -> String {
    let stored: String = users::table
        .filter(users::username.eq(username))
        .select(users::password_hash)
        .first(&mut app.conn())
        .expect("stored hash");
    let phc = argon2::PasswordHash::new(&stored).expect("a PHC string");
    assert_eq!(phc.algorithm.as_str(), "argon2id", "{stored}");
    assert_eq!(phc.version, Some(19), "{stored}");
    let params = argon2::Params::try_from(&phc).expect("argon2 parameters");
    assert!(params.m_cost() >= 19_456, "memory {} KiB", params.m_cost());
    assert!(params.t_cost() >= 2, "{} passes", params.t_cost());
    assert_eq!(params.p_cost(), 1, "parallelism");
    assert!(phc.salt.is_some_and(|s| s.len() >= 16), "a salt: {stored}");
    stored
}

#[actix_web::test]
async fn every_stored_password_is_argon2id_with_owasp_parameters() {
    let app = TestApp::spawn().await;
    // The seeded operator admin.
    assert_argon2id(&app, "admin");
    let admin = UserFixture::new("alice").role("admin").create(&app).await;
    let alice = app.session_for(&admin).await;

    // Created by an admin: its one-time password.
    let created = alice
        .post(
            "/admin/users",
            &[
                ("username", "hana"),
                ("email", "hana@example.test"),
                ("full_name", "Hana Example"),
                ("role", "user"),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let first = one_time_password(&created.body);
    let at_creation = assert_argon2id(&app, "hana");

    // Changed by its user.
    let hana = TestApp::new_client();
    assert_eq!(app.sign_in_with(&hana, "hana", &first).await.status, 303);
    let form = app.get_with(&hana, "/account/password").await;
    let changed = app
        .post_form_with(
            &hana,
            "/account/password",
            &[
                ("csrf_token", &form.csrf_token()),
                ("current_password", &first),
                ("new_password", "a passphrase of her own"),
                ("confirm_password", "a passphrase of her own"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    let after_change = assert_argon2id(&app, "hana");
    assert_ne!(after_change, at_creation, "a new hash, with a new salt");

    // Reset by an admin.
    let id: hopper::db::ids::UserId = users::table
        .filter(users::username.eq("hana"))
        .select(users::id)
        .first(&mut app.conn())
        .expect("id");
    let reset = alice
        .post(&format!("/admin/users/{id}/reset-password"), &[])
        .await;
    assert_eq!(reset.status, 200);
    assert_ne!(assert_argon2id(&app, "hana"), after_change);
}
