//! Setting up a company's single sign-on: the operator's page, `hopper sso`, and a company
//! whose members may sign in only through its provider.

use std::process::Command;

use diesel::prelude::*;
use hopper::schema::company_sso;
use serde_json::json;

use crate::helpers::{create_company, Page, TestApp, UserFixture, UserSession};
use crate::oidc_provider::{sign_in_through_provider, OidcProvider};
use crate::sso::{set_email, set_up_sso};

fn configured(app: &TestApp, company: hopper::db::ids::CompanyId) -> Option<(String, bool)> {
    company_sso::table
        .find(company)
        .select((company_sso::issuer_url, company_sso::sso_only))
        .first(&mut app.conn())
        .optional()
        .expect("company_sso")
}

#[actix_web::test]
async fn an_sso_only_company_refuses_its_members_passwords_but_not_the_operators() {
    let app = TestApp::spawn().await;
    let provider = OidcProvider::start().await;
    let company = app.default_company();
    set_up_sso(&app, "DEFAULT", &provider, &["example.test"], |s| {
        s.sso_only = true
    });
    // Her admin's one-time password is waiting to be changed: a password she will never
    // use, so the provider's sign-in does not send her to the password page.
    let alice = UserFixture::new("alice")
        .must_change_password()
        .create(&app)
        .await;

    let refused = app.sign_in(&alice.username, &alice.password).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused
        .body
        .contains("Default Company signs in through its organisation"));
    let failures = app.audit_rows("auth.sign_in_failed");
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].details["reason"], "sso_only");
    assert_eq!(failures[0].company_id, Some(company));
    // A wrong password is still only the usual sentence: nothing said about the account.
    let wrong = app.sign_in(&alice.username, "not-her-password").await;
    assert_eq!(wrong.status, 401);
    assert!(!wrong.body.contains("signs in through its organisation"));

    // The operator keeps their password.
    let operator = app.sign_in("admin", "admin123").await;
    assert_eq!(operator.status, 303);
    assert_eq!(operator.location.as_deref(), Some("/account/password"));

    // And Alice signs in through the provider.
    provider
        .will_say(
            json!({ "sub": "idp-alice", "email": "alice@example.test", "email_verified": true }),
        )
        .await;
    let client = TestApp::new_client();
    let through = sign_in_through_provider(&app, &client, "alice@example.test").await;
    assert_eq!(through.status, 303, "{}", through.body);
    assert_eq!(through.location.as_deref(), Some("/"));
    assert!(app
        .get_with(&client, "/")
        .await
        .body
        .contains("alice Example"));
    let waived = app.audit_rows("user.updated");
    assert_eq!(waived.len(), 1);
    assert_eq!(waived[0].details["after"]["must_change_password"], false);
}

