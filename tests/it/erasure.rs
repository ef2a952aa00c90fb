//! Erasure (issue 30): a user and a link visitor, both in audit rows, sessions and
//! receipts, erased — from the operator page (preview, then the confirmed POST) and with
//! `hopper erase` — until neither address nor name is left in any text or JSON column;
//! the audit chains, the signed digests and an evidence export still verify. A legal hold
//! refuses it (409); another company's admin cannot reach the account (404).

use std::process::Command;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use hopper::schema::{audit_log, auth_sessions, file_uploads, users};
use hopper::services::audit_digests;

use crate::helpers::{app_role_url, cluster, create_company, TestApp, UserFixture};
use crate::requests::document;
use crate::upload_links::{files, project_with_link, Visitor};
use crate::uploads::form;

/// `hopper` as an operator runs it.
pub fn hopper(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let credentials = cluster().s3.credentials();
    let mut command = Command::new(env!("CARGO_BIN_EXE_hopper"));
    if args.first() == Some(&"erase") {
        // Erasure runs as the application role: its rights are the ones a server has.
        command.env("HOPPER_APP_DATABASE_URL", app_role_url(&app.database_url));
    }
    let output = command
        .args(args)
        .env("RUST_LOG", "warn")
        .env("DATABASE_URL", &app.database_url)
        .env("HOPPER_DATA_DIR", cluster().dir.join("app"))
        .env("HOPPER_S3_ENDPOINT", cluster().s3.endpoint())
        .env("HOPPER_S3_FORCE_PATH_STYLE", "true")
        .env("AWS_ACCESS_KEY_ID", &credentials.access_key_id)
        .env(
            "AWS_SECRET_ACCESS_KEY",
            credentials.secret_access_key.expose(),
        )
        .output()
        .expect("run hopper");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Every text, varchar and jsonb column of every table that holds `needle` (any case).
fn columns_holding(app: &TestApp, needle: &str) -> Vec<String> {
    let mut conn = app.conn();
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name
         FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
           AND c.data_type IN ('text', 'character varying', 'jsonb')
           AND c.table_name <> '__diesel_schema_migrations'
         ORDER BY 1, 2",
    )
    .load(&mut conn)
    .expect("columns");
    columns
        .into_iter()
        .filter(|c| {
            let count: Count = diesel::sql_query(format!(
                "SELECT count(*) AS n FROM \"{}\" WHERE strpos(lower(\"{}\"::text), $1) > 0",
                c.table_name, c.column_name
            ))
            .bind::<Text, _>(needle.to_lowercase())
            .get_result(&mut conn)
            .expect("count");
            count.n > 0
        })
        .map(|c| format!("{}.{}", c.table_name, c.column_name))
        .collect()
}

