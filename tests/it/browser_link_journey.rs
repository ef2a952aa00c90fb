//! The outsider's whole journey on a phone (390 × 844), through an upload link: a wrong
//! PIN and the right one; the request list as cards no wider than the screen; a file
//! matched by its name to its card, which changes in place with the page's figures; a
//! file of the wrong kind refused before its body moves; a duplicate skipped; a 60 MB file
//! on a throttled network (Chromium's own emulation), the page reloaded about a third of
//! the way, the unfinished file offered, and resumed from the server's offset (the bytes
//! the server was sent total the file once, not a part more); then, on return, the
//! rejected item with its reason and a new file sent from its card, and the thank-you once
//! everything required is in. The same journey in English and in German (a link whose
//! language is German, opened by a browser that asks for nothing in particular).
//! Screenshots of each step go to `target/screenshots/sender/` (`de-…` for German).

use std::time::{Duration, Instant};

use diesel::prelude::*;
use fantoccini::Client;
use hopper::schema::{file_uploads, tus_uploads};

use crate::browser::{
    click, element, emulate_network, fill, reload, sender_screenshot, text_of, wait_for_attribute,
    wait_for_text, Chromedriver,
};
use crate::browser_tus::{stored, write_large};
use crate::fault_proxy::{FaultProxy, Upstream};
use crate::helpers::TestApp;
use crate::requests::{decide, document, requests_of};
use crate::upload_links::project_with_link;
use crate::uploads::sha256;

const MIB: usize = 1024 * 1024;

/// A screenshot of the screen with `css` scrolled to its top.
async fn screenshot_at(browser: &Client, css: &str, name: &str) {
    browser
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({ block: 'start' });",
            vec![serde_json::json!(css)],
        )
        .await
        .expect("scroll");
    screenshot(browser, name).await;
}

async fn screenshot(browser: &Client, name: &str) {
    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(sender_screenshot(name), png).expect("save screenshot");
}

/// Nothing on the page reaches past the screen's right edge.
pub async fn nothing_wider_than_the_screen(browser: &Client, what: &str) {
    let wider = browser
        .execute(
            "var w = window.innerWidth;
             return Array.prototype.filter.call(document.querySelectorAll('body *'), function (e) {
               var r = e.getBoundingClientRect();
               return r.width > 0 && r.right > w + 1;
             }).map(function (e) { return e.tagName + '.' + e.className + '#' + e.id; });",
            vec![],
        )
        .await
        .expect("widths");
    assert_eq!(
        wider.as_array().map(Vec::len),
        Some(0),
        "{what}: wider than the screen: {wider}"
    );
}

/// Chooses `file` in the input `input` and presses `button`.
async fn send(browser: &Client, (input, button): (&str, &str), file: &std::path::Path) {
    fill(browser, input, &file.display().to_string()).await;
    click(browser, button).await;
}

/// What of `path` the server holds (whole parts and the staged tail), once it started.
fn held(app: &TestApp, path: &str) -> i64 {
    tus_uploads::table
        .inner_join(file_uploads::table)
        .filter(file_uploads::file_path.eq(path))
        .select(tus_uploads::landed + tus_uploads::tail_size)
        .first(&mut app.conn())
        .optional()
        .expect("upload")
        .unwrap_or(0)
}

