//! Virus scanning in the browser: a member sends a clean letter and the EICAR test file
//! from the upload page (the page's own resumable uploads), and the receipt says which
//! one was refused and why, while the letter arrives.

use crate::browser::{click, fill, sign_in, wait_for_text, Chromedriver};
use crate::clamd::{Clamd, EICAR};
use crate::helpers::TestApp;

#[actix_web::test]
async fn a_member_sees_the_virus_refused_on_the_receipt() {
    let clamd = Clamd::start().await;
    let scanner = clamd.config(hopper::scanner::TooLargePolicy::Refuse, 100 << 20);
    let app = TestApp::spawn_with(move |config| config.scanner = Some(scanner)).await;
    let t = crate::uploads::target(&app).await;
    let dir = tempfile::tempdir().expect("dir");
    let letter = dir.path().join("letter.txt");
    let eicar = dir.path().join("eicar.txt");
    std::fs::write(&letter, b"Dear Hopper, a clean letter.").expect("file");
    std::fs::write(&eicar, EICAR).expect("file");

    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    sign_in(&browser, &app, &t.uploader.username, &t.uploader.password).await;
    browser
        .goto(&app.url(&t.path()))
        .await
        .expect("upload page");
    let files = format!("{}\n{}", letter.display(), eicar.display());
    fill(&browser, "#files", &files).await;
    click(&browser, "#upload-button").await;

    let receipt = wait_for_text(&browser, "#receipt", |t| {
        t.contains("letter.txt") && t.contains("eicar.txt") && t.contains("virus")
    })
    .await;
    assert!(
        receipt.contains("a virus was found (Eicar-Test-Signature)"),
        "{receipt}"
    );
    browser.close().await.expect("close browser");
    let status = |path: &str| {
        use diesel::prelude::*;
        use hopper::schema::file_uploads;
        file_uploads::table
            .filter(file_uploads::file_path.eq(path))
            .select(file_uploads::status)
            .first::<String>(&mut app.conn())
            .expect("row")
    };
    assert_eq!(status("letter.txt"), "completed");
    assert_eq!(status("eicar.txt"), "quarantined");
}
