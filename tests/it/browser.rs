//! A person in a real browser: headless Chromium driven over WebDriver.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::helpers::{free_port, TestApp};

/// chromedriver in its own process group, so that it and every Chromium it started are
/// killed together when the test ends, pass or fail.
pub struct Chromedriver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Chromedriver {
    pub fn start() -> Self {
        let port = free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver (apt-get install chromium-driver; scripts/install-deps.sh --test does it)");
        Self {
            child,
            port,
            _profile: tempfile::tempdir().expect("profile dir"),
        }
    }

    pub async fn connect(&self) -> Client {
        self.connect_with(&[]).await
    }

    /// A browser with extra Chromium switches (e.g. `--force-dark-mode`).
    pub async fn connect_with(&self, extra: &[&str]) -> Client {
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
        ]
        .iter()
        .chain(extra)
        .map(|a| (*a).to_owned())
        .collect();
        args.push(format!(
            "--user-data-dir={}",
            self._profile.path().display()
        ));
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": args,
            }),
        );
        let url = format!("http://127.0.0.1:{}", self.port);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return client,
                Err(e) if Instant::now() > deadline => {
                    panic!("cannot start a browser session: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // SAFETY: signalling the process group we created for chromedriver.
        unsafe {
            libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// How long a helper waits for its element or condition before it gives up.
pub const WAIT: Duration = Duration::from_secs(10);

pub async fn text_of(browser: &Client, css: &str) -> String {
    wait_for_text(browser, css, |_| true).await
}

/// Finds `css` and does `action` with it, retrying (bounded) while the element is not
/// there yet, goes stale under a page load or htmx swap, or cannot take the action yet
/// (not interactable, covered); panics naming `css` and the last error.
pub async fn with_element<T, F, Fut>(browser: &Client, css: &str, what: &str, action: F) -> T
where
    F: Fn(Element) -> Fut,
    Fut: std::future::Future<Output = Result<T, fantoccini::error::CmdError>>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        let last = match browser.find(Locator::Css(css)).await {
            Ok(element) => match action(element).await {
                Ok(done) => return done,
                Err(e) => e.to_string(),
            },
            Err(e) => e.to_string(),
        };
        assert!(
            Instant::now() < deadline,
            "cannot {what} {css} within {WAIT:?}: {last}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The element `css`, once it is on the page.
pub async fn element(browser: &Client, css: &str) -> Element {
    with_element(browser, css, "find", |element| async move { Ok(element) }).await
}

pub async fn fill(browser: &Client, css: &str, value: &str) {
    with_element(browser, css, "type into", |element| async move {
        element.send_keys(value).await
    })
    .await;
}

pub async fn click(browser: &Client, css: &str) {
    with_element(browser, css, "click", |element| async move {
        element.click().await
    })
    .await;
}

/// Waits until `condition` holds, polling; panics with `what` after `WAIT`.
pub async fn wait_until<F, Fut>(what: &str, condition: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + WAIT;
    while !condition().await {
        assert!(Instant::now() < deadline, "{what} within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The text of the dialog (`confirm`, `beforeunload`) the page shows, once it shows one.
pub async fn alert_text(browser: &Client) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        match browser.get_alert_text().await {
            Ok(text) => return text,
            Err(e) => assert!(
                Instant::now() < deadline,
                "no dialog appeared within {WAIT:?}: {e}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens the start page and expects to be sent to the sign-in page.
async fn open_and_expect_sign_in_page(browser: &Client, app: &TestApp) {
    browser.goto(&app.url("/")).await.expect("open hopper");
    let path = browser.current_url().await.expect("url").path().to_owned();
    assert!(
        path.starts_with("/login"),
        "expected the sign-in page, got {path}"
    );
    element(browser, "#sign-in").await;
}

/// Chromium's network emulation (chromedriver's own command, which fantoccini does not
/// name): every request of the page waits `latency_ms` and moves at most
/// `bytes_per_second` each way, as on a slow phone network.
pub async fn emulate_network(browser: &Client, latency_ms: u64, bytes_per_second: u64) {
    browser
        .issue_cmd(NetworkConditions {
            latency_ms,
            bytes_per_second,
        })
        .await
        .expect("network conditions");
}

#[derive(Debug)]
struct NetworkConditions {
    latency_ms: u64,
    bytes_per_second: u64,
}

impl fantoccini::wd::WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session.unwrap_or_default();
        base.join(&format!("session/{session}/chromium/network_conditions"))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let conditions = serde_json::json!({
            "network_conditions": {
                "offline": false,
                "latency": self.latency_ms,
                "download_throughput": self.bytes_per_second,
                "upload_throughput": self.bytes_per_second,
            }
        });
        (http::Method::POST, Some(conditions.to_string()))
    }
}

/// Reloads the page, mid-upload too: WebDriver accepts the page's question (`beforeunload`)
/// by itself; waits, bounded, until the new page has replaced the marked old one.
pub async fn reload(browser: &Client) {
    let _ = browser
        .execute(
            "window.hopperOldPage = true; setTimeout(function () { location.reload(); }, 0);",
            vec![],
        )
        .await;
    wait_until("the page reloads", || async {
        browser
            .execute(
                "return window.hopperOldPage === undefined && document.readyState === 'complete';",
                vec![],
            )
            .await
            .ok()
            .and_then(|done| done.as_bool())
            == Some(true)
    })
    .await;
}

/// Where a screenshot of the sender's journey goes (`target/screenshots/sender/`).
pub fn sender_screenshot(name: &str) -> std::path::PathBuf {
    screenshot_path(&format!("sender/{name}"))
}

pub fn screenshot_path(name: &str) -> std::path::PathBuf {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/screenshots")
        .join(name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("screenshot dir");
    }
    path
}

#[actix_web::test]
async fn the_admin_signs_in_changes_the_password_and_signs_out() {
    let app = TestApp::spawn().await;
    let driver = Chromedriver::start();
    let browser = driver.connect().await;

    open_and_expect_sign_in_page(&browser, &app).await;
    fill(&browser, "#username", "admin").await;
    fill(&browser, "#password", "admin123").await;
    click(&browser, "#sign-in").await;

    let notice = text_of(&browser, "#forced-notice").await;
    assert!(notice.contains("replace the password"), "{notice}");
    fill(&browser, "#current_password", "admin123").await;
    fill(&browser, "#new_password", "a new passphrase for the wall").await;
    fill(
        &browser,
        "#confirm_password",
        "a new passphrase for the wall",
    )
    .await;
    click(&browser, "#change-password").await;

    let flash = text_of(&browser, ".flash").await;
    assert_eq!(flash, "Your password has been changed.");
    assert_eq!(text_of(&browser, "#username").await, "admin");
    assert_eq!(text_of(&browser, "#role").await, "Operator");
    assert_eq!(
        text_of(&browser, "#company").await,
        "Default Company (DEFAULT)"
    );
    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_path("home-after-password-change.png"), png)
        .expect("save screenshot");

    click(&browser, "button.link").await;
    // The old page (with its own flash) may still be there for a moment.
    let flash = wait_for_text(&browser, ".flash", |t| {
        t != "Your password has been changed."
    })
    .await;
    assert_eq!(flash, "You have signed out.");
    open_and_expect_sign_in_page(&browser, &app).await;
    // The htmx file loaded under the CSP (no inline script was needed).
    let htmx_loaded = browser
        .execute("return typeof window.htmx === 'object';", vec![])
        .await
        .expect("script");
    assert_eq!(htmx_loaded, serde_json::Value::Bool(true));

    browser.close().await.expect("close browser");
    assert_eq!(app.audit_rows("auth.password_changed").len(), 1);
    assert_eq!(app.audit_rows("auth.sign_out").len(), 1);
}

pub async fn sign_in(browser: &Client, app: &TestApp, username: &str, password: &str) {
    open_and_expect_sign_in_page(browser, app).await;
    fill(browser, "#username", username).await;
    fill(browser, "#password", password).await;
    click(browser, "#sign-in").await;
    // Only a signed-in person's pages have the account menu (the sign-in page has a
    // `#username` too, so waiting for that would not wait at all).
    element(browser, "#account-nav").await;
}

/// Waits until `css` has an attribute value that `expected` accepts (after htmx swaps).
pub async fn wait_for_attribute(
    browser: &Client,
    css: &str,
    name: &str,
    expected: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + WAIT;
    let mut last = None;
    loop {
        if let Ok(element) = browser.find(Locator::Css(css)).await {
            if let Ok(Some(value)) = element.attr(name).await {
                if expected(&value) {
                    return value;
                }
                last = Some(value);
            }
        }
        assert!(Instant::now() < deadline, "{css} [{name}] stayed {last:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until `css` shows a text that `expected` accepts, riding out page loads (an
/// element found on the page being replaced goes stale) and htmx swaps.
pub async fn wait_for_text(browser: &Client, css: &str, expected: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    loop {
        if let Ok(element) = browser.find(Locator::Css(css)).await {
            if let Ok(text) = element.text().await {
                if expected(&text) {
                    return text;
                }
                last = text;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{css} never showed the expected text; last: {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn value_of(browser: &Client, css: &str) -> String {
    with_element(browser, css, "read the value of", |element| async move {
        element.prop("value").await
    })
    .await
    .unwrap_or_default()
}

async fn path_of(browser: &Client) -> String {
    let url = browser.current_url().await.expect("url");
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

#[actix_web::test]
async fn a_company_admin_sets_up_a_project_with_a_cycle_and_access_in_the_browser() {
    let app = TestApp::spawn().await;
    let admin = crate::helpers::UserFixture::new("alice")
        .role("admin")
        .create(&app)
        .await;
    crate::helpers::UserFixture::new("frank").create(&app).await;
    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    sign_in(&browser, &app, &admin.username, &admin.password).await;

    // A missing name: the message appears next to the field, the input is kept, and the
    // page is not reloaded (htmx swapped the form). The storage location is the company's
    // one (the operator's assignment), chosen already.
    browser
        .goto(&app.url("/admin/projects/new"))
        .await
        .expect("open form");
    fill(&browser, "#tags", "clients, 2026").await;
    click(&browser, "#project-form button[type=submit]").await;
    wait_for_text(&browser, "#project_name-error", |t| !t.is_empty()).await;
    assert_eq!(value_of(&browser, "#tags").await, "clients, 2026");
    assert_eq!(path_of(&browser).await, "/admin/projects/new");

    fill(&browser, "#project_name", "Client Documents").await;
    click(&browser, "#project-form button[type=submit]").await;
    wait_for_text(&browser, ".flash", |t| {
        t.starts_with("Created Client Documents.")
    })
    .await;

    click(&browser, "form[action$='check-bucket'] button").await;
    wait_for_text(&browser, "#bucket-check", |t| {
        t.contains("Hopper can write")
    })
    .await;

    click(&browser, "form[action$='/cycles'] button").await;
    wait_for_text(&browser, ".flash", |t| t.starts_with("Started C1")).await;

    with_element(
        &browser,
        "#grant-user",
        "choose frank in",
        |select| async move { select.select_by_label("frank (frank Example)").await },
    )
    .await;
    click(&browser, "form.grant button").await;
    wait_for_text(&browser, ".flash", |t| {
        t == "frank now has uploader access."
    })
    .await;

    // Revoking asks first.
    click(&browser, "#access form[action$='/revoke'] button").await;
    let question = alert_text(&browser).await;
    assert!(question.contains("Revoke frank's access"), "{question}");
    browser.accept_alert().await.expect("confirm");
    wait_for_text(&browser, ".flash", |t| t == "frank no longer has access.").await;
    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_path("admin-project.png"), png).expect("save screenshot");

    // The user list filters in place and the URL follows, so the view can be bookmarked.
    browser.goto(&app.url("/admin/users")).await.expect("users");
    fill(&browser, "#q", "fra").await;
    wait_until("the URL follows the filter (q=fra)", || async {
        path_of(&browser).await.contains("q=fra")
    })
    .await;
    wait_for_text(&browser, "#users-table", |t| {
        t.contains("frank") && !t.contains("alice")
    })
    .await;

    browser.close().await.expect("close browser");
    assert_eq!(app.audit_rows("project.created").len(), 1);
    assert_eq!(app.audit_rows("cycle.created").len(), 1);
    assert_eq!(app.audit_rows("project_access.revoked").len(), 1);
}

#[actix_web::test]
async fn an_uploader_sends_files_and_a_folder_and_gets_a_receipt() {
    let app = TestApp::spawn().await;
    let t = crate::uploads::target(&app).await;
    let dir = tempfile::tempdir().expect("dir");
    let loose = dir.path().join("loose");
    let folder = dir.path().join("statements");
    std::fs::create_dir_all(folder.join("2026/q1")).expect("folder");
    std::fs::create_dir_all(&loose).expect("loose");
    std::fs::write(loose.join("letter.txt"), b"Dear Hopper").expect("file");
    std::fs::write(loose.join("scan.pdf"), b"%PDF-1.7\n% a small pdf\n").expect("file");
    std::fs::write(folder.join("2026/q1/january.csv"), b"a,b\n1,2\n").expect("file");
    std::fs::write(folder.join("summary.txt"), b"Dear Hopper").expect("file");

    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    sign_in(&browser, &app, &t.uploader.username, &t.uploader.password).await;
    browser
        .goto(&app.url(&t.path()))
        .await
        .expect("upload page");
    let files = format!(
        "{}\n{}",
        loose.join("letter.txt").display(),
        loose.join("scan.pdf").display()
    );
    fill(&browser, "#files", &files).await;
    fill(&browser, "#folder", &folder.display().to_string()).await;
    click(&browser, "#upload-button").await;

    let receipt = wait_for_text(&browser, "#receipt", |t| t.contains("Receipt")).await;
    assert!(receipt.contains("letter.txt"), "{receipt}");
    assert!(
        receipt.contains("statements/2026/q1/january.csv"),
        "{receipt}"
    );
    // summary.txt has the same bytes as letter.txt: skipped as its duplicate.
    assert!(receipt.contains("skipped as a duplicate of"), "{receipt}");
    assert_eq!(
        text_of(&browser, "#files-uploaded").await.split(' ').next(),
        Some("3")
    );
    assert_eq!(text_of(&browser, "#files-skipped").await, "1");
    let progress = with_element(&browser, "#upload-form", "read", |form| async move {
        form.attr("data-progress-seen").await
    })
    .await;
    assert_eq!(
        progress.as_deref(),
        Some("yes"),
        "the progress bar was driven"
    );
    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_path("upload-receipt.png"), png).expect("save screenshot");
    browser.close().await.expect("close browser");
    crate::uploads::assert_counters_match_rows(&app, crate::uploads::latest_session(&app));
}

#[actix_web::test]
async fn an_admin_filters_the_audit_trail_pages_back_reloads_it_and_opens_a_wall_screen() {
    use diesel::prelude::*;
    use hopper::schema::audit_log;

    let app = TestApp::spawn().await;
    let admin = crate::helpers::UserFixture::new("alice")
        .role("admin")
        .create(&app)
        .await;
    let company = app.default_company();
    crate::helpers::create_project(&app, company, "Lobby Figures");
    for i in 0..80 {
        diesel::insert_into(audit_log::table)
            .values((
                audit_log::company_id.eq(company),
                audit_log::actor_username.eq(format!("seed{i}")),
                audit_log::action.eq("project.updated"),
            ))
            .execute(&mut app.conn())
            .expect("audit row");
    }
    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    sign_in(&browser, &app, &admin.username, &admin.password).await;
    browser
        .goto(&app.url("/dashboard/audit"))
        .await
        .expect("audit trail");
    with_element(
        &browser,
        "#action",
        "choose an action in",
        |select| async move { select.select_by_value("project.updated").await },
    )
    .await;
    wait_until(
        "the URL follows the filter (action=project.updated)",
        || async { path_of(&browser).await.contains("action=project.updated") },
    )
    .await;
    let rows = |b: &Client| {
        let b = b.clone();
        async move {
            b.find_all(Locator::Css("#audit-rows tr[data-id]"))
                .await
                .expect("rows")
                .len()
        }
    };
    wait_for_text(&browser, "#audit-rows", |t| t.contains("seed79")).await;
    wait_until("the first page shows 50 rows", || async {
        rows(&browser).await == 50
    })
    .await;
    click(&browser, "#older a").await;
    wait_for_text(&browser, "#audit-rows", |t| t.contains("seed0")).await;
    wait_until("the older rows are appended in place (80 rows)", || async {
        rows(&browser).await == 80
    })
    .await;

    // The bookmarked URL brings the same filtered view back.
    let bookmarked = browser.current_url().await.expect("url");
    browser.goto(bookmarked.as_str()).await.expect("reload");
    assert_eq!(value_of(&browser, "#action").await, "project.updated");
    wait_for_text(&browser, "#audit-rows", |t| t.contains("seed79")).await;
    assert!(!text_of(&browser, "#audit-rows")
        .await
        .contains("auth.sign_in"));

    // A wall screen link, opened in a browser that never signed in.
    browser
        .goto(&app.url("/admin/share-links"))
        .await
        .expect("links");
    fill(&browser, "#label", "Reception").await;
    click(&browser, "form.grant button").await;
    let link = wait_for_text(&browser, "#share-link", |t| t.contains("/wall/")).await;
    browser.close().await.expect("close");

    let wall_driver = Chromedriver::start();
    let wall = wall_driver.connect().await;
    wall.goto(&link).await.expect("open the wall link");
    let heading = text_of(&wall, "h1").await;
    assert!(heading.contains("Reception"), "{heading}");
    wait_for_text(&wall, "#summary", |t| t.contains("Lobby Figures")).await;
    let png = wall.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_path("wall-screen.png"), png).expect("save screenshot");
    wall.close().await.expect("close");
    assert_eq!(app.audit_rows("share_link.used").len(), 1);
}
