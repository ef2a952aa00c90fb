//! Questions answered by an outsider on a phone (390 × 844) through an upload link, in
//! Chromium: a number that is not one is refused on its card, then a number, a date, yes
//! and a choice are answered and each card turns in place; the admin rejects one with a
//! reason, the sender reads it, answers again, everything is accepted and the cycle
//! completes. Screenshots go to `target/screenshots/sender/questions-…`.

use fantoccini::Client;

use crate::browser::{
    click, element, fill, reload, sender_screenshot, text_of, wait_for_attribute, wait_for_text,
    Chromedriver,
};
use crate::browser_link_journey::nothing_wider_than_the_screen;
use crate::helpers::TestApp;
use crate::questions::{cycle_with_questions, small_link};
use crate::requests::{decide, requests_of, setup};

async fn screenshot(browser: &Client, name: &str) {
    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(sender_screenshot(&format!("questions-{name}")), png).expect("save");
}

/// Sets a field's value as a picker does (a date or a select: typing into them depends on
/// the browser's locale).
async fn pick(browser: &Client, css: &str, value: &str) {
    element(browser, css).await;
    browser
        .execute(
            "document.querySelector(arguments[0]).value = arguments[1];",
            vec![serde_json::json!(css), serde_json::json!(value)],
        )
        .await
        .expect("set the value");
}

/// Types `value` into a field that holds an earlier one.
async fn retype(browser: &Client, css: &str, value: &str) {
    pick(browser, css, "").await;
    fill(browser, css, value).await;
}

/// Presses the card's button and waits for the card to say `status`.
async fn save(browser: &Client, card: &str, status: &str) {
    click(browser, &format!("{card} .request-send")).await;
    wait_for_attribute(browser, card, "data-status", |s| s == status).await;
}

#[actix_web::test]
async fn an_outsider_answers_questions_on_a_phone_and_the_cycle_completes() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let admin = app.session_for(&s.admin).await;
    let cycle = cycle_with_questions(&app, &admin, s.project).await;
    let ids: Vec<_> = requests_of(&app, cycle).iter().map(|r| r.0).collect();
    let (statement, turnover, year_end, vat, form) = (ids[0], ids[1], ids[2], ids[3], ids[4]);
    let link = small_link(&admin, (s.project, cycle), "Client").await;
    let card = |id| format!("#request-{id}");

    let driver = Chromedriver::start();
    let browser = driver
        .connect_with(&["--window-size=390,844", "--touch-events=enabled"])
        .await;
    browser.goto(&app.url(&link)).await.expect("link");
    fill(&browser, "#name", "Vera Client").await;
    fill(&browser, "#email", "vera@example.com").await;
    click(&browser, "#continue").await;
    element(&browser, &card(turnover)).await;
    nothing_wider_than_the_screen(&browser, "the question cards").await;
    screenshot(&browser, "01-cards.png").await;

    // A number that is not one: said on its card, nothing saved.
    fill(
        &browser,
        &format!("#answer-for-{turnover}"),
        "about a million",
    )
    .await;
    click(&browser, &format!("{} .request-send", card(turnover))).await;
    let said = wait_for_text(&browser, &format!("#answer-note-{turnover}"), |t| {
        t.contains("not a number")
    })
    .await;
    assert!(said.contains("about a million"), "{said}");
    nothing_wider_than_the_screen(&browser, "a refused answer").await;
    screenshot(&browser, "02-not-a-number.png").await;

    // Answers that fit: each card turns in place, its answer shown.
    retype(&browser, &format!("#answer-for-{turnover}"), "1 234 567,50").await;
    save(&browser, &card(turnover), "submitted").await;
    let text = text_of(&browser, &card(turnover)).await;
    assert!(text.contains("1234567.50"), "{text}");
    pick(&browser, &format!("#answer-for-{year_end}"), "2026-12-31").await;
    save(&browser, &card(year_end), "submitted").await;
    click(&browser, &format!("{} input[value=yes]", card(vat))).await;
    save(&browser, &card(vat), "submitted").await;
    pick(&browser, &format!("#answer-for-{form}"), "Limited company").await;
    save(&browser, &card(form), "submitted").await;
    let receipt = text_of(&browser, "#receipt").await;
    assert!(receipt.contains("Company form"), "{receipt}");
    nothing_wider_than_the_screen(&browser, "answered cards").await;
    screenshot(&browser, "03-answered.png").await;

    // The admin rejects the turnover with a reason; the sender reads it and answers again.
    let p = (s.project, cycle);
    let rejected = decide(
        &admin,
        p,
        turnover,
        "reject",
        "Turnover is in euros, please.",
    )
    .await;
    assert_eq!(rejected.status, 303);
    reload(&browser).await;
    let attention = text_of(&browser, "#attention").await;
    assert!(
        attention.contains("Turnover is in euros, please."),
        "{attention}"
    );
    let text = wait_for_text(&browser, &card(turnover), |t| {
        t.contains("Needs a new answer")
    })
    .await;
    assert!(text.contains("Turnover is in euros"), "{text}");
    screenshot(&browser, "04-needs-a-new-answer.png").await;
    retype(&browser, &format!("#answer-for-{turnover}"), "1180000").await;
    save(&browser, &card(turnover), "submitted").await;

    // Everything accepted (the statement set aside): the cycle completes, the sender is
    // thanked.
    let aside = decide(&admin, p, statement, "not_applicable", "Sent by post.").await;
    assert_eq!(aside.status, 303);
    for request in [turnover, year_end, vat, form] {
        let accepted = decide(&admin, p, request, "accept", "").await;
        assert_eq!(accepted.status, 303, "{}", accepted.body);
    }
    let status = crate::requests::cycle_status(&app, cycle);
    assert_eq!(status, "completed");
    reload(&browser).await;
    wait_for_attribute(&browser, &card(turnover), "data-status", |s| {
        s == "accepted"
    })
    .await;
    let thanks = text_of(&browser, "#thank-you-box").await;
    assert!(thanks.contains("Thank you"), "{thanks}");
    screenshot(&browser, "05-complete.png").await;
}
