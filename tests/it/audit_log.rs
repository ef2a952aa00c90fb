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