#[actix_web::test]
async fn a_user_and_a_link_visitor_are_erased_and_every_chain_still_verifies() {
    let app = TestApp::spawn().await;
    let (s, cycle, link) = project_with_link(
        &app,
        &[
            ("label", "Year-end link"),
            ("days", "7"),
            ("max_files", "10"),
            ("max_mib", "50"),
        ],
    )
    .await;
    // A webhook endpoint wants every event: their bodies name the senders.
    diesel::sql_query(
        "INSERT INTO webhook_endpoints (company_id, url, description, events, secret, enabled, created_at)
         SELECT id, 'http://127.0.0.1:9/hook', 'erasure test',
                ARRAY['file.stored', 'upload_link.used']::text[], 'whsec_dGVzdA==', true, now()
           FROM companies WHERE company_code = 'DEFAULT'",
    )
    .execute(&mut app.conn())
    .expect("a webhook endpoint");
    // uma signs in and sends a file; Vera sends one through the link and gets a receipt.
    let uma = app.session_for(&s.uploader).await;
    let sent = uma
        .upload(
            &format!("/projects/{}/cycles/{cycle}/upload", s.project),
            form(&[("uma_statement.pdf", &document(2000, 3, false))]),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let visitor = Visitor::new(&app);
    let named = visitor
        .identify(&link, "Vera Visitor", "vera@example.com", "")
        .await;
    assert_eq!(named.status, 303, "{}", named.body);
    let receipt = visitor
        .upload(
            &link,
            files(&[("vera_statement.pdf", document(3000, 1, false))]),
        )
        .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    for needle in [
        "uma@example.test",
        "uma example",
        "vera@example.com",
        "vera visitor",
    ] {
        assert!(
            !columns_holding(&app, needle).is_empty(),
            "{needle} is somewhere before"
        );
    }
    let files_before: i64 = file_uploads::table
        .count()
        .get_result(&mut app.conn())
        .expect("files");

    // A digest of the chain and an evidence export, both taken before the erasure.
    audit_digests::digest_all(&app.state.services)
        .await
        .expect("digest");
    let operator = UserFixture::new("olga")
        .role("superadmin")
        .create(&app)
        .await;
    let olga = app.session_for(&operator).await;
    let digests = olga.get("/dashboard/audit/digests.jsonl").await;
    assert_eq!(digests.status, 200);
    let digests_file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(digests_file.path(), &digests.body).expect("keep the digests");
    let alice = app.session_for(&s.admin).await;
    let export = |name: &'static str| {
        let alice = &alice;
        async move {
            let url = format!("/dashboard/cycles/{cycle}/export.zip");
            let response = alice
                .http
                .get(alice.app.url(&url))
                .send()
                .await
                .expect("export");
            assert_eq!(response.status().as_u16(), 200, "{name}");
            let file = tempfile::NamedTempFile::new().expect("temp file");
            std::fs::write(file.path(), response.bytes().await.expect("zip")).expect("keep");
            file
        }
    };
    let before = export("before").await;

    // The operator previews uma's erasure (nothing changes), then erases, confirmed.
    let page = olga.get("/operator/erasure").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("id=\"erasure-preview\""),
        "{}",
        page.body
    );
    let preview = olga
        .post(
            "/operator/erasure/preview",
            &[("email", "UMA@example.test ")],
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        preview.body.contains("id=\"erasure-report\""),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("1 accounts"), "{}", preview.body);
    assert!(
        preview.body.contains("hx-confirm=\"Erase"),
        "confirmed first"
    );
    assert!(
        !columns_holding(&app, "uma@example.test").is_empty(),
        "a preview changes nothing"
    );
    let erased = olga
        .post("/operator/erasure", &[("email", "uma@example.test")])
        .await;
    assert_eq!(erased.status, 303, "{}", erased.body);

    // Vera with the command line: a dry run first, then for real.
    let (ok, stdout, stderr) = hopper(&app, &["erase", "--email", "Vera@Example.com", "--dry-run"]);
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.contains("would erase: 0 accounts, 1 upload-link visits"),
        "{stdout}"
    );
    assert!(
        !columns_holding(&app, "vera@example.com").is_empty(),
        "a dry run changes nothing"
    );
    let (ok, stdout, stderr) = hopper(&app, &["erase", "--email", "vera@example.com"]);
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.contains("erased: 0 accounts, 1 upload-link visits"),
        "{stdout}"
    );

    // Neither address nor name is left in any text or JSON column.
    for needle in [
        "uma@example.test",
        "uma example",
        "vera@example.com",
        "vera visitor",
    ] {
        assert_eq!(
            columns_holding(&app, needle),
            Vec::<String>::new(),
            "{needle}"
        );
    }
    // uma's rows keep no name, address or browser; her sessions are gone; she cannot
    // sign in; the files and their rows stay.
    let theirs: Vec<(Option<String>, Option<String>, Option<String>)> = audit_log::table
        .filter(audit_log::actor_user_id.eq(s.uploader.id))
        .select((
            audit_log::actor_username,
            audit_log::ip_address,
            audit_log::user_agent,
        ))
        .load(&mut app.conn())
        .expect("uma's rows");
    assert!(!theirs.is_empty());
    for (name, ip, agent) in &theirs {
        for value in [name, ip, agent].into_iter().flatten() {
            assert!(value.starts_with("erased:"), "{theirs:?}");
        }
    }
    let sessions: i64 = auth_sessions::table
        .filter(auth_sessions::user_id.eq(s.uploader.id))
        .count()
        .get_result(&mut app.conn())
        .expect("sessions");
    assert_eq!(sessions, 0);
    let active: bool = users::table
        .find(s.uploader.id)
        .select(users::is_active)
        .first(&mut app.conn())
        .expect("uma's row stays");
    assert!(!active);
    let page = app
        .sign_in_with(&TestApp::new_client(), "uma", &s.uploader.password)
        .await;
    assert_ne!(page.status, 303, "an erased account cannot sign in");
    let files_after: i64 = file_uploads::table
        .count()
        .get_result(&mut app.conn())
        .expect("files");
    assert_eq!(files_after, files_before);

    // Audited without the erased data.
    let rows = app.audit_rows("person.erased");
    assert!(rows.len() >= 2, "{rows:?}");
    for row in &rows {
        let text = row.details.to_string().to_lowercase();
        assert!(!text.contains("uma") && !text.contains("vera"), "{text}");
    }

    // The chains verify; the digests taken before still match; both exports verify.
    let (ok, stdout, stderr) = hopper(&app, &["audit", "verify"]);
    assert!(ok, "{stdout}{stderr}");
    let path = digests_file.path().to_str().expect("utf-8 path");
    let (ok, stdout, stderr) = hopper(&app, &["audit", "verify", "--digests", path]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("matches the rows"), "{stdout}");
    let after = export("after").await;
    for zip in [&before, &after] {
        let path = zip.path().to_str().expect("utf-8 path");
        let (ok, stdout, stderr) = hopper(&app, &["audit", "verify", "--export", path]);
        assert!(ok, "{stdout}{stderr}");
        assert!(stdout.contains("match the database"), "{stdout}");
    }
    let after_zip = std::fs::read(after.path()).expect("zip");
    assert!(
        !String::from_utf8_lossy(&after_zip)
            .to_lowercase()
            .contains("vera@example.com"),
        "the export made after the erasure holds no address"
    );

    // Erased twice: nothing more to erase, still verifying.
    let (ok, stdout, stderr) = hopper(&app, &["erase", "--email", "vera@example.com"]);
    assert!(ok, "{stdout}{stderr}");
    let (ok, stdout, stderr) = hopper(&app, &["audit", "verify"]);
    assert!(ok, "{stdout}{stderr}");
}

