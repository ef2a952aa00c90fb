//! Single sign-on through a company's OpenID Connect provider, against a real provider on
//! loopback (oauth2-mock-server), with the redirects followed by hand as a browser would.

use diesel::prelude::*;
use hopper::db::ids::CompanyId;
use hopper::domain::sso_settings::SsoSettings;
use hopper::domain::Role;
use hopper::schema::{auth_sessions, sso_links, users};
use serde_json::json;

use crate::helpers::{create_company, TestApp, TestUser, UserFixture};
use crate::oidc_provider::{sign_in_through_provider, start_sign_in, OidcProvider};

/// Company `code` signs in through `provider`, for addresses at `domains`.
pub fn set_up_sso(
    app: &TestApp,
    code: &str,
    provider: &OidcProvider,
    domains: &[&str],
    change: impl FnOnce(&mut SsoSettings),
) {
    let mut settings = SsoSettings {
        issuer_url: provider.issuer.clone(),
        client_id: "hopper".into(),
        client_secret_env: None,
        email_domains: domains.iter().map(|d| d.to_string()).collect(),
        jit_enabled: false,
        jit_role: Role::User,
        sso_only: false,
    };
    change(&mut settings);
    hopper::services::sso::set_from_cli(&mut app.conn(), code, &settings).expect("set up SSO");
}

pub fn set_email(app: &TestApp, user: &TestUser, email: &str) {
    diesel::update(users::table.find(user.id))
        .set(users::email.eq(email))
        .execute(&mut app.conn())
        .expect("set email");
}

/// ACME with its provider and Alice, alice@acme.test, a member.
async fn acme(app: &TestApp) -> (OidcProvider, CompanyId, TestUser) {
    let provider = OidcProvider::start().await;
    let company = create_company(app, "ACME", true);
    set_up_sso(app, "ACME", &provider, &["acme.test"], |_| {});
    let alice = UserFixture::new("alice").company(company).create(app).await;
    set_email(app, &alice, "alice@acme.test");
    (provider, company, alice)
}

