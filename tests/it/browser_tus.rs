//! Resumable uploads in a real browser: the upload page sends a large file through the
//! vendored tus-js-client; the connection is cut mid-upload (a proxy between browser
//! and Hopper resets it) and the file still arrives whole; then a page reload in the
//! middle of another file, and choosing it again, resumes the same upload.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use fantoccini::Client;
use hopper::schema::{file_uploads, tus_uploads};

use crate::browser::{click, element, fill, reload, screenshot_path, wait_for_text, Chromedriver};
use crate::fault_proxy::{Fault, FaultProxy, Upstream};
use crate::helpers::TestApp;
use crate::uploads::{content, sha256, target, Target};

const MIB: usize = 1024 * 1024;

/// Waits until some bytes of `path` have landed in S3 (and not all of them). Async: the
/// fault proxy runs on this test's runtime.
async fn wait_until_landing(app: &TestApp, path: &str, length: usize) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let landed: Option<i64> = tus_uploads::table
            .inner_join(file_uploads::table)
            .filter(file_uploads::file_path.eq(path))
            .select(tus_uploads::landed)
            .first(&mut app.conn())
            .optional()
            .expect("landed");
        if let Some(landed) = landed.filter(|l| *l > 0) {
            assert!(
                (landed as usize) < length,
                "{path} arrived before it could be cut"
            );
            return landed;
        }
        assert!(Instant::now() < deadline, "{path} never started landing");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub(crate) fn stored(app: &TestApp, path: &str) -> (Option<String>, i64) {
    let checksum = file_uploads::table
        .filter(file_uploads::file_path.eq(path))
        .filter(file_uploads::status.eq("completed"))
        .select(file_uploads::checksum)
        .first::<Option<String>>(&mut app.conn())
        .optional()
        .expect("file")
        .flatten();
    let uploads: i64 = tus_uploads::table
        .inner_join(file_uploads::table)
        .filter(file_uploads::file_path.eq(path))
        .count()
        .get_result(&mut app.conn())
        .expect("uploads");
    (checksum, uploads)
}

/// Chooses one file on the upload page shown and presses Upload.
async fn choose_and_send(browser: &Client, file: &std::path::Path) {
    fill(browser, "#files", &file.display().to_string()).await;
    click(browser, "#upload-button").await;
}

