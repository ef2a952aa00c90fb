//! Every page each role reaches, in a real browser at a phone's, a laptop's and a wall
//! screen's width: the page never scrolls sideways, axe-core finds no WCAG 2.x A/AA
//! violation, and a screenshot of each lands in `target/screenshots/layout/` for review.

use diesel::prelude::*;
use fantoccini::Client;
use hopper::schema::sync_sessions;

use crate::browser::{
    click, screenshot_path, sign_in, wait_until, with_element, Chromedriver, WAIT,
};
use crate::helpers::{create_company, TestApp, UserFixture};
use crate::requests::setup;
use crate::upload_links::{create_link, cycle_with_requests};
use crate::uploads::form;

/// axe-core, for the tests only (never served); version and sha256 in tests/vendor/README.md.
const AXE: &str = include_str!("../vendor/axe-4.11.1.min.js");
const WIDTHS: [u32; 3] = [390, 1366, 1920];

/// A person signed in (or nobody) and the pages they reach.
struct Tour {
    who: &'static str,
    credentials: Option<(String, String)>,
    pages: Vec<(&'static str, String)>,
}

/// What is wrong with the page now shown, at `width`.
async fn check_page(browser: &Client, label: &str, width: u32, with_axe: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let sizes = browser
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("sizes");
    let (scroll, inner) = (
        sizes[0].as_u64().unwrap_or(0),
        sizes[1].as_u64().unwrap_or(0),
    );
    if inner != u64::from(width) {
        problems.push(format!(
            "{label}: the window is {inner} px wide, not {width}"
        ));
    }
    if scroll > inner {
        let widest = browser
            .execute(
                "const w = window.innerWidth; const over = [...document.querySelectorAll('body *')]
                   .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.card, .table-scroll'))
                   .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
                 return over.join(', ');",
                vec![],
            )
            .await
            .expect("overflow");
        problems.push(format!(
            "{label}: the page is {scroll} px wide in a {inner} px window ({widest})"
        ));
    }
    let png = browser.screenshot().await.expect("screenshot");
    let file = screenshot_path(&format!("layout/{label}.png"));
    std::fs::create_dir_all(file.parent().expect("folder")).expect("screenshot folder");
    std::fs::write(file, png).expect("save");
    if with_axe {
        browser.execute(AXE, vec![]).await.expect("axe loads");
        let found = browser
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag',
                     values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
                   .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at '
                       + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .expect("axe runs");
        for violation in found.as_array().into_iter().flatten() {
            problems.push(format!("{label}: {}", violation.as_str().unwrap_or("?")));
        }
    }
    problems
}

async fn walk(browser: &Client, app: &TestApp, tour: &Tour) -> Vec<String> {
    walk_at(browser, app, tour, &WIDTHS).await
}

async fn walk_at(browser: &Client, app: &TestApp, tour: &Tour, widths: &[u32]) -> Vec<String> {
    browser.delete_all_cookies().await.expect("no cookies");
    if let Some((user, password)) = &tour.credentials {
        browser.set_window_size(1366, 900).await.expect("size");
        sign_in(browser, app, user, password).await;
    }
    let mut problems = Vec::new();
    for &width in widths {
        browser.set_window_size(width, 900).await.expect("size");
        for (name, path) in &tour.pages {
            browser.goto(&app.url(path)).await.expect("open");
            let label = format!("{}-{name}-{width}", tour.who);
            problems.extend(check_page(browser, &label, width, width != 1920).await);
        }
    }
    problems
}

/// On a phone the navigation folds behind "Menu", and opening it reaches "Sign out".
async fn the_menu_opens_on_a_phone(browser: &Client, app: &TestApp) -> Vec<String> {
    browser.set_window_size(390, 900).await.expect("size");
    browser.goto(&app.url("/projects")).await.expect("open");
    let sign_out = "form[action='/logout'] button";
    let shown = |css: &'static str| async move {
        with_element(
            browser,
            css,
            "see",
            |e| async move { e.is_displayed().await },
        )
        .await
    };
    let mut problems = Vec::new();
    if shown(sign_out).await {
        problems.push("phone: the navigation is not folded".to_owned());
    }
    click(browser, "#menu-toggle").await;
    // The menu may open with a transition: wait for it, bounded.
    let deadline = std::time::Instant::now() + WAIT;
    while !shown(sign_out).await {
        if std::time::Instant::now() > deadline {
            problems.push("phone: Sign out is not reachable from the menu".to_owned());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    problems
}

#[actix_web::test]
async fn every_page_fits_a_phone_a_laptop_and_a_wall_and_passes_axe() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let alice = app.session_for(&s.admin).await;
    let (p, u) = (s.project, s.uploader.id);
    // Questions beside the documents: their cards are walked too (optional, so the
    // figures stay those of the two documents).
    for fields in [
        [
            ("name", "VAT registered"),
            ("kind", "yes_no"),
            ("choices", ""),
        ],
        [
            ("name", "Company form"),
            ("kind", "choice"),
            ("choices", "Sole trader\nLimited company"),
        ],
        [("name", "Year end"), ("kind", "date"), ("choices", "")],
    ] {
        let added = alice
            .post(&format!("/admin/projects/{p}/requests"), &fields)
            .await;
        assert_eq!(added.status, 303, "{}", added.body);
    }
    let c = cycle_with_requests(&app, &alice, p).await;
    let question = crate::requests::requests_of(&app, c)[1].0;
    let uma = app.session_for(&s.uploader).await;
    let sent = uma
        .upload(
            &format!("/projects/{p}/cycles/{c}/upload"),
            form(&[
                (
                    "statements/2026/Bank-Statement-March-2026-all-accounts-final-version.pdf",
                    b"%PDF-1.7\n% a statement\n",
                ),
                ("notes.txt", b"called the bank about the missing page"),
            ]),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let batch: i32 = sync_sessions::table
        .order(sync_sessions::id.desc())
        .select(sync_sessions::id)
        .first(&mut app.conn())
        .expect("a batch");
    // Names, not ids: who sent the batch, on its receipt and in the cycle's batch table.
    let uploader_name = format!("{} Example", s.uploader.username);
    let receipt = alice.get(&format!("/uploads/{batch}")).await;
    assert!(
        receipt
            .body
            .contains(&format!("<dd id=\"uploaded-by\">{uploader_name}</dd>")),
        "{}",
        receipt.body
    );
    let batches = alice.get(&format!("/dashboard/cycles/{c}")).await;
    assert!(
        batches.body.contains(&format!("<td>{uploader_name}</td>")),
        "{}",
        batches.body
    );
    let upload_link = create_link(
        &alice,
        p,
        c,
        &[
            ("label", "ACME accounting"),
            ("days", "7"),
            ("max_files", "10"),
            ("max_mib", "50"),
        ],
    )
    .await;
    let shared = alice
        .post(
            "/admin/share-links",
            &[("label", "Lobby"), ("project", ""), ("days", "7")],
        )
        .await;
    let wall = shared
        .body
        .split_once("/wall/")
        .and_then(|(_, rest)| rest.split(['<', '"']).next())
        .map(|token| format!("/wall/{token}"))
        .expect("a wall screen link");
    let shared = alice
        .post(
            "/admin/share-links",
            &[
                ("label", "Year end"),
                ("project", &p.to_string()),
                ("days", "7"),
            ],
        )
        .await;
    let project_wall = shared
        .body
        .split_once("/wall/")
        .and_then(|(_, rest)| rest.split(['<', '"']).next())
        .map(|token| format!("/wall/{token}"))
        .expect("a project's wall screen link");
    // A legal hold on the cycle: the project page and the holds page list it.
    let held = alice
        .post(
            "/admin/holds",
            &[
                ("project_id", &p.to_string()),
                ("cycle_id", &c.to_string()),
                ("reason", "Litigation: Smith v. Acme, case 24-1187"),
            ],
        )
        .await;
    assert_eq!(held.status, 303, "{}", held.body);
    let acme = create_company(&app, "ACME", true);
    let operator = UserFixture::new("otto")
        .role("superadmin")
        .create(&app)
        .await;

    let tours = [
        Tour {
            who: "visitor",
            credentials: None,
            pages: vec![
                ("sign-in", "/login".into()),
                ("sign-in-sso", "/login/sso".into()),
                ("wall", wall.clone()),
                ("wall-project", project_wall),
                ("upload-link", upload_link),
            ],
        },
        Tour {
            who: "uploader",
            credentials: Some((s.uploader.username.clone(), s.uploader.password.clone())),
            pages: vec![
                ("home", "/".into()),
                ("projects", "/projects".into()),
                ("project", format!("/projects/{p}")),
                ("upload", format!("/projects/{p}/cycles/{c}/upload")),
                ("receipt", format!("/uploads/{batch}")),
                ("missing", "/missing".into()),
                ("dashboard", "/dashboard".into()),
                ("project-summary", format!("/dashboard/projects/{p}")),
                ("cycle-summary", format!("/dashboard/cycles/{c}")),
                ("profile", "/account/profile".into()),
                ("sessions", "/account/sessions".into()),
                ("tokens", "/account/tokens".into()),
                ("two-factor", "/account/two-factor".into()),
                ("password", "/account/password".into()),
                ("not-found", "/projects/999999".into()),
            ],
        },
        Tour {
            who: "admin",
            credentials: Some((s.admin.username.clone(), s.admin.password.clone())),
            pages: vec![
                ("users", "/admin/users".into()),
                ("new-user", "/admin/users/new".into()),
                ("user", format!("/admin/users/{u}")),
                ("projects", "/admin/projects".into()),
                ("new-project", "/admin/projects/new".into()),
                ("project", format!("/admin/projects/{p}")),
                ("request-list", format!("/admin/projects/{p}/requests")),
                ("cycle", format!("/admin/projects/{p}/cycles/{c}")),
                (
                    "cycle-requests",
                    format!("/admin/projects/{p}/cycles/{c}/requests"),
                ),
                (
                    "question-edit",
                    format!("/admin/projects/{p}/cycles/{c}/requests/{question}/edit"),
                ),
                (
                    "upload-links",
                    format!("/admin/projects/{p}/cycles/{c}/links"),
                ),
                ("machine-tokens", format!("/admin/projects/{p}/tokens")),
                ("wall-screens", "/admin/share-links".into()),
                ("legal-holds", "/admin/holds".into()),
                ("webhooks", "/admin/webhooks".into()),
                ("audit", "/dashboard/audit".into()),
                ("dashboard", "/dashboard".into()),
            ],
        },
        Tour {
            who: "operator",
            credentials: Some((operator.username.clone(), operator.password.clone())),
            pages: vec![
                ("companies", "/operator/companies".into()),
                ("new-company", "/operator/companies/new".into()),
                ("company", format!("/operator/companies/{acme}")),
                ("company-sso", format!("/operator/companies/{acme}/sso")),
                ("outbox", "/operator/outbox".into()),
                ("erasure", "/operator/erasure".into()),
                ("audit", "/dashboard/audit".into()),
            ],
        },
    ];

    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    let mut problems = Vec::new();
    for tour in &tours {
        problems.extend(walk(&browser, &app, tour).await);
    }
    problems.extend(the_menu_opens_on_a_phone(&browser, &app).await);
    // A wall screen says how fresh its figures are, counting up between refreshes.
    browser.goto(&app.url(&wall)).await.expect("wall");
    let fresh = crate::browser::wait_for_text(&browser, "[data-updated-at]", |t| {
        t == "updated just now" || t.ends_with(" s ago")
    })
    .await;
    assert!(fresh.starts_with("updated"), "{fresh}");
    drop(browser);

    // The dark scheme (by the viewer's preference) passes the same checks at 1366 px.
    let dark = Chromedriver::start();
    let browser = dark.connect_with(&["--force-dark-mode"]).await;
    browser.goto(&app.url("/login")).await.expect("open");
    let is_dark = browser
        .execute(
            "return matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .await
        .expect("media");
    assert_eq!(is_dark.as_bool(), Some(true), "the browser prefers dark");
    for tour in &tours {
        let dark_tour = Tour {
            who: match tour.who {
                "visitor" => "dark-visitor",
                "uploader" => "dark-uploader",
                "admin" => "dark-admin",
                _ => "dark-operator",
            },
            credentials: tour.credentials.clone(),
            pages: tour.pages.clone(),
        };
        problems.extend(walk_at(&browser, &app, &dark_tour, &[1366]).await);
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The export link follows the filters as they change in place (htmx swaps the table and,
/// out of band, the link), so the CSV holds what the screen shows.
#[actix_web::test]
async fn the_csv_export_follows_filters_changed_in_place() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let alice = app.session_for(&s.admin).await;
    cycle_with_requests(&app, &alice, s.project).await;
    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    sign_in(&browser, &app, &s.admin.username, &s.admin.password).await;
    browser
        .goto(&app.url("/dashboard/audit"))
        .await
        .expect("audit trail");
    browser
        .execute(
            "const s = document.getElementById('action'); s.value = 'cycle.created';
             s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await
        .expect("filter");
    let href = crate::browser::wait_for_attribute(&browser, "#csv-export", "href", |h| {
        h.contains("action=cycle.created")
    })
    .await;
    let csv = alice.get(&href).await;
    assert_eq!(csv.status, 200);
    let rows: Vec<&str> = csv.body.lines().skip(1).collect();
    let expected = rows.len() as u64;
    wait_until("the table shows as many rows as the CSV", || async {
        browser
            .execute(
                "return document.querySelectorAll('#audit-rows tr[data-id]').length;",
                vec![],
            )
            .await
            .ok()
            .and_then(|shown| shown.as_u64())
            == Some(expected)
    })
    .await;
    assert!(
        rows.iter().all(|r| r.contains("cycle.created")),
        "{}",
        csv.body
    );
}

/// What a script finds wrong with the page shown (an empty list when nothing is).
async fn problems_found(browser: &Client, script: &str) -> Vec<String> {
    let found = browser.execute(script, vec![]).await.expect("measure");
    found
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| p.as_str().unwrap_or("?").to_owned())
        .collect()
}

/// Dashboard tables wider than their card (the card would scroll sideways).
const TABLES_OVERFLOWING: &str = "return [...document.querySelectorAll('table.dashboard')]
    .filter(t => { const box = t.closest('.card') || t.parentElement;
                   return t.getBoundingClientRect().right > box.getBoundingClientRect().right + 1
                       || box.scrollWidth > box.clientWidth + 1; })
    .map(t => 'a table ' + Math.round(t.getBoundingClientRect().width) + ' px wide in a card of '
              + (t.closest('.card') || t.parentElement).clientWidth + ' px');";

/// Navigation items off the top bar's one line, or cut off at its edge.
const NAV_WRAPPED: &str = "const items = [...document.querySelectorAll(
      '.topbar .brand, .topbar nav a, .topbar .who, .topbar button.link')];
    const top = items[0].getBoundingClientRect(); const mid = top.top + top.height / 2;
    const bar = document.querySelector('.topbar');
    const off = items.filter(e => { const r = e.getBoundingClientRect();
        return r.height > 2 * parseFloat(getComputedStyle(e).fontSize) + 4
            || Math.abs(r.top + r.height / 2 - mid) > 6 || r.right > window.innerWidth; })
      .map(e => '\"' + e.textContent.trim() + '\" is off the line');
    if (bar.scrollWidth > bar.clientWidth) off.push('the top bar scrolls sideways');
    return off;";

/// At a laptop's 1366 px the dashboards show every column without scrolling sideways, due
/// dates and completeness come before bucket and region, and the navigation stays on one
/// line; on a wall screen the headline figures grow with the screen, up to 3840 × 2160,
/// and nothing overflows.
#[actix_web::test]
async fn dashboards_fit_a_laptop_and_wall_figures_grow_with_the_screen() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let alice = app.session_for(&s.admin).await;
    let (p, c) = (
        s.project,
        cycle_with_requests(&app, &alice, s.project).await,
    );
    let uma = app.session_for(&s.uploader).await;
    let sent = uma
        .upload(
            &format!("/projects/{p}/cycles/{c}/upload"),
            form(&[(
                "Bank-Statement-March-2026-all-accounts.pdf",
                b"%PDF-1.7\n%\n",
            )]),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let operator = UserFixture::new("otto")
        .role("superadmin")
        .create(&app)
        .await;
    let dashboard = alice.get("/dashboard").await.body;
    let position = |words: &str| dashboard.find(words).unwrap_or(usize::MAX);
    assert!(
        position(">Next due<") < position(">Bucket<")
            && position(">Latest cycle's requests<") < position(">Region<"),
        "due date and completeness come first: {dashboard}"
    );

    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    let mut problems = Vec::new();
    for (who, user) in [
        ("admin", &s.admin),
        ("uploader", &s.uploader),
        ("operator", &operator),
    ] {
        browser.delete_all_cookies().await.expect("no cookies");
        browser.set_window_size(1366, 900).await.expect("size");
        sign_in(&browser, &app, &user.username, &user.password).await;
        for path in [
            "/dashboard".to_owned(),
            format!("/dashboard/projects/{p}"),
            format!("/dashboard/cycles/{c}"),
            "/dashboard/audit".to_owned(),
        ] {
            browser.goto(&app.url(&path)).await.expect("open");
            for problem in problems_found(&browser, TABLES_OVERFLOWING).await {
                problems.push(format!("{who} {path} at 1366 px: {problem}"));
            }
            for problem in problems_found(&browser, NAV_WRAPPED).await {
                problems.push(format!("{who} {path} at 1366 px: {problem}"));
            }
        }
        let png = browser.screenshot().await.expect("screenshot");
        let file = screenshot_path(&format!("layout/{who}-nav-1366.png"));
        std::fs::create_dir_all(file.parent().expect("folder")).expect("folder");
        std::fs::write(file, png).expect("save");
    }

    browser.delete_all_cookies().await.expect("no cookies");
    let shared = alice
        .post(
            "/admin/share-links",
            &[("label", "Lobby"), ("project", ""), ("days", "7")],
        )
        .await;
    let wall = shared
        .body
        .split_once("/wall/")
        .and_then(|(_, rest)| rest.split(['<', '"']).next())
        .map(|token| format!("/wall/{token}"))
        .expect("a wall screen link");
    let mut sizes = Vec::new();
    for (width, height) in [(1920, 1080), (3840, 2160)] {
        browser.set_window_size(width, height).await.expect("size");
        browser.goto(&app.url(&wall)).await.expect("wall");
        problems
            .extend(check_page(&browser, &format!("wall-{width}x{height}"), width, false).await);
        let measured = browser
            .execute(
                "const values = [...document.querySelectorAll('#headline .figure-value')];
                 const over = [...document.querySelectorAll('#headline .figure, #headline .figure *')]
                   .filter(e => e.scrollWidth > e.clientWidth + 1
                             || e.getBoundingClientRect().right > window.innerWidth)
                   .map(e => e.className || e.tagName);
                 return [parseFloat(getComputedStyle(values[0]).fontSize), over.join(', ')];",
                vec![],
            )
            .await
            .expect("figures");
        let size = measured[0].as_f64().unwrap_or(0.0);
        let over = measured[1].as_str().unwrap_or("").to_owned();
        if !over.is_empty() {
            problems.push(format!("wall {width}x{height}: overflowing: {over}"));
        }
        sizes.push(size);
    }
    if sizes[0] < 64.0 {
        problems.push(format!(
            "a 1080p wall's figures are too small: {sizes:?} px"
        ));
    }
    if sizes[1] < sizes[0] * 1.5 {
        problems.push(format!(
            "the figures do not grow with the screen: {sizes:?} px"
        ));
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