#[actix_web::test]
async fn a_legal_hold_refuses_the_erasure_with_a_409() {
    let app = TestApp::spawn().await;
    let (s, cycle, link) = project_with_link(
        &app,
        &[
            ("label", "Link"),
            ("days", "7"),
            ("max_files", "10"),
            ("max_mib", "50"),
        ],
    )
    .await;
    let visitor = Visitor::new(&app);
    visitor
        .identify(&link, "Vera Visitor", "vera@example.com", "")
        .await;
    let receipt = visitor
        .upload(
            &link,
            files(&[("vera_statement.pdf", document(3000, 1, false))]),
        )
        .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    let alice = app.session_for(&s.admin).await;
    // A hold on the cycle Vera sent files to.
    let placed = alice
        .post(
            "/admin/holds",
            &[
                ("project_id", &s.project.to_string()),
                ("cycle_id", &cycle.to_string()),
                ("reason", "Tax audit 2026"),
            ],
        )
        .await;
    assert!(placed.status < 400, "{}", placed.body);

    let operator = UserFixture::new("olga")
        .role("superadmin")
        .create(&app)
        .await;
    let olga = app.session_for(&operator).await;
    let refused = olga
        .post("/operator/erasure", &[("email", "vera@example.com")])
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused.body.contains("under legal hold"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("Tax audit 2026"), "{}", refused.body);
    let (ok, stdout, stderr) = hopper(&app, &["erase", "--email", "vera@example.com", "--dry-run"]);
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("under legal hold"), "{stderr}");
    assert!(
        !columns_holding(&app, "vera@example.com").is_empty(),
        "nothing erased"
    );
    assert!(app.audit_rows("person.erased").is_empty());

    // A company admin's erasure of an account is refused the same way (company hold).
    let company_hold = alice
        .post(
            "/admin/holds",
            &[
                ("project_id", ""),
                ("cycle_id", ""),
                ("reason", "Litigation"),
            ],
        )
        .await;
    assert!(company_hold.status < 400, "{}", company_hold.body);
    let refused = alice
        .post(&format!("/admin/users/{}/erase", s.uploader.id), &[])
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
}

#[actix_web::test]
async fn an_admin_erases_an_account_of_her_company_and_another_companys_is_a_404() {
    let app = TestApp::spawn().await;
    let (s, _cycle, _link) = project_with_link(
        &app,
        &[
            ("label", "Link"),
            ("days", "7"),
            ("max_files", "10"),
            ("max_mib", "50"),
        ],
    )
    .await;
    app.session_for(&s.uploader).await;
    let other = create_company(&app, "OTHER", true);
    let bob = UserFixture::new("bob")
        .role("admin")
        .company(other)
        .create(&app)
        .await;
    let bob = app.session_for(&bob).await;
    let refused = bob
        .post(&format!("/admin/users/{}/erase", s.uploader.id), &[])
        .await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    assert!(!columns_holding(&app, "uma@example.test").is_empty());

    let alice = app.session_for(&s.admin).await;
    // Not herself, not the operator's account.
    let own = alice
        .post(&format!("/admin/users/{}/erase", s.admin.id), &[])
        .await;
    assert_eq!(own.status, 400, "{}", own.body);
    let operator = UserFixture::new("olga")
        .role("superadmin")
        .create(&app)
        .await;
    let theirs = alice
        .post(&format!("/admin/users/{}/erase", operator.id), &[])
        .await;
    assert_eq!(theirs.status, 403, "{}", theirs.body);
    let form = alice.get(&format!("/admin/users/{}", s.uploader.id)).await;
    assert!(form.body.contains("Erase personal data"), "{}", form.body);
    let erased = alice
        .post(&format!("/admin/users/{}/erase", s.uploader.id), &[])
        .await;
    assert_eq!(erased.status, 303, "{}", erased.body);
    assert_eq!(
        columns_holding(&app, "uma@example.test"),
        Vec::<String>::new()
    );
    assert_eq!(columns_holding(&app, "uma example"), Vec::<String>::new());
    let (ok, stdout, stderr) = hopper(&app, &["audit", "verify"]);
    assert!(ok, "{stdout}{stderr}");
}
