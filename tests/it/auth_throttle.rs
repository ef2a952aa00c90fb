//! The sign-in throttle against a guesser who keeps going: the owner is delayed, never
//! locked out. Addresses come from `X-Forwarded-For` (the harness is a trusted proxy);
//! time passes on the app's clock, never by sleeping.

use hopper::services::sign_in::{MAX_FAILURES_PER_ACCOUNT, UNTRUSTED_PER_SPACING};

use crate::helpers::{TestApp, TestUser, UserFixture};

/// `test_config`'s spacing between attempts at an account being guessed at.
const SPACING: chrono::Duration = chrono::Duration::seconds(2);

async fn behind_proxy() -> TestApp {
    TestApp::spawn_with(|config| {
        config.trusted_proxies = vec!["127.0.0.1/32".parse().expect("cidr")];
    })
    .await
}

/// A browser at `address`: keeps cookies, and every request it sends says where it is.
fn browser_at(address: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", address.parse().expect("header value"));
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .expect("http client")
}

/// Signs in from a browser that keeps its device cookie, then signs out again.
async fn signs_in_and_out(app: &TestApp, browser: &reqwest::Client, user: &TestUser) -> u16 {
    let page = app
        .sign_in_with(browser, &user.username, &user.password)
        .await;
    if page.status == 303 {
        let token = app.get_with(browser, "/").await.csrf_token();
        let out = app
            .post_form_with(browser, "/logout", &[("csrf_token", &token)])
            .await;
        assert_eq!(out.status, 303, "sign-out");
    }
    page.status
}

/// One more wrong guess from each guesser, at once; their answers.
async fn guess(app: &TestApp, guessers: &[reqwest::Client]) -> Vec<u16> {
    let tries = guessers
        .iter()
        .map(|g| app.sign_in_with(g, "alice", "wrong-password"));
    futures_util::future::join_all(tries)
        .await
        .into_iter()
        .map(|page| page.status)
        .collect()
}

/// Each guesser uses up its free guesses, then guesses once per `SPACING` (whenever its
/// `Retry-After` allows). The owner, in each of those rounds after the guessers: from the
/// browser that signed in before, and from a browser at an address never seen. Returns
/// how long the new browser took on the app's clock.
async fn owner_gets_in_while(
    app: &TestApp,
    alice: &TestUser,
    known: &reqwest::Client,
    guessers: &[reqwest::Client],
    new_address: &str,
) -> chrono::Duration {
    let clock = app.state.services.clock();
    for _ in 0..MAX_FAILURES_PER_ACCOUNT {
        clock.advance(SPACING);
        let answers = guess(app, guessers).await;
        assert!(answers.iter().all(|s| *s == 401), "{answers:?}");
    }
    let started = clock.now();
    let newcomer = browser_at(new_address);
    let mut newcomer_in = None;
    for round in 0..6 {
        clock.advance(SPACING);
        let answers = guess(app, guessers).await;
        assert_eq!(
            signs_in_and_out(app, known, alice).await,
            303,
            "round {round}: the known browser gets in at once"
        );
        if newcomer_in.is_none() && signs_in_and_out(app, &newcomer, alice).await == 303 {
            newcomer_in = Some(clock.now() - started);
        }
        assert!(
            answers.contains(&401),
            "round {round}: the guesser is still guessing: {answers:?}"
        );
    }
    newcomer_in.expect("the owner never got in from a new address")
}

/// Item 26.3: one wrong password per `Retry-After` window used to keep every sign-in of
/// the owner at 429. Now the guesser's address is spaced on its own, a browser holding
/// the account's device cookie is not delayed at all, and a new address gets in within
/// a minute while fewer addresses than the account-wide cap are guessing.
#[actix_web::test]
async fn a_steady_guesser_from_one_or_several_addresses_does_not_lock_the_owner_out() {
    let app = behind_proxy().await;
    let alice = UserFixture::new("alice").create(&app).await;
    let known = browser_at("198.51.100.10");
    assert_eq!(signs_in_and_out(&app, &known, &alice).await, 303);

    let one = vec![browser_at("203.0.113.1")];
    let took = owner_gets_in_while(&app, &alice, &known, &one, "192.0.2.1").await;
    assert!(took < chrono::Duration::minutes(1), "{took}");

    let several: Vec<_> = (2..=usize::try_from(UNTRUSTED_PER_SPACING).expect("cap"))
        .map(|n| browser_at(&format!("203.0.113.{n}")))
        .collect();
    assert!(several.len() > 1);
    let took = owner_gets_in_while(&app, &alice, &known, &several, "192.0.2.2").await;
    assert!(took < chrono::Duration::minutes(1), "{took}");
}

