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
    let response = app
        .client
        .get(app.url(hopper::routes::static_files::HTMX_PATH))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), 200);
    assert!(response.headers()["cache-control"]
        .to_str()
        .unwrap_or_default()
        .contains("immutable"));
    let body = response.bytes().await.expect("body");
    let readme = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/static/vendor/README.md"
    ))
    .expect("vendor README");
    let digest = hex::encode(Sha256::digest(&body));
    assert!(
        readme.contains(&digest),
        "static/vendor/README.md records sha256 {digest}"
    );
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
