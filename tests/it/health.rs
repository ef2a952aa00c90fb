//! Health, readiness, static files and the error page.

use sha2::{Digest, Sha256};

use crate::helpers::{free_port, TestApp};

#[actix_web::test]
async fn healthz_and_readyz_answer_when_everything_is_up() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.status, 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert!(ready.body.contains("database: ok") && ready.body.contains("s3: ok"));
}

#[actix_web::test]
async fn readyz_says_which_dependency_is_down() {
    let port = free_port();
    let app = TestApp::spawn_with(|config| {
        config.s3.endpoint = Some(format!("http://127.0.0.1:{port}"));
    })
    .await;
    assert_eq!(
        app.get("/healthz").await.status,
        200,
        "the process is still up"
    );
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 503);
    assert!(ready.body.contains("database: ok"));
    assert!(ready.body.contains("s3: unavailable"));
}

#[actix_web::test]
async fn the_vendored_htmx_is_served_as_pinned() {
    let app = TestApp::spawn().await;
    let readme = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/static/vendor/README.md"
    ))
    .expect("vendor README");
    for path in [
        hopper::routes::static_files::HTMX_PATH,
        hopper::routes::static_files::TUS_PATH,
    ] {
        let response = app.client.get(app.url(path)).send().await.expect("GET");
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.headers()["cache-control"]
            .to_str()
            .unwrap_or_default()
            .contains("immutable"));
        let body = response.bytes().await.expect("body");
        let digest = hex::encode(Sha256::digest(&body));
        assert!(
            readme.contains(&digest),
            "static/vendor/README.md records sha256 {digest} for {path}"
        );
    }
    assert_eq!(app.get("/static/app.css").await.status, 200);
}

#[actix_web::test]
async fn unknown_pages_get_the_error_page_in_the_layout() {
    let app = TestApp::spawn().await;
    for path in ["/no-such-page", "/static/../Cargo.toml", "/static/nope.js"] {
        let page = app.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(
            page.body.contains("The page you asked for does not exist."),
            "{path}"
        );
        assert!(page.body.contains("/static/app.css"));
    }
}

#[actix_web::test]
async fn malformed_forms_get_a_clear_400_not_a_500() {
    let app = TestApp::spawn().await;
    let token = app.get("/login").await.csrf_token();
    let response = app
        .client
        .post(app.url("/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-CSRF-Token", token.as_str())
        .body("username=%ZZ&&&password")
        .send()
        .await
        .expect("POST");
    assert!(response.status().is_client_error(), "{}", response.status());
    // A NUL or an overlong name is just an unknown user, not a database error.
    for odd in ["ad\0min", &"n".repeat(5000)] {
        let response = app
            .client
            .post(app.url("/login"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("username", odd),
                ("password", "x"),
            ])
            .send()
            .await
            .expect("POST");
        assert_eq!(response.status(), 401, "{odd:.20}");
    }
    let huge = "x".repeat(100 * 1024);
    let response = app
        .client
        .post(app.url("/login"))
        .form(&[("csrf_token", token.as_str()), ("username", huge.as_str())])
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 400);
}

/// With the pool exhausted (a table every request needs is locked), requests get the 503
/// page quickly, with Retry-After and the security headers, never a bare 500; once the
/// lock is gone they succeed again. /healthz never needs the pool.
#[actix_web::test]
async fn an_exhausted_pool_answers_503_quickly_not_500() {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, PgConnection};

    let app = TestApp::spawn_with(|config| config.database_pool_size = 2).await;
    let alice = crate::helpers::UserFixture::new("alice").create(&app).await;
    app.signed_in_as(&alice).await;

    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let url = app.database_url.clone();
    // The lock is held until the test has seen the busy pages, not for a guessed time.
    let holder = std::thread::spawn(move || {
        let mut conn = PgConnection::establish(&url).expect("connect");
        conn.batch_execute("BEGIN; LOCK TABLE auth_sessions IN ACCESS EXCLUSIVE MODE;")
            .expect("lock");
        locked_tx.send(()).expect("signal");
        let _ = release_rx.recv();
        conn.batch_execute("COMMIT;").expect("unlock");
    });
    locked_rx.recv().expect("locked");

    let started = std::time::Instant::now();
    // The requests that got one of the two connections wait on the lock; once every other
    // one has its answer, the lock goes and they finish too.
    let mut in_flight: futures_util::stream::FuturesUnordered<_> =
        (0..8).map(|_| app.get("/")).collect();
    let mut pages = Vec::new();
    let mut release = Some(release_tx);
    while let Some(page) = futures_util::StreamExt::next(&mut in_flight).await {
        pages.push(page);
        if pages.len() == 8 - 2 {
            if let Some(release) = release.take() {
                release.send(()).expect("release the lock");
            }
        }
    }
    let busy: Vec<_> = pages.iter().filter(|p| p.status == 503).collect();
    assert!(
        pages.iter().all(|p| p.status == 503 || p.status == 200),
        "{:?}",
        pages.iter().map(|p| p.status).collect::<Vec<_>>()
    );
    assert!(
        busy.len() >= 5,
        "most requests find no connection: {}",
        busy.len()
    );
    for page in &busy {
        assert_eq!(page.headers["retry-after"], "5");
        assert_eq!(page.headers["x-content-type-options"], "nosniff");
        assert!(page.body.contains("Hopper is busy"), "{}", page.body);
    }
    assert_eq!(app.get("/healthz").await.status, 200);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));

    drop(release);
    holder.join().expect("lock holder");
    assert_eq!(
        app.get("/").await.status,
        200,
        "served again once the lock is gone"
    );
}
