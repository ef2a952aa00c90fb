//! Many batches at once through one upload link: each takes the link's lock to check its
//! room and the cycle's lock to start, in one order, so none deadlocks.

use crate::helpers::TestApp;
use crate::requests::document;
use crate::upload_links::{files, project_with_link, Visitor};

#[actix_web::test]
async fn eight_parallel_batches_through_one_link_each_get_an_answer_not_a_deadlock() {
    let app = TestApp::spawn().await;
    let (_, _, link) = project_with_link(
        &app,
        &[
            ("label", "Parallel"),
            ("days", "7"),
            ("max_files", "100"),
            ("max_mib", "50"),
        ],
    )
    .await;
    let visitor = Visitor::new(&app);
    visitor.identify(&link, "Pat", "pat@example.com", "").await;
    // Each batch starts (cycle, then link before the fix) while others start files
    // (link, then rows that refer to the cycle): the two orders met in a deadlock.
    let batches = (0..8u8).map(|n| {
        let form = files(&[
            (
                &format!("statement-{n}-a.pdf"),
                document(3000, n * 2, false),
            ),
            (
                &format!("statement-{n}-b.pdf"),
                document(3000, n * 2 + 1, false),
            ),
        ]);
        visitor.upload(&link, form)
    });
    let answers = futures_util::future::join_all(batches).await;
    let statuses: Vec<u16> = answers.iter().map(|page| page.status).collect();
    assert!(
        statuses
            .iter()
            .all(|&s| (200..300).contains(&s) || s == 429),
        "every batch is taken or asked to wait: {statuses:?}\n{}",
        answers
            .iter()
            .filter(|p| !(200..300).contains(&p.status) && p.status != 429)
            .map(|p| p.body.as_str())
            .collect::<Vec<_>>()
            .join("\n---\n")
    );
    assert!(
        statuses.iter().any(|&s| (200..300).contains(&s)),
        "some batches went through: {statuses:?}"
    );
}