/// What the journey expects to read, in the link's language.
struct Words {
    /// The link's language (`<html lang>`), and the screenshots' prefix.
    lang: &'static str,
    shots: &'static str,
    figures_one_of_two: &'static str,
    not_sent: &'static str,
    /// Why a zip named as a PDF is not sent.
    wrong_kind: &'static str,
    already_here: [&'static str; 2],
    already_arrived: &'static str,
    needs_attention: &'static str,
    thanks: &'static str,
}

const ENGLISH: Words = Words {
    lang: "en",
    shots: "",
    figures_one_of_two: "1 of 2",
    not_sent: "not sent",
    wrong_kind: "the name says pdf but the file is a ZIP archive",
    already_here: ["1 file already here", "not stored twice"],
    already_arrived: "already arrived",
    needs_attention: "1 item needs your attention",
    thanks: "Thank you",
};

const GERMAN: Words = Words {
    lang: "de",
    shots: "de-",
    figures_one_of_two: "1 von 2",
    not_sent: "nicht gesendet",
    wrong_kind: "der Name endet auf .pdf, die Datei ist aber ein ZIP-Archiv",
    already_here: ["1 Datei schon vorhanden", "nicht zweimal gespeichert"],
    already_arrived: "schon angekommen",
    needs_attention: "1 Punkt braucht Ihre Aufmerksamkeit",
    thanks: "Vielen Dank",
};

#[actix_web::test]
async fn an_outsider_sends_documents_from_a_phone_through_a_link() {
    journey(&ENGLISH).await;
}

#[actix_web::test]
async fn the_same_journey_in_german() {
    journey(&GERMAN).await;
}

async fn journey(words: &Words) {
    let shot = |name: &str| format!("{}{name}", words.shots);
    let app = TestApp::spawn().await;
    let (s, cycle, link) = project_with_link(
        &app,
        &[
            ("label", "Client"),
            ("days", "7"),
            ("pin", "482913"),
            ("max_files", "20"),
            ("max_mib", "200"),
            ("language", words.lang),
        ],
    )
    .await;
    let statement = requests_of(&app, cycle)[0].0;
    let dir = tempfile::tempdir().expect("dir");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("file");
        path
    };
    let statement_pdf = document(200_000, 1, false);
    let matched = write("march_statement.pdf", &statement_pdf);
    let wrong_kind = write("payroll_march.pdf", &document(300_000, 2, true));
    let duplicate = write("statement_copy.pdf", &statement_pdf);
    let corrected = write("march_statement_v2.pdf", &document(200_000, 3, false));
    let big = dir.path().join("annual_scans.bin");
    let big_length = 60 * MIB + 11;
    let big_sha = write_large(&big, 60, 11);

    // The phone reaches Hopper through a proxy that counts what the server is sent.
    let upstream = app
        .address
        .trim_start_matches("http://")
        .parse()
        .expect("address");
    let proxy = FaultProxy::start(Upstream::Tcp(upstream)).await;
    let base = proxy.endpoint();
    let driver = Chromedriver::start();
    let browser = driver
        .connect_with(&["--window-size=390,844", "--touch-events=enabled"])
        .await;

    browser.goto(&format!("{base}{link}")).await.expect("link");
    fill(&browser, "#name", "Vera Client").await;
    fill(&browser, "#email", "vera@example.com").await;
    fill(&browser, "#pin", "000000").await;
    click(&browser, "#continue").await;
    wait_for_text(&browser, "#pin-error", |t| t.contains("PIN")).await;
    screenshot(&browser, &shot("01-wrong-pin.png")).await;
    fill(&browser, "#pin", "482913").await;
    click(&browser, "#continue").await;
    element(&browser, &format!("#request-{statement}")).await;
    nothing_wider_than_the_screen(&browser, "the request list").await;
    let lang = browser
        .execute("return document.documentElement.lang;", vec![])
        .await
        .expect("lang");
    assert_eq!(lang.as_str(), Some(words.lang), "<html lang>");
    screenshot_at(&browser, "#requests", &shot("02-request-list.png")).await;

    // A file matched by its name: its card turns in place, the figures with it.
    browser
        .execute("window.samePage = true;", vec![])
        .await
        .expect("mark");
    send(&browser, ("#files", "#upload-button"), &matched).await;
    wait_for_attribute(
        &browser,
        &format!("#request-{statement}"),
        "data-status",
        |s| s == "accepted",
    )
    .await;
    let card = text_of(&browser, &format!("#request-{statement}")).await;
    assert!(card.contains("march_statement.pdf"), "{card}");
    let figures = text_of(&browser, "#figures").await;
    assert!(figures.contains(words.figures_one_of_two), "{figures}");
    let same = browser
        .execute("return window.samePage === true;", vec![])
        .await;
    assert_eq!(same.ok().and_then(|v| v.as_bool()), Some(true), "no reload");
    nothing_wider_than_the_screen(&browser, "the updated request list").await;
    screenshot_at(
        &browser,
        &format!("#request-{statement}"),
        &shot("03-card-updated.png"),
    )
    .await;

    // A zip named as a PDF: refused at its creation, its body never sent.
    let sent_before = proxy.received();
    send(&browser, ("#files", "#upload-button"), &wrong_kind).await;
    let said = wait_for_text(&browser, ".upload-failed .upload-status", |t| {
        t.contains(words.not_sent) && t.contains(words.wrong_kind)
    })
    .await;
    let beside = text_of(&browser, ".upload-failed").await;
    assert!(
        beside.contains("payroll_march.pdf") && beside.contains(&said),
        "said beside its file: {beside}"
    );
    let sent = proxy.received() - sent_before;
    assert!(
        sent < 64 * 1024,
        "{sent} bytes sent for a refused file of 300 kB"
    );

