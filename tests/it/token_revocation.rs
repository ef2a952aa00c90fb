//! A person's API tokens die with the standing they were minted on: a password reset (in
//! the browser and at the command line), a deactivation, a role change and the person's
//! own password change revoke them, one `api_token.revoked` row each.

use diesel::prelude::*;
use hopper::db::ids::UserId;
use hopper::db::models::audit_log::AuditRow;
use hopper::schema::api_tokens;

use crate::api::create_token;
use crate::helpers::{TestApp, TestUser, UserFixture};

/// A read token of `user`, made through the user's own token page.
async fn token_of(app: &TestApp, user: &TestUser, name: &str) -> String {
    let session = app.session_for(user).await;
    create_token(
        &session,
        "/account/tokens",
        &[("name", name), ("days", "30"), ("scope", "read")],
    )
    .await
}

async fn api_status(app: &TestApp, token: &str) -> u16 {
    app.client
        .get(app.url("/api/v1/projects"))
        .bearer_auth(token)
        .send()
        .await
        .expect("API call")
        .status()
        .as_u16()
}

fn token_id(app: &TestApp, name: &str) -> i32 {
    api_tokens::table
        .filter(api_tokens::name.eq(name))
        .select(api_tokens::id)
        .first(&mut app.conn())
        .expect("token row")
}

/// The `api_token.revoked` row of the token `name`, with why.
fn revocation_row(app: &TestApp, name: &str) -> AuditRow {
    let id = token_id(app, name).to_string();
    let rows: Vec<AuditRow> = app
        .audit_rows("api_token.revoked")
        .into_iter()
        .filter(|r| r.resource_id.as_deref() == Some(id.as_str()))
        .collect();
    assert_eq!(rows.len(), 1, "one revocation row for {name}");
    rows.into_iter().next().expect("one row")
}

fn assert_revoked_by(row: &AuditRow, actor: Option<&str>, reason: &str, user: UserId) {
    assert_eq!(row.actor_username.as_deref(), actor);
    assert_eq!(row.details["reason"], reason);
    assert_eq!(row.details["user_id"], user.0);
}

#[actix_web::test]
async fn a_password_reset_a_deactivation_and_a_role_change_revoke_the_users_tokens() {
    let app = TestApp::spawn().await;
    let admin = UserFixture::new("alice").role("admin").create(&app).await;
    let bob = UserFixture::new("bob").create(&app).await;
    let alice = app.session_for(&admin).await;

    // A password reset.
    let before_reset = token_of(&app, &bob, "before-reset").await;
    assert_eq!(api_status(&app, &before_reset).await, 200);
    let page = alice
        .post(&format!("/admin/users/{}/reset-password", bob.id), &[])
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("and their API token was revoked"),
        "{}",
        page.body
    );
    assert_eq!(api_status(&app, &before_reset).await, 401);
    let row = revocation_row(&app, "before-reset");
    assert_revoked_by(&row, Some("alice"), "password reset", bob.id);
    let reset = app.audit_rows("admin.password_reset");
    assert_eq!(reset[0].details["api_tokens_revoked"], 1);

    // A deactivation: the token stays dead when the user comes back.
    let bob = UserFixture::new("bob2").create(&app).await;
    let before_deactivation = token_of(&app, &bob, "before-deactivation").await;
    assert_eq!(api_status(&app, &before_deactivation).await, 200);
    let done = alice
        .post(&format!("/admin/users/{}/deactivate", bob.id), &[])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let flash = alice.get(&format!("/admin/users/{}", bob.id)).await;
    assert!(
        flash
            .body
            .contains("signed out everywhere; their API token was revoked."),
        "{}",
        flash.body
    );
    assert_eq!(api_status(&app, &before_deactivation).await, 401);
    let back = alice
        .post(&format!("/admin/users/{}/activate", bob.id), &[])
        .await;
    assert_eq!(back.status, 303);
    assert_eq!(api_status(&app, &before_deactivation).await, 401);
    let row = revocation_row(&app, "before-deactivation");
    assert_revoked_by(&row, Some("alice"), "user deactivated", bob.id);

    // A role change; a save that keeps the role keeps the token.
    let before_role = token_of(&app, &bob, "before-role-change").await;
    let save = |role: &'static str| {
        let path = format!("/admin/users/{}", bob.id);
        let alice = &alice;
        async move {
            alice
                .post(
                    &path,
                    &[
                        ("email", "bob2@example.test"),
                        ("full_name", "Bob Two"),
                        ("role", role),
                    ],
                )
                .await
        }
    };
    assert_eq!(save("user").await.status, 303);
    assert_eq!(api_status(&app, &before_role).await, 200);
    assert_eq!(save("viewer").await.status, 303);
    let flash = alice.get("/admin/users").await;
    assert!(
        flash
            .body
            .contains("The role changed: their API token was revoked."),
        "{}",
        flash.body
    );
    assert_eq!(api_status(&app, &before_role).await, 401);
    let row = revocation_row(&app, "before-role-change");
    assert_revoked_by(&row, Some("alice"), "role changed", bob.id);
    assert_eq!(app.audit_rows("api_token.revoked").len(), 3);
}

#[actix_web::test]
async fn changing_ones_own_password_revokes_ones_tokens() {
    let app = TestApp::spawn().await;
    let carol = UserFixture::new("carol").create(&app).await;
    let token = token_of(&app, &carol, "laptop").await;
    assert_eq!(api_status(&app, &token).await, 200);
    let session = app.session_for(&carol).await;
    let changed = session
        .post(
            "/account/password",
            &[
                ("current_password", carol.password.as_str()),
                ("new_password", "a brand new passphrase"),
                ("confirm_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    let home = session.get("/").await;
    assert!(
        home.body.contains("Your API token was revoked"),
        "{}",
        home.body
    );
    assert_eq!(api_status(&app, &token).await, 401);
    let row = revocation_row(&app, "laptop");
    assert_revoked_by(&row, Some("carol"), "password changed", carol.id);
}