#[actix_web::test]
async fn the_operator_sets_up_and_removes_single_sign_on_on_the_company_page() {
    let app = TestApp::spawn().await;
    let provider = OidcProvider::start().await;
    let acme = create_company(&app, "ACME", true);
    let operator = UserFixture::new("olga")
        .role("superadmin")
        .create(&app)
        .await;
    let olga = app.session_for(&operator).await;
    let page_path = format!("/operator/companies/{acme}/sso");

    let company_page = olga.get(&format!("/operator/companies/{acme}")).await;
    assert!(
        company_page.body.contains(&page_path),
        "the company page links to it"
    );
    let page = olga.get(&page_path).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("/login/sso/callback"),
        "the redirect URI to register"
    );

    let fields = |issuer: &str| {
        vec![
            ("issuer_url", issuer.to_owned()),
            ("client_id", "hopper".to_owned()),
            ("client_secret_env", "HOPPER_SSO_ACME_SECRET".to_owned()),
            ("email_domains", "acme.test, @Acme.example".to_owned()),
            ("jit_role", "user".to_owned()),
            ("sso_only", "on".to_owned()),
        ]
    };
    let plain_http = post(&olga, &page_path, &fields("http://login.acme.example")).await;
    assert_eq!(plain_http.status, 422);
    assert!(plain_http.body.contains("starts with https://"));
    let nobody_there = post(&olga, &page_path, &fields("https://127.0.0.1:9")).await;
    assert_eq!(nobody_there.status, 422);
    assert!(nobody_there.body.contains("could not read this provider"));
    assert_eq!(configured(&app, acme), None);

    let saved = post(&olga, &page_path, &fields(&provider.issuer)).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        configured(&app, acme),
        Some((provider.issuer.clone(), true))
    );
    let audit = app.audit_rows("company.sso_configured");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].company_id, Some(acme));
    assert_eq!(audit[0].actor_user_id, Some(operator.id));
    let after = &audit[0].details["after"];
    assert_eq!(after["client_secret_env"], "HOPPER_SSO_ACME_SECRET");
    assert_eq!(after["email_domains"], json!(["acme.test", "acme.example"]));
    let shown = olga.get(&page_path).await;
    assert!(shown.body.contains("acme.example, acme.test"), "sorted");

    // Another company cannot take ACME's domain.
    let other = create_company(&app, "OTHER", true);
    let mut theirs = fields(&provider.issuer);
    theirs[3].1 = "acme.test".into();
    let taken = post(&olga, &format!("/operator/companies/{other}/sso"), &theirs).await;
    assert_eq!(taken.status, 422);
    assert!(taken
        .body
        .contains("Another company signs in people of acme.test"));

    let removed = olga.post(&format!("{page_path}/remove"), &[]).await;
    assert_eq!(removed.status, 303);
    assert_eq!(configured(&app, acme), None);
    assert_eq!(app.audit_rows("company.sso_removed").len(), 1);

    // Only the operator.
    let admin = UserFixture::new("adam")
        .role("admin")
        .company(acme)
        .create(&app)
        .await;
    let adam = app.session_for(&admin).await;
    assert_eq!(adam.get(&page_path).await.status, 403);
}

async fn post(session: &UserSession<'_>, path: &str, fields: &[(&str, String)]) -> Page {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    session.post(path, &borrowed).await
}

fn run_hopper(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_hopper"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .env_remove("HOPPER_SSO_ACME_SECRET")
        .output()
        .expect("run hopper");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[actix_web::test]
async fn hopper_sso_set_and_remove_at_the_command_line() {
    let app = TestApp::spawn().await;
    let provider = OidcProvider::start().await;
    let acme = create_company(&app, "ACME", true);
    let alice = UserFixture::new("alice").company(acme).create(&app).await;
    set_email(&app, &alice, "alice@acme.test");

    let (ok, stdout, stderr) = run_hopper(
        &app.database_url,
        &[
            "sso",
            "set",
            "--company",
            "acme",
            "--issuer",
            &provider.issuer,
            "--client-id",
            "hopper",
            "--client-secret-env",
            "HOPPER_SSO_ACME_SECRET",
            "--email-domains",
            "acme.test",
            "--sso-only",
        ],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("now signs in through"), "{stdout}");
    assert!(
        stderr.contains("HOPPER_SSO_ACME_SECRET is not set here"),
        "{stderr}"
    );
    assert_eq!(
        configured(&app, acme),
        Some((provider.issuer.clone(), true))
    );
    assert_eq!(app.audit_rows("company.sso_configured").len(), 1);
    // SSO-only from now on.
    assert_eq!(
        app.sign_in(&alice.username, &alice.password).await.status,
        403
    );

    let (ok, _, stderr) = run_hopper(
        &app.database_url,
        &[
            "sso",
            "set",
            "--company",
            "ACME",
            "--issuer",
            "https://127.0.0.1:9",
            "--client-id",
            "x",
        ],
    );
    assert!(!ok, "an issuer that does not answer is refused");
    assert!(stderr.contains("discovery document"), "{stderr}");

    let (ok, stdout, stderr) =
        run_hopper(&app.database_url, &["sso", "remove", "--company", "ACME"]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("no longer signs in through a provider"),
        "{stdout}"
    );
    assert_eq!(configured(&app, acme), None);
    assert_eq!(app.audit_rows("company.sso_removed").len(), 1);
    assert_eq!(
        app.sign_in(&alice.username, &alice.password).await.status,
        303
    );
}
