//! Erasure of audit rows written before salted hashes (v1, before migration 120): their
//! values become "erased", their hashes are kept as recorded with the erasure, and the
//! chain — v1 rows, then v2 rows — still verifies, in the database and in an evidence
//! export. An erased v2 row whose digest is changed is still caught.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use hopper::schema::audit_log;
use serde_json::Value;

use crate::erasure::hopper;
use crate::evidence_export::read_with_python;
use crate::helpers::{grant_access, TestApp, UserFixture};
use crate::uploads::{form, target};

/// Turns the company's rows so far into v1 rows, as a database from before migration 120
/// holds them: no salts, each hash made of the values; the chain's end moves with them,
/// and the digests the server signed of the v2 chain (at its start) go.
fn make_v1(app: &TestApp, company: i32) {
    app.conn()
        .batch_execute(&format!(
            "ALTER TABLE audit_log DISABLE TRIGGER ALL;
             DELETE FROM audit_salts
               WHERE audit_id IN (SELECT id FROM audit_log WHERE company_id = {company});
             DO $$ DECLARE r RECORD; prev BYTEA := NULL; BEGIN
               FOR r IN SELECT id, created_at FROM audit_log
                        WHERE company_id = {company} AND chain_seq IS NOT NULL
                        ORDER BY chain_seq LOOP
                 UPDATE audit_log SET prev_hash = prev
                   WHERE id = r.id AND created_at = r.created_at;
                 UPDATE audit_log SET row_hash = audit_log_row_hash(audit_log)
                   WHERE id = r.id AND created_at = r.created_at
                   RETURNING row_hash INTO prev;
               END LOOP;
               UPDATE audit_chain_tails SET last_hash = prev WHERE chain = {company};
             END $$;
             ALTER TABLE audit_log ENABLE TRIGGER ALL;
             DELETE FROM audit_digests WHERE chain = {company};"
        ))
        .expect("v1 rows, as a superuser");
}

#[actix_web::test]
async fn rows_from_before_salted_hashes_are_erased_with_their_hashes_recorded() {
    let app = TestApp::spawn().await;
    let t = target(&app).await;
    let company = app.default_company();
    let uma = app.session_for(&t.uploader).await;
    let sent = uma
        .upload(&t.path(), form(&[("ledger.txt", b"a ledger".as_slice())]))
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    make_v1(&app, company.0);
    let (ok, stdout, stderr) = hopper(&app, &["audit", "verify"]);
    assert!(ok, "v1 rows verify as they did: {stdout}{stderr}");
    // Rows after: v2.
    app.session_for(&t.uploader).await;

    let (ok, stdout, stderr) = hopper(&app, &["erase", "--email", "uma@example.test"]);
    assert!(ok, "{stdout}{stderr}");
    assert!(
        !stdout.contains("(0 written before salted hashes"),
        "{stdout}"
    );
    let values: Vec<Option<String>> = audit_log::table
        .filter(audit_log::actor_user_id.eq(t.uploader.id))
        .select(audit_log::user_agent)
        .load(&mut app.conn())
        .expect("rows");
    assert!(
        values.iter().flatten().any(|v| v == "erased"),
        "v1: {values:?}"
    );
    assert!(
        values.iter().flatten().any(|v| v.starts_with("erased:")),
        "v2: {values:?}"
    );
    let erased = app.audit_rows("person.erased");
    let in_company = erased
        .iter()
        .find(|r| r.company_id == Some(company))
        .expect("the erasure's row in the company's chain");
    let listed = in_company.details["v1_rows"].as_array().expect("v1 rows");
    assert!(!listed.is_empty(), "{:?}", in_company.details);
    assert_eq!(
        in_company.details["accounts"],
        serde_json::json!([t.uploader.id.0])
    );
    let (ok, stdout, stderr) = hopper(&app, &["audit", "verify"]);
    assert!(ok, "{stdout}{stderr}");

    // An evidence export of the cycle verifies: erased v1 rows are marked as such.
    let alice = UserFixture::new("alice").role("admin").create(&app).await;
    grant_access(&app, company, t.project, alice.id, "viewer");
    let alice = app.session_for(&alice).await;
    let response = alice
        .http
        .get(app.url(&format!("/dashboard/cycles/{}/export.zip", t.cycle)))
        .send()
        .await
        .expect("export");
    assert_eq!(response.status().as_u16(), 200);
    let zip = response.bytes().await.expect("zip").to_vec();
    let read = read_with_python(&zip);
    let rows = read["chain"]["rows"].as_array().expect("rows");
    assert!(
        rows.iter().any(|r| r["erased_v1"] == Value::Bool(true)),
        "{rows:?}"
    );
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), &zip).expect("keep");
    let path = file.path().to_str().expect("utf-8 path");
    let (ok, stdout, stderr) = hopper(&app, &["audit", "verify", "--export", path]);
    assert!(ok, "{stdout}{stderr}");

    // An erased v2 row whose digest is swapped no longer holds.
    app.conn()
        .batch_execute(&format!(
            "ALTER TABLE audit_log DISABLE TRIGGER ALL;
             UPDATE audit_log SET user_agent = 'erased:' || encode(sha256('guess'::bytea), 'base64')
               WHERE actor_user_id = {} AND user_agent LIKE 'erased:%';
             ALTER TABLE audit_log ENABLE TRIGGER ALL;",
            t.uploader.id
        ))
        .expect("tamper as a superuser");
    let (ok, stdout, _) = hopper(&app, &["audit", "verify"]);
    assert!(!ok, "{stdout}");
    assert!(stdout.contains("altered"), "{stdout}");
}
