//! A whole collection cycle in a real browser: an admin asks for three documents with a
//! due date, an uploader drops a folder and sees two matched and one "other" before
//! sending, the admin rejects one with a reason, the uploader reads it and sends a new
//! file, the admin accepts everything, the cycle turns completed and a wall screen shows
//! 100 %.

use fantoccini::Client;

use crate::browser::{
    click, element, fill, screenshot_path, sign_in, text_of, value_of, wait_for_attribute,
    wait_for_text, Chromedriver,
};
use crate::helpers::TestApp;
use crate::requests::{requests_of, setup};

async fn switch_user(browser: &Client, app: &TestApp, username: &str, password: &str) {
    browser.delete_all_cookies().await.expect("sign out");
    sign_in(browser, app, username, password).await;
}

#[actix_web::test]
async fn a_collection_cycle_runs_from_request_list_to_completed_in_the_browser() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let dir = tempfile::tempdir().expect("dir");
    let folder = dir.path().join("march");
    std::fs::create_dir_all(&folder).expect("folder");
    std::fs::write(
        folder.join("Bank-Statement-03.pdf"),
        b"%PDF-1.7\n% statement\n",
    )
    .expect("file");
    std::fs::write(folder.join("payroll_03.pdf"), b"%PDF-1.7\n% payroll\n").expect("file");
    std::fs::write(folder.join("notes.txt"), b"called the bank").expect("file");
    let fixed = dir.path().join("Bank-Statement-03-all-pages.pdf");
    std::fs::write(&fixed, b"%PDF-1.7\n% statement, both pages\n").expect("file");
    let contract = dir.path().join("scan0001.pdf");
    std::fs::write(&contract, b"%PDF-1.7\n% signed contract\n").expect("file");

    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    sign_in(&browser, &app, &s.admin.username, &s.admin.password).await;

    // The request list: three documents, two with patterns.
    let list = app.url(&format!("/admin/projects/{}/requests", s.project));
    for (name, pattern) in [
        ("Bank statements", "*statement*"),
        ("Payroll", "payroll*"),
        ("Signed contract", ""),
    ] {
        browser.goto(&list).await.expect("request list");
        fill(&browser, "#name", name).await;
        if !pattern.is_empty() {
            fill(&browser, "#pattern", pattern).await;
        }
        click(&browser, "form[action$='/requests'] button[type=submit]").await;
        wait_for_text(&browser, ".flash", |t| {
            t.starts_with(&format!("Added “{name}”"))
        })
        .await;
    }
    // A new cycle copies it; the admin gives the cycle a due date.
    browser
        .goto(&app.url(&format!("/admin/projects/{}", s.project)))
        .await
        .expect("project page");
    click(&browser, "form[action$='/cycles'] button").await;
    wait_for_text(&browser, ".flash", |t| t.starts_with("Started C1")).await;
    let cycle = crate::requests::latest_cycle(&app, s.project);
    let review = app.url(&format!(
        "/admin/projects/{}/cycles/{cycle}/requests",
        s.project
    ));
    browser.goto(&review).await.expect("cycle requests");
    element(&browser, "#cycle-due-input").await;
    browser
        .execute(
            "document.getElementById('cycle-due-input').value = '2031-01-31';",
            vec![],
        )
        .await
        .expect("set date");
    assert_eq!(value_of(&browser, "#cycle-due-input").await, "2031-01-31");
    click(&browser, "form[action$='/due'] button").await;
    wait_for_text(&browser, ".flash", |t| t.contains("is due")).await;
    assert!(text_of(&browser, "#cycle-due").await.contains("2031"));

    // The uploader drops the folder and sees where each file goes before sending.
    switch_user(&browser, &app, &s.uploader.username, &s.uploader.password).await;
    let upload = app.url(&format!("/projects/{}/cycles/{cycle}/upload", s.project));
    browser.goto(&upload).await.expect("upload page");
    fill(&browser, "#folder", &folder.display().to_string()).await;
    wait_for_text(&browser, "#chosen-heading", |t| {
        t.starts_with("3 files chosen")
    })
    .await;
    let preview = browser
        .execute(
            "return [...document.querySelectorAll('#match-list li')].map(li =>
               li.querySelector('.path').textContent + ' ' + li.querySelector('.goes').textContent).join('\\n');",
            vec![],
        )
        .await
        .expect("the chosen files")
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        preview.contains("march/Bank-Statement-03.pdf → Bank statements"),
        "{preview}"
    );
    assert!(
        preview.contains("march/payroll_03.pdf → Payroll"),
        "{preview}"
    );
    assert!(preview.contains("march/notes.txt → other"), "{preview}");
    click(&browser, "#upload-button").await;
    let receipt = wait_for_text(&browser, "#receipt", |t| t.contains("Receipt")).await;
    assert!(
        receipt.contains("Bank statements") && receipt.contains("other"),
        "{receipt}"
    );

    // The admin rejects the statement with a reason.
    let ids: Vec<_> = requests_of(&app, cycle).into_iter().map(|r| r.0).collect();
    switch_user(&browser, &app, &s.admin.username, &s.admin.password).await;
    browser.goto(&review).await.expect("review page");
    fill(
        &browser,
        &format!("#reject-{}", ids[0]),
        "Page 2 is missing",
    )
    .await;
    click(&browser, &format!("#request-{} form.reject button", ids[0])).await;
    wait_for_text(&browser, ".flash", |t| t.contains("needs a new file")).await;

    // The uploader reads why and sends a new file for that item, and the contract.
    switch_user(&browser, &app, &s.uploader.username, &s.uploader.password).await;
    browser.goto(&upload).await.expect("upload page");
    let row = text_of(&browser, &format!("#request-{}", ids[0])).await;
    assert!(
        row.contains("Needs a new file") && row.contains("Page 2 is missing"),
        "{row}"
    );
    for (id, file) in [(ids[0], &fixed), (ids[2], &contract)] {
        browser.goto(&upload).await.expect("upload page");
        fill(
            &browser,
            &format!("#file-for-{id}"),
            &file.display().to_string(),
        )
        .await;
        click(
            &browser,
            &format!("#request-{id} form.request-upload button"),
        )
        .await;
        wait_for_text(&browser, "#receipt", |t| t.contains("Receipt")).await;
    }
    browser.goto(&upload).await.expect("upload page");
    let row = text_of(&browser, &format!("#request-{}", ids[0])).await;
    assert!(row.contains("Submitted"), "{row}");

    // The admin accepts all three: the cycle is completed.
    switch_user(&browser, &app, &s.admin.username, &s.admin.password).await;
    for id in &ids {
        browser.goto(&review).await.expect("review page");
        click(
            &browser,
            &format!("#request-{id} form input[value=accept] ~ button"),
        )
        .await;
        wait_for_text(&browser, ".flash", |t| t.starts_with("Accepted “")).await;
    }
    browser.goto(&review).await.expect("review page");
    assert_eq!(text_of(&browser, "#cycle-status").await, "Completed");
    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_path("cycle-requests.png"), png).expect("save screenshot");

    // A wall screen shows the cycle complete.
    browser
        .goto(&app.url("/admin/share-links"))
        .await
        .expect("links");
    fill(&browser, "#label", "Office wall").await;
    click(&browser, "form.grant button").await;
    let link = wait_for_text(&browser, "#share-link", |t| t.contains("/wall/")).await;
    browser.close().await.expect("close");
    let wall_driver = Chromedriver::start();
    let wall = wall_driver.connect().await;
    wall.goto(&link).await.expect("open the wall link");
    let summary = wait_for_text(&wall, "#summary", |t| t.contains("Year end")).await;
    assert!(
        summary.contains("3 of 3 required received, 3 accepted"),
        "{summary}"
    );
    wait_for_attribute(&wall, "#summary .completeness", "data-percent", |p| {
        p == "100"
    })
    .await;
    let png = wall.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_path("wall-completeness.png"), png).expect("save screenshot");
    wall.close().await.expect("close");
}
