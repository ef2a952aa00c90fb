//! Signed audit digests: a database superuser who rewrites a company's rows *and*
//! recomputes every hash passes the chain's own verification, but not a check against the
//! digests kept elsewhere; digests are downloaded by the operator (every chain) and a
//! company admin (their own), and `hopper audit digest` / `verify --digests` work.

use diesel::connection::SimpleConnection;
use hopper::services::audit_digests::{self, DigestLine};

use crate::helpers::{cluster, create_company, TestApp, UserFixture};

pub fn run_hopper(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    // The test servers' data dir: the same signing key as theirs.
    let data_dir = cluster().dir.join("app");
    crate::cli::run_hopper_with(
        &app.database_url,
        args,
        &[("HOPPER_DATA_DIR", data_dir.as_os_str())],
    )
}

/// Rewrites a company's first chained row and recomputes its whole chain, as a superuser
/// who knows how the hashes are made would.
pub fn rewrite_chain(app: &TestApp, company: i32) {
    app.conn()
        .batch_execute(&format!(
            "ALTER TABLE audit_log DISABLE TRIGGER ALL;
             DO $$ DECLARE r RECORD; prev BYTEA := NULL; BEGIN
               UPDATE audit_log SET ip_address = '203.0.113.66'
                 WHERE company_id = {company} AND chain_seq = 1;
               FOR r IN SELECT id, created_at FROM audit_log
                        WHERE company_id = {company} AND chain_seq IS NOT NULL
                        ORDER BY chain_seq LOOP
                 UPDATE audit_log SET prev_hash = prev
                   WHERE id = r.id AND created_at = r.created_at;
                 UPDATE audit_log SET row_hash = audit_log_row_hash(audit_log)
                   WHERE id = r.id AND created_at = r.created_at
                   RETURNING row_hash INTO prev;
               END LOOP;
             END $$;
             ALTER TABLE audit_log ENABLE TRIGGER ALL;"
        ))
        .expect("rewrite as a superuser");
}

#[actix_web::test]
async fn digests_kept_elsewhere_catch_a_chain_rewritten_with_its_hashes() {
    let app = TestApp::spawn().await;
    let acme = create_company(&app, "ACME", true);
    let ann = UserFixture::new("ann")
        .role("admin")
        .company(acme)
        .create(&app)
        .await;
    // Rows in ACME's chain: her sign-ins.
    app.session_for(&ann).await;
    app.session_for(&ann).await;

    let made = audit_digests::digest_all(&app.state.services)
        .await
        .expect("digest");
    assert!(
        audit_digests::digest_all(&app.state.services)
            .await
            .expect("digest again")
            .is_empty(),
        "a chain that did not move is not digested twice"
    );

    // The operator downloads every chain's digests; ann only ACME's.
    let operator = UserFixture::new("olga")
        .role("superadmin")
        .create(&app)
        .await;
    let olga = app.session_for(&operator).await;
    let page = olga.get("/dashboard/audit").await;
    assert!(page.body.contains("id=\"audit-digests\""), "{}", page.body);
    let all = olga.get("/dashboard/audit/digests.jsonl").await;
    assert_eq!(all.status, 200);
    let lines: Vec<DigestLine> = all
        .body
        .lines()
        .map(|l| DigestLine::parse(l).expect("a digest line"))
        .collect();
    // (The server's own hourly run may have signed some of them first.)
    assert!(made.iter().all(|d| lines.contains(d)), "{lines:?}");
    let key = app.state.services.audit_signer().public_key();
    assert!(
        lines
            .iter()
            .any(|l| l.open(&[key]).expect("signed").chain == acme.0),
        "ACME's chain is digested"
    );
    let own = app.session_for(&ann).await;
    let theirs = own.get("/dashboard/audit/digests.jsonl").await;
    assert_eq!(theirs.status, 200);
    let opened: Vec<_> = theirs
        .body
        .lines()
        .map(|l| DigestLine::parse(l).unwrap().open(&[key]).expect("signed"))
        .collect();
    assert!(!opened.is_empty());
    assert!(
        opened.iter().all(|s| s.chain == acme.0),
        "an admin gets her own company's digests only: {opened:?}"
    );
    let copy = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(copy.path(), &all.body).expect("keep a copy elsewhere");
    let copy_path = copy.path().to_str().expect("utf-8 path");

    let (ok, stdout, stderr) = run_hopper(&app, &["audit", "verify", "--digests", copy_path]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("matches the rows"), "{stdout}");

    rewrite_chain(&app, acme.0);
    // The chain alone no longer sees it: every hash was recomputed.
    let (ok, stdout, _) = run_hopper(&app, &["audit", "verify", "--company", "ACME"]);
    assert!(ok, "the recomputed chain holds on its own: {stdout}");
    // The digests do.
    let (ok, stdout, _) = run_hopper(&app, &["audit", "verify", "--digests", copy_path]);
    assert!(!ok, "{stdout}");
    assert!(
        stdout.contains("ALTERED: company ACME")
            && stdout.contains("rewritten and their hashes recomputed"),
        "{stdout}"
    );

    // A copy signed by another key is not trusted; an edited line is caught.
    let (ok, stdout, _) = run_hopper(
        &app,
        &[
            "audit",
            "verify",
            "--digests",
            copy_path,
            "--public-key",
            &"11".repeat(32),
        ],
    );
    assert!(!ok);
    assert!(stdout.contains("not trusted here"), "{stdout}");
    let edited = all
        .body
        .replacen("\\\"head_seq\\\":", "\\\"head_seq\\\":9", 1);
    std::fs::write(copy.path(), edited).expect("edit the copy");
    let (ok, stdout, _) = run_hopper(&app, &["audit", "verify", "--digests", copy_path]);
    assert!(!ok);
    assert!(stdout.contains("the line was altered"), "{stdout}");
}

#[actix_web::test]
async fn the_digest_command_prints_what_it_signed_and_members_cannot_download() {
    let app = TestApp::spawn().await;
    let uma = UserFixture::new("uma").create(&app).await;
    app.signed_in_as(&uma).await;
    let (ok, stdout, stderr) = run_hopper(&app, &["audit", "digest"]);
    assert!(ok, "{stderr}");
    let key = app.state.services.audit_signer().public_key();
    let printed: Vec<_> = stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| {
            DigestLine::parse(l)
                .unwrap()
                .open(&[key])
                .expect("signed by the installation's key")
        })
        .collect();
    assert!(!printed.is_empty(), "{stdout}");
    let (ok, stdout, _) = run_hopper(&app, &["audit", "digest"]);
    assert!(ok);
    assert!(stdout.contains("no chain moved"), "{stdout}");

    let member = app.session_for(&uma).await;
    let refused = member.get("/dashboard/audit/digests.jsonl").await;
    assert!(
        matches!(refused.status, 403 | 404),
        "a member cannot take digests: {}",
        refused.status
    );
}
