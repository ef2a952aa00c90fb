//! The audit trail is append-only in the database itself, and the application role holds
//! no other right of the owner's.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::helpers::TestApp;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[actix_web::test]
async fn the_audit_log_refuses_update_delete_and_truncate() {
    let app = TestApp::spawn().await;
    app.sign_in("admin", "wrong-password").await;
    let mut conn = app.conn();
    let partitions: Vec<String> = diesel::sql_query(
        "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'audit_log' ORDER BY 1",
    )
    .load::<Name>(&mut conn)
    .expect("partitions")
    .into_iter()
    .map(|n| n.name)
    .collect();
    assert!(partitions.contains(&"audit_log_default".to_owned()));
    assert!(
        partitions.len() >= 4,
        "this month and months ahead: {partitions:?}"
    );

    for statement in [
        "UPDATE audit_log SET action = 'tampered'".to_owned(),
        "DELETE FROM audit_log".to_owned(),
        "TRUNCATE audit_log".to_owned(),
    ]
    .into_iter()
    .chain(partitions.iter().map(|p| format!("TRUNCATE {p}")))
    // Row triggers fire only where rows are: the partition holding the failed sign-in.
    .chain(holding_partition(&mut conn).map(|p| format!("DELETE FROM {p}")))
    {
        let error = diesel::sql_query(&statement)
            .execute(&mut conn)
            .expect_err(&statement);
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    let count: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM audit_log WHERE action = 'auth.sign_in_failed'",
    )
    .get_result(&mut conn)
    .expect("count");
    assert_eq!(count.n, 1, "the failed sign-in is still there");
}