/// A guesser with more addresses than the account-wide cap delays new browsers; the
/// browser that signed in before still gets in at once, even from a guessing address.
#[actix_web::test]
async fn a_known_browser_gets_in_at_once_while_many_addresses_guess() {
    let app = behind_proxy().await;
    let alice = UserFixture::new("alice").create(&app).await;
    // The office's address is also one of the guesser's (a shared NAT).
    let known = browser_at("203.0.113.1");
    assert_eq!(signs_in_and_out(&app, &known, &alice).await, 303);
    let many: Vec<_> = (1..=8)
        .map(|n| browser_at(&format!("203.0.113.{n}")))
        .collect();
    for _ in 0..MAX_FAILURES_PER_ACCOUNT {
        guess(&app, &many).await;
    }
    let clock = app.state.services.clock();
    for round in 0..3 {
        clock.advance(SPACING);
        let answers = guess(&app, &many).await;
        assert!(answers.contains(&429), "round {round}: capped: {answers:?}");
        assert_eq!(
            signs_in_and_out(&app, &known, &alice).await,
            303,
            "round {round}"
        );
    }
}

/// A device cookie used for failed attempts loses its exemption on its own: after
/// `MAX_FAILURES_PER_ACCOUNT` of them it is throttled like any browser, while the owner's
/// other known browser is untouched.
#[actix_web::test]
async fn a_device_cookie_used_for_guessing_is_throttled_on_its_own() {
    let app = behind_proxy().await;
    let alice = UserFixture::new("alice").create(&app).await;
    let stolen = browser_at("203.0.113.7");
    let owners = browser_at("198.51.100.10");
    assert_eq!(signs_in_and_out(&app, &stolen, &alice).await, 303);
    assert_eq!(signs_in_and_out(&app, &owners, &alice).await, 303);
    let mut answers = Vec::new();
    for _ in 0..3 * MAX_FAILURES_PER_ACCOUNT {
        answers.push(guess(&app, std::slice::from_ref(&stolen)).await[0]);
    }
    let max = usize::try_from(MAX_FAILURES_PER_ACCOUNT).expect("max");
    // Its own allowance, then an unknown browser's, then spaced.
    assert!(answers[..2 * max].iter().all(|s| *s == 401), "{answers:?}");
    assert!(answers[2 * max..].iter().all(|s| *s == 429), "{answers:?}");
    let trusted = app
        .audit_rows("auth.sign_in_attempt")
        .iter()
        .filter(|row| {
            row.details
                .get("trusted")
                .and_then(serde_json::Value::as_bool)
                == Some(true)
        })
        .count();
    // The two first sign-ins had no cookie yet; refused attempts are not recorded.
    assert_eq!(trusted, max, "the stolen cookie's allowance, no more");
    assert_eq!(signs_in_and_out(&app, &owners, &alice).await, 303);
}

/// A stolen session cannot guess the password behind it: the password checks of a
/// signed-in account (changing it, turning two-factor off, new recovery codes) are
/// refused after five failures in fifteen minutes, a parallel burst included, until the
/// window passes; the owner's right password then works.
#[actix_web::test]
async fn typing_the_password_again_is_throttled_for_a_signed_in_session() {
    let app = TestApp::spawn().await;
    let user = UserFixture::new("tess").create(&app).await;
    let session = app.session_for(&user).await;
    let change = |current: String| {
        let session = &session;
        async move {
            session
                .post(
                    "/account/password",
                    &[
                        ("current_password", current.as_str()),
                        ("new_password", "a brand new passphrase"),
                        ("confirm_password", "a brand new passphrase"),
                    ],
                )
                .await
                .status
        }
    };
    // A burst of guesses at once: five are checked (and fail), the rest refused.
    let burst: Vec<u16> =
        futures_util::future::join_all((0..8).map(|_| change("guess".into()))).await;
    let wrong = burst.iter().filter(|s| **s == 422).count();
    let refused = burst.iter().filter(|s| **s == 429).count();
    assert_eq!((wrong, refused), (5, 3), "{burst:?}");
    // The right password too waits for the window, and so does turning two-factor off.
    assert_eq!(change(user.password.clone()).await, 429);
    let off = session
        .post(
            "/account/two-factor/disable",
            &[("password", user.password.as_str()), ("code", "000000")],
        )
        .await;
    assert_eq!(off.status, 429, "{}", off.body);
    assert_eq!(app.audit_rows("auth.reauth_attempt").len(), 5);
    app.state
        .services
        .clock()
        .advance(chrono::Duration::minutes(16));
    assert_eq!(change(user.password.clone()).await, 303);
}