fn refusal_reasons(app: &TestApp) -> Vec<String> {
    app.audit_rows("auth.sso_refused")
        .iter()
        .map(|r| r.details["reason"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn session_count(app: &TestApp) -> i64 {
    auth_sessions::table
        .count()
        .get_result(&mut app.conn())
        .expect("count sessions")
}

#[actix_web::test]
async fn a_member_signs_in_first_by_verified_email_then_by_the_stored_link() {
    let app = TestApp::spawn().await;
    let (provider, company, alice) = acme(&app).await;
    provider
        .will_say(json!({ "sub": "idp-alice", "email": "Alice@acme.test", "email_verified": true }))
        .await;

    let client = TestApp::new_client();
    let done = sign_in_through_provider(&app, &client, "alice@acme.test").await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/"));
    let home = app.get_with(&client, "/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("alice Example"), "signed in as Alice");

    let linked = app.audit_rows("auth.sso_linked");
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0].actor_user_id, Some(alice.id));
    assert_eq!(linked[0].company_id, Some(company));
    assert_eq!(linked[0].details["subject"], "idp-alice");
    let method = format!("sso:{}", provider.issuer);
    let sign_ins = app.audit_rows("auth.sign_in");
    assert_eq!(sign_ins.len(), 1);
    assert_eq!(sign_ins[0].details["method"], method.as_str());
    assert_eq!(sign_ins[0].actor_user_id, Some(alice.id));

    // The second time the link decides: the provider's email no longer matters, and the
    // company code finds the provider as well as an address does.
    provider
        .will_say(
            json!({ "sub": "idp-alice", "email": "renamed@acme.test", "email_verified": false }),
        )
        .await;
    let other_browser = TestApp::new_client();
    let again = sign_in_through_provider(&app, &other_browser, "acme").await;
    assert_eq!(again.status, 303, "{}", again.body);
    assert!(app
        .get_with(&other_browser, "/")
        .await
        .body
        .contains("alice Example"));
    assert_eq!(app.audit_rows("auth.sign_in").len(), 2);
    assert_eq!(app.audit_rows("auth.sso_linked").len(), 1, "linked once");
    let links: i64 = sso_links::table
        .filter(sso_links::user_id.eq(alice.id))
        .count()
        .get_result(&mut app.conn())
        .expect("links");
    assert_eq!(links, 1);
    assert!(refusal_reasons(&app).is_empty());
}

#[actix_web::test]
async fn tokens_for_another_audience_another_nonce_or_expired_are_refused() {
    let app = TestApp::spawn().await;
    let (provider, company, _alice) = acme(&app).await;
    let good = json!({ "sub": "idp-alice", "email": "alice@acme.test", "email_verified": true });
    let cases = [
        (
            "audience",
            json!("another-app"),
            "issued for another application",
        ),
        (
            "nonce",
            json!("someone-elses-nonce"),
            "belongs to another sign-in",
        ),
        ("expired", json!(true), "has expired"),
    ];
    for (spoil, value, sentence) in cases {
        let mut profile = good.clone();
        profile[spoil] = value;
        provider.will_say(profile).await;
        let client = TestApp::new_client();
        let refused = sign_in_through_provider(&app, &client, "alice@acme.test").await;
        assert_eq!(refused.status, 403, "{spoil}: {}", refused.body);
        assert!(refused.body.contains(sentence), "{spoil}: {}", refused.body);
        assert_eq!(
            app.get_with(&client, "/").await.location.as_deref(),
            Some("/login")
        );
    }
    assert_eq!(
        refusal_reasons(&app),
        ["sso.wrong_audience", "sso.wrong_nonce", "sso.token_expired"]
    );
    for row in app.audit_rows("auth.sso_refused") {
        assert_eq!(row.company_id, Some(company));
        assert_eq!(row.details["issuer"], provider.issuer.as_str());
    }
    assert_eq!(session_count(&app), 0, "nobody signed in");
    assert!(app.audit_rows("auth.sso_linked").is_empty());
}

#[actix_web::test]
async fn an_unverified_email_and_an_email_of_another_company_are_refused() {
    let app = TestApp::spawn().await;
    let provider = OidcProvider::start().await;
    let acme = create_company(&app, "ACME", true);
    // No domain list: any address may try, and still only ACME's members are found.
    set_up_sso(&app, "ACME", &provider, &[], |_| {});
    let alice = UserFixture::new("alice").company(acme).create(&app).await;
    set_email(&app, &alice, "alice@acme.test");
    let other = create_company(&app, "OTHER", true);
    let bob = UserFixture::new("bob").company(other).create(&app).await;
    set_email(&app, &bob, "bob@other.test");

    provider
        .will_say(
            json!({ "sub": "idp-alice", "email": "alice@acme.test", "email_verified": false }),
        )
        .await;
    let unverified = sign_in_through_provider(&app, &TestApp::new_client(), "ACME").await;
    assert_eq!(unverified.status, 403);
    assert!(unverified
        .body
        .contains("has not verified your email address"));

    provider
        .will_say(json!({ "sub": "idp-bob", "email": "bob@other.test", "email_verified": true }))
        .await;
    let elsewhere = sign_in_through_provider(&app, &TestApp::new_client(), "ACME").await;
    assert_eq!(elsewhere.status, 403);
    assert!(elsewhere
        .body
        .contains("There is no account for bob@other.test in this organisation"));

    assert_eq!(
        refusal_reasons(&app),
        ["sso.email_unverified", "sso.no_account"]
    );
    assert_eq!(
        app.audit_rows("auth.sso_refused")[1].details["email"],
        "bob@other.test"
    );
    assert_eq!(session_count(&app), 0);
    let links: i64 = sso_links::table
        .count()
        .get_result(&mut app.conn())
        .expect("links");
    assert_eq!(links, 0, "nobody was linked, least of all Bob");
}

#[actix_web::test]
async fn just_in_time_creation_is_off_by_default_and_never_takes_another_companys_member() {
    let app = TestApp::spawn().await;
    let (provider, acme, _alice) = acme(&app).await;
    let other = create_company(&app, "OTHER", true);
    let bob = UserFixture::new("bob").company(other).create(&app).await;
    set_email(&app, &bob, "bob@acme.test");
    let newcomer = json!({ "sub": "idp-nina", "email": "nina@acme.test", "email_verified": true, "name": "Nina Newcomer" });

    provider.will_say(newcomer.clone()).await;
    let off = sign_in_through_provider(&app, &TestApp::new_client(), "nina@acme.test").await;
    assert_eq!(off.status, 403);
    assert!(off.body.contains("Ask your administrator to create one"));
    let created = |app: &TestApp| -> Option<(CompanyId, Role)> {
        users::table
            .filter(users::email.eq("nina@acme.test"))
            .select((users::company_id, users::role))
            .first(&mut app.conn())
            .optional()
            .expect("user")
    };
    assert_eq!(created(&app), None);

    set_up_sso(&app, "ACME", &provider, &["acme.test"], |s| {
        s.jit_enabled = true;
        s.jit_role = Role::Viewer;
    });
    let client = TestApp::new_client();
    let on = sign_in_through_provider(&app, &client, "nina@acme.test").await;
    assert_eq!(on.status, 303, "{}", on.body);
    assert_eq!(created(&app), Some((acme, Role::Viewer)));
    assert!(app
        .get_with(&client, "/")
        .await
        .body
        .contains("Nina Newcomer"));
    let creations = app.audit_rows("user.created");
    assert_eq!(creations.len(), 1);
    assert_eq!(creations[0].details["via"], "sso");
    assert_eq!(creations[0].company_id, Some(acme));

    // Bob's address is at ACME's domain, but Bob is OTHER's: never created twice, never
    // signed in here.
    provider
        .will_say(json!({ "sub": "idp-bob", "email": "bob@acme.test", "email_verified": true }))
        .await;
    let bobs = sign_in_through_provider(&app, &TestApp::new_client(), "bob@acme.test").await;
    assert_eq!(bobs.status, 403);
    assert_eq!(app.audit_rows("user.created").len(), 1);
    assert_eq!(refusal_reasons(&app), ["sso.no_account", "sso.no_account"]);
}

#[actix_web::test]
async fn the_answer_counts_once_and_only_in_the_browser_that_asked() {
    let app = TestApp::spawn().await;
    let (provider, _company, _alice) = acme(&app).await;
    provider
        .will_say(json!({ "sub": "idp-alice", "email": "alice@acme.test", "email_verified": true }))
        .await;

    let asking = TestApp::new_client();
    let (_, callback) = start_sign_in(&app, &asking, "alice@acme.test").await;
    // Someone else's browser holding the answer (a link sent around) gets nowhere, and
    // spends it.
    let stranger = TestApp::new_client();
    let stolen = TestApp::page(stranger.get(&callback).send().await.expect("GET")).await;
    assert_eq!(stolen.status, 400);
    assert!(stolen.body.contains("started in another browser"));
    let replayed = TestApp::page(asking.get(&callback).send().await.expect("GET")).await;
    assert_eq!(replayed.status, 400);
    assert!(replayed.body.contains("already used"));

    // An unknown organisation is the form again, saying so.
    let form = app.get("/login/sso").await;
    let unknown = app
        .post_form(
            "/login/sso",
            &[
                ("who", "nobody@nowhere.test"),
                ("csrf_token", &form.csrf_token()),
            ],
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("No organisation sign-in is set up"));
    // A hostile name (a NUL) is no organisation either, not a server error.
    let hostile = app
        .post_form(
            "/login/sso",
            &[("who", "ACME\u{0}"), ("csrf_token", &form.csrf_token())],
        )
        .await;
    assert_eq!(hostile.status, 404, "{}", hostile.body);
    assert_eq!(
        refusal_reasons(&app),
        [
            "sso.other_browser",
            "sso.unknown_state",
            "sso.unknown_organisation",
            "sso.unknown_organisation"
        ]
    );
    assert_eq!(session_count(&app), 0);
}

/// Starting a sign-in is open to anybody: an address gets 20 starts in 15 minutes (known
/// organisations or not), then 429 with `Retry-After` until the window passes. The start
/// reads the provider's discovery document once in a while, not at every press: with the
/// provider gone, a start still sends the browser on (the callback reads it afresh).
#[actix_web::test]
async fn starting_sign_ins_is_throttled_per_address_and_reads_the_provider_once_in_a_while() {
    let app = TestApp::spawn().await;
    let (provider, _, _) = acme(&app).await;
    let browser = TestApp::new_client();
    let (to_provider, _) = start_sign_in(&app, &browser, "alice@acme.test").await;
    drop(provider);
    let start = |who: &'static str| {
        let app = &app;
        async move {
            let form = app.get("/login/sso").await;
            app.post_form(
                "/login/sso",
                &[("who", who), ("csrf_token", &form.csrf_token())],
            )
            .await
        }
    };
    let again = start("alice@acme.test").await;
    assert_eq!(again.status, 303, "{}", again.body);
    let origin = |url: &str| url.split('/').take(3).collect::<Vec<_>>().join("/");
    assert_eq!(
        again.location.as_deref().map(origin),
        Some(origin(&to_provider)),
        "the kept discovery document sends the browser on"
    );
    for _ in 2..hopper::services::sso::throttle::MAX_STARTS_PER_ADDRESS {
        assert_eq!(start("nobody@nowhere.test").await.status, 404);
    }
    let refused = start("nobody@nowhere.test").await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.headers.contains_key("retry-after"));
    let before = app.audit_rows("auth.sso_refused").len();
    assert_eq!(start("alice@acme.test").await.status, 429);
    assert_eq!(
        app.audit_rows("auth.sso_refused").len(),
        before,
        "a refused start writes nothing"
    );
    app.state
        .services
        .clock()
        .advance(chrono::Duration::minutes(16));
    assert_eq!(start("nobody@nowhere.test").await.status, 404);
}