    // The same content again: skipped, said so in the receipt.
    send(&browser, ("#files", "#upload-button"), &duplicate).await;
    let receipt = wait_for_text(&browser, "#receipt", |t| t.contains("statement_copy.pdf")).await;
    assert!(receipt.contains(words.already_here[0]), "{receipt}");
    assert!(receipt.contains(words.already_here[1]), "{receipt}");
    nothing_wider_than_the_screen(&browser, "the receipt").await;
    screenshot_at(&browser, "#receipt", &shot("04-receipt.png")).await;

    // 60 MB on a slow network, the page reloaded about a third of the way.
    emulate_network(&browser, 40, 3 * MIB as u64).await;
    let sent_before = proxy.received();
    send(&browser, ("#files", "#upload-button"), &big).await;
    let third = (big_length / 3) as i64;
    let deadline = Instant::now() + Duration::from_secs(300);
    while held(&app, "annual_scans.bin") < third {
        assert!(
            Instant::now() < deadline,
            "the big file never got a third of the way"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    reload(&browser).await;
    let unfinished =
        wait_for_text(&browser, "#unfinished", |t| t.contains("annual_scans.bin")).await;
    assert!(unfinished.contains(words.already_arrived), "{unfinished}");
    screenshot_at(&browser, "#unfinished", &shot("05-unfinished.png")).await;
    emulate_network(&browser, 0, 1024 * MIB as u64).await;
    send(&browser, ("#files", "#upload-button"), &big).await;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let receipt = text_of(&browser, "#receipt").await;
        if receipt.contains("annual_scans.bin") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no receipt for the big file: {receipt}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let sent = proxy.received() - sent_before;
    let part = 16 * MIB as u64;
    assert!(
        sent >= big_length as u64 && sent <= big_length as u64 + part,
        "the server was sent {sent} bytes for a file of {big_length}"
    );
    assert_eq!(
        stored(&app, "annual_scans.bin"),
        (Some(big_sha), 1),
        "one upload, resumed"
    );

    // On return: the rejected item, its reason, and a new file from its card.
    let admin = app.session_for(&s.admin).await;
    let rejected = decide(
        &admin,
        (s.project, cycle),
        statement,
        "reject",
        "The March page is missing",
    )
    .await;
    assert!(rejected.status < 400, "{}", rejected.body);
    browser
        .goto(&format!("{base}{link}"))
        .await
        .expect("link again");
    let attention = text_of(&browser, "#attention").await;
    assert!(attention.contains(words.needs_attention), "{attention}");
    assert!(
        attention.contains("The March page is missing"),
        "{attention}"
    );
    nothing_wider_than_the_screen(&browser, "the returning sender's page").await;
    screenshot_at(&browser, "#attention", &shot("06-needs-attention.png")).await;
    send(
        &browser,
        (
            &format!("#file-for-{statement}"),
            &format!("#request-{statement} button"),
        ),
        &corrected,
    )
    .await;
    wait_for_attribute(
        &browser,
        &format!("#request-{statement}"),
        "data-status",
        |s| s == "accepted",
    )
    .await;
    let attention_hidden = browser
        .execute(
            "return document.getElementById('attention').hidden;",
            vec![],
        )
        .await
        .expect("attention");
    assert_eq!(
        attention_hidden.as_bool(),
        Some(true),
        "nothing needs attention now"
    );
    assert_eq!(
        stored(&app, "march_statement_v2.pdf").0,
        Some(sha256(&document(200_000, 3, false)))
    );
    screenshot_at(
        &browser,
        &format!("#request-{statement}"),
        &shot("07-sent-again.png"),
    )
    .await;

    // The last required item: the thank-you comes in place, listing what arrived.
    let payroll = requests_of(&app, cycle)[1].0;
    let payslip = write("payroll_march_2026.pdf", &document(100_000, 6, false));
    send(
        &browser,
        (
            &format!("#file-for-{payroll}"),
            &format!("#request-{payroll} button"),
        ),
        &payslip,
    )
    .await;
    let thanks = wait_for_text(&browser, "#thank-you", |t| {
        t.contains("payroll_march_2026.pdf")
    })
    .await;
    assert!(thanks.contains("march_statement_v2.pdf"), "{thanks}");
    assert!(thanks.contains(words.thanks), "{thanks}");
    nothing_wider_than_the_screen(&browser, "the thank-you").await;
    screenshot_at(&browser, "#thank-you", &shot("08-thank-you.png")).await;
    browser.close().await.expect("close browser");
}