async fn wait_for_receipt(browser: &Client, path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let text = browser
            .find(fantoccini::Locator::Css("#receipt"))
            .await
            .ok();
        if let Some(element) = text {
            if let Ok(text) = element.text().await {
                if text.contains("Receipt") && text.contains(path) {
                    return text;
                }
            }
        }
        assert!(Instant::now() < deadline, "no receipt for {path}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Hopper behind the harness's fault proxy, and a browser signed in through it as the
/// target's uploader; returns the proxy, the driver (kept alive), the browser and the
/// upload page's address.
async fn signed_in_behind_proxy(
    app: &TestApp,
    t: &Target,
) -> (FaultProxy, Chromedriver, Client, String) {
    let upstream = app
        .address
        .trim_start_matches("http://")
        .parse()
        .expect("address");
    let proxy = FaultProxy::start(Upstream::Tcp(upstream)).await;
    let base = format!("http://{}", proxy.address);
    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    browser
        .goto(&format!("{base}/login"))
        .await
        .expect("sign-in page");
    fill(&browser, "#username", &t.uploader.username).await;
    fill(&browser, "#password", &t.uploader.password).await;
    click(&browser, "#sign-in").await;
    element(&browser, "#account-nav").await;
    let page = format!("{base}{}", t.path());
    (proxy, driver, browser, page)
}

/// The network drops: every connection through the proxy is reset, the open ones and the
/// browser's next try, before the way opens again.
async fn drop_connections(proxy: &FaultProxy) {
    let refused = proxy.refused();
    proxy.set(Fault::Reset);
    crate::upload_failures::eventually("the browser tries again and is refused", || {
        proxy.refused() > refused
    })
    .await;
    proxy.set(Fault::Pass);
}

/// Reloads the upload page while a file is being sent (the page asks before leaving
/// mid-upload; WebDriver accepts that question).
async fn reload_mid_upload(browser: &Client) {
    reload(browser).await;
    wait_for_text(browser, "h1", |text| text.starts_with("Upload to")).await;
}

/// Writes a file of `blocks` MiB plus `extra` bytes (each MiB starts with its number, so
/// no two parts are alike) without holding it in memory; returns its SHA-256.
pub(crate) fn write_large(path: &std::path::Path, blocks: usize, extra: usize) -> String {
    use sha2::{Digest, Sha256};
    use std::io::Write;
    let base = content(MIB, 23);
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("file"));
    let mut hasher = Sha256::new();
    for number in 0..blocks as u64 {
        let mut block = base.clone();
        block[..8].copy_from_slice(&number.to_le_bytes());
        file.write_all(&block).expect("write");
        hasher.update(&block);
    }
    file.write_all(&base[..extra]).expect("write");
    hasher.update(&base[..extra]);
    file.flush().expect("flush");
    hex::encode(hasher.finalize())
}

/// Waits until more than `past` bytes of `path` have landed (and not all of them).
async fn wait_until_past(app: &TestApp, path: &str, past: i64, length: usize) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let landed = wait_until_landing(app, path, length).await;
        if landed > past {
            return landed;
        }
        assert!(
            Instant::now() < deadline,
            "{path} stopped at {landed} bytes"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The case: a 2 GiB file from a browser, its connection dropped mid-upload and
/// then the page reloaded mid-upload, arrives once, whole, with its exact SHA-256.
#[actix_web::test]
async fn a_2_gib_upload_survives_a_dropped_connection_and_a_reload() {
    let app = TestApp::spawn().await;
    let t = target(&app).await;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("scan-2gib.bin");
    let length = 2048 * MIB + 17;
    let expected = write_large(&path, 2048, 17);

    let (proxy, _driver, browser, page) = signed_in_behind_proxy(&app, &t).await;

    browser.goto(&page).await.expect("upload page");
    choose_and_send(&browser, &path).await;
    let cut_at = wait_until_landing(&app, "scan-2gib.bin", length).await;
    drop_connections(&proxy).await;
    // tus-js-client resumes by itself, from the offset the server reports.
    let reloaded_at =
        wait_until_past(&app, "scan-2gib.bin", cut_at + 2 * 64 * MIB as i64, length).await;
    reload_mid_upload(&browser).await;
    choose_and_send(&browser, &path).await;
    let receipt = wait_for_receipt(&browser, "scan-2gib.bin").await;
    assert!(receipt.contains("uploaded"), "{receipt}");
    assert_eq!(
        stored(&app, "scan-2gib.bin"),
        (Some(expected), 1),
        "one upload (cut at {cut_at}, reloaded at {reloaded_at}), resumed to the exact checksum"
    );
    browser.close().await.expect("close browser");
}

#[actix_web::test]
async fn a_large_upload_survives_a_dropped_connection_and_a_reload() {
    let app = TestApp::spawn().await;
    let t = target(&app).await;
    let dir = tempfile::tempdir().expect("dir");
    let first = content(96 * MIB + 17, 21);
    let second = content(96 * MIB + 33, 22);
    std::fs::write(dir.path().join("archive-1.bin"), &first).expect("file");
    std::fs::write(dir.path().join("archive-2.bin"), &second).expect("file");

    let (proxy, _driver, browser, page) = signed_in_behind_proxy(&app, &t).await;

    // The connection drops mid-upload: tus-js-client retries from the stored offset.
    browser.goto(&page).await.expect("upload page");
    choose_and_send(&browser, &dir.path().join("archive-1.bin")).await;
    wait_until_landing(&app, "archive-1.bin", first.len()).await;
    drop_connections(&proxy).await;
    let receipt = wait_for_receipt(&browser, "archive-1.bin").await;
    assert!(receipt.contains("uploaded"), "{receipt}");
    assert_eq!(
        stored(&app, "archive-1.bin"),
        (Some(sha256(&first)), 1),
        "one upload, resumed, with the exact checksum"
    );

    // A reload in the middle of a file; choosing it again resumes the same upload.
    browser.goto(&page).await.expect("upload page");
    choose_and_send(&browser, &dir.path().join("archive-2.bin")).await;
    let landed = wait_until_landing(&app, "archive-2.bin", second.len()).await;
    reload_mid_upload(&browser).await;
    choose_and_send(&browser, &dir.path().join("archive-2.bin")).await;
    let receipt = wait_for_receipt(&browser, "archive-2.bin").await;
    assert!(receipt.contains("uploaded"), "{receipt}");
    let (checksum, uploads) = stored(&app, "archive-2.bin");
    assert_eq!(checksum, Some(sha256(&second)));
    assert_eq!(
        uploads, 1,
        "the reload resumed the upload (landed {landed} before it)"
    );
    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_path("upload-resumable.png"), png).expect("save screenshot");
    browser.close().await.expect("close browser");
}

/// An empty file chosen on the upload page: tus-js-client creates its upload and sends
/// no PATCH (nothing to send); the file still ends completed, with the empty SHA-256.
#[actix_web::test]
async fn an_empty_file_chosen_in_the_browser_is_completed() {
    let app = TestApp::spawn().await;
    let t = target(&app).await;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("empty-form.txt");
    std::fs::write(&path, b"").expect("file");

    let (_proxy, _driver, browser, page) = signed_in_behind_proxy(&app, &t).await;
    browser.goto(&page).await.expect("upload page");
    choose_and_send(&browser, &path).await;
    let receipt = wait_for_receipt(&browser, "empty-form.txt").await;
    assert!(receipt.contains("uploaded"), "{receipt}");
    assert_eq!(
        stored(&app, "empty-form.txt"),
        (Some(sha256(b"")), 1),
        "completed, not left uploading"
    );
    browser.close().await.expect("close browser");
}