fn holding_partition(conn: &mut PgConnection) -> Option<String> {
    diesel::sql_query("SELECT tableoid::regclass::text AS name FROM audit_log LIMIT 1")
        .get_result::<Name>(conn)
        .ok()
        .map(|n| n.name)
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// Requests run as a role that owns nothing: through it the audit log can be appended to
/// and read, never rewritten, whatever SQL it sends.
#[actix_web::test]
async fn the_application_role_cannot_rewrite_the_audit_log() {
    let app = crate::helpers::TestApp::spawn().await;
    let ready = app.get("/readyz").await;
    assert!(
        ready
            .body
            .contains("database role: hopper_app (owns nothing)"),
        "{}",
        ready.body
    );
    let mut conn = PgConnection::establish(&crate::helpers::app_role_url(&app.database_url))
        .expect("connect as the application role");
    diesel::sql_query(
        "INSERT INTO audit_log (action, details) VALUES ('test.appended', '{}'::jsonb)",
    )
    .execute(&mut conn)
    .expect("the application role appends");
    let partition = holding_partition(&mut conn);
    let mut statements = vec![
        "UPDATE audit_log SET action = 'tampered'".to_owned(),
        "DELETE FROM audit_log".to_owned(),
        "TRUNCATE audit_log".to_owned(),
        "ALTER TABLE audit_log DISABLE TRIGGER ALL".to_owned(),
        "ALTER TABLE audit_log OWNER TO hopper_app".to_owned(),
        "DROP TABLE audit_log".to_owned(),
        "CREATE TABLE audit_log_copy AS SELECT * FROM audit_log".to_owned(),
        // Nor can it forge or erase a verification run.
        "INSERT INTO audit_verifications (rows_checked) VALUES (1)".to_owned(),
        "DELETE FROM audit_verifications".to_owned(),
        // Nor change or remove a signed digest.
        "UPDATE audit_digests SET head_seq = 0".to_owned(),
        "DELETE FROM audit_digests".to_owned(),
    ];
    if let Some(partition) = &partition {
        statements.push(format!(
            "ALTER TABLE audit_log DETACH PARTITION {partition}"
        ));
        statements.push(format!("DELETE FROM {partition}"));
        statements.push(format!("TRUNCATE {partition}"));
        statements.push(format!("ALTER TABLE {partition} DISABLE TRIGGER ALL"));
    }
    for statement in &statements {
        let refused = diesel::sql_query(statement).execute(&mut conn);
        assert!(refused.is_err(), "{statement} went through");
    }
    let count: Count =
        diesel::sql_query("SELECT count(*) AS n FROM audit_log WHERE action = 'test.appended'")
            .get_result(&mut conn)
            .expect("the application role reads");
    assert_eq!(count.n, 1);
}

#[derive(QueryableByName)]
struct Refreshed {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    refreshed: bool,
}

/// The application role may have the upload table analysed only through the owner's
/// function (migration 23), which does nothing while the statistics are fresh.
#[actix_web::test]
async fn the_application_role_refreshes_upload_statistics_only_through_the_owners_function() {
    let app = crate::helpers::TestApp::spawn().await;
    let mut conn = PgConnection::establish(&crate::helpers::app_role_url(&app.database_url))
        .expect("connect as the application role");
    let fresh: Refreshed =
        diesel::sql_query("SELECT file_uploads_refresh_statistics() AS refreshed")
            .get_result(&mut conn)
            .expect("the application role may call it");
    assert!(!fresh.refreshed, "nothing changed, yet it analysed");
    // Not the owner: the role cannot run anything else as the owner through it, nor take
    // the table over.
    for statement in [
        "ALTER TABLE file_uploads OWNER TO hopper_app",
        "CREATE OR REPLACE FUNCTION file_uploads_refresh_statistics() RETURNS BOOLEAN LANGUAGE sql AS 'SELECT true'",
    ] {
        let refused = diesel::sql_query(statement).execute(&mut conn);
        assert!(refused.is_err(), "{statement} went through");
    }
}

#[derive(QueryableByName)]
struct Stamp {
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    at: chrono::DateTime<chrono::Utc>,
}

/// The application role cannot back-date a row: `created_at` is the database's clock,
/// whatever the INSERT names (a date of another month is refused outright: the row may
/// not change partition in the trigger).
#[actix_web::test]
async fn the_application_role_cannot_back_date_an_audit_row() {
    let app = TestApp::spawn().await;
    let victim = crate::helpers::UserFixture::new("victim")
        .create(&app)
        .await;
    let mut conn = PgConnection::establish(&crate::helpers::app_role_url(&app.database_url))
        .expect("connect as the application role");
    let month_start: Stamp = diesel::sql_query(
        "SELECT date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS at",
    )
    .get_result(&mut conn)
    .expect("month start");
    let before: Stamp = diesel::sql_query("SELECT now() AS at")
        .get_result(&mut conn)
        .expect("now");
    let forge = |conn: &mut PgConnection, at: &str| {
        diesel::sql_query(format!(
            "INSERT INTO audit_log (created_at, actor_user_id, actor_username, company_id, action)
             VALUES ({at}, $1, 'victim', $2, 'file.deleted') RETURNING created_at AS at"
        ))
        .bind::<diesel::sql_types::Integer, _>(victim.id.0)
        .bind::<diesel::sql_types::Integer, _>(victim.company_id.0)
        .get_result::<Stamp>(conn)
    };
    // Back-dated within this month's partition: the given time is ignored.
    let stored = forge(
        &mut conn,
        "date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
    )
    .expect("the row is written");
    assert!(
        stored.at >= before.at && stored.at != month_start.at,
        "stored at {}, given {}, server time before the insert {}",
        stored.at,
        month_start.at,
        before.at
    );
    // Back-dated by a year: never stored with that date.
    match forge(&mut conn, "now() - interval '1 year'") {
        Err(_) => {}
        Ok(stored) => assert!(stored.at >= before.at, "stored at {}", stored.at),
    }
    let old: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM audit_log WHERE action = 'file.deleted' AND created_at < $1",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(before.at)
    .get_result(&mut conn)
    .expect("count");
    assert_eq!(old.n, 0, "no back-dated row");
    let report =
        hopper::services::audit_chain::verify_chain(&mut app.conn(), Some(victim.company_id))
            .expect("verify");
    assert_eq!(report.first_bad, None);
}

/// A REPEATABLE READ transaction sees the chain as of its snapshot: an insert from it,
/// after another row of the same chain committed, must not take that row's place (a fork
/// `audit verify` would report for ever). It is refused, and the chain stays whole.
#[actix_web::test]
async fn an_insert_from_a_stale_snapshot_cannot_fork_the_chain() {
    let app = TestApp::spawn().await;
    let company = app.default_company();
    let url = crate::helpers::app_role_url(&app.database_url);
    let mut stale = PgConnection::establish(&url).expect("connect as the application role");
    let mut other = PgConnection::establish(&url).expect("connect as the application role");
    let insert = |conn: &mut PgConnection, action: &str| {
        diesel::sql_query(
            "INSERT INTO audit_log (company_id, action, details) VALUES ($1, $2, '{}'::jsonb)",
        )
        .bind::<diesel::sql_types::Integer, _>(company.0)
        .bind::<diesel::sql_types::Text, _>(action)
        .execute(conn)
    };
    insert(&mut other, "test.first").expect("a first row");
    let outcome = stale.build_transaction().repeatable_read().run(|stale| {
        // The snapshot is taken here, before the other row commits.
        diesel::sql_query("SELECT count(*) AS n FROM audit_log").get_result::<Count>(stale)?;
        insert(&mut other, "test.committed_meanwhile")?;
        insert(stale, "test.from_stale_snapshot")
    });
    let report = hopper::services::audit_chain::verify_chain(&mut app.conn(), Some(company))
        .expect("verify");
    assert_eq!(
        report.first_bad, None,
        "outcome of the stale insert: {outcome:?}"
    );
    if let Err(error) = outcome {
        assert!(
            error.to_string().contains("could not serialize"),
            "refused as a serialization failure: {error}"
        );
    }
    // The chain goes on from where it is.
    insert(&mut stale, "test.after").expect("the next row chains");
    let report = hopper::services::audit_chain::verify_chain(&mut app.conn(), Some(company))
        .expect("verify");
    assert_eq!(report.first_bad, None);
    assert!(report.rows_checked >= 3);
}
