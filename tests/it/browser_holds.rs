//! Records and safety in a real browser: an admin sets a project's retention, places a
//! legal hold on a cycle, is refused (with the hold's sentence) when deleting the project,
//! and lifts the hold with a reason after confirming.

use crate::browser::{alert_text, click, fill, sign_in, wait_for_text, with_element, Chromedriver};
use crate::helpers::TestApp;
use crate::retention::{setup, upload};
use crate::uploads::content;

#[actix_web::test]
async fn an_admin_sets_retention_and_places_and_lifts_a_legal_hold_in_the_browser() {
    let app = TestApp::spawn().await;
    let (t, admin) = setup(&app).await;
    let uma = app.session_for(&t.uploader).await;
    upload(&uma, t.project, t.cycle, &[("a.bin", &content(700, 1))]).await;
    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    sign_in(&browser, &app, &admin.username, &admin.password).await;
    let project_page = app.url(&format!("/admin/projects/{}", t.project));
    browser.goto(&project_page).await.expect("project page");

    click(&browser, "#retention-form input[value=days]").await;
    with_element(&browser, "#retention-days", "clear", |e| async move {
        e.clear().await
    })
    .await;
    fill(&browser, "#retention-days", "30").await;
    click(&browser, "#retention-form button").await;
    wait_for_text(&browser, ".flash", |t| {
        t == "Intake deletes files 30 days after their cycle is closed (unless a legal hold keeps them)."
    })
    .await;

    with_element(
        &browser,
        "#hold-cycle",
        "choose C1 in",
        |select| async move { select.select_by_label("Cycle C1").await },
    )
    .await;
    fill(&browser, "#hold-reason", "Smith v. Acme").await;
    click(&browser, "#place-hold button").await;
    wait_for_text(&browser, ".flash", |t| {
        t.starts_with("Placed a legal hold on cycle C1 of Intake")
    })
    .await;
    let records = crate::browser::element(&browser, "#records").await;
    let png = records.screenshot().await.expect("screenshot");
    std::fs::write(crate::browser::screenshot_path("admin-records.png"), png)
        .expect("save screenshot");
    wait_for_text(&browser, "#active-holds", |t| {
        t.contains("Smith v. Acme") && t.contains("alice")
    })
    .await;

    // Deleting the project asks first, then says why it cannot.
    click(&browser, ".danger-zone form button").await;
    let question = alert_text(&browser).await;
    assert!(question.starts_with("Delete Intake?"), "{question}");
    browser.accept_alert().await.expect("confirm");
    wait_for_text(&browser, "#refusal", |t| {
        t.starts_with("This project is under legal hold (placed by alice on")
            && t.contains("Smith v. Acme")
    })
    .await;
    assert!(app.audit_rows("project.deleted").is_empty());

    // Lifting takes a reason and a confirmation.
    fill(&browser, "#active-holds input[name=reason]", "Case settled").await;
    click(&browser, "#active-holds button").await;
    let question = alert_text(&browser).await;
    assert!(
        question.starts_with("Lift the legal hold on cycle C1 of Intake?"),
        "{question}"
    );
    browser.accept_alert().await.expect("confirm");
    wait_for_text(&browser, ".flash", |t| {
        t == "Lifted the legal hold on cycle C1 of Intake."
    })
    .await;
    let lifted = app.audit_rows("legal_hold.lifted");
    assert_eq!(lifted.len(), 1);
    assert_eq!(lifted[0].details["reason"], "Case settled");
    browser.close().await.expect("close browser");
}
